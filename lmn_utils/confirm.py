"""The claims table of ANALYSIS_PLAN.md: per-seed statistics, families, Holm, verdicts, fragility.

`seed_statistics(history)` reads one number per seed and claim off a History (section 4 of the
plan, on the primary or the alternative window); `claim_tests(per_task)` turns them into the
plan's tests, one `ClaimTest` per claim, grouped into families; `verdicts(tests, method)`
decides them all with Holm within each family, by the primary method ("t") or a sensitivity
method ("sign-flip", "bca", "uncorrected"); `confirmatory_table` puts the primary verdict,
the verdict of every sensitivity row and the *fragile* mark side by side. Every rule is here
once; notebook 08 calls it on the confirmatory sweeps and on the exploratory 5-seed runs.
"""
from dataclasses import dataclass, field

import numpy as np

from .analysis import curvature, double_descents, phase_end
from .claims import markdown_cell as cell
from .inference import (bca_interval, direction_verdict, finite, fisher_p, fraction_interval,
                        holm, sign_flip_p, t_test, tost_p)
from .lack_of_fit import lack_of_fit
from .progress import halfway_table, leads

LINEARITY_MARGIN = 0.02      # lack-of-fit gain read as "linear" (plan, family L)
FALL_MARGIN = 0.05           # |relative change| read as "no change" (family F)
LEVEL_RATIO = 0.5            # levelling off: the rate after below half the rate during (V)
ALPHA = 0.05
MIN_WINDOW_POINTS = 6        # a seed with fewer LMN steps in its window is left out (section 2)
METHODS = ("t", "sign-flip", "bca", "uncorrected")
# verdicts of a sensitivity row that did not measure a claim (a task it holds no runs of, or too
# few values there): such a row neither confirms nor moves the claim's verdict
UNMEASURED = ("n/a", "not measured")


# ---- per-seed statistics -------------------------------------------------------------------

def window_start(history, row, memorised, end, alternative=False):
    """The window's first step: memorisation (primary), or the step of the highest test loss
    recorded at or after it and before `end` (alternative)."""
    if not alternative:
        return memorised
    steps, loss = history.steps, history.metrics["test_loss"][row]
    inside = (steps >= memorised) & (steps <= end)
    return int(steps[inside][np.argmax(loss[inside])])


def _window(history, row, layer, start, end):
    """(LMN steps, LMN, test loss, L2) of seed `row` at its LMN steps in [start, end]."""
    steps = history.lmn_steps[row]
    keep = (steps >= start) & (steps <= end)
    return (steps[keep], history.lmn[layer][row][keep],
            history.at_lmn_steps("test_loss", row)[keep], history.at_lmn_steps("l2_norm", row)[keep])


def three_statistics(history, layer="hidden1", axis="linear"):
    """Per seed that memorises, the three readings of "a straight line in the test loss" on its
    primary window, for LMN and for L2: the line's R², the curvature gain (a parabola over the
    line) and the lack-of-fit gain (a spline over the line). For teaching how a statistic sees
    only the departures it is built for (notebook 08)."""
    rows = []
    for stats in seed_statistics(history, layer):
        fits = stats[axis]
        rows.append({"seed": stats["seed"], "generalised": stats["generalised"],
                     "points": fits["points"],
                     **{f"{name} {label}": fits[f"{name}_{key}"] for name in ("lmn", "l2")
                        for key, label in (("r2", "line R2"), ("curv", "curvature gain"),
                                           ("gain", "lack-of-fit gain"))}})
    return rows


def seed_window(history, row, layer="hidden1"):
    """(test loss, LMN, L2) of seed `row` over its primary window (as the tests read it)."""
    memorised, generalised = history.phases()[row][1:]
    end = phase_end(history, row, generalised)
    _, lmn, loss, l2 = _window(history, row, layer, window_start(history, row, memorised, end), end)
    return loss, lmn, l2


def _linearity(loss, lmn, l2):
    """Per axis: lack-of-fit of LMN and L2, the line's R^2 and the curvature gain of each."""
    out = {}
    for axis, x in (("linear", loss), ("log", np.log(loss))):
        fits = {name: (lack_of_fit(x, y), curvature(x, y)) for name, y in (("lmn", lmn), ("l2", l2))}
        out[axis] = {f"{name}_{key}": value for name, (lof, curv) in fits.items()
                     for key, value in (("gain", lof["gain"]), ("p", lof["p"]),
                                        ("r2", lof["r2_line"]), ("curv", curv["gain"]))}
        out[axis]["points"] = len(x)
    return out


