"""The phase-aware LMN schedule (schedule.py), the measurements taken on it, and the history
format that holds them (issue 12)."""
import json

import numpy as np
import pytest

from lmn_utils import History, checkpoint_steps, phase_steps, train
from lmn_utils.schedule import DEFAULT_POINTS, grid_schedule, phase_schedule

STEPS = np.array(checkpoint_steps(20000, 200))


def loss_curve(memorised, generalised):
    """A test loss flat until memorisation, falling exponentially until generalisation."""
    return np.where(STEPS < memorised, 3.4, np.exp(np.log(3.4) - 8 * np.clip(
        (STEPS - memorised) / (generalised - memorised), 0, 1)))


@pytest.mark.parametrize("memorised, generalised", [(149, 6667), (53, 3030), (1313, 18990)])
def test_schedule_counts_per_phase_and_exact_phase_steps(memorised, generalised):
    memorised, generalised = (int(STEPS[STEPS >= s][0]) for s in (memorised, generalised))
    schedule = phase_schedule(STEPS, loss_curve(memorised, generalised), memorised, generalised)
    before, inside, after = DEFAULT_POINTS
    assert memorised in schedule and generalised in schedule and 0 in schedule
    assert set(schedule) <= set(STEPS) and list(schedule) == sorted(set(schedule))
    available = lambda mask: int(mask.sum())  # noqa: E731  (a late phase leaves fewer records)
    assert (schedule < memorised).sum() == min(before, available(STEPS < memorised))
    inside_phase = lambda s: (s > memorised) & (s < generalised)  # noqa: E731
    assert inside_phase(schedule).sum() == min(inside, available(inside_phase(STEPS)))
    assert (schedule > generalised).sum() == min(after, available(STEPS > generalised))
    assert schedule[-1] == STEPS[-1]
    assert len(schedule) <= before + inside + after + 2  # 36: 1.5x the old 24


def test_inside_points_are_even_in_log_test_loss():
    memorised, generalised = (int(STEPS[STEPS >= s][0]) for s in (149, 6667))
    loss = loss_curve(memorised, generalised)
    schedule = phase_schedule(STEPS, loss, memorised, generalised)
    inside = schedule[(schedule > memorised) & (schedule < generalised)]
    gaps = np.diff(np.log(loss[np.searchsorted(STEPS, inside)]))
    assert gaps.max() < 3 * np.abs(np.median(gaps))  # no crowding at one end of the x-axis


def test_schedule_of_seeds_that_never_get_there():
    loss = loss_curve(149, 30000)
    unfinished = phase_schedule(STEPS, loss, 149, None)
    before, inside, after = DEFAULT_POINTS
    assert (unfinished > 149).sum() == inside + after + 1  # the last step ends the phase
    never = phase_schedule(STEPS, loss, None, None)
    assert len(never) == sum(DEFAULT_POINTS) + 2 and never[0] == 0 and never[-1] == 20000
    assert len(grid_schedule(STEPS, 24)) >= 20


def test_training_measures_lmn_exactly_at_each_seeds_phase_steps():
    history, _ = train(seeds=[0, 1], task_params={"p": 11}, steps=400, num_records=40, lr=1e-2,
                       lmn_points=(1, 4, 3), embed_dim=8, hidden_dim=16, progress=False)
    for row, (memorised, generalised) in enumerate(phase_steps(history)):
        assert memorised is not None and memorised in history.lmn_steps[row]
        assert generalised is None or generalised in history.lmn_steps[row]
        assert history.lmn_at("hidden1", row, memorised) >= 1
    with pytest.raises(KeyError, match="not measured at step 3"):
        history.lmn_at("hidden1", 0, 3)


def test_old_history_format_loads_into_the_new_shape(tmp_path):
    old = {"config": {"seeds": [0, 1]}, "steps": [0, 10, 20],
           "metrics": {"test_acc": [[0, 1, 1], [0, 0, 1]]},
           "lmn_steps": [0, 20], "lmn": {"hidden1": [[5.0, 3.0], [6.0, 4.0]]}}
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old))
    history = History.load(path)
    assert [s.tolist() for s in history.lmn_steps] == [[0, 20], [0, 20]]
    assert history.lmn_at("hidden1", 1, 20) == 4.0
    path.write_text(json.dumps({**old, "format": 7}))
    with pytest.raises(ValueError, match="history of format 7; this lmn_utils reads 1 and 2"):
        History.load(path)
    path.write_text(json.dumps({"steps": []}))
    with pytest.raises(ValueError, match="is not a training history"):
        History.load(path)
