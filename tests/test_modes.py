"""Class modes (quick, redraw), one-call parameter checks, and History.subset."""
import numpy as np
import pytest
import torch

import lmn_utils as lu

from lmn_utils import History, TrainConfig, check_modes, check_parameters, quick_settings, train_or_load

SMALL = dict(task="modular_addition", task_params={"p": 11}, seeds=(0, 1), steps=120,
             num_records=10, lmn_points=(1, 2, 1), embed_dim=8, hidden_dim=16)


def test_quick_and_redraw_exclude_each_other_and_must_be_booleans():
    check_modes(False, True)
    with pytest.raises(ValueError, match="quick and redraw exclude each other"):
        check_modes(True, True)
    with pytest.raises(ValueError, match="redraw must be True or False"):
        check_modes(False, "yes")


def test_lmn_redraw_turns_redraw_on_and_refuses_quick_and_bad_values(monkeypatch):
    assert check_modes(False, False) is False and check_modes(False, True) is True
    monkeypatch.setenv("LMN_REDRAW", "1")
    assert check_modes(False, False) is True
    with pytest.raises(ValueError, match="quick=True trains, but LMN_REDRAW=1 asks for a redraw"):
        check_modes(True, False)
    monkeypatch.setenv("LMN_REDRAW", "0")
    assert check_modes(False, False) is False
    monkeypatch.setenv("LMN_REDRAW", "yes")
    with pytest.raises(ValueError, match="LMN_REDRAW must be 1 .redraw. or 0/unset, got 'yes'"):
        check_modes(False, False)


def test_quick_settings():
    assert quick_settings(False, [0, 1], 20000, [2, 16, 16], [3], 8000) == ([0, 1], 20000, [2, 16, 16])
    assert quick_settings(True, [0, 1], 20000, [2, 16, 16], [3], 8000) == ([3], 8000, [2, 6, 4])


def test_redraw_loads_the_saved_run_and_refuses_another(tmp_path):
    config = TrainConfig(**SMALL).validate()
    trained = train_or_load(config, "run.json", str(tmp_path), redraw=False, progress=False)
    again = train_or_load(config, "run.json", "unused", redraw=True, source_dir=str(tmp_path))
    np.testing.assert_allclose(again.metrics["test_loss"], trained.metrics["test_loss"], rtol=1e-7)
    other = TrainConfig(**{**SMALL, "steps": 200}).validate()
    with pytest.raises(ValueError, match="whose steps is 120, not 200: set redraw=False"):
        train_or_load(other, "run.json", "unused", redraw=True, source_dir=str(tmp_path))
    with pytest.raises(ValueError, match="redraw=True needs the saved history"):
        train_or_load(config, "missing.json", "unused", redraw=True, source_dir=str(tmp_path))


@pytest.mark.parametrize("name, value, message", [
    ("p", 1, r"p must be an integer in \[2, 4096\]"), ("train_frac", 1.5, "train_frac must be a number in (0, 1)"),
    ("weight_decay", -1, "weight_decay must be a number >= 0"), ("steps", 2.5, "steps must be an integer"),
    ("lr", 0, "lr must be a positive number")])
def test_check_parameters_names_the_bad_one(name, value, message):
    check_parameters(p=31, train_frac=0.8, weight_decay=0.2, steps=10, seed=0, lr=1e-3)
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_parameters(**{name: value})
    with pytest.raises(KeyError, match="no rule for parameter 'widht'"):
        check_parameters(widht=3)


def test_subset_keeps_the_chosen_seeds():
    history = History(config={"seeds": [5, 6, 7]}, steps=np.array([0, 10]),
                      metrics={"test_acc": np.array([[0, 1], [0, 0.5], [0, 0.2]])})
    history.set_lmn([np.array([0]), np.array([0, 10]), np.array([10])],
                    {"hidden1": [np.array([1.0]), np.array([2.0, 3.0]), np.array([4.0])]})
    part = history.subset([2, 0])
    assert part.seeds == [7, 5]
    np.testing.assert_array_equal(part.metrics["test_acc"], [[0, 0.2], [0, 1]])
    assert [list(v) for v in part.lmn["hidden1"]] == [[4.0], [1.0]]


def test_snapshots_kept_under_lmn_snapshot_dir_reproduce_the_recorded_lmn(tmp_path, monkeypatch):
    from lmn_utils.prepare import build_stack, lmn_probe
    from lmn_utils.train import load_snapshots, snapshot_key
    monkeypatch.setenv("LMN_SNAPSHOT_DIR", str(tmp_path / "kept"))
    config = TrainConfig(**{**SMALL, "seeds": (0, 1)}).validate()
    history = train_or_load(config, "run.json", str(tmp_path), redraw=False, progress=False)
    saved_config, snapshots = load_snapshots(tmp_path / "kept" / snapshot_key(config))
    assert saved_config["seeds"] == [0, 1] and sorted(snapshots) == list(history.steps)
    task = lu.make_task(config.task, **config.task_params)
    probe = lmn_probe(build_stack(config, task), config)
    for row in range(2):
        step = int(history.lmn_steps[row][-2])
        probe.load_state_dict(snapshots[step])
        recorded = history.lmn_at("hidden1", row, step)
        assert probe.member_lmn(row, task.inputs, "hidden1") == pytest.approx(recorded, rel=1e-6)


def test_a_truncated_history_is_named_in_one_line(tmp_path):
    path = tmp_path / "run.json"
    path.write_text('{"format": 2, "config": {"seeds": [0]}, "steps": [0, 1')
    with pytest.raises(ValueError, match=r"run.json is not a readable history \(truncated"):
        History.load(path)