def seed_statistics(history, layer="hidden1", alternative=False):
    """Per seed that memorises: dict(seed, memorised, generalised, fall, log_peak, early_peak,
    log_rate_ratio, total_ratio, linear={...}, log={...}); see ANALYSIS_PLAN.md section 4."""
    rows = []
    for row, memorised, generalised in history.phases():
        if memorised is None:
            continue
        end = phase_end(history, row, generalised)
        start = window_start(history, row, memorised, end, alternative)
        steps, lmn, loss, l2 = _window(history, row, layer, start, end)
        if len(lmn) < MIN_WINDOW_POINTS:  # plan, section 2: left out (n counts the others)
            continue
        stats = dict(seed=history.seeds[row], memorised=memorised, generalised=generalised)
        stats["fall"] = (lmn[-1] - lmn[0]) / lmn[0] if len(lmn) >= 2 else np.nan
        values, all_steps = history.lmn[layer][row], history.lmn_steps[row]
        upto = all_steps <= end
        stats["log_peak"] = float(np.log(values[upto].max() / values[0]))
        stats["early_peak"] = bool(all_steps[upto][np.argmax(values[upto])] <= (start + end) / 2)
        stats.update(_rates(history, layer, row, start, generalised, steps, lmn))
        stats.update(_linearity(loss, lmn, l2))
        rows.append(stats)
    return rows


def _rates(history, layer, row, start, generalised, steps, lmn):
    """log of (rate of relative change after generalisation) / (rate during the window)."""
    none = dict(log_rate_ratio=np.nan, total_ratio=np.nan)
    if generalised is None or len(lmn) < 2 or steps[-1] == steps[0]:
        return none
    after_steps = history.lmn_steps[row][history.lmn_steps[row] >= generalised]
    after = history.lmn[layer][row][history.lmn_steps[row] >= generalised]
    if len(after) < 3:  # the generalisation step and at least 2 after it
        return none
    during = abs((lmn[-1] - lmn[0]) / lmn[0])
    later = abs((after[-1] - after[0]) / after[0])
    if during == 0 or later == 0:
        return none
    rate_ratio = (later / (after_steps[-1] - after_steps[0])) / (during / (steps[-1] - steps[0]))
    return dict(log_rate_ratio=float(np.log(rate_ratio)), total_ratio=float(later / during))


# ---- tests ---------------------------------------------------------------------------------

@dataclass
class ClaimTest:
    """One claim: per-seed values and how they decide it. support / contradict are
    ("two-sided", null), ("greater", null), ("less", null) or ("within", margin); equivalence
    (a margin or None) gives the third outcome, "equivalent"."""
    family: str
    claim: str
    values: np.ndarray
    support: tuple
    contradict: tuple
    equivalence: float = None
    statistic: str = ""
    extra: dict = field(default_factory=dict)


def _p(values, test, method):
    """p-value of one test (nan for "bca", which decides by its interval)."""
    kind, null = test
    if kind == "within":
        return tost_p(values, null)
    if method == "sign-flip":
        return sign_flip_p(values, null, kind)
    return t_test(values, null, alternative=kind).p


def _bca_rejects(values, test):
    kind, null = test
    if kind == "within":
        low, high = bca_interval(values, 0.90)
        return bool(-null < low and high < null)
    low, high = bca_interval(values)
    if kind == "greater":
        return bool(low > null)
    if kind == "less":
        return bool(high < null)
    return bool(low > null or high < null)


def verdicts(tests, method="t"):
    """{claim: verdict} of every test under `method`, Holm within each family (not for
    "uncorrected", and not for "bca", which reads its 95% interval, 90% for equivalence)."""
    out = {}
    for family in sorted({t.family for t in tests}):
        members = [t for t in tests if t.family == family]
        if method == "bca":
            for t in members:
                out[t.claim] = _decide_by_interval(t)
            continue
        tests_p = {part: np.array([_p(finite(t.values), getattr(t, part), method)
                                   for t in members]) for part in ("support", "contradict")}
        eq_p = np.array([tost_p(finite(t.values), t.equivalence) if t.equivalence else np.nan
                         for t in members])
        if method != "uncorrected":
            tests_p = {part: holm(p) for part, p in tests_p.items()}
            eq_p = holm(eq_p)
        for t, ps, pc, pe in zip(members, tests_p["support"], tests_p["contradict"], eq_p):
            out[t.claim] = _decide(t, ps, pc, pe)
    return out


