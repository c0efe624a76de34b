"""LMN as a label-free monitor (SIGNALS_PLAN.md, section 4; notebook 11): does LMN's change
just after memorisation order how long a run takes to generalise, within a setting cell, and
better than the label-free alternatives (the L2 norm's and the train loss's changes)?

The features come from the 1000-step sweep (its LMN measured densely after memorisation), the
outcome from the full runs of the same cells and seeds; `study.monitor_verdict` gives the
plan's verdict.
"""
import glob
import os

import numpy as np

from .history import History
from .signal_study import load_sweeps
from .study import (correlation_test, describe_correlation, merge_columns, monitor_verdict,
                    rank_correlation)
from .sweep_table import column

SWEEPS = (("signals_monitor", 9), ("signals_monitor_early", 9))  # (name, runs when complete)
CELL = ("weight_decay", "train_frac")
FEATURES = {"LMN": "early_change", "L2 norm": "early_l2_change",
            "train loss": "early_train_loss_change"}  # label-free on held-out data
REFERENCE = ("test loss", "early_test_loss_change")   # needs held-out labels
EARLY_COLUMNS = (*FEATURES.values(), REFERENCE[1])  # every early change a seed needs


def monitor_rows(full_rows, early_rows):
    """One row per seed of the full runs: its cell and seed, the memorisation step of each run
    (`memorised`, `early_memorised`), the generalisation step and final test accuracy of the
    full run, log(delay) (None where it never generalises or never memorises), and the early
    changes of the 1000-step run of the same cell and seed."""
    key = CELL + ("seed",)
    early = [{**r, "early_memorised": r["memorised"]} for r in early_rows]
    columns = ("early_memorised",) + EARLY_COLUMNS
    full = [{k: r[k] for k in key + ("memorised", "generalised", "delay", "final_test_acc")}
            for r in full_rows]
    merged = merge_columns(full, early, key, columns)
    for row in merged:
        positive = row["delay"] is not None and row["delay"] > 0
        row["log_delay"] = float(np.log(row["delay"])) if positive else None
    return merged


def memorisation_gap(rows):
    """The largest |memorisation step of the full run - of the 1000-step run| over the seeds
    that memorise in both (they are read on different record grids)."""
    gaps = [abs(r["memorised"] - r["early_memorised"]) for r in rows
            if None not in (r["memorised"], r["early_memorised"])]
    return max(gaps) if gaps else None


def dropped(rows):
    """{why: [(weight decay, training fraction, seed, final test accuracy), ...]} of the seeds
    the verdict cannot read: never memorised, never generalised within the run, generalised
    at its memorisation step (no delay to take the log of), no memorisation in a 1000-step run
    of the same seed, or without one of the early changes (a metric not measured near
    enough)."""
    reasons = {}
    for r in rows:
        if r["memorised"] is None:
            why = "never memorised"
        elif r["generalised"] is None:
            why = "never generalised"
        elif r["delay"] <= 0:
            why = "generalised no later than memorised"
        elif r["early_memorised"] is None:
            why = "no 1000-step run, or it never memorised"
        elif any(r[c] is None for c in EARLY_COLUMNS):
            why = "no early change"
        else:
            continue
        reasons.setdefault(why, []).append(tuple(r[k] for k in CELL + ("seed",))
                                           + (r["final_test_acc"],))
    return reasons


def cell_ids(rows):
    """Each row's setting cell as an integer (for within-cell ranks and cluster resampling)."""
    cells = sorted({tuple(r[k] for k in CELL) for r in rows})
    return np.array([cells.index(tuple(r[k] for k in CELL)) for r in rows])


def usable_rows(rows):
    """The seeds the verdict reads: every feature, the reference and the outcome defined."""
    return [r for r in rows
            if not any(r[c] is None for c in ("log_delay",) + EARLY_COLUMNS)]


def _features(usable):
    """{name: values} of the label-free features and the reference, in that order."""
    return {name: column(usable, heading)
            for name, heading in list(FEATURES.items()) + [REFERENCE]}


