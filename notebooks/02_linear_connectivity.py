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
# # 02 The linear connectivity matrix
#
# *Objectives, prerequisites and run times: the [class plan](../site/class_plan.md). Symbols and
# terms: the [notation page](../site/notation.md).*
#
# This notebook teaches the paper's way of asking "are these two samples computed by the same
# linear map?" without looking inside the network (Liu, Zhong and Tegmark 2023, section 2).
# Walk the straight segment between two samples, watch the output, and measure how straight
# its path is with a squared correlation r^2. Doing this for every pair gives the **linear
# connectivity matrix** L. We look at single pairs (inside one ReLU region, across a kink, across
# a smooth SiLU bend), then at the whole L of a toy net, ordered by region and by a spectral
# ordering, and at its eigenvalues, which are *not* all positive.

# %% tags=["parameters"]
seed = 0
width = 5  # hidden neurons of the one-hidden-layer toy nets (few regions: visible blocks)
n_samples = 60  # samples in the square [-2, 2]^2, the rows and columns of L
n_points = 21  # interpolation points per segment; the paper uses 21
output_dir = "../figures"

# %%
from lmn_utils.folders import output_folder
from lmn_utils.validation import check_int

for name, value, low, high in (("seed", seed, 0, 2**32 - 1), ("width", width, 1, 64),
                               ("n_samples", n_samples, 10, 500),
                               ("n_points", n_points, 3, 1001)):
    check_int(name, value, low, high)
output_dir = output_folder(output_dir)  # $LMN_OUTPUT_DIR wins if set

# %%
import copy

import matplotlib.pyplot as plt
import numpy as np
import torch

from lmn_utils import (
    effective_number, linear_connectivity, lmn_from_connectivity, make_mlp, region_labels,
    segment_breakpoints, set_seed)
from lmn_utils.plotting import save_figure

torch.set_num_threads(1)  # tiny nets: one thread is fastest, and sums run in one fixed order
set_seed(seed)

# %% [markdown]
# ## Linear connectivity of two samples
#
# For samples x_i and x_j, evaluate the net at `n_points` evenly spaced points
# x(l) = x_i + l (x_j - x_i), l in [0, 1]. For each output coordinate k, r^2_k is the squared
# Pearson correlation of f_k(x(l)) with l: 1 when the output moves along a straight line, about
# 0 for a symmetric bump. L_ij is the mean of r^2_k over output coordinates (our nets have one
# output, so L_ij = r^2). `linear_connectivity` computes the whole matrix at once.
#
# A ReLU region is convex, so a segment between two samples of one region never leaves it: the
# output is affine along it and L_ij = 1 exactly. Across one kink the path is two straight
# pieces; across many, a polyline; a smooth activation (SiLU) bends it gently everywhere.

# %%
X = 4 * torch.rand(n_samples, 2) - 2
relu_net = make_mlp(2, [width])
silu_net = make_mlp(2, [width], activation="silu")
L_relu = linear_connectivity(relu_net, X, n_points, compile=False)
L_silu = linear_connectivity(silu_net, X, n_points, compile=False)
labels = region_labels(relu_net, X)
same_region = labels[:, None] == labels[None, :]
print(f"{n_samples} samples fall into {labels.max() + 1} regions of the ReLU net")
print("every same-region pair has L_ij = 1 (to 1e-5):",
      bool(np.all(np.abs(L_relu.numpy()[same_region] - 1) < 1e-5)))

# %% [markdown]
# ### The definition in symbols, and computed from scratch
# For samples $x_i, x_j \in \mathbb{R}^{d_1}$ and $n$ evenly spaced positions
# $l_m = m / (n - 1)$, $m = 0, \dots, n - 1$ (the paper: $n = 21$), the path is
#
# $$x(l) = x_i + l\,(x_j - x_i), \qquad y_k(l) = f_k(x(l)), \quad k = 1, \dots, d_2 .$$
#
# Its straightness in coordinate $k$ is the squared Pearson correlation of $y_k$ with $l$,
#
# $$r^2_k = \frac{\left(\sum_m (l_m - \bar l)(y_k(l_m) - \bar y_k)\right)^2}
#                {\sum_m (l_m - \bar l)^2 \, \sum_m (y_k(l_m) - \bar y_k)^2},
# \qquad L_{ij} = \frac{1}{d_2} \sum_{k=1}^{d_2} r^2_k, \qquad L_{ii} = 1 .$$
#
# Two things this is *not*. A coordinate that stays constant along the path makes $r^2_k$ a
# 0/0; a constant is an affine function of $l$, so this project counts it as $r^2_k = 1$ (the
# paper is silent; `lmn_utils/measures/metric.py` says how "constant" is decided in floating point). And
# $r^2$ of a *path* is not the $R^2$ of a *fit* that notebooks 04-08 report: both are squared
# correlations, but here the "data" are one net's outputs along one segment, and $r^2 = 1$
# means "one affine map covers this segment", not "a model explains data".
#
# The cell below computes $L$ for the first 12 samples with a plain double loop over pairs, in
# float64, exactly as written above, and checks that the library's vectorised, float32
# `linear_connectivity` agrees.

