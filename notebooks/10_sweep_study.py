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
# # 10 — A sweep study: does LMN's course predict when a network groks?
#
# *Objectives, prerequisites and run times: the [class plan](../site/class_plan.md). Symbols and
# terms: the [notation page](../site/notation.md).*
#
# Notebook 04 trains one setting (weight decay 0.2, 80% of the pairs for training). The next
# question is always a grid: across settings, runs grok after very different delays, or never.
# Does the height of LMN's peak, or how fast LMN falls after memorisation, tell how long a run
# will take to generalise? And what does LMN do in runs that never grok?
#
# The grid: notebook 04 (mod 31, the paper's MLP) for weight decay 0.1, 0.3 and 1.0 times
# training fraction 0.5, 0.65 and 0.8, two seeds per setting (trained together), 20000 steps,
# LMN at 2 + 8 + 8 phase-placed steps per seed. It ran outside this notebook, as nine runs of
# notebook 04 with these parameters filled in (papermill executes a notebook with new
# parameters; Dask runs several at once on the cores of one machine: `lmn_utils.sweep`, see
# the README):
#
# ```
# python -m lmn_utils.sweep 04 --name wd_train_frac \
#     --grid weight_decay 0.1 0.3 1.0 --grid train_frac 0.5 0.65 0.8 \
#     -p seeds "[0, 1]" -p lmn_points "[2, 8, 8]"
# ```
#
# It wrote one folder per run (the executed notebook, its history and figures) and the table
# this notebook reads, `sweeps/wd_train_frac/results.csv`: one row per run and seed, with the
# run's parameters and the per-seed summary of `lmn_utils.sweep_table.seed_summary`.
#
# A second, cheaper sweep repeats the same runs for their first 1000 steps only, so that LMN is
# measured densely just after memorisation (why it is needed: below):
#
# ```
# python -m lmn_utils.sweep 04 --name wd_train_frac_early \
#     --grid weight_decay 0.1 0.3 1.0 --grid train_frac 0.5 0.65 0.8 \
#     -p seeds "[0, 1]" -p lmn_points "[2, 8, 8]" -p steps 1000
# ```
#
# This notebook trains nothing: it reads the two tables.

# %% tags=["parameters"]
results = "../sweeps/wd_train_frac/results.csv"              # the full runs (lmn_utils.sweep)
early_results = "../sweeps/wd_train_frac_early/results.csv"  # their first 1000 steps
output_dir = "../figures"                                      # figures go here

# %%
import os

import matplotlib.pyplot as plt

import lmn_utils as lu
from lmn_utils.analysis import bootstrap_mean_interval, format_table, interval_verdict
from lmn_utils.plotting import plot_against, plot_grid_cells, save_figure
from lmn_utils.study import (cell_summary, compare_correlations, correlation_test,
                             describe_correlation, merge_columns)
from lmn_utils.sweep_table import collect, column, load_sweep

output_dir = lu.output_folder(output_dir)
rows, sweep, about = load_sweep(results)
early_rows, early_sweep, early_about = load_sweep(early_results)
print(about)
print(early_about)
window = early_sweep["early_window"]  # steps after memorisation of the early changes
assert sweep["early_window"] == window

# %% [markdown]
# ## The grid
# Per setting: the seeds that generalised (test accuracy 100% for good) and their mean delay,
# the steps from memorisation to generalisation. Grey cells: no seed generalised within the
# 20000 steps. The table's other columns, means over a cell's seeds: `memorised`, the
# memorisation step; `peak_ratio`, LMN's highest value over its value at initialisation;
# `lmn_fall`, LMN's relative change over the generalising phase, averaged over *all* the
# cell's seeds, also those that never generalise (their phase runs to the last step, and
# their LMN may barely move). The next section reads them per seed that generalised.

# %%
by = ("weight_decay", "train_frac")
cells = cell_summary(rows, by, ("memorised", "delay", "peak_ratio", "lmn_fall"))
print(format_table(cells, digits=2))
fig, ax = plt.subplots(figsize=(5.5, 4))
plot_grid_cells(ax, cells, "weight_decay", "train_frac", "delay",
                "mean delay, memorisation to generalisation (steps)")
