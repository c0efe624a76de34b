"""How well the LMN penalty's cheap signal follows the exact LMN over a finished run.

The penalty (`signals.sampled_nonlinearity`) reads a few hundred random pairs of inputs per
step; the metric reads every pair. Over one run's weight snapshots (`train.load_snapshots`),
`signal_course` evaluates the signal at each seed's LMN steps, on fresh pairs at every step as
training would draw them, and `tracking_rows` gives, per seed, Spearman's rank correlation
(scipy.stats.spearmanr) between the signal and the exact LMN the history holds. A rank
correlation, because a penalty needs the signal to move the way LMN moves, not to equal it.
"""
import numpy as np
import torch
from scipy import stats

from .prepare import build_stack
from .signals import sampled_nonlinearity
from .tasks import make_task
from .train import TrainConfig

TRACKING_SALT = 4243  # the pairs' generator seed: seed * 1000003 + salt (as in signals.py)


def signal_course(history, snapshots, pairs=256):
    """Per seed, the sampled nonlinearity (mean 1 - L_ij over `pairs` fresh pairs of all the
    task's inputs, the label-free choice) at each of its LMN steps: a list of arrays."""
    if not isinstance(pairs, int) or isinstance(pairs, bool) or pairs < 1:
        raise ValueError(f"pairs must be an int >= 1, got {pairs!r}")
    config = TrainConfig.from_history(history)
    if config.model != "embed_mlp":
        raise ValueError(f"the signal is built for model='embed_mlp', not {config.model!r}")
    task = make_task(config.task, **config.task_params)
    stack = build_stack(config, task).to(torch.float64)
    inputs = task.inputs
    generators = [torch.Generator().manual_seed(int(s) * 1000003 + TRACKING_SALT)
                  for s in config.seeds]
    values = [np.zeros(len(steps)) for steps in history.lmn_steps]
    wanted = sorted({int(s) for steps in history.lmn_steps for s in steps})
    for step in wanted:
        stack.load_state_dict({k: v.to(torch.float64) for k, v in snapshots[step].items()})
        i, j = _fresh_pairs(generators, len(inputs), pairs)
        with torch.no_grad():
            signal = sampled_nonlinearity(stack, inputs, i, j).numpy()
        for row, steps in enumerate(history.lmn_steps):
            for k in np.flatnonzero(np.asarray(steps) == step):
                values[row][k] = signal[row]
    return values


def _fresh_pairs(generators, pool_size, pairs):
    draws = []
    for g in generators:
        i = torch.randint(pool_size, (pairs,), generator=g)
        j = torch.randint(pool_size - 1, (pairs,), generator=g)
        draws.append((i, j + (j >= i)))  # j != i
    return tuple(torch.stack(d) for d in zip(*draws))


def tracking_rows(history, course, layer=None):
    """Per seed: its seed, the number of LMN steps, and Spearman's rho between the exact LMN at
    `layer` (the history's first) and the signal `course` (from `signal_course`)."""
    layer = layer or next(iter(history.lmn))
    rows = []
    for row, (seed, exact, signal) in enumerate(zip(history.seeds, history.lmn[layer], course)):
        rho = stats.spearmanr(exact, signal).statistic if len(exact) > 2 else np.nan
        rows.append({"seed": int(seed), "steps": len(exact), "spearman": float(rho)})
    return rows


def tracking_summary(rows):
    """The median, smallest and largest rho over seeds, and how many seeds have rho > 0."""
    rho = np.array([r["spearman"] for r in rows], dtype=float)
    rho = rho[np.isfinite(rho)]
    return {"seeds": len(rho), "median": float(np.median(rho)), "min": float(rho.min()),
            "max": float(rho.max()), "positive": int((rho > 0).sum())}