# %%
def connectivity_from_scratch(net, X, n_points):
    """L by the definition: one pair at a time, numpy's corrcoef for r^2, float64."""
    l = np.linspace(0, 1, n_points)
    L = np.eye(len(X))
    for i in range(len(X)):
        for j in range(i + 1, len(X)):
            path = X[i] + torch.tensor(l)[:, None] * (X[j] - X[i])  # [n_points, d1]
            with torch.no_grad():
                y = net(path).numpy()  # [n_points, d2]
            r2 = [1.0 if np.ptp(y[:, k]) == 0 else np.corrcoef(l, y[:, k])[0, 1] ** 2
                  for k in range(y.shape[1])]
            L[i, j] = L[j, i] = np.mean(r2)
    return L


few = 12
L_scratch = connectivity_from_scratch(copy.deepcopy(silu_net).double(), X[:few].double(), n_points)
gap = np.abs(L_scratch - L_silu[:few, :few].numpy()).max()
assert gap < 1e-4, gap
print(f"largest difference, from scratch (float64) vs linear_connectivity (float32): {gap:.0e}")

# %% [markdown]
# Four pairs to look at: the two samples farthest apart in the largest region; the pair whose
# segment crosses exactly one kink, nearest its middle; the pair whose segment crosses the most
# regions; and the SiLU pair with the lowest r^2. Breakpoints come from `segment_breakpoints`,
# r^2 from L. Note that r^2 ignores the scale of the output: a tiny bend counts as much as a big
# one, which is why a pair of samples can be "disconnected" while the output barely moves.

# %%
pairs = [(i, j) for i in range(n_samples) for j in range(i + 1, n_samples)]
kinks = {(i, j): segment_breakpoints(relu_net, X[i], X[j]) for i, j in pairs}
largest = np.flatnonzero(labels == np.bincount(labels).argmax())
inside = max(((i, j) for i, j in pairs if i in largest and j in largest),
             key=lambda p: (X[p[0]] - X[p[1]]).norm().item())
one_kink = min((p for p in pairs if len(kinks[p]) == 1), key=lambda p: abs(kinks[p][0] - 0.5))
most_kinks = max(pairs, key=lambda p: (len(kinks[p]), -L_relu[p].item()))
bent = min(pairs, key=lambda p: L_silu[p].item())
examples = [("ReLU, inside one region", relu_net, L_relu, inside),
            ("ReLU, across one kink", relu_net, L_relu, one_kink),
            ("ReLU, across many regions", relu_net, L_relu, most_kinks),
            ("SiLU, a smooth bend", silu_net, L_silu, bent)]
for title, net, L, (i, j) in examples:
    n_kinks = f"kinks: {len(kinks[(i, j)])}" if net is relu_net else "no kinks (smooth)"
    print(f"{title:<27} pair ({i:>2}, {j:>2}): {n_kinks:<18} r^2 = {L[i, j].item():.3f}")

# %%
fig, axes = plt.subplots(1, 4, figsize=(16, 3.6))
dense = torch.linspace(0, 1, 401)
coarse = torch.linspace(0, 1, n_points)
for ax, (title, net, L, (i, j)) in zip(axes, examples):
    with torch.no_grad():
        y = net(X[i] + dense[:, None] * (X[j] - X[i]))[:, 0].numpy()
        y_pts = net(X[i] + coarse[:, None] * (X[j] - X[i]))[:, 0].numpy()
    slope, intercept = np.polyfit(coarse.numpy(), y_pts, 1)
    ax.plot(dense, y, color="C0", lw=1.5, label="output path")
    ax.plot(coarse, y_pts, "o", color="C0", ms=3.5, label=f"{n_points} points")
    ax.plot(coarse, intercept + slope * coarse.numpy(), "--", color="C3", lw=1,
            label="best straight line")
    if net is relu_net:
        for b in kinks[(i, j)]:
            ax.axvline(b, color="grey", lw=0.6, ls=":")
    ax.set(title=f"{title}\n$r^2$ = {L[i, j].item():.3f}", xlabel="position l along the segment")
axes[0].set_ylabel("output f(x(l))")
axes[0].legend(fontsize=8)
fig.tight_layout()
save_figure(fig, "02_pair_paths", output_dir)
plt.show()

