"""The plan's rules (lmn_utils.confirm) on constructed cases, each side of its threshold."""
from pathlib import Path

import numpy as np
import pytest

from lmn_utils import History
from lmn_utils.confirm import (LINEARITY_MARGIN, ClaimTest, claim_tests, combined_linearity,
                               confirmatory_table, count_verdict, seed_statistics,
                               turning_points, verdicts)

RNG = np.random.default_rng(0)


def jitter(centre, spread=0.01, n=20):
    return centre + spread * RNG.normal(size=n)


def fall(values):
    return ClaimTest("F", "fall", values, ("two-sided", 0.0), ("two-sided", 0.0), 0.05,
                     extra={"expected": -1})


def levels(values):
    return ClaimTest("V", "levels", values, ("less", np.log(0.5)), ("greater", 0.0))


def linear(values):
    return ClaimTest("L", "linear", values, ("within", LINEARITY_MARGIN),
                     ("greater", LINEARITY_MARGIN))


@pytest.mark.parametrize("make, values, verdict", [
    (fall, jitter(-0.5), "supported"), (fall, jitter(+0.5), "contradicted"),
    (fall, jitter(0.0), "equivalent"), (fall, jitter(-0.04, 0.3), "not distinguished"),
    (levels, jitter(np.log(0.2)), "supported"), (levels, jitter(np.log(3.0)), "contradicted"),
    (levels, jitter(np.log(0.7)), "not distinguished"),
    (linear, jitter(0.002, 0.001), "supported"), (linear, jitter(0.1), "contradicted"),
    (linear, jitter(0.02, 0.01), "not distinguished")])
def test_each_rule_on_each_side_of_its_threshold(make, values, verdict):
    test = make(values)
    assert verdicts([test])[test.claim] == verdict
    assert verdicts([test], "uncorrected")[test.claim] == verdict


def test_holm_turns_a_lone_borderline_result_into_not_distinguished_within_a_family():
    borderline = np.array([0.5, -0.1, 0.4, 0.3, 0.2, 0.6, -0.2, 0.35])  # p about 0.03
    family = [ClaimTest("F", f"claim {k}", borderline if k == 0 else jitter(0, 1.0, 8),
                        ("two-sided", 0.0), ("two-sided", 0.0), extra={"expected": +1})
              for k in range(4)]
    assert verdicts(family, "uncorrected")["claim 0"] == "supported"
    assert verdicts(family)["claim 0"] == "not distinguished"


def test_sign_flip_cannot_support_anything_with_5_seeds():
    test = fall(np.array([-0.5, -0.6, -0.55, -0.52, -0.58]))
    assert verdicts([test])["fall"] == "supported"
    assert verdicts([test], "sign-flip")["fall"] == "not distinguished"


def test_combined_linearity():
    on = "test loss"
    primary = {"t: (a) LMN linear in test loss": "supported",
               "t: (b) L2 not linear in test loss": "supported"}
    assert combined_linearity(primary, "t", on) == "supported"
    primary["t: (b) L2 not linear in test loss"] = "not distinguished"
    assert combined_linearity(primary, "t", on) == "not distinguished"
    primary["t: (a) LMN linear in test loss"] = "contradicted"
    assert combined_linearity(primary, "t", on) == "contradicted"


def test_count_verdict_reads_the_clopper_pearson_bounds():
    assert count_verdict(19, 20) == "reproduced"
    assert count_verdict(1, 20) == "not reproduced"
    assert count_verdict(10, 20) == "partly"
    assert count_verdict(0, 0) == "not measured"


def constructed_history():
    """One seed: memorises at 10, generalises at 30; LMN 2 -> 8 (peak, step 10) -> 4 (step 30)
    -> 3 (step 70): -50% over the window (7 LMN steps) in 20 steps, -25% after in 40 steps; the
    test loss peaks at step 12 (the alternative window: 6 steps)."""
    steps = np.array([0, 10, 12, 16, 20, 24, 27, 30, 50, 70])
    train = np.array([[0, 1, 1, 1, 1, 1, 1, 1, 1, 1]], dtype=float)
    test = np.array([[0, 0, 0, 0, 0, 0, 0, 1, 1, 1]], dtype=float)
    loss = np.array([[3.0, 2.0, 2.5, 2.2, 1.8, 1.2, 0.8, 0.5, 0.3, 0.2]])
    history = History(config={"seeds": [7]}, steps=steps, metrics={
        "train_acc": train, "test_acc": test, "test_loss": loss, "l2_norm": loss + 1})
    history.set_lmn([steps], {"hidden1": [np.array([2.0, 8.0, 6.0, 5.5, 5.0, 4.6, 4.3, 4.0,
                                                    3.5, 3.0])]})
    return history


