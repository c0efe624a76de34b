"""What the grokking notebooks (04-08) read off a History: phases, linear fits, tables.

The paper (Figure 2) says that during the generalising phase LMN is close to linear in the
test loss while the L2 norm is not, but reports no statistic. Per seed, over the LMN steps of
its generalising phase (memorisation to generalisation step, both included), we fit a line and
a parabola to LMN and to L2 against the test loss; the R^2 the parabola adds (`curvature`)
measures how far from linear each curve is, and `linearity_test` compares the two over seeds
with a bootstrap interval.
"""
import numpy as np

from .history import phase_steps


def curvature(x, y):
    """How far y is from linear in x: dict(r2_line, r2_quad, gain, share, n).

    gain = R^2 of a parabola - R^2 of the line: the fraction of y's variance that only a curved
    fit explains (0 for a straight line; for a monotone parabola, a few per cent even where the
    line alone has R^2 above 0.9). share = gain / (1 - R^2 of the line): how much of what the
    line leaves is curvature rather than scatter (the partial R^2 of x^2). `gain` is what the
    claims use: it measures the size of the departure from a line, not how systematic a tiny
    departure is. nan with fewer than 4 points."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 4 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return dict(r2_line=np.nan, r2_quad=np.nan, gain=np.nan, share=np.nan, n=len(x))
    x = (x - x.mean()) / x.std()  # conditioning only: R^2 does not depend on it
    total = ((y - y.mean()) ** 2).sum()
    r2 = [1 - ((y - np.polyval(np.polyfit(x, y, d), x)) ** 2).sum() / total for d in (1, 2)]
    gain, left = max(r2[1] - r2[0], 0.0), 1 - r2[0]
    return dict(r2_line=r2[0], r2_quad=r2[1], gain=gain,
                share=0.0 if left <= 1e-12 else gain / left, n=len(x))


def phase_end(history, row, generalised):
    """Where a seed's generalising phase ends: its generalisation step, or its last LMN step
    if it never generalised."""
    return generalised if generalised is not None else int(history.lmn_steps[row][-1])


def generalising_mask(history, row, threshold=1.0):
    """Boolean mask over history.lmn_steps[row]: the steps of that seed's generalising phase
    (up to the last step if it never generalises; empty if it never memorises)."""
    memorised, generalised = phase_steps(history, threshold)[row]
    steps = history.lmn_steps[row]
    if memorised is None:
        return np.zeros(len(steps), dtype=bool)
    return (steps >= memorised) & (steps <= phase_end(history, row, generalised))


def phase_points(history, row, layer, threshold=1.0, log_loss=False):
    """(x, LMN, L2) of seed `row` at its LMN steps in the generalising phase; x is the test loss
    or its log. What `fit_table` fits and `plotting.plot_fits` draws."""
    mask = generalising_mask(history, row, threshold)
    x = history.at_lmn_steps("test_loss", row)[mask]
    return (np.log(x) if log_loss else x, history.lmn[layer][row][mask],
            history.at_lmn_steps("l2_norm", row)[mask])


def fit_table(history, layer="hidden1", threshold=1.0, log_loss=False):
    """Per seed, in the generalising phase, against the test loss (or its log): R^2 of a line
    and the curvature gain (`curvature`: R^2 a parabola adds) of LMN and of the L2 norm."""
    rows = []
    for row, seed in enumerate(history.seeds):
        x, lmn_values, l2_values = phase_points(history, row, layer, threshold, log_loss)
        lmn, l2 = curvature(x, lmn_values), curvature(x, l2_values)
        rows.append(dict(seed=seed, points=len(x), lmn_r2=lmn["r2_line"],
                         lmn_curv=lmn["gain"], l2_r2=l2["r2_line"], l2_curv=l2["gain"]))
    return rows


def bootstrap_mean_interval(values, level=0.95, resamples=10000, seed=0):
    """Percentile bootstrap interval of the mean of `values` (resampled with replacement,
    seeded, so the same on every run). With few values (5 seeds) it is narrower than a t
    interval would be: read it as a summary of the seeds, not as exact coverage."""
    values = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), (resamples, len(values)))].mean(1)
    tail = (1 - level) / 2
    return float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail))


def interval_verdict(low, high, above="supported", below="contradicted"):
    """The verdict every interval in this project gets: `above` when the interval lies above 0,
    `below` when it lies below, "not distinguished" when it holds 0."""
    return above if low > 0 else below if high < 0 else "not distinguished"


def linearity_test(fits):
    """The paper's claim "LMN is linear in the test loss, L2 is not", over seeds.

    Per seed, d = curvature gain of L2 - curvature gain of LMN (positive: L2 the more curved,
    as the paper says). Returns dict(verdict, mean, low, high, n): "supported" when the 95%
    bootstrap interval of the mean d lies above 0, "contradicted" when below, "not
    distinguished" when it holds 0, "not measured" with fewer than 2 seeds that can be fitted."""
    d = [f["l2_curv"] - f["lmn_curv"] for f in fits if np.isfinite(f["l2_curv"] - f["lmn_curv"])]
    if len(d) < 2:
        return dict(verdict="not measured", mean=np.nan, low=np.nan, high=np.nan, n=len(d))
    low, high = bootstrap_mean_interval(d)
    return dict(verdict=interval_verdict(low, high), mean=float(np.mean(d)), low=low, high=high,
                n=len(d))


