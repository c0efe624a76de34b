"""Half-way steps and leads: which measure moves first (notebook 09)."""
import numpy as np
import pytest

from lmn_utils import History
from lmn_utils.claims import moves_first
from lmn_utils.progress import halfway_step, halfway_table, lead_verdict, leads, progress_curves


def test_halfway_step_of_a_ramp_and_a_fall():
    steps = np.array([0, 100, 200, 300, 400])
    assert halfway_step(steps, [0, 0, 10, 10, 10], 100, 400) == pytest.approx(150)
    assert halfway_step(steps, [5, 5, 1, 1, 1], 0, 400) == pytest.approx(150)
    assert halfway_step(steps, [0, 0, 10, 10, 10], 100, 400, fraction=0.1) == pytest.approx(110)
    assert np.isnan(halfway_step(steps, [3, 3, 3, 3, 3], 0, 400))
    with pytest.raises(ValueError, match="window"):
        halfway_step(steps, [0] * 5, 0, 500)


def test_halfway_step_uses_the_first_crossing():
    steps = np.arange(6) * 10
    # rises past half-way, falls back, ends at 1: the first crossing counts
    assert halfway_step(steps, [0, 0.8, 0.2, 0.9, 1, 1], 0, 50) == pytest.approx(10 * 0.5 / 0.8)


def _history(test_acc, measure, lmn_steps, lmn):
    steps = np.arange(0, 1100, 100)
    seeds = len(test_acc)
    history = History(config={"seeds": list(range(seeds))}, steps=steps,
                      metrics={"train_acc": np.array([[0] + [1] * 10] * seeds, dtype=float),
                               "test_acc": np.array(test_acc, dtype=float),
                               "m": np.array(measure, dtype=float)})
    history.set_lmn(lmn_steps, {"h": lmn})
    return history


def test_a_measure_that_moves_first_leads_and_is_supported():
    ramp = lambda at: np.clip((np.arange(11) - at) / 2, 0, 1)  # noqa: E731  0 -> 1 over 2 records
    history = _history([ramp(6), ramp(5), ramp(7)], [ramp(3), ramp(2), ramp(3)],
                       [np.arange(0, 1100, 100)] * 3, [10 - 5 * ramp(8)] * 3)
    table = halfway_table(history, ["test_acc", "m", "lmn:h"])
    assert [r["memorised"] for r in table] == [100] * 3
    np.testing.assert_allclose(leads(table, "m"), [300, 300, 400])
    assert (leads(table, "lmn:h") < 0).all()
    assert moves_first(history, "m", "m", "t")["verdict"] == "supported"
    assert moves_first(history, "lmn:h", "LMN", "t")["verdict"] == "contradicted"
    assert lead_verdict([5, -5, 3])["verdict"] == "not distinguished"
    assert lead_verdict([5])["verdict"] == "not measured"
    curves = progress_curves(history, 0, ["m"], np.array([0, 400, 1000]))
    assert np.isnan(curves["m"][0]) and curves["m"][1] == pytest.approx(0.5)