def test_remeasure_from_snapshots_reproduces_the_run_and_measures_other_ways(tmp_path):
    from lmn_utils.remeasure import remeasure
    from lmn_utils.train import load_snapshots
    path = tmp_path / "run.pt"
    history, _ = lu.train(TrainConfig(**SMALL), snapshot_path=str(path), progress=False)
    _, snapshots = load_snapshots(path)
    same = remeasure(history, snapshots)
    for row in range(2):
        np.testing.assert_allclose(same.lmn["hidden1"][row], history.lmn["hidden1"][row], rtol=1e-6)
    fewer = remeasure(history, snapshots, n_points=11)
    train_only = remeasure(history, snapshots, on="train")
    embedding = remeasure(history, snapshots, layer="embedding")
    for other in (fewer, train_only):
        assert not np.allclose(other.lmn["hidden1"][0], history.lmn["hidden1"][0])
    assert list(embedding.lmn) == ["embedding"]
    task = lu.make_task("modular_addition", p=11)
    from lmn_utils.prepare import build_stack, lmn_probe
    config = TrainConfig(**SMALL).validate()
    probe = lmn_probe(build_stack(config, task), config)
    step = int(history.lmn_steps[1][-1])
    probe.load_state_dict(snapshots[step])
    rows = task.split(config.train_frac, 1)[0]
    assert train_only.lmn["hidden1"][1][-1] == pytest.approx(
        probe.member_lmn(1, task.inputs[rows], "hidden1"), rel=1e-9)
    with pytest.raises(ValueError, match="on must be one of"):
        remeasure(history, snapshots, on="test")
    assert train_only.lmn_inputs["on"] == "train"


def test_remeasure_on_a_subset_equals_training_with_that_subset(tmp_path):
    from lmn_utils.remeasure import remeasure
    from lmn_utils.train import load_snapshots
    path = tmp_path / "run.pt"
    exact, _ = lu.train(TrainConfig(**SMALL), snapshot_path=str(path), progress=False)
    subset, _ = lu.train(TrainConfig(**{**SMALL, "lmn_samples": 40}), progress=False)
    again = remeasure(exact, load_snapshots(path)[1], samples=40)
    assert again.lmn_inputs == subset.lmn_inputs and again.lmn_inputs["measured"] == 40
    for row in range(2):
        np.testing.assert_allclose(again.lmn["hidden1"][row], subset.lmn["hidden1"][row],
                                   rtol=1e-6)
    with pytest.raises(ValueError, match="lmn_samples"):
        remeasure(exact, load_snapshots(path)[1], samples=-3)


def test_the_sensitivity_rows_from_snapshots_enter_the_table(tmp_path):
    from lmn_utils.confirm import fragile_because, table_for
    from lmn_utils.remeasure import sensitivity_histories
    from lmn_utils.train import load_snapshots
    path = tmp_path / "run.pt"
    config = TrainConfig(**{**SMALL, "steps": 400, "num_records": 20})
    history, _ = lu.train(config, snapshot_path=str(path), progress=False)
    measured = sensitivity_histories(history, load_snapshots(path)[1], rows=[1])
    assert list(measured) == ["tap hidden1 before SiLU", "11 points", "training inputs",
                              "grid schedule", "41 points"]  # the dearest last
    for name, (other, layer) in measured.items():
        assert other.seeds == [1] and list(other.lmn) == [layer], name
    assert measured["tap hidden1 before SiLU"][1] == "hidden1_pre"
    grid = measured["grid schedule"][0].lmn_steps[0]
    assert len(grid) > len(history.lmn_steps[1]) and set(grid) <= set(history.steps)
    rows = table_for({"mod 31": history},
                     measured={k: {"mod 31": v} for k, v in measured.items()})
    assert rows and all(name in rows[0] for name in measured)
    assert all(set(fragile_because(r)) <= set(r) for r in rows)


def test_retrained_snapshots_reproduce_the_run_and_a_run_trained_otherwise_is_refused(tmp_path):
    import copy

    from lmn_utils.remeasure import (find_snapshots, remeasure, retrain_snapshots,
                                     training_mismatch)
    history, _ = lu.train(TrainConfig(**SMALL), progress=False)  # no snapshots kept
    kept = tmp_path / "kept"
    kept.mkdir()
    snapshots = retrain_snapshots(history, str(kept), progress=False)
    assert sorted(find_snapshots(str(kept), history)) == sorted(snapshots)
    same = remeasure(history, snapshots)
    for row in range(2):
        np.testing.assert_allclose(same.lmn["hidden1"][row], history.lmn["hidden1"][row], rtol=1e-6)
    assert training_mismatch(history, history) == 0.0
    other = copy.deepcopy(history)
    other.metrics["test_loss"] = np.asarray(other.metrics["test_loss"]).copy()
    other.metrics["test_loss"][1, 3] += 1e-3
    refused = tmp_path / "refused"
    refused.mkdir()
    with pytest.raises(ValueError, match=r"differs from the recorded run by 0.001 \(at most 1e-06"):
        retrain_snapshots(other, str(refused), progress=False)
    assert list(refused.iterdir()) == []
    with pytest.raises(ValueError, match="no snapshots in"):
        find_snapshots(str(refused), history)


def test_the_plans_hidden2_tap_measures_nothing_lmn_is_1_there():
    from lmn_utils.models import layer_lmn
    task = lu.make_task("modular_addition", p=11)
    for seed in (0, 1):
        torch.manual_seed(seed)
        model = lu.EmbedMLP(task.num_tokens, task.num_classes, embed_dim=8, hidden_dim=16)
        assert layer_lmn(model, task.inputs, "hidden2") == pytest.approx(1.0, abs=1e-4)
        assert layer_lmn(model, task.inputs, "hidden1") > 1.01  # where the tap does measure