def test_a_seed_with_fewer_than_6_window_points_is_left_out():
    history = constructed_history().subset([0])
    keep = [0, 1, 5, 7, 8, 9]  # 10, 24, 30 inside the window: 3 points
    short = History(config=history.config, steps=history.steps, metrics=history.metrics)
    short.set_lmn([history.lmn_steps[0][keep]], {"hidden1": [history.lmn["hidden1"][0][keep]]})
    assert seed_statistics(short) == [] and len(seed_statistics(history)) == 1


def test_seed_statistics_by_hand():
    (stats,) = seed_statistics(constructed_history())
    assert stats["fall"] == pytest.approx(-0.5)
    assert stats["log_peak"] == pytest.approx(np.log(4.0))
    rate_ratio = (0.25 / 40) / (0.5 / 20)
    assert stats["log_rate_ratio"] == pytest.approx(np.log(rate_ratio))
    assert stats["total_ratio"] == pytest.approx(0.5)
    (alternative,) = seed_statistics(constructed_history(), alternative=True)
    assert alternative["fall"] == pytest.approx((4.0 - 6.0) / 6.0)  # from the test-loss maximum


def test_one_seed_decides_nothing_and_nothing_is_fragile():
    per_task = {"T": seed_statistics(constructed_history())}
    rows = confirmatory_table(per_task)
    assert {r["claim"] for r in rows} == {t.claim for t in claim_tests(per_task)}
    assert all(r["verdict"] == "not measured" for r in rows)  # one seed: nothing is decided
    assert not any(r["fragile"] for r in rows)


def test_a_sensitivity_row_that_moves_a_verdict_marks_it_fragile_and_an_unmeasured_one_not():
    from lmn_utils.confirm import fragile_because
    base = seed_statistics(constructed_history())[0]
    falling = [{**base, "fall": f} for f in jitter(-0.5, 0.05)]
    rising = [{**base, "fall": f} for f in jitter(+0.5, 0.05)]
    rows = confirmatory_table({"T": falling}, {"other window": {"T": rising},
                                               "too few seeds": {"T": falling[:1]}})
    (fall_row,) = [r for r in rows if r["family"] == "F"]
    assert fall_row["verdict"] == "supported" and fall_row["other window"] == "contradicted"
    assert fall_row["too few seeds"] == "not measured"
    assert fall_row["fragile"] and fragile_because(fall_row) == ["other window"]


def test_turning_points_absolute_and_scale_free():
    history = constructed_history()
    history.lmn["hidden1"] = [np.array([20.0] * 8 + [15.0, 20.0])]
    # after generalising (step 30): 20 -> 15 -> 20, the last point: no finished second fall
    assert turning_points(history, 5) == dict(absolute=(0, 1), scale_free=(0, 1))


def test_turning_points_count_a_finished_double_descent_at_the_predicted_levels():
    steps = np.arange(0, 80, 10)
    ones = np.ones((1, 8))
    test = np.array([[0, 0, 0, 1, 1, 1, 1, 1]], dtype=float)
    history = History(config={"seeds": [0]}, steps=steps, metrics={
        "train_acc": ones, "test_acc": test, "test_loss": ones, "l2_norm": ones})
    lmn = np.array([10, 30, 25, 20, 15, 20, 16, 17.0])  # after step 30: 20, 15, 20, 16, 17
    history.set_lmn([steps], {"hidden1": [lmn]})
    assert turning_points(history, 5) == dict(absolute=(1, 1), scale_free=(1, 1))
    assert turning_points(history, 4) == dict(absolute=(0, 1), scale_free=(1, 1))


class _Phases:
    """A stand-in with History.phases() only: (row, memorised, generalised) per seed."""

    def __init__(self, memorised, generalised):
        self._rows = [(r, m, g) for r, (m, g) in enumerate(zip(memorised, generalised))]

    def phases(self):
        return self._rows