ax.set_title("Time to grok over the grid (mod 31, 2 seeds a cell;\n"
             "the mean over the seeds that grokked)", fontsize=10)
save_figure(fig, "10_sweep_grid", output_dir)
plt.show()

# %% [markdown]
# ## Does LMN's peak, or its fall, predict the delay?
# Candidate predictors, per seed that generalised:
# - **peak ratio**: LMN's highest value over its value at initialisation (the rise of
#   memorisation, notebook 04's "about twice");
# - **mean fall rate**: LMN's relative fall over the whole generalising phase, per 1000 steps.
#   This one is *not* a forecast: it divides by the delay itself, so if every run falls by about
#   the same fraction (they do: about two thirds among the seeds that generalise, checked at
#   the end of this notebook) it correlates negatively
#   with the delay by construction;
# - **early change**: LMN's relative change over the first 500 steps after memorisation, long
#   before any of these runs generalises (the fastest takes about 1000 steps), so it could
#   serve as a forecast;
# - and, as a baseline for it, the **test loss's early change** over the same 500 steps: if
#   LMN forecasts no better than the test loss, it adds nothing a practitioner does not
#   already watch.
#
# The full sweep cannot give the early change. Its LMN steps are placed by each run's test loss
# (`lmn_utils.schedule`), so a slow run is first measured thousands of steps after
# memorisation, and an "early" value interpolated across that span would read LMN from much
# later: it would be the mean fall rate again. `sweep_table.change_after` refuses such a span
# (None), and the early changes come from the follow-up sweep of the same runs' first 1000
# steps, where LMN is measured every few dozen to few hundred steps after memorisation. (Same
# seeds and settings: the first 1000 steps of each run are the same training.)
#
# The test: Spearman's rank correlation with the delay, with a 95% bootstrap interval over
# seeds; "positive" / "negative" when the interval excludes 0. Weight decay changes both the
# delay and LMN's course, so a correlation over the whole grid may only say "weight decay
# matters". The second line of each pair ranks *within* each weight decay (a stratified
# Spearman correlation): does the predictor still order runs that share a weight decay?

# %%
refused = [r for r in rows if r["delay"] is not None and r["early_change"] is None]
print(f"full sweep: early change refused for {len(refused)} of "
      f"{sum(r['delay'] is not None for r in rows)} seeds that generalised "
      f"(no LMN step within {2 * window} steps after memorisation)")
grokked = merge_columns([r for r in rows if r["delay"] is not None], early_rows,
                        ("weight_decay", "train_frac", "seed"),
                        ("early_change", "early_test_loss_change"))
delay = column(grokked, "delay")
wd_groups = column(grokked, "weight_decay")
predictors = {"peak_ratio": "LMN peak / LMN at step 0",
              "fall_per_1000_steps": "LMN's relative fall per 1000 steps, generalising phase",
              "early_change": f"LMN's relative change, first {window} steps after "
                              "memorisation",
              "early_test_loss_change": f"test loss's relative change, first {window} "
                                        "steps after memorisation"}
tests = {}
for name in predictors:
    tests[name] = (correlation_test(column(grokked, name), delay),
                   correlation_test(column(grokked, name), delay, groups=wd_groups))
    print(describe_correlation(name, tests[name][0]))
    print(describe_correlation(name + ", within weight decay", tests[name][1]))

# %%
fig, axes = plt.subplots(2, 2, figsize=(11, 8), sharey=True)
for ax, (name, label) in zip(axes.flat, predictors.items()):
    plot_against(ax, grokked, name, "delay", "weight_decay", label,
                 "delay: memorisation to generalisation (steps)", log_y=True)
    pooled, within = tests[name]
    ax.set_title(f"Spearman {pooled['rho']:+.2f} ({pooled['verdict']}); "
                 f"within weight decay {within['rho']:+.2f} ({within['verdict']})", fontsize=9)
