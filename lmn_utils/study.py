"""Statistics for studies over a sweep's results table (notebook 10): rank correlations with
bootstrap intervals, optionally within groups, and per-cell summaries of a grid.

A rank (Spearman) correlation asks whether one measure orders the runs as another does, without
assuming a straight line. Over a grid, both measures may simply follow a setting (weight decay
speeds up generalisation and changes LMN's course): `correlation_test(..., groups=...)` ranks
within each group and correlates the ranks' deviations from their group's mean, so only the
ordering *inside* groups counts (a stratified Spearman correlation).
"""
import numpy as np

from .analysis import interval_verdict
from .inference import holm


def ranks(values):
    """Ranks 1..n of `values`, ties given their average rank."""
    values = np.asarray(values, dtype=float)
    return _centred_ranks(values, np.zeros(len(values))) + (len(values) + 1) / 2


def _centred_ranks(values, groups):
    """Each value's average rank within its group minus the group's mean rank, in one pass
    (sorted by group, then value; ties share the mean of their ordinal ranks)."""
    order = np.lexsort((values, groups))
    v, g = values[order], groups[order]
    position = np.arange(len(v))
    group_starts = np.r_[True, g[1:] != g[:-1]]
    run_starts = group_starts | np.r_[True, v[1:] != v[:-1]]
    ordinal = position - np.maximum.accumulate(np.where(group_starts, position, 0)) + 1
    run = np.cumsum(run_starts) - 1
    average = (np.bincount(run, weights=ordinal) / np.bincount(run))[run]
    group = np.cumsum(group_starts) - 1
    size = np.bincount(group)[group]
    out = np.empty(len(values))
    out[order] = average - (size + 1) / 2
    return out


def rank_correlation(x, y, groups=None):
    """Spearman's rho of x and y; with `groups`, of the within-group ranks (nan if undefined)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    groups = np.zeros(len(x)) if groups is None else np.asarray(groups)
    rx, ry = _centred_ranks(x, groups), _centred_ranks(y, groups)
    scale = np.sqrt((rx ** 2).sum() * (ry ** 2).sum())
    return float((rx * ry).sum() / scale) if scale > 0 else float("nan")


RESAMPLE = ("within", "clusters")


def _draws(statistic, groups, resamples, seed, resample="within"):
    """The bootstrap draws of statistic(rows, groups) (seeded; undefined draws dropped).
    "within": rows resampled with replacement inside each group; "clusters": whole groups
    resampled with replacement (a cluster bootstrap), a group drawn twice counting as two."""
    if resample not in RESAMPLE:
        raise ValueError(f"resample must be one of {RESAMPLE}, not {resample!r}")
    rng = np.random.default_rng(seed)
    members = [np.flatnonzero(groups == g) for g in np.unique(groups)]
    draws = []
    for _ in range(resamples):
        if resample == "within":
            rows = np.concatenate([rng.choice(m, len(m)) for m in members])
            draws.append(statistic(rows, groups[rows]))
        else:
            picked = rng.integers(len(members), size=len(members))
            rows = np.concatenate([members[k] for k in picked])
            labels = np.concatenate([np.full(len(members[k]), j) for j, k in enumerate(picked)])
            draws.append(statistic(rows, labels))
    draws = np.array(draws)
    return draws[np.isfinite(draws)]


def _interval(draws, level):
    tail = (1 - level) / 2
    return float(np.quantile(draws, tail)), float(np.quantile(draws, 1 - tail))


def bootstrap_p(draws):
    """Two-sided bootstrap p-value of "the statistic is 0": twice the smaller share of draws on
    either side of 0 (at most 1)."""
    draws = np.asarray(draws, dtype=float)
    return float(min(1.0, 2 * min(np.mean(draws <= 0), np.mean(draws >= 0))))


def correlation_test(x, y, groups=None, level=0.95, resamples=4000, seed=0, resample="within"):
    """dict(rho, low, high, p, n, verdict): the rank correlation of the pairs where both values
    are finite, its percentile bootstrap interval (pairs resampled with replacement, within
    their group when grouped, or whole groups with `resample="clusters"`; seeded) and
    bootstrap p, and "positive" / "negative" when the interval lies above / below 0, "not
    distinguished" when it holds 0, "not measured" under 4 pairs or where rho is undefined
    (x or y constant within every group)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    groups = np.zeros(len(x)) if groups is None else np.asarray(groups)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y, groups = x[keep], y[keep], groups[keep]
    if len(x) < 4:
        return dict(rho=np.nan, low=np.nan, high=np.nan, p=np.nan, n=int(len(x)),
                    verdict="not measured")
    rho = rank_correlation(x, y, groups)
    if not np.isfinite(rho):  # no group has two distinct values of x (or of y)
        return dict(rho=np.nan, low=np.nan, high=np.nan, p=np.nan, n=int(len(x)),
                    verdict="not measured")
    draws = _draws(lambda rows, labels: rank_correlation(x[rows], y[rows], labels),
                   groups, resamples, seed, resample)
    low, high = _interval(draws, level)
    return dict(rho=rho, low=low, high=high, p=bootstrap_p(draws),
                n=int(len(x)), verdict=interval_verdict(low, high, above="positive",
                                                        below="negative"))


