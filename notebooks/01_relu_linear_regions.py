# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: -papermill,-execution
#     notebook_metadata_filter: -papermill
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 ReLU networks are piecewise linear
#
# *Objectives, prerequisites and run times: the [class plan](../site/class_plan.md). Symbols and
# terms: the [notation page](../site/notation.md).*
#
# This notebook teaches the idea the Linear Mapping Number (LMN) starts from (Liu, Zhong and
# Tegmark 2023, section 2 and Figure 1): a network built from `Linear` layers and ReLUs cuts its
# input space into convex **linear regions** and computes one affine map on each. We find the
# regions exactly along straight lines, colour them in the plane, check that a straight input
# segment stays straight inside a region and bends only where it crosses into another, and watch
# how the number of regions grows with width, depth and training.

# %% tags=["parameters"]
seed = 0
width = 16  # hidden neurons per layer of the demo nets
depth = 2  # hidden layers of the demo nets
resolution = 400  # grid points per side when counting regions in the plane
train_steps = 400  # Adam steps of the small 2-D regression net
output_dir = "../figures"

# %%
from lmn_utils.folders import output_folder
from lmn_utils.validation import check_int

for name, value, low, high in (("seed", seed, 0, 2**32 - 1), ("width", width, 1, 256),
                               ("depth", depth, 1, 6), ("resolution", resolution, 10, 2000),
                               ("train_steps", train_steps, 10, 5000)):
    check_int(name, value, low, high)
output_dir = output_folder(output_dir)  # $LMN_OUTPUT_DIR wins if set

# %%
import copy

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib import patheffects

from lmn_utils import (
    count_regions_on_grid, make_mlp, region_labels, segment_breakpoints, set_seed)
from lmn_utils.plotting import region_colormap, save_figure

torch.set_num_threads(1)  # tiny nets: one thread is fastest, and sums run in one fixed order
set_seed(seed)

# %% [markdown]
# ## One input: a ReLU net is a polyline
#
# Each hidden neuron computes `relu(w . x + b)`; it switches on or off where its
# *pre-activation* `w . x + b` crosses zero. Composing affine maps with ReLUs therefore gives a
# continuous function made of straight pieces. Along a straight input segment
# `x(l) = x0 + l (x1 - x0)` every pre-activation is linear in `l` until some neuron switches, so
# `segment_breakpoints` finds every switch exactly, layer by layer: the first layer's zero
# crossings cut `[0, 1]` into pieces, on each piece the second layer is linear again, and so on.

# %%
net_1d = make_mlp(1, [width] * depth)
lo, hi = -2.0, 2.0
kinks = lo + (hi - lo) * segment_breakpoints(net_1d, [lo], [hi])
xs = torch.linspace(lo, hi, 2001)[:, None]
with torch.no_grad():
    f = net_1d(xs)[:, 0].numpy()
    f_kinks = net_1d(torch.tensor(kinks, dtype=torch.float32)[:, None])[:, 0].numpy()
    # between two neighbouring kinks f is affine: the midpoint value is the mean of the ends
    ends = torch.tensor(np.concatenate([[lo], kinks, [hi]]), dtype=torch.float64)[:, None]
    mids = (ends[1:] + ends[:-1]) / 2
    net64 = copy.deepcopy(net_1d).double()
    gap = (net64(mids) - (net64(ends[1:]) + net64(ends[:-1])) / 2).abs().max().item()
print(f"{len(kinks)} kinks in [{lo}, {hi}]: {len(kinks) + 1} linear pieces")
print("affine between kinks (midpoint rule, float64):", gap < 1e-9)

# %%
fig, ax = plt.subplots(figsize=(7, 3.2))
ax.plot(xs[:, 0], f, color="C0", lw=1.5, label="f(x)")
ax.plot(kinks, f_kinks, "o", color="C3", ms=4, label=f"kinks ({len(kinks)})")
for k in kinks:
    ax.axvline(k, color="C3", lw=0.4, alpha=0.4)
ax.set(xlabel="input x", ylabel="output f(x)",
       title=f"A random ReLU net (width {width}, depth {depth}) is piecewise linear")
ax.legend()
save_figure(fig, "01_relu_1d_kinks", output_dir)
plt.show()

# %% [markdown]
# ## Two inputs: regions, and straight lines that bend
#
# In the plane the switching sets of the first layer are straight lines; deeper neurons switch
# on lines that bend wherever they meet an earlier boundary (the "folding" picture of the
# paper's Figure 1). Each colour below is one **activation pattern**, the on/off state of every
# hidden neuron; on one pattern the net is one affine map, and each such set is convex (it is
# cut out by linear inequalities). `count_regions_on_grid` counts the patterns seen on a grid:
# a region smaller than a grid cell can be missed, so it is a lower bound.
#
# Walk three straight segments through the plane. Inside a region the output is a straight
# function of the position `l` along the segment; it bends only at the exact breakpoints.

