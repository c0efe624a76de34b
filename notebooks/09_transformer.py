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
# # 09 — Beyond the paper: LMN on a transformer that groks
#
# *Objectives, prerequisites and run times: the [class plan](../site/class_plan.md). Symbols and
# terms: the [notation page](../site/notation.md).*
#
# The paper measures LMN on MLPs only and names transformers as future work. Grokking's
# best-studied setting is a one-layer transformer on modular addition (Nanda et al. 2023,
# *Progress measures for grokking via mechanistic interpretability*): the model learns to add by
# rotating Fourier components of its embeddings, and measures built on that mechanism move
# *before* test accuracy does. This notebook puts LMN on such a transformer, next to one of those
# measures, and asks three questions with the statistics of the claims table (notebook 08):
#
# 1. Does LMN rise while memorising and fall while generalising, as in the MLP?
# 2. Is LMN linear in the test loss during the generalising phase (and L2 not)?
# 3. Which moves first around generalisation: LMN, the Fourier measure, L2, or test accuracy?
#
# **The model** (`lmn_utils.transformer`): tokens $a$, $b$ and "=" are embedded ($W_E$, with
# learned positions $W_{pos}$), one attention layer (4 heads, no LayerNorm) writes into the
# residual stream at the last position, a ReLU MLP adds its output, and $W_U$ reads the logits:
#
# $$z = x_{=} + \mathrm{Attn}(x_a, x_b, x_=), \qquad
#   \mathrm{logits} = W_U\big(z + W_{out}\,\mathrm{ReLU}(W_{in} z + b_{in}) + b_{out}\big).$$
#
# **Where LMN is measured.** From $z$, the residual stream after attention (the MLP's input), to
# the logits: the transformer's counterpart of the MLP's hidden1 $\to$ logits. The tail has the
# form $y = A z + B\,\mathrm{act}(C z + c) + d$; as for the MLP's tails, interpolation commutes
# with the affine parts, so the library evaluates only $Az$ and $Cz + c$ at the end points of
# each path (an exact fast path, tested against the generic one and a float64 reference).
#
# **The Fourier measure.** Write the embedding $W_E$ (one row per number $0..p-1$) in the
# Fourier basis of $\mathbb{Z}_p$; the norm of its component at frequency $k$ is
# $\lVert (\cos_k^\top W_E, \sin_k^\top W_E) \rVert$. A generalising model uses a few key
# frequencies, so these norms become sparse: their **Gini coefficient** (0 when all are equal,
# $1 - 2/(p-1)$ when one frequency holds everything) rises.

# %% tags=["parameters"]
p = 31                      # modulus
seeds = [0, 1, 2, 3]        # trained together as one batched model
steps = 8000                # AdamW steps, full batch
train_frac = 0.6            # fraction of the p^2 pairs trained on
d_model = 64                # residual stream width
heads = 4                   # attention heads (must divide d_model)
d_mlp = 256                 # MLP width
weight_decay = 1.0          # Nanda et al.'s; lr 1e-3, betas (0.9, 0.98)
layer = "resid_mid"         # LMN from here to the logits: "resid_mid", "resid_post", "embedding"
lmn_points = [2, 12, 6]     # LMN per seed: before memorisation, inside the generalising
                            # phase, after generalisation (plus the two phase steps)
quick = False               # class mode: seed 3 only (it generalises first), 4000 steps
redraw = False              # class mode: draw every figure from the saved run, no training
output_dir = "../figures"   # figures and the run's history (JSON) go here

# %%
from functools import partial

import lmn_utils as lu
from lmn_utils.analysis import (fit_table, format_table, phase_changes, phase_table,
                                 relative_change)
from lmn_utils.claims import markdown_table, moves_first, task_claims, text_table
from lmn_utils.plotting import (plot_fits, plot_grokking_row, plot_progress,
                                save_figure)
from lmn_utils.progress import halfway_table, leads
from lmn_utils.report import (describe_run, fit_summary, phase_summary,
                              schedule_summary)
from lmn_utils.transformer import fourier_gini