def _decide(test, p_support, p_contradict, p_equivalent):
    values = finite(test.values)
    if len(values) < 2:
        return "not measured"
    if test.support[0] == "two-sided":  # one test; the mean's sign says which way
        expected = -1 if test.extra.get("expected", +1) < 0 else +1
        return direction_verdict(values.mean() - test.support[1], p_support, p_equivalent,
                                 ALPHA, expected)
    if p_support < ALPHA:
        return "supported"
    if p_contradict < ALPHA:
        return "contradicted"
    return "equivalent" if np.isfinite(p_equivalent) and p_equivalent < ALPHA else (
        "not distinguished")


def _decide_by_interval(test):
    values = finite(test.values)
    if len(values) < 3:
        return "not measured"
    if test.support[0] == "two-sided":
        if _bca_rejects(values, test.support):
            expected = test.extra.get("expected", +1)
            return "supported" if np.sign(values.mean() - test.support[1]) == expected else (
                "contradicted")
    else:
        if _bca_rejects(values, test.support):
            return "supported"
        if _bca_rejects(values, test.contradict):
            return "contradicted"
    if test.equivalence and _bca_rejects(values, ("within", test.equivalence)):
        return "equivalent"
    return "not distinguished"


def _column(stats, key, axis=None):
    return np.array([(s[axis] if axis else s)[key] for s in stats], dtype=float)


def claim_tests(per_task):
    """The plan's tests for {task name: seed_statistics(...)}: families F, R, V (one test per
    task), L (two components per task and axis) and P (the paired comparisons per statistic)."""
    tests = []
    for task, stats in per_task.items():
        tests.append(ClaimTest("F", f"{task}: LMN falls while generalising", _column(stats, "fall"),
                               ("two-sided", 0.0), ("two-sided", 0.0), FALL_MARGIN,
                               "relative change over the window", {"expected": -1, "percent": True}))
        tests.append(ClaimTest("R", f"{task}: LMN rises to a peak near memorisation",
                               _column(stats, "log_peak"), ("two-sided", 0.0), ("two-sided", 0.0),
                               None, "log(peak LMN / LMN at step 0)",
                               {"expected": +1, "early": sum(s["early_peak"] for s in stats)}))
        tests.append(ClaimTest("V", f"{task}: LMN levels off after generalising",
                               _column(stats, "log_rate_ratio"), ("less", np.log(LEVEL_RATIO)),
                               ("greater", 0.0), None, "log(rate after / rate during)"))
        for axis in ("linear", "log"):
            tests += _linearity_tests(task, stats, axis)
    return tests


def _linearity_tests(task, stats, axis):
    on = "log test loss" if axis == "log" else "test loss"
    # the paired rows read one set of seeds: a seed where any of the six numbers is undefined
    # is left out of all of them (like for like)
    keys = ("lmn_gain", "l2_gain", "lmn_r2", "l2_r2", "lmn_curv", "l2_curv")
    usable = np.all([np.isfinite(_column(stats, k, axis)) for k in keys], axis=0)
    stats = [s for s, keep in zip(stats, usable) if keep]
    lmn_gain, l2_gain = _column(stats, "lmn_gain", axis), _column(stats, "l2_gain", axis)
    margin = ("greater", LINEARITY_MARGIN)
    within = ("within", LINEARITY_MARGIN)
    return [
        ClaimTest("L", f"{task}: (a) LMN linear in {on}", lmn_gain, within, margin, None,
                  "lack-of-fit gain of LMN"),
        ClaimTest("L", f"{task}: (b) L2 not linear in {on}", l2_gain, margin, within, None,
                  "lack-of-fit gain of L2"),
        ClaimTest("P-lack-of-fit", f"{task}: L2 more curved than LMN in {on} (lack-of-fit gain)",
                  l2_gain - lmn_gain, ("two-sided", 0.0), ("two-sided", 0.0), None,
                  "G(L2) - G(LMN)", {"expected": +1}),
        ClaimTest("P-r2", f"{task}: LMN's line fits better than L2's in {on} (R² difference)",
                  _column(stats, "lmn_r2", axis) - _column(stats, "l2_r2", axis),
                  ("two-sided", 0.0), ("two-sided", 0.0), None, "R²(LMN) - R²(L2)",
                  {"expected": +1}),
        ClaimTest("P-curvature", f"{task}: L2 more curved than LMN in {on} (curvature gain)",
                  _column(stats, "l2_curv", axis) - _column(stats, "lmn_curv", axis),
                  ("two-sided", 0.0), ("two-sided", 0.0), None, "curvature gain L2 - LMN",
                  {"expected": +1}),
    ]


