"""Figure helpers: one house style, and saving with stable names and no dates in metadata."""
import os

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from .folders import write_atomically
from .lack_of_fit import fitted_curves

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
    if len(values) > 1:  # (nan where any seed has no value)
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
            ax.axvspan(start, end, color=PHASE_COLOURS[phase], alpha=0.6, lw=0)
        start = max(start, end)


def median_phase(history, threshold=1.0):
    """Median memorisation and generalisation steps over the seeds that reached them; None for
    a phase end that half of the seeds or fewer reached (then it is not shaded as reached)."""
    from .history import phase_steps
    per_seed = phase_steps(history, threshold)
    half = len(per_seed) / 2

    def median(steps):
        steps = [s for s in steps if s is not None]
        return int(np.median(steps)) if len(steps) > half else None
    return median([m for m, _ in per_seed]), median([g for _, g in per_seed])


STEP_LINTHRESH = 10  # the step axis: linear from 0 to 10 (so step 0 shows), log beyond


def step_axis(ax):
    """A step axis that shows step 0 (symmetric-log: linear up to STEP_LINTHRESH steps)."""
    ax.set_xscale("symlog", linthresh=STEP_LINTHRESH, linscale=0.5)
    ax.set_xlim(left=0)
    ax.set_xlabel("step (0, then log)")


def plot_lmn_per_seed(ax, history, layer, first_step=0):
    """LMN of every seed at its own scheduled steps: a dot per measurement, joined by a dotted
    line (between two dots LMN was not measured)."""
    # seeds in shades of one palette of their own, so a seed's colour never reads as a metric's
    # (train, test, L2) in the panels beside it
    colours = plt.cm.viridis(np.linspace(0.0, 0.85, len(history.seeds)))
    for row, seed in enumerate(history.seeds):
        steps, values = history.lmn_steps[row], history.lmn[layer][row]
        shown = steps >= first_step
        ax.plot(steps[shown], values[shown], "o:", ms=2.5, lw=1, color=colours[row],
                label=f"seed {seed}")


def plot_grokking_row(history, layer="hidden1", threshold=1.0, title=""):
    """The paper's Figure 2 row: accuracy, LMN, L2 norm and test loss against step (from step 0,
    log beyond step 10). Metrics: mean and min-max band over seeds; LMN: a dot per measurement
    and seed, dotted between them (not measured there).
    Shading: the median phases over seeds, a phase end shaded only if most seeds reached it."""
    fig, axes = plt.subplots(1, 4, figsize=(17, 3.8))
    steps = history.steps
    shown = steps >= 0
    memorised, generalised = median_phase(history, threshold)
    from .report import lmn_samples_note
    note = lmn_samples_note(history, short=True)  # '' when LMN saw every input
    labels = ("accuracy", f"LMN ({layer}, {note})" if note else f"LMN ({layer})",
              "L2 norm of parameters", "test loss")
    for ax, label in zip(axes, labels):
        shade_phases(ax, memorised, generalised, int(steps[-1]))
        step_axis(ax)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    m = history.metrics
    plot_band(axes[0], steps[shown], m["train_acc"][:, shown], "train", "C0")
    plot_band(axes[0], steps[shown], m["test_acc"][:, shown], "test", "C3")
    axes[0].set_ylim(-0.02, 1.02)
    plot_lmn_per_seed(axes[1], history, layer)
    axes[1].legend(fontsize=7)
    plot_band(axes[2], steps[shown], m["l2_norm"][:, shown], colour="C4")
    plot_band(axes[3], steps[shown], m["test_loss"][:, shown], colour="C3", log_y=True)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c, alpha=0.6) for c in PHASE_COLOURS.values()]
    axes[0].legend(handles=axes[0].get_legend_handles_labels()[0] + handles,
                   labels=["train", "test", *PHASE_COLOURS], loc="center left", fontsize=7)
    fig.suptitle(f"{title} ({len(history.seeds)} seeds; metrics: mean and min-max band; "
                 "phases: median over seeds, shaded where most seeds reached them)")
    fig.tight_layout()
    return fig


