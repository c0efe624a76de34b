"""Printed summaries shared by the grokking notebooks 04-06 (one task each, the same shape).

Every number is rounded, so the notebooks' checked outputs are stable (nbval).
"""
import functools
import json

import numpy as np

from .analysis import format_table, mean_and_spread
from .signals import describe_signals


def describe_run(task, config):
    signals = describe_signals(config)
    return (f"{task.name}: {len(task.labels)} pairs, {task.num_classes} classes, "
            f"{len(config.seeds)} seeds, {config.steps} steps, {config.dtype}"
            + (f"; with {signals}" if signals else ""))


def phase_summary(phases, paper_steps=None):
    """The per-seed phase table of `analysis.phase_table`, then mean ± std of both steps
    (seeds that never get there are left out of the mean), with the paper's steps if given."""
    mem = mean_and_spread([r["memorised"] for r in phases])
    gen = mean_and_spread([r["generalised"] for r in phases])
    never = [r["seed"] for r in phases if r["generalised"] is None]
    paper = ("", "") if paper_steps is None else tuple(f" (paper: about {s})" for s in paper_steps)
    return "\n".join([
        format_table(phases, digits=2),
        f"memorised at step {_mean_steps(mem)}{paper[0]}; "
        f"generalised at step {_mean_steps(gen)}{paper[1]}",
        f"seeds that never reach 100% test accuracy: {never if never else 'none'}"])


def _mean_steps(pair):
    return "n/a (no seed)" if np.isnan(pair[0]) else f"{pair[0]:.0f} ± {pair[1]:.0f}"


def fit_summary(fits):
    """The per-seed fit table of `analysis.fit_table` and the mean R^2 and curvature gains."""
    mean = {k: mean_and_spread([r[k] for r in fits]) for k in ("lmn_r2", "l2_r2", "lmn_curv", "l2_curv")}
    show = lambda k: f"{mean[k][0]:.3f} ± {mean[k][1]:.3f}"  # noqa: E731
    return "\n".join([
        format_table(fits, digits=3),
        f"R^2 of a line: LMN {show('lmn_r2')}, L2 {show('l2_r2')}; "
        f"curvature gain: LMN {show('lmn_curv')}, L2 {show('l2_curv')}"])


def lmn_drop_summary(history, layer):
    """How far LMN falls from its peak by the end of training, averaged over seeds."""
    drop = [values.max() / values[-1] for values in history.lmn[layer]]
    return f"LMN falls from its peak by a factor {np.mean(drop):.1f} on average by the end of training"


def schedule_summary(history):
    """How many LMN measurements each seed got (the phase-aware schedule, schedule.py), and on
    which inputs when LMN was measured on a subset of them (samples.py)."""
    counts = [len(s) for s in history.lmn_steps]
    note = lmn_samples_note(history)
    spread = f"{min(counts)}" if min(counts) == max(counts) else f"{min(counts)}-{max(counts)}"
    return (f"LMN measured at {spread} steps per seed "
            f"({sum(counts)} evaluations per layer in all)" + (f", on {note}" if note else ""))


@functools.lru_cache(maxsize=16)
def task_size(name, params_json):
    """The number of inputs of a task, built once per (name, parameters) in a process (S5's
    14400 pairs are not rebuilt for every printout and figure)."""
    from .tasks import make_task
    return len(make_task(name, **json.loads(params_json)).labels)


def lmn_samples_note(history, short=False):
    """'' when LMN saw every input, else e.g. '2048 of 14400 inputs (a fixed random subset)'.
    Read from the history's record of LMN's inputs; rebuilt from its config for older files."""
    from .samples import describe_samples, sample_rows
    if history.lmn_inputs:
        num_inputs, measured = (history.lmn_inputs[k] for k in ("num_inputs", "measured"))
        return "" if measured == num_inputs else describe_samples(num_inputs, range(measured), short)
    config = history.config
    num_inputs = task_size(config["task"], json.dumps(config["task_params"], sort_keys=True))
    rows = sample_rows(num_inputs, config.get("lmn_samples", "auto"))
    return "" if len(rows) == num_inputs else describe_samples(num_inputs, rows, short)


def turning_points_text(turns):
    """A seed's (step, LMN) minimum, maximum and minimum as text ("12.3 @ 5000, ...");
    "never generalised" for None, "none" for no candidate.

    Example:
        >>> turning_points_text([(5000, 12.34), (8000, 14.0), (20000, 9.1)])
        '12.3 @ 5000, 14.0 @ 8000, 9.1 @ 20000'
    """
    if turns is None:
        return "never generalised"
    return ", ".join(f"{value:.1f} @ {step}" for step, value in turns) if turns else "none"
