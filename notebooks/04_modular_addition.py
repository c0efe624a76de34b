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
# # 04 — Grokking modular addition, measured by the Linear Mapping Number
#
# *Objectives, prerequisites and run times: the [class plan](../site/class_plan.md). Symbols and
# terms: the [notation page](../site/notation.md).*
#
# The paper's first experiment (section 3, Figure 2, first row): a three-layer SiLU MLP learns
# $(a + b) \bmod 31$ from 80% of the 961 pairs. It first **memorises** (train accuracy 100%,
# test accuracy low), then, thousands of steps later, **generalises** (test accuracy 100%):
# grokking. The paper's claim: during the generalising phase the network *compresses*, and the
# Linear Mapping Number (LMN, notebooks 02-03) measured from the first hidden layer to the
# logits falls **linearly with the test loss**, while the L2 norm of the weights (the usual
# explanation of grokking) relates to the test loss nonlinearly.
#
# This notebook trains several seeds together (one batched model), records accuracy, loss, the
# L2 norm and LMN over training, detects the three phases per seed, and fits straight lines to
# LMN and to L2 against test loss in each seed's generalising phase, reporting $R^2$ (the paper
# gives no numbers).

# %% tags=["parameters"]
p = 31                      # modulus
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
signals = {}                # training signals beyond the loss (notebook 11; none by default)
quick = False               # class mode: seed 0 only, 8000 steps, fewer LMN points (about a minute)
redraw = False              # class mode: draw every figure from the saved run, no training
output_dir = "../figures"   # figures and the run's history (JSON) go here

# %%
import lmn_utils as lu
from lmn_utils.analysis import (fit_table, linearity_verdict, peak_ratios,
                                phase_changes, phase_table)
from lmn_utils.claims import task_claims, text_table
from lmn_utils.plotting import plot_fits, plot_grokking_row, save_figure
from lmn_utils.report import (describe_run, fit_summary,
                              lmn_drop_summary, phase_summary, schedule_summary)

redraw = lu.check_modes(quick, redraw)  # also True under $LMN_REDRAW=1 (the test command)
seeds, steps, lmn_points = lu.quick_settings(quick, seeds, steps, lmn_points,
                                             quick_seeds=[0], quick_steps=8000)
config = lu.TrainConfig(task="modular_addition", task_params={"p": p}, seeds=tuple(seeds),
                        steps=steps, train_frac=train_frac, weight_decay=weight_decay,
                        activation=activation,
                        lmn_layers=(layer,), lmn_points=tuple(lmn_points), dtype=dtype,
                        lmn_samples=lmn_samples, **lu.signal_settings(signals)).validate()
task = lu.make_task(config.task, **config.task_params)  # checks p
output_dir = lu.output_folder(output_dir)  # $LMN_OUTPUT_DIR wins if set
print(describe_run(task, config))

# %% [markdown]
# ## From toy networks to tokens: what LMN measures here, and why its fall means compression
# Notebooks 01-03 measured LMN of a function on a set of real-valued samples: draw a straight
# path between two samples, ask how linear the function is along it ($L_{ij}$, the mean $R^2$
# of a line through its outputs on 21 points), and take $2^{S}$ of the connectivity matrix
# $L$'s spectrum. Three questions bridge that to this network.
#
# **1. What are the samples?** The inputs here are token pairs $(a, b)$, and there is no point
# half-way between token 3 and token 4, so the paths start *inside* the network. Each pair is
# embedded ($E_a$ and $E_b$, 32 numbers each, concatenated), then
# $h = \mathrm{SiLU}(W_1 e + b_1)$ gives the first hidden layer's 100 numbers. The 961 vectors
# $h(a, b)$ are the samples $X$ of notebooks 02-03, and the function is the rest of the network,
# the *tail* $f(h) = W_3\,\mathrm{SiLU}(W_2 h + b_2) + b_3$ (31 logits). The library's model
# answers both: `values(inputs, "hidden1")` and `tail("hidden1")`.

# %%
import numpy as np
import torch
import matplotlib.pyplot as plt

torch.manual_seed(0)
untrained = lu.EmbedMLP(num_tokens=p, num_classes=p).double()
some = task.inputs[:200]  # 200 of the 961 pairs, to keep this cell to a few seconds
with torch.no_grad():
    samples = untrained.values(some, "hidden1")
print(f"samples: {tuple(samples.shape)} (pairs x hidden units); the tail: "
      f"{untrained.tail('hidden1')}")