redraw = lu.check_modes(quick, redraw)  # also True under $LMN_REDRAW=1 (the test command)
seeds, steps, lmn_points = lu.quick_settings(quick, seeds, steps, lmn_points,
                                             quick_seeds=[3], quick_steps=4000)
config = lu.TrainConfig(task="modular_addition", task_params={"p": p}, seeds=tuple(seeds),
                        steps=steps, train_frac=train_frac, model="transformer",
                        model_params={"d_model": d_model, "heads": heads, "d_mlp": d_mlp},
                        weight_decay=weight_decay, betas=(0.9, 0.98), lmn_layers=(layer,),
                        lmn_points=tuple(lmn_points)).validate()
task = lu.make_task(config.task, **config.task_params)  # checks p
output_dir = lu.output_folder(output_dir)  # $LMN_OUTPUT_DIR wins if set
print(describe_run(task, config))

# %% [markdown]
# ## Settings, and why
# Nanda et al. train on 30% of the $113^2$ pairs for tens of thousands of steps. On 2 CPU cores
# we keep $p = 31$ (the paper's task) and pilot-tested the training fraction with 3-4 seeds and
# the settings above: at 65% of the pairs the seeds generalised by steps 1700-3000, at 55% one of
# three had not generalised by step 10000, at 50% two of three had not by step 8000. 60% gives
# every seed a clear delay: memorised near step 150, generalised thousands of steps later, in
# about 90 s of training for 4 seeds. Weight decay 1.0 and $\beta_2 = 0.98$ are Nanda et al.'s.
# Training runs in the library's mixed precision (float64 weights and optimizer, float32 layers).

# %%
# NBVAL_IGNORE_OUTPUT
gini = partial(fourier_gini, num_tokens=p)
history = lu.train_or_load(config, "09_transformer_history.json", output_dir, redraw,
                           extra_metrics={"fourier_gini": gini})

# %%
print(schedule_summary(history))
phases = phase_table(history)
print(phase_summary(phases))
delays = [r["generalised"] / r["memorised"] for r in phases if r["generalised"] is not None]
acc_at_memorisation = [history.metrics["test_acc"][row, list(history.steps).index(r["memorised"])]
                       for row, r in enumerate(phases) if r["memorised"] is not None]
if delays:
    print(f"generalisation comes {min(delays):.0f}-{max(delays):.0f} times later than "
          "memorisation")
else:
    print(f"no seed generalised within {steps} steps: no delay to report")
if acc_at_memorisation:
    print(f"test accuracy at the memorisation step: {min(acc_at_memorisation):.2f}-"
          f"{max(acc_at_memorisation):.2f}")

# %%
if (p, seeds, steps, train_frac) == (31, [0, 1, 2, 3], 8000, 0.6):
    assert len(delays) == len(seeds) and min(delays) > 5, "the defaults show a grokking delay"

# %% [markdown]
# Unlike the MLP of notebook 04, this transformer does not sit at chance after memorising: test
# accuracy is already well above chance ($1/31 = 0.03$) at the memorisation step (printed above)
# and climbs for thousands of steps before it reaches 100%. The delay is real, the plateau is not
# flat: keep this in mind when reading "which moves first" below.
#
# ## The paper's Figure 2 row, for the transformer
# Accuracy, LMN (residual stream after attention to the logits), L2 norm and test loss, as in
# notebook 04. Shading: memorising (red), generalising (yellow), finalising (green).

# %%
fig = plot_grokking_row(history, layer, title=f"One-layer transformer, mod {p}")
figure_files = save_figure(fig, "09_transformer_curves", output_dir)

# %% [markdown]
# ## 1-2. LMN while memorising and generalising, and against the test loss
# The same rules as for the MLP tasks (`lmn_utils.claims.task_claims`): the rise to a peak near
# memorisation, the fall over the generalising phase with a bootstrap interval over seeds, the
# curvature test of "LMN linear in test loss, L2 not" on both axes, and the levelling-off.

# %%
fits = fit_table(history, layer)
fig = plot_fits(history, fits, layer, title=f"Transformer, mod {p}")
figure_files = save_figure(fig, "09_transformer_fits", output_dir)
print(fit_summary(fits))

