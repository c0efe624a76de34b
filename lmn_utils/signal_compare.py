"""The comparison of SIGNALS_PLAN.md, section 3 (notebook 11): each method's arm against the
baseline on the same seeds, by the plan's censoring-aware exact signed-rank test, Holm across
the confirmatory arms, and its three criteria for *sooner*.

Rows are those of a sweep's results table (`sweep_table.load_sweep`), one per seed, with its
`seed`, `memorised` and `generalised` steps (None: never within the run) and
`final_test_acc`; `signal_study.method_and_setting` names a row's arm.
"""
import json
import os

import numpy as np
from scipy import stats

from .inference import fraction_interval, holm, t_test
from .signal_study import load_sweeps, method_and_setting

HORIZON = 20000   # the comparison's steps: a censored baseline seed counts as this step
ALPHA = 0.05
MORE_FAILURES_ALLOWED = 1   # criterion (ii): at most one more seed that never generalises
ACCURACY_MARGIN = 0.01      # criterion (iii): mean final test accuracy at most this lower
MIN_PAIRS = 6               # S4 and XOR: fewer seed pairs where both generalise, descriptive
# the plan's arms (SIGNALS_PLAN.md, section 3 and its clarifications) and the sweeps that hold
# them, with how many runs each sweep has when complete
CONFIRMATORY = ("nonlinearity penalty from step 0, 0.001",
                "Grokfast-EMA, alpha 0.98, lambda 0.05", "Jacobian penalty, 0.01",
                "weight decay, 1", "weight decay, 2")
DESCRIPTIVE = ("nonlinearity penalty from step 0, 0.01", "nonlinearity penalty from step 0, 0.1")
SWEEPS = (("signals_compare_wd", 2), ("signals_compare_wd_kept", 1), ("signals_compare", 5))
STEP_COST_FILE = "signals_step_cost.json"  # in benchmarks/, written by bench_signals.py
# section 3's last step: the tasks the method that goes on is tried on, their sweeps (two runs
# when complete: the baseline and the arm) and horizons (the runs' length)
TRANSFER = (("S4", "signals_compare_s4", 40000), ("5-bit XOR", "signals_compare_xor", 20000))


def arm_name(row):
    """"method, setting" of a row, e.g. "Grokfast-EMA, alpha 0.98, lambda 0.05"."""
    method, setting = method_and_setting(row)
    return method if setting == "-" else f"{method}, {setting}"


def arms(rows):
    """{arm name: {seed: row}} of a comparison's rows, arms in the order they first appear."""
    grouped = {}
    for row in rows:
        grouped.setdefault(arm_name(row), {})[int(row["seed"])] = row
    return grouped


def paired_differences(method_steps, baseline_steps, horizon=HORIZON):
    """Per seed, d = log(method's generalisation step) - log(the baseline's) by the plan's
    censoring rule (None: never generalised): the method censored, +inf; the baseline censored
    and the method not, the baseline's step taken as `horizon`; both censored, nan (a tie that
    `ranked_values` counts against whichever claim is tested). Equal steps give d = 0."""
    differences = []
    for method, baseline in zip(method_steps, baseline_steps):
        if method is None:
            differences.append(np.nan if baseline is None else np.inf)
        else:
            differences.append(np.log(method) - np.log(horizon if baseline is None
                                                       else baseline))
    return np.array(differences, dtype=float)


def ranked_values(differences, alternative):
    """The differences with the plan's ranks made finite for a one-sided test: +inf above
    every finite abs(d) (tied among themselves); a seed censored in both (nan) a value of the
    smallest nonzero rank with the sign against the claim tested (+ for "less", i.e. later;
    - for "greater", i.e. sooner). Equal steps (d = 0) stay 0: the test ranks and drops them
    (Pratt)."""
    values = np.array(differences, dtype=float)
    finite = np.abs(values[np.isfinite(values) & (values != 0)])
    top = finite.max() if finite.size else 1.0
    bottom = finite.min() if finite.size else 1.0
    values[np.isposinf(values)] = 2 * top + 1
    values[np.isnan(values)] = (bottom / 2) * (1 if alternative == "less" else -1)
    return values


