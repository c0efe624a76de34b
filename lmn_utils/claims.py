"""The paper's claims, each with one stated rule, its statistic, n and a computed verdict.

Notebooks 04-07 print these for their own run and notebook 08 collects them into the claims
table, so a rule is written once. Every function returns a row: dict(claim, paper, rule,
statistic, n, verdict). Intervals are 95% percentile bootstraps over seeds
(`analysis.bootstrap_mean_interval`); with 5 seeds read them as summaries, not exact coverage.
"""
import numpy as np

from .analysis import (bootstrap_mean_interval, double_descent_sensitivity, double_descents,
                       fit_table, interval_verdict, linearity_test, mean_and_spread, phase_end,
                       relative_change)
from .history import phase_steps
from .progress import halfway_table, lead_verdict, leads


def row(claim, paper, rule, statistic, n, verdict):
    return dict(claim=claim, paper=paper, rule=rule, statistic=statistic, n=n, verdict=verdict)


def _count_verdict(hits, total):
    return "not measured" if total == 0 else "reproduced" if hits == total else (
        "partly" if hits else "not reproduced")


def _interval(values, digits=2, percent=False):
    scale, unit = (100, "%") if percent else (1, "")
    mean = float(np.mean(values))
    if len(values) < 2:
        return f"{scale * mean:+.{digits}f}{unit}"
    low, high = bootstrap_mean_interval(values)
    low, high = (f"{scale * v:+.{digits}f}" for v in (low, high))
    return f"{scale * mean:+.{digits}f}{unit} [{low}, {high}]"


def phase_step(history, which, paper_step, task_name):
    """Memorisation (which=0) or generalisation (which=1) step near the paper's (mean within 2x)."""
    steps = [p[which] for p in phase_steps(history) if p[which] is not None]
    name = ("memorised", "generalised")[which]
    mean, spread = mean_and_spread(steps)
    verdict = "not measured" if not steps else (
        "reproduced" if paper_step / 2 <= mean <= 2 * paper_step else "not reproduced")
    return row(f"{task_name}: {name} near step {paper_step}", f"~{paper_step}",
               "mean over seeds within a factor 2",
               "n/a" if not steps else f"{mean:.0f} ± {spread:.0f}",
               f"{len(steps)} of {len(history.seeds)} seeds", verdict)


def rise_to_peak(history, layer, task_name):
    """LMN rises from initialisation to a peak reached in the first half of the generalising
    phase (in steps), i.e. near memorisation rather than near generalisation."""
    hits, ratios, total = 0, [], 0
    for r, memorised, generalised in history.phases():
        if memorised is None:
            continue
        total += 1
        steps, values = history.lmn_steps[r], history.lmn[layer][r]
        end = phase_end(history, r, generalised)
        peak = int(steps[np.argmax(values)])
        ratios.append(values.max() / values[0])
        hits += values.max() > values[0] and peak <= (memorised + end) / 2
    stat = "n/a" if not ratios else (
        f"peak / initial LMN {np.mean(ratios):.2f} ± {np.std(ratios):.2f}")
    return row(f"{task_name}: LMN rises to a peak near memorisation", "yes",
               "peak above the initial LMN and in the first half of the generalising phase",
               stat, f"{hits} of {total} seeds", _count_verdict(hits, total))


def falls_while_generalising(history, layer, task_name):
    """LMN at the generalisation step (or the last step) below LMN at the memorisation step."""
    changes = []
    for r, memorised, generalised in history.phases():
        if memorised is not None:
            changes.append(relative_change(history, layer, r, memorised,
                                           phase_end(history, r, generalised)))
    if not changes:
        return row(f"{task_name}: LMN falls while generalising", "yes", "", "n/a", "0 seeds",
                   "not measured")
    low, high = bootstrap_mean_interval(changes) if len(changes) > 1 else (changes[0],) * 2
    verdict = interval_verdict(low, high, above="contradicted", below="supported")
    return row(f"{task_name}: LMN falls while generalising", "yes",
               "relative change memorisation -> generalisation step (or last step); "
               "interval below 0", _interval(changes, 0, percent=True),
               f"{sum(c < 0 for c in changes)} of {len(changes)} seeds fall", verdict)