@pytest.mark.parametrize("memorised, verdict", [
    ([180, 210, 190, 220, 200], "reproduced"),      # inside [100, 400]
    ([30, 35, 32, 34, 31], "not reproduced"),       # below 100
    ([60, 400, 90, 300, 150], "partly"),            # the interval straddles 100
])
def test_the_phase_step_rule_reads_the_interval_of_the_log_steps(memorised, verdict):
    from lmn_utils.confirm import phase_step_rows
    rows = phase_step_rows(_Phases(memorised, [7600, None, 7000, 8000, 7500]), "mod 31")
    assert rows[0]["verdict"] == verdict and rows[0]["n"] == 5
    assert rows[1]["n"] == 4 and rows[1]["verdict"] == "reproduced"  # a seed that never did
    assert phase_step_rows(_Phases(memorised, memorised), "S4") == []  # no paper value


def test_the_counting_rows_read_the_xor_runs_against_the_controls():
    """On the committed exploratory runs (5 seeds each): one double-descent row and the four
    turning-point rows, each a count of seeds that generalised, with a verdict word."""

    from lmn_utils.confirm import counting_rows, markdown_rows
    figures = Path(__file__).resolve().parents[1] / "figures"
    histories = {"XOR": History.load(figures / "06_bitwise_xor_history.json"),
                 "XOR 4 bits": History.load(figures / "06_bitwise_xor_4bits_history.json"),
                 "mod 31": History.load(figures / "04_modular_addition_history.json")}
    rows = counting_rows(histories)
    assert [r["claim"].split(":")[0] for r in rows] == ["XOR"] * 3 + ["XOR 4 bits"] * 2
    assert rows[0]["n"] == 5 and rows[0]["value"].startswith("0 of 5 seeds")  # none finished
    assert all(r["verdict"] in ("reproduced", "partly", "not reproduced", "not measured")
               for r in rows)
    assert rows[0]["verdict"] == "not reproduced"
    assert markdown_rows([], rows).count("\n") == 2 + len(rows)


def test_family_t_reads_the_transformer_as_the_plan_says():
    """Family T on notebook 09's committed run: the fall is family F's statistic at resid_mid,
    the leads are test accuracy's half-way step minus each measure's, and the verdicts are the
    t-tests' under Holm within T (three tests)."""
    from scipy import stats as scipy_stats

    from lmn_utils.confirm import seed_statistics, transformer_rows
    from lmn_utils.inference import holm
    from lmn_utils.progress import halfway_table, leads
    figures = Path(__file__).resolve().parents[1] / "figures"
    history = History.load(figures / "09_transformer_history.json")
    rows = transformer_rows(history)
    assert [r["family"] for r in rows] == ["T"] * 3 and all(r["n"] == 4 for r in rows)
    falls = [s["fall"] for s in seed_statistics(history, "resid_mid")]
    halfway = halfway_table(history, ["test_acc", "fourier_gini", "lmn:resid_mid"])
    values = [falls, leads(halfway, "lmn:resid_mid"), leads(halfway, "fourier_gini")]
    p = [scipy_stats.ttest_1samp(v, 0.0).pvalue for v in values]
    assert np.allclose([r["p"] for r in rows], p)
    adjusted = holm(np.array(p))
    for row, value, q in zip(rows, values, adjusted):
        expected = ("not distinguished" if q >= 0.05 else
                    "supported" if np.sign(np.mean(value)) == (-1 if "falls" in row["claim"]
                                                               else +1) else "contradicted")
        assert row["verdict"] == expected, row


def test_the_float32_row_compares_the_same_seeds_of_both_precisions():
    from lmn_utils.confirm import double_descent_count, float32_row
    figures = Path(__file__).resolve().parents[1] / "figures"
    mixed = History.load(figures / "06_bitwise_xor_history.json")
    row = float32_row(mixed.subset([1, 3]), mixed)  # its own seeds 1 and 3: the same counts
    hits, total = double_descent_count(mixed.subset([1, 3]))
    assert f"float32 {hits} of {total}, mixed {hits} of {total}" in row["value"]
    assert row["value"].startswith("seeds 2;")
    assert row["verdict"] == "not distinguished" and row["n"] == 2


def test_rows_4_to_7_are_read_from_their_files_and_reach_the_table(tmp_path):
    from lmn_utils.confirm import SENSITIVITY_DIR, sensitivity_from, slug, table_for
    figures = Path(__file__).resolve().parents[1] / "figures"
    history = History.load(figures / "04_modular_addition_history.json")
    assert sensitivity_from(tmp_path, {"mod 31": history}) == {}
    folder = tmp_path / SENSITIVITY_DIR / slug("mod 31")
    folder.mkdir(parents=True)
    history.subset([0, 1, 2]).save(str(folder / f"{slug('11 points')}.json"))
    measured = sensitivity_from(tmp_path, {"mod 31": history})
    assert list(measured) == ["11 points"] and measured["11 points"]["mod 31"][1] == "hidden1"
    rows = table_for({"mod 31": history}, measured=measured)
    assert all("11 points" in r for r in rows)