# %%
net_2d = make_mlp(2, [width] * depth)
lo2, hi2 = -2.0, 2.0
count, labels = count_regions_on_grid(net_2d, lo2, hi2, resolution)
print(f"regions seen on a {resolution} x {resolution} grid over [{lo2}, {hi2}]^2: {count}")

# two long segments, and one inside the largest region: its far left and right points, pulled
# a little towards its centre (the region is convex, so the segment stays inside)
grid = np.linspace(lo2, hi2, resolution)
rows, cols = np.nonzero(labels == np.bincount(labels.ravel()).argmax())
points = np.stack([grid[cols], grid[rows]], 1)
centre = points.mean(0)
ends = [tuple(centre + 0.8 * (points[k] - centre)) for k in (cols.argmin(), cols.argmax())]
segments = [((-1.8, -1.5), (1.7, 1.2)), ((-1.5, 1.6), (1.2, -1.7)), tuple(ends)]
ls = torch.linspace(0, 1, 801, dtype=torch.float64)
net_2d64 = copy.deepcopy(net_2d).double()
paths = []
for k, (x0, x1) in enumerate(segments):
    x0t, x1t = torch.tensor(x0, dtype=torch.float64), torch.tensor(x1, dtype=torch.float64)
    bp = segment_breakpoints(net_2d, x0t, x1t)
    with torch.no_grad():
        y = net_2d64(x0t + ls[:, None] * (x1t - x0t))[:, 0].numpy()
        y_bp = net_2d64(x0t + torch.tensor(bp)[:, None] * (x1t - x0t))[:, 0].numpy()
    paths.append((bp, y, y_bp))
    print(f"segment {k + 1}: {len(bp)} breakpoints, regions crossed: {len(bp) + 1}")

# %%
colours = region_colormap(labels)  # neighbouring regions in different colours
fig, axes = plt.subplots(1, 3, figsize=(15, 4.6), gridspec_kw={"width_ratios": [1, 1.2, 1.3]})
extent = (lo2, hi2, lo2, hi2)
axes[0].imshow(labels, origin="lower", extent=extent, cmap=colours, interpolation="nearest")
axes[0].set(xlabel="$x_1$", ylabel="$x_2$", title=f"{count} activation regions (grid count)")
grid_t = torch.linspace(lo2, hi2, resolution)
gy, gx = torch.meshgrid(grid_t, grid_t, indexing="ij")
with torch.no_grad():
    surface = net_2d(torch.stack([gx.reshape(-1), gy.reshape(-1)], 1)).reshape(resolution, -1)
im = axes[1].imshow(surface.numpy(), origin="lower", extent=extent, cmap="viridis")
edges = np.zeros(labels.shape, dtype=bool)  # region boundaries, drawn on the output map
edges[1:] |= labels[1:] != labels[:-1]
edges[:, 1:] |= labels[:, 1:] != labels[:, :-1]
axes[1].imshow(np.ma.masked_where(~edges, edges), origin="lower", extent=extent, cmap="gray_r",
               interpolation="nearest", alpha=0.6)
fig.colorbar(im, ax=axes[1], label="output f(x)")
axes[1].set(xlabel="$x_1$", ylabel="$x_2$", title="output, with region boundaries")
for k, ((x0, x1), (bp, y, y_bp)) in enumerate(zip(segments, paths)):
    for ax in axes[:2]:
        ax.annotate("", xy=x1, xytext=x0, arrowprops=dict(arrowstyle="->", color=f"C{k}", lw=2.5,
                    path_effects=[patheffects.withStroke(linewidth=5, foreground="white")]))
        ax.annotate(str(k + 1), xy=x0, color=f"C{k}", fontsize=12, fontweight="bold",
                    path_effects=[patheffects.withStroke(linewidth=3, foreground="white")])
    axes[2].plot(ls, y, color=f"C{k}", label=f"segment {k + 1}: {len(bp)} breakpoints")
    axes[2].plot(bp, y_bp, "o", color=f"C{k}", ms=3)
axes[2].set(xlabel="position l along the segment", ylabel="output f(x(l))",
            title="straight inside a region, bent at breakpoints (dots)")
axes[2].legend(fontsize=8)
fig.tight_layout()
save_figure(fig, "01_relu_2d_regions", output_dir)
plt.show()

