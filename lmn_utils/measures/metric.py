"""Linear connectivity, Von Neumann entropy and the Linear Mapping Number (paper, section 2).

L_ij is the mean over output coordinates k of r^2_k, the squared Pearson correlation of
y_k(l) = f_k(x_i + l (x_j - x_i)) with l on `n_points` evenly spaced values of [0, 1].
S_NL is the Shannon entropy (bits) of |eigenvalues(L)| normalised to sum 1; LMN = 2 ** S_NL.

Exact shortcuts (see `tail_plan.py`): a tail whose first module is an nn.Linear is evaluated on
interpolated pre-activations (interpolation commutes with affine maps); the end points are the
samples' own outputs; an output Linear's bias never changes a correlation. Only pairs i < j are
evaluated, streamed in fixed-size chunks so memory is bounded by the chunk, not by N^2.

A coordinate is *constant along a path* (0/0 correlation, counted as r^2 = 1, since a constant is
affine in l) when its standard deviation over the path is at most `const_rtol` times that
coordinate's largest magnitude over all samples' outputs. The default, 100 machine epsilons of
the computation dtype (1.2e-5 in float32, 2.2e-14 in float64), sits above rounding noise and far
below any variation that float32 can resolve to the 1e-3 accuracy the metric is tested at.
"""
import math
import os

import torch

from ..device import full_float32_matmuls
from .paths import pair_indices, row_starts
from .tail_plan import plan_tail

DEFAULT_N_POINTS = 21
# pairs per chunk: small on a CPU (the chunk's intermediates stay in cache), large on a GPU
# (enough work per kernel launch). Memory per chunk is about chunk x (n_points - 2) x widest
# layer x 4 bytes per intermediate: at 16384 pairs, 19 points and 100 units, 125 MB in float32.
DEFAULT_CHUNK_PAIRS = 1024
GPU_CHUNK_PAIRS = 16384


def default_chunk_pairs(device, path_width=None):
    """Pairs per chunk on `device`: 1024 on CPU, 16384 on CUDA and MPS. On a CPU, paths wider
    than 128 values per point get fewer pairs (a power of 2, at least 128), so that a chunk's
    interpolated points stay about as large as the MLP's: for the transformer's 287-wide paths
    (notebook 09) 256 pairs, faster than 1024 (timed in BENCHMARKS.md)."""
    if torch.device(device).type != "cpu":
        return GPU_CHUNK_PAIRS
    if path_width is None or path_width <= 128:
        return DEFAULT_CHUNK_PAIRS
    scaled = max(DEFAULT_CHUNK_PAIRS * 128 // path_width, 1)
    return max(128, 1 << (scaled.bit_length() - 1))


def _check_inputs(X, n_points):
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"X must be a torch.Tensor of shape [N, d], got {type(X).__name__}")
    if X.dim() != 2:
        raise ValueError(f"X must be 2-D [N, d], got shape {tuple(X.shape)}")
    if X.shape[0] < 2:
        raise ValueError(f"X must hold at least 2 samples, got N = {X.shape[0]}")
    if not X.is_floating_point():
        raise TypeError(f"X must be a floating-point tensor, got dtype {X.dtype}")
    if isinstance(n_points, bool) or not isinstance(n_points, int) or n_points < 3:
        raise ValueError(f"n_points must be an integer >= 3, got {n_points!r}")


def linear_connectivity(f, X, n_points=DEFAULT_N_POINTS, chunk_pairs=None, const_rtol=None,
                        compile=None):
    """The linear connectivity matrix L [N, N] (torch.float64, on the CPU) of `f` on `X`.

    f: a callable [B, d1] -> [B, d2] (function, nn.Module, or a model tail from
    `EmbedMLP.tail`). Computations run in X's dtype and device, with TF32 off; the pairs'
    values stay on that device and come back in one copy. chunk_pairs: pairs evaluated at once
    (None: `default_chunk_pairs(X.device, width of the paths)`). compile: use torch.compile on recognised tails
    (None: on, unless LMN_COMPILE=0). Used by notebooks 02-07.

    Example:
        >>> import torch
        >>> f = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
        >>> L = linear_connectivity(f, torch.randn(10, 2), compile=False)
        >>> L.shape, L.dtype, bool((L.diagonal() == 1).all())
        (torch.Size([10, 10]), torch.float64, True)
    """
    _check_inputs(X, n_points)
    if chunk_pairs is not None and (isinstance(chunk_pairs, bool) or not isinstance(chunk_pairs, int)
                                    or chunk_pairs < 1):
        raise ValueError(f"chunk_pairs must be a positive integer, got {chunk_pairs!r}")
    N = X.shape[0]
    check_fits_in_memory(N)
    with torch.no_grad(), full_float32_matmuls():
        try:
            plan = plan_tail(f, X, compile=compile)
            Z = plan.head(X)
            Y = plan.outputs(Z)
        except RuntimeError as error:  # e.g. X's width is not the one f takes
            raise ValueError(f"f cannot run on X of shape {tuple(X.shape)} and dtype {X.dtype}: "
                             f"{str(error).splitlines()[0]}") from error
        if chunk_pairs is None:
            chunk_pairs = default_chunk_pairs(X.device, Z.shape[1])
        if Y.shape[0] != N:
            raise ValueError(f"f must return one row per sample: got {Y.shape[0]} rows for N = {N}")
        if not torch.isfinite(Y).all():
            raise ValueError("f returned non-finite values (nan or inf) on X")
        rtol = const_rtol if const_rtol is not None else 100 * torch.finfo(Y.dtype).eps
        tol = rtol * Y.abs().amax(0)
        t_inner = torch.linspace(0, 1, n_points, dtype=Z.dtype, device=Z.device)[1:-1]
        num_pairs = N * (N - 1) // 2
        starts = row_starts(N, Z.device)
        r2 = torch.empty(num_pairs, dtype=Y.dtype, device=Z.device)
        for start in range(0, num_pairs, chunk_pairs):
            # the last chunk is padded to the full size, so a compiled kernel sees one shape
            i, j = pair_indices(start, start + chunk_pairs, N, Z.device, starts)
            i, j = i.clamp_(max=N - 2), j.clamp_(max=N - 1)
            stop = min(start + chunk_pairs, num_pairs)
            r2[start:stop] = plan.chunk_connectivity(Z, Y, i, j, t_inner, tol)[: stop - start]
    upper = torch.zeros(N, N, dtype=torch.float64)
    i, j = torch.triu_indices(N, N, 1)
    upper[i, j] = r2.cpu().double()  # to the CPU first: MPS has no float64
    return upper + upper.T + torch.eye(N, dtype=torch.float64)