def monitor_study(rows, resamples=4000, seed=0):
    """The plan's verdict (`study.monitor_verdict`: LMN against the L2 norm and the train loss,
    within cells, cluster bootstrap over cells) and, on the same seeds, each feature's own
    within-cell rho with the log delay, the test loss's (which needs labels) as the reference.
    Returns (verdict dict, {name: correlation_test})."""
    usable = usable_rows(rows)
    groups, outcome = cell_ids(usable), column(usable, "log_delay")
    features = _features(usable)
    alternatives = {name: features[name] for name in FEATURES if name != "LMN"}
    verdict = monitor_verdict(features["LMN"], alternatives, outcome, groups,
                              resamples=resamples, seed=seed)
    # LMN's own test is the verdict's (the same rows, resamples and seed): not run twice
    correlations = {name: verdict["rho"] if name == "LMN" else
                    correlation_test(values, outcome, groups=groups, resamples=resamples,
                                     seed=seed, resample="clusters")
                    for name, values in features.items()}
    return verdict, correlations


def pooled_correlations(rows):
    """Descriptive, not the plan's statistic: each feature's Spearman rho with the log delay
    over the whole grid (ranks across cells), as notebook 10 reads its sweep: what an early
    change says about the setting rather than about the seed within it. No interval: the
    seeds of a cell are not independent draws, and the plan's interval is the within-cell
    one."""
    usable = usable_rows(rows)
    outcome = column(usable, "log_delay")
    return {name: rank_correlation(values, outcome)
            for name, values in _features(usable).items()}


def describe_monitor(verdict, correlations):
    """Lines for a notebook: each feature's within-cell rho with the log delay, LMN's
    comparisons with the label-free alternatives (Holm-adjusted) and the verdict."""
    lines = [describe_correlation(f"{name}'s early change", test, "log delay, within cells")
             for name, test in correlations.items()]
    lines += [f"|rho LMN| - |rho {name}|: {c['difference']:+.2f} [{c['low']:+.2f}, "
              f"{c['high']:+.2f}], Holm-adjusted p {c['p_holm']:.3f}"
              for name, c in verdict["comparisons"].items()]
    lines.append(f"verdict over {verdict['n']} seeds (the better alternative: "
                 f"{verdict['better']}): LMN {verdict['verdict']}")
    return lines


def load_monitor(sweeps_dir, sweeps=SWEEPS):
    """(monitor_rows, runs still to land, one line per sweep, training_difference) of section
    4's committed sweeps: `sweeps` is ((full runs' sweep, runs), (1000-step sweep, runs)); the
    training difference is None until both have landed."""
    full, pending_full, about_full = load_sweeps(sweeps_dir, sweeps[:1])
    early, pending_early, about_early = load_sweeps(sweeps_dir, sweeps[1:])
    pending = pending_full + pending_early
    difference = None if pending else training_difference(full, early)
    return monitor_rows(full, early), pending, about_full + about_early, difference


def _histories(rows):
    """{cell: History} of the runs the rows come from (one history per run folder)."""
    folders = {tuple(r[k] for k in CELL): r["run_dir"] for r in rows}
    return {cell: History.load(glob.glob(os.path.join(folder, "*_history.json"))[0])
            for cell, folder in folders.items()}


def training_difference(full_rows, early_rows, metric="train_loss"):
    """The largest |difference| of a recorded metric between each full run and the 1000-step
    run of its cell, over every seed and every step both recorded (0.0: they trained the
    same way, so the two memorisation steps differ only by their record grids). Rows as
    `signal_study.load_sweeps` gives them (with `run_dir`)."""
    full, early = _histories(full_rows), _histories(early_rows)
    largest = 0.0
    for cell, short in early.items():
        _, in_full, in_short = np.intersect1d(full[cell].steps, short.steps,
                                              return_indices=True)
        difference = (full[cell].metrics[metric][:, in_full]
                      - short.metrics[metric][:, in_short])
        largest = max(largest, float(np.abs(difference).max()))
    return largest
