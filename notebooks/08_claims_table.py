# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -papermill,-execution
#     notebook_metadata_filter: -papermill
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 08 — The claims table: what reproduces and what does not
#
# *Objectives, prerequisites and run times: the [class plan](../site/class_plan.md). Symbols and
# terms: the [notation page](../site/notation.md).*
#
# Each claim of the paper (restated on the page "The paper, restated", `site/paper.md`): the paper's number where it gives one, the rule
# that decides it, our statistic (with a 95% bootstrap interval over seeds where the rule
# compares a mean with zero), n (seeds, points) and a verdict. This notebook trains nothing: it
# reads the small result files that notebooks 04-07 write next to their figures, so it does not
# depend on what ran before it in the same process.
#
# Each rule is written once, in `lmn_utils.claims`, and notebooks 04-07 print the same rows for
# their own runs. Verdicts: *reproduced* / *partly* / *not reproduced* for counts over seeds;
# *supported* / *contradicted* / *not distinguished* where an interval decides; *not measured*
# where a run has nothing to measure (no seed in the phase). LMN is read at each seed's own
# phase-aware steps (`lmn_utils.schedule`), exactly at the memorisation and generalisation
# steps.

# %% tags=["parameters"]
input_dir = "../figures"    # where notebooks 04-07 wrote their histories
sweeps_dir = "../sweeps"    # where the confirmatory sweeps of ANALYSIS_PLAN.md are committed
output_dir = "../figures"

# %%
import os

import matplotlib.pyplot as plt

import lmn_utils as lu
import lmn_utils.claims as cl
from lmn_utils.plotting import (PHASE_COLOURS, median_phase, plot_lmn_per_seed,
                                plot_three_fits, save_figure, shade_phases, step_axis)
from lmn_utils.folders import input_folder, output_folder

names = {"04": "modular_addition", "05": "permutation_composition", "06": "bitwise_xor"}
inputs = [f"{num}_{task}_history.json" for num, task in names.items()]
inputs += ["07_layers_history.json", "07_connectivity_summary.txt"]
input_dir = input_folder(input_dir, inputs)  # or $LMN_OUTPUT_DIR if 04-07 wrote there
output_dir = output_folder(output_dir)  # $LMN_OUTPUT_DIR wins if set
paths = {num: os.path.join(input_dir, f"{num}_{task}_history.json") for num, task in names.items()}
missing = [p for p in paths.values() if not os.path.exists(p)]
if missing:
    raise FileNotFoundError(f"run notebooks 04-07 first (make reproduce); missing: {missing}")
runs = {names[num]: lu.History.load(path) for num, path in paths.items()}
print({task: len(h.seeds) for task, h in runs.items()})

# %%
layer = "hidden1"
names_short = {"modular_addition": "mod 31", "permutation_composition": "S4", "bitwise_xor": "XOR"}
mod = runs["modular_addition"]
rows = [cl.phase_step(mod, 0, 200, "mod 31"), cl.phase_step(mod, 1, 7600, "mod 31")]
for task, h in runs.items():
    rows += cl.task_claims(h, layer, names_short[task])
xor = runs["bitwise_xor"]
rows += [cl.double_descent(xor, layer),
         cl.paper_levels(xor, layer, xor.config["task_params"]["bits"])]
small_xor = os.path.join(input_dir, "06_bitwise_xor_4bits_history.json")
if os.path.exists(small_xor):
    rows.append(cl.paper_levels(lu.History.load(small_xor), layer, 4))
rows.append(cl.figure3(lu.History.load(os.path.join(input_dir, "07_layers_history.json"))))
with open(os.path.join(input_dir, "07_connectivity_summary.txt")) as source:
    off = {name: float(value) for name, _, value in (line.split() for line in source)}
rows += cl.figure4(off)
print(cl.text_table(rows))

# %%
table_path = lu.write_text(os.path.join(output_dir, "08_claims_table.md"), cl.markdown_table(rows))
verdicts = [r["verdict"] for r in rows]
print({v: verdicts.count(v) for v in sorted(set(verdicts))})

# %% [markdown]
# ## The same runs under the analysis plan's rules
# The table above is **exploratory**: its rules were chosen while looking at these five-seed
# runs, its intervals are percentile bootstraps, and its tests are read one by one. How often
# does a 95% percentile bootstrap over five values hold the true mean? Simulated on normal
# data, against Student's t-interval that the plan uses instead:

# %%
from lmn_utils.analysis import bootstrap_mean_interval
from lmn_utils.inference import coverage, t_interval