def combined_linearity(primary, task, on):
    """"LMN linear, L2 not": supported when (a) and (b) are; contradicted when either is."""
    a, b = primary[f"{task}: (a) LMN linear in {on}"], primary[f"{task}: (b) L2 not linear in {on}"]
    if "contradicted" in (a, b):
        return "contradicted"
    return "supported" if a == b == "supported" else "not distinguished"


def describe(test, result=None):
    """'mean [t-interval]' of a test's values (`result`: their t_test, computed here if not
    given), percent where the claim is a relative change; for the rise, how many seeds peak in
    the first half of their window (near memorisation)."""
    result = result or t_test(finite(test.values))
    if not np.isfinite(result.mean):
        return "n/a"
    if test.extra.get("percent"):
        return result.interval_text(0, 100, "%")
    text = result.interval_text(test.extra.get("digits", 3))
    if "early" in test.extra:
        text += f"; peak in the window's first half in {test.extra['early']} of {len(test.values)}"
    return text


def confirmatory_table(per_task, variants=None):
    """Rows dict(family, claim, statistic, value, n, p, verdict, <one column per sensitivity
    row>, fragile): the primary verdict (t, Holm), the verdict under each method of METHODS and
    under each of `variants` ({row name: per_task computed another way}, e.g. the alternative
    window), and "fragile" where any of them differs from the primary."""
    tests = claim_tests(per_task)
    primary = verdicts(tests)
    columns = {f"by {m}": verdicts(tests, m) for m in METHODS[1:]}
    for name, other in (variants or {}).items():
        columns[name] = verdicts(claim_tests(other))
    return [_table_row(test, primary, columns) for test in tests]


def _table_row(test, primary, columns):
    result = t_test(finite(test.values))
    row = dict(family=test.family, claim=test.claim, statistic=test.statistic,
               value=describe(test, result), n=len(finite(test.values)), p=result.p,
               verdict=primary[test.claim])
    row.update({name: column.get(test.claim, "n/a") for name, column in columns.items()})
    row["fragile"] = any(row[name] not in (row["verdict"], *UNMEASURED) for name in columns)
    return row


# ---- family T: notebook 09's transformer (plan, clarifications) ------------------------------

TRANSFORMER_LAYER = "resid_mid"


def transformer_tests(history, layer=TRANSFORMER_LAYER, alternative=False):
    """Family T: LMN (from `layer`) falls while generalising (family F's statistic and window),
    and LMN and the Fourier Gini of the embedding move before test accuracy (per seed, test
    accuracy's half-way step minus the measure's, `progress.leads`; from memorisation to the
    end of training in both windows: the alternative window moves the fall only)."""
    stats = seed_statistics(history, layer, alternative)
    halfway = halfway_table(history, ["test_acc", "fourier_gini", f"lmn:{layer}"])
    moves = lambda name, label: ClaimTest(  # noqa: E731
        "T", f"transformer: {label} moves before test accuracy", leads(halfway, name),
        ("two-sided", 0.0), ("two-sided", 0.0), None,
        "test accuracy's half-way step minus the measure's (steps)",
        {"expected": +1, "digits": 0})
    return [ClaimTest("T", f"transformer: LMN ({layer}) falls while generalising",
                      _column(stats, "fall"), ("two-sided", 0.0), ("two-sided", 0.0),
                      FALL_MARGIN, "relative change over the window",
                      {"expected": -1, "percent": True}),
            moves(f"lmn:{layer}", f"LMN ({layer})"),
            moves("fourier_gini", "Fourier Gini of W_E")]


def transformer_rows(history, layer=TRANSFORMER_LAYER):
    """The table rows of family T (as `confirmatory_table`'s), Holm within T."""
    tests = transformer_tests(history, layer)
    primary = verdicts(tests)
    columns = {f"by {m}": verdicts(tests, m) for m in METHODS[1:]}
    moved = verdicts(transformer_tests(history, layer, alternative=True))
    # the alternative window moves the fall only: the leads are not measured by that row
    columns["alternative window"] = {claim: (verdict if "falls" in claim else "n/a")
                                     for claim, verdict in moved.items()}
    return [_table_row(test, primary, columns) for test in tests]


