"""What the grokking notebooks (04-08) read off a History: phases, linear fits, tables.

The paper (Figure 2) says that during the generalising phase LMN is close to linear in the
test loss while the L2 norm is not, but reports no statistic; we report R^2 and Pearson r of a
least-squares line per seed, over the LMN checkpoints that fall in that seed's generalising
phase (between the memorisation and generalisation steps, both included).
"""
import numpy as np

from .history import phase_steps


def linear_fit(x, y):
    """Least-squares line y = a x + b: dict(slope, intercept, r2, pearson_r, n)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return dict(slope=np.nan, intercept=np.nan, r2=np.nan, pearson_r=np.nan, n=len(x))
    slope, intercept = np.polyfit(x, y, 1)
    r = np.corrcoef(x, y)[0, 1]
    return dict(slope=slope, intercept=intercept, r2=r * r, pearson_r=r, n=len(x))


def generalising_mask(history, seed_row, threshold=1.0, end_of_run_if_never=True):
    """Boolean mask over history.lmn_steps: the checkpoints of the generalising phase."""
    memorised, generalised = phase_steps(history, threshold)[seed_row]
    if memorised is None:
        return np.zeros(len(history.lmn_steps), dtype=bool)
    if generalised is None:
        generalised = history.lmn_steps[-1] if end_of_run_if_never else memorised
    return (history.lmn_steps >= memorised) & (history.lmn_steps <= generalised)


def fit_table(history, layer="hidden1", threshold=1.0):
    """Per seed: fits of LMN vs test loss and of L2 norm vs test loss in the generalising phase."""
    test_loss = history.at_lmn_steps("test_loss")
    l2 = history.at_lmn_steps("l2_norm")
    rows = []
    for row, seed in enumerate(history.seeds):
        mask = generalising_mask(history, row, threshold)
        lmn_fit = linear_fit(test_loss[row, mask], history.lmn[layer][row, mask])
        l2_fit = linear_fit(test_loss[row, mask], l2[row, mask])
        rows.append(dict(seed=seed, points=int(mask.sum()), lmn_r2=lmn_fit["r2"],
                         lmn_r=lmn_fit["pearson_r"], l2_r2=l2_fit["r2"], l2_r=l2_fit["pearson_r"]))
    return rows


def phase_table(history, threshold=1.0):
    """Per seed: memorisation step, generalisation step, final accuracies, LMN at start and end."""
    rows = []
    for row, (memorised, generalised) in enumerate(phase_steps(history, threshold)):
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


def linearity_gap(fits):
    """(outcome, mean, spread) of the gap R^2(LMN) - R^2(L2) over the seeds of `fit_table`.

    outcome: "lmn" (LMN more linear), "l2", "tie" (|mean| within its spread over seeds, or
    below 0.005) or "none" (no seed could be fitted). Notebooks 04-06 and 08 use it."""
    mean, spread = mean_and_spread([f["lmn_r2"] - f["l2_r2"] for f in fits])
    if np.isnan(mean):
        return "none", mean, spread
    if abs(mean) <= spread or abs(mean) < 0.005:
        return "tie", mean, spread
    return ("lmn" if mean > 0 else "l2"), mean, spread


def linearity_verdict(fits):
    """One sentence on the paper's claim "LMN is linear in the test loss, L2 is not", from the
    per-seed R^2 of `fit_table` (see `linearity_gap`: a tie is called a tie)."""
    outcome, mean, spread = linearity_gap(fits)
    if outcome == "none":
        return "no seed has a generalising phase with 3 or more LMN checkpoints: no fit"
    gap = f"R^2(LMN) - R^2(L2) = {mean:+.3f} ± {spread:.3f} over seeds"
    return {"tie": f"LMN and L2 are about equally linear in the test loss ({gap}): no evidence for the claim",
            "lmn": f"LMN is more linear in the test loss than L2 ({gap}): supports the claim",
            "l2": f"L2 is more linear in the test loss than LMN ({gap}): the claim does not hold here",
            }[outcome]


def turning_points(steps, values, start_step, min_prominence=0.5):
    """Local minima and maxima of a curve after `start_step` (to look for a double descent):
    list of (kind, step, value), keeping only extrema that differ from their neighbours'
    extrema by at least `min_prominence`."""
    steps, values = np.asarray(steps), np.asarray(values, dtype=float)
    keep = steps >= start_step
    steps, values = steps[keep], values[keep]
    extrema = []
    for k in range(1, len(values) - 1):
        if values[k] > max(values[k - 1], values[k + 1]):
            extrema.append(("max", int(steps[k]), float(values[k])))
        elif values[k] < min(values[k - 1], values[k + 1]):
            extrema.append(("min", int(steps[k]), float(values[k])))
    return [e for i, e in enumerate(extrema)
            if all(abs(e[2] - n[2]) >= min_prominence for n in extrema[max(i - 1, 0):i + 2] if n is not e)]


def double_descents(history, layer="hidden1"):
    """Per seed: True when LMN after that seed's generalisation step first falls to a minimum,
    then rises to a maximum (the paper's XOR double descent), None if it never generalised."""
    found = []
    for row, (_, generalised) in enumerate(phase_steps(history)):
        if generalised is None:
            found.append(None)
            continue
        kinds = [k for k, _, _ in turning_points(history.lmn_steps, history.lmn[layer][row], generalised)]
        found.append(kinds[:2] == ["min", "max"])
    return found


def loss_spikes(history, seed_row=0, factor=10.0, below=1e-3):
    """Record steps where the train loss jumps by more than `factor` from a value under `below`:
    the late instabilities of adaptive optimisers ("slingshots", Thilak et al. 2022)."""
    loss = history.metrics["train_loss"][seed_row]
    return [int(step) for step, before, after in zip(history.steps[1:], loss[:-1], loss[1:])
            if before < below and after > factor * before]