# %%
claims = task_claims(history, layer, "transformer mod 31")
print(text_table(claims))

# %% [markdown]
# ## 3. Which moves first?
# Each measure's *half-way step*: the step at which it has covered half of its change from the
# memorisation step to the end of training (`lmn_utils.progress`). A measure that reaches it
# before test accuracy does is a progress measure in Nanda et al.'s sense: it sees
# generalisation coming. LMN is read at its scheduled steps (linear interpolation between them),
# the others at every recorded step.

# %%
measures = ["test_acc", "fourier_gini", "l2_norm", f"lmn:{layer}", "test_loss"]
labels = ["test accuracy", "Fourier Gini of W_E", "L2 norm", f"LMN ({layer})", "test loss"]
halfway = halfway_table(history, measures)
print(format_table(halfway, digits=0))
fig = plot_progress(history, measures[:4], labels[:4], title=f"Transformer, mod {p}")
figure_files = save_figure(fig, "09_transformer_progress", output_dir)

# %%
order = [moves_first(history, name, label, "transformer mod 31")
         for name, label in zip(measures[1:], labels[1:])]
print(text_table(order))

# %% [markdown]
# The half-way step is one reading of "moves". Another is the *onset*: the step at which each
# measure has covered 10% of its change. A measure with a long tail (one that keeps moving long
# after test accuracy has settled, as a slow clean-up of the weights would) reaches half-way late
# even if it starts early; the onset tells the two apart.

# %%
onsets = halfway_table(history, measures, fraction=0.1)
print(format_table(onsets, digits=0))

# %% [markdown]
# ## What we find
# Computed from the rows above, so it stays true when the parameters change.

# %%
verdicts = {r["claim"].split(": ", 1)[1]: r["verdict"] for r in claims + order}
for claim, verdict in verdicts.items():
    print(f"{verdict:>17}  {claim}")

# %% [markdown]
# With the default parameters (the committed run; the cell below checks every statement):
#
# - **Rise and fall: as in the MLP.** LMN rises to a peak near memorisation (reproduced in every
#   seed), falls over the generalising phase (*supported*: the whole bootstrap interval of the
#   change is below 0) and levels off afterwards by the rule's reading (after generalising it
#   moves less than half as much as while generalising, in all 4 seeds), though it does not
#   stay flat: seeds 1 and 2 climb back by about 5% and seeds 0 and 3 fall by a further
#   6-8% (the figure). The rule compares totals over spans of different lengths; per step
#   it is less flattering: seed 1 (2101 steps after generalising against 5752 while
#   generalising) still changes at about half its generalising rate. The fall is smaller than the MLP's at mod 31
#   (notebook 04; both printed below).
# - **Linearity: not carried over.** On the test-loss axis the curvature test does not tell LMN
#   from L2 (*not distinguished*); on the log test-loss axis L2 is the straighter curve
#   (*contradicted*). For the MLP (notebook 08, 20 seeds per task) LMN is not a straight line
#   in the test loss on either axis: "LMN linear, L2 not" is supported in no task on either
#   axis, although LMN's line does fit better than L2's for S4 on a linear axis.
# - **Which moves first, in these 4 seeds: not decided for LMN, and not the Fourier measure.**
#   No measure reaches half-way before test accuracy with an interval above 0. LMN leads in
#   most seeds but its interval spans 0 (*not distinguished*); on the 10 fresh seeds of the
#   confirmatory run (notebook 08, family T) LMN's lead is *supported*, and is not fragile:
#   four seeds are too few to decide it. The Fourier Gini of the embedding reaches
#   half-way *after* test accuracy (*contradicted*). It does keep rising long after test
#   accuracy has settled (the clean-up phase Nanda et al. describe), but that long tail is not
#   the whole story: its onset (10% of its change) also comes after test accuracy's in 3 of
#   the 4 seeds (the onset table), so it starts late as well as finishing late. Here
#   test accuracy itself starts moving at memorisation (see above), which leaves a hidden
#   measure little room to lead; Nanda et al.'s setting (30% of $113^2$ pairs, a flat plateau
#   at chance) is the one in which their measures lead. That is a run of tens of thousands of
#   steps at $p = 113$, beyond what this notebook runs on 2 CPU cores.