def phase_table(history, threshold=1.0):
    """Per seed: memorisation step, generalisation step, final accuracies, LMN at start and end."""
    rows = []
    for row, memorised, generalised in history.phases(threshold):
        rows.append(dict(seed=history.seeds[row], memorised=memorised, generalised=generalised,
                         final_train_acc=history.metrics["train_acc"][row, -1],
                         final_test_acc=history.metrics["test_acc"][row, -1]))
    return rows


def format_table(rows, digits=3):
    """A small fixed-width text table (rounded, so notebook outputs are stable)."""
    if not rows:
        return "(empty)"
    keys = list(rows[0])
    show = lambda v: ("-" if v is None else  # noqa: E731
                      f"{v:.{digits}f}" if isinstance(v, (float, np.floating)) else str(v))
    cells = [[show(r[k]) for k in keys] for r in rows]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    lines = ["  ".join(k.rjust(w) for k, w in zip(keys, widths))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(cell, widths)) for cell in cells]
    return "\n".join(lines)


def mean_and_spread(values):
    """(mean, std) over the finite values, or (nan, nan)."""
    values = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if len(values) == 0:
        return float("nan"), float("nan")
    return float(values.mean()), float(values.std())


def linearity_verdict(fits, axis="test loss"):
    """One sentence on the paper's linearity claim from `linearity_test` (computed, not typed)."""
    test = linearity_test(fits)
    if test["verdict"] == "not measured":
        return (f"against the {axis}: fewer than 2 seeds have 4 or more LMN steps in their "
                "generalising phase: no test")
    return (f"against the {axis}: curvature gain of L2 minus that of LMN = {test['mean']:+.4f}, "
            f"95% bootstrap interval over {test['n']} seeds "
            f"[{test['low']:+.4f}, {test['high']:+.4f}]: "
            f"{test['verdict']}")


def drop_rise_drop(values, tolerance, finished=True):
    """(i, j, k) positions of a fall, rise and fall in `values` (a curve from the generalisation
    step on), or None: values[i] <= (1 - tol) values[0], values[j] >= (1 + tol) values[i] with
    i < j, values[k] <= (1 - tol) values[j] with k > j; i and k the lowest points before and
    after j. Of several candidate peaks j, the **highest** (ANALYSIS_PLAN.md, section 5; the
    rule before the plan took the one with the largest smallest move, which could report a
    lower peak than the curve holds). finished: the second minimum must lie before the last
    point (a fall still under way at the end of training is no finished second descent)."""
    v = np.asarray(values, dtype=float)
    found = None
    for j in range(2, len(v) - 1):
        i = int(np.argmin(v[1:j])) + 1
        k = j + 1 + int(np.argmin(v[j + 1:]))
        moves = (1 - v[i] / v[0], v[j] / v[i] - 1, 1 - v[k] / v[j])
        if finished and k == len(v) - 1:
            continue
        if min(moves) > 0 and min(moves) >= tolerance and (found is None or v[j] > v[found[1]]):
            found = (i, j, k)
    return found