def linearity(history, layer, task_name, log_loss=False):
    """LMN linear in the test loss, L2 not: `analysis.linearity_test`, on one axis."""
    fits = fit_table(history, layer, log_loss=log_loss)
    test = linearity_test(fits)
    points = [f["points"] for f in fits if np.isfinite(f["lmn_curv"])]
    axis = "log test loss" if log_loss else "test loss"
    lmn, l2 = (mean_and_spread([f[k] for f in fits]) for k in ("lmn_curv", "l2_curv"))
    stat = ("n/a" if test["verdict"] == "not measured" else
            f"curvature gain LMN {lmn[0]:.3f}, L2 {l2[0]:.3f}; L2 - LMN {test['mean']:+.3f} "
            f"[{test['low']:+.3f}, {test['high']:+.3f}]")
    n = f"{test['n']} seeds, {min(points, default=0)}-{max(points, default=0)} points each"
    return row(f"{task_name}: LMN linear in {axis}, L2 not", "no number",
               "paired (L2 - LMN) R² a parabola adds over a line, generalising phase; "
               "interval above 0",
               stat, n, test["verdict"])


def levels_off(history, layer, task_name):
    """After generalisation LMN moves less than half as much (relative) as while generalising."""
    hits, total, ratios = 0, 0, []
    for r, memorised, generalised in history.phases():
        if generalised is None or generalised == memorised:
            continue
        total += 1
        during = abs(relative_change(history, layer, r, memorised, generalised))
        after = abs(relative_change(history, layer, r, generalised, int(history.lmn_steps[r][-1])))
        ratios.append(after / during if during > 0 else np.inf)
        hits += after < during / 2
    stat = "n/a" if not ratios else (
        f"|change after| / |change during| {np.median(ratios):.2f} (median)")
    return row(f"{task_name}: LMN levels off after generalising", "yes",
               "relative change generalisation -> last step below half that memorisation -> "
               "generalisation", stat, f"{hits} of {total} seeds", _count_verdict(hits, total))


def double_descent(history, layer, tolerance=0.05):
    """XOR: a fall, a rise and a fall of LMN after generalisation (`analysis.drop_rise_drop`)."""
    found = double_descents(history, layer, tolerance)
    hits, total = sum(bool(f) for f in found), sum(f is not None for f in found)
    counts = ", ".join(f"{r['seeds']} at {100 * r['tolerance']:.0f}%"
                       for r in double_descent_sensitivity(history, layer))
    return row("XOR: LMN drops, rises, drops after generalising", "yes (turning points ~15, ~20)",
               f"each move at least {100 * tolerance:.0f}% of the level it starts from; the "
               "highest peak; the second minimum before the last measurement",
               f"seeds by tolerance: {counts}", f"{hits} of {total} seeds",
               _count_verdict(hits, total))


def paper_levels(history, layer, bits, tolerance=0.05, closeness=0.15):
    """The paper's reading of the XOR turning points: minimum ~ 3 x bits, maximum ~ 4 x bits."""
    found = [f for f in double_descents(history, layer, tolerance) if f]
    predicted = (3 * bits, 4 * bits)
    minima, maxima = [f[0][1] for f in found], [f[1][1] for f in found]
    near = [abs(low / predicted[0] - 1) <= closeness and abs(high / predicted[1] - 1) <= closeness
            for low, high in zip(minima, maxima)]
    stat = "n/a" if not found else (
        f"minima {np.mean(minima):.1f} ± {np.std(minima):.1f}, "
        f"maxima {np.mean(maxima):.1f} ± {np.std(maxima):.1f}")
    return row(f"XOR, {bits} bits: turning points at {bits} x 3 and {bits} x 4",
               f"~{predicted[0]}, ~{predicted[1]}",
               f"first minimum and maximum within {100 * closeness:.0f}% of the predicted levels",
               stat, f"{sum(near)} of {len(found)} seeds with a double descent",
               _count_verdict(sum(near), len(found)))


