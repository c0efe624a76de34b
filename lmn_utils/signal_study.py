"""The training-signal study of SIGNALS_PLAN.md (notebook 11): which method and setting a sweep
row is, each setting's tuning summary, the plan's rule for the setting a method keeps, and the
edge rule's next value to try.

Rows are those of a sweep's results table (`sweep_table.load_sweep`): one per seed, with the
run's grid values (`signals`, a dict of TrainConfig signal fields, or `weight_decay`) beside
the seed's memorisation and generalisation steps and its final test accuracy; `run_seconds`
adds each run's wall time (its run.json) for the plan's tie-break.
"""
import json
import os
import re

import numpy as np
from scipy.stats import gmean

from .sweep_table import load_sweep

PAPER_WEIGHT_DECAY = 0.2
METHODS = ("baseline", "weight decay", "Grokfast-EMA", "Jacobian penalty",
           "nonlinearity penalty from step 0", "nonlinearity penalty once memorised")
# the plan's methods: the penalty's two schedules are one method, its settings compete
PENALTY = "nonlinearity penalty"
# the tuning's sweeps (SIGNALS_PLAN.md, section 2) and their runs when complete: the plan's
# values, then the values its edge rule asked for once those had landed
TUNING_SWEEPS = (("signals_tune_wd", 4), ("signals_tune", 14), ("signals_tune_edge", 1),
                 ("signals_tune_edge_signals", 2))
# the edge rule's factor beyond the largest or smallest value tried (SIGNALS_PLAN.md, section 2)
EDGE_FACTOR = {"weight decay": 3.0}
DEFAULT_EDGE_FACTOR = 10.0
# the values the plan tries first (section 2's table; Grokfast: its lambdas); the edge rule
# extends a row only from one of these
PLAN_VALUES = {"weight decay": (0.5, 1.0, 2.0), "Grokfast-EMA": (0.5, 2.0, 5.0),
               "Jacobian penalty": (0.001, 0.01, 0.1),
               "nonlinearity penalty from step 0": (0.01, 0.1, 1.0),
               "nonlinearity penalty once memorised": (0.1, 1.0, 10.0)}


def _signals(row):
    value = row.get("signals") or {}
    return json.loads(value) if isinstance(value, str) else dict(value)


def method_and_setting(row):
    """(method, setting) of a row: the method's name (one of METHODS) and its main setting as
    text, e.g. ("Grokfast-EMA", "alpha 0.98, lambda 2")."""
    signals = _signals(row)
    decay = float(row.get("weight_decay", PAPER_WEIGHT_DECAY) or PAPER_WEIGHT_DECAY)
    if signals.get("grokfast_lambda"):
        return "Grokfast-EMA", (f"alpha {signals.get('grokfast_alpha', 0.98):g}, "
                                f"lambda {signals['grokfast_lambda']:g}")
    if signals.get("jacobian_penalty"):
        return "Jacobian penalty", f"{signals['jacobian_penalty']:g}"
    if signals.get("lmn_penalty"):
        late = signals.get("lmn_penalty_after_memorising", False)
        return (f"{PENALTY} {'once memorised' if late else 'from step 0'}",
                f"{signals['lmn_penalty']:g}")
    if decay != PAPER_WEIGHT_DECAY:
        return "weight decay", f"{decay:g}"
    return "baseline", "-"


def plan_method(method):
    """The plan's method of a table row's method: the penalty's two schedules are one."""
    return PENALTY if method.startswith(PENALTY) else method


def run_seconds(rows, sweep_dir):
    """The rows with each run's wall time (`seconds`, from its run.json; None where absent)."""
    timed = []
    for row in rows:
        record = os.path.join(sweep_dir, row["run_id"], "run.json")
        seconds = None
        if os.path.exists(record):
            with open(record) as source:
                seconds = json.load(source).get("seconds")
        timed.append({**row, "seconds": seconds})
    return timed


def load_sweeps(sweeps_dir, sweeps):
    """(rows, runs still to land, one line per sweep) of the committed sweeps named in
    `sweeps` ((name, runs when complete), ...): the rows of the runs that ran, each with its
    run's folder (`run_dir`) and wall time (`seconds`, `run_seconds`)."""
    rows, pending, about = [], 0, []
    for name, planned in sweeps:
        path = os.path.join(sweeps_dir, name, "results.csv")
        if not os.path.exists(path):
            pending += planned
            about.append(f"{name}: not run yet (sweeps/run_signals.sh)")
            continue
        landed, _, line = load_sweep(path)
        folder = os.path.dirname(path)
        rows += [{**r, "run_dir": os.path.join(folder, r["run_id"])}
                 for r in run_seconds(landed, folder)]
        pending += planned - len({r["run_id"] for r in landed})
        about.append(line)
    return rows, pending, about