normal = lambda rng, n: rng.normal(size=n)
percentile = lambda values, level: bootstrap_mean_interval(values, level, resamples=1000)
held = {name: coverage(normal, interval, 5, repeats=1000)
        for name, interval in (("percentile bootstrap", percentile), ("t-interval", t_interval))}
print({name: f"{value:.3f}" for name, value in held.items()})
assert 0.80 <= held["percentile bootstrap"] <= 0.88 and held["t-interval"] >= 0.93  # "about 84%"

# %% [markdown]
# The percentile bootstrap holds the mean in about 84% of the simulated five-seed runs, the
# t-interval in about 95%. The project's
# analysis plan (`ANALYSIS_PLAN.md`, committed before the confirmatory runs started) fixes
# the rules instead: Student's t-intervals and tests, Holm's correction within each family of
# claims, two one-sided tests against a stated margin for "equivalent", linearity as two
# claims tested by a restricted cubic spline against a line (`lmn_utils.lack_of_fit`), and
# every verdict recomputed under other methods (the exact sign-flip test, a BCa bootstrap, no
# correction) and another window (from the test-loss maximum after memorisation). A verdict
# that moves under any of them is marked **FRAGILE**, naming what moved it. Here are the
# exploratory runs under those rules (`lmn_utils.confirm`):

# %%
import lmn_utils.confirm as cf

exploratory = {names_short[task]: h for task, h in runs.items()}
plan_rows = cf.table_for(exploratory, layer)
print(cf.text_rows(plan_rows))

# %%
decided = [r for r in plan_rows if r["verdict"] in ("supported", "contradicted")]
by_sign_flip = [r for r in decided if "by sign-flip" in cf.fragile_because(r)]
assert decided and len(by_sign_flip) == len(decided)  # "every decided verdict"
print(f"{len(decided)} decided verdicts, {len(by_sign_flip)} of them fragile under the "
      "sign-flip test")

# %% [markdown]
# **What five seeds can decide.** With five seeds the exact sign-flip test cannot reach a
# two-sided p below 0.05 (its smallest p-value is 2/32), so every verdict above that decides
# something is fragile under it: five seeds cannot settle any claim by the sign-flip test,
# which assumes only that the values are symmetric about the null. The plan's answer is more
# seeds. How much narrower does an interval get? For
# the same spread between seeds, the t-interval's half-width is $t_{0.975, n-1}\, s / \sqrt{n}$:

# %%
from scipy import stats as scipy_stats

half_width = {n: scipy_stats.t.ppf(0.975, n - 1) / n ** 0.5 for n in (3, 5, 10, 20)}
print({n: f"{w:.2f} s" for n, w in half_width.items()})
holm_first = scipy_stats.t.ppf(1 - 0.05 / (2 * 12), 19) / 20 ** 0.5  # m = 12 tests, n = 20
print(f"n = 20, the first of 12 tests under Holm: {holm_first:.2f} s")
assert round(holm_first, 2) == 0.73
assert round(half_width[5] / half_width[20], 1) == 2.7  # "2.7 times as wide"
assert [round(half_width[n], 2) for n in (3, 5, 20)] == [2.48, 1.24, 0.47]

# %% [markdown]
# In units of the spread $s$ between seeds (the standard deviation of the per-seed values):
# with 5 seeds the interval reaches 1.24 $s$ either side of the mean, with 20 seeds 0.47 $s$,
# so five seeds give an interval 2.7 times as wide (and three, 2.48 $s$). A true mean of half
# the seed-to-seed spread leaves 0 inside a typical five-seed interval and outside a typical
# twenty-seed one: the confirmatory runs use 20. That is before Holm: within a family of $m$
# tests the smallest p-value must clear 0.05/$m$, so the interval that decides is wider, 0.73
# $s$ for the first of 12 tests at $n$ = 20. And $n$ counts the seeds that have the statistic:
# a claim about what happens *after* generalising has only the seeds that generalise.
#
# ## The confirmatory table (fresh seeds 1000-1019)
# The runs of `ANALYSIS_PLAN.md`, section 1, committed under `sweeps/confirm_*`: 20 fresh seeds
# per task (XOR to 40000 steps), analysed by the rules fixed before they ran. The cell reads
# whichever of them have landed and names those that have not. (Its linearity rows read
# three statistics of "a straight line"; the section after the table shows on one seed what
# each of them sees.)

