"""Study statistics (lmn_utils.study) and the per-seed summary of a sweep's table."""
import numpy as np
import pytest

from lmn_utils import History
from lmn_utils.study import (cell_summary, compare_correlations, correlation_test,
                             merge_columns,
                             rank_correlation, ranks)
from lmn_utils.sweep_table import (early_change, history_rows, load_sweep, read_table,
                                   seed_summary, write_table)


def test_ranks_average_ties():
    np.testing.assert_array_equal(ranks([10, 30, 20, 30]), [1, 3.5, 2, 3.5])


def test_rank_correlation_reads_order_not_lines():
    x = np.arange(1.0, 9.0)
    assert rank_correlation(x, np.exp(x)) == pytest.approx(1)
    assert rank_correlation(x, -x ** 3) == pytest.approx(-1)
    assert np.isnan(rank_correlation(x, np.ones_like(x)))


def test_grouped_correlation_sees_only_the_order_inside_groups():
    # three groups offset upwards together (pooled: positive), decreasing inside each group
    groups = np.repeat([0, 1, 2], 6)
    x = 10.0 * groups + np.tile(np.arange(6), 3)
    y = 10.0 * groups + np.tile(np.arange(6)[::-1], 3)
    assert rank_correlation(x, y) > 0.5
    assert rank_correlation(x, y, groups) == pytest.approx(-1)
    assert correlation_test(x, y)["verdict"] == "positive"
    assert correlation_test(x, y, groups)["verdict"] == "negative"


def test_correlation_test_verdicts():
    rng = np.random.default_rng(1)
    x = rng.normal(size=40)
    assert correlation_test(x, 2 * x + 0.1 * rng.normal(size=40))["verdict"] == "positive"
    unrelated = correlation_test(x, rng.normal(size=40))
    assert unrelated["verdict"] == "not distinguished" and unrelated["low"] < 0 < unrelated["high"]
    few = correlation_test([1, 2, np.nan, 4], [1, 2, 3, np.nan])
    assert few == dict(rho=few["rho"], low=few["low"], high=few["high"], p=few["p"], n=2,
                       verdict="not measured")
    assert correlation_test(x, -x) == correlation_test(x, -x)  # seeded: the same every call


def constructed_history():
    steps = np.arange(0, 1001, 100)
    train_acc = (steps >= 100).astype(float)
    test_acc = (steps >= 800).astype(float)
    history = History(config={"seeds": [7]}, steps=steps,
                      metrics={"train_acc": train_acc[None], "test_acc": test_acc[None],
                               "test_loss": np.linspace(3, 0.1, len(steps))[None],
                               "l2_norm": np.linspace(20, 10, len(steps))[None]})
    history.set_lmn([np.array([0, 100, 300, 500, 800, 1000])],
                    {"hidden1": [np.array([2.0, 4.0, 3.5, 3.0, 2.0, 2.0])]})
    return history


def test_seed_summary_of_a_constructed_run():
    summary = seed_summary(constructed_history(), 0, "hidden1")
    assert (summary["seed"], summary["memorised"], summary["generalised"], summary["delay"]) == (
        7, 100, 800, 700)
    assert (summary["lmn_start"], summary["lmn_peak"], summary["lmn_peak_step"]) == (2, 4, 100)
    assert summary["peak_ratio"] == 2 and summary["lmn_at_end"] == 2
    assert summary["lmn_fall"] == pytest.approx(-0.5)
    assert summary["fall_per_1000_steps"] == pytest.approx(0.5 * 1000 / 700)
    # 500 steps after memorisation = step 600, a third of the way from 3.0 (500) to 2.0 (800)
    assert summary["early_change"] == pytest.approx((3 - 1 / 3) / 4 - 1)
    # the label-free rivals over the same 500 steps: L2 from 19 (step 100) to 14 (step 600);
    # this run recorded no train loss, so its column is empty
    assert summary["early_l2_change"] == pytest.approx(14 / 19 - 1)
    assert summary["early_train_loss_change"] is None
    loss = np.linspace(3, 0.1, 11)  # recorded every 100 steps: 2.71 at 100, 2.13 at 300
    assert summary["early_test_loss_change"] == pytest.approx(loss[6] / loss[1] - 1)
    history = constructed_history()
    assert early_change(history, "hidden1", 0, 100, window=100) == pytest.approx(3.75 / 4 - 1)
    # step 150 lies between LMN steps 100 and 300: more than 2 windows of 50 after memorisation
    assert early_change(history, "hidden1", 0, 100, window=50) is None
    assert early_change(history, "hidden1", 0, 100, window=1000) is None  # past the last step
    assert summary["l2_fall"] == pytest.approx(12 / 19 - 1)  # l2 19 at step 100, 12 at 800
    assert summary["lmn_r2"] > 0.5 and summary["final_test_acc"] == 1


