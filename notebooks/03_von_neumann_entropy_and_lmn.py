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
# # 03 Von Neumann entropy and the Linear Mapping Number
#
# *Objectives, prerequisites and run times: the [class plan](../site/class_plan.md). Symbols and
# terms: the [notation page](../site/notation.md).*
#
# This notebook teaches how the paper turns the linear connectivity matrix L (notebook 02) into
# one number (Liu, Zhong and Tegmark 2023, section 2): the eigenvalues of L, made positive and
# normalised, are read as a probability distribution p; its entropy S_NL = -sum p log2 p is
# the "Von Neumann entropy", and the **Linear Mapping Number** is LMN = 2^S_NL, a soft count
# of linear mappings. We check it on matrices whose answer we know, then compare it with
# region counts on ReLU nets, and say plainly where the two disagree and why. Finally: LMN for
# smooth activations, where regions do not exist, and how LMN depends on the number of samples
# N and of interpolation points.

# %% tags=["parameters"]
seed = 0
n_samples = 40  # 1-D samples, evenly spaced in [-1, 1]
n_samples_2d = 100  # 2-D samples, uniform in [-2, 2]^2
n_nets = 5  # random nets per width, averaged, in the LMN vs regions comparison
n_points = 21  # interpolation points per segment (the paper: 21)
memorise_steps = 300  # AdamW steps of the mod-31 net of the last section (memorised by ~150)
output_dir = "../figures"

# %%
from lmn_utils.folders import output_folder
from lmn_utils.validation import check_int

for name, value, low, high in (("seed", seed, 0, 2**32 - 1), ("n_samples", n_samples, 4, 400),
                               ("n_samples_2d", n_samples_2d, 4, 400), ("n_nets", n_nets, 1, 20),
                               ("n_points", n_points, 3, 1001),
                               ("memorise_steps", memorise_steps, 1, 20000)):
    check_int(name, value, low, high)
if n_samples % 2:
    raise ValueError(f"n_samples must be even (half on each side of 0), got {n_samples}")
output_dir = output_folder(output_dir)  # $LMN_OUTPUT_DIR wins if set

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

from lmn_utils import (
    count_regions_on_grid, effective_number, linear_connectivity, linear_mapping_number,
    lmn_from_connectivity, make_mlp, samples_per_region, segment_breakpoints, set_seed,
    von_neumann_entropy)
from lmn_utils.plotting import save_figure

torch.set_num_threads(1)  # tiny nets: one thread is fastest, and sums run in one fixed order
set_seed(seed)

# %% [markdown]
# ## The definition in symbols, and computed from scratch
# $L$ is real and symmetric, so it has $N$ real eigenvalues $\lambda_1, \dots, \lambda_N$ and
# they sum to its trace, $\sum_i \lambda_i = \operatorname{tr} L = N$. The paper reads their
# magnitudes as a probability distribution and takes its entropy in bits:
#
# $$p_i = \frac{|\lambda_i|}{\sum_{m=1}^{N} |\lambda_m|}, \qquad
# S_{NL} = -\sum_{i=1}^{N} p_i \log_2 p_i, \qquad \mathrm{LMN} = 2^{S_{NL}} .$$
#
# **Why "Von Neumann".** In quantum mechanics a *density matrix* $\rho$ is symmetric (Hermitian),
# positive semi-definite and of trace 1; its Von Neumann entropy $-\operatorname{tr}\,\rho\log
# \rho = -\sum_i \mu_i \log \mu_i$ is the Shannon entropy of its eigenvalues $\mu_i$.
# $\rho = L / \operatorname{tr} L$ has trace 1 and is symmetric, and its eigenvalues are
# $\lambda_i / N$. If $L$ were positive semi-definite, $p_i$ would be exactly those eigenvalues
# and $S_{NL}$ its Von Neumann entropy. But $L$ is not (notebook 02: many eigenvalues are
# negative), so the paper takes $|\lambda_i|$: the name is borrowed, the quantity is the entropy
# of the normalised eigenvalue magnitudes. $2^{S}$ is the usual "effective number" of a
# distribution: $c$ equally likely outcomes give exactly $c$.
#
# Computed from scratch with numpy, and checked against the library on the $L$ of a small ReLU net:

