"""The duration estimate printed before a run: its arithmetic, its counts, and that measuring it
leaves the run and the global random state as they were."""
import numpy as np
import pytest
import torch

from lmn_utils import TrainConfig, checkpoint_steps, estimate_duration, train, train_or_load
from lmn_utils.estimate import (MAX_TIMED_STEPS, MIN_TIMED_STEPS, DurationEstimate,
                                format_seconds, lmn_count)

SMALL = dict(task="modular_addition", task_params={"p": 11}, seeds=(0, 1), steps=120,
             num_records=10, lmn_points=(1, 2, 1), embed_dim=8, hidden_dim=16)


def test_lmn_count_is_the_schedules_most():
    assert lmn_count(TrainConfig(**SMALL)) == 2 * (1 + 2 + 1 + 2)
    assert lmn_count(TrainConfig(**{**SMALL, "lmn_layers": ("hidden1", "hidden2")})) == 2 * 2 * 6
    assert lmn_count(TrainConfig(**{**SMALL, "lmn_schedule": "grid", "num_lmn_steps": 7})) == 2 * 7
    assert lmn_count(TrainConfig(**{**SMALL, "lmn_layers": ()})) == 0


def test_total_adds_training_records_and_lmn():
    estimate = DurationEstimate(steps=1000, step_s=0.01, records=20, record_s=0.5, lmn_count=6,
                                lmn_layers=2, lmn_first_s=3.0, lmn_s=1.0,
                                lmn_inputs="all 961 inputs", timed_steps=50)
    assert estimate.train_s == pytest.approx(10 + 10)
    assert estimate.total_s == pytest.approx(20 + 3 + (6 - 2) * 1)
    assert str(estimate) == (
        "Estimated duration on this machine: about 27 s (training, 1000 steps: 20 s; LMN, at "
        "most 6 measurements on all 961 inputs: 7 s), from 50 timed steps and LMN at 1.00 s "
        "a measurement")
    no_lmn = DurationEstimate(steps=1000, step_s=0.01, records=20, record_s=0.5, lmn_count=0,
                              lmn_layers=0, lmn_first_s=0.0, lmn_s=0.0, lmn_inputs="",
                              timed_steps=50)
    assert no_lmn.total_s == pytest.approx(20)
    assert str(no_lmn) == ("Estimated duration on this machine: about 20 s (training, 1000 "
                           "steps: 20 s; no LMN), from 50 timed steps")


@pytest.mark.parametrize("seconds, text", [(44.6, "45 s"), (89, "89 s"), (720, "12 min"),
                                           (9000, "2.5 h")])
def test_format_seconds(seconds, text):
    assert format_seconds(seconds) == text


def test_estimate_is_measured_without_touching_the_run_or_the_random_state():
    config = TrainConfig(**SMALL).validate()
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    estimate = estimate_duration(config)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert MIN_TIMED_STEPS <= estimate.timed_steps <= MAX_TIMED_STEPS
    assert estimate.step_s > 0 and estimate.record_s > 0 and estimate.lmn_s > 0
    assert estimate.records == len(checkpoint_steps(120, 10)) and estimate.lmn_count == 12
    assert "on all 121 inputs" in str(estimate)
    subset = estimate_duration(TrainConfig(**{**SMALL, "lmn_samples": 50}))
    assert "on 50 of 121 inputs" in str(subset)


def test_an_estimate_with_training_signals_times_their_steps_and_leaves_the_run_alone():
    """The timed steps include the signals (the nonlinearity penalty is several times a plain
    step), drawn from the estimate's own generators: the run afterwards is the same."""
    import lmn_utils.estimate as estimate_module
    signals = dict(lmn_penalty=0.1, lmn_penalty_pairs=8, grokfast_lambda=2.0, jacobian_penalty=0.01)
    config = TrainConfig(**SMALL, **signals).validate()
    seen = []
    original = estimate_module.optimizer_step
    estimate_module.optimizer_step = lambda *args: seen.append(args[-1]) or original(*args)
    try:
        estimate_duration(config)
    finally:
        estimate_module.optimizer_step = original
    assert seen and all(s is not None and s.grokfast is not None for s in seen)
    run = dict(SMALL, **signals, progress=False)
    alone, _ = train(**run)
    estimate_duration(config)
    after, _ = train(**run)
    assert np.array_equal(alone.metrics["train_loss"], after.metrics["train_loss"])


def test_train_or_load_prints_the_estimate_first_and_trains_the_same(tmp_path, capsys):
    config = TrainConfig(**SMALL).validate()
    with_estimate = train_or_load(config, "a.json", str(tmp_path), redraw=False, progress=False)
    assert capsys.readouterr().err.startswith("Estimated duration on this machine: about ")
    without = train_or_load(config, "b.json", str(tmp_path), redraw=False, progress=False,
                            estimate=False)
    assert capsys.readouterr().err == ""
    train(config, progress=False, estimate=True)
    assert capsys.readouterr().err.startswith("Estimated duration on this machine: about ")
    for name in ("train_loss", "test_loss", "l2_norm"):
        np.testing.assert_array_equal(with_estimate.metrics[name], without.metrics[name])
    np.testing.assert_array_equal(with_estimate.lmn["hidden1"], without.lmn["hidden1"])