def test_history_rows_take_the_early_window():
    history = constructed_history()
    row, = history_rows(history)
    assert row == seed_summary(history, 0, "hidden1")
    short, = history_rows(history, early_window=100)
    assert short["early_change"] == pytest.approx(3.75 / 4 - 1)
    assert {k: v for k, v in short.items() if not k.startswith("early")} == {
        k: v for k, v in row.items() if not k.startswith("early")}


def test_load_sweep_keeps_the_runs_that_ran_and_says_which_did_not(tmp_path):
    rows = [dict(run_id="a", status="ok", error=None, seed=0, delay=800),
            dict(run_id="b", status="failed", error="ValueError: bad", seed=None)]
    write_table(tmp_path / "results.csv", rows)
    (tmp_path / "sweep.json").write_text(
        '{"notebook": "04_modular_addition.ipynb", "grid": {"wd": [0.1, 1]}, "fixed": {}, '
        '"early_window": 500}')
    kept, settings, about = load_sweep(str(tmp_path / "results.csv"))
    assert kept == [rows[0]] and settings["early_window"] == 500
    assert about == (f"{tmp_path.name}: 04_modular_addition.ipynb, grid {{'wd': [0.1, 1]}}, "
                     "fixed {}: 1 seeds in 2 runs, 1 failed or never ran\n  b: ValueError: bad")


def test_table_round_trip_and_cell_summary(tmp_path):
    rows = [dict(run_id="a", status="ok", error=None, weight_decay=0.1, seeds=[0, 1], seed=0,
                 generalised=None, delay=None, lmn_fall=-0.2),
            dict(run_id="a", status="ok", error=None, weight_decay=0.1, seeds=[0, 1], seed=1,
                 generalised=900, delay=800, lmn_fall=-0.4),
            dict(run_id="b", status="failed", error="ValueError: bad, really", weight_decay=1.0,
                 seeds=[0, 1])]
    back = read_table(write_table(tmp_path / "results.csv", rows))
    assert back[0] == {**rows[0]}
    assert back[2]["error"] == "ValueError: bad, really" and back[2]["seed"] is None
    cells = cell_summary(back[:2], ("weight_decay",), ("delay", "lmn_fall"))
    assert cells == [dict(weight_decay=0.1, seeds=2, generalised=1, delay=800,
                          lmn_fall=pytest.approx(-0.3))]


def test_merge_columns_matches_on_every_key():
    rows = [dict(wd=0.1, seed=0, delay=10), dict(wd=0.1, seed=1, delay=20),
            dict(wd=1.0, seed=0, delay=5)]
    early = [dict(wd=0.1, seed=1, early=-0.2), dict(wd=0.1, seed=0, early=-0.1)]
    merged = merge_columns(rows, early, ("wd", "seed"), ("early",))
    assert [m["early"] for m in merged] == [-0.1, -0.2, None]
    assert merged[0]["delay"] == 10 and "early" not in rows[0]
    with pytest.raises(ValueError, match="several rows of the other table have"):
        merge_columns(rows, early + early[:1], ("wd", "seed"), ("early",))


def test_compare_correlations_names_the_stronger_predictor():
    rng = np.random.default_rng(2)
    y = rng.normal(size=40)
    close, loose = y + 0.05 * rng.normal(size=40), y + 2 * rng.normal(size=40)
    assert compare_correlations(close, loose, y)["verdict"] == "first"
    assert compare_correlations(loose, -close, y)["verdict"] == "second"  # sign does not matter
    same = compare_correlations(close, close + 1e-3 * rng.normal(size=40), y)
    assert same["verdict"] == "not distinguished"
    assert compare_correlations(close[:3], loose[:3], y[:3])["verdict"] == "not measured"