def double_descents(history, layer="hidden1", tolerance=0.05, finished=True):
    """Per seed: the (minimum, maximum, minimum) of LMN after its generalisation step as
    (step, value) pairs under `drop_rise_drop` with `tolerance`, False if there is none, None
    if the seed never generalised."""
    found = []
    for row, _, generalised in history.phases():
        if generalised is None:
            found.append(None)
            continue
        keep = history.lmn_steps[row] >= generalised
        steps, values = history.lmn_steps[row][keep], history.lmn[layer][row][keep]
        where = drop_rise_drop(values, tolerance, finished)
        found.append(False if where is None else
                     tuple((int(steps[p]), float(values[p])) for p in where))
    return found


def double_descent_sensitivity(history, layer="hidden1", tolerances=(0.0, 0.02, 0.05, 0.1, 0.2),
                               finished=True):
    """Rows (tolerance, seeds with a drop-rise-drop, seeds that generalised)."""
    rows = []
    for tolerance in tolerances:
        found = double_descents(history, layer, tolerance, finished)
        rows.append(dict(tolerance=tolerance, seeds=sum(bool(f) for f in found),
                         generalised=sum(f is not None for f in found)))
    return rows


def relative_change(history, layer, row, start, end):
    """(LMN at end - LMN at start) / LMN at start, both read at exactly those steps."""
    before = history.lmn_at(layer, row, start)
    return (history.lmn_at(layer, row, end) - before) / before


def phase_changes(history, name, layer="hidden1"):
    """Per seed that memorises, the relative change over its generalising phase (memorisation
    step to generalisation step, or the last step) of LMN (name "lmn") or of a recorded metric
    (e.g. "l2_norm"), read at exactly those steps. The numbers the notebooks' words state."""
    changes = []
    for row, memorised, generalised in history.phases():
        if memorised is None:
            continue
        end = phase_end(history, row, generalised)
        if name == "lmn":
            changes.append(relative_change(history, layer, row, memorised, end))
            continue
        changes.append(metric_change(history, name, row, memorised, end))
    return np.array(changes)


def metric_change(history, name, row, start, end):
    """(value at end - value at start) / value at start of a recorded metric (e.g. "l2_norm")
    of seed `row`, both read at exactly those record steps."""
    values = history.metrics[name][row]
    first, last = (int(np.flatnonzero(history.steps == s)[0]) for s in (start, end))
    return float((values[last] - values[first]) / values[first])


def peak_ratios(history, layer="hidden1"):
    """Per seed, the highest LMN measured over the LMN at step 0."""
    return np.array([values.max() / values[0] for values in history.lmn[layer]])


def loss_spikes(history, seed_row=0, factor=10.0, below=1e-3):
    """Record steps where the train loss jumps by more than `factor` from a value under `below`:
    the late instabilities of adaptive optimisers ("slingshots", Thilak et al. 2022)."""
    loss = history.metrics["train_loss"][seed_row]
    return [int(step) for step, before, after in zip(history.steps[1:], loss[:-1], loss[1:])
            if before < below and after > factor * before]


def spike_summary(history, layer="hidden1", seed_row=0):
    """The first train-loss spike of one seed (`loss_spikes`), in numbers, or None without one:
    its step; the loss at the record before it and the largest jump over it from then on; the
    record steps after it where test accuracy is below 100% and the lowest accuracy; LMN at the
    last measurement before it and at the measurements after it (steps and values)."""
    spikes = loss_spikes(history, seed_row)
    if not spikes:
        return None
    spike = spikes[0]
    loss = history.metrics["train_loss"][seed_row]
    at = int(np.searchsorted(history.steps, spike))
    after = history.steps >= spike
    accuracy_after = history.metrics["test_acc"][seed_row][after]
    lmn_steps, lmn = history.lmn_steps[seed_row], history.lmn[layer][seed_row]
    last_before = int(lmn_steps[lmn_steps < spike].max())  # step 0 is always measured
    return dict(step=spike, loss_before=float(loss[at - 1]),
                jump=float(loss[at:].max() / loss[at - 1]),
                dips=[int(s) for s in history.steps[after][accuracy_after < 1.0]],
                lowest_accuracy=float(accuracy_after.min()),
                lmn_before_step=last_before, lmn_before=history.lmn_at(layer, seed_row, last_before),
                lmn_after_steps=[int(s) for s in lmn_steps[lmn_steps > spike]],
                lmn_after=[float(v) for v in lmn[lmn_steps > spike]])
