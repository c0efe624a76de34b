"""Figure helpers: one house style, and saving with stable names and no dates in metadata."""
import os

import matplotlib.pyplot as plt
import numpy as np

from .folders import write_atomically

PHASE_COLOURS = {"memorising": "#f4cccc", "generalising": "#fff2cc", "finalising": "#d9ead3"}


def save_figure(fig, name, output_dir="figures", formats=("png", "pdf")):
    """Write fig to output_dir/name.{png,pdf}, reproducibly (no creation dates) and atomically
    (an interrupted run leaves the previous file). Returns the paths."""
    paths = []
    for fmt in formats:
        metadata = {"CreationDate": None, "Producer": None} if fmt == "pdf" else {"Software": None}
        paths.append(write_atomically(
            os.path.join(output_dir, f"{name}.{fmt}"),
            lambda tmp: fig.savefig(tmp, format=fmt, dpi=150, bbox_inches="tight", metadata=metadata)))
    return paths


def plot_band(ax, steps, values, label=None, colour=None, log_y=False):
    """Mean over seeds (rows of values) with a min-max band; a single seed is a plain line."""
    values = np.atleast_2d(values)
    line, = ax.plot(steps, values.mean(0), label=label, color=colour)
    if len(values) > 1:
        ax.fill_between(steps, values.min(0), values.max(0), color=line.get_color(), alpha=0.25)
    if log_y:
        ax.set_yscale("log")
    return line


def shade_phases(ax, memorised, generalised, last_step):
    """Shade the memorising, generalising and finalising phases (steps may be None)."""
    start = 0
    for phase, end in (("memorising", memorised), ("generalising", generalised),
                       ("finalising", last_step)):
        if end is None:
            end = last_step
        if end > start:
            ax.axvspan(max(start, 1), end, color=PHASE_COLOURS[phase], alpha=0.6, lw=0)
        start = max(start, end)


def _median_phase(history, threshold):
    from .history import phase_steps
    per_seed = phase_steps(history, threshold)
    med = lambda xs: int(np.median(xs)) if xs else None  # noqa: E731
    return (med([m for m, _ in per_seed if m is not None]),
            med([g for _, g in per_seed if g is not None]))


def plot_grokking_row(history, layer="hidden1", threshold=1.0, title=""):
    """The paper's Figure 2 row: accuracy, LMN, L2 norm and test loss against step (log axis),
    mean and min-max band over seeds, the median phases shaded."""
    fig, axes = plt.subplots(1, 4, figsize=(17, 3.8))
    steps, lmn_steps = history.steps, history.lmn_steps
    shown, lmn_shown = steps > 0, lmn_steps > 0
    memorised, generalised = _median_phase(history, threshold)
    panels = [("accuracy", None), (f"LMN ({layer})", None), ("L2 norm of parameters", None),
              ("test loss", None)]
    for ax, (label, _) in zip(axes, panels):
        shade_phases(ax, memorised, generalised, int(steps[-1]))
        ax.set_xscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    m = history.metrics
    plot_band(axes[0], steps[shown], m["train_acc"][:, shown], "train", "C0")
    plot_band(axes[0], steps[shown], m["test_acc"][:, shown], "test", "C3")
    axes[0].legend(loc="lower right")
    plot_band(axes[1], lmn_steps[lmn_shown], history.lmn[layer][:, lmn_shown], colour="C2")
    plot_band(axes[2], steps[shown], m["l2_norm"][:, shown], colour="C4")
    plot_band(axes[3], steps[shown], m["test_loss"][:, shown], colour="C3", log_y=True)
    fig.suptitle(f"{title} ({len(history.seeds)} seeds: mean, min-max band; shading: "
                 "memorising / generalising / finalising, median over seeds)")
    fig.tight_layout()
    return fig


def plot_fits(history, fits, layer="hidden1", threshold=1.0, title=""):
    """LMN and L2 against test loss in each seed's generalising phase, with linear fits."""
    from .analysis import generalising_mask
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    test_loss, l2 = history.at_lmn_steps("test_loss"), history.at_lmn_steps("l2_norm")
    for row, fit in enumerate(fits):
        mask = generalising_mask(history, row, threshold)
        for ax, y, key in ((axes[0], history.lmn[layer][row], "lmn_r2"), (axes[1], l2[row], "l2_r2")):
            x, yy = test_loss[row, mask], y[mask]
            ax.plot(x, yy, "o", ms=4, color=f"C{row}", label=f"seed {fit['seed']}: R²={fit[key]:.2f}")
            if len(x) >= 3 and np.ptp(x) > 0:
                a, b = np.polyfit(x, yy, 1)
                xs = np.linspace(x.min(), x.max(), 2)
                ax.plot(xs, a * xs + b, "-", color=f"C{row}", alpha=0.6)
    for ax, label in zip(axes, (f"LMN ({layer})", "L2 norm")):
        ax.set_xlabel("test loss")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"{title}: generalising phase, one point per LMN checkpoint")
    fig.tight_layout()
    return fig
