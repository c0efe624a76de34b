# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -papermill,-execution
#     notebook_metadata_filter: -papermill
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 06 — Grokking 5-digit bitwise XOR, and the paper's double descent of LMN
#
# *Objectives, prerequisites and run times: the [class plan](../site/class_plan.md). Symbols and
# terms: the [notation page](../site/notation.md).*
#
# The paper's third task (section 3, Figure 2, third row): $a \oplus b$ for $a, b$ in
# $0..31$ (32 tokens, 1024 pairs, 80% for training). Besides the measurements of notebook 04,
# the paper reports that **after** generalisation LMN drops, rises, and drops again (a double
# descent), with turning points near LMN 15 and 20, which it reads as 5 digits x 3 and
# 5 digits x 4 input patterns per digit. (A "digit" is one bit position of the operands. Per
# bit position the output bit depends on the two input bits there, which take 4 patterns:
# 00, 01, 10, 11. Read this way, LMN counts about 3, then 4, linear maps per bit position, so
# 5 bits give about 15 and 20; the paper does not say which 3 patterns the first level
# counts.) It leaves the mechanism open. We look for it in
# every seed with a stated rule and tolerance, and test the paper's reading where it predicts
# something new: with 4 bits the turning points should move to about 12 and 16.

# %% tags=["parameters"]
bits = 5                    # operands in 0 .. 2**bits - 1
seeds = [0, 1, 2, 3, 4]     # trained together as one batched model
steps = 20000               # AdamW steps, full batch
train_frac = 0.8
weight_decay = 0.2          # AdamW's decoupled weight decay (the paper's value)
activation = "silu"
layer = "hidden1"           # LMN from this layer (after its activation) to the logits
lmn_points = [2, 16, 16]    # LMN per seed: before memorisation, inside the generalising
                            # phase, after generalisation (plus the two phase steps)
dtype = "mixed"             # float64 weights, optimizer and loss, float32 layers (see 07)
lmn_samples = "auto"        # inputs LMN sees: "auto" is all of them up to 4096, else 2048; "all"; or a count
compare_bits = 4            # a second run with this many bits, for the paper's reading (0: none)
signals = {}                # training signals beyond the loss (notebook 11; none by default)
quick = False               # class mode: seed 0, 5000 steps, fewer LMN points (4 bits likewise)
redraw = False              # class mode: draw every figure from the saved run, no training
output_dir = "../figures"   # figures and the run's history (JSON) go here

# %%
import glob
import json
import os

import lmn_utils as lu
from lmn_utils.analysis import peak_ratios, phase_changes, phase_table
from lmn_utils.claims import text_table
from lmn_utils.pipeline import task_report
from lmn_utils.plotting import save_figure
from lmn_utils.report import describe_run, phase_summary
from lmn_utils.validation import check_int

redraw = lu.check_modes(quick, redraw)  # also True under $LMN_REDRAW=1 (the test command)
seeds, steps, lmn_points = lu.quick_settings(quick, seeds, steps, lmn_points,
                                             quick_seeds=[0], quick_steps=5000)
config = lu.TrainConfig(task="bitwise_xor", task_params={"bits": bits}, seeds=tuple(seeds),
                        steps=steps, train_frac=train_frac, weight_decay=weight_decay,
                        activation=activation,
                        lmn_layers=(layer,), lmn_points=tuple(lmn_points), dtype=dtype,
                        lmn_samples=lmn_samples, **lu.signal_settings(signals)).validate()
task = lu.make_task(config.task, **config.task_params)  # checks bits
check_int("compare_bits", compare_bits, 0, 8)
output_dir = lu.output_folder(output_dir)  # $LMN_OUTPUT_DIR wins if set
print(describe_run(task, config))

# %% [markdown]
# ## Training
# As in notebook 04: seeds trained together, each with its own initialisation and 80/20 split;
# Mixed precision by default: float64 weights, optimizer and loss, float32 layer arithmetic
# (pure float32 spikes late in training; mixed follows float64, see notebook 07). LMN on all inputs.