# %% [markdown]
# Segment 3 joins two points of the largest region. The region is convex, so the whole segment
# stays inside it: no breakpoint, and the output is one straight line. This is the situation in
# which the linear connectivity of notebook 02 is exactly 1.
#
# ## How the number of regions grows with width and depth
#
# The region count is a classic complexity measure of ReLU nets (Montufar et al. 2014; Hanin
# and Rolnick 2019). Deep nets *can* have exponentially many regions in depth, but at random
# initialisation the count grows roughly like (number of neurons)^(input dimension), whatever
# the depth. Below, the same square and grid for nets of several widths and depths.

# %%
widths, depths = [4, 8, 16, 32], [1, 2, 3]
table = np.zeros((len(depths), len(widths)), dtype=int)
for i, d in enumerate(depths):
    for j, w in enumerate(widths):
        table[i, j] = count_regions_on_grid(make_mlp(2, [w] * d), lo2, hi2, resolution)[0]
print("regions on the grid (rows: depth, columns: width)")
print("depth " + "".join(f"{w:>8d}" for w in widths))
for d, row in zip(depths, table):
    print(f"{d:>5d} " + "".join(f"{n:>8d}" for n in row))

# %%
coarse = [count_regions_on_grid(net_2d, lo2, hi2, r)[0] for r in (25, 50, 100, 200, 400, 800)]
print("resolution error, demo net: grid counts at 25, 50, ..., 800 points per side:", coarse)

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for i, d in enumerate(depths):
    axes[0].plot([w * d for w in widths], table[i], "o-", label=f"depth {d}")
n = np.array([4, 128])
axes[0].plot(n, 1 + n + n * (n - 1) / 2, "k--", lw=1, label="most regions n lines can make")
axes[0].set(xscale="log", yscale="log", xlabel="hidden neurons (width x depth)",
            ylabel="regions on the grid", title="Region count at initialisation")
axes[0].legend()
axes[1].plot([25, 50, 100, 200, 400, 800], coarse, "o-", color="C3")
axes[1].set(xscale="log", xlabel="grid points per side", ylabel="regions seen", ylim=(0, None),
            title=f"Grid count is a lower bound (width {width}, depth {depth})")
axes[1].set_xticks([25, 50, 100, 200, 400, 800], ["25", "50", "100", "200", "400", "800"])
axes[1].minorticks_off()
fig.tight_layout()
save_figure(fig, "01_region_growth", output_dir)
plt.show()

# %% [markdown]
# ## Regions during training
#
# Training moves the boundaries. We fit a net of the demo size to a wavy target on 256 random
# points with full-batch Adam and count the regions at a few checkpoints. One might expect
# fitting a curved function to need many more straight pieces; in fact the count changes by
# about a tenth (printed below), not by orders of magnitude, as Hanin and Rolnick (2019) also
# found: training mostly moves and reshapes regions rather than creating them (where they move
# to is not shown here).
# The region count alone is therefore a blunt measure of what training did; the LMN of the
# later notebooks weighs regions by the samples in them and by how differently they map.

