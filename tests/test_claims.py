"""The claim rules of lmn_utils.claims on synthetic histories whose answer is known."""
import numpy as np

from lmn_utils import History
from lmn_utils import claims as cl

STEPS = np.arange(0, 1100, 100)


def synthetic(lmn_rows, layers=("hidden1",), test_acc_end=1.0):
    """Seeds that memorise at step 100 and generalise at step 500; LMN given per seed."""
    seeds = len(lmn_rows)
    train_acc = np.tile((STEPS >= 100).astype(float), (seeds, 1))
    test_acc = np.tile(np.clip((STEPS - 100) / 400, 0, 1), (seeds, 1))
    test_acc[:, -1] = test_acc_end
    test_loss = np.tile(np.exp(-STEPS / 300), (seeds, 1))
    history = History(config={"seeds": list(range(seeds))}, steps=STEPS,
                      metrics={"train_acc": train_acc, "test_acc": test_acc, "test_loss": test_loss,
                               "l2_norm": np.exp(-test_loss)})
    history.set_lmn([STEPS] * seeds, {layer: [np.asarray(r, float) for r in lmn_rows] for layer in layers})
    return history


RISE_FALL = [10, 30, 28, 24, 20, 16, 15, 15, 15, 15, 15]


def test_rise_fall_and_levelling_off_are_found():
    history = synthetic([RISE_FALL, [v * 1.1 for v in RISE_FALL], [v * 0.9 for v in RISE_FALL]])
    assert cl.rise_to_peak(history, "hidden1", "t")["verdict"] == "reproduced"
    falls = cl.falls_while_generalising(history, "hidden1", "t")
    assert falls["verdict"] == "supported" and falls["statistic"].startswith("-47%")
    assert cl.levels_off(history, "hidden1", "t")["verdict"] == "reproduced"


def test_a_rising_curve_contradicts_the_fall():
    rising = [10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]
    history = synthetic([rising, [v + 1 for v in rising], [v + 2 for v in rising]])
    assert cl.falls_while_generalising(history, "hidden1", "t")["verdict"] == "contradicted"
    assert cl.rise_to_peak(history, "hidden1", "t")["verdict"] == "not reproduced"


def test_figure3_reads_exact_steps():
    history = synthetic([RISE_FALL], layers=("hidden1", "embedding"))
    history.lmn["embedding"] = [np.linspace(50, 60, len(STEPS))]
    row = cl.figure3(history)
    assert row["verdict"] == "reproduced" and "hidden1 -47%" in row["statistic"]  # 30 -> 16
    assert "steps 100 -> 500 exactly" in row["rule"]


def test_table_rendering():
    rows = [cl.row("a claim", "yes", "a rule", "1.0", "5 seeds", "supported")]
    assert cl.markdown_table(rows).splitlines()[2] == "| a claim | yes | a rule | 1.0 | 5 seeds | supported |"
    assert "-> supported" in cl.text_table(rows)
    piped = cl.markdown_table([cl.row("c", "p", "|x| > 2", "s", "n", "v")]).splitlines()[2]
    assert piped == "| c | p | \\|x\\| > 2 | s | n | v |"