lmn_hidden1 = lu.linear_mapping_number(untrained.tail("hidden1"), samples)
assert abs(lmn_hidden1 / lu.layer_lmn(untrained, some, "hidden1") - 1) < 1e-9  # the same call
print(f"LMN of the untrained tail on these 200 samples: {lmn_hidden1:.1f}")

# %% [markdown]
# **2. Why that layer, and why after its activation?** An affine map $g(x) = Ax + c$ carries a
# straight path to a straight path, point for point:
# $g(x_i + t(x_j - x_i)) = g(x_i) + t\,(g(x_j) - g(x_i))$. So paths drawn between embeddings,
# mapped by $W_1$, are exactly the paths drawn between hidden1's values *before* its SiLU, and
# both see the same function along them: LMN from the embedding equals LMN from hidden1 before
# its activation. Likewise LMN from hidden1 after its SiLU equals LMN from hidden2 before its
# SiLU. This three-layer MLP has only two distinct readings, then: from the embedding (two
# SiLUs on every path) and from hidden1 after its activation (one SiLU). The paper measures
# from "the first hidden layer"; the project reads it after the activation, the only reading
# that differs from the embedding's. Notebook 07 tracks both through training, and notebook 08
# makes the other reading a row of the claims table (it reverses LMN's fall). Checked here on
# the untrained network:

# %%
lmn_at = {point: lu.linear_mapping_number(untrained.tail(point),
                                          untrained.values(some, point).detach())
          for point in ("embedding", "hidden1_pre", "hidden1", "hidden2_pre")}
print({point: round(value, 4) for point, value in lmn_at.items()})
assert abs(lmn_at["embedding"] / lmn_at["hidden1_pre"] - 1) < 1e-6
assert abs(lmn_at["hidden1"] / lmn_at["hidden2_pre"] - 1) < 1e-6
assert abs(lmn_at["embedding"] / lmn_at["hidden1"] - 1) > 1e-3  # two distinct readings

# %% [markdown]
# **3. Why does a falling LMN read as compression?** Take $|x|$ on the four samples
# $-2, -1, 1, 2$. The pairs on one side of the kink lie on one linear map ($L = 1$); the pairs
# $(-1, 1)$ and $(-2, 2)$ cross it symmetrically, and a line through the V they trace explains
# nothing ($L = 0$); the pairs $(-2, 1)$ and $(-1, 2)$ cross it off-centre, and a line
# explains part of it: $L = a$, the $R^2$ of $|{-2} + 3t|$ on 21 points of $t \in [0, 1]$.
# In the order $-2, -1, 1, 2$:
#
# $$L = \begin{pmatrix} 1 & 1 & a & 0 \\ 1 & 1 & 0 & a \\ a & 0 & 1 & 1 \\ 0 & a & 1 & 1
# \end{pmatrix} = \begin{pmatrix} B & aI \\ aI & B \end{pmatrix},\quad
# B = \begin{pmatrix} 1 & 1 \\ 1 & 1 \end{pmatrix}.$$
#
# Its eigenvectors are $(u, \pm u)$ with $u$ an eigenvector of $B$ (eigenvalues 2 and 0), so
# its eigenvalues are $2 + a$, $2 - a$, $a$ and $-a$; their magnitudes, divided by their sum
# $4 + 2a$, are the probabilities $p$, and $\mathrm{LMN} = 2^{-\sum p \log_2 p}$. If the
# off-centre pairs also scored 0 ($a = 0$), the spectrum would be $2, 2, 0, 0$: $p = (1/2, 1/2)$,
# an entropy of exactly **1 bit** and LMN = 2, the two linear maps $|x|$ uses. That is the
# reading of $\log_2 \mathrm{LMN}$: **the bits needed to say which linear map a sample uses**
# (exact for block-structured $L$, notebook 03). With the graded $a$ the count is soft:

# %%
t = np.linspace(0, 1, 21)
a = np.corrcoef(t, np.abs(-2 + 3 * t))[0, 1] ** 2
eigenvalues = np.array([2 + a, 2 - a, a, -a])
prob = np.abs(eigenvalues) / np.abs(eigenvalues).sum()
bits = -(prob * np.log2(prob)).sum()
four = torch.tensor([[-2.0], [-1.0], [1.0], [2.0]], dtype=torch.float64)
L_four = lu.linear_connectivity(torch.abs, four)
assert np.allclose(np.sort(np.linalg.eigvalsh(L_four.numpy())), np.sort(eigenvalues))
assert abs(lu.lmn_from_connectivity(L_four) - 2 ** bits) < 1e-9
print(f"a = {a:.3f}; eigenvalues {np.round(np.sort(eigenvalues), 3)}; S = {bits:.2f} bits; "
      f"LMN = {2 ** bits:.2f} (the library: {lu.lmn_from_connectivity(L_four):.2f})")
