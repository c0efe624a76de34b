"""Figure helpers: one house style, and saving with stable names and no dates in metadata."""
import os

import matplotlib.pyplot as plt
import numpy as np

PHASE_COLOURS = {"memorising": "#f4cccc", "generalising": "#fff2cc", "finalising": "#d9ead3"}


def save_figure(fig, name, output_dir="figures", formats=("png", "pdf")):
    """Write fig to output_dir/name.{png,pdf}, reproducibly (no creation dates). Returns paths."""
    os.makedirs(output_dir, exist_ok=True)
    paths = []
    for fmt in formats:
        path = os.path.join(output_dir, f"{name}.{fmt}")
        metadata = {"CreationDate": None, "Producer": None} if fmt == "pdf" else {"Software": None}
        fig.savefig(path, dpi=150, bbox_inches="tight", metadata=metadata)
        paths.append(path)
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
