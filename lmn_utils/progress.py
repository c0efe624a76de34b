"""Which measure moves first around generalisation: half-way steps and leads (notebook 09).

A hidden progress measure (Nanda et al. 2023) moves before test accuracy does. To compare
measures with different units and directions, each is read as the step at which it has covered
half of its change over a seed's window, from the memorisation step to the last step: its
*half-way step* (linear interpolation between the steps it was measured at). A measure's *lead*
is the test accuracy's half-way step minus its own: positive when it moves first.
"""
import numpy as np

from .analysis import bootstrap_mean_interval, interval_verdict
from .history import phase_steps


def halfway_step(steps, values, start, end, fraction=0.5):
    """First step in [start, end] at which `values` has covered `fraction` (default half) of
    its change from its value at `start` to its value at `end` (both read by linear
    interpolation); nan if it does not change."""
    steps, values = np.asarray(steps, dtype=float), np.asarray(values, dtype=float)
    if not steps[0] <= start < end <= steps[-1]:
        raise ValueError(f"the window [{start}, {end}] must lie within the measured steps "
                         f"[{steps[0]:.0f}, {steps[-1]:.0f}]")
    inside = (steps > start) & (steps < end)
    xs = np.concatenate([[start], steps[inside], [end]])
    ys = np.interp(xs, steps, values)
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must be in (0, 1), got {fraction!r}")
    target = ys[0] + fraction * (ys[-1] - ys[0])
    if ys[0] == ys[-1]:
        return np.nan
    side = np.sign(ys[0] - target)
    k = int(np.argmax(np.sign(ys - target) != side))  # the first point past half-way
    y0, y1 = ys[k - 1], ys[k]
    return float(xs[k - 1] + (xs[k] - xs[k - 1]) * (y0 - target) / (y0 - y1))


def measure_series(history, row, name):
    """(steps, values) of seed `row`: a recorded metric, or LMN of a layer ("lmn:<layer>")."""
    if name.startswith("lmn:"):
        return history.lmn_steps[row], history.lmn[name[4:]][row]
    return history.steps, history.metrics[name][row]


def halfway_table(history, measures, fraction=0.5):
    """Per seed that memorises: its window and the half-way step (or the step at another
    `fraction` of the change) of each measure."""
    rows = []
    for row, memorised, _ in history.phases():
        if memorised is None:
            continue
        end = int(history.steps[-1])
        entry = {"seed": history.seeds[row], "memorised": memorised, "end": end}
        for name in measures:
            steps, values = measure_series(history, row, name)
            entry[name] = halfway_step(steps, values, memorised, min(end, int(steps[-1])), fraction)
        rows.append(entry)
    return rows


def leads(table, name, reference="test_acc"):
    """Per seed, reference's half-way step minus name's (> 0: name moves first)."""
    return np.array([r[reference] - r[name] for r in table])


def lead_verdict(values):
    """'before' / 'after' test accuracy when the 95% bootstrap interval of the mean lead lies
    above / below 0, else 'not distinguished' (n < 2: 'not measured')."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) < 2:
        return dict(mean=np.nan, low=np.nan, high=np.nan, n=len(values), verdict="not measured")
    low, high = bootstrap_mean_interval(values)
    return dict(mean=float(values.mean()), low=low, high=high, n=len(values),
                verdict=interval_verdict(low, high, above="before", below="after"))


def progress_curves(history, row, measures, grid):
    """Each measure's progress on `grid` (0 at the memorisation step, 1 at the last step):
    (value - value at memorisation) / (value at end - value at memorisation); nan before the
    memorisation step."""
    memorised, _ = phase_steps(history)[row]
    curves = {}
    for name in measures:
        steps, values = measure_series(history, row, name)
        first, last = np.interp([memorised, steps[-1]], steps, values)
        change = last - first
        progress = (np.interp(grid, steps, values) - first) / change if change else grid * np.nan
        curves[name] = np.where(np.asarray(grid) >= memorised, progress, np.nan)
    return curves
