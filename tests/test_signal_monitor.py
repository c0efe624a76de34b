"""LMN as a label-free monitor (lmn_utils.signal_monitor): the merge of the full runs with their
1000-step runs, the seeds it cannot read, and the plan's verdict on constructed data."""
import numpy as np
import pytest

from lmn_utils.signal_monitor import (FEATURES, REFERENCE, cell_ids, describe_monitor, dropped,
                                      memorisation_gap, monitor_rows, monitor_study,
                                      pooled_correlations)

CELLS = [(wd, tf) for wd in (0.1, 0.3, 1.0) for tf in (0.5, 0.65, 0.8)]


def full_row(cell, seed, memorised=150, delay=3000, acc=1.0):
    generalised = None if delay is None or memorised is None else memorised + delay
    return {"weight_decay": cell[0], "train_frac": cell[1], "seed": seed,
            "memorised": memorised, "generalised": generalised,
            "delay": None if generalised is None else delay, "final_test_acc": acc}


def early_row(cell, seed, memorised=148, **changes):
    values = {column: 0.0 for column in list(FEATURES.values()) + [REFERENCE[1]]}
    return {"weight_decay": cell[0], "train_frac": cell[1], "seed": seed,
            "memorised": memorised, **values, **changes}


def grid(lmn_orders_delay, seed=0):
    """Four seeds per cell; the delay grows with the seed and the cell. LMN's early change
    follows the delay (or is noise), the L2 norm's and the train loss's are noise."""
    rng = np.random.default_rng(seed)
    full, early = [], []
    for k, cell in enumerate(CELLS):
        for s in range(4):
            delay = 1000 * (k + 1) + 200 * s
            full.append(full_row(cell, s, delay=delay))
            early.append(early_row(cell, s, early_change=(s + 0.1 * k if lmn_orders_delay
                                                          else rng.normal()),
                                   early_l2_change=rng.normal(),
                                   early_train_loss_change=rng.normal(),
                                   early_test_loss_change=s + 0.0))
    return monitor_rows(full, early)


def test_rows_pair_each_full_run_with_its_early_run_and_take_the_log_delay():
    rows = monitor_rows([full_row(CELLS[0], 0, delay=2000), full_row(CELLS[1], 0, delay=None)],
                        [early_row(CELLS[1], 0, memorised=140, early_change=0.5),
                         early_row(CELLS[0], 0, memorised=160, early_change=-0.2)])
    assert rows[0]["early_change"] == -0.2 and rows[0]["log_delay"] == pytest.approx(np.log(2000))
    assert rows[1]["early_change"] == 0.5 and rows[1]["log_delay"] is None
    assert memorisation_gap(rows) == 10
    assert cell_ids(rows).tolist() == [0, 1]


def test_dropped_seeds_are_listed_with_why():
    rows = monitor_rows([full_row(CELLS[0], 0, memorised=None, acc=0.01),
                         full_row(CELLS[0], 1, delay=None, acc=0.93),
                         full_row(CELLS[0], 2), full_row(CELLS[0], 3)],
                        [early_row(CELLS[0], s) for s in range(3)])  # seed 3: no early run
    rows += monitor_rows([full_row(CELLS[1], 0, delay=0), full_row(CELLS[1], 1)],
                         [early_row(CELLS[1], 0), early_row(CELLS[1], 1, early_change=None)])
    assert dropped(rows) == {"never memorised": [(0.1, 0.5, 0, 0.01)],
                             "never generalised": [(0.1, 0.5, 1, 0.93)],
                             "no 1000-step run, or it never memorised": [(0.1, 0.5, 3, 1.0)],
                             "generalised no later than memorised": [(0.1, 0.65, 0, 1.0)],
                             "no early change": [(0.1, 0.65, 1, 1.0)]}
    assert rows[4]["log_delay"] is None


def test_lmn_that_orders_the_delay_within_cells_monitors():
    verdict, correlations = monitor_study(grid(lmn_orders_delay=True), resamples=500)
    assert verdict["n"] == 36 and verdict["rho"]["rho"] == pytest.approx(1.0)
    assert verdict["verdict"] == "monitors"
    assert correlations["LMN"]["rho"] == pytest.approx(1.0)
    assert correlations["test loss"]["rho"] == pytest.approx(1.0)  # it follows the seed too
    assert abs(correlations["L2 norm"]["rho"]) < 0.5
    lines = describe_monitor(verdict, correlations)
    assert len(lines) == 4 + 2 + 1 and lines[-1].endswith("LMN monitors")


def test_lmn_that_is_noise_is_not_distinguished_from_zero():
    verdict, _ = monitor_study(grid(lmn_orders_delay=False), resamples=500)
    assert verdict["verdict"] == "not distinguished from 0"


def test_pooled_ranks_see_the_cells_that_within_cell_ranks_remove():
    rows = grid(lmn_orders_delay=False)
    for k, row in enumerate(rows):  # LMN: the cell's offset (as the delay has) plus noise
        row["early_change"] = 10 * (k // 4) + row["early_change"]
    assert pooled_correlations(rows)["LMN"] > 0.9
    verdict, _ = monitor_study(rows, resamples=500)
    assert verdict["verdict"] == "not distinguished from 0"


def test_a_feature_constant_within_every_cell_is_not_measured():
    rows = grid(lmn_orders_delay=True)
    for row in rows:
        row["early_change"] = row["weight_decay"] + row["train_frac"]
    verdict, correlations = monitor_study(rows, resamples=200)
    assert correlations["LMN"]["verdict"] == "not measured"
    assert verdict["verdict"] == "not measured"


def write_history(folder, steps, train_loss):
    from lmn_utils.history import History
    history = History(config={"seeds": [0, 1]}, steps=np.asarray(steps),
                      metrics={"train_loss": np.asarray(train_loss, dtype=float)})
    history.set_lmn([[0], [0]], {"hidden1": [[1.0], [1.0]]})
    folder.mkdir(parents=True)
    history.save(str(folder / "04_modular_addition_history.json"))
    return str(folder)


def test_the_training_difference_compares_the_steps_both_runs_recorded(tmp_path):
    from lmn_utils.signal_monitor import training_difference
    cell = {"weight_decay": 0.1, "train_frac": 0.5}
    full = [{**cell, "run_dir": write_history(tmp_path / "full", [0, 10, 100, 1000, 5000],
                                              [[3, 2, 1, 0.5, 0.1], [3, 2, 1, 0.5, 0.1]])}]
    same = [{**cell, "run_dir": write_history(tmp_path / "same", [0, 5, 10, 1000],
                                              [[3, 2.5, 2, 0.5], [3, 2.5, 2, 0.5]])}]
    other = [{**cell, "run_dir": write_history(tmp_path / "other", [0, 10, 1000],
                                               [[3, 2, 0.5], [3, 2.25, 0.5]])}]
    assert training_difference(full, same) == 0.0   # steps 5 and 100: recorded by one only
    assert training_difference(full, other) == 0.25