def signed_rank_p(differences, alternative):
    """The exact signed-rank p-value of the differences (`paired_differences`) over all 2^n
    sign patterns, ties at their average ranks, zeros ranked then dropped (scipy.stats.wilcoxon
    with an exhaustive PermutationMethod and Pratt's zeros; equal to method="exact" when no abs(d)
    ties and none is 0); 1.0 for fewer than 2 seeds or when every d is 0."""
    values = ranked_values(differences, alternative)
    if len(values) < 2 or not np.any(values):
        return 1.0
    method = stats.PermutationMethod(n_resamples=np.inf)
    return float(stats.wilcoxon(values, alternative=alternative, method=method,
                                zero_method="pratt").pvalue)


def step_ratio(method_steps, baseline_steps, level):
    """(geometric mean ratio, low, high, pairs) of generalisation steps over the seeds where
    both generalise, with a t-interval of the log ratios at `level`; nan without 2 pairs."""
    logs = [np.log(m) - np.log(b) for m, b in zip(method_steps, baseline_steps)
            if m is not None and b is not None]
    if len(logs) < 2 or np.ptp(logs) == 0:  # no spread: no interval
        ratio = float(np.exp(logs[0])) if logs else np.nan
        return ratio, np.nan, np.nan, len(logs)
    test = t_test(logs, level=level)
    return float(np.exp(test.mean)), float(np.exp(test.low)), float(np.exp(test.high)), len(logs)


def _steps(arm, seeds, column):
    return [arm[s][column] for s in seeds]  # a missing column raises


def arm_summary(arm, baseline, level, horizon=HORIZON):
    """One arm against the baseline on their shared seeds: how many generalise (with a
    Clopper-Pearson interval), the median memorisation step, the median LMN when generalised
    (at each seed's generalisation step, or at the last step if it never generalises), the
    mean final test accuracy, the one-sided exact p-values (unadjusted) and the step ratio
    with its interval."""
    seeds = sorted(set(arm) & set(baseline))
    generalised = _steps(arm, seeds, "generalised")
    base_generalised = _steps(baseline, seeds, "generalised")
    differences = paired_differences(generalised, base_generalised, horizon)
    reached = sum(g is not None for g in generalised)
    memorised = [m for m in _steps(arm, seeds, "memorised") if m is not None]
    # the results table's lmn_at_end: LMN at the end of the generalising phase, i.e. at the
    # generalisation step (at the run's last step for a seed that never generalises)
    lmn_end = [v for v in _steps(arm, seeds, "lmn_at_end") if v is not None]
    ratio, low, high, pairs = step_ratio(generalised, base_generalised, level)
    accuracy = float(np.mean(_steps(arm, seeds, "final_test_acc")))
    return {"seeds": len(seeds), "generalise": reached,
            "fraction_interval": fraction_interval(reached, len(seeds)),
            "failures_over_baseline": (sum(g is None for g in generalised)
                                       - sum(g is None for g in base_generalised)),
            "median_memorised": float(np.median(memorised)) if memorised else np.nan,
            "median_lmn_at_generalisation": float(np.median(lmn_end)) if lmn_end else np.nan,
            "final_test_acc": accuracy,
            "accuracy_change": accuracy - float(np.mean(_steps(baseline, seeds,
                                                               "final_test_acc"))),
            "p_sooner": signed_rank_p(differences, "less"),
            "p_later": signed_rank_p(differences, "greater"),
            "ratio": ratio, "ratio_low": low, "ratio_high": high, "pairs": pairs}


def verdict(summary, alpha=ALPHA):
    """The plan's verdict of an arm from its Holm-adjusted p-values: *sooner* when the
    "less" test rejects, at most one more seed fails to generalise than the baseline's and
    the mean final test accuracy is not lower by more than 0.01; *later* when the "greater"
    test rejects; else *not distinguished*."""
    if (summary["p_sooner_holm"] < alpha
            and summary["failures_over_baseline"] <= MORE_FAILURES_ALLOWED
            and summary["accuracy_change"] >= -ACCURACY_MARGIN - 1e-9):  # 0.99 - 1.0 holds
        return "sooner"
    if summary["p_later_holm"] < alpha:
        return "later"
    return "not distinguished"