assert abs(a - 0.540) < 5e-4 and abs(bits - 1.70) < 5e-3 and abs(2 ** bits - 3.26) < 5e-3

# %% [markdown]
# $a = 0.540$, and LMN is 3.26 (1.70 bits) rather than 2 (1 bit): the off-centre pairs look
# partly linear, so LMN over-counts the maps, as notebook 03 found for $|x|$ on 40 samples.
# What survives is the order: **fewer linear maps, fewer bits, lower LMN**. A zigzag with 8
# linear pieces against $|x|$ with 2, on the same 32 samples:

# %%
line = torch.linspace(-4, 4, 32, dtype=torch.float64)[:, None]
zigzag = lambda x: torch.remainder(x, 2.0).sub(1).abs()  # period 2: 8 pieces on [-4, 4]
pieces = {"zigzag, 8 linear pieces": (zigzag, lambda x: np.floor(x)),
          "|x|, 2 linear pieces": (torch.abs, lambda x: x >= 0)}
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2), sharey=True)
lmn_pieces = {}
for ax, (name, (fn, piece)) in zip(axes, pieces.items()):
    lmn_pieces[name] = lu.linear_mapping_number(fn, line)
    dense = torch.linspace(-4, 4, 400, dtype=torch.float64)
    ax.plot(dense, fn(dense), color="0.7", lw=1)
    ax.scatter(line[:, 0], fn(line)[:, 0], c=piece(line[:, 0].numpy()), cmap="tab10", s=18,
               zorder=3)
    ax.set(title=f"{name}: LMN {lmn_pieces[name]:.1f} = {np.log2(lmn_pieces[name]):.2f} bits",
           xlabel="x (32 samples, coloured by linear piece)")
axes[0].set_ylabel("f(x)")
fig.tight_layout()
save_figure(fig, "04_many_maps_to_few", output_dir)
plt.show()
print({name: round(value, 2) for name, value in lmn_pieces.items()})
eight, two = lmn_pieces.values()
assert eight > 2 * two and abs(eight - 14.8) < 0.05 and abs(two - 5.5) < 0.05  # "14.8 and 5.5"

# %% [markdown]
# Eight pieces give LMN 14.8 (3.9 bits), two give 5.5 (2.5 bits): not the literal counts, but
# in their order. That is the paper's reading of grokking: a network that memorises its
# 769 training pairs fits them with many local linear maps, and one that has found the rule
# $(a + b) \bmod 31$ needs fewer, so the description of *which map each sample uses* gets
# shorter. Compression here means fewer bits for that description, measured on hidden1's 961
# samples. Whether LMN's fall during grokking is linear in the test loss, the paper's central
# claim, is what the rest of this notebook measures and notebook 08 decides.

# %% [markdown]
# ## Training
# Each seed has its own initialisation and its own random 80/20 split. The seeds are trained
# together (stacked weights, batched matmuls), and each seed's run is the same as it would be
# alone. LMN is measured on all 961 inputs after training, at each seed's own scheduled steps
# (`lmn_utils.schedule`: a few before memorisation, both phase steps exactly, 16 inside the
# generalising phase, 16 after it), from float32 snapshots of the weights kept at every
# recorded step.

# %% [markdown]
# **Precision.** In pure float32, once the train loss reaches about 1e-7 (the float32 rounding
# step of a probability near 1), runs of this kind show sudden loss spikes and a collapse of LMN
# late in training (compared side by side in notebook 07). That is a rounding artefact, not the
# model's behaviour. The default, `dtype="mixed"`, keeps the weights, the AdamW state and the loss
# in float64 and runs only the layers' arithmetic in float32: in notebook 07 it follows float64
# to a few parts in a million all the way down to a train loss of 4e-8, in about half of
# float64's time (5 seeds: 158 s against 331 s, BENCHMARKS.md).
# `dtype="float64"` and `dtype="float32"` are parameters. LMN itself is evaluated on a float32
# copy of the weights (it agrees with the float64 definition to 1e-3, as the tests check).