def test_a_counting_row_is_fragile_where_another_tolerance_of_the_plan_moves_its_verdict():
    """Six XOR seeds whose second rise is 3% of its level: a double descent at tolerances 0%
    and 2%, none at the primary 5%; against six controls that only fall, the verdict moves
    with the tolerance (reproduced at 0% and 2%: 6 of 6 against 0 of 6)."""
    from lmn_utils.confirm import counting_rows, extra_text, markdown_rows
    steps = np.arange(0, 80, 10)
    seeds = 6
    ones = np.ones((seeds, 8))
    test = np.tile(np.array([0, 0, 0, 1, 1, 1, 1, 1], dtype=float), (seeds, 1))

    def history(lmn):
        h = History(config={"seeds": list(range(seeds))}, steps=steps, metrics={
            "train_acc": ones, "test_acc": test, "test_loss": ones, "l2_norm": ones})
        h.set_lmn([steps] * seeds, {"hidden1": [np.array(lmn, dtype=float)] * seeds})
        return h

    xor = history([10, 30, 25, 20, 15, 15.45, 14, 14])  # after step 30: 20, 15, 15.45, 14, 14
    control = history([10, 30, 25, 20, 15, 14, 13, 12])  # falls only
    rows = counting_rows({"XOR": xor, "mod 31": control})
    double = rows[0]
    assert double["value"].startswith("0 of 6 seeds") and double["verdict"] == "not reproduced"
    assert double["fragile_under"] == ["tolerance 0%: reproduced", "tolerance 2%: reproduced"]
    assert "FRAGILE (tolerance 0%: reproduced" in extra_text(rows[:1])
    assert "tolerance 2%: reproduced" in markdown_rows([], rows[:1])
    assert counting_rows({"XOR": control, "mod 31": control})[0]["fragile_under"] == []


def test_float32_shape_reads_each_second_minimum_and_the_mixed_floor():
    from lmn_utils.confirm import float32_shape
    figures = Path(__file__).resolve().parents[1] / "figures"
    mixed = History.load(figures / "06_bitwise_xor_history.json")
    f32 = mixed.subset(range(len(mixed.seeds)))
    _, _, generalised = f32.phases()[0]
    values = np.asarray(f32.lmn["hidden1"][0], dtype=float).copy()
    after = np.flatnonzero(np.asarray(f32.lmn_steps[0]) >= generalised)
    values[after] = 1.3
    values[after[:4]] = [9.0, 2.0, 8.0, 1.1]  # fall, rise, fall, then flat above the minimum
    f32.lmn["hidden1"][0] = values
    before = float32_shape(mixed, mixed)["second_minima"]
    shape = float32_shape(f32, mixed)
    assert 1.1 in shape["second_minima"] and 1.1 not in before
    assert shape["mixed_lowest"] == min(min(v) for v in mixed.lmn["hidden1"])
    loss = np.asarray(mixed.metrics["train_loss"])
    np.testing.assert_array_equal(shape["final_loss"], loss[:, -1])
    np.testing.assert_array_equal(shape["lowest_loss"], loss.min(axis=1))


def test_the_same_seeds_reference_is_the_primary_table_on_the_seeds_rows_4_to_7_read():
    from lmn_utils.confirm import same_seeds_reference, table_for
    figures = Path(__file__).resolve().parents[1] / "figures"
    history = History.load(figures / "04_modular_addition_history.json")
    three = history.subset([3, 0, 2])
    measured = {"11 points": {"mod 31": (three, "hidden1")}}
    reference = same_seeds_reference({"mod 31": history}, measured)
    expected = {r["claim"]: r["verdict"] for r in table_for({"mod 31": three})}
    assert reference == expected and reference
    full = {r["claim"]: r["n"] for r in table_for({"mod 31": history})}
    assert max(full.values()) == 5  # the reference reads 3 of them


def test_why_moved_tells_fewer_seeds_from_another_measurement():
    from lmn_utils.confirm import why_moved
    row = {"claim": "c", "verdict": "supported", "tap": "contradicted",
           "11 points": "not distinguished", "grid": "supported", "41 points": "n/a"}
    reference = {"c": "not distinguished"}
    assert why_moved(row, reference, ["tap", "11 points", "grid", "41 points", "absent"]) == {
        "tap": "measured another way", "11 points": "fewer seeds"}