fig.suptitle("Which feature orders the runs by their time to grok? (mod 31, one point a seed)")
fig.tight_layout()
save_figure(fig, "10_sweep_predictors", output_dir)
plt.show()

# %% [markdown]
# Is LMN's early change the better forecast, or the test loss's? The difference of their
# |Spearman| correlations with the delay, on the same seeds, with a paired bootstrap interval:

# %%
early_lmn, early_loss = column(grokked, "early_change"), column(grokked, "early_test_loss_change")
forecast = {"over the grid": compare_correlations(early_lmn, early_loss, delay),
            "within weight decay": compare_correlations(early_lmn, early_loss, delay, wd_groups)}
meaning = {"first": "LMN the better forecast", "second": "the test loss the better forecast",
           "not distinguished": "not distinguished", "not measured": "not measured"}
for label, test in forecast.items():
    print(f"{label}: |rho| LMN - |rho| test loss = {test['difference']:+.2f} "
          f"[{test['low']:+.2f}, {test['high']:+.2f}] over {test['n']} seeds: "
          f"{meaning[test['verdict']]}")

# %% [markdown]
# ## Runs that never grok
# Seeds that memorise but never generalise within 20000 steps: LMN's relative change from
# memorisation to the last step, against the same change over the generalising phase of the
# seeds that did grok. A falling LMN without generalisation would mean the fall alone does not
# signal generalisation (04's Try it found one such seed at train_frac 0.5).

# %%
never = [r for r in rows if r["memorised"] is not None and r["generalised"] is None]
falls = {"never grokked": column(never, "lmn_fall"), "grokked": column(grokked, "lmn_fall")}
never_verdict = None
for group, values in falls.items():
    if len(values) < 2:
        print(f"{group}: {len(values)} seeds: no interval")
        continue
    low, high = bootstrap_mean_interval(values)
    verdict = interval_verdict(low, high, above="rises", below="falls")
    never_verdict = verdict if group == "never grokked" else never_verdict
    print(f"{group}: {len(values)} seeds, LMN change memorisation -> end of phase "
          f"{100 * values.mean():+.0f}% [{100 * low:+.0f}%, {100 * high:+.0f}%]: {verdict}")
print("never grokked, per seed:", format_table(
    [{k: r[k] for k in ("weight_decay", "train_frac", "seed", "peak_ratio", "lmn_fall",
                        "final_test_acc")} for r in never], digits=2), sep="\n")

# %% [markdown]
# ## In words
# On mod 31 with the paper's MLP, over weight decay 0.1-1.0 and training fractions 0.5-0.8
# (18 seeds, 14 of which grok within 20000 steps):
# - **More weight decay and more data, sooner grokking**: the mean delay goes from about 1260
#   steps (weight decay 1.0, 80% of the pairs) to about 18000 or never (0.1-0.3, 50%).
# - **LMN's peak does not forecast the delay** over the grid (Spearman about 0, interval
#   holding 0). Within a weight decay, higher peaks go with shorter delays, but the peak also
#   rises with the training fraction in every weight decay, and more data shortens the delay by
#   itself; with two seeds a cell the two cannot be told apart here.
# - **The mean fall rate orders the runs almost perfectly, by construction**: every grokking
#   seed's LMN falls by about two thirds over its generalising phase whatever its delay, so
#   the rate is that fraction divided by the delay.
# - **LMN's change in the first 500 steps after memorisation forecasts the delay**: it still
#   rises in slow runs and already falls in fast ones (rank correlation about +0.8 over the
#   grid, +0.97 within a weight decay). **But so does the test loss's change** over the same
#   steps, at least as strongly; the difference is not distinguished. (Within a weight decay
#   it prints as +0.00 [+0.00, +0.00]: the two rank correlations are equal, +0.97, and stay
#   equal in the bootstrap resamples, so the interval has no width.) On this grid LMN
#   forecasts grokking as well as the test loss, not better.
# - **A falling LMN is not a sign of grokking by itself**: in runs that never reach 100% test
#   accuracy, LMN barely moves where test accuracy stays near chance, and falls by about 60% in
#   runs that reach 93-95% test accuracy without ever holding 100%. LMN's fall tracks how far a
#   run generalises, not the "grokked" threshold.
#
# **Within a setting, not detected.** "Within a weight decay" still lets the training fraction
# vary, and the forecast above may be the setting's other factor. Notebook 11 asks the
# question again with four fresh seeds in each of the nine cells and ranks taken *within* a
# cell (both factors fixed), beside the L2 norm and the train loss: there LMN's early change
# does not order the delay (not distinguished from 0), nor does any alternative, the test loss
# included. The forecast on this page is a forecast of the setting.

