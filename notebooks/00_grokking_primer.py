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
# # 00 — A grokking primer: memorise first, generalise much later
#
# *Objectives, prerequisites and run times: the [class plan](../site/class_plan.md). Symbols and
# terms: the [notation page](../site/notation.md).*
#
# **Grokking** (Power et al. 2022, *Grokking: generalization beyond overfitting on small
# algorithmic datasets*): a network trained on a small algorithmic task, such as addition modulo
# a prime, first fits its training set perfectly while getting the held-out pairs wrong
# (**memorisation**), and only thousands of steps later, with no change to the data or the
# settings, gets the held-out pairs right too (**generalisation**). The paper this project
# reproduces (Liu, Zhong and Tegmark 2023) asks what changes inside the network between the two,
# and answers with a complexity measure, the Linear Mapping Number (notebooks 01-03).
#
# This notebook shows grokking itself, with nothing hidden: the task, the model, the optimiser
# and a training loop written out in full, on one seed, in about a minute on 2 CPU cores. The
# later notebooks do the same with a library (`lmn_utils.train`: several seeds at once, mixed
# precision, LMN measured along the way).

# %% tags=["parameters"]
p = 31                  # the modulus: the task is (a + b) mod p
train_frac = 0.8        # fraction of the p * p pairs trained on (the paper's)
steps = 10000           # full-batch AdamW steps
weight_decay = 0.2      # the paper's; compared below with no weight decay at all
seed = 0
output_dir = "../figures"

# %%
import sys
import time

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

import lmn_utils as lu
from lmn_utils.plotting import save_figure

lu.check_parameters(p=p, train_frac=train_frac, steps=steps, weight_decay=weight_decay, seed=seed)
output_dir = lu.output_folder(output_dir)  # $LMN_OUTPUT_DIR wins if set

# %% [markdown]
# ## The task
# Every pair $(a, b)$ with $a, b \in \{0, \dots, p-1\}$, labelled $(a + b) \bmod p$: $p^2 = 961$
# examples for $p = 31$. A random 80% are the training set; the other 20% are never trained on
# and measure generalisation. The inputs are *symbols*: the network is not told that 3 is
# between 2 and 4, only that token 3 exists.

# %%
task = lu.make_task("modular_addition", p=p)
train_rows, test_rows = task.split(train_frac, seed)
print(f"{len(task.labels)} pairs: {len(train_rows)} to train on, {len(test_rows)} held out")
for a, b in [(3, 5), (20, 15), (30, 30)]:
    row = a * p + b
    print(f"  ({a}, {b}) -> {int(task.labels[row])}")

# %% [markdown]
# ## The model
# The paper's network: each of $a$ and $b$ is looked up in a learned table of 32-dimensional
# embeddings, the two are concatenated (64 numbers), then two hidden layers of 100 units with
# the SiLU activation $x \sigma(x)$, and a linear layer to $p$ logits, one per possible answer.

# %%
torch.manual_seed(seed)
model = lu.EmbedMLP(num_tokens=p, num_classes=p)
print(model)
print(f"{sum(w.numel() for w in model.parameters())} parameters")

# %% [markdown]
# ## The optimiser and the loop
# AdamW, learning rate $10^{-3}$, weight decay 0.2, on the whole training set at every step
# (full batch), minimising the cross-entropy of the logits against the labels. *Weight decay*
# shrinks every weight towards 0 at every step (AdamW subtracts $\text{lr} \times
# \text{weight decay} \times w$), so a solution that needs large weights is under constant
# pressure. Every 50 steps we record accuracy and loss on both sets and the L2 norm of all the
# weights, $\lVert w \rVert_2 = \sqrt{\sum w^2}$.