# %%
confirmatory = cf.confirmatory_histories(sweeps_dir)
print("committed:", {label: len(h.seeds) for label, h in confirmatory.items()} or "none")
print("not yet run:", cf.missing_runs(confirmatory))
remeasured = cf.sensitivity_from(sweeps_dir, confirmatory)  # rows 4-7, as far as measured
print("rows 4-7 measured:", {name: sorted(t) for name, t in remeasured.items()} or "none yet")
confirm_rows, confirm_extra = cf.confirmatory_report(confirmatory, layer, measured=remeasured)
print(cf.text_rows(confirm_rows) if confirm_rows else "(no confirmatory run of a grokking task yet)")
print(cf.extra_text(confirm_extra))
confirm_path = lu.write_text(os.path.join(output_dir, "08_confirmatory_table.md"),
                             cf.markdown_rows(confirm_rows, confirm_extra))

# %%
by_claim = {r["claim"]: r for r in confirm_rows + confirm_extra}
verdict = lambda claim: by_claim[claim]["verdict"]  # noqa: E731
complete = all(t in confirmatory and len(confirmatory[t].seeds) == 20 for t in cf.GROKKING_TASKS)
rows_1_3 = lambda row: [n for n in cf.fragile_because(row) if n not in remeasured]  # noqa: E731
if complete:  # the statements below, checked against this table
    tasks = cf.GROKKING_TASKS
    story = ["LMN falls while generalising", "LMN rises to a peak near memorisation"]
    for task in tasks:
        assert all(verdict(f"{task}: {c}") == "supported" for c in story)
        assert not any(rows_1_3(by_claim[f"{task}: {c}"]) for c in story)  # "neither moves"
        for axis in ("test loss", "log test loss"):
            assert verdict(f"{task}: (b) L2 not linear in {axis}") == "supported"
    levels = {t: verdict(f"{t}: LMN levels off after generalising") for t in tasks}
    assert levels == {"mod 31": "supported", "S4": "not distinguished", "XOR": "supported"}
    assert by_claim["S4: LMN levels off after generalising"]["n"] == 7
    assert sum(g is not None for _, _, g in confirmatory["S4"].phases()) == 7  # "13 of 20 never"
    part_a = {(t, axis): verdict(f"{t}: (a) LMN linear in {axis}")
              for t in tasks for axis in ("test loss", "log test loss")}
    assert sorted(part_a.values()) == ["contradicted"] * 5 + ["not distinguished"]
    assert part_a[("S4", "test loss")] == "not distinguished"
    combined = {r["claim"]: r["verdict"] for r in confirm_extra if "paper's claim" in r["claim"]}
    assert sorted(combined.values()) == ["contradicted"] * 5 + ["not distinguished"]
    paired = lambda task: [r for r in confirm_rows  # noqa: E731
                           if r["family"].startswith("P-") and r["claim"].startswith(task)]
    assert all(r["fragile"] for t in ("mod 31", "XOR") for r in paired(t))
    s4_robust = [r for r in paired("S4") if r["verdict"] == "supported" and not rows_1_3(r)]
    assert {r["claim"] for r in s4_robust} == {
        "S4: L2 more curved than LMN in test loss (lack-of-fit gain)",
        "S4: LMN's line fits better than L2's in test loss (R² difference)"}
    double = by_claim["XOR: LMN descends twice after generalising (double descent)"]
    assert double["verdict"] == "not reproduced" and double["value"].startswith("3 of 20")
    assert "controls 0 of 27; Fisher p 0.0703" in double["value"]
    assert double["fragile_under"] == ["tolerance 2%: partly"]  # the plan's other tolerances
    strict = cf.double_descent_test(confirmatory["XOR"], [confirmatory["mod 31"],
                                                          confirmatory["S4"]], tolerance=0.02)
    assert (strict["hits"], strict["control_hits"], round(strict["p"], 3)) == (4, 0, 0.027)
    assert not any(r.get("fragile_under") for r in confirm_extra if "turning" in r["claim"])
    turning = [r for r in confirm_extra if "turning points" in r["claim"]]
    assert len(turning) == 4 and all(r["verdict"] == "not reproduced" for r in turning)
    assert max(int(r["value"].split(" of ")[0]) for r in turning) == 2  # "at most 2 of 20"
    assert all("first half in 20 of 20" in by_claim[f"{t}: {story[1]}"]["value"] for t in tasks)
    assert [r["verdict"] for r in confirm_extra[:2]] == ["reproduced", "reproduced"]