# ---- counting claims (section 5) -----------------------------------------------------------

def double_descent_count(history, layer="hidden1", tolerance=0.05):
    """(seeds with a finished drop-rise-drop after generalising, seeds that generalised)."""
    found = double_descents(history, layer, tolerance, finished=True)
    return sum(bool(f) for f in found), sum(f is not None for f in found)


def count_verdict(hits, total):
    """Reproduced: the Clopper-Pearson lower bound above 1/2; not reproduced: the upper bound
    below 1/2; partly otherwise (plan, section 5)."""
    if total == 0:
        return "not measured"
    low, high = fraction_interval(hits, total)
    return "reproduced" if low > 0.5 else "not reproduced" if high < 0.5 else "partly"


def double_descent_test(xor, controls, layer="hidden1", tolerance=0.05):
    """dict(hits, total, low, high, control_hits, control_total, p, verdict): XOR against the
    pooled controls, Fisher's exact test one-sided (plan, section 5)."""
    hits, total = double_descent_count(xor, layer, tolerance)
    counts = [double_descent_count(h, layer, tolerance) for h in controls]
    control_hits, control_total = sum(c[0] for c in counts), sum(c[1] for c in counts)
    p = fisher_p(hits, total, control_hits, control_total, "greater") if total and control_total \
        else np.nan
    low, high = fraction_interval(hits, total)
    verdict = "not measured" if not total else (
        "reproduced" if p < ALPHA and low > 0.5 else "partly" if p < ALPHA else "not reproduced")
    return dict(hits=hits, total=total, low=low, high=high, control_hits=control_hits,
                control_total=control_total, p=p, verdict=verdict)


def turning_points(history, bits, layer="hidden1", tolerance=0.05, closeness=0.15):
    """dict(absolute=(hits, total), scale_free=(hits, total)): seeds whose first minimum and
    maximum lie within `closeness` of 3 x bits and 4 x bits, and whose maximum / minimum lies
    within `closeness` of 4/3, out of the seeds that generalised."""
    found = double_descents(history, layer, tolerance, finished=True)
    total = sum(f is not None for f in found)
    shapes = [f for f in found if f]
    near = lambda value, target: abs(value / target - 1) <= closeness  # noqa: E731
    absolute = sum(near(f[0][1], 3 * bits) and near(f[1][1], 4 * bits) for f in shapes)
    scale_free = sum(near(f[1][1] / f[0][1], 4 / 3) for f in shapes)
    return dict(absolute=(absolute, total), scale_free=(scale_free, total))


# ---- phase steps near the paper's (section 4, not a test) --------------------------------

PAPER_PHASE_STEPS = {"mod 31": {"memorised": 200, "generalised": 7600}}


def phase_step_rows(history, task):
    """Per phase with a paper value for `task`: dict(claim, value, n, verdict). The geometric
    mean step over the seeds that reach the phase, with the t-interval of the log steps;
    reproduced when the interval lies inside [paper / 2, paper x 2], not reproduced when it
    lies outside, partly when it straddles a bound."""
    rows = []
    for column, phase in enumerate(("memorised", "generalised")):
        paper = PAPER_PHASE_STEPS.get(task, {}).get(phase)
        if paper is None:
            continue
        steps = [p[column + 1] for p in history.phases() if p[column + 1] is not None]
        row = dict(claim=f"{task}: {phase} near step {paper}", value="n/a", n=len(steps),
                   verdict="not measured")
        if len(steps) >= 2:
            result = t_test(np.log(steps))
            low, high = np.exp(result.low), np.exp(result.high)
            inside = paper / 2 <= low and high <= paper * 2
            outside = high < paper / 2 or low > paper * 2
            row.update(value=f"geometric mean {np.exp(result.mean):.0f} [{low:.0f}, {high:.0f}]",
                       verdict="reproduced" if inside else "not reproduced" if outside
                       else "partly")
        rows.append(row)
    return rows


# ---- the confirmatory sweeps and the printed table -----------------------------------------

# label: (sweep folder under sweeps/, the history file its notebook writes) (plan, section 1)
CONFIRM_SWEEPS = {
    "mod 31": ("confirm_mod31", "04_modular_addition_history.json"),
    "S4": ("confirm_s4", "05_permutation_composition_history.json"),
    "XOR": ("confirm_xor", "06_bitwise_xor_history.json"),
    "XOR 4 bits": ("confirm_xor4", "06_bitwise_xor_history.json"),  # deviation 7
    "XOR float32": ("confirm_xor_float32", "06_bitwise_xor_history.json"),
    "transformer": ("confirm_transformer", "09_transformer_history.json"),
}
GROKKING_TASKS = ("mod 31", "S4", "XOR")


