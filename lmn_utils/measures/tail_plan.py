"""How `linear_connectivity` evaluates a function along interpolation paths.

A tail built from nn.Linear layers and elementwise activations (an nn.Sequential, such as
`EmbedMLP.tail`) is recognised and evaluated with exact shortcuts: a leading Linear is applied
to the samples once (interpolating its outputs is the same as interpolating its inputs), an
output Linear loses its bias (a shift never changes a correlation) and gets its weight padded
to a multiple of 8 outputs (a skinny matmul runs faster padded on CPUs), kept as
[outputs, hidden] and used transposed (MKL's NT layout; both measured in BENCHMARKS.md). Recognised
tails run through torch.compile (fused C++ on CPU, Triton on GPU), with an eager fallback that
computes the same numbers. A `ResidualMLP` (a transformer's MLP block and unembedding) has its
own exact path. Any other callable is evaluated as is, chunk by chunk.
"""
import os
import warnings
from dataclasses import dataclass
from functools import partial
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from .activations import activation_function
from .paths import connectivity_from_outputs


class ResidualMLP(nn.Module):
    """y = A z + B act(C z + c) + d: a residual MLP block followed by a linear readout.

    With A = W_U, B = W_U W_out, C = W_in, c = b_in, d = W_U b_out it is a transformer's tail
    from the MLP's input to the logits (`transformer.py`). Its fast path needs A z and C z + c
    at the paths' end points only (both are affine in z) and drops d (a shift).
    """

    def __init__(self, W_in, b_in, W_out, b_out, W_U, activation=None):
        super().__init__()
        self.W_in, self.b_in, self.W_out, self.b_out, self.W_U = W_in, b_in, W_out, b_out, W_U
        self.activation = nn.ReLU() if activation is None else activation

    def forward(self, z):
        hidden = self.activation(F.linear(z, self.W_in, self.b_in))
        return F.linear(z + F.linear(hidden, self.W_out, self.b_out), self.W_U)


def _recognise(f):
    """[("linear", W, b) | ("act", fn), ...] for a Sequential of Linears and activations."""
    if not isinstance(f, nn.Sequential) or len(f) == 0:
        return None
    ops = []
    for module in f:
        if type(module) is nn.Linear:
            ops.append(("linear", module.weight.detach(), module.bias))
            continue
        try:
            fn = activation_function(module)
        except KeyError:
            return None
        if fn is not None:
            ops.append(("act", fn))
    return ops


@dataclass
class TailPlan:
    head: Callable          # samples [N, d1] -> end points of the paths [N, h]
    outputs: Callable       # path points [B, h] -> outputs [B, K]
    chunk_connectivity: Callable  # (Z, Y, i, j, t_inner, tol) -> r2 [P] of pairs (i, j)


def _interpolate(Zi, Zj, t_inner):
    return Zi[:, None, :] + t_inner[None, :, None] * (Zj - Zi)[:, None, :]


def _make_kernel(acts_and_linears):
    """A function of tensors only (so one compiled graph serves every checkpoint and seed)."""

    def kernel(Z, Y, i, j, t_inner, tol, weights, W_out, K):
        h = _interpolate(Z[i], Z[j], t_inner)
        next_weight = 0
        for fn in acts_and_linears:
            if fn is None:
                h = F.linear(h, weights[next_weight], weights[next_weight + 1])
                next_weight += 2
            else:
                h = fn(h)
        if W_out is not None:
            h = (h.reshape(-1, h.shape[-1]) @ W_out.T).reshape(h.shape[0], h.shape[1], -1)
        return connectivity_from_outputs(h[..., :K], Y[i], Y[j], t_inner, tol)

    return kernel


_KERNELS = {}  # (key, compiled?) -> kernel, shared by every plan of the same shape
_COMPILED_CALLS = [0]  # chunks a compiled kernel computed (tests read it: a fallback is no pass)


def compiled_calls():
    """How many chunks a compiled kernel has computed in this process so far: a test of the
    compiled path compares it before and after, and skips, saying so, when nothing compiled ran
    (torch.compile fell back to eager, a decision cached for the process)."""
    return _COMPILED_CALLS[0]


def _eager_kernel(key, make):
    if (key, False) not in _KERNELS:
        _KERNELS[(key, False)] = make()
    return _KERNELS[(key, False)]


def _kernel_runner(key, eager, compile):
    """Calls the compiled `eager` kernel (compiled once per key), or `eager` itself when compile
    is off. A compile failure (no C compiler, no Triton, unsupported backend, ...) is decided
    once: this plan's later chunks and every later plan of this key run eager."""
    if _use_compile(compile) and (key, True) not in _KERNELS:
        _KERNELS[(key, True)] = torch.compile(eager, dynamic=False)
    chosen = {"kernel": _KERNELS[(key, True)] if _use_compile(compile) else eager}

    def run(*args):
        try:
            result = chosen["kernel"](*args)
            _COMPILED_CALLS[0] += chosen["kernel"] is not eager
            return result
        except Exception as error:
            if chosen["kernel"] is eager:
                raise
            warnings.warn(f"torch.compile failed ({type(error).__name__}); using eager LMN")
            chosen["kernel"] = _KERNELS[(key, True)] = eager
            return eager(*args)

    return run