if "transformer" in confirmatory:  # family T, checked against the table
    family_t = {r["claim"].split(": ", 1)[1]: r for r in confirm_rows if r["family"] == "T"}
    assert {c: r["verdict"] for c, r in family_t.items()} == {
        "LMN (resid_mid) falls while generalising": "supported",
        "LMN (resid_mid) moves before test accuracy": "supported",
        "Fourier Gini of W_E moves before test accuracy": "contradicted"}
    assert not any(r["fragile"] for r in family_t.values())
    assert family_t["LMN (resid_mid) falls while generalising"]["value"] == "-25% [-32, -18]"
    assert family_t["LMN (resid_mid) moves before test accuracy"]["value"] == "+650 [+114, +1186]"
    assert family_t["Fourier Gini of W_E moves before test accuracy"]["value"] == "-856 [-1046, -667]"
    assert sum(g is None for _, _, g in confirmatory["transformer"].phases()) == 2  # "2 of 10"
if "XOR float32" in confirmatory:  # section 5's float32 row, and what its shape is made of
    f32, mixed = confirmatory["XOR float32"], confirmatory["XOR"]
    shape = cf.float32_shape(f32, mixed, layer)
    second_minima, mixed_lowest = shape["second_minima"], shape["mixed_lowest"]
    lowest_loss, final_loss = shape["lowest_loss"], shape["final_loss"]
    print(f"float32: {len(second_minima)} of {len(f32.seeds)} seeds with the shape, second minima "
          + ", ".join(f"{v:.2f}" for v in second_minima)
          + f"; mixed precision, the same seeds: lowest LMN {mixed_lowest:.1f}")
    print(f"float32 train loss: lowest {lowest_loss.min():.0e} to {lowest_loss.max():.0e}, "
          f"final {final_loss.min():.0e} to {final_loss.max():.0e}")
    row32 = by_claim["XOR: the double descent is a float32 effect (more often than in mixed "
                     "precision)"]
    assert row32["verdict"] == "supported"
    assert "float32 6 of 10, mixed 0 of 10; Fisher p 0.0108" in row32["value"]
    assert row32["fragile_under"] == ["tolerance 0%: not distinguished"]
    at_zero = cf.float32_row(f32, mixed, layer, 0.0)["value"]
    assert "float32 7 of 10, mixed 2 of 10; Fisher p 0.0698" in at_zero  # "7 against 2, p 0.070"
    assert len(second_minima) == 6 and max(second_minima) < 1.5  # "every second minimum below 1.5"
    assert round(mixed_lowest, 1) == 5.6  # "never below 5.6"
    assert lowest_loss.max() < 2e-7 and final_loss.min() > 1e-7 and final_loss.max() > 1e-2