# %%
default_run = (p, seeds, steps, train_frac, d_model, heads, d_mlp, weight_decay, layer,
               lmn_points) == (31, [0, 1, 2, 3], 8000, 0.6, 64, 4, 256, 1.0, "resid_mid",
                               [2, 12, 6])
if default_run:  # the statements above, checked against this run's rows
    assert verdicts["LMN rises to a peak near memorisation"] == "reproduced"
    assert verdicts["LMN falls while generalising"] == "supported"
    assert verdicts["LMN levels off after generalising"] == "reproduced"
    after_generalising = [relative_change(history, layer, r, generalised, int(steps_r[-1]))
                          for (r, _, generalised), steps_r in zip(history.phases(),
                                                                  history.lmn_steps)]
    assert all(0.03 < after_generalising[r] < 0.07 for r in (1, 2)), after_generalising
    assert all(-0.09 < after_generalising[r] < -0.05 for r in (0, 3)), after_generalising
    _, memorised_1, generalised_1 = history.phases()[1]
    spans = (int(history.lmn_steps[1][-1]) - generalised_1, generalised_1 - memorised_1)
    during_1 = relative_change(history, layer, 1, memorised_1, generalised_1)
    assert spans == (2101, 5752)  # "2101 steps after generalising against 5752"
    assert 0.4 < abs(after_generalising[1] / spans[0]) / abs(during_1 / spans[1]) < 0.6  # "half"
    assert verdicts["LMN linear in test loss, L2 not"] == "not distinguished"
    assert verdicts["LMN linear in log test loss, L2 not"] == "contradicted"
    assert not any(r["verdict"] == "supported" for r in order)
    assert verdicts[f"LMN ({layer}) moves before test accuracy"] == "not distinguished"
    assert (leads(halfway, f"lmn:{layer}") > 0).sum() > len(halfway) / 2  # "leads in most seeds"
    assert verdicts["Fourier Gini of W_E moves before test accuracy"] == "contradicted"
    assert sum(r["fourier_gini"] > r["test_acc"] for r in onsets) == 3  # "3 of the 4 seeds"
    mlp_file = "04_modular_addition_history.json"
    mlp_mod31 = lu.History.load(f"{lu.input_folder('../figures', [mlp_file])}/{mlp_file}")
    mlp_change = task_claims(mlp_mod31, "hidden1", "mod 31")[1]["statistic"]
    # a smaller fall: mean relative changes over the generalising phase, both negative
    assert phase_changes(history, "lmn", layer).mean() > phase_changes(mlp_mod31, "lmn").mean()
    print(f"fall while generalising: transformer {claims[1]['statistic']}, MLP (04) {mlp_change}")

# %% [markdown]
# The rows of this notebook, as the table the README shows under "Beyond the paper":

# %%
table_path = lu.write_text(f"{output_dir}/09_transformer_claims.md", markdown_table(claims + order))

# %% [markdown]
# ## Try it
# `python -m lmn_utils.run_notebooks 09 -p NAME VALUE` (writes to `scratch/`; about 6 minutes
# with 4 seeds on 2 CPU cores).
#
# 1. **More data, less delay.** Set `train_frac = 0.65`, `steps = 10000`, `seeds = [0, 1, 2]`.
#    When do the seeds generalise now?
#
#    <details><summary>Answer (from the pilot runs that chose the defaults)</summary>
#
#    Memorised at steps 138, 152 and 152; generalised at 2626, 3030 and 1707: an 11-20x delay,
#    against 15-40x at 60%. At 55% one seed of three had not generalised by step 10000, at 50%
#    two of three had not by step 8000: the delay grows steeply as the data shrinks, as for the
#    MLP (notebook 00).
#    </details>
#
# 2. **Where to measure.** Set `layer = "resid_post"`. What LMN do you expect, before running it?
#
#    <details><summary>Answer</summary>
#
#    1 at every step: after the MLP only the unembedding is left, a linear map, so every path is
#    exactly linear (`tests/test_transformer.py` checks it). LMN can only see the nonlinear part
#    of the tail it is measured through.
#    </details>
