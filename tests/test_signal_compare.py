"""The comparison of the training signals (lmn_utils.signal_compare): the plan's censoring
rule, its exact signed-rank test with ties, Holm across arms, the criteria for "sooner" and
which methods go on."""
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from lmn_utils.signal_compare import (arm_name, arms, comparison_table, display_rows,
                                      going_on, markdown_rows, paired_differences,
                                      ranked_values, signed_rank_p, step_ratio, verdict)

SEEDS = range(3000, 3010)


def row(seed, generalised, acc=1.0, **grid):
    if "signals" in grid:
        grid["signals"] = json.dumps(grid["signals"])  # as the results table holds it
    return {"seed": seed, "memorised": 150, "generalised": generalised, "final_test_acc": acc,
            "lmn_at_end": 12.0, **grid}


def baseline(steps=None):
    steps = steps or [5000 + 500 * k for k in range(10)]
    return [row(s, g, weight_decay=0.2) for s, g in zip(SEEDS, steps)]


def arm(steps, acc=1.0, **grid):
    return {s: row(s, g, acc, **grid) for s, g in zip(SEEDS, steps)}


def test_the_censoring_rule_of_the_plan():
    d = paired_differences([1000, None, 3000, None], [2000, 4000, None, None], horizon=20000)
    assert d[0] == pytest.approx(np.log(0.5))
    assert d[1] == np.inf                          # the method never generalises
    assert d[2] == pytest.approx(np.log(3000 / 20000))  # the baseline's step taken as 20000
    assert np.isnan(d[3])                          # both censored
    assert paired_differences([700], [700])[0] == 0.0      # equal steps: a true tie


def test_ranks_put_censored_methods_last_and_double_censoring_against_the_claim():
    for alternative, sign in (("less", +1), ("greater", -1)):
        values = ranked_values([-1.0, 0.5, np.inf, np.inf, np.nan, 0.0], alternative)
        magnitudes = np.abs(values[:2])
        assert values[2] == values[3] > magnitudes.max()  # tied, above every finite |d|
        assert 0 < sign * values[4] < magnitudes.min()    # against sooner, or against later
        assert values[5] == 0.0


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-3, 3).filter(lambda v: abs(v) > 1e-3), min_size=3, max_size=10,
                unique=True))
def test_without_ties_the_test_is_scipys_exact_wilcoxon(values):
    values = np.array(values)
    if len(set(np.round(np.abs(values), 9))) < len(values):
        return  # |d| ties: scipy's "exact" does not apply
    for alternative in ("less", "greater"):
        expected = stats.wilcoxon(values, alternative=alternative, method="exact").pvalue
        assert signed_rank_p(values, alternative) == pytest.approx(expected)


def test_ten_seeds_all_sooner_give_the_smallest_p_and_all_censored_the_largest_later():
    assert signed_rank_p(-np.arange(1.0, 11.0), "less") == pytest.approx(1 / 1024)
    assert signed_rank_p([np.inf] * 10, "greater") == pytest.approx(1 / 1024)
    # never generalising in both counts against either claim
    assert signed_rank_p([np.nan] * 10, "less") == signed_rank_p([np.nan] * 10, "greater") == 1.0
    assert signed_rank_p([0.0] * 10, "greater") == 1.0  # equal steps say nothing


def test_an_arm_that_changes_nothing_is_not_distinguished():
    base = baseline()
    same = arm([r["generalised"] for r in base], weight_decay=0.5)
    row, = comparison_table(base, {"same": same})
    assert row["p_sooner"] == row["p_later"] == 1.0 and row["verdict"] == "not distinguished"


def test_the_ratio_is_the_geometric_mean_over_seeds_where_both_generalise():
    ratio, low, high, pairs = step_ratio([1000, 4000, None], [2000, 2000, 3000], level=0.99)
    assert pairs == 2 and ratio == pytest.approx(1.0)  # sqrt(0.5 * 2)
    assert low < 1 < high
    assert np.isnan(step_ratio([1000, None], [2000, 3000], level=0.95)[1])


def halved(base):
    """Each seed's step halved, give or take a little (so the log ratios are not constant)."""
    return [int(r["generalised"] / 2) + 40 * (k % 3) for k, r in enumerate(base)]


def test_an_arm_sooner_in_every_seed_is_called_sooner_after_holm():
    base = baseline()
    fast = arm(halved(base), weight_decay=1.0)
    slow = arm([r["generalised"] * 2 for r in base], signals={"grokfast_lambda": 0.05})
    table = comparison_table(base, {"weight decay, 1": fast, "Grokfast": slow})
    by_arm = {r["arm"]: r for r in table}
    assert by_arm["weight decay, 1"]["verdict"] == "sooner"
    assert by_arm["weight decay, 1"]["ratio"] == pytest.approx(0.5, rel=0.03)
    assert by_arm["Grokfast"]["verdict"] == "later"
    assert all(r["p_sooner_holm"] >= r["p_sooner"] for r in table)