# %% [markdown]
# **Mod 31, S4 and XOR, confirmatory (20 fresh seeds each).** Each family's Holm correction
# runs over the three tasks (and two axes), as the plan fixed. What holds:
#
# - **LMN rises and falls.** In all three tasks LMN rises to a peak (in every seed within the
#   first half of its window) and falls over the window, and neither verdict moves under the
#   sensitivity rows 1-3 (the sign-flip test, a BCa interval, no correction, the alternative
#   window). Row 4 is another matter: measured before hidden1's SiLU, LMN *rises* over the
#   window (the section after this list). In S4, 13 of the 20 seeds never
#   generalise within 20000 steps: their window runs from memorisation to the end of
#   training, so there the fall is a fall after memorisation, not only during generalisation.
# - **It levels off afterwards** (the rate of change after generalising below half the rate
#   during it: tested against log 1/2, not 0) in mod 31 and XOR. In S4 only the 7 seeds that
#   generalise have the statistic, and the test does not decide (*not distinguished*, and
#   fragile).
# - **The paper's linearity claim splits, and the two parts go opposite ways.** **(b) L2 is not
#   linear** in the test loss: supported on both axes in all three tasks. **(a) LMN is
#   linear** (its lack-of-fit gain within the margin 0.02): contradicted in five of the six
#   task-and-axis cells, not distinguished on S4's linear axis. So "LMN linear, L2 not", as the
#   paper states it, is supported nowhere: contradicted five times, not distinguished once.
# - **Which of the two is more curved** depends on the window: every paired comparison of
#   mod 31 and XOR changes its verdict when the window starts at the test-loss maximum
#   instead of memorisation. S4 on a linear axis is the one case where LMN's line beats L2's
#   under every row 1-3, by the lack-of-fit gain and by R² (the tap before the SiLU moves
#   both, below), and the section after next shows what that means on one seed.
# - **XOR's double descent is not reproduced.** Trained to 40000 steps so that a second fall
#   can finish, 3 of the 20 seeds fall, rise and fall again after generalising, against 0 of
#   the 27 control seeds of mod 31 and S4 that generalise (Fisher's exact test, p 0.070). The
#   verdict is fragile: with each move required to be 2% of its level instead of 5% (one of
#   the tolerances the plan names), 4 of 20 against 0 of 27 gives p 0.027, *partly* (more
#   often than in the controls, but far from most seeds). The paper's turning points (15 and
#   20 for 5 bits, 12 and 16 for 4 bits, or their ratio 4/3) are met by at most 2 of 20 seeds,
#   at every tolerance.
# - **In float32, the double descent appears** (section 5: ten of the seeds trained again
#   entirely in float32). After generalising, 6 of the 10 float32 seeds fall, rise and fall
#   again, against none of the same ten seeds in mixed precision (Fisher's exact test, p 0.011):
#   *supported*, "more often in float32". It is fragile: at tolerance 0% (any rise counts),
#   mixed precision shows the shape in 2 of the 10, and 7 against 2 (p 0.070) is not
#   distinguished. Nor is the float32 shape the paper's: every second minimum lies below 1.5,
#   next to LMN's least possible value 1, while in mixed precision no LMN of these seeds falls
#   below 5.6. In float32 the train loss reaches about 1e-7 and then spikes (it ends between
#   2e-7 and 1e-2), and LMN collapses towards 1 and rebounds with the spikes, as notebook 07
#   shows on one seed. A double descent in LMN can thus come from float32 rounding; whether
#   the paper's came from it, its runs would have to tell.
# - **The phase steps** of mod 31 (memorised at 140, generalised at 7043, geometric means) lie
#   within a factor 2 of the paper's 200 and 7600.
#
# - **The transformer (family T, 10 fresh seeds, notebook 09's settings).** LMN from resid_mid
#   falls over the generalising window (-25% [-32, -18]), and it moves *before* test accuracy:
#   its half-way step comes 650 steps [114, 1186] earlier. The Fourier Gini of the embedding,
#   the usual mechanistic progress measure, moves *after* it (-856 steps [-1046, -667]): the
#   claim that it moves first is contradicted. None of the three moves under the sensitivity
#   rows; 2 of the 10 seeds do not generalise within the 8000 steps, and their window runs to
#   the last step.
#
# An independent referee's concerns about these statistics are listed in the plan (they cut
# against part (a) and the paired rows most).
#
# ### Rows 4-7: LMN measured another way
# The plan's rows 4-7 measure LMN again on the first 10 seeds of a task (1000-1009), from the
# weights of every recorded step: at another tap (hidden1 *before* its SiLU, which gives the
# same LMN as the embedding), with 11 or 41 points per path instead of 21, on each seed's
# training inputs only, and at a grid of 30 steps shared by all seeds instead of each seed's
# phase-aware steps. Ten seeds decide less than twenty, so beside each row the cell prints
# the primary measurement on the *same* ten seeds: where that reference moves too, fewer
# seeds moved the verdict, not the way LMN was measured.

# %%
reference = cf.same_seeds_reference(confirmatory, remeasured, layer)
causes = {r["claim"]: cf.why_moved(r, reference, remeasured) for r in confirm_rows}
for r in confirm_rows:
    if causes[r["claim"]]:
        print(f"{r['claim']}\n    20 seeds: {r['verdict']}; the same 10 seeds: "
              f"{reference.get(r['claim'], 'n/a')}; moved by: "
              + "; ".join(f"{name} ({r[name]}, {cause})"
                          for name, cause in causes[r["claim"]].items()))

# %%
from lmn_utils.remeasure import sensitivity_variants

variants = sensitivity_variants(confirmatory["mod 31"]) if "mod 31" in confirmatory else {}
tap_name = next((name for name, kwargs in variants.items() if "layer" in kwargs), None)
grid_name = next((name for name, kwargs in variants.items() if "steps" in kwargs), None)
tap_tasks = sorted(remeasured.get(tap_name, {}))
tap_falls = {t: next(r for r in cf.table_for({t: remeasured[tap_name][t][0]},
                                             remeasured[tap_name][t][1])
                     if r["claim"] == f"{t}: LMN falls while generalising") for t in tap_tasks}
for t, r in tap_falls.items():
    print(f"{t}, 10 seeds, LMN before the SiLU: {r['statistic']} {r['value']} -> {r['verdict']}")