# %%
def entropy_from_scratch(L):
    """S_NL in bits, by the formula above."""
    eigenvalues = np.linalg.eigvalsh(L)  # real: L is symmetric
    p = np.abs(eigenvalues) / np.abs(eigenvalues).sum()
    p = p[p > 0]  # 0 log 0 = 0
    return float(-(p * np.log2(p)).sum())


with torch.random.fork_rng():  # leave the random stream of the later sections as it was
    X_demo = 4 * torch.rand(50, 2) - 2
    L_demo = linear_connectivity(make_mlp(2, [8]), X_demo, n_points, compile=False)
S_scratch = entropy_from_scratch(L_demo.numpy())
assert abs(S_scratch - von_neumann_entropy(L_demo)) < 1e-9
assert abs(2 ** S_scratch - lmn_from_connectivity(L_demo)) < 1e-9 * 2 ** S_scratch
print(f"S_NL from scratch {S_scratch:.4f} bits = von_neumann_entropy; LMN = {2 ** S_scratch:.2f}")

# %% [markdown]
# ## Matrices with a known answer
#
# If the samples fall into c groups, each group mapped by one affine map and every pair across
# groups completely "disconnected", L is a block-diagonal matrix of all-ones blocks. A block of
# size m has one eigenvalue m and m - 1 zeros, so p is the block sizes over N:
#
# - c **equal** blocks: p is uniform over c values, S_NL = log2 c and LMN = c exactly;
# - **unequal** blocks: LMN = 2^(entropy of the block sizes), the `effective_number` of the
#   sizes, between 1 and c: a group holding few samples counts for less;
# - **coupled** blocks: real nets never give exact zeros between groups (notebook 02). A
#   constant coupling a between blocks merges them: LMN falls from 4 towards 1 as a -> 1. A
#   random coupling with the same mean does the opposite: its unstructured entries add many
#   eigenvalues of both signs, p spreads out, and LMN rises far above the 4 blocks. The entropy
#   counts any structure in L, wanted or not.

# %%
print(" c  S_NL (bits)  LMN")
for c in range(1, 7):
    L = torch.block_diag(*[torch.ones(10, 10, dtype=torch.float64)] * c)
    print(f"{c:>2}  {von_neumann_entropy(L):>11.3f}  {lmn_from_connectivity(L):.3f}")

sizes = [20, 10, 5, 3, 2]
L_unequal = torch.block_diag(*[torch.ones(m, m, dtype=torch.float64) for m in sizes])
print(f"\nblocks of sizes {sizes}: LMN = {lmn_from_connectivity(L_unequal):.3f}, "
      f"effective_number(sizes) = {effective_number(sizes):.3f}")

# %%
blocks = torch.block_diag(*[torch.ones(10, 10, dtype=torch.float64)] * 4)
between = blocks == 0
couplings = np.linspace(0, 1, 11)
noise = torch.rand(40, 40, dtype=torch.float64)
noise = (noise + noise.T) / 2  # symmetric, uniform-ish in [0, 1], mean 1/2
lmn_constant, lmn_random = [], []
for a in couplings:
    lmn_constant.append(lmn_from_connectivity(torch.where(between, a, blocks)))
    random_coupling = torch.where(between, 2 * a * noise, blocks).clamp(0, 1)
    lmn_random.append(lmn_from_connectivity(random_coupling))
print("coupling a  LMN (constant a)  LMN (random, mean about a)")
for a, lc, lr in zip(couplings[::2], lmn_constant[::2], lmn_random[::2]):
    print(f"{a:>10.1f}  {lc:>16.2f}  {lr:>26.2f}")