def tuning_table(rows):
    """Per (method, setting), in METHODS order: its seeds, their memorisation and
    generalisation steps (None: never), how many generalise, the geometric mean generalisation
    step of those that do, the mean final test accuracy and the mean run time (seconds, where
    the rows have it)."""
    groups = {}
    for row in rows:
        groups.setdefault(method_and_setting(row), []).append(row)
    table = []
    for (method, setting), members in sorted(groups.items(), key=lambda kv: (
            METHODS.index(kv[0][0]), _numbers(kv[0][1]))):
        generalised = [r.get("generalised") for r in members]
        reached = [g for g in generalised if g is not None]
        times = [r["seconds"] for r in members if r.get("seconds") is not None]
        table.append({"method": method, "setting": setting, "seeds": len(members),
                      "memorised": [r.get("memorised") for r in members],
                      "generalised": generalised, "generalise": len(reached),
                      "gmean_generalised": float(gmean(reached)) if reached else None,
                      "final_test_acc": float(np.mean([r["final_test_acc"] for r in members])),
                      # LMN at the generalisation step (the run's end if never)
                      "lmn_at_generalisation": [r.get("lmn_at_end") for r in members],
                      "seconds": float(np.mean(times)) if times else None})
    return table


def _numbers(setting):
    """The numbers of a setting's text, in order ("alpha 0.98, lambda 2" -> (0.98, 2.0))."""
    return tuple(float(n) for n in re.findall(r"\d+(?:\.\d+)?(?:e[-+]?\d+)?", setting))


def _strength(setting):
    """The number a setting ends with (lambda for Grokfast; '-' for the baseline: 0)."""
    last = setting.split()[-1]
    return 0.0 if last == "-" else float(last)


def _kept(options):
    """The plan's kept row of one method's rows; ties go to the cheaper step (the shorter run:
    every tuning run has the same steps; a run without a recorded time counts as the
    costliest), then the smaller strength."""
    cost = lambda r: (float("inf") if r["seconds"] is None else r["seconds"],  # noqa: E731
                      _strength(r["setting"]))
    complete = [r for r in options if r["generalise"] == r["seeds"]]
    if not complete:
        return min(options, key=lambda r: (-r["final_test_acc"], *cost(r)))
    return min(complete, key=lambda r: (r["gmean_generalised"], *cost(r)))


def kept_rows(table):
    """{plan method: its kept row} by the plan's rule: among a method's settings whose seeds
    all generalise, the smallest geometric mean generalisation step (ties: the cheaper run,
    then the smaller strength); if none does, the highest mean final test accuracy."""
    methods = dict.fromkeys(plan_method(r["method"]) for r in table)
    return {m: _kept([r for r in table if plan_method(r["method"]) == m]) for m in methods}


def chosen_settings(table):
    """{plan method: setting} of `kept_rows`; the penalty's setting names its schedule."""
    chosen = {}
    for method, row in kept_rows(table).items():
        schedule = row["method"][len(PENALTY) + 1:] if method == PENALTY else ""
        chosen[method] = f"{schedule}, {row['setting']}" if schedule else row["setting"]
    return chosen


def _row_of(row, table):
    """The rows the edge rule compares a kept row with: its schedule's strengths; for
    Grokfast, the lambdas at its alpha."""
    same = [r for r in table if r["method"] == row["method"]]
    if row["method"] == "Grokfast-EMA":
        alpha = row["setting"].split(",")[0]
        same = [r for r in same if r["setting"].split(",")[0] == alpha]
    return same


def edge_values(table):
    """{table method: (setting, [next values])} for every kept setting that is the largest or
    the smallest of its row: the value a factor 10 beyond it (3 for weight decay) that the
    plan's edge rule tries next on the tuning seeds; a row of one value (a Grokfast alpha tried
    at one lambda) is at both edges, so both values. The rule extends a row once: a kept value
    that is itself an extension (not among PLAN_VALUES) asks for nothing more, the second
    application of the rule only choosing among the extended row. The baseline has no row."""
    extend = {}
    for method, row in kept_rows(table).items():
        if method == "baseline":
            continue
        kept = _strength(row["setting"])
        if kept not in PLAN_VALUES.get(row["method"], ()):
            continue
        values = sorted(_strength(r["setting"]) for r in _row_of(row, table))
        factor = EDGE_FACTOR.get(method, DEFAULT_EDGE_FACTOR)
        beyond = ([kept / factor] if kept == values[0] else []) + (
            [kept * factor] if kept == values[-1] else [])
        if beyond:
            extend[row["method"]] = (row["setting"], beyond)
    return extend