# %%
# NBVAL_IGNORE_OUTPUT
history = lu.train_or_load(config, "06_bitwise_xor_history.json", output_dir, redraw)

# %% [markdown]
# ## The paper's Figure 2 row, the phases, the fits and the claims
# The same steps as notebook 04, which writes each of them out and explains it; here in one
# call, `lmn_utils.pipeline.task_report`, so that 04, 05 and 06 cannot drift apart (the fits
# are drawn twice: on a linear and on a log test-loss axis, the two axes every linearity verdict
# is read on).

# %%
phases, fits, claims = task_report(history, layer, "XOR", f"Bitwise XOR, {bits} bits",
                                   "06_bitwise_xor", output_dir)

# %% [markdown]
# ## In words
# With the default parameters (checked below): LMN rises to about 1.6 times its initial value
# while memorising and falls by a little over half while generalising, in every seed; the L2
# norm falls alongside, by about a fifth. In these seeds the curvature test supports the paper
# on a linear test-loss axis (L2 more curved than LMN, the whole interval above 0), and the
# log axis reverses the verdict (contradicted): the comparison hangs on a choice of axis the
# paper does not make. On the 20 confirmatory seeds of notebook 08 both paired verdicts also
# move with the window's start (fragile), and LMN itself is not a straight line in the test
# loss on either axis, so the paper's "LMN linear, L2 not" is contradicted there.

# %%
verdicts = {r["claim"].split(": ", 1)[1]: r["verdict"] for r in claims}
default_run = (bits, seeds, steps, train_frac, weight_decay, activation, layer, lmn_points,
               dtype) == (5, [0, 1, 2, 3, 4], 20000, 0.8, 0.2, "silu", "hidden1", [2, 16, 16],
                          "mixed") and (
    lmn_samples == "auto")
if default_run:
    lmn_change, l2_change = phase_changes(history, "lmn", layer), phase_changes(history, "l2_norm")
    assert 1.45 <= peak_ratios(history, layer).mean() <= 1.75  # "about 1.6 times"
    assert (lmn_change < 0).all() and -0.65 <= lmn_change.mean() < -0.5  # "a little over half"
    assert (l2_change < 0).all() and -0.3 <= l2_change.mean() <= -0.12  # "about a fifth"
    assert verdicts["LMN linear in test loss, L2 not"] == "supported"
    assert verdicts["LMN linear in log test loss, L2 not"] == "contradicted"
    print(f"LMN {100 * lmn_change.mean():+.0f}%, L2 {100 * l2_change.mean():+.0f}% over the "
          "generalising phase (mean over seeds)")

# %% [markdown]
# ## Looking for the double descent
# The paper: after generalisation, XOR's LMN drops, rises and drops again, with turning points
# near 15 and 20, read as 5 digits x 3 and x 4 input patterns per digit. Our rule
# (`analysis.drop_rise_drop`, as fixed in the [analysis plan](../ANALYSIS_PLAN.md)): from the
# generalisation step on,
# LMN falls to a minimum, rises to a maximum and falls again, each move by at least a tolerance
# (5%) of the level it starts from; of several candidate peaks the highest; and the second
# minimum must lie **before the last measurement**, since a fall still under way when training
# stops is no finished second descent. The turning points are read from the 16 measurements
# after each seed's generalisation (a linear step axis below), and the count of seeds is shown
# for a range of tolerances, since a count under one threshold says little on its own. The
# figure marks the candidates that the finished-descent requirement sets aside.

# %%
import matplotlib.pyplot as plt

from lmn_utils.analysis import (double_descent_sensitivity, double_descents,
                                format_table)
from lmn_utils.claims import double_descent, paper_levels
from lmn_utils.report import turning_points_text

found = double_descents(history, layer, finished=False)  # candidates, finished or not
fig, ax = plt.subplots(figsize=(9, 4))
for row, (r, turns) in enumerate(zip(phases, found)):
    start = r["generalised"] if r["generalised"] is not None else int(history.lmn_steps[row][-1])
    keep = history.lmn_steps[row] >= start
    line, = ax.plot(history.lmn_steps[row][keep], history.lmn[layer][row][keep], "o-", ms=3,
                    label=f"seed {r['seed']}")
    if turns:
        ax.plot(*zip(*turns), "s", ms=9, mfc="none", color=line.get_color())
    print(f"seed {r['seed']}: generalised at {r['generalised']}; min, max, min: "
          f"{turning_points_text(turns)}")