# %%
fig, axes = plt.subplots(1, 4, figsize=(17, 3.9), gridspec_kw={"width_ratios": [1, 1, 1, 1.3]})
noisy = torch.where(between, 0.6 * noise, blocks)
shown = [(blocks, "4 equal blocks"), (L_unequal, f"sizes {sizes}"),
         (noisy, "random coupling, mean 0.3")]
for ax, (L, name) in zip(axes, shown):
    title = f"{name}: LMN = {lmn_from_connectivity(L):.2f}"
    im = ax.imshow(L.numpy(), vmin=0, vmax=1, cmap="magma")
    ax.set(title=title, xlabel="sample j", ylabel="sample i")
fig.colorbar(im, ax=axes[2], fraction=0.046)
axes[3].plot(couplings, lmn_constant, "o-", label="constant coupling a")
axes[3].plot(couplings, lmn_random, "s-", label="random coupling, mean about a")
axes[3].set(xlabel="coupling between the 4 blocks", ylabel="LMN", ylim=(0, None),
            title="Coupling merges blocks, structure adds to LMN")
axes[3].legend()
fig.tight_layout()
save_figure(fig, "03_block_matrices", output_dir)
plt.show()

# %% [markdown]
# ## LMN against region counts on ReLU nets
#
# For a ReLU net there are three counts to compare with LMN:
#
# - **regions**: on 1-D inputs the exact number of linear pieces on [-1, 1],
#   `len(segment_breakpoints) + 1`; on 2-D inputs the grid count (a lower bound, notebook 01);
# - **regions holding samples**, and their **effective number** (2^entropy of the samples per
#   region): the LMN that an exactly block-diagonal L would give;
# - **LMN** itself.
#
# Random nets of growing width (depth 2), averaged over `n_nets` nets per width.

# %%
X1 = torch.linspace(-1, 1, n_samples)[:, None]
X2 = 4 * torch.rand(n_samples_2d, 2) - 2
widths = [2, 4, 8, 16, 32, 64]
rows = {1: [], 2: []}
for w in widths:
    for d_in, X in ((1, X1), (2, X2)):
        counts = []
        for _ in range(n_nets):
            net = make_mlp(d_in, [w, w])
            if d_in == 1:
                regions = len(segment_breakpoints(net, [-1.0], [1.0])) + 1
            else:
                regions = count_regions_on_grid(net, -2.0, 2.0, 400)[0]
            per_region = samples_per_region(net, X)
            counts.append([regions, len(per_region), effective_number(per_region),
                           linear_mapping_number(net, X, n_points, compile=False)])
        rows[d_in].append(np.mean(counts, 0))
