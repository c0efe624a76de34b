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
# # 05 — Grokking composition in the permutation group S4
#
# The paper's second task (section 3, Figure 2, second row): the same MLP learns the product
# $c = a \circ b$ of two permutations of 4 elements ($c_i = a_{b_i}$; 24 tokens, 576 pairs,
# 80% for training). Same measurements as notebook 04: accuracy, LMN from the first hidden
# layer, L2 norm, phases, and linear fits of LMN and L2 against the test loss in the
# generalising phase. `n = 5` gives S5 (120 tokens, 14400 pairs), a much bigger run.
#
# S4 is non-abelian and harder than modular addition: some seeds may not reach 100% test
# accuracy within 20000 steps. The tables report it per seed; `steps` runs longer.

# %% tags=["parameters"]
n = 4                       # permutations of n elements: S_n (S4 in the paper)
seeds = [0, 1, 2, 3, 4]     # trained together as one batched model
steps = 20000               # AdamW steps, full batch
train_frac = 0.8
activation = "silu"
layer = "hidden1"           # LMN from this layer (after its activation) to the logits
num_lmn_steps = 24          # LMN checkpoints (half log-spaced, half evenly spaced)
dtype = "mixed"             # float64 weights, optimizer and loss, float32 layers (see 07)
output_dir = "../figures"   # figures and the run's history (JSON) go here

# %%
import lmn_utils as lu  # noqa: E402
from lmn_utils.analysis import fit_table, linearity_verdict, phase_table  # noqa: E402
from lmn_utils.plotting import plot_fits, plot_grokking_row, save_figure  # noqa: E402
from lmn_utils.report import (describe_run, fit_summary,  # noqa: E402
                              lmn_drop_summary, phase_summary)

config = lu.TrainConfig(task="permutation_composition", task_params={"n": n}, seeds=tuple(seeds),
                        steps=steps, train_frac=train_frac, activation=activation,
                        lmn_layers=(layer,), num_lmn_steps=num_lmn_steps, dtype=dtype).validate()
task = lu.make_task(config.task, **config.task_params)  # checks n
output_dir = lu.output_folder(output_dir)  # $LMN_OUTPUT_DIR wins if set
print(describe_run(task, config))

# %% [markdown]
# ## Training
# As in notebook 04: seeds trained together, each with its own initialisation and 80/20 split;
# Mixed precision by default: float64 weights, optimizer and loss, float32 layer arithmetic
# (pure float32 spikes late in training; mixed follows float64, see notebook 07). LMN on all inputs.

# %%
# NBVAL_IGNORE_OUTPUT
history, stack = lu.train(config)
history_path = history.save(f"{output_dir}/05_permutation_composition_history.json")

# %% [markdown]
# ## The paper's Figure 2 row (shading and phases as in notebook 04)

# %%
fig = plot_grokking_row(history, layer, title=f"Permutation composition in S{n}")
figure_files = save_figure(fig, "05_permutation_composition_curves", output_dir)

# %% [markdown]
# ## Phases per seed
# Memorised: the first step after which train accuracy stays at 100%. Generalised: the same for
# test accuracy (a seed that never gets there shows '-').

# %%
phases = phase_table(history)
print(phase_summary(phases))

# %% [markdown]
# ## LMN and L2 against the test loss in the generalising phase (fits as in notebook 04)

# %%
fits = fit_table(history, layer)
fig = plot_fits(history, fits, layer, title=f"Permutation composition in S{n}")
figure_files = save_figure(fig, "05_permutation_composition_fits", output_dir)

# %%
print(fit_summary(fits))

# %% [markdown]
# ## What we find
# In words, computed from the tables above (the caution on few checkpoints of notebook 04 applies).

# %%
print(lmn_drop_summary(history, layer))
print(linearity_verdict(fits))

# %% [markdown]
# ## Reading the result (default parameters: 5 seeds, mixed precision, 20000 steps)
# Only one seed of five (seed 3) reaches 100% test accuracy within 20000 steps; the others end
# between 57% and 99%. For a seed that never generalises, its "generalising phase" runs from
# memorisation to the end of the run, and there LMN tracks the test loss far more linearly than
# L2 does ($R^2$ about 0.98 against 0.55-0.84). In the one seed that does generalise, the
# opposite holds ($R^2$ 0.95 for LMN, 0.99 for L2). So the mean supports the paper's claim, but
# mostly through runs still on their way; `steps` is a parameter for running longer.
