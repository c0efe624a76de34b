import numpy as np
import pytest

from lmn_utils import History
from lmn_utils.analysis import (fit_table, format_table, linear_fit, loss_spikes,
                                mean_and_spread, turning_points)
from lmn_utils.analysis import linearity_gap, linearity_verdict


def make_history():
    steps = np.arange(0, 110, 10)
    train_acc = np.array([[0, .5, 1, 1, 1, 1, 1, 1, 1, 1, 1.]])
    test_acc = np.array([[0, 0, 0, .2, .4, .6, .8, 1, 1, 1, 1.]])
    test_loss = np.array([[9, 9, 8, 6, 4, 3, 2, 1, .5, .4, .3]])
    lmn = 5 * test_loss + 2  # exactly linear in the test loss
    l2 = np.exp(test_loss / 3)  # not linear
    train_loss = np.array([[2, 1, .1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-2, 1e-5, 1e-6, 1e-6]])
    return History(config={"seeds": [7]}, steps=steps, lmn_steps=steps,
                   metrics={"train_acc": train_acc, "test_acc": test_acc,
                            "test_loss": test_loss, "l2_norm": l2, "train_loss": train_loss},
                   lmn={"hidden1": lmn})


def test_linear_fit_recovers_a_line():
    fit = linear_fit([0, 1, 2, 3], [1, 3, 5, 7])
    assert fit["slope"] == pytest.approx(2) and fit["r2"] == pytest.approx(1)
    assert np.isnan(linear_fit([1, 2], [1, 2])["r2"])


def test_fit_table_uses_the_generalising_phase():
    (row,) = fit_table(make_history())
    assert row["seed"] == 7 and row["points"] == 6  # steps 20 .. 70
    assert row["lmn_r2"] == pytest.approx(1.0)
    assert row["l2_r2"] < 0.99


def test_loss_spikes():
    assert loss_spikes(make_history()) == [70]


def test_turning_points_find_drop_rise_drop():
    steps = np.arange(8)
    values = [30, 20, 15, 18, 20, 16, 12, 11]
    kinds = [k for k, _, _ in turning_points(steps, values, 0)]
    assert kinds == ["min", "max"]
    assert turning_points(steps, values, 0)[0][1:] == (2, 15.0)


def test_format_table_and_spread():
    text = format_table([{"seed": 0, "r2": 0.12345, "step": None}])
    assert "0.123" in text and "-" in text.splitlines()[1]
    assert mean_and_spread([1, 3, None, float("nan")]) == (2.0, 1.0)


def test_linearity_verdict_calls_a_tie_a_tie():
    fits = lambda pairs: [{"lmn_r2": a, "l2_r2": b} for a, b in pairs]  # noqa: E731
    assert "equally" in linearity_verdict(fits([(0.98, 0.97), (0.96, 0.98), (0.99, 0.985)]))
    assert "supports" in linearity_verdict(fits([(0.99, 0.7), (0.98, 0.8), (0.97, 0.75)]))
    assert "does not hold" in linearity_verdict(fits([(0.6, 0.95), (0.7, 0.9), (0.65, 0.97)]))
    assert "no fit" in linearity_verdict(fits([(float("nan"), float("nan"))]))
    # a consistent gap smaller than 0.005 is still a tie
    assert linearity_gap(fits([(0.990, 0.987), (0.991, 0.988), (0.992, 0.989)]))[0] == "tie"
    outcome, mean, spread = linearity_gap(fits([(0.99, 0.7), (0.98, 0.8), (0.97, 0.75)]))
    assert outcome == "lmn" and mean == pytest.approx(0.23) and spread > 0


def test_report_summaries():
    from lmn_utils.folders import check_folder
    from lmn_utils.report import phase_summary
    phases = [dict(seed=0, memorised=100, generalised=None, final_train_acc=1.0, final_test_acc=0.5),
              dict(seed=1, memorised=120, generalised=None, final_train_acc=1.0, final_test_acc=0.9)]
    text = phase_summary(phases, paper_steps=(200, 7600))
    assert "memorised at step 110 ± 10 (paper: about 200)" in text
    assert "generalised at step n/a (no seed)" in text and "accuracy: [0, 1]" in text
    with pytest.raises(ValueError, match="output_dir must be a folder path"):
        check_folder("output_dir", 3)


def test_double_descents_per_seed():
    from lmn_utils.analysis import double_descents
    history = make_history()  # generalises at step 70; LMN falls monotonically after it
    assert double_descents(history) == [False]
    history.lmn["hidden1"] = np.array([[30, 30, 30, 30, 30, 30, 30, 20, 15, 20, 16.]])
    assert double_descents(history) == [True]
    history.metrics["test_acc"][0, -1] = 0.5  # never generalises for good
    assert double_descents(history) == [None]