for d_in, n in ((1, n_samples), (2, n_samples_2d)):
    kind = "exact" if d_in == 1 else "grid"
    print(f"{d_in}-D input, {n} samples, mean of {n_nets} nets")
    print(f"width  regions ({kind})  holding samples  effective number  LMN")
    for w, (regions, held, eff, lmn) in zip(widths, rows[d_in]):
        print(f"{w:>5}  {regions:>15.1f}  {held:>15.1f}  {eff:>16.1f}  {lmn:>4.1f}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 4.2))
names = ["regions", "regions holding samples", "effective number of regions", "LMN"]
for ax, d_in, n in ((axes[0], 1, n_samples), (axes[1], 2, n_samples_2d)):
    values = np.array(rows[d_in])
    for k, name in enumerate(names):
        label = name if k else ("regions on [-1, 1] (exact)" if d_in == 1 else "regions (grid)")
        ax.plot(widths, values[:, k], "o-", label=label, color=f"C{k}", lw=2.5 if k == 3 else 1.5)
    ax.axhline(n, color="grey", ls=":", lw=1, label=f"N = {n} samples")
    ax.set(xscale="log", yscale="log", xlabel="width (2 hidden layers)", ylabel="count",
           title=f"ReLU nets, {d_in}-D input, mean of {n_nets} nets")
    ax.set_xticks(widths, [str(w) for w in widths])
    ticks = [t for t in (1, 2, 5, 10, 20, 50, 100, 1000, 10000) if t <= 1.5 * values.max()]
    ax.set_yticks(ticks, [str(t) for t in ticks])
    ax.minorticks_off()
    ax.legend(fontsize=8)
fig.tight_layout()
save_figure(fig, "03_lmn_vs_regions", output_dir)
plt.show()

# %% [markdown]
# The counts agree only roughly. Except for the narrowest nets, LMN sits well below the region
# counts, and it stops growing with width long before they do. Two reasons:
#
# 1. LMN can never exceed N, and neither can the regions holding samples: with N samples the
#    metric sees at most N mappings, however many regions the net has.
# 2. LMN weighs *how different* neighbouring maps are, not how many there are. A random net's
#    kinks are mostly mild (a neuron changes the slope a little), so a path across several
#    regions is still nearly straight, r^2 is close to 1, and those regions merge into one
#    soft cluster. A region count counts a mild kink as much as a sharp one.
#
# The narrowest 2-D nets show the opposite: LMN above the region count. The next example
# isolates that failure.
#
# ## An honest disagreement: |x| has 2 regions, LMN is far above 2
#
# f(x) = |x| = relu(x) + relu(-x) has exactly two linear regions, and with samples evenly
# spaced on [-1, 1] half fall in each. The effective number of regions is 2. Compute LMN:

# %%
abs_net = nn.Sequential(nn.Linear(1, 2), nn.ReLU(), nn.Linear(2, 1))
with torch.no_grad():
    abs_net[0].weight.copy_(torch.tensor([[1.0], [-1.0]]))
    abs_net[0].bias.zero_()
    abs_net[2].weight.copy_(torch.tensor([[1.0, 1.0]]))
    abs_net[2].bias.zero_()
L_abs = linear_connectivity(abs_net, X1, n_points, compile=False)
half = n_samples // 2
cross = L_abs[:half, half:]
eig = torch.linalg.eigvalsh(L_abs)
print(f"regions: {len(segment_breakpoints(abs_net, [-1.0], [1.0])) + 1}, "
      f"effective number of regions: {effective_number(samples_per_region(abs_net, X1)):.3f}")
print(f"LMN: {lmn_from_connectivity(L_abs):.2f}")
print(f"entries across the kink: min {cross.min().item():.2f}, mean {cross.mean().item():.2f}, "
      f"max {cross.max().item():.2f}")
print(f"eigenvalues: {int((eig > 1e-3).sum())} above 1e-3, {int((eig < -1e-3).sum())} below -1e-3, "
      f"{int((eig.abs() <= 1e-3).sum())} near 0; "
      f"largest {eig.max().item():.2f}, most negative {eig.min().item():.2f}")

# %% [markdown]
# Why: a segment from -s to t crosses the kink at the fraction s / (s + t) of its length. Its
# output |x| is a V. If the V is symmetric (s = t), r^2 = 0; if the kink sits near one end, the
# path is almost straight and r^2 is near 1. So the block between the two regions is not zero
# but a graded pattern from 0 to 1, and that pattern is far from rank one: it adds eigenvalues
# of both signs, and the absolute values count each of them as weight in p. Two controlled
# edits of L show it: set the cross-kink entries to 0 (two clean blocks), or to their mean (a
# constant coupling).

# %%
L_zero, L_mean = L_abs.clone(), L_abs.clone()
L_zero[:half, half:], L_zero[half:, :half] = 0.0, 0.0
L_mean[:half, half:], L_mean[half:, :half] = cross.mean(), cross.mean()
print(f"cross-kink entries set to 0:        LMN = {lmn_from_connectivity(L_zero):.2f}")
print(f"cross-kink entries set to the mean: LMN = {lmn_from_connectivity(L_mean):.2f}")
print(f"measured (graded) entries:          LMN = {lmn_from_connectivity(L_abs):.2f}")

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 3.9), gridspec_kw={"width_ratios": [1, 1.1, 1.2]})
axes[0].plot([-1, 0, 1], [1, 0, 1], color="C0")
axes[0].plot(X1[:, 0], X1[:, 0].abs(), "o", ms=3, color="C0")
axes[0].set(xlabel="x", ylabel="|x|", title=f"f(x) = |x|, {n_samples} samples, 2 regions")
im = axes[1].imshow(L_abs.numpy(), vmin=0, vmax=1, cmap="magma")
fig.colorbar(im, ax=axes[1], fraction=0.046, label="$L_{ij}$")
axes[1].set(xlabel="sample j", ylabel="sample i", title="L: two blocks and a graded cross "
            f"block\nLMN = {lmn_from_connectivity(L_abs):.2f}")