for level in (3 * bits, 4 * bits):
    ax.axhline(level, color="grey", ls=":", lw=1)
ax.set(xlabel="training step (linear axis; each seed drawn from its own generalisation step on)", ylabel=f"LMN ({layer})",
       title=f"XOR, {bits} bits, after generalisation (squares: candidate turning points at 5%; "
             f"dotted: the paper's {3 * bits} and {4 * bits})")
ax.legend(fontsize=8)
figure_files = save_figure(fig, "06_bitwise_xor_lmn_per_seed", output_dir)

# %%
print("the plan's rule (second fall finished before the last measurement):")
print(format_table(double_descent_sensitivity(history, layer), digits=2))
print("counting a second fall still under way at the last measurement:")
print(format_table(double_descent_sensitivity(history, layer, finished=False), digits=2))
print(text_table([double_descent(history, layer), paper_levels(history, layer, bits)]))
unfinished = double_descent_sensitivity(history, layer, finished=False)
finished = double_descent_sensitivity(history, layer)
last_is_lowest = [f[2][0] == int(history.lmn_steps[row][-1]) for row, f in enumerate(found) if f]
if default_run:
    at_5_percent = {r["tolerance"]: r["seeds"] for r in unfinished}[0.05]
    assert at_5_percent == 3 and all(r["seeds"] == 0 for r in finished)  # "3", "none"
    assert len(last_is_lowest) == 3 and all(last_is_lowest)  # "in every candidate"

# %% [markdown]
# **What the counts say.** Counting any second fall, 3 of the 5 seeds drop, rise and drop by
# at least 5%; under the plan's rule none does, at any tolerance, because in every candidate
# the second minimum is the last measurement (step 20000): LMN is still falling when training
# stops. Whether the second descent finishes, and where, is a question for longer runs. The
# confirmatory runs of notebook 08 go to 40000 steps: there a few seeds of 20 finish one, not
# clearly more often than the mod 31 and S4 controls, and the double descent is *not
# reproduced* (fragile: at a 2% tolerance it reads *partly*).

# %% [markdown]
# ## The paper's reading where it predicts: 4 bits
# If the turning points count input patterns per digit (3 and 4 per digit), 4-bit XOR should
# turn near 12 and 16. The same experiment with `compare_bits` bits (0 skips it), same seeds
# and settings, saved as its own history for notebook 08.

# %%
# NBVAL_IGNORE_OUTPUT
if compare_bits:
    small_config = lu.TrainConfig(**{**config.__dict__, "task_params": {"bits": compare_bits}})
    history_small = lu.train_or_load(small_config.validate(),
                                     f"06_bitwise_xor_{compare_bits}bits_history.json", output_dir,
                                     redraw)

# %%
if compare_bits:
    print(phase_summary(phase_table(history_small)))
    print("the plan's rule (second fall finished before the last measurement):")
    print(format_table(double_descent_sensitivity(history_small, layer), digits=2))
    print("counting a second fall still under way at the last measurement:")
    small_unfinished = double_descent_sensitivity(history_small, layer, finished=False)
    print(format_table(small_unfinished, digits=2))
    small_found = double_descents(history_small, layer, finished=False)
    for r, turns in zip(phase_table(history_small), small_found):
        if turns:
            print(f"seed {r['seed']}: min, max, min: {turning_points_text(turns)}")
    print(text_table([double_descent(history_small, layer),
                      paper_levels(history_small, layer, compare_bits)]))
    if default_run and compare_bits == 4:  # the reading below
        small_counts = {r["tolerance"]: r["seeds"] for r in small_unfinished}
        assert small_counts[0.05] == 1 and small_counts[0.1] == 0
        (row, (first_min, peak, second_min)), = [(row, turns)
                                                 for row, turns in enumerate(small_found) if turns]
        assert 11.5 < first_min[1] < 12.5 and 13.5 < peak[1] < 14.5
        assert second_min[0] == int(history_small.lmn_steps[row][-1])  # the last measurement
        assert all(r["seeds"] == 0 for r in double_descent_sensitivity(history_small, layer)
                   if r["tolerance"] >= 0.02)