def confirmatory_histories(root):
    """{label: History} of the confirmatory runs committed under `root` (sweeps/); a label
    whose sweep has not landed yet is absent (`missing_runs` names them)."""
    import glob
    import os

    from .history import History
    found = {}
    for label, (sweep, file_name) in CONFIRM_SWEEPS.items():
        paths = sorted(glob.glob(os.path.join(root, sweep, "[0-9a-f]*", file_name)))
        if len(paths) > 1:
            raise ValueError(f"{sweep} holds {len(paths)} runs of {file_name}; the plan has one")
        if paths:
            found[label] = History.load(paths[0])
    return found


SENSITIVITY_DIR = "confirm_sensitivity"  # sweeps/<this>/<task>/<row>.json: rows 4-7 (section 6)


def slug(name):
    """A file name for a task or a sensitivity row ("mod 31" -> "mod_31")."""
    return "".join(c if c.isalnum() else "_" for c in name.lower()).strip("_")


def sensitivity_from(root, histories):
    """{row name: {task: (History, layer)}} of the rows 4-7 measured so far under
    root/SENSITIVITY_DIR (`sweeps/remeasure_confirmatory.py`), for the tasks in `histories`;
    `table_for(..., measured=...)` takes it. A row not measured is absent."""
    import os

    from .history import History
    from .remeasure import sensitivity_variants
    out = {}
    for task, history in histories.items():
        if task not in GROKKING_TASKS:
            continue
        for name in sensitivity_variants(history):
            path = os.path.join(root, SENSITIVITY_DIR, slug(task), f"{slug(name)}.json")
            if os.path.exists(path):
                measured = History.load(path)
                out.setdefault(name, {})[task] = (measured, next(iter(measured.lmn)))
    return out


def missing_runs(histories):
    """The labels of CONFIRM_SWEEPS that `histories` lacks."""
    return [label for label in CONFIRM_SWEEPS if label not in histories]


def fragile_because(row):
    """The sensitivity rows under which `row`'s verdict differs from its primary verdict."""
    skip = {"family", "claim", "statistic", "value", "n", "p", "verdict", "fragile"}
    return [name for name, verdict in row.items()
            if name not in skip and verdict not in (row["verdict"], *UNMEASURED)]


def text_rows(rows):
    """Claim, statistic, n, verdict and what makes it fragile, a line each (nbval-checked)."""
    lines = []
    for row in rows:
        moved = fragile_because(row)
        mark = f"  FRAGILE ({', '.join(moved)})" if moved else ""
        lines.append(f"{row['claim']}\n    {row['statistic']} {row['value']}; n {row['n']}"
                     f" -> {row['verdict']}{mark}")
    return "\n".join(lines)


def table_for(histories, layer="hidden1", measured=None):
    """The plan's table of the grokking tasks in `histories` ({label: History}), with the
    alternative window as a sensitivity row, and one row per entry of `measured` ({row name:
    {label: (History, layer)}}, LMN measured another way: `remeasure.sensitivity_histories`)."""
    tasks = [t for t in GROKKING_TASKS if t in histories]
    primary = {t: seed_statistics(histories[t], layer) for t in tasks}
    variants = {"alternative window": {t: seed_statistics(histories[t], layer, alternative=True)
                                       for t in tasks}}
    for name, per_task in (measured or {}).items():
        variants[name] = {t: seed_statistics(h, at) for t, (h, at) in per_task.items()
                          if t in tasks}
    return confirmatory_table(primary, variants)


def same_seeds_reference(histories, measured, layer="hidden1"):
    """{claim: primary verdict} on the seeds that rows 4-7 read (`measured`, as `table_for`
    takes it), with LMN measured the primary way: beside a row 4-7, it tells a verdict moved
    by fewer seeds from one moved by measuring LMN another way. A reading aid, not a
    sensitivity row: it marks nothing fragile."""
    seeds = {}
    for per_task in measured.values():
        for task, (history, _) in per_task.items():
            if task in GROKKING_TASKS:
                seeds[task] = history.seeds
    subsets = {task: histories[task].subset([histories[task].seeds.index(s) for s in chosen])
               for task, chosen in seeds.items()}
    return verdicts(claim_tests({task: seed_statistics(subsets[task], layer)
                                 for task in GROKKING_TASKS if task in subsets}))