ranked = eig.numpy()[np.argsort(-np.abs(eig.numpy()))]
axes[2].bar(np.arange(1, n_samples + 1), np.abs(ranked),
            color=["C0" if v > 0 else "C3" for v in ranked])
axes[2].bar([0], [0], color="C0", label="positive eigenvalue")
axes[2].bar([0], [0], color="C3", label="negative eigenvalue")
axes[2].set(yscale="log", ylim=(1e-3, None), xlabel="rank by |eigenvalue|", ylabel="|eigenvalue|",
            title="Spectrum of L: weight beyond the top 2")
axes[2].legend()
fig.tight_layout()
save_figure(fig, "03_abs_example", output_dir)
plt.show()

# %% [markdown]
# So LMN is not the region count, even for the simplest ReLU net. It is a count of linear
# mappings *as seen through straight paths between samples*, softened by how straight those
# paths are. It agrees with the region count when paths either stay in one region or are
# thoroughly non-straight (all-ones blocks, zeros between); it overshoots when cross paths are
# graded, as here, and undershoots when kinks are mild (the random nets above).
#
# ## Smooth activations: LMN without regions
#
# A SiLU, GELU, tanh or sine net has no linear regions at all: every neuron bends smoothly, so
# counting activation patterns measures nothing about the map. LMN still applies, which is the
# point of the paper. Here one set of random weights (2-D input, 2 hidden layers of 16) is used
# with each activation, and the weights are multiplied by a gain g (the biases of layer k by
# g^k, so that every pre-activation is scaled by a power of g). ReLU is positively homogeneous,
# relu(g z) = g relu(z): this scaling changes the output's size and nothing else, so its LMN
# is the same at every gain. Smooth activations are nearly linear for small pre-activations and
# bend more as g grows: their LMN rises.

# %%
base = make_mlp(2, [16, 16])
gains = [0.25, 0.5, 1.0, 2.0, 4.0]
activations = ["relu", "silu", "gelu", "tanh", "sin"]
lmn_by_act = {}
for act in activations:
    lmn_by_act[act] = []
    for g in gains:
        net = make_mlp(2, [16, 16], activation=act)
        net.load_state_dict(base.state_dict())  # the same weights, only the activation differs
        with torch.no_grad():
            for k, linear in enumerate([m for m in net if isinstance(m, nn.Linear)], start=1):
                linear.weight.mul_(g)
                linear.bias.mul_(g**k)
        lmn_by_act[act].append(linear_mapping_number(net, X2, n_points, compile=False))
print("gain g " + "".join(f"{g:>7}" for g in gains))
for act in activations:
    print(f"{act:<6} " + "".join(f"{v:>7.2f}" for v in lmn_by_act[act]))