# %%
X_train = 4 * torch.rand(256, 2) - 2
y_train = torch.sin(2 * X_train[:, :1]) * torch.cos(1.5 * X_train[:, 1:])
model = make_mlp(2, [width] * depth)
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
checkpoints = sorted({0, train_steps // 8, train_steps // 4, train_steps // 2, train_steps})
history, maps = [], {}
for step in range(train_steps + 1):
    if step in checkpoints:
        with torch.no_grad():
            loss = torch.mean((model(X_train) - y_train) ** 2).item()
        n, lab = count_regions_on_grid(model, lo2, hi2, resolution)
        n_data = len(set(region_labels(model, X_train)))
        history.append((step, loss, n, n_data))
        maps[step] = (n, lab)
    if step < train_steps:
        optimizer.zero_grad()
        torch.mean((model(X_train) - y_train) ** 2).backward()
        optimizer.step()
print(" step  train MSE  regions on grid  regions holding training points")
for step, loss, n, n_data in history:
    print(f"{step:>5d}  {loss:9.3f}  {n:>15d}  {n_data:>31d}")
change = history[-1][2] / history[0][2] - 1
print(f"regions on the grid, first to last checkpoint: {100 * change:+.0f}%")
if (seed, width, depth, resolution, train_steps) == (0, 16, 2, 400, 400):
    assert 0.05 < abs(change) < 0.2  # "about a tenth" in the text above

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
for ax, step in zip(axes[:2], (0, train_steps)):
    n, lab = maps[step]
    cmap = region_colormap(lab)
    ax.imshow(lab, origin="lower", extent=extent, cmap=cmap, interpolation="nearest")
    ax.plot(X_train[:, 0], X_train[:, 1], "k.", ms=2)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=f"step {step}: {n} regions")
steps_, losses, counts_, _ = zip(*history)
axes[2].plot(steps_, counts_, "o-", color="C0", label="regions on the grid")
axes[2].set(xlabel="Adam step", ylabel="regions on the grid", ylim=(0, 1.3 * max(counts_)),
            title="Regions (axis from 0) and loss in training")
twin = axes[2].twinx()
twin.plot(steps_, losses, "s--", color="C1", label="train MSE")
twin.set(ylabel="train MSE", yscale="log")
axes[2].yaxis.label.set_color("C0")
twin.yaxis.label.set_color("C1")
fig.legend(loc="lower right", bbox_to_anchor=(0.93, 0.2))
fig.tight_layout()
save_figure(fig, "01_regions_training", output_dir)
plt.show()

# %% [markdown]
# **What to take away.** A ReLU net is a patchwork of affine maps. Counting the patches is one
# way to measure how much "computation" the net does, but it only exists for piecewise-linear
# activations and it needs care (grids miss small regions). The paper's LMN replaces the count
# by something that works for any activation: it asks, for pairs of samples, *how straight is
# the output along the segment between them?* That is notebook 02.

# %% [markdown]
# ## Try it
# Rerun this notebook with one parameter changed, e.g.
# `python -m lmn_utils.run_notebooks 01 -p depth 6` (writes to `scratch/`), or edit the
# parameters cell. Answers (from the default seed) below each question.
#
# 1. **Depth.** Set `depth = 6` (the demo nets get 6 hidden layers of `width` 16). How many
#    kinks does the 1-D net have, how many regions does the 2-D net show, and how many regions
#    does the trained regression net use?
#
#    <details><summary>Answer</summary>
#
#    The 1-D net has 30 kinks (20 at depth 2); the plane shows 645 regions on the 400 x 400
#    grid (352), and the grid now misses more of them (661 at 800 points per side); the trained
#    net ends with 1124 regions on the grid (328) and a lower train MSE (0.001 against 0.004).
#    At these sizes the depth-by-width table does not show depth multiplying regions faster
#    than width adds them (depth 1 x width 32 gives 381 regions; depth 2 x 16, the same 32
#    neurons, gives 312; depth 3 x 16, 48 neurons, gives 325): the exponential gain of depth is a statement about
#    the maximum, and random nets sit far below it.
#    </details>
#
# 2. **Longer training.** Set `train_steps = 2000`. Does training keep adding regions?
#
#    <details><summary>Answer</summary>
#
#    No: the region count on the grid goes 295, 316, 357, 330, 310 at steps 0, 250, 500, 1000
#    and 2000 while the train MSE falls from 0.253 to 0.001. Fitting moves the regions more than
#    it multiplies them; the count alone says little about what the net has learned, one reason
#    the paper looks for a measure of *computations* instead (notebooks 02-03).
#    </details>


# %% [markdown]
# ## Check yourself
# Count the linear regions a line of inputs passes through
# (about 10 minutes of writing; the check runs in under a second on 2 cores).
#
# `my_regions_along(net, xs)` gets a ReLU net from `make_mlp` (an `nn.Sequential` of `Linear`
# and `ReLU` layers) and points `xs` of shape [M, 1], sorted. Return the number of linear
# regions they pass through: compute each point's activation pattern (which hidden units have a
# positive input, all hidden layers side by side) and count a new region wherever the pattern
# of a point differs from its neighbour's.
# Write it in the cell below, replacing `raise NotImplementedError`, and run the next cell: it
# runs your function on a few cases against the library's own answer and says, in one line,
# whether they agree (or which case does not).

# %%
def my_regions_along(net, xs):
    # your code: activation patterns of every hidden Linear's output, then count the changes
    raise NotImplementedError

# %%
from lmn_utils import exercises

passed = exercises.check_regions_along_a_line(my_regions_along)  # True when every case agrees (the line above says which)

# %% [markdown]
# <details><summary>A solution</summary>
#
# ```python
# import copy
#
# def my_regions_along(net, xs):
#     net64, h, patterns = copy.deepcopy(net).double(), xs.double(), []
#     with torch.no_grad():
#         for module in net64:
#             h = module(h)
#             if isinstance(module, torch.nn.Linear):
#                 patterns.append(h > 0)
#     on = torch.cat(patterns[:-1], 1)  # the last Linear is the output layer, not a ReLU's input
#     return int((on[1:] != on[:-1]).any(1).sum()) + 1
# ```
# </details>