def comparison_table(baseline_rows, confirmatory, descriptive=(), horizon=HORIZON,
                     alpha=ALPHA, family_size=None, min_pairs=0):
    """Per arm (the confirmatory ones first), `arm_summary` against the baseline with its
    role; the confirmatory arms also get Holm-adjusted p-values (two families: "less" and
    "greater") and the verdict. confirmatory, descriptive: {arm name: {seed: row}}; a
    confirmatory arm must hold every baseline seed. family_size: the planned number of
    confirmatory arms m (default: those given); arms not landed count as p = 1 in Holm, and
    the ratio intervals are Bonferroni at 1 - alpha / m. min_pairs: an arm with fewer seed
    pairs where both generalise gets no verdict (the plan's rule for S4 and XOR: 6)."""
    baseline = {int(r["seed"]): r for r in baseline_rows}
    for name, arm in confirmatory.items():
        if set(arm) != set(baseline):
            raise ValueError(f"confirmatory arm {name!r} has seeds {sorted(arm)}, the baseline "
                             f"{sorted(baseline)}: the test pairs every seed")
    family = max(family_size or 0, len(confirmatory), 1)
    level = 1 - alpha / family
    table = [{"arm": name, "role": "confirmatory", "level": level,
              **arm_summary(arm, baseline, level, horizon)} for name, arm in confirmatory.items()]
    missing = [1.0] * (family - len(table))
    for test in ("p_sooner", "p_later"):
        for row, adjusted in zip(table, holm([r[test] for r in table] + missing)):
            row[f"{test}_holm"] = float(adjusted)
    for row in table:
        row["verdict"] = verdict(row, alpha) if row["pairs"] >= min_pairs else "descriptive"
    table += [{"arm": name, "role": "descriptive", "level": level,
               **arm_summary(arm, baseline, level, horizon), "verdict": "-"}
              for name, arm in dict(descriptive).items()]
    return table


def method_of(arm):
    """The plan's method of an arm's name ("weight decay, 2" -> "weight decay")."""
    return arm.split(",")[0]


def going_on(table, count=2):
    """The arms that go on to S4 and XOR: among the arms called *sooner*, the `count` methods
    with the smallest step ratios, each by its arm with the smallest ratio."""
    best = {}
    sooner = [r for r in table if r["verdict"] == "sooner" and np.isfinite(r["ratio"])]
    for row in sorted(sooner, key=lambda r: r["ratio"]):
        best.setdefault(method_of(row["arm"]), row["arm"])
    return list(best.values())[:count]


def wall_clock(row, cost_per_step):
    """(ratio, low, high) in wall-clock time: the step ratio and its interval times the
    method's cost per step against a plain step."""
    return tuple(row[k] * cost_per_step for k in ("ratio", "ratio_low", "ratio_high"))


def load_comparison(sweeps_dir, sweeps=SWEEPS):
    """(arms, runs still to land, one line per sweep) of the comparison's committed sweeps
    (`signal_study.load_sweeps`: each row with its run's folder, `run_dir`)."""
    rows, pending, about = load_sweeps(sweeps_dir, sweeps)
    return arms(rows), pending, about


def mod31_comparison(grouped):
    """The comparison table of section 3 from `load_comparison`'s arms: the planned
    confirmatory arms that have landed (m = 5 all the same) and the descriptive ones."""
    return comparison_table(grouped.get("baseline", {}).values(),
                            {a: grouped[a] for a in CONFIRMATORY if a in grouped},
                            {a: grouped[a] for a in DESCRIPTIVE if a in grouped},
                            family_size=len(CONFIRMATORY))


def transfer_table(sweeps_dir, arm, sweep, horizon):
    """(table, arms, runs still to land, the sweep's line) of section 3's last step on one
    task: `arm` (the one `going_on` names) against that task's baseline by `comparison_table`
    with one test (the plan's Holm over the methods that go, one method here), the task's
    horizon and no verdict under MIN_PAIRS seed pairs; `arms` is {arm name: {seed: row}} of the
    sweep. The table is empty until both runs have landed; an arm the sweep did not train, or
    runs of another length than the horizon, raise."""
    grouped, pending, about = load_comparison(sweeps_dir, ((sweep, 2),))
    lengths = {row.get("steps") or HORIZON for arm in grouped.values() for row in arm.values()}
    if lengths - {horizon}:
        raise ValueError(f"sweep {sweep!r} ran {sorted(lengths)} steps, the horizon is {horizon}")
    if pending:
        return [], grouped, pending, about[0]
    if arm not in grouped:
        raise ValueError(f"sweep {sweep!r} holds {sorted(grouped)}, not the arm {arm!r}")
    table = comparison_table(grouped["baseline"].values(), {arm: grouped[arm]},
                             horizon=horizon, min_pairs=MIN_PAIRS)
    return table, grouped, pending, about[0]