# %% [markdown]
# ## How LMN depends on N and on the number of interpolation points
#
# LMN is a property of a function *and* of the samples it is measured on. More samples can
# reveal more structure, so LMN tends to rise with N (and it can never exceed N); the paper
# uses all input pairs of its tasks (961 for modular addition), so its LMN values are only
# comparable between runs with the same inputs. The number of interpolation points changes
# the r^2 of paths that cross kinks (a kink between two interpolation points is partly
# smoothed over), so LMN also moves with `n_points`, here by a few percent only once there are
# 5 or more points; the paper fixes 21.

# %%
X_many = 4 * torch.rand(320, 2) - 2
relu_net = make_mlp(2, [16, 16])
silu_net = make_mlp(2, [16, 16], activation="silu")
nets_2d = {"ReLU 2-16-16-1": (relu_net, X_many), "SiLU 2-16-16-1": (silu_net, X_many)}
Ns = [10, 20, 40, 80, 160, 320]
points = [3, 5, 11, 21, 41, 81]
by_N, by_points = {}, {}
by_N["|x|"] = [linear_mapping_number(abs_net, torch.linspace(-1, 1, n)[:, None], n_points,
                                     compile=False) for n in Ns]
by_points["|x|"] = [linear_mapping_number(abs_net, X1, k, compile=False) for k in points]
for name, (net, X) in nets_2d.items():
    by_N[name] = [linear_mapping_number(net, X[:n], n_points, compile=False) for n in Ns]
    by_points[name] = [linear_mapping_number(net, X[:n_samples_2d], k, compile=False)
                       for k in points]
print(f"{'N':<15}" + "".join(f"{n:>7}" for n in Ns))
for name, values in by_N.items():
    print(f"{name:<15}" + "".join(f"{v:>7.2f}" for v in values))
print(f"\n{'n_points':<15}" + "".join(f"{k:>7}" for k in points))
for name, values in by_points.items():
    print(f"{name:<15}" + "".join(f"{v:>7.2f}" for v in values))

# %%
# one colour per activation in all three panels (the 2-D nets share their activation's colour)
colour_of = {act: f"C{k}" for k, act in enumerate(activations)}
colour_of.update({"|x|": "0.3", "ReLU 2-16-16-1": colour_of["relu"],
                  "SiLU 2-16-16-1": colour_of["silu"]})
fig, axes = plt.subplots(1, 3, figsize=(16, 3.9))
for act in activations:
    axes[0].plot(gains, lmn_by_act[act], "o-", label=act, color=colour_of[act])
axes[0].set(xscale="log", xlabel="gain g on the weights (layer k biases: g^k)", ylabel="LMN",
            title=f"Activation and gain ({n_samples_2d} samples)")
axes[0].set_xticks(gains, [str(g) for g in gains])
axes[0].minorticks_off()
axes[0].legend(fontsize=8)
for name, values in by_N.items():
    axes[1].plot(Ns, values, "o-", label=name, color=colour_of[name])
axes[1].plot(Ns, Ns, "k:", lw=1, label="LMN = N (the ceiling)")
axes[1].set(xscale="log", yscale="log", xlabel="number of samples N", ylabel="LMN",
            title=f"LMN against N ({n_points} points per path)")
axes[1].set_xticks(Ns, [str(n) for n in Ns])
axes[1].minorticks_off()
axes[1].legend(fontsize=8)
for name, values in by_points.items():
    axes[2].plot(points, values, "o-", label=name, color=colour_of[name])
axes[2].axvline(21, color="grey", ls=":", lw=1, label="the paper's 21")
axes[2].set(xscale="log", xlabel="interpolation points per path", ylabel="LMN",
            title=f"LMN against n_points (N = {n_samples} for |x|, {n_samples_2d} for 2-D)")
axes[2].set_xticks(points, [str(k) for k in points])
axes[2].minorticks_off()
axes[2].legend(fontsize=8)
fig.tight_layout()
save_figure(fig, "03_lmn_dependence", output_dir)
plt.show()