def plot_fits(history, fits, layer="hidden1", threshold=1.0, title="", log_loss=False):
    """LMN and L2 against test loss in each seed's generalising phase, with linear fits."""
    from .analysis import phase_points
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for row, fit in enumerate(fits):
        x, lmn, l2 = phase_points(history, row, layer, threshold, log_loss)
        for ax, y, key in ((axes[0], lmn, "lmn"), (axes[1], l2, "l2")):
            ax.plot(x, y, "o", ms=4, color=f"C{row}",
                    label=f"seed {fit['seed']}: R²={fit[key + '_r2']:.3f}, +{fit[key + '_curv']:.3f} curved")
            if len(x) >= 3 and np.ptp(x) > 0:
                a, b = np.polyfit(x, y, 1)
                xs = np.linspace(x.min(), x.max(), 2)
                ax.plot(xs, a * xs + b, "-", color=f"C{row}", alpha=0.6)
    for ax, label in zip(axes, (f"LMN ({layer})", "L2 norm")):
        ax.set_xlabel("log test loss" if log_loss else "test loss")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f"{title}: generalising phase, one point per LMN measurement, a line per seed "
                 "(+: the R² a parabola adds)")
    fig.tight_layout()
    return fig


def plot_progress(history, measures, labels, title=""):
    """Left: each measure's progress (0 at memorisation, 1 at the last step; `progress.py`)
    against step, mean and min-max band over seeds, with the mean half-way step dashed.
    Right: the same on a step axis relative to each seed's test-accuracy half-way step."""
    from .progress import halfway_table, progress_curves
    table = halfway_table(history, measures)
    rows = [history.seeds.index(r["seed"]) for r in table]
    grid = np.linspace(0, history.steps[-1], 400)
    relative = np.linspace(-0.5, 0.5, 400) * history.steps[-1]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for k, (name, label) in enumerate(zip(measures, labels)):
        curves = np.array([progress_curves(history, r, [name], grid)[name] for r in rows])
        plot_band(axes[0], grid, curves, label, f"C{k}")
        axes[0].axvline(np.nanmean([t[name] for t in table]), color=f"C{k}", ls="--", lw=1)
        shifted = np.array([progress_curves(history, r, [name], relative + t["test_acc"])[name]
                            for r, t in zip(rows, table)])
        plot_band(axes[1], relative, shifted, label, f"C{k}")
    axes[0].set_xlabel("step (dashed: mean half-way step)")
    axes[1].set_xlabel("step minus the seed's test-accuracy half-way step")
    axes[1].axvline(0, color="k", lw=0.8)
    for ax in axes:
        ax.axhline(0.5, color="grey", lw=0.8, ls=":")
        ax.set_ylabel("progress: 0 at memorisation, 1 at the end")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"{title}: which measure moves first ({len(rows)} seeds, mean and min-max band)")
    fig.tight_layout()
    return fig


def plot_grid_cells(ax, cells, x_name, y_name, value, label, fmt="{:.0f}", log=True):
    """A heatmap of one measure over a two-setting grid (`study.cell_summary` rows), on a log
    colour scale by default; each cell says its value and how many of its seeds generalised;
    cells where none did are grey."""
    from matplotlib.colors import LogNorm, Normalize
    xs = sorted({c[x_name] for c in cells})
    ys = sorted({c[y_name] for c in cells})
    grid = np.full((len(ys), len(xs)), np.nan)
    for c in cells:
        if c[value] is not None:
            grid[ys.index(c[y_name]), xs.index(c[x_name])] = c[value]
    norm = (LogNorm if log else Normalize)(np.nanmin(grid), np.nanmax(grid))
    cmap = plt.get_cmap("viridis")
    ax.set_facecolor("0.85")
    image = ax.imshow(grid, origin="lower", cmap=cmap, norm=norm, aspect="auto")
    for c in cells:
        known = c[value] is not None
        red, green, blue, _ = cmap(norm(c[value])) if known else (1, 1, 1, 1)
        dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5  # white text on dark cells
        ax.text(xs.index(c[x_name]), ys.index(c[y_name]),
                f"{fmt.format(c[value]) if known else 'never'}\n"
                f"{c['generalised']}/{c['seeds']} grokked", ha="center", va="center",
                fontsize=9, color="white" if dark else "black")
    ax.set_xticks(range(len(xs)), [str(x) for x in xs])
    ax.set_yticks(range(len(ys)), [str(y) for y in ys])
    ax.set_xlabel(x_name.replace("_", " "))
    ax.set_ylabel(y_name.replace("_", " "))
    ax.figure.colorbar(image, ax=ax, label=label)