def compare_correlations(x_first, x_second, y, groups=None, level=0.95, resamples=4000, seed=0,
                         resample="within"):
    """dict(difference, low, high, p, n, verdict): rank correlation of x_first with y minus that
    of x_second with y, in absolute value (which orders y more strongly, whatever the sign),
    over the rows where all three are finite; its bootstrap interval and p resample rows
    (within groups, or whole groups with `resample="clusters"`), the same rows for both, and
    the verdict is "first" / "second" when the interval lies above /
    below 0, "not distinguished" when it holds 0, "not measured" under 4 rows or where a rho
    is undefined."""
    x_first, x_second, y = (np.asarray(v, dtype=float) for v in (x_first, x_second, y))
    groups = np.zeros(len(y)) if groups is None else np.asarray(groups)
    keep = np.isfinite(x_first) & np.isfinite(x_second) & np.isfinite(y)
    x_first, x_second, y, groups = x_first[keep], x_second[keep], y[keep], groups[keep]
    if len(y) < 4:
        return dict(difference=np.nan, low=np.nan, high=np.nan, p=np.nan, n=int(len(y)),
                    verdict="not measured")

    def gap(rows, labels):
        return (abs(rank_correlation(x_first[rows], y[rows], labels))
                - abs(rank_correlation(x_second[rows], y[rows], labels)))

    difference = float(gap(np.arange(len(y)), groups))
    if not np.isfinite(difference):  # a rho undefined: a series constant within every group
        return dict(difference=np.nan, low=np.nan, high=np.nan, p=np.nan, n=int(len(y)),
                    verdict="not measured")
    draws = _draws(gap, groups, resamples, seed, resample)
    low, high = _interval(draws, level)
    return dict(difference=difference, low=low, high=high,
                p=bootstrap_p(draws), n=int(len(y)),
                verdict=interval_verdict(low, high, above="first", below="second"))


MONITOR_VERDICTS = ("monitors", "no better than the label-free alternatives",
                    "worse than the better alternative", "not distinguished from 0",
                    "not measured")


def monitor_verdict(candidate, alternatives, y, groups, level=0.95, resamples=4000, seed=0):
    """SIGNALS_PLAN.md section 4: does `candidate` (LMN's early change) order the outcome `y`
    within cells, and better than the better of the label-free `alternatives` ({name: values})?
    Over the rows where every value is finite (one set of rows, so that the statistics share
    their resamples): the candidate's within-cell rho with a cluster bootstrap; each
    comparison |rho_candidate| - |rho_alternative|, Holm across them (`p_holm`). The *better*
    alternative is the one with the larger |rho| with y. Verdict: "not distinguished from 0"
    when the candidate's rho interval holds 0; else "monitors" when the comparison with the
    better alternative has a Holm-adjusted p below 1 - level and a positive difference; "worse
    than the better alternative" when it has that p and a negative difference; otherwise "no
    better than the label-free alternatives". Returns dict(rho, comparisons={name: dict(...,
    p_holm)}, better, n, verdict)."""
    candidate, y, groups = (np.asarray(v, dtype=float) for v in (candidate, y, groups))
    alternatives = {name: np.asarray(v, dtype=float) for name, v in alternatives.items()}
    keep = np.isfinite(candidate) & np.isfinite(y)
    for values in alternatives.values():
        keep &= np.isfinite(values)
    candidate, y, groups = candidate[keep], y[keep], groups[keep]
    alternatives = {name: v[keep] for name, v in alternatives.items()}
    options = dict(groups=groups, level=level, resamples=resamples, seed=seed,
                   resample="clusters")
    rho = correlation_test(candidate, y, **options)
    comparisons = {name: compare_correlations(candidate, values, y, **options)
                   for name, values in alternatives.items()}
    for c, p in zip(comparisons.values(), holm([c["p"] for c in comparisons.values()],
                                               alpha=1 - level)):
        c["p_holm"] = float(p)
    better = max(alternatives, key=lambda name: abs(rank_correlation(alternatives[name], y,
                                                                     groups)))
    against = comparisons[better]
    if rho["verdict"] == "not measured" or against["verdict"] == "not measured":
        verdict = "not measured"
    elif rho["verdict"] == "not distinguished":
        verdict = "not distinguished from 0"
    elif against["p_holm"] < 1 - level:
        verdict = ("monitors" if against["difference"] > 0
                   else "worse than the better alternative")
    else:
        verdict = "no better than the label-free alternatives"
    return dict(rho=rho, comparisons=comparisons, better=better, n=int(keep.sum()),
                verdict=verdict)


def describe_correlation(name, test, against="delay"):
    """One line for a notebook: the statistic, its interval and the computed verdict."""
    if test["verdict"] == "not measured":
        return f"{name} vs {against}: {test['n']} pairs, not measured"
    return (f"{name} vs {against}: Spearman {test['rho']:+.2f}, 95% bootstrap interval "
            f"[{test['low']:+.2f}, {test['high']:+.2f}] over {test['n']} seeds: {test['verdict']}")


def cell_summary(rows, by, measures):
    """Per combination of the `by` columns (in first-seen order): the number of seeds, how many
    generalised, and the mean of each measure over the seeds where it is defined."""
    cells = {}
    for r in rows:
        cells.setdefault(tuple(r[k] for k in by), []).append(r)
    summary = []
    for key, members in cells.items():
        entry = dict(zip(by, key), seeds=len(members),
                     generalised=sum(m.get("generalised") is not None for m in members))
        for name in measures:
            values = [m[name] for m in members if m.get(name) is not None]
            entry[name] = float(np.mean(values)) if values else None
        summary.append(entry)
    return summary


def merge_columns(rows, other, on, columns):
    """`rows`, each with `columns` added from the row of `other` that matches it in every `on`
    column (None where no row matches; a ValueError if several do)."""
    index = {}
    for r in other:
        key = tuple(r[k] for k in on)
        if key in index:
            raise ValueError(f"several rows of the other table have {dict(zip(on, key))}")
        index[key] = r
    return [{**r, **{c: index.get(tuple(r[k] for k in on), {}).get(c) for c in columns}}
            for r in rows]
