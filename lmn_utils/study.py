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


def ranks(values):
    """Ranks 1..n of `values`, ties given their average rank."""
    _, where, counts = np.unique(np.asarray(values, dtype=float), return_inverse=True,
                                 return_counts=True)
    last = np.cumsum(counts)  # the rank of each distinct value's last copy
    return ((last - counts + 1 + last) / 2)[where]


def _centred_ranks(values, groups):
    out = np.empty(len(values))
    for group in np.unique(groups):
        members = groups == group
        out[members] = ranks(values[members]) - ranks(values[members]).mean()
    return out


def rank_correlation(x, y, groups=None):
    """Spearman's rho of x and y; with `groups`, of the within-group ranks (nan if undefined)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    groups = np.zeros(len(x)) if groups is None else np.asarray(groups)
    rx, ry = _centred_ranks(x, groups), _centred_ranks(y, groups)
    scale = np.sqrt((rx ** 2).sum() * (ry ** 2).sum())
    return float((rx * ry).sum() / scale) if scale > 0 else float("nan")


def _interval(statistic, groups, level, resamples, seed):
    """Percentile bootstrap interval of statistic(rows): rows resampled with replacement within
    each group (seeded); resamples where the statistic is undefined (all values tied) skipped."""
    rng = np.random.default_rng(seed)
    members = [np.flatnonzero(groups == g) for g in np.unique(groups)]
    draws = np.array([statistic(np.concatenate([rng.choice(m, len(m)) for m in members]))
                      for _ in range(resamples)])
    draws = draws[np.isfinite(draws)]
    tail = (1 - level) / 2
    return float(np.quantile(draws, tail)), float(np.quantile(draws, 1 - tail))


def correlation_test(x, y, groups=None, level=0.95, resamples=4000, seed=0):
    """dict(rho, low, high, n, verdict): the rank correlation of the pairs where both values are
    finite, its percentile bootstrap interval (pairs resampled with replacement, within their
    group when grouped; seeded), and "positive" / "negative" when the interval lies above /
    below 0, "not distinguished" when it holds 0, "not measured" under 4 pairs."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    groups = np.zeros(len(x)) if groups is None else np.asarray(groups)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y, groups = x[keep], y[keep], groups[keep]
    if len(x) < 4:
        return dict(rho=np.nan, low=np.nan, high=np.nan, n=int(len(x)), verdict="not measured")
    low, high = _interval(lambda rows: rank_correlation(x[rows], y[rows], groups[rows]),
                          groups, level, resamples, seed)
    return dict(rho=rank_correlation(x, y, groups), low=low, high=high, n=int(len(x)),
                verdict=interval_verdict(low, high, above="positive", below="negative"))


def compare_correlations(x_first, x_second, y, groups=None, level=0.95, resamples=4000, seed=0):
    """dict(difference, low, high, n, verdict): rank correlation of x_first with y minus that of
    x_second with y, in absolute value (which orders y more strongly, whatever the sign), over
    the rows where all three are finite; its bootstrap interval resamples rows (within groups),
    the same rows for both, and the verdict is "first" / "second" when the interval lies above /
    below 0, "not distinguished" when it holds 0, "not measured" under 4 rows."""
    x_first, x_second, y = (np.asarray(v, dtype=float) for v in (x_first, x_second, y))
    groups = np.zeros(len(y)) if groups is None else np.asarray(groups)
    keep = np.isfinite(x_first) & np.isfinite(x_second) & np.isfinite(y)
    x_first, x_second, y, groups = x_first[keep], x_second[keep], y[keep], groups[keep]
    if len(y) < 4:
        return dict(difference=np.nan, low=np.nan, high=np.nan, n=int(len(y)),
                    verdict="not measured")

    def gap(rows):
        return (abs(rank_correlation(x_first[rows], y[rows], groups[rows]))
                - abs(rank_correlation(x_second[rows], y[rows], groups[rows])))

    low, high = _interval(gap, groups, level, resamples, seed)
    return dict(difference=float(gap(np.arange(len(y)))), low=low, high=high, n=int(len(y)),
                verdict=interval_verdict(low, high, above="first", below="second"))


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