# %%
default_tables = (results, early_results) == ("../sweeps/wd_train_frac/results.csv",
                                              "../sweeps/wd_train_frac_early/results.csv") and (
    window == 500)  # "the first 500 steps"
if default_tables:  # the statements above, checked against the tables
    cell = {(c["weight_decay"], c["train_frac"]): c for c in cells}
    assert len(rows) == 18 and len(grokked) == 14
    assert 1000 < cell[(1.0, 0.8)]["delay"] < 1500
    assert cell[(0.1, 0.5)]["generalised"] == 0 and cell[(0.3, 0.5)]["delay"] > 15000
    assert tests["peak_ratio"][0]["verdict"] == "not distinguished"
    assert abs(tests["peak_ratio"][0]["rho"]) < 0.1
    assert tests["peak_ratio"][1]["verdict"] == "negative"
    for wd in (0.1, 0.3, 1.0):  # the peak rises with the training fraction
        peaks = [cell[(wd, frac)]["peak_ratio"] for frac in (0.5, 0.65, 0.8)]
        assert peaks == sorted(peaks), wd
    falls = column(grokked, "lmn_fall")
    assert -0.75 < falls.mean() < -0.55 and falls.std() < 0.1  # "about two thirds"
    assert tests["fall_per_1000_steps"][0]["rho"] < -0.9
    assert tests["early_change"][0]["verdict"] == tests["early_change"][1]["verdict"] == "positive"
    assert 0.7 < tests["early_change"][0]["rho"] < 0.9 and tests["early_change"][1]["rho"] > 0.95
    slow = [r for r in grokked if r["delay"] > 10000]
    fast = [r for r in grokked if r["delay"] < 1500]
    assert all(r["early_change"] > 0 for r in slow) and all(r["early_change"] < 0 for r in fast)
    assert tests["early_test_loss_change"][0]["rho"] >= tests["early_change"][0]["rho"]
    assert tests["early_test_loss_change"][1]["verdict"] == "positive"
    assert {t["verdict"] for t in forecast.values()} == {"not distinguished"}
    assert never_verdict == "falls"
    near_chance = [r for r in never if r["final_test_acc"] < 0.1]
    almost = [r for r in never if 0.9 < r["final_test_acc"] < 1]
    assert len(near_chance) == 2 and all(abs(r["lmn_fall"]) < 0.1 for r in near_chance)
    assert len(almost) == 2 and all(-0.7 < r["lmn_fall"] < -0.55 for r in almost)
    print("every statement above holds for these tables")

