"""How well the nonlinearity penalty's cheap signal follows the exact LMN over a finished run.

The penalty (`signals.sampled_nonlinearity`) reads a few dozen random pairs of inputs per
step; the metric reads every pair. Over one run's weight snapshots (`train.load_snapshots`),
`signal_course` evaluates the signal at each seed's LMN steps on fresh pairs, drawn as training
draws them (from each seed's training inputs, or from all inputs), and also evaluates it with
the *previous* step's pairs, so that its change between two LMN steps is measured on the same
pairs at both ends (common random numbers: a change not swamped by the sampling of pairs).

`tracking_rows` then asks three things per seed, because both LMN and the signal trend with
training time and a shared trend alone makes two series rank alike:
- levels: Spearman's rho of the signal against the exact LMN over the LMN steps;
- beyond time: the partial Spearman correlation, controlling for log(step + 1);
- changes: Spearman's rho of the signal's changes against LMN's between consecutive LMN steps;
and gives, for comparison, the same for quantities anyone has for free (the step itself, the
train loss, the L2 norm) against LMN.
"""
import numpy as np
import torch
from scipy import stats

from .prepare import build_stack
from .signals import draw_pairs, sampled_nonlinearity
from .tasks import make_task
from .train import TrainConfig

TRACKING_SALT = 4243  # the pairs' generator seed: seed * 1000003 + salt (as in signals.py)
POOLS = ("train", "all")


def _pools(config, task, pool):
    """The inputs each seed's pairs are drawn from: [S, M, 2] (train) or [M, 2] (all)."""
    if pool == "all":
        return task.inputs
    return torch.stack([task.inputs[task.split(config.train_frac, seed)[0]]
                        for seed in config.seeds])


def signal_course(history, snapshots, pairs=64, pool="train"):
    """Per seed, (levels, changes): the sampled nonlinearity (mean 1 - L_ij over `pairs` fresh
    pairs from `pool`) at each of its LMN steps, and its change from each LMN step to the next
    measured on the earlier step's pairs (one fewer than the levels)."""
    if not isinstance(pairs, int) or isinstance(pairs, bool) or pairs < 1:
        raise ValueError(f"pairs must be an int >= 1, got {pairs!r}")
    if pool not in POOLS:
        raise ValueError(f"pool must be one of {list(POOLS)}, got {pool!r}")
    config = TrainConfig.from_history(history)
    if config.model != "embed_mlp":
        raise ValueError(f"the signal is built for model='embed_mlp', not {config.model!r}")
    task = make_task(config.task, **config.task_params)
    stack = build_stack(config, task).to(torch.float64)
    inputs = _pools(config, task, pool)
    generators = [torch.Generator().manual_seed(int(s) * 1000003 + TRACKING_SALT)
                  for s in config.seeds]
    levels = [[] for _ in history.seeds]
    changes = [[] for _ in history.seeds]
    previous = [None] * len(history.seeds)  # (pairs i, pairs j, level) at the seed's last step
    own_steps = [set(int(s) for s in steps) for steps in history.lmn_steps]
    for step in sorted(set().union(*own_steps)):
        stack.load_state_dict({k: v.to(torch.float64) for k, v in snapshots[step].items()})
        i, j = draw_pairs(generators, inputs.shape[-2], pairs)
        with torch.no_grad():
            level = sampled_nonlinearity(stack, inputs, i, j).numpy()
            if any(p is not None for p in previous):
                old_i = torch.stack([p[0] if p else i[r] for r, p in enumerate(previous)])
                old_j = torch.stack([p[1] if p else j[r] for r, p in enumerate(previous)])
                again = sampled_nonlinearity(stack, inputs, old_i, old_j).numpy()
        for row, steps in enumerate(own_steps):
            if step not in steps:
                continue
            if previous[row] is not None:
                changes[row].append(again[row] - previous[row][2])
            levels[row].append(level[row])
            previous[row] = (i[row], j[row], level[row])
    return [(np.array(a), np.array(b)) for a, b in zip(levels, changes)]


def partial_spearman(x, y, control):
    """Spearman's rho of x and y with `control` partialled out: the Pearson correlation of the
    residuals of rank(x) and rank(y) after a least-squares line on rank(control)."""
    ranks = [stats.rankdata(v) for v in (x, y, control)]
    design = np.stack([np.ones(len(x)), ranks[2]], 1)
    residuals = [r - design @ np.linalg.lstsq(design, r, rcond=None)[0] for r in ranks[:2]]
    if min(np.ptp(r) for r in residuals) < 1e-12:
        return np.nan
    return float(stats.pearsonr(*residuals).statistic)


def _rho(x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return np.nan
    return float(stats.spearmanr(x, y).statistic)


def tracking_rows(history, course, layer=None):
    """Per seed: rho (levels), partial rho controlling for log(step + 1), and rho of the changes,
    of the signal `course` (`signal_course`) against the exact LMN at `layer` (the history's
    first); and the same three for -log(step + 1), the train loss and the L2 norm, for
    comparison."""
    layer = layer or next(iter(history.lmn))
    rows = []
    for row, (seed, exact, (signal, signal_changes)) in enumerate(
            zip(history.seeds, history.lmn[layer], course)):
        steps = np.asarray(history.lmn_steps[row], dtype=float)
        time = np.log(steps + 1)
        others = {"step": -time, "train loss": history.at_lmn_steps("train_loss", row),
                  "L2": history.at_lmn_steps("l2_norm", row)}
        entry = {"seed": int(seed), "steps": len(exact),
                 "signal": _rho(signal, exact),
                 "signal beyond time": partial_spearman(signal, exact, time),
                 "signal changes": _rho(signal_changes, np.diff(exact))}
        for name, values in others.items():
            entry[name] = _rho(values, exact)
            entry[f"{name} changes"] = (_rho(np.diff(values), np.diff(exact))
                                        if name != "step" else np.nan)
            if name != "step":
                entry[f"{name} beyond time"] = partial_spearman(values, exact, time)
        rows.append(entry)
    return rows


def tracking_summary(rows):
    """{column: (median, min, max, seeds above 0)} over seeds, for every correlation column."""
    out = {}
    for key in rows[0]:
        if key in ("seed", "steps"):
            continue
        values = np.array([r[key] for r in rows], dtype=float)
        values = values[np.isfinite(values)]
        if len(values):
            out[key] = dict(median=float(np.median(values)), min=float(values.min()),
                            max=float(values.max()), positive=int((values > 0).sum()),
                            seeds=int(len(values)))
    return out