def figure3(history, task_name="mod 31"):
    """Only hidden1 tracks generalisation: its change memorisation -> generalisation (read at
    exactly those steps) is more than twice the embedding's."""
    (memorised, generalised), = phase_steps(history)[:1]
    if memorised is None:
        return row("Fig. 3: only hidden1 tracks generalisation", "qualitative", "", "n/a",
                   "1 seed", "not measured")
    end = phase_end(history, 0, generalised)
    change = {name: relative_change(history, name, 0, memorised, end)
              for name in ("embedding", "hidden1")}
    tracks = abs(change["hidden1"]) > 2 * abs(change["embedding"])
    verdict = "reproduced" if tracks else "not reproduced"
    return row("Fig. 3: only hidden1 tracks generalisation", "qualitative",
               f"|change of hidden1| > 2 |change of embedding|, steps {memorised} -> {end} exactly",
               f"hidden1 {100 * change['hidden1']:+.0f}%, "
               f"embedding {100 * change['embedding']:+.0f}%",
               f"1 seed ({task_name})", verdict)


def figure4(off_diagonal):
    """The two qualitative statements of Figure 4, from mean off-diagonal connectivity."""
    rows = []
    if "generalised" in off_diagonal and "memorised" in off_diagonal:
        rows.append(row("Fig. 4: generalised net has larger off-diagonal connectivity than "
                        "memorised", "qualitative", "mean off-diagonal L, generalised > memorised",
                        f"{off_diagonal['memorised']:.3f} -> {off_diagonal['generalised']:.3f}",
                        "1 seed",
                        "reproduced" if off_diagonal["generalised"] > off_diagonal["memorised"]
                        else "not reproduced"))
    rows.append(row("Fig. 4: connectivity at initialisation is high too", "qualitative",
                    "mean off-diagonal L at init >= memorised",
                    f"init {off_diagonal['initialisation']:.3f}",
                    "1 seed", "reproduced" if off_diagonal["initialisation"] >=
                    off_diagonal.get("memorised", np.inf) else "not reproduced"))
    return rows


def task_claims(history, layer, task_name):
    """The claims every grokking task is checked against (notebooks 04-06)."""
    return [rise_to_peak(history, layer, task_name),
            falls_while_generalising(history, layer, task_name),
            linearity(history, layer, task_name),
            linearity(history, layer, task_name, log_loss=True),
            levels_off(history, layer, task_name)]


def moves_first(history, measure, label, task_name):
    """A measure moves before test accuracy: its half-way step (memorisation -> last step,
    `progress.halfway_step`) comes earlier; the mean lead over seeds with a bootstrap interval."""
    values = leads(halfway_table(history, [measure, "test_acc"]), measure)
    test = lead_verdict(values)
    verdict = {"before": "supported", "after": "contradicted"}.get(test["verdict"], test["verdict"])
    stat = "n/a" if test["n"] < 2 else (
        f"lead {test['mean']:+.0f} steps [{test['low']:+.0f}, {test['high']:+.0f}]")
    return row(f"{task_name}: {label} moves before test accuracy", "beyond the paper",
               "half-way step (memorisation -> last step) earlier than test accuracy's; "
               "interval of the mean lead above 0", stat,
               f"{int((values > 0).sum())} of {test['n']} seeds lead", verdict)


def markdown_cell(value):
    """A value as the text of one Markdown table cell (a | inside it escaped)."""
    return str(value).replace("|", "\\|")


def markdown_table(rows):
    """The rows as a Markdown table (what notebook 08 writes and the README shows)."""
    keys = ("claim", "paper", "rule", "statistic", "n", "verdict")
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(markdown_cell(r[k]) for k in keys) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def text_table(rows):
    """Claim, statistic, n and verdict per line (the printed, nbval-checked form)."""
    return "\n".join(f"{r['claim']}\n    {r['statistic']}; n: {r['n']} -> {r['verdict']}"
                     for r in rows)