# %% [markdown]
# ## Where LMN's value comes from, on a net that has memorised mod 31
# The grokking notebooks measure LMN on all 961 inputs of $(a + b) \bmod 31$, from the first
# hidden layer to the logits. Here is one such $L$, of the paper's net trained for
# `memorise_steps` steps (it memorises its 80% training split near step 150, notebook 04), and
# a look at which eigenvalues the entropy comes from.

# %%
# NBVAL_IGNORE_OUTPUT
import lmn_utils as lu

history, stack = lu.train(seeds=[seed], steps=memorise_steps, lmn_layers=(), num_records=10)
memorised_net = stack.member(0).float()

# %%
task = lu.make_task("modular_addition", p=31)
with torch.no_grad():
    hidden1 = memorised_net.values(task.inputs, "hidden1")
L_mod = linear_connectivity(memorised_net.tail("hidden1"), hidden1, n_points, compile=False)
eig_mod = np.linalg.eigvalsh(L_mod.numpy())
p_mod = np.abs(eig_mod) / np.abs(eig_mod).sum()
terms = -p_mod * np.log2(np.where(p_mod > 0, p_mod, 1))  # each eigenvalue's share of S_NL
small = np.abs(eig_mod) < 0.01 * np.abs(eig_mod).max()
S_mod = terms.sum()
share = {"negative": (eig_mod < 0).mean(), "p_top": p_mod.max(),
         "p_small": p_mod[small].sum(), "S_small": terms[small].sum() / S_mod}
print(f"train accuracy {history.metrics['train_acc'][0, -1]:.2f} after {memorise_steps} steps; "
      f"LMN = {2 ** S_mod:.1f}")
print(f"negative eigenvalues: {100 * share['negative']:.0f}% of {len(eig_mod)}")
print(f"the largest |eigenvalue| holds p = {share['p_top']:.2f}; the {small.sum()} below 1% of it "
      f"hold p = {share['p_small']:.2f} and {100 * share['S_small']:.0f}% of the entropy")

# %%
order = np.argsort(-np.abs(eig_mod))
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
rank = np.arange(1, len(eig_mod) + 1)
for sign, colour, label in ((1, "C0", "positive"), (-1, "C3", "negative")):
    chosen = np.sign(eig_mod[order]) == sign
    axes[0].loglog(rank[chosen], np.abs(eig_mod[order])[chosen], ".", ms=3, color=colour,
                   alpha=0.5, label=f"{label} ({chosen.sum()})")  # translucent: both show
axes[0].set(xlabel="rank by |eigenvalue|", ylabel="|eigenvalue|",
            title="Spectrum of L: one large eigenvalue, a long tail of both signs")
axes[0].legend()
axes[1].plot(rank, np.cumsum(terms[order]) / S_mod, color="C2")
axes[1].set(xscale="log", xlabel="rank by |eigenvalue|", ylabel="share of S_NL",
            title="Cumulative share of the entropy: the tail carries most of it")
axes[1].grid(alpha=0.3)
fig.tight_layout()
save_figure(fig, "03_mod31_spectrum", output_dir)
plt.show()

# %% [markdown]
# **Reading it.** After memorisation, LMN is in the tens, but not because the net uses a few
# tens of clean linear maps: one eigenvalue (the "everything is roughly linear" direction, near
# $N$ times the mean entry) holds at least a third of the probability, more than a fifth of the
# eigenvalues are negative, and the many small eigenvalues, each below 1% of the largest,
# carry more than half of the entropy (the numbers are printed above). LMN is an *effective number* of a spread-out spectrum. Read it as a
# measure that goes up and down with how curved the net's paths are, and compare it across the
# training steps of one model on one fixed input set, as the paper does; do not read it as a
# literal count of mappings.

# %%
assert 10 <= 2 ** S_mod < 100, S_mod  # "in the tens"
assert share["negative"] > 0.2 and share["p_top"] > 1 / 3 and share["S_small"] > 0.5, share