grid_points = {t: sorted({len(cf.seed_window(grid, row, tap)[0]) for row in range(len(grid.seeds))})
               for t, (grid, tap) in remeasured.get(grid_name, {}).items()}
print(f"LMN steps in each seed's window on the shared grid (the plan needs "
      f"{cf.MIN_WINDOW_POINTS}):", {t: f"{min(n)}-{max(n)}" for t, n in grid_points.items()})
by_measure = sorted({(c, name) for c, moved in causes.items() for name, cause in moved.items()
                     if cause == "measured another way"})
print("moved by the measurement itself:", *(f"{c} ({name})" for c, name in by_measure), sep="\n  ")
if tap_tasks:  # the statements below, checked
    assert tap_tasks == ["S4", "XOR", "mod 31"]
    assert {t: r["value"] for t, r in tap_falls.items()} == {
        "mod 31": "+16% [+12, +21]", "S4": "+31% [+28, +35]", "XOR": "+31% [+21, +40]"}
    assert all(r["verdict"] == "contradicted" for r in tap_falls.values())
    assert max(grid_points["XOR"]) < cf.MIN_WINDOW_POINTS <= min(grid_points["mod 31"] +
                                                                 grid_points["S4"])
    assert grid_points["XOR"] == [4, 5]  # "4 or 5 grid steps"
    for t in tap_tasks:
        fall = by_claim[f"{t}: LMN falls while generalising"]
        rise = by_claim[f"{t}: LMN rises to a peak near memorisation"]
        assert cf.fragile_because(fall) == [tap_name] and not cf.fragile_because(rise)
        for n in remeasured:
            if n != tap_name:
                expected = "not measured" if (t, n) == ("XOR", grid_name) else "supported"
                assert fall[n] == rise[n] == expected, (t, n)
    xor_grid = [r[grid_name] for r in confirm_rows if r["claim"].startswith("XOR: ")
                and grid_name in r]
    assert xor_grid and set(xor_grid) <= set(cf.UNMEASURED)  # "measures nothing in XOR"
    n_moves = sum(len(m) for m in causes.values())
    by_seeds = sum(c == "fewer seeds" for m in causes.values() for c in m.values())
    print(f"{n_moves} moves under rows 4-7, {by_seeds} of them with fewer seeds")
    assert (n_moves, by_seeds, len(by_measure)) == (61, 43, 18)
    assert {name for _, name in by_measure} == {tap_name, grid_name}
    grid_moved = [c for c, name in by_measure if name == grid_name]
    assert all(any(k in c for k in ("linear", "curved", "line fits")) for c in grid_moved)
    assert not any(c.startswith("XOR") for c in grid_moved)
    xor_tap = {c for c, name in by_measure if name == tap_name and c.startswith("XOR")}
    assert len(xor_tap) == 5 and {verdict(c) for c in xor_tap} == {"supported", "contradicted"}
    xor_linear = ["XOR: L2 more curved than LMN in test loss (lack-of-fit gain)",
                  "XOR: LMN's line fits better than L2's in test loss (R² difference)"]
    assert all(c in xor_tap and verdict(c) == "supported" and by_claim[c][tap_name] ==
               "contradicted" for c in xor_linear)  # "now favour L2's"
    xor_generalised = [g for _, _, g in confirmatory["XOR"].phases()[:10]]
    assert all(2500 < g < 4000 for g in xor_generalised)  # "within about 3000 steps"
    after_silu = [by_claim[f"{t}: LMN falls while generalising"]["value"] for t in tap_tasks]
    assert all(-70 < int(v.split("%")[0]) < -50 for v in after_silu)  # "a half to two thirds"

