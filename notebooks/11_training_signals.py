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
# # 11 — Beyond the paper: LMN as a training signal
#
# *Objectives, prerequisites and run times: the [class plan](../site/class_plan.md). Symbols and
# terms: the [notation page](../site/notation.md).*
#
# The paper ends by naming a next step: use LMN "as a training signal for improving
# generalization". If grokking is compression, does *rewarding* compression make it come
# sooner? This notebook holds the study that asks it, against three other ways of shortening
# grokking: Grokfast-EMA (Lee et al. 2024: add lambda times an exponential moving average of
# past gradients to each gradient), a penalty on the network's Jacobian (the squared norm of
# the derivative of the logits with respect to the embeddings, in the spirit of GrokAlign,
# Walker, Humayun et al. 2025) and stronger weight decay (notebook 00: weight decay 1.0
# generalises about four times sooner than the paper's 0.2 on seed 0, step 1250 against 5100).
#
# How the methods are tuned, compared and judged was fixed before any of their runs, in
# [SIGNALS_PLAN.md](../SIGNALS_PLAN.md): every method gets a similar tuning budget (three to
# five values of its main setting on two tuning seeds), then ten fresh seeds at the setting
# the plan's rule keeps. The runs are sweeps of notebook 04 with its `signals` parameter
# (`sweeps/run_signals.sh`); this notebook trains nothing and reads what has landed.

# %% tags=["parameters"]
sweeps_dir = "../sweeps"   # the committed sweeps and the tracking table (trains nothing)

# %%
import json
import os

from lmn_utils.analysis import format_table
from lmn_utils.signal_study import chosen_settings, tuning_table
from lmn_utils.sweep_table import load_sweep
from lmn_utils.folders import check_folder

check_folder("sweeps_dir", sweeps_dir)

# %% [markdown]
# ## The signal: LMN's ingredient, cheap enough for every step
# LMN is the entropy of the connectivity matrix $L$, whose entry $L_{ij}$ says how straight the
# network's output is along the path between samples $i$ and $j$ (notebook 02). Every pair of
# 961 inputs is 461,280 paths: far too many for each training step. The penalty
# (`lmn_utils.signals.sampled_nonlinearity`) draws a few dozen to a few hundred fresh pairs per
# seed each step and adds the mean of $1 - L_{ij}$ over them, from hidden1 (the paper's tap) to
# the logits, times a strength. That mean is an unbiased estimate of the whole matrix's mean
# off-diagonal nonlinearity from any number of pairs; the entropy of a sampled sub-matrix would
# be biased by its size. It is differentiable, because $L_{ij}$ is a squared correlation of
# the outputs along the path.
#
# It is not LMN, so the first question is whether it moves as LMN does. Over each
# confirmatory run's kept weights (notebooks 04-06 at seeds 1000-1019, `sweeps/confirm_*`),
# the signal was evaluated at every step where the exact LMN was measured
# (`sweeps/track_signal.py`, on the kept snapshots, which are not committed): on 64 fresh
# pairs of each seed's training inputs a step, as the penalty draws them, and for comparison
# on 256. Both the signal and LMN trend with training time, and two series that trend rank
# alike for that reason alone, so each seed is read three ways (`lmn_utils.tracking`): the
# rank correlation of the levels (Spearman's rho), the same beyond the trend (the partial rho
# controlling for log(step + 1)), and the rank correlation of the *changes* between
# consecutive LMN steps (each change measured on the same pairs at both ends). Beside the
# signal, the same three for things anyone has for free: the step, the train loss, the L2
# norm.

# %%
tracking_path = os.path.join(sweeps_dir, "signal_tracking.json")
tracking = json.load(open(tracking_path)) if os.path.exists(tracking_path) else {}
columns = ["signal", "signal beyond time", "signal changes", "step", "train loss",
           "train loss beyond time", "train loss changes", "L2", "L2 beyond time", "L2 changes"]
tracking_table = [{"run": name.replace(" inputs", ""),
                   **{c: entry["summary"][c]["median"] for c in columns
                      if c in entry["summary"]}} for name, entry in tracking.items()]
print("median over seeds of each rank correlation with the exact LMN:")
print(format_table(tracking_table, digits=2) if tracking_table else "(not measured yet)")

# %% [markdown]
# TRACKING_PROSE

# %% [markdown]
# ## Tuning: a similar budget for every method
# Two tuning seeds (2000 and 2001) per value; every value's result is shown, and the plan's
# rule picks the kept one: the fastest value whose seeds both generalise, else the most
# accurate. The baseline is the weight-decay sweep's run at the paper's 0.2.

# %%
tuning_rows = []
for name in ("signals_tune_wd", "signals_tune"):
    path = os.path.join(sweeps_dir, name, "results.csv")
    if os.path.exists(path):
        rows, _, about = load_sweep(path)
        tuning_rows += rows
        print(about)
    else:
        print(f"{name}: not run yet (sweeps/run_signals.sh)")
tuning = tuning_table(tuning_rows)
if tuning:
    print(format_table([{k: r[k] for k in ("method", "setting", "generalised", "generalise",
                                           "final_test_acc")} for r in tuning], digits=2))
    print("kept:", chosen_settings(tuning))

# %% [markdown]
# (The reading of the tuning table is added as its runs land.)
#
# ## Still to run
# Section 3 of the plan (ten fresh seeds per method at the kept settings, the paired ratio of
# generalisation steps to the baseline's with Holm across methods, then the best two on S4 and
# XOR) and section 4 (LMN as a label-free monitor, against the L2 norm and the train loss)
# have not run yet; this notebook will read them as they land.
