"""Today's training code still produces the committed runs of the grokking notebooks.

The test command re-executes 04-07 and 09 from their committed histories ($LMN_REDRAW=1,
`modes.py`): nbval then checks every printed number and assertion against those runs, but not
that the runs themselves would come out the same again. This does, cheaply: seed 0 of each
committed run is trained again from its saved config for its first record steps, and its
losses, accuracies and L2 norm, and LMN where the run measured it within those steps, must
equal the committed values (up to the rounding of another thread count or machine).
`make reproduce` trains every notebook in full.
"""
import json
import os

import numpy as np
import pytest

import importlib
from lmn_utils import History, TrainConfig, make_task
from lmn_utils.prepare import lmn_probe
from lmn_utils.samples import sample_rows

train_module = importlib.import_module("lmn_utils.train")  # the module: lmn_utils.train is the function

FIGURES = os.path.join(os.path.dirname(__file__), "..", "figures")
# committed history -> the step up to which seed 0 is retrained (seconds each)
RUNS = {"04_modular_addition_history.json": 600, "05_permutation_composition_history.json": 600,
        "06_bitwise_xor_history.json": 600, "07_layers_history.json": 600,
        "09_transformer_history.json": 400}
METRICS = ("train_loss", "test_loss", "train_acc", "test_acc", "l2_norm")


class _Enough(Exception):
    """Raised by the recording spy once the wanted steps are recorded."""


def _retrain_seed0(history, until, lmn_checks=2):
    """(recorded {"steps": [...], metric: [...]}, {step: {layer: LMN}}) of seed 0 of the
    history's run, trained again from its config up to step `until`; LMN at the first and last
    (`lmn_checks`) of the run's LMN steps within them."""
    config = TrainConfig.from_history(history)
    config = TrainConfig(**{**config.__dict__, "seeds": (config.seeds[0],)}).validate()
    inputs = make_task(config.task, **config.task_params).inputs
    rows = sample_rows(len(inputs), config.lmn_samples)
    within = [int(s) for s in history.lmn_steps[0] if s <= until]
    wanted = set(within[:1] + within[1:][-(lmn_checks - 1):]) if lmn_checks else set()
    runs, measured = [], {}
    record = train_module._record

    def spy(run_history, *rest):  # the trainer's own recording, and the history it fills
        record(run_history, *rest)
        runs[:] = [run_history]

    def measure(step, stack):
        if step in wanted:
            probe = lmn_probe(stack, config)
            measured[step] = {layer: probe.member_lmn(0, inputs[rows], layer)
                              for layer in config.lmn_layers}
        if step >= until:
            raise _Enough

    train_module._record = spy
    try:
        train_module.train(config, callback=measure, progress=False)
    except _Enough:
        pass
    finally:
        train_module._record = record
    run, = runs
    recorded = {name: [float(values[0]) for values in run.metrics[name]] for name in METRICS}
    return {"steps": list(run.steps), **recorded}, measured


@pytest.mark.parametrize("file_name", sorted(RUNS))
def test_seed0_of_the_committed_run_comes_out_the_same_again(file_name):
    history = History.load(os.path.join(FIGURES, file_name))
    until = RUNS[file_name]
    recorded, measured = _retrain_seed0(history, until)
    steps = recorded["steps"]
    assert steps == [int(s) for s in history.steps[:len(steps)]] and steps[-1] >= until
    for name in METRICS:
        committed = np.asarray(history.metrics[name])[0, :len(steps)]
        np.testing.assert_allclose(recorded[name], committed, rtol=1e-4, atol=1e-7, err_msg=name)
    assert measured, "no LMN step of seed 0 within the retrained steps"
    for step, values in measured.items():
        column = [int(s) for s in history.lmn_steps[0]].index(step)
        for layer, value in values.items():
            assert value == pytest.approx(float(history.lmn[layer][0][column]), rel=1e-3), (
                f"LMN({layer}) at step {step}")


def test_the_spy_sees_a_changed_training():
    """The comparison can fail: another learning rate does not reproduce the committed run."""
    history = History.load(os.path.join(FIGURES, "04_modular_addition_history.json"))
    history.config = json.loads(json.dumps({**history.config, "lr": history.config["lr"] * 1.5}))
    recorded, _ = _retrain_seed0(history, 300, lmn_checks=0)
    committed = np.asarray(history.metrics["test_loss"])[0, :len(recorded["steps"])]
    assert not np.allclose(recorded["test_loss"], committed, rtol=1e-4)