# %% [markdown]
# ## The whole matrix, ordered
#
# In the order the samples were drawn, L is a plaid of stripes with no blocks in sight: the
# samples of one region are scattered through the order. Sorting the ReLU samples by region
# (largest region first) reveals all-ones diagonal blocks, one per region: the paper's
# "clusters of L" are the linear regions that hold samples. Off the blocks the entries are
# *not* zero: a segment between two regions crosses a kink or a few, and its output is still
# mostly straight. For the SiLU net there are no regions to sort by; a spectral ordering (sort
# by the Fiedler vector, the second eigenvector of the graph Laplacian of L, as in spectral
# clustering; the paper's Figure 4 uses spectral clustering) puts similar samples next to each
# other. It finds no all-ones blocks, only entries near 1 everywhere except for a few samples,
# gathered at the ends, whose paths to some others bend strongly.

# %%
sizes = np.bincount(labels)
region_order = np.lexsort((labels, -sizes[labels]))  # largest region first, then by label
laplacian = torch.diag(L_silu.sum(1)) - L_silu
fiedler = torch.linalg.eigh(laplacian).eigenvectors[:, 1]
spectral_order = torch.argsort(fiedler).numpy()
print(f"mean L between different regions: {L_relu.numpy()[~same_region].mean():.2f}")
off_diagonal = ~np.eye(n_samples, dtype=bool)
print(f"mean L off the diagonal, SiLU:     {L_silu.numpy()[off_diagonal].mean():.2f}")

# %%
fig, axes = plt.subplots(1, 4, figsize=(18, 4.4), layout="constrained")
panels = [(L_relu, np.arange(n_samples), "ReLU, samples as drawn"),
          (L_relu, region_order, "ReLU, ordered by region"),
          (L_silu, np.arange(n_samples), "SiLU, samples as drawn"),
          (L_silu, spectral_order, "SiLU, spectral order")]
for ax, (L, order, title) in zip(axes, panels):
    im = ax.imshow(L.numpy()[np.ix_(order, order)], vmin=0, vmax=1, cmap="magma")
    ax.set(title=title, xlabel="sample j", ylabel="sample i")
edges = np.cumsum(np.sort(sizes)[::-1])[:-1] - 0.5
for e in edges:
    axes[1].axhline(e, color="cyan", lw=0.6)
    axes[1].axvline(e, color="cyan", lw=0.6)
fig.colorbar(im, ax=axes, label="$L_{ij}$ (mean $r^2$)", shrink=0.85)
save_figure(fig, "02_connectivity_heatmaps", output_dir)
plt.show()

# %% [markdown]
# ## L is symmetric but not positive semi-definite
#
# A correlation-like matrix invites the guess that L is positive semi-definite (PSD), like a
# covariance. It is not, and a one-line argument shows why: L's diagonal is all ones, so its
# eigenvalues sum to trace(L) = N. When most entries are close to 1, the top eigenvalue alone
# is close to N (it is at least N times the mean entry), and the other N - 1 eigenvalues must sum to
# nearly zero; unless they are all tiny, many must be negative. L is PSD in special cases such
# as exact all-ones blocks with zeros between them (notebook 03). The paper remarks that a few
# small eigenvalues may be negative and takes absolute values; on these random toy nets the
# negative ones are many and not small, so the choice of |eigenvalue| matters. Below, LMN with
# absolute values (the paper's definition, `lmn_from_connectivity`) next to the same entropy
# with negative eigenvalues dropped (`effective_number` of the clipped spectrum).

# %%
# L is computed in float32: eigenvalues within 1e-3 of zero are counted apart, their sign is noise
print(f"{'net':<5} {'> 1e-3':>7} {'|eig| <= 1e-3':>13} {'< -1e-3':>8} {'largest':>8} "
      f"{'most negative':>13} {'LMN |eig|':>9} {'LMN eig>0':>9}")
spectra = {}
for name, L in (("ReLU", L_relu), ("SiLU", L_silu)):
    eig = torch.linalg.eigvalsh(L)
    spectra[name] = eig.numpy()
    counts = [int((eig > 1e-3).sum()), int((eig.abs() <= 1e-3).sum()), int((eig < -1e-3).sum())]
    print(f"{name:<5} {counts[0]:>7d} {counts[1]:>13d} {counts[2]:>8d} {eig.max().item():>8.1f} "
          f"{eig.min().item():>13.2f} {lmn_from_connectivity(L):>9.2f} "
          f"{effective_number(eig.clamp(min=0)):>9.2f}")

# %%
fig, ax = plt.subplots(figsize=(7, 3.6))
for name, eig in spectra.items():
    ax.plot(np.arange(1, n_samples + 1), eig[::-1], "o-", ms=3, label=name)
