"""The training-signal study of SIGNALS_PLAN.md (notebook 11): which method and setting a sweep
row is, each setting's tuning summary, and the plan's rule for the setting a method keeps.

Rows are those of a sweep's results table (`sweep_table.load_sweep`): one per seed, with the
run's grid values (`signals`, a dict of TrainConfig signal fields, or `weight_decay`) beside
the seed's memorisation and generalisation steps and its final test accuracy.
"""
import json

import numpy as np

PAPER_WEIGHT_DECAY = 0.2
METHODS = ("baseline", "weight decay", "Grokfast-EMA", "Jacobian penalty",
           "nonlinearity penalty from step 0", "nonlinearity penalty once memorised")


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
        return (f"nonlinearity penalty {'once memorised' if late else 'from step 0'}",
                f"{signals['lmn_penalty']:g}")
    if decay != PAPER_WEIGHT_DECAY:
        return "weight decay", f"{decay:g}"
    return "baseline", "-"


def tuning_table(rows):
    """Per (method, setting), in METHODS order: its seeds, their memorisation and
    generalisation steps (None: never), how many generalise, the mean generalisation step of
    those that do, and the mean final test accuracy."""
    groups = {}
    for row in rows:
        groups.setdefault(method_and_setting(row), []).append(row)
    table = []
    for (method, setting), members in sorted(groups.items(),
                                             key=lambda kv: (METHODS.index(kv[0][0]), kv[0][1])):
        generalised = [r.get("generalised") for r in members]
        reached = [g for g in generalised if g is not None]
        table.append({"method": method, "setting": setting, "seeds": len(members),
                      "memorised": [r.get("memorised") for r in members],
                      "generalised": generalised, "generalise": len(reached),
                      "mean_generalised": float(np.mean(reached)) if reached else None,
                      "final_test_acc": float(np.mean([r["final_test_acc"] for r in members]))})
    return table


def chosen_settings(table):
    """{method: setting} by the plan's rule: among a method's settings whose seeds all
    generalise, the smallest mean generalisation step; if none does, the highest mean final
    test accuracy."""
    chosen = {}
    for method in dict.fromkeys(r["method"] for r in table):
        options = [r for r in table if r["method"] == method]
        complete = [r for r in options if r["generalise"] == r["seeds"]]
        best = (min(complete, key=lambda r: r["mean_generalised"]) if complete
                else max(options, key=lambda r: r["final_test_acc"]))
        chosen[method] = best["setting"]
    return chosen