def _cells(rng, cells=9, per_cell=4, noise=0.5):
    """y ordered by x inside each cell, on top of a cell level that x does not see."""
    groups = np.repeat(np.arange(cells), per_cell)
    x = rng.normal(size=cells * per_cell)
    y = 3 * groups + x + noise * rng.normal(size=len(x))
    return x, y, groups


def test_the_cluster_bootstrap_resamples_whole_cells_and_is_wider_with_few_cells():
    rng = np.random.default_rng(1)
    x, y, groups = _cells(rng)
    within = correlation_test(x, y, groups, resamples=500)
    clusters = correlation_test(x, y, groups, resamples=500, resample="clusters")
    assert within["rho"] == clusters["rho"]  # the same statistic, another interval
    assert clusters["verdict"] == "positive" and 0 <= clusters["p"] < 0.05
    # three cells, each with its own direction: whole cells resampled make the interval wide
    groups3 = np.repeat(np.arange(3), 6)
    x3 = np.tile(np.arange(6.0), 3)
    y3 = np.concatenate([x3[:6], x3[:6], -x3[:6]])
    wide = correlation_test(x3, y3, groups3, resamples=500, resample="clusters")
    assert wide["low"] < 0 < wide["high"] and wide["verdict"] == "not distinguished"
    with pytest.raises(ValueError, match="resample must be one of"):
        correlation_test(x, y, groups, resample="seeds")


def test_bootstrap_p_is_twice_the_smaller_tail():
    from lmn_utils.study import bootstrap_p
    assert bootstrap_p([1, 2, 3, -1]) == 0.5
    assert bootstrap_p([1, 2, 3, 4]) == 0.0
    assert bootstrap_p([-1, 1]) == 1.0


def test_the_monitor_verdict_reads_the_better_alternative_after_holm():
    from lmn_utils.study import monitor_verdict
    rng = np.random.default_rng(2)
    x, y, groups = _cells(rng, noise=0.2)
    noise = {"L2": rng.normal(size=len(x)), "train loss": rng.normal(size=len(x))}
    strong = monitor_verdict(x, noise, y, groups, resamples=400)
    assert strong["verdict"] == "monitors" and strong["n"] == len(x)
    assert all(c["p_holm"] >= c["p"] for c in strong["comparisons"].values())
    # an alternative as good as the candidate is the better one, and LMN is no better
    copy = x + 1e-3 * rng.normal(size=len(x))
    tied = monitor_verdict(x, {"L2": copy, "train loss": noise["L2"]}, y, groups,
                           resamples=400)
    assert tied["better"] == "L2"
    assert tied["verdict"] == "no better than the label-free alternatives"
    # the candidate orders y, but an alternative orders it more strongly
    weak = x + 1.5 * rng.normal(size=len(x))
    worse = monitor_verdict(weak, {"L2": x, "train loss": noise["L2"]}, y, groups,
                            resamples=400)
    assert worse["verdict"] in ("worse than the better alternative", "not distinguished from 0")
    # a candidate that is noise: its own rho holds 0, whatever the alternatives do
    assert monitor_verdict(noise["train loss"], {"L2": x}, y, groups,
                           resamples=400)["verdict"] == "not distinguished from 0"
    # rows with any missing value leave every statistic, so all share one set of rows
    gappy = x.copy()
    gappy[:4] = np.nan
    assert monitor_verdict(x, {"L2": gappy}, y, groups, resamples=100)["n"] == len(x) - 4


def test_a_cluster_drawn_twice_counts_as_two_cells():
    """Whole cells resampled: a cell drawn twice gets two labels, so its ranks are not merged
    into one cell of twice the size (which would change within-cell ranks)."""
    from lmn_utils.study import _draws
    groups = np.repeat(np.arange(3), 2)
    seen = []
    _draws(lambda rows, labels: seen.append((rows.copy(), labels.copy())) or 0.0, groups,
           resamples=50, seed=0, resample="clusters")
    for rows, labels in seen:
        assert len(np.unique(labels)) == 3  # three cells in every resample
        for label in np.unique(labels):  # each label holds one whole original cell
            assert len(np.unique(groups[rows[labels == label]])) == 1
            assert (labels == label).sum() == 2