def why_moved(row, reference, names):
    """{row name: cause} for each of `names` (rows 4-7) under which `row`'s verdict moves:
    "fewer seeds" where the primary measurement on the same seeds (`same_seeds_reference`)
    gives that verdict too, else "measured another way"."""
    return {name: "fewer seeds" if reference.get(row["claim"]) == row[name]
            else "measured another way"
            for name in names if row.get(name) not in (row["verdict"], *UNMEASURED, None)}


# the plan's tolerance sensitivity of the counting claims (section 5); 5% is the primary rule
PRIMARY_TOLERANCE = 0.05
TOLERANCES = (0.0, 0.02, 0.05, 0.1, 0.2)


def _fragile_under(verdict_at):
    """"tolerance T: verdict" for each of the plan's other tolerances whose verdict differs
    from the primary one (verdict_at(tolerance) -> verdict)."""
    primary = verdict_at(PRIMARY_TOLERANCE)
    return [f"tolerance {t:.0%}: {v}" for t in TOLERANCES if t != PRIMARY_TOLERANCE
            and (v := verdict_at(t)) != primary]


def _double_descent_row(xor, controls, layer, tolerance):
    test = double_descent_test(xor, controls, layer, tolerance)
    return dict(claim="XOR: LMN descends twice after generalising (double descent)",
                value=(f"{test['hits']} of {test['total']} seeds [{test['low']:.2f}, "
                       f"{test['high']:.2f}]; controls {test['control_hits']} of "
                       f"{test['control_total']}; Fisher p {test['p']:.3g}"),
                n=test["total"], verdict=test["verdict"])


def _turning_point_rows(history, label, bits, layer, tolerance):
    rows = []
    for kind, (hits, total) in turning_points(history, bits, layer, tolerance).items():
        low, high = fraction_interval(hits, total) if total else (np.nan, np.nan)
        target = f"{3 * bits} and {4 * bits}" if kind == "absolute" else "maximum / minimum 4/3"
        rows.append(dict(claim=f"{label}: turning points near {target} ({kind})",
                         value=f"{hits} of {total} seeds [{low:.2f}, {high:.2f}]",
                         n=total, verdict=count_verdict(hits, total)))
    return rows


def counting_rows(histories, layer="hidden1"):
    """The plan's section-5 rows that `histories` allow, each dict(claim, value, n, verdict,
    fragile_under): XOR's double descent against the pooled controls (mod 31, S4), the float32
    comparison, and the turning points of 5-bit and 4-bit XOR, absolute and scale-free
    (fractions of the seeds that generalised); each at the primary 5% tolerance, with the
    other tolerances of the plan under which its verdict differs."""
    rows = []
    if "XOR" in histories:
        controls = [histories[t] for t in ("mod 31", "S4") if t in histories]
        row_at = lambda t: _double_descent_row(histories["XOR"], controls, layer, t)  # noqa: E731
        rows.append({**row_at(PRIMARY_TOLERANCE),
                     "fragile_under": _fragile_under(lambda t: row_at(t)["verdict"])})
    if "XOR" in histories and "XOR float32" in histories:
        row_at = lambda t: float32_row(histories["XOR float32"], histories["XOR"], layer, t)  # noqa: E731
        rows.append({**row_at(PRIMARY_TOLERANCE),
                     "fragile_under": _fragile_under(lambda t: row_at(t)["verdict"])})
    for label, bits in (("XOR", 5), ("XOR 4 bits", 4)):
        if label not in histories:
            continue
        at = {t: _turning_point_rows(histories[label], label, bits, layer, t) for t in TOLERANCES}
        for k, row in enumerate(at[PRIMARY_TOLERANCE]):
            rows.append({**row, "fragile_under": _fragile_under(lambda t: at[t][k]["verdict"])})
    return rows