def baseline_summary(baseline):
    """A baseline's seeds ({seed: row}) in numbers: how many there are and generalise, the
    median generalisation step of those that do (nan if none), the median LMN at
    generalisation (at the last step for a seed that never does) and the mean final test
    accuracy."""
    rows = list(baseline.values())
    steps = [r["generalised"] for r in rows if r["generalised"] is not None]
    lmn = [r["lmn_at_end"] for r in rows if r["lmn_at_end"] is not None]
    return {"seeds": len(rows), "generalise": len(steps),
            "median_step": float(np.median(steps)) if steps else np.nan,
            "median_lmn": float(np.median(lmn)) if lmn else np.nan,
            "final_test_acc": float(np.mean([r["final_test_acc"] for r in rows]))}


def describe_baseline(summary):
    """One line of `baseline_summary`."""
    step = (f"median step of those {round(summary['median_step'])}"
            if np.isfinite(summary["median_step"]) else "none")
    lmn = f"{summary['median_lmn']:.1f}" if np.isfinite(summary["median_lmn"]) else "-"
    return (f"{summary['generalise']} of {summary['seeds']} seeds generalise ({step}); median "
            f"LMN at generalisation {lmn}; mean final test accuracy "
            f"{summary['final_test_acc']:.3f}")


def step_costs(benchmarks_dir):
    """{method: cost of a step against a plain one} measured by benchmarks/bench_signals.py."""
    with open(os.path.join(benchmarks_dir, STEP_COST_FILE)) as source:
        return json.load(source)["methods"]


def _ratio_text(ratio, low, high):
    if not np.isfinite(ratio):
        return "-"
    return f"{ratio:.2f}" + (f" [{low:.2f}, {high:.2f}]" if np.isfinite(low) else "")


def display_rows(table, costs):
    """The comparison table as rows for printing: per arm, how many seeds generalise (with a
    95% Clopper-Pearson interval of the fraction), the median memorisation step, the step and
    wall-clock ratios with their intervals (at the table's level, in the column's name: 99%
    for five arms), the Holm-adjusted p-values (none for a descriptive arm: it is not tested),
    the final test accuracy, the median LMN at the generalisation step (the last step for a
    seed that never generalises) and the verdict."""
    def whole(value):
        return int(round(value)) if np.isfinite(value) else "-"

    def p_value(row, test):
        return row[f"{test}_holm"] if row["role"] == "confirmatory" else "-"

    return [{"arm": r["arm"],
             "generalise": (f"{r['generalise']}/{r['seeds']} [{r['fraction_interval'][0]:.2f}, "
                            f"{r['fraction_interval'][1]:.2f}]"),
             "median memorised": whole(r["median_memorised"]),
             f"step ratio [{r['level']:.0%}]": _ratio_text(r["ratio"], r["ratio_low"],
                                                         r["ratio_high"]),
             "wall-clock ratio": _ratio_text(*wall_clock(r, costs[method_of(r["arm"])])),
             "p sooner (Holm)": p_value(r, "p_sooner"), "p later (Holm)": p_value(r, "p_later"),
             "final test acc": r["final_test_acc"],
             "median LMN at generalisation": (f"{r['median_lmn_at_generalisation']:.1f}"
                                   if np.isfinite(r["median_lmn_at_generalisation"]) else "-"),
             "verdict": r["verdict"]} for r in table]


def markdown_rows(table, costs, task=None):
    """The comparison as a Markdown table (the README's): one line per arm, led by a `task`
    column when one is named (the S4 and XOR tables share their arms' names)."""
    rows = [({"task": task} if task else {}) | row for row in display_rows(table, costs)]
    head = list(rows[0]) if rows else []
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [f"{v:.4f}" if k.startswith("p ") and isinstance(v, float) else
                 f"{v:.3f}" if k == "final test acc" else str(v) for k, v in row.items()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