def plot_against(ax, rows, x_name, y_name, colour_by, x_label, y_label, log_y=False,
                 marker_by=None):
    """One point per seed: y against x, coloured by a setting (and shaped by a second one,
    `marker_by`), with a legend of their values."""
    levels = sorted({r[colour_by] for r in rows})
    colours = plt.get_cmap("plasma")(np.linspace(0.1, 0.8, len(levels)))
    shapes = sorted({r[marker_by] for r in rows}) if marker_by else [None]
    for level, colour in zip(levels, colours):
        for shape, marker in zip(shapes, "os^Dv"):
            picked = [r for r in rows if r[colour_by] == level
                      and (marker_by is None or r[marker_by] == shape)
                      and r.get(x_name) is not None and r.get(y_name) is not None]
            if not picked:
                continue
            label = f"{colour_by.replace('_', ' ')} {level}" + (
                f", {marker_by.replace('_', ' ')} {shape}" if marker_by else "")
            ax.scatter([r[x_name] for r in picked], [r[y_name] for r in picked], color=colour,
                       marker=marker, label=label, s=30)
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.legend(fontsize=8)


def region_colour_indices(labels, palette_size=20):
    """A colour index per region label of a label image (`regions.count_regions_on_grid`) such
    that regions sharing a pixel edge get different colours where `palette_size` colours allow
    (greedy colouring, most-connected regions first); returns an int array, one per label."""
    labels = np.asarray(labels)
    count = int(labels.max()) + 1
    pairs = np.concatenate([np.stack([labels[1:].ravel(), labels[:-1].ravel()], 1),
                            np.stack([labels[:, 1:].ravel(), labels[:, :-1].ravel()], 1)])
    pairs = np.unique(pairs[pairs[:, 0] != pairs[:, 1]], axis=0)
    neighbours = [set() for _ in range(count)]
    for a, b in pairs:
        neighbours[a].add(b)
        neighbours[b].add(a)
    colour = np.full(count, -1)
    for region in sorted(range(count), key=lambda r: -len(neighbours[r])):
        taken = {colour[n] for n in neighbours[region]}
        free = [c for c in range(palette_size) if c not in taken]
        colour[region] = free[0] if free else region % palette_size
    return colour


def region_colormap(labels):
    """A ListedColormap for `labels` in which neighbouring regions differ (tab20)."""
    return ListedColormap(plt.cm.tab20(region_colour_indices(labels)))


def plot_three_fits(axes, loss, series, title=""):
    """One panel per entry of `series` ({name: values}): the values against the test loss, with
    the line, parabola and spline that the three linearity statistics compare."""
    grid = np.linspace(np.min(loss), np.max(loss), 200)
    styles = {"line": dict(color="k", lw=1), "parabola": dict(color="tab:orange", ls="--", lw=1),
              "spline": dict(color="tab:green", lw=1.5)}
    for ax, (name, values) in zip(axes, series.items()):
        ax.scatter(loss, values, s=14, color="0.4", zorder=3, label="measured")
        for fit, curve in fitted_curves(loss, values, grid).items():
            ax.plot(grid, curve, label=fit, **styles[fit])
        ax.set(xlabel="test loss", ylabel=name, title=f"{title}{name}")
    axes[0].legend(fontsize=8)


def _log_step_ticks(largest):
    """Log-axis ticks up to `largest`: 1, 2 and 5 times each power of ten, and `largest`."""
    ticks = [m * 10 ** e for e in range(len(str(int(largest)))) for m in (1, 2, 5)]
    return sorted({t for t in ticks if t < largest} | {largest})


def plot_paired_steps(ax, baseline, arm, horizon, arm_label, title=""):
    """Each seed's generalisation step with the arm against the baseline's ({seed: row} each),
    on log axes with the diagonal (below it: sooner with the arm). A seed that never
    generalises is drawn at the horizon as an open marker, since its step is only known to
    exceed it."""
    seeds = sorted(set(baseline) & set(arm))
    for seed in seeds:
        x, y = baseline[seed]["generalised"], arm[seed]["generalised"]
        censored = x is None or y is None
        ax.scatter(horizon if x is None else x, horizon if y is None else y, s=36,
                   facecolors="none" if censored else "tab:blue", edgecolors="tab:blue")
    low = min([r["generalised"] for r in list(baseline.values()) + list(arm.values())
               if r["generalised"] is not None] + [horizon]) / 1.5
    ax.plot([low, horizon * 1.2], [low, horizon * 1.2], color="grey", lw=0.8, ls="--")
    ticks = [t for t in _log_step_ticks(horizon) if low <= t <= horizon]
    ax.set_xscale("log")
    ax.set_yscale("log")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_minor_formatter(plt.NullFormatter())
        axis.set_ticks(ticks, [f"{t // 1000}k" if t >= 1000 else str(t) for t in ticks])
    ax.set_xlim(low, horizon * 1.2)
    ax.set_ylim(low, horizon * 1.2)
    ax.set_xlabel("generalisation step, baseline")
    ax.set_ylabel(f"generalisation step, {arm_label}")
    ax.set_title(title, fontsize=10)