def available_memory_bytes():
    """Physical memory of this machine (Linux and macOS), or None where it cannot be read."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def check_fits_in_memory(N):
    """One line naming lmn_samples where the connectivity matrix of N inputs cannot fit: about
    three float64 N x N matrices live at once (L, its transpose and the eigen-solver's copy)."""
    need, have = 3 * 8 * N * N, available_memory_bytes()
    if have is not None and need > have:
        raise MemoryError(f"LMN on N = {N} inputs needs about {need / 2**30:.0f} GiB for the "
                          f"connectivity matrix, more than this machine's {have / 2**30:.0f} GiB: "
                          "measure it on a subset of the inputs (in a training run: lmn_samples)")


def _check_square_symmetric(L):
    if not isinstance(L, torch.Tensor):
        L = torch.as_tensor(L)
    if L.dim() != 2 or L.shape[0] != L.shape[1] or L.shape[0] < 1:
        raise ValueError(f"L must be a square 2-D matrix, got shape {tuple(L.shape)}")
    L = L.detach().to("cpu", torch.float64)
    if not torch.isfinite(L).all():
        raise ValueError("L must be finite (no nan or inf)")
    scale = max(L.abs().max().item(), 1e-300)
    if (L - L.T).abs().max().item() > 1e-6 * scale:
        raise ValueError("L must be symmetric (|L - L.T| <= 1e-6 max|L|)")
    return (L + L.T) / 2


def von_neumann_entropy(L):
    """S_NL in bits: -sum p log2 p with p = abs(eigvals(L)) / sum(abs(eigvals(L))). Notebook 03.

    Example (two equal all-ones blocks: two linear mappings, one bit):
        >>> import torch
        >>> round(von_neumann_entropy(torch.block_diag(torch.ones(3, 3), torch.ones(3, 3))), 9)
        1.0
    """
    L = _check_square_symmetric(L)
    magnitudes = torch.linalg.eigvalsh(L).abs()
    total = magnitudes.sum()
    if total <= 0:
        raise ValueError("L has only zero eigenvalues; its entropy is undefined")
    p = magnitudes / total
    p = p[p > 0]
    return float(-(p * torch.log2(p)).sum())


def lmn_from_connectivity(L):
    """LMN = 2 ** S_NL of a given connectivity matrix.

    Example (c equal all-ones blocks give LMN = c):
        >>> import torch
        >>> round(lmn_from_connectivity(torch.block_diag(*[torch.ones(2, 2)] * 3)), 9)
        3.0
    """
    return 2.0 ** von_neumann_entropy(L)


def linear_mapping_number(f, X, n_points=DEFAULT_N_POINTS, **kwargs):
    """LMN of `f` on the samples `X` (a float >= 1): 2 ** von_neumann_entropy(L).

    Example (an affine map has one linear mapping):
        >>> import torch
        >>> round(linear_mapping_number(torch.nn.Linear(3, 2), torch.randn(20, 3)), 3)
        1.0
    """
    return lmn_from_connectivity(linear_connectivity(f, X, n_points, **kwargs))


def effective_number(counts):
    """2 ** Shannon entropy (bits) of a histogram: the LMN of blocks of these sizes."""
    counts = torch.as_tensor(counts, dtype=torch.float64)
    p = counts[counts > 0] / counts.sum()
    return 2.0 ** float(-(p * torch.log2(p)).sum()) if math.isfinite(p.sum()) else float("nan")
