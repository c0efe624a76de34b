"""Exact linear-region tools for ReLU MLPs (paper, section 2 and Figure 1; notebooks 01-03).

A ReLU MLP, given as an nn.Sequential of nn.Linear and nn.ReLU modules, is piecewise linear: its
*activation pattern* (which ReLU inputs are > 0) is constant on convex regions of input space,
and on each region the net is one affine map. These functions count and draw those regions.

- `segment_breakpoints`: exact, along a straight input segment. Along x(l) = x0 + l (x1 - x0)
  each pre-activation is linear in l between the breakpoints found so far, so its zero
  crossings are found exactly, piece by piece, layer by layer (rounding aside: float64).
- `count_regions_on_grid`: 2-D inputs, on a grid; a lower bound (regions that contain no grid
  point are missed).
- `samples_per_region`: how the samples fall into regions; `effective_number_of_regions` is
  2 ** entropy of those counts, the quantity LMN would equal if L were exactly block-diagonal.
- `make_mlp`: the small Linear-activation nets the notebooks study.

A breakpoint is a change of activation pattern. The output need not bend there (a neuron whose
outgoing weights are zero changes the pattern, not the map), so patterns can over-count the
affine pieces of f (for random nets they almost always agree).
"""
import copy

import numpy as np
import torch
from torch import nn

from .metric import effective_number
from .activations import ACTIVATIONS


def make_mlp(d_in, widths, d_out=1, activation="relu"):
    """Linear-act-...-Linear as an nn.Sequential, hidden layer sizes `widths`, PyTorch's init."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
    sizes = [d_in, *widths]
    if any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in [*sizes, d_out]):
        raise ValueError(f"d_in, widths and d_out must be positive integers, got {sizes}, {d_out}")
    modules = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        modules += [nn.Linear(a, b), ACTIVATIONS[activation]()]
    return nn.Sequential(*modules, nn.Linear(sizes[-1], d_out))


def check_relu_mlp(net):
    """Raise unless `net` is an nn.Sequential of nn.Linear and nn.ReLU starting with a Linear."""
    if not isinstance(net, nn.Sequential) or len(net) == 0:
        raise TypeError(f"net must be a non-empty nn.Sequential of nn.Linear and nn.ReLU, "
                        f"got {type(net).__name__}")
    for k, module in enumerate(net):
        if type(module) not in (nn.Linear, nn.ReLU):
            raise TypeError(f"net must hold only nn.Linear and nn.ReLU, "
                            f"module {k} is {type(module).__name__}")
        if type(module) is nn.ReLU and (k == 0 or type(net[k - 1]) is not nn.Linear):
            raise TypeError(f"net: each nn.ReLU must follow an nn.Linear (module {k} does not)")


def _as_float64(net):
    check_relu_mlp(net)
    return copy.deepcopy(net).to("cpu", torch.float64)


@torch.no_grad()
def _pre_activations(net64, X):
    """List of the inputs of every ReLU ([N, width] each) of a float64 net on X [N, d]."""
    pre, h = [], X
    for module in net64:
        if type(module) is nn.ReLU:
            pre.append(h)
        h = module(h)
    return pre


def _check_samples(X, d_in, name="X"):
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape [N, {d_in}], "
                        f"got {type(X).__name__}")
    if X.dim() != 2 or X.shape[1] != d_in or X.shape[0] < 1:
        raise ValueError(f"{name} must have shape [N >= 1, {d_in}], got {tuple(X.shape)}")


def segment_breakpoints(net, x0, x1):
    """Sorted float64 array of the l in (0, 1) where a ReLU input changes sign on x0 + l (x1 - x0).

    The segment crosses len(result) + 1 linear regions (regions are convex: each is crossed once).
    """
    net64 = _as_float64(net)
    d_in = net64[0].in_features
    x0, x1 = (torch.as_tensor(x, dtype=torch.float64).reshape(-1) for x in (x0, x1))
    for name, x in (("x0", x0), ("x1", x1)):
        if x.numel() != d_in or not torch.isfinite(x).all():
            raise ValueError(f"{name} must be a finite point with {d_in} coordinates")
    knots = torch.tensor([0.0, 1.0], dtype=torch.float64)
    for layer in range(sum(type(m) is nn.ReLU for m in net64)):
        # this layer's pre-activations are linear in l between consecutive knots
        z = _pre_activations(net64, x0 + knots[:, None] * (x1 - x0))[layer]
        za, zb = z[:-1], z[1:]
        cross = (za * zb) < 0
        a, b = knots[:-1, None].expand_as(za), knots[1:, None].expand_as(za)
        zero = a + (b - a) * za / (za - zb)
        knots = torch.unique(torch.cat([knots, zero[cross]]))  # unique() also sorts
    return knots[1:-1].numpy()


def activation_pattern(net, X):
    """Boolean tensor [N, hidden neurons]: which ReLU inputs are > 0, all layers side by side."""
    net64 = _as_float64(net)
    _check_samples(X, net64[0].in_features)
    pre = _pre_activations(net64, X.detach().to("cpu", torch.float64))
    if not pre:
        return torch.zeros(X.shape[0], 0, dtype=torch.bool)
    return torch.cat(pre, 1) > 0


def region_labels(net, X):
    """Integer region label per sample (samples with the same activation pattern share one)."""
    packed = np.packbits(activation_pattern(net, X).numpy(), axis=1)  # 8 neurons a byte
    if packed.shape[1] == 0:  # no ReLU at all: one affine map, one region
        return np.zeros(len(packed), dtype=np.int64)
    rows = np.ascontiguousarray(packed).view(np.dtype((np.void, packed.shape[1])))
    _, labels = np.unique(rows.reshape(-1), return_inverse=True)  # np.unique(axis=0) is 40x slower
    return labels.reshape(-1)


def count_regions_on_grid(net, lo, hi, resolution):
    """(number of distinct activation patterns on a grid over [lo, hi]^2, labels image).

    labels[r, c] is the region of the point (x = xs[c], y = xs[r]), xs = linspace(lo, hi,
    resolution); draw it with imshow(labels, origin="lower", extent=(lo, hi, lo, hi)).
    Resolution error: a region that holds no grid point is missed, so the count is a lower
    bound on the regions meeting the square; it rises towards the true count as resolution grows.
    """
    check_relu_mlp(net)
    if net[0].in_features != 2:
        raise ValueError(f"net must take 2-D inputs, its first Linear takes {net[0].in_features}")
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) \
            or resolution < 2:
        raise ValueError(f"resolution must be an integer >= 2, got {resolution!r}")
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"lo and hi must be finite with lo < hi, got lo={lo!r}, hi={hi!r}")
    xs = torch.linspace(float(lo), float(hi), int(resolution), dtype=torch.float64)
    gy, gx = torch.meshgrid(xs, xs, indexing="ij")
    labels = region_labels(net, torch.stack([gx.reshape(-1), gy.reshape(-1)], 1))
    return int(labels.max()) + 1, labels.reshape(int(resolution), int(resolution))


def samples_per_region(net, X):
    """Number of samples in each region that holds any, largest first (int64 array)."""
    counts = np.bincount(region_labels(net, X))
    return -np.sort(-counts)


def effective_number_of_regions(net, X):
    """2 ** entropy (bits) of the samples' distribution over regions (<= regions with samples)."""
    return effective_number(samples_per_region(net, X))