# %%
# NBVAL_IGNORE_OUTPUT
history = lu.train_or_load(config, "04_modular_addition_history.json", output_dir, redraw)

# %%
print(schedule_summary(history))

# %% [markdown]
# ## The paper's Figure 2 row
# Accuracy, LMN, L2 norm and test loss against step. Shading: memorising (red), generalising
# (yellow), finalising (green), at the median phase boundaries over seeds.

# %%
fig = plot_grokking_row(history, layer, title=f"Modular addition mod {p}")
figure_files = save_figure(fig, "04_modular_addition_curves", output_dir)

# %% [markdown]
# ## Phases per seed
# Memorised: the first step after which train accuracy stays at 100%. Generalised: the same for
# test accuracy. The paper (Appendix B) reads about step 200 and step 7600 for its seed.

# %%
phases = phase_table(history)
print(phase_summary(phases, paper_steps=(200, 7600)))
print(f"phase steps are read at the {len(history.steps)} recorded steps (half log-spaced, "
      f"half every {history.steps[-1] - history.steps[-2]} steps)")

# %% [markdown]
# ## LMN and L2 against the test loss in the generalising phase
# One point per LMN measurement inside each seed's generalising phase (memorisation to
# generalisation step, both measured exactly; 16 more points between them, placed evenly in log
# test loss so that they cover the fit's x-axis). A straight line per seed gives $R^2$; but a
# line through a smooth monotone curve has a high $R^2$ whatever its shape, so $R^2$ alone
# cannot test "linear, not curved". The test that can fail: per seed, the $R^2$ that a parabola
# adds over the line (the **curvature gain**: 0 for a straight line, a few hundredths for a
# monotone parabola whose line still has $R^2$ above 0.9), for LMN and for L2 against the same
# points. The paper says L2 is the curved
# one, so the paired difference (L2 minus LMN) should be above 0: we take its mean over seeds with
# a 95% bootstrap interval, and call the claim *supported* when the interval lies above 0,
# *contradicted* when below, *not distinguished* otherwise. Whether the test loss enters on a
# linear or a log axis is a choice the paper does not make, so both are reported.

# %%
fits = fit_table(history, layer)
fig = plot_fits(history, fits, layer, title=f"Modular addition mod {p}")
figure_files = save_figure(fig, "04_modular_addition_fits", output_dir)

# %% [markdown]
# The same fits on a log test-loss axis, the second axis every linearity verdict is read on:

# %%
log_fits = fit_table(history, layer, log_loss=True)
fig = plot_fits(history, log_fits, layer, title=f"Modular addition mod {p}", log_loss=True)
figure_files += save_figure(fig, "04_modular_addition_fits_log", output_dir)

# %%
print(fit_summary(fits))
print(fit_summary(log_fits).splitlines()[-1] + " (log test loss)")

# %% [markdown]
# ## What we find
# Every claim of the paper that this task can test, each with its rule, statistic, n and verdict
# (`lmn_utils.claims`: the same rules notebook 08 collects into the claims table). Computed, not
# written by hand, so it stays true when parameters change.

# %%
print(lmn_drop_summary(history, layer))
print(linearity_verdict(fits))
print(linearity_verdict(log_fits, axis="log test loss"))
print(text_table(task_claims(history, layer, f"mod {p}")))

# %% [markdown]
# ## In words
# With the default parameters (the cell below checks every statement against this run):
# while the network memorises, LMN rises to about twice its initial value; while it generalises,
# LMN falls by about two thirds, in every seed. That is the paper's compression story, read at
# the paper's tap: measured before hidden1's SiLU (the same LMN as from the embedding), LMN
# *rises* over the same window in the confirmatory seeds (notebook 08), so the fall belongs to
# the representation after the first nonlinearity. The L2
# norm of the weights does the same (up while memorising, down by about a fifth while
# generalising), so a falling LMN is not by itself something the norm fails to show. Against the
# test loss both are close to straight lines (the $R^2$ of a line is above 0.9 in every seed, for
# both), so $R^2$ cannot tell them apart. The curvature test can: on a linear test-loss axis it
# finds LMN the *more* curved of the two, on a log axis no difference (on the 20 confirmatory
# seeds of notebook 08 such paired verdicts move with the window's start: they are fragile).
# The paper's "LMN is linear in the test loss, L2 is not" does not hold for this task. After
# generalisation LMN levels off by the rule in some of these seeds only; on the 20
# confirmatory seeds the rate test supports levelling off (notebook 08).