# %% [markdown]
# **What to take away.** The Von Neumann entropy of L is exact on its test cases (c equal
# blocks give LMN = c, unequal blocks their effective number). On real nets LMN is a *soft*
# count: it tracks region counts only loosely, overshoots on graded cross-kink paths (|x| on
# 40 samples: 2 regions, LMN about 5.6), undershoots on mild kinks, is capped by N, and moves
# with N and the number of interpolation points. That is why the paper (and notebooks 04-07) compares LMN only
# across training steps of one model on one fixed set of inputs, where these choices are held
# fixed, and applies it to SiLU nets, where region counts do not exist. Why a *falling* count
# reads as compression (log2 LMN as the bits that name a sample's linear map) is the bridge at
# the start of notebook 04, worked by hand on |x|.

# %% [markdown]
# ## Try it
# Rerun this notebook with one parameter changed, e.g.
# `python -m lmn_utils.run_notebooks 03 -p memorise_steps 10000` (writes to `scratch/`), or edit
# the parameters cell. Answers (from the default seed) below each question.
#
# 1. **The spectrum through grokking.** Set `memorise_steps` to 1 (initialisation), 3000
#    (memorised, still generalising) and 10000 (generalised; notebook 04 finds generalisation
#    near step 6600). How do LMN and the shape of the spectrum change?
#
#    <details><summary>Answer</summary>
#
#    | steps | LMN | negative eigenvalues | p of the largest | tail's share of $S_{NL}$ |
#    |---|---|---|---|---|
#    | 1 | 29.6 | 39% | 0.59 | 91% |
#    | 300 (default) | 57.3 | 36% | 0.48 | 90% |
#    | 3000 | 36.5 | 38% | 0.55 | 91% |
#    | 10000 | 17.4 | 39% | 0.66 | 90% |
#
#    LMN rises while the net memorises and falls as it generalises: the grokking story of
#    notebooks 04-07 in one net. The share of negative eigenvalues and the tail's share of the
#    entropy hardly move; what changes is how much the top eigenvalue dominates: the more of
#    the probability it holds, the lower the entropy.
#    </details>
#
# 2. **Fewer points per path.** Set `n_points = 5`. Which numbers of this notebook move?
#
#    <details><summary>Answer</summary>
#
#    Few, and a little: the |x| example's LMN goes from 5.59 to 5.44, the small ReLU net's from
#    9.90 to 9.73, the memorised mod-31 net's from 57.3 to 58.6. The exact test cases (block
#    matrices) do not move at all: they do not depend on paths.
#    </details>


# %% [markdown]
# ## Check yourself
# LMN from a connectivity matrix
# (about 5 minutes of writing; the check runs in under a second on 2 cores).
#
# `my_lmn(L)` gets a symmetric connectivity matrix (a float64 tensor [N, N]). Return its LMN:
# the magnitudes of its eigenvalues, divided by their sum, as probabilities $p$; the entropy
# $S = -\sum p \log_2 p$ (terms with $p = 0$ count 0); LMN $= 2^S$.
# Write it in the cell below, replacing `raise NotImplementedError`, and run the next cell: it
# runs your function on a few cases against the library's own answer and says, in one line,
# whether they agree (or which case does not).

# %%
def my_lmn(L):
    # your code: eigenvalues (L is symmetric), p, the entropy in bits, 2 ** S
    raise NotImplementedError

# %%
from lmn_utils import exercises

passed = exercises.check_lmn(my_lmn)  # True when every case agrees (the line above says which)

# %% [markdown]
# <details><summary>A solution</summary>
#
# ```python
# def my_lmn(L):
#     magnitudes = np.abs(np.linalg.eigvalsh(L.numpy()))
#     p = magnitudes / magnitudes.sum()
#     p = p[p > 0]
#     return float(2 ** -(p * np.log2(p)).sum())
# ```
# </details>