def _use_compile(compile):
    if compile is None:
        return os.environ.get("LMN_COMPILE", "1") != "0"
    return bool(compile)


def _recognised_plan(ops, dtype, compile):
    ops = [(k, *(t.to(dtype) if isinstance(t, torch.Tensor) else t for t in rest))
           for k, *rest in ops]
    head = lambda X: X  # noqa: E731
    if ops[0][0] == "linear":
        _, W, b = ops.pop(0)
        head = partial(F.linear, weight=W, bias=b)
    W_out, K = None, None
    if ops and ops[-1][0] == "linear":
        _, W, _ = ops.pop()
        K = W.shape[0]
        W_out = torch.zeros(-(-K // 8) * 8, W.shape[1], dtype=W.dtype, device=W.device)
        W_out[:K] = W
    signature = tuple(None if kind == "linear" else rest[0] for kind, *rest in ops)
    weights = []
    for kind, *rest in ops:
        if kind == "linear":
            W, b = rest
            weights += [W, b if b is not None else W.new_zeros(W.shape[0])]
    run = _kernel_runner(signature, _eager_kernel(signature, partial(_make_kernel, signature)),
                         compile)

    def outputs(Z):
        h = Z
        for fn, (kind, *rest) in zip(signature, ops):
            h = F.linear(h, *rest) if fn is None else fn(h)
        return h if W_out is None else h @ W_out[:K].T

    def chunk_connectivity(Z, Y, i, j, t_inner, tol):
        return run(Z, Y, i, j, t_inner, tol, weights, W_out, K)

    return TailPlan(head, outputs, chunk_connectivity)


def _make_residual_kernel(act):

    def kernel(Z, Y, i, j, t_inner, tol, B, K):
        h = _interpolate(Z[i], Z[j], t_inner)  # [P, n-2, K + hidden]: (A z, C z + c) on the path
        return connectivity_from_outputs(h[..., :K] + act(h[..., K:]) @ B.T, Y[i], Y[j], t_inner, tol)

    return kernel


def _residual_plan(f, dtype, compile):
    """The exact fast path of a ResidualMLP: the head maps z to (A z, C z + c)."""
    act = activation_function(f.activation)
    A, C, c = (t.detach().to(dtype) for t in (f.W_U, f.W_in, f.b_in))
    B = (f.W_U.detach().double() @ f.W_out.detach().double()).to(dtype)
    K = A.shape[0]
    head = lambda X: torch.cat([X @ A.T, F.linear(X, C, c)], 1)  # noqa: E731
    outputs = lambda Z: Z[:, :K] + act(Z[:, K:]) @ B.T  # noqa: E731
    key = ("residual", act)
    run = _kernel_runner(key, _eager_kernel(key, partial(_make_residual_kernel, act)), compile)

    def chunk_connectivity(Z, Y, i, j, t_inner, tol):
        return run(Z, Y, i, j, t_inner, tol, B, K)

    return TailPlan(head, outputs, chunk_connectivity)


def _generic_plan(f):

    def outputs(Z):
        Y = f(Z)
        if not isinstance(Y, torch.Tensor):
            raise TypeError(f"f must return a torch.Tensor, got {type(Y).__name__}")
        if Y.dim() == 0 or Y.shape[0] != Z.shape[0]:
            raise ValueError(f"f must return one row per sample: got shape {tuple(Y.shape)} "
                             f"for a batch of {Z.shape[0]}")
        return Y.reshape(Z.shape[0], -1)

    def chunk_connectivity(Z, Y, i, j, t_inner, tol):
        path = _interpolate(Z[i], Z[j], t_inner)
        Y_inner = outputs(path.reshape(-1, path.shape[-1])).reshape(path.shape[0], path.shape[1], -1)
        if not torch.isfinite(Y_inner).all():
            raise ValueError("f returned non-finite values (nan or inf) on an interpolation path")
        return connectivity_from_outputs(Y_inner.to(Y.dtype), Y[i], Y[j], t_inner, tol)

    return TailPlan(lambda X: X, outputs, chunk_connectivity)


def plan_tail(f, X, compile=None):
    """The TailPlan for `f` evaluated on samples like `X` (dtype and device)."""
    if not callable(f):
        raise TypeError(f"f must be callable [B, d1] -> [B, d2], got {type(f).__name__}")
    if type(f) is ResidualMLP:
        try:
            return _residual_plan(f, X.dtype, compile)
        except KeyError:  # an activation without a known elementwise function
            return _generic_plan(f)
    ops = _recognise(f)
    if not ops:
        return _generic_plan(f)
    return _recognised_plan(ops, X.dtype, compile)