ax.axhline(0, color="k", lw=0.8)
ax.set_yscale("symlog", linthresh=1)
ticks = [-5, -2, -1, 0, 1, 2, 5, 10, 20, 50]
ax.set_yticks(ticks, [str(t) for t in ticks])
ax.set(xlabel="rank", ylabel="eigenvalue of L (symlog axis)",
       title=f"Eigenvalues of L ({n_samples} samples): many are negative")
ax.legend()
save_figure(fig, "02_eigenvalues", output_dir)
plt.show()

# %% [markdown]
# **What to take away.** L_ij = 1 exactly when two ReLU samples share a region, so the regions
# holding samples appear as all-ones blocks; but the entries between blocks are far from zero,
# and L has many negative eigenvalues. The paper's entropy of |eigenvalues| turns this matrix
# into a soft count of linear mappings; notebook 03 compares that count with the region count.

# %% [markdown]
# ## Try it
# Rerun this notebook with one parameter changed, e.g.
# `python -m lmn_utils.run_notebooks 02 -p n_points 81` (writes to `scratch/`), or edit the
# parameters cell. Answers (from the default seed) below each question.
#
# 1. **Resolution of the path.** Set `n_points = 5`, then `n_points = 81` (the paper uses 21).
#    Does the $r^2$ of the one-kink pair depend on how finely the segment is sampled? Do
#    same-region pairs change? What happens to the ReLU net's LMN?
#
#    <details><summary>Answer</summary>
#
#    The one-kink pair (4, 56) gives $r^2$ = 0.724, 0.744 and 0.745 for 5, 21 and 81 points:
#    a handful of points already gives nearly the limit of a continuous path. Same-region pairs
#    stay at exactly 1 at any resolution (an affine path is straight however it is sampled).
#    LMN of the ReLU net moves a little, 4.80, 4.69 and 4.62: that is why LMN is compared only
#    at one fixed `n_points` (notebook 03 shows the dependence).
#    </details>
#
# 2. **More neurons, more regions.** Set `width = 20`. How many regions hold the 60 samples,
#    and what happens to the negative eigenvalues and to LMN?
#
#    <details><summary>Answer</summary>
#
#    31 regions hold samples (12 at width 5). The ReLU net's LMN rises from 4.69 to 8.38 and
#    its most negative eigenvalue from -2.37 to -4.60 (26 negative eigenvalues against 25): more,
#    smaller blocks and more bent paths between them. LMN stays far below the 31 regions, because
#    most cross-region paths are still nearly straight (mean $L$ between different regions 0.92).
#    </details>
#
# 3. **Straight down is straight.** In `connectivity_from_scratch`, drop the square
#    (`np.corrcoef(l, y[:, k])[0, 1]`). Why does the check against the library fail?
#
#    <details><summary>Answer</summary>
#
#    A path whose output falls linearly has correlation -1 with $l$: it is as straight as one
#    that rises, and $r^2 = 1$ for both. Without the square, falling paths would count as
#    "disconnected", and $L$ would depend on which of the two samples is called $x_i$.
#    </details>


# %% [markdown]
# ## Check yourself
# Compute one entry of the connectivity matrix
# (about 10 minutes of writing; the check runs in under a second on 2 cores).
#
# `my_pair_connectivity(f, x_i, x_j, n_points)` gets a function `f` ([B, d] -> [B, k], a torch
# module or function) and two samples (float64 vectors of length d). Return $L_{ij}$: evaluate
# `f` on `n_points` equally spaced points $x_i + l (x_j - x_i)$, $l$ from 0 to 1; for each
# output coordinate take the $r^2$ of a straight line through its values against $l$ (the
# squared correlation), and average over the coordinates.
# Write it in the cell below, replacing `raise NotImplementedError`, and run the next cell: it
# runs your function on a few cases against the library's own answer and says, in one line,
# whether they agree (or which case does not).

# %%
def my_pair_connectivity(f, x_i, x_j, n_points):
    # your code: the path's points, f on them, r^2 per output coordinate, their mean
    raise NotImplementedError

# %%
from lmn_utils import exercises

passed = exercises.check_pair_connectivity(my_pair_connectivity)  # True when every case agrees (the line above says which)

# %% [markdown]
# <details><summary>A solution</summary>
#
# ```python
# def my_pair_connectivity(f, x_i, x_j, n_points):
#     l = torch.linspace(0, 1, n_points, dtype=torch.float64)
#     with torch.no_grad():
#         outputs = f(x_i + l[:, None] * (x_j - x_i)).reshape(n_points, -1).numpy()
#     return float(np.mean([np.corrcoef(l.numpy(), y)[0, 1] ** 2 for y in outputs.T]))
# ```
# </details>