# %%
def train_one_seed(weight_decay, steps=steps, seed=seed, record_every=50):
    """Train the paper's MLP on the task; returns the recorded curves as lists."""
    torch.manual_seed(seed)
    model = lu.EmbedMLP(num_tokens=p, num_classes=p)
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=weight_decay)
    inputs, labels = task.inputs, task.labels
    names = ("step", "train_acc", "test_acc", "train_loss", "test_loss", "l2")
    curves = {name: [] for name in names}
    for step in range(steps + 1):
        if step % record_every == 0:
            with torch.no_grad():
                logits = model(inputs)
                correct = (logits.argmax(1) == labels).float()
                loss = F.cross_entropy(logits, labels, reduction="none")
            curves["step"].append(step)
            curves["train_acc"].append(correct[train_rows].mean().item())
            curves["test_acc"].append(correct[test_rows].mean().item())
            curves["train_loss"].append(loss[train_rows].mean().item())
            curves["test_loss"].append(loss[test_rows].mean().item())
            curves["l2"].append(torch.sqrt(sum((w ** 2).sum() for w in model.parameters())).item())
        if step == steps:
            return curves
        loss = F.cross_entropy(model(inputs[train_rows]), labels[train_rows])
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()


# %%
# NBVAL_IGNORE_OUTPUT
start = time.perf_counter()
with_decay = train_one_seed(weight_decay)
# the wall time goes to stderr, which the saved notebook drops (it differs on every machine)
print(f"trained {steps} steps in {time.perf_counter() - start:.0f} s", file=sys.stderr)


# %% [markdown]
# ## Memorise, then generalise
# The memorisation step is the first step after which train accuracy stays at 100%; the
# generalisation step, the same for test accuracy (the paper's phases; the shading of every
# later notebook: red memorising, yellow generalising, green after).

# %%
def phase_step(curves, name):
    """First recorded step from which curves[name] stays at 1 (None if it never does)."""
    from lmn_utils.history import first_step_reaching
    return first_step_reaching(curves["step"], curves[name], 1.0)


memorised, generalised = phase_step(with_decay, "train_acc"), phase_step(with_decay, "test_acc")
print(f"memorised at step {memorised}, generalised at step {generalised}")
acc_at_memorisation = with_decay["test_acc"][with_decay["step"].index(memorised)]
print(f"test accuracy when the training set is memorised: {acc_at_memorisation:.2f}")

# %%
def plot_run(axes, curves, label, style="-"):
    axes[0].plot(curves["step"], curves["train_acc"], style, color="C0", label=f"train, {label}")
    axes[0].plot(curves["step"], curves["test_acc"], style, color="C3", label=f"test, {label}")
    axes[1].plot(curves["step"], curves["test_loss"], style, color="C3", label=f"test, {label}")
    axes[1].plot(curves["step"], curves["train_loss"], style, color="C0", label=f"train, {label}")
    axes[2].plot(curves["step"], curves["l2"], style, color="C4", label=label)


fig, axes = plt.subplots(1, 3, figsize=(15, 3.8))
plot_run(axes, with_decay, f"weight decay {weight_decay}")
for ax, name in zip(axes, ("accuracy", "cross-entropy loss", "L2 norm of the weights")):
    ax.set_xscale("symlog", linthresh=100)
    ax.set_xlabel("step")
    ax.set_ylabel(name)
    ax.grid(alpha=0.3)
    ax.axvspan(0, memorised, color="#f4cccc", alpha=0.6, lw=0)
    if generalised is not None:
        ax.axvspan(memorised, generalised, color="#fff2cc", alpha=0.6, lw=0)
axes[1].set_yscale("log")
axes[0].legend(fontsize=8)
fig.suptitle(f"(a + b) mod {p}, one seed: memorised at step {memorised}, "
             f"generalised at {generalised}")
fig.tight_layout()
figure_files = save_figure(fig, "00_grokking_one_seed", output_dir)

# %% [markdown]
# Read the three panels together. The training set is memorised within a few hundred steps while
# test accuracy stays at 0: the memorising network is not guessing on the held-out pairs, it is
# confidently wrong about them, and the test loss *rises* as it grows confident about the
# training pairs. Then, long after the training loss is tiny, test accuracy climbs to
# 100% and the test loss falls by orders of magnitude. Over the same stretch the L2 norm, which
# grew while memorising, shrinks: the network replaces a large-weight lookup table by a smaller
# solution that computes the sum.

# %% [markdown]
# ## What weight decay has to do with it
# The same seed, the same split, the same steps, with weight decay 0:

# %%
# NBVAL_IGNORE_OUTPUT
without_decay = train_one_seed(0.0)

# %%
generalised_without = phase_step(without_decay, "test_acc")
print(f"weight decay {weight_decay}: final test accuracy {with_decay['test_acc'][-1]:.2f}, "
      f"final L2 norm {with_decay['l2'][-1]:.1f}")
print(f"weight decay 0:   final test accuracy {without_decay['test_acc'][-1]:.2f}, "
      f"final L2 norm {without_decay['l2'][-1]:.1f}, "
      f"generalised at step {generalised_without}")

fig, axes = plt.subplots(1, 3, figsize=(15, 3.8))
plot_run(axes, with_decay, f"weight decay {weight_decay}")
plot_run(axes, without_decay, "no weight decay", style="--")
for ax, name in zip(axes, ("accuracy", "cross-entropy loss", "L2 norm of the weights")):
    ax.set_xscale("symlog", linthresh=100)
    ax.set_xlabel("step")
    ax.set_ylabel(name)
    ax.grid(alpha=0.3)
axes[1].set_yscale("log")
axes[0].legend(fontsize=8)
axes[2].legend(fontsize=8)
fig.suptitle("With and without weight decay (solid: with, dashed: without)")
fig.tight_layout()
figure_files = save_figure(fig, "00_weight_decay", output_dir)

# %% [markdown]
# Weight decay is what makes the memorising solution temporary here. Without it, the weights are
# free to stay large: the network still memorises, but within the same budget it never
# generalises (test accuracy ends at 0, printed above), and its L2 norm keeps growing. Power et al. found weight
# decay the most effective of the interventions they tried for grokking; Liu et al. (*Omnigrok*,
# 2022) explain the delay by the time weight decay takes to bring the norm from where
# memorisation leaves it down to where generalising solutions live.
#
# What the norm does not say is *what kind* of function the network computes before and after.
# That is the question of the Linear Mapping Number: notebooks 01-03 build it from ReLU regions,
# linear connectivity and entropy, and 04 measures it through exactly this run.

# %%
default_run = (p, train_frac, steps, weight_decay, seed) == (31, 0.8, 10000, 0.2, 0)
if default_run:  # the statements of this notebook, checked against this run
    assert memorised < 1000 and generalised is not None and generalised > 5 * memorised
    assert acc_at_memorisation < 0.01  # "stays at 0"
    assert max(with_decay["test_loss"]) > with_decay["test_loss"][0]  # test loss rises first
    peak = max(with_decay["l2"])
    assert with_decay["l2"][-1] < peak  # the norm shrinks after memorisation
    assert generalised_without is None and without_decay["test_acc"][-1] < 0.01
    assert without_decay["l2"][-1] == max(without_decay["l2"])  # "keeps growing"

# %% [markdown]
# ## Try it
# Change one parameter in the first code cell and rerun, or from a shell:
# `python -m lmn_utils.run_notebooks 00 -p weight_decay 1.0` (writes to `scratch/`).
#
# 1. **More weight decay.** Set `weight_decay = 1.0`. Does the net generalise sooner or later?
# 2. **Less data.** Set `train_frac = 0.5`. How long is the memorising plateau now?
# 3. **A bigger prime.** Set `p = 59` (3481 pairs). What happens to the time to generalise?
#
# <details><summary>Answers (seed 0)</summary>
#
# 1. Sooner: memorised at step 200, generalised at step 1250 instead of 5100, with a final L2
#    norm of 27.5 instead of 30.3. Stronger decay pulls the norm down faster, and the
#    memorising solution gives way sooner.
# 2. The plateau outlasts the budget: memorised at step 150, test accuracy still 0.00 at step
#    10000. Less data, a longer wait: Power et al. found the steps to generalise grow steeply
#    as the training fraction falls.
# 3. Memorised at step 250, generalised at step 4350: *sooner* than at $p = 31$, because 80% of
#    3481 pairs is 2785 examples, more than three times as many (and each full-batch step
#    costs about 3481 / 961 = 3.6 times as much: compare the wall times the training cell
#    reports on your machine).
# </details>
