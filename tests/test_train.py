import numpy as np
import pytest
import torch

from lmn_utils import History, TrainConfig, checkpoint_steps, phase_steps, train
from lmn_utils.history import first_step_reaching

SMALL = dict(task="modular_addition", task_params={"p": 11}, steps=300, num_records=20,
             lmn_points=(1, 3, 2), embed_dim=8, hidden_dim=16, progress=False)


@pytest.fixture(scope="module")
def small_run():
    return train(seeds=[0, 1], lr=1e-2, **SMALL)


def test_history_shapes_and_learning(small_run):
    history, stack = small_run
    S, T = 2, len(history.steps)
    for name in ("train_loss", "test_loss", "train_acc", "test_acc", "l2_norm"):
        assert history.metrics[name].shape == (S, T)
    assert len(history.lmn["hidden1"]) == len(history.lmn_steps) == S
    for steps, values in zip(history.lmn_steps, history.lmn["hidden1"]):
        assert len(steps) == len(values) and set(steps) <= set(history.steps)
        assert (values >= 1).all()
    assert history.steps[0] == 0 and history.steps[-1] == 300
    assert (history.metrics["train_loss"][:, -1] < history.metrics["train_loss"][:, 0] / 5).all()
    assert (history.metrics["train_acc"][:, -1] == 1).all()


def test_seed_trains_the_same_alone_or_stacked(small_run):
    history, _ = small_run
    alone, _ = train(seeds=[1], lr=1e-2, **SMALL)
    np.testing.assert_allclose(alone.metrics["train_loss"][0], history.metrics["train_loss"][1],
                               rtol=1e-3, atol=1e-5)


def test_rerun_is_identical(small_run):
    history, _ = small_run
    again, _ = train(seeds=[0, 1], lr=1e-2, **SMALL)
    np.testing.assert_array_equal(again.metrics["test_loss"], history.metrics["test_loss"])
    np.testing.assert_array_equal(np.concatenate(again.lmn["hidden1"]),
                                  np.concatenate(history.lmn["hidden1"]))


def test_mixed_precision_follows_float64_but_computes_in_float32(small_run):
    history, _ = small_run  # the default dtype, "mixed"
    assert history.config["dtype"] == "mixed"
    exact, stack64 = train(seeds=[0, 1], lr=1e-2, dtype="float64", **SMALL)
    single, _ = train(seeds=[0, 1], lr=1e-2, dtype="float32", **SMALL)
    _, stack_mixed = small_run
    assert stack_mixed.W1.dtype == torch.float64 and stack64.compute_dtype == torch.float64
    loss = {name: h.metrics["train_loss"] for name, h in
            (("mixed", history), ("float64", exact), ("float32", single))}
    np.testing.assert_allclose(loss["mixed"], loss["float64"], rtol=1e-3)
    assert not np.array_equal(loss["mixed"], loss["float64"])  # float32 layers really ran
    assert not np.array_equal(loss["mixed"], loss["float32"])  # and float64 parameters


def test_save_load_roundtrip(small_run, tmp_path):
    history, _ = small_run
    path = history.save(tmp_path / "run" / "history.json")
    loaded = History.load(path)
    np.testing.assert_allclose(loaded.metrics["test_acc"], history.metrics["test_acc"], atol=1e-8)
    for a, b in zip(loaded.lmn_steps, history.lmn_steps):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(np.concatenate(loaded.lmn["hidden1"]),
                               np.concatenate(history.lmn["hidden1"]), rtol=1e-7)
    assert loaded.seeds == [0, 1]
    assert not list((tmp_path / "run").glob("*.tmp"))


def test_phase_detection():
    steps = np.array([0, 10, 20, 30, 40])
    assert first_step_reaching(steps, [0, 1, 0.5, 1, 1], 1.0) == 30
    assert first_step_reaching(steps, [0, 1, 1, 1, 0.9], 1.0) is None
    history = History(config={"seeds": [0]}, steps=steps,
                      metrics={"train_acc": np.array([[0, 1, 1, 1, 1.0]]),
                               "test_acc": np.array([[0, 0, 0.5, 1, 1.0]])})
    assert phase_steps(history) == [(10, 30)]


def test_checkpoint_steps():
    steps = checkpoint_steps(20000, 40)
    assert steps[0] == 0 and steps[-1] == 20000 and steps == sorted(set(steps))
    assert 30 <= len(steps) <= 41 and any(s < 20 for s in steps[1:])


@pytest.mark.parametrize("override, message", [
    ({"steps": 0}, "steps must be an integer >= 1"),
    ({"train_frac": 1.0}, "train_frac must be a number in"),
    ({"activation": "elu"}, "activation must be one of"),
    ({"dtype": "float16"}, "dtype must be one of"),
    ({"seeds": []}, "seeds must be a non-empty list"),
    ({"seeds": [1, 1]}, "seeds must be distinct"),
    ({"lmn_layers": ("hidden9",)}, "layer must be one of"),
    ({"lr": -1}, "lr must be a positive number"),
    ({"lmn_schedule": "dense"}, "lmn_schedule must be one of"),
    ({"lmn_points": (2, 16)}, "lmn_points must be 3 integers"),
    ({"lmn_points": (2, -1, 16)}, "lmn_points \\(inside\\) must be an integer"),
])
def test_bad_config(override, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**override).validate()


def test_float64_training_avoids_mps(monkeypatch):
    import lmn_utils.device as device
    monkeypatch.setattr(device, "get_device", lambda name: torch.device("mps" if name in ("auto", "mps") else name))
    assert device.training_device("auto", needs_float64=True).type == "cpu"
    assert device.training_device("auto", needs_float64=False).type == "mps"
    with pytest.raises(ValueError, match="use float32 for both or device='cpu'"):
        device.training_device("mps", needs_float64=True)


def test_the_history_records_the_inputs_lmn_saw(small_run, tmp_path):
    history, _ = small_run
    assert history.lmn_inputs == dict(num_inputs=121, measured=121, subset_seed=0)
    history.save(tmp_path / "h.json")
    assert History.load(tmp_path / "h.json").lmn_inputs == history.lmn_inputs
    subset, _ = train(seeds=[0], lmn_samples=50, **SMALL)
    assert subset.lmn_inputs["measured"] == 50
    from lmn_utils.report import lmn_samples_note
    assert lmn_samples_note(subset) == "50 of 121 inputs (a fixed random subset)"