def float32_row(float32, mixed, layer="hidden1", tolerance=0.05):
    """Plan, section 5: the double descent's frequency in float32 against mixed precision on the
    same seeds (the mixed run's seeds that the float32 run has), Fisher's exact test two-sided;
    "supported" meaning more often in float32."""
    shared = [s for s in float32.seeds if s in mixed.seeds]
    (hits, total), (mixed_hits, mixed_total) = (
        double_descent_count(h.subset([h.seeds.index(s) for s in shared]), layer, tolerance)
        for h in (float32, mixed))
    p = fisher_p(hits, total, mixed_hits, mixed_total) if total and mixed_total else np.nan
    more = hits / total > mixed_hits / mixed_total if total and mixed_total else False
    verdict = ("not measured" if not np.isfinite(p) else
               "not distinguished" if p >= ALPHA else "supported" if more else "contradicted")
    return dict(claim="XOR: the double descent is a float32 effect (more often than in mixed "
                      "precision)",
                value=f"seeds {len(shared)}; with the shape, of those that generalised: float32 "
                      f"{hits} of {total}, mixed {mixed_hits} of {mixed_total}; Fisher p {p:.3g}",
                n=len(shared), verdict=verdict)


def float32_shape(float32, mixed, layer="hidden1", tolerance=PRIMARY_TOLERANCE):
    """What the float32 row's double descents are made of: the second minimum of each float32
    seed with the shape (sorted), the lowest LMN the same seeds reach in mixed precision, and
    the float32 train loss's lowest and last value per seed."""
    shapes = [found for found in double_descents(float32, layer, tolerance) if found]
    rows = [mixed.seeds.index(seed) for seed in float32.seeds if seed in mixed.seeds]
    loss = np.asarray(float32.metrics["train_loss"])
    return dict(second_minima=sorted(float(k[1]) for _, _, k in shapes),
                mixed_lowest=float(min(min(mixed.lmn[layer][row]) for row in rows)),
                lowest_loss=loss.min(axis=1), final_loss=loss[:, -1])


def markdown_rows(rows, extra_rows=()):
    """The confirmatory table as Markdown (what notebook 08 writes and the README shows): one
    line per claim with its statistic, mean and t-interval, n, verdict and, where a sensitivity
    row moves it, which; then `extra_rows` (phase steps, counting claims: claim, value, n,
    verdict, and `fragile_under` where the row has one)."""
    lines = ["| claim | statistic | value | n | verdict | fragile under |", "|---|---|---|---|---|---|"]
    for row in rows:
        moved = ", ".join(fragile_because(row)) or "-"
        lines.append("| " + " | ".join(cell(v) for v in (
            row["claim"], row["statistic"], row["value"], row["n"], row["verdict"], moved)) + " |")
    for row in extra_rows:
        moved = ", ".join(row.get("fragile_under", ())) or "-"
        lines.append("| " + " | ".join(cell(v) for v in (
            row["claim"], "-", row["value"], row["n"], row["verdict"], moved)) + " |")
    return "\n".join(lines) + "\n"


def paper_linearity_rows(rows):
    """The paper's claim "LMN linear in the test loss, L2 not" per task and axis, from the
    verdicts of its two parts (a) and (b) in `rows` (`combined_linearity`)."""
    by_claim = {r["claim"]: r["verdict"] for r in rows}
    out = []
    for task in GROKKING_TASKS:
        for on in ("test loss", "log test loss"):
            a, b = f"{task}: (a) LMN linear in {on}", f"{task}: (b) L2 not linear in {on}"
            if a in by_claim and b in by_claim:
                out.append(dict(claim=f"{task}: LMN linear in {on}, L2 not (the paper's claim)",
                                value=f"(a) {by_claim[a]}, (b) {by_claim[b]}", n="-",
                                verdict=combined_linearity(by_claim, task, on)))
    return out


def confirmatory_report(histories, layer="hidden1", measured=None):
    """(rows, extra_rows) of the confirmatory table for `histories` (`confirmatory_histories`):
    the tested claims (`table_for`), then the rows that are not tests of a mean: the phase
    steps against the paper's, the paper's combined linearity claim and the counting claims.
    Notebook 08 prints and writes them (`markdown_rows`); the README's test recomputes them."""
    rows = table_for(histories, layer, measured)
    if "transformer" in histories:
        rows += transformer_rows(histories["transformer"])
    extra = phase_step_rows(histories["mod 31"], "mod 31") if "mod 31" in histories else []
    extra += paper_linearity_rows(rows) + counting_rows(histories, layer)
    return rows, extra


def extra_text(extra_rows):
    """The extra rows a line each (nbval-checked)."""
    return "\n".join(f"{r['claim']}\n    {r['value']}; n {r['n']} -> {r['verdict']}"
                     + (f"  FRAGILE ({', '.join(r['fragile_under'])})"
                        if r.get("fragile_under") else "") for r in extra_rows)