def test_sooner_needs_the_seeds_to_generalise_and_the_accuracy_to_hold():
    base = baseline()
    # criterion (ii) on its own: at n = 10 two more censored seeds (the two largest ranks)
    # already keep the test's p above 0.2, so it binds only on a summary built for it
    summary = {"p_sooner_holm": 0.001, "p_later_holm": 1.0, "accuracy_change": 0.0}
    assert verdict({**summary, "failures_over_baseline": 2}) == "not distinguished"
    assert verdict({**summary, "failures_over_baseline": 1}) == "sooner"
    steps = [step // 2 for step in halved(base)]
    failing = arm(steps[:8] + [None, None], weight_decay=2.0)
    assert comparison_table(base, {"fails": failing})[0]["failures_over_baseline"] == 2
    # every seed sooner, but 0.02 less accurate: criterion (iii) fails
    table = comparison_table(base, {"less accurate": arm(steps, acc=0.98, weight_decay=2.0)})
    assert table[0]["p_sooner_holm"] < 0.05 and table[0]["verdict"] == "not distinguished"
    table = comparison_table(base, {"0.01 lower": arm(steps, acc=0.99, weight_decay=2.0)})
    assert table[0]["verdict"] == "sooner"  # "not lower by more than 0.01"


def test_the_planned_family_counts_arms_not_landed_and_pairs_must_be_complete():
    base = baseline()
    fast = arm(halved(base), weight_decay=1.0)
    alone, = comparison_table(base, {"a": fast}, family_size=5)
    assert alone["p_sooner_holm"] == pytest.approx(5 * alone["p_sooner"])
    assert comparison_table(base, {"a": fast})[0]["p_sooner_holm"] == alone["p_sooner"]
    with pytest.raises(ValueError, match="seeds"):
        comparison_table(base, {"short": {s: r for s, r in fast.items() if s != 3009}})
    few = arm(halved(base)[:5] + [None] * 5, weight_decay=1.0)
    assert comparison_table(base, {"few": few}, min_pairs=6)[0]["verdict"] == "descriptive"


def test_descriptive_arms_get_no_verdict_and_do_not_enter_holm():
    base = baseline()
    fast = arm(halved(base), weight_decay=1.0)
    alone = comparison_table(base, {"a": fast})
    beside = comparison_table(base, {"a": fast}, descriptive={"b": fast})
    assert alone[0]["p_sooner_holm"] == beside[0]["p_sooner_holm"]
    assert beside[1]["role"] == "descriptive" and beside[1]["verdict"] == "-"


def test_the_two_that_go_on_are_methods_not_arms():
    table = [{"arm": "weight decay, 2", "verdict": "sooner", "ratio": 0.1},
             {"arm": "weight decay, 1", "verdict": "sooner", "ratio": 0.2},
             {"arm": "Grokfast-EMA, alpha 0.98, lambda 0.05", "verdict": "sooner", "ratio": 0.9},
             {"arm": "Jacobian penalty, 0.01", "verdict": "later", "ratio": 0.05}]
    assert going_on(table) == ["weight decay, 2", "Grokfast-EMA, alpha 0.98, lambda 0.05"]
    assert going_on(table[1:2] + table[3:]) == ["weight decay, 1"]


def test_rows_are_grouped_into_arms_by_method_and_setting():
    rows = baseline() + list(arm([1000] * 10, signals={"jacobian_penalty": 0.01}).values())
    grouped = arms(rows)
    assert list(grouped) == ["baseline", "Jacobian penalty, 0.01"]
    assert sorted(grouped["baseline"]) == list(SEEDS)
    assert arm_name(row(0, 1, signals={"lmn_penalty": 0.001, "lmn_penalty_pairs": 64})) == (
        "nonlinearity penalty from step 0, 0.001")


def test_the_printed_rows_show_what_was_not_measured_as_a_dash():
    base = baseline()
    never = arm([None] * 10, weight_decay=6.0)
    for r in never.values():
        r["memorised"] = None
    table = comparison_table(base, {"weight decay, 6": never})
    shown, = display_rows(table, {"weight decay": 1.0})
    assert shown["median memorised"] == "-" and shown["step ratio [95%]"] == "-"  # one arm
    five, = display_rows(comparison_table(base, {"weight decay, 6": never}, family_size=5),
                         {"weight decay": 1.0})
    assert "step ratio [99%]" in five  # Bonferroni over five
    assert shown["generalise"] == "0/10 [0.00, 0.31]" and shown["verdict"] == "later"
    assert shown["median LMN at generalisation"] == "12.0"
    lines = markdown_rows(table, {"weight decay": 1.0}).splitlines()
    assert len(lines) == 3 and lines[2].startswith("| weight decay, 6 | 0/10 [0.00, 0.31] | - |")
    led = markdown_rows(table, {"weight decay": 1.0}, task="S4").splitlines()
    assert led[0].startswith("| task | arm |") and led[2].startswith("| S4 | weight decay, 6 |")


def test_descriptive_arms_print_no_p_value():
    base = baseline()
    fast = arm(halved(base), weight_decay=1.0)
    rows = display_rows(comparison_table(base, {"a": fast}, descriptive={"b": fast}),
                        {"weight decay": 1.0, "a": 1.0, "b": 1.0})
    assert isinstance(rows[0]["p sooner (Holm)"], float) and rows[1]["p sooner (Holm)"] == "-"


def write_sweep(folder, runs, length=None):
    """A constructed sweep folder: runs = {run_id: (weight_decay, {seed: generalised})};
    length: the runs' steps when set by the sweep (else the notebook's 20000, no column)."""
    from lmn_utils.sweep_table import write_table
    folder.mkdir(parents=True)
    (folder / "sweep.json").write_text(json.dumps({"notebook": "05.ipynb", "fixed": {},
                                                   "grid": {"weight_decay": [0.2, 2.0]}}))
    write_table(str(folder / "results.csv"),
                [{"run_id": run_id, "status": "ok", "error": "", "weight_decay": wd, "seed": s,
                  "memorised": 100, "generalised": g, "final_test_acc": 1.0, "lmn_at_end": 9.0,
                  **({"steps": length} if length else {})}
                 for run_id, (wd, steps) in runs.items() for s, g in steps.items()])


def test_the_transfer_step_tests_one_arm_per_task_with_its_horizon(tmp_path):
    from lmn_utils.signal_compare import baseline_summary, describe_baseline, transfer_table
    base = {s: (None if s < 3002 else 30000 + 100 * k) for k, s in enumerate(SEEDS)}
    sooner = {s: 3000 + 10 * k for k, s in enumerate(SEEDS)}
    write_sweep(tmp_path / "s4", {"a": (0.2, base), "b": (2.0, sooner)}, length=40000)
    table, grouped, pending, _ = transfer_table(str(tmp_path), "weight decay, 2", "s4",
                                                horizon=40000)
    assert sorted(grouped) == ["baseline", "weight decay, 2"]
    assert describe_baseline(baseline_summary(grouped["baseline"])) == ("8 of 10 seeds generalise (median step of those 30550); "
                                            "median LMN at generalisation 9.0; mean final test "
                                            "accuracy 1.000")
    assert pending == 0 and [r["arm"] for r in table] == ["weight decay, 2"]
    (only,) = table
    assert only["p_sooner_holm"] == only["p_sooner"] == 1 / 1024  # one test: no adjustment
    assert only["verdict"] == "sooner" and only["pairs"] == 8
    # the two censored baseline seeds count at the horizon: 40000, not 20000
    d = paired_differences([sooner[s] for s in SEEDS], [base[s] for s in SEEDS], 40000)
    assert d[0] == pytest.approx(np.log(3000 / 40000))
    with pytest.raises(ValueError, match="not the arm 'weight decay, 1'"):
        transfer_table(str(tmp_path), "weight decay, 1", "s4", horizon=40000)
    write_sweep(tmp_path / "short", {"a": (0.2, base), "b": (2.0, sooner)})
    with pytest.raises(ValueError, match=r"ran \[20000\] steps, the horizon is 40000"):
        transfer_table(str(tmp_path), "weight decay, 2", "short", horizon=40000)


def test_the_transfer_step_waits_for_both_runs_and_needs_six_pairs(tmp_path):
    from lmn_utils.signal_compare import transfer_table
    write_sweep(tmp_path / "half", {"a": (0.2, {s: 5000 for s in SEEDS})})
    table, _, pending, _ = transfer_table(str(tmp_path), "weight decay, 2", "half", 20000)
    assert table == [] and pending == 1
    few = {s: (4000 if k < 5 else None) for k, s in enumerate(SEEDS)}
    write_sweep(tmp_path / "few", {"a": (0.2, {s: 5000 for s in SEEDS}), "b": (2.0, few)})
    (only,), _, _, _ = transfer_table(str(tmp_path), "weight decay, 2", "few", 20000)
    assert only["pairs"] == 5 and only["verdict"] == "descriptive"


def test_the_paired_plot_draws_censored_seeds_open_at_the_horizon():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from lmn_utils.plotting import plot_paired_steps
    base = {s: r for s, r in zip(SEEDS, baseline([None] + [5000] * 9))}
    method = arm([2000] * 9 + [None], weight_decay=2.0)
    fig, ax = plt.subplots()
    plot_paired_steps(ax, base, method, 40000, "weight decay 2")
    points = [c.get_offsets()[0].tolist() for c in ax.collections]
    assert points[0] == [40000, 2000] and points[-1] == [5000, 40000]
    filled = [len(c.get_facecolors()) and c.get_facecolors()[0][3] > 0 for c in ax.collections]
    assert filled == [False] + [True] * 8 + [False]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2k", "5k", "10k", "20k", "40k"]
    fig, ax = plt.subplots()
    plot_paired_steps(ax, base, method, 80000, "weight decay 2")  # a horizon past 40000
    assert [t.get_text() for t in ax.get_yticklabels()][-2:] == ["50k", "80k"]
    plt.close("all")