# %% [markdown]
# **Reading rows 4-7** (10 seeds of each task, 1000-1009):
#
# - **The tap turns the fall into a rise.** Measured before hidden1's SiLU, which gives the
#   same LMN as measuring from the embedding, LMN *rises* over the window in all three tasks:
#   +16% [+12, +21] in mod 31, +31% [+28, +35] in S4 and +31% [+21, +40] in XOR, where after
#   the SiLU (the paper's tap) it falls by a half to two thirds. So "LMN falls while
#   generalising" is contradicted there, and the table marks it fragile, by the tap alone. The
#   fall is a property of the representation after the first nonlinearity, not of the whole
#   network seen as a function of its embedded input: which layer LMN is read from is part of
#   the claim.
# - **The points per path, the inputs and the schedule leave the rise and the fall alone**:
#   under 11 and 41 points, the training inputs only and the shared grid of 30 steps, both
#   stay *supported* in mod 31 and S4, and under the points and the inputs in XOR. The grid
#   measures nothing in XOR: its seeds generalise within about 3000 steps, and only 4 or 5 of
#   the 30 grid steps fall inside each seed's window, fewer than the plan's minimum of 6, so
#   every window claim of XOR is *not measured* under that row (which neither confirms nor
#   moves a verdict). That is why a schedule that follows each seed's phases is the primary one.
# - **Many of the other moves come from fewer seeds**, not from the measurement: where the
#   primary measurement on the same ten seeds moves the same way, the cell above says
#   "fewer seeds", and there the fragile mark tells about n = 10 rather than about LMN.
#   Of the 61 moves under rows 4-7, 43 are of this kind. The other 18, listed last, are the
#   measurement's own: the tap in all three tasks and the shared grid in mod 31 and S4 (the
#   grid moves linearity rows only). In XOR the tap moves five verdicts, the fall and four
#   linearity rows; among them its two linear-axis paired rows, which favoured LMN's line
#   (lack-of-fit gain and R² difference), now favour L2's (*contradicted*).

# %% [markdown]
# ## Reading a verdict: one claim, three statistics (S4, test-loss axis)
# "LMN is linear in the test loss, L2 is not" needs a statistic for "linear", and each one sees
# only the departures from a line it is built for. The **line's R²** falls when the points
# scatter around the line *or* bend away from it, and cannot tell which. The **curvature gain**
# (the R² a parabola adds) sees one bend. The **lack-of-fit gain** (the R² a restricted cubic
# spline adds, the plan's primary statistic) also sees curves that turn back. Here are the
# three, per seed, for S4's confirmatory runs, and the seed where L2's line fits worst:

# %%
from lmn_utils.analysis import format_table

three = cf.three_statistics(confirmatory["S4"], layer) if "S4" in confirmatory else []
if three:
    print(format_table(three, digits=3))
    worst = min(three, key=lambda r: r["l2 line R2"])
    row = confirmatory["S4"].seeds.index(worst["seed"])
    loss, lmn_values, l2_values = cf.seed_window(confirmatory["S4"], row, layer)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    plot_three_fits(axes, loss, {"LMN (hidden1)": lmn_values, "L2 norm": l2_values},
                    title=f"S4 seed {worst['seed']}: ")
    fig.tight_layout()
    save_figure(fig, "08_three_statistics", output_dir)
    plt.show()

# %%
if three and len(three) == 20:  # the statements below, checked against the confirmatory run
    assert worst["seed"] == 1010 and worst["generalised"] is None
    assert round(worst["l2 line R2"], 2) == 0.02 and round(worst["lmn line R2"], 2) == 0.98
    assert worst["l2 curvature gain"] < 0.005 and round(worst["l2 lack-of-fit gain"], 2) == 0.60
    after_first = l2_values[1:]
    assert (after_first.max() - after_first.min()) / after_first.max() < 0.03  # "under 3%"
    s4 = {r["claim"]: r["verdict"] for r in confirm_rows if r["claim"].startswith("S4")}
    assert s4["S4: L2 more curved than LMN in test loss (curvature gain)"] == "not distinguished"
    assert s4["S4: L2 more curved than LMN in test loss (lack-of-fit gain)"] == "supported"
    assert s4["S4: LMN's line fits better than L2's in test loss (R² difference)"] == "supported"

# %% [markdown]
# Seed 1010 never generalises within 20000 steps, so its window runs from memorisation to the
# end. LMN follows the test loss closely (line R² 0.98). L2 hardly changes (under 3% after
# the first step), and what little it does is not a line in the loss (line R² 0.02): while the
# loss falls from 12 to 4, L2 falls, rises and falls again, a wave that neither a line nor a
# parabola can follow. So its curvature gain is below 0.005: a parabola fits no better than
# the line, and the curvature statistic reads L2 as no more curved than LMN. The spline
# follows the wave and gains 0.60. (R²-based statistics are scale-free: a nearly flat,
# wandering L2 reads as strongly "not linear".) Over the 20 seeds the three statistics give
# two readings: the curvature gain does not distinguish L2 from LMN, while the lack-of-fit
# gain ("L2 more curved") and the line's R² ("LMN's line fits better") both support the paired
# claim. The data did not change; the statistic did. The plan fixed the lack-of-fit gain as
# primary before the runs and reports the other two as separate rows beside it, so a reader
# sees the disagreement instead of a choice made afterwards.

