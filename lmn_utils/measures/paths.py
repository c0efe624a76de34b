"""The r^2 of interpolation paths: which pairs a chunk holds, and the connectivity of their
outputs (the kernel every evaluation path of `tail_plan` ends in; `lmn.linear_connectivity`
assembles the matrix from it)."""
import torch


def row_starts(N, device):
    """Number of the first pair (i, i+1) of each row i of the upper triangle, int64 [N - 1]."""
    i = torch.arange(N - 1, device=device, dtype=torch.int64)
    return i * (2 * N - i - 1) // 2


def pair_indices(start, stop, N, device, starts=None):
    """Rows i and columns j of the upper-triangle pairs (i < j) numbered start .. stop-1.

    Pairs are numbered row by row: (0,1), (0,2), ..., (0,N-1), (1,2), ... Integer arithmetic
    only (a binary search in `row_starts`), so it is exact for any N and runs on devices
    without float64 (MPS). Numbers past the last pair continue the last row (j >= N).
    """
    starts = row_starts(N, device) if starts is None else starts
    k = torch.arange(start, stop, device=device, dtype=torch.int64)
    i = torch.searchsorted(starts, k, right=True) - 1
    return i, k - starts[i] + i + 1


def connectivity_from_outputs(Y_inner, Y_start, Y_end, t_inner, tol):
    """Mean over coordinates of r^2 of each path's outputs against l.

    Y_inner [P, n-2, K] are the outputs at the interior points t_inner, Y_start / Y_end [P, K]
    at l = 0 and 1; tol [K] is the standard deviation under which a coordinate is constant.
    """
    n = Y_inner.shape[1] + 2
    mean = (Y_inner.sum(1) + Y_start + Y_end) / n
    dev_inner = Y_inner - mean[:, None, :]
    dev_start, dev_end = Y_start - mean, Y_end - mean
    var = (dev_inner * dev_inner).sum(1) + dev_start * dev_start + dev_end * dev_end
    s = t_inner - 0.5  # centred interpolation coordinate; the end points sit at -1/2 and +1/2
    cov = (s[None, :, None] * dev_inner).sum(1) + 0.5 * (dev_end - dev_start)
    var_t = (s * s).sum() + 0.5
    constant = var <= n * tol * tol
    r2 = torch.where(constant, torch.ones_like(var), cov * cov / (var_t * var.clamp_min(1e-300)))
    return r2.clamp(0.0, 1.0).mean(1)