# %% [markdown]
# ## Try it
# Sweeps run outside this notebook (they take minutes to hours); this notebook then reads
# their tables: `-p results ../sweeps/NAME/results.csv`.
#
# 1. **A sweep of your own, small.** From the repository's root, run
#    ```
#    python -m lmn_utils.sweep 04 --name act --grid activation relu silu \
#        -p seeds "[0]" -p steps 8000 -p lmn_points "[2, 6, 4]"
#    ```
#    Where do the runs and the table land, and what does running the command a second time do?
#
#    <details><summary>Answer</summary>
#
#    Each run is a folder `sweeps/act/RUN_ID/` (RUN_ID a hash of its parameters: the executed
#    notebook, its figures and history, `run.json` with its status and duration), and
#    `sweeps/act/results.csv` has one row per run and seed. The second time, both runs are
#    found done: nothing trains, and the table is written again from their histories.
#    </details>
#
# 2. **Is the forecast only the data?** Within one training fraction instead of one weight
#    decay: change `groups=wd_groups` to the training fraction
#    (`column(grokked, "train_frac")`) in the cell of the tests. Does the early change still
#    order the runs?
#
#    <details><summary>Answer</summary>
#
#    Yes. Within a training fraction, where the delay varies with weight decay only, LMN's
#    early change orders the runs with Spearman +0.93 (interval [+0.66, +1.00], positive), the
#    test loss's with +0.97 ([+0.88, +1.00]); the difference, -0.03 [-0.30, 0.00], is not
#    distinguished.
#    </details>
#
# 3. **Why 500 steps?** Rerun the second (1000-step) sweep's command with `--early-window 250`
#    or `--early-window 1000` added, then this notebook. That sweep's run folders are committed
#    (their histories), so the command trains nothing and only writes its table again
#    (seconds); `git checkout sweeps/wd_train_frac_early/results.csv` puts it back. The early
#    changes come from that sweep alone. Which runs lose their early change, and why?
#
#    <details><summary>Answer</summary>
#
#    With 1000 steps the window reaches past the end of the 1000-step follow-up runs, so no
#    seed has an early change and the tests print "not measured". With 250 steps one of the 14
#    seeds loses its LMN early change (the LMN step after its window lies more than 500 steps
#    after memorisation); over the other 13, Spearman is +0.78 over the grid and +0.92 within a
#    weight decay, close to the 500-step figures, and the test loss's +0.91. (Checked in the
#    cell below, which re-reads the committed histories with each window.)
#    </details>

# %%
if default_tables:  # answer 2 above, checked against the tables
    fractions = column(grokked, "train_frac")
    within_fraction = [correlation_test(column(grokked, name), delay, groups=fractions)
                       for name in ("early_change", "early_test_loss_change")]
    assert [round(t["rho"], 2) for t in within_fraction] == [0.93, 0.97]
    assert [(round(t["low"], 2), round(t["high"], 2)) for t in within_fraction] == [
        (0.66, 1.0), (0.88, 1.0)]
    assert all(t["verdict"] == "positive" for t in within_fraction)
    lead = compare_correlations(early_lmn, early_loss, delay, fractions)
    assert (round(lead["difference"], 2), round(lead["low"], 2), round(lead["high"], 2),
            lead["verdict"]) == (-0.03, -0.3, 0.0, "not distinguished")

# %%
if default_tables:  # answer 3 above: the committed histories re-read with other windows
    early_dir = os.path.dirname(early_results)
    early_runs = list(dict.fromkeys(r["run_id"] for r in early_rows))
    assert [None if r["early_change"] is None else round(r["early_change"], 8)
            for r in collect(early_dir, early_runs, window)] == [
        r["early_change"] for r in early_rows]  # the histories give the committed table

    def reread(other):
        """The seeds that generalised, with their early changes over `other` steps, and the
        three tests of answer 3: LMN over the grid and within weight decay, the test loss."""
        merged = merge_columns([r for r in rows if r["delay"] is not None],
                               collect(early_dir, early_runs, other),
                               ("weight_decay", "train_frac", "seed"),
                               ("early_change", "early_test_loss_change"))
        steps_to_grok = column(merged, "delay")
        return merged, [correlation_test(column(merged, "early_change"), steps_to_grok),
                        correlation_test(column(merged, "early_change"), steps_to_grok,
                                         groups=column(merged, "weight_decay")),
                        correlation_test(column(merged, "early_test_loss_change"),
                                         steps_to_grok)]

    reread_250, tests_250 = reread(250)
    assert [(r["weight_decay"], r["train_frac"], r["seed"]) for r in reread_250
            if r["early_change"] is None] == [(0.3, 0.8, 0)]
    assert [(round(t["rho"], 2), t["n"]) for t in tests_250] == [(0.78, 13), (0.92, 13),
                                                                (0.91, 14)]
    reread_1000, tests_1000 = reread(1000)
    assert all(r["early_change"] is None for r in reread_1000)
    assert all(t["verdict"] == "not measured" for t in tests_1000)