# %% [markdown]
# ## Summary figure (for the README): LMN over training, every task, every seed

# %%
fig, axes = plt.subplots(1, 3, figsize=(16, 4.2))
for ax, (task, h) in zip(axes, runs.items()):
    memorised, generalised = median_phase(h)
    shade_phases(ax, memorised, generalised, int(h.steps[-1]))
    plot_lmn_per_seed(ax, h, "hidden1")
    ax2 = ax.twinx()
    ax2.plot(h.steps, h.metrics["test_acc"].mean(0), color="k", lw=1, ls="--")
    ax2.set_ylabel("mean test accuracy (dashed)")
    ax2.set_ylim(0, 1.02)
    step_axis(ax)
    ax.set_ylabel("LMN (hidden1)")
    ax.set_ylim(bottom=0)
    ax.set_title(f"{names_short[task]} ({len(h.seeds)} seeds)")
phase_patches = [plt.Rectangle((0, 0), 1, 1, color=c, alpha=0.6) for c in PHASE_COLOURS.values()]
handles, labels = axes[0].get_legend_handles_labels()
fig.legend(handles + phase_patches, labels + [f"{name} (median over seeds)" for name in PHASE_COLOURS],
           loc="lower center", ncol=8, fontsize=8, frameon=False)
fig.suptitle("LMN over training, every task and seed (dots: measurements; dotted: not measured)")
fig.tight_layout(rect=(0, 0.08, 1, 1))
figure_files = save_figure(fig, "08_lmn_all_tasks", output_dir)

# %% [markdown]
# ## Try it
# The rows are functions of the histories (`lmn_utils.claims`), so a verdict can be recomputed
# on any part of a run. `History.subset(rows)` keeps some seeds only.
#
# 1. **Which verdicts hang on the axis?** Find the rows whose verdict changes when only the
#    test-loss axis changes from linear to log.
#
#    <details><summary>Answer</summary>
#
#    All three pairs of linearity rows: mod 31 contradicted / not distinguished, S4 not
#    distinguished / contradicted, XOR supported / contradicted. No task supports "LMN linear,
#    L2 not" on both axes (and under the plan's rules, on 20 fresh seeds, no task supports it
#    on either axis).
#    </details>
#
# 2. **How much do the verdicts rest on five seeds?** In a new cell, recompute two mod-31 rows
#    with the first three seeds only:
#    `mod3 = runs["modular_addition"].subset([0, 1, 2])`, then
#    `print(cl.text_table([cl.falls_while_generalising(mod3, "hidden1", "mod 31"),
#    cl.linearity(mod3, "hidden1", "mod 31")]))`.
#
#    <details><summary>Answer</summary>
#
#    The fall is as clear with three seeds (-64% [-69, -55], supported). The linearity row
#    changes: L2 - LMN -0.014 [-0.025, +0.001], *not distinguished* instead of contradicted.
#    A bootstrap over three (or five) seeds is a rough interval; the verdicts whose interval
#    ends near 0 are the fragile ones. XOR's "supported" survives either half of its seeds
#    (seeds 0-2: +0.031 [+0.027, +0.037]; seeds 2-4: +0.020 [+0.014, +0.027]).
#    </details>

# %%
if [len(h.seeds) for h in runs.values()] == [5, 5, 5]:  # the answers above, checked
    pairs = {t: tuple(r["verdict"] for r in rows if r["claim"].startswith(f"{t}: LMN linear in"))
             for t in names_short.values()}
    assert pairs == {"mod 31": ("contradicted", "not distinguished"),
                     "S4": ("not distinguished", "contradicted"),
                     "XOR": ("supported", "contradicted")}, pairs
    mod3 = runs["modular_addition"].subset([0, 1, 2])
    fall3, line3 = cl.falls_while_generalising(mod3, layer, "mod 31"), cl.linearity(mod3, layer,
                                                                                    "mod 31")
    assert fall3["statistic"].startswith("-64% [-69, -55]") and fall3["verdict"] == "supported"
    assert "L2 - LMN -0.014 [-0.025, +0.001]" in line3["statistic"]
    assert line3["verdict"] == "not distinguished"
    halves = [cl.linearity(xor.subset(part), layer, "XOR") for part in ([0, 1, 2], [2, 3, 4])]
    assert [r["verdict"] for r in halves] == ["supported", "supported"]
    assert ["+0.031 [+0.027, +0.037]" in halves[0]["statistic"],
            "+0.020 [+0.014, +0.027]" in halves[1]["statistic"]] == [True, True]