# %%
verdicts = {r["claim"].split(": ", 1)[1]: r["verdict"]
            for r in task_claims(history, layer, f"mod {p}")}
default_run = (p, seeds, steps, train_frac, weight_decay, activation, layer, lmn_points,
               dtype) == (31, [0, 1, 2, 3, 4], 20000, 0.8, 0.2, "silu", "hidden1", [2, 16, 16],
                          "mixed") and lmn_samples == "auto"
if default_run:
    lmn_change, l2_change = phase_changes(history, "lmn", layer), phase_changes(history, "l2_norm")
    assert 1.7 <= peak_ratios(history, layer).mean() <= 2.5  # "about twice"
    assert (lmn_change < 0).all() and -0.75 <= lmn_change.mean() <= -0.55  # "about two thirds"
    assert (l2_change < 0).all() and -0.3 <= l2_change.mean() <= -0.12  # "about a fifth"
    assert all(f["lmn_r2"] > 0.9 and f["l2_r2"] > 0.9 for f in fits)
    assert verdicts["LMN rises to a peak near memorisation"] == "reproduced"
    assert verdicts["LMN falls while generalising"] == "supported"
    assert verdicts["LMN linear in test loss, L2 not"] == "contradicted"
    assert verdicts["LMN linear in log test loss, L2 not"] == "not distinguished"
    assert verdicts["LMN levels off after generalising"] == "partly"
    print(f"LMN {100 * lmn_change.mean():+.0f}%, L2 {100 * l2_change.mean():+.0f}% over the "
          "generalising phase (mean over seeds)")

# %% [markdown]
# ## Try it
# Rerun with one parameter changed, e.g.
# `python -m lmn_utils.run_notebooks 04 -p seeds "[0]" -p train_frac 0.5` (writes to `scratch/`;
# one seed takes about 2 minutes on 2 CPU cores). Answers from seed 0 below each question.
#
# 1. **Less data.** Set `train_frac = 0.5`. Does the net still grok within 20000 steps? What does
#    LMN do after memorisation?
#
#    <details><summary>Answer</summary>
#
#    It memorises at step 135 (149 with the default split) but never generalises: test accuracy ends at 0.21. LMN
#    still rises to a peak (1.68 times its initial value) and then falls by 42% between
#    memorisation and the end of the run, while test accuracy climbs only to 0.21 (chance is
#    1/31, so about seven times chance: partial generalisation). So a falling LMN does not mean
#    the net generalises fully; notebook 10 finds that the fall tracks how far it generalises. (The linearity test needs 2 seeds: "not measured" with one.)
#    </details>
#
# 2. **ReLU instead of SiLU.** Set `activation = "relu"`. What changes in the phases and in LMN?
#
#    <details><summary>Answer</summary>
#
#    Memorisation at step 149 as with SiLU, generalisation later (step 9091, against 5253 for
#    seed 0 with SiLU). LMN hardly rises while memorising (its peak is 1.02 times the initial
#    value: a ReLU net starts with many kinks) but falls by 72% while generalising, and keeps
#    falling afterwards (a factor 7.9 from its peak by the end), so it does not level off.
#    </details>


# %% [markdown]
# ## Check yourself
# Find the memorisation step
# (about 5 minutes of writing; the check runs in under a second on 2 cores).
#
# `my_memorisation_step(steps, train_acc)` gets the recorded steps and one seed's train
# accuracy at them (numpy arrays). Return the step at which memorising ends: the first step
# from which the accuracy is 1.0 at every later record (a dip below 1.0 starts the wait
# again); `None` if it is below 1.0 at the last record. The generalisation step is the same
# rule applied to the test accuracy.
# Write it in the cell below, replacing `raise NotImplementedError`, and run the next cell: it
# runs your function on a few cases against the library's own answer and says, in one line,
# whether they agree (or which case does not).

# %%
def my_memorisation_step(steps, train_acc):
    # your code: the last record below 1.0, then the step after it
    raise NotImplementedError

# %%
from lmn_utils import exercises

passed = exercises.check_memorisation_step(my_memorisation_step)  # True when every case agrees (the line above says which)

# %% [markdown]
# <details><summary>A solution</summary>
#
# ```python
# def my_memorisation_step(steps, train_acc):
#     if train_acc[-1] < 1.0:
#         return None
#     below = np.flatnonzero(train_acc < 1.0)
#     return int(steps[below[-1] + 1]) if len(below) else int(steps[0])
# ```
# </details>