# %% [markdown]
# **What 4 bits say** (default parameters, checked above). Counting a second fall still under
# way, one seed of five drops, rises and drops by at least 5%: its first minimum, 11.9, is near
# the paper's 12, but its maximum is 14.1, not 16, and its second minimum is again the last
# measurement. Under the plan's rule no seed counts at a tolerance of 2% or more. With no
# finished double descent there are no turning points to set beside 12 and 16, so these runs
# do not test the paper's prediction; the confirmatory runs of notebook 08 (20 seeds, 40000
# steps) do, and there the paper's turning points are *not reproduced*, for 5 bits or 4.

# %% [markdown]
# ## Try it
# Rerun with one parameter changed, e.g.
# `python -m lmn_utils.run_notebooks 06 -p seeds "[0, 1, 2]" -p compare_bits 3` (writes to
# `scratch/`).
#
# 1. **Read the sensitivity table.** At which tolerance do all five seeds show a drop, rise and
#    drop, and at which does none? What does that say about a count "3 of 5 seeds"?
#
#    <details><summary>Answer</summary>
#
#    Counting a second fall still under way at the last measurement: all five at a tolerance of
#    0 (any wiggle counts), three at 2% and 5%, none at 10%. The count is a property of the
#    threshold as much as of the runs: at 10% each of the three counted seeds has one of its
#    three moves (first fall, rise, second fall) under the tolerance, although the moves range
#    from a few per cent to more than double (seed 4 climbs from 17.9 to 42.5). Under the plan's
#    rule none counts at any
#    tolerance: every candidate's second minimum is the last measurement (step 20000), so the
#    second descent may be unfinished. That is why the confirmatory runs train XOR for 40000
#    steps; there (notebook 08) the double descent is not reproduced in mixed precision, and
#    it appears more often when the network trains in float32.
#    </details>
#
# 2. **Three bits.** Set `compare_bits = 3` (the paper's reading predicts turning points near 9
#    and 12). What do the 3-bit runs do after generalising? (With seeds 0-2, as in the command
#    above: about 10 minutes on one core, 5 bits and 3.)
#
#    <details><summary>Answer</summary>
#
#    (This run is committed, `sweeps/try_xor_3bits`; the cell after these answers reads it.)
#    With seeds 0-2, 3-bit XOR memorises at steps 55-60 and generalises late (steps 6869-9293,
#    1.9 to 3.5 times as late as the same seeds at 5 bits). No seed shows a drop, rise and drop
#    at 5% tolerance, so there are no turning points to compare with 9 and 12.
#    </details>

# %%
# answer 2 above, checked against the committed run
three_bits_run = glob.glob("../sweeps/try_xor_3bits/*/")[0]
with open(os.path.join(three_bits_run, "run.json")) as source:
    three_bits_record = json.load(source)
assert three_bits_record["parameters"] == {"seeds": [0, 1, 2], "compare_bits": 3}
assert round(three_bits_record["seconds"] / 60) == 10  # "about 10 minutes"
three_bits, five_bits = (lu.History.load(os.path.join(three_bits_run, name)) for name in
                         ("06_bitwise_xor_3bits_history.json", "06_bitwise_xor_history.json"))
three_phases, five_phases = phase_table(three_bits), phase_table(five_bits)
assert [r["memorised"] for r in three_phases] == [55, 60, 55]
assert [r["generalised"] for r in three_phases] == [9293, 8129, 6869]
lateness = [t["generalised"] / f["generalised"] for t, f in zip(three_phases, five_phases)]
assert (round(min(lateness), 1), round(max(lateness), 1)) == (1.9, 3.5)
assert {r["tolerance"]: r["seeds"] for r in double_descent_sensitivity(
    three_bits, layer, finished=False)}[0.05] == 0
