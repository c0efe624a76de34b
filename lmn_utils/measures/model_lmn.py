"""`lmn(model, X, at=..., to=None)`: the LMN of any torch model from a point inside it.

The paths start at `at` (a submodule, or its name in `model.named_modules()`): the model runs
on X, a forward hook records the values `at` outputs (`record_values`), and each pair's path
is the straight segment between two samples' values there. The function along a path is the
rest of the model: it runs again with `at`'s output replaced by the path's points, up to `to`
(a submodule whose output is the end point) or the model's output. An nn.Sequential model
whose `at` is one of its children has its tail taken as the children after it, which
`tail_plan` evaluates by the fast exact path; any other model is evaluated as it is.

`at` must be a *cut*: the rest of the model may depend on the input only through `at`'s
output. Where it does otherwise (a skip connection around `at`), the tail is not a function of
the point alone and LMN from it is undefined: `lmn` checks this on a few samples and says so
in one line instead of returning a number that means something else.
"""
import torch
from torch import nn

from .metric import DEFAULT_N_POINTS, linear_connectivity, lmn_from_connectivity

CUT_CHECK_SAMPLES = 4


class _Stop(Exception):
    """Raised by the hook on `to` once it has its value: the rest of the forward is skipped."""


def _module(model, point, name):
    """The submodule `point` names (a module of `model`, or its name), None for None."""
    if point is None:
        return None
    if isinstance(point, str):
        modules = dict(model.named_modules())
        if point not in modules or point == "":
            raise ValueError(f"{name}={point!r} is not a submodule name of the model; names "
                             f"are {[n for n in modules if n][:12]}")
        return modules[point]
    if not isinstance(point, nn.Module) or not any(m is point for m in model.modules()):
        raise ValueError(f"{name} must be a submodule of the model (or its name), got "
                         f"{type(point).__name__}")
    return point


def _forward(model, X):
    try:
        return model(X)
    except _Stop:
        raise
    except (RuntimeError, IndexError, TypeError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(f"the model cannot run on X of shape {tuple(X.shape)} and dtype "
                         f"{X.dtype}: {first}") from None


def _run(model, X, at=None, replace=None, to=None):
    """(values at `at`, output at `to` or of the model) of one forward; `replace`, if given,
    is put in place of `at`'s output. Checks that `at` runs exactly once."""
    seen, calls, handles = {}, [0], []

    def at_hook(module, args, output):
        calls[0] += 1
        seen["at"] = output
        if replace is not None:
            return replace.reshape(output.shape[0], *output.shape[1:]).to(output.dtype)

    def to_hook(module, args, output):
        seen["to"] = output
        raise _Stop

    if at is not None:
        handles.append(at.register_forward_hook(at_hook))
    if to is not None:
        handles.append(to.register_forward_hook(to_hook))
    try:
        output = _forward(model, X)
    except _Stop:
        output = seen["to"]
    finally:
        for handle in handles:
            handle.remove()
    if at is not None and calls[0] != 1:
        raise ValueError(f"at={type(at).__name__} runs {calls[0]} times in one forward; LMN "
                         "needs one point: pass a module that the forward calls once")
    return seen.get("at"), output


def record_values(model, X, at):
    """The output of submodule `at` (or its name) when `model` runs on X, as [N, ...]."""
    at = _module(model, at, "at")
    with torch.no_grad():
        values, _ = _run(model, X, at)
    return values


def _tail(model, X, at, to, shape):
    """f(z) [B, D] -> [B, K]: the model from `at` (its output replaced by z) to `to`."""
    def f(z):
        template = X[:1].expand(z.shape[0], *X.shape[1:])
        _, output = _run(model, template, at, z.reshape(z.shape[0], *shape), to)
        return output.reshape(z.shape[0], -1)
    return f


def _check_cut(model, X, at, to, values, outputs):
    """ValueError unless the output at `to` depends on the input through `at` only: the tail
    run on another sample's input with sample i's values put at `at` must give sample i's
    output."""
    rows = list(range(min(CUT_CHECK_SAMPLES, len(X))))
    for i in rows:
        other = X[(i + 1) % len(X)][None]
        _, output = _run(model, other, at, values[i:i + 1], to)
        expected = outputs[i:i + 1]
        scale = expected.abs().max().clamp_min(1e-30)
        tolerance = 1e3 * torch.finfo(expected.dtype).eps * scale
        if (output.reshape(expected.shape) - expected).abs().max() > tolerance:
            raise ValueError("at is no cut of this model: its output depends on the input "
                             "through more than that point (a skip connection around it?), so "
                             "LMN from there is undefined")


def _sequential_tail(model, at, to):
    """The children of an nn.Sequential after `at` (the fast, recognised path), or None."""
    if not isinstance(model, nn.Sequential) or to is not None:
        return None
    children = list(model)
    where = [k for k, child in enumerate(children) if child is at]
    return nn.Sequential(*children[where[0] + 1:]) if len(where) == 1 else None


def lmn(model, X, at=None, to=None, n_points=DEFAULT_N_POINTS, **lmn_kwargs):
    """The Linear Mapping Number of `model` on the inputs X, from `at` to `to`.

    Args:
        model: any torch.nn.Module taking one tensor whose first dimension is the batch.
        X: the model's inputs [N, ...] (any dtype the model takes: token indices too).
        at: where the paths start: a submodule of `model` or its name; None, the input (then X
            must be floating-point).
        to: where they end: a submodule or its name; None, the model's output.
        n_points: interpolation points per path (the paper's 21).
        **lmn_kwargs: passed to `linear_connectivity` (chunk_pairs, const_rtol, compile).

    Returns:
        LMN, a float >= 1. The model is evaluated in eval mode without gradients, on its own
        device, in the dtype of the values at `at`; its mode is restored afterwards.

    Example:
        >>> import torch
        >>> from torch import nn
        >>> from lmn_utils import lmn
        >>> net = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))
        >>> X = torch.randn(30, 2, generator=torch.Generator().manual_seed(0))
        >>> lmn(net, X, at=net[0]) >= 1.0
        True
        >>> round(lmn(nn.Sequential(nn.Linear(2, 3)), X), 3)  # an affine map: one mapping
        1.0
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(X, torch.Tensor) or X.dim() < 1 or len(X) < 2:
        raise ValueError("X must be a tensor of at least 2 inputs [N, ...], got "
                         f"{tuple(X.shape) if isinstance(X, torch.Tensor) else type(X).__name__}")
    at_module, to_module = _module(model, at, "at"), _module(model, to, "to")
    parameter = next(model.parameters(), None)
    if parameter is not None:
        X = X.to(parameter.device)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            values, outputs = _run(model, X, at_module, to=to_module)
            Z = X if at_module is None else values
            if not Z.is_floating_point():
                raise ValueError("the paths start at values that are not floating-point "
                                 f"({Z.dtype}): for token inputs pass at= the embedding")
            fast = (_sequential_tail(model, at_module, to_module)
                    if at_module is not None and Z.dim() == 2 else None)
            if fast is not None:
                tail = fast
            elif at_module is None:
                tail = _input_tail(model, to_module, Z.shape[1:])
            else:
                _check_cut(model, X, at_module, to_module, values, outputs)
                tail = _tail(model, X, at_module, to_module, Z.shape[1:])
            L = linear_connectivity(tail, Z.reshape(len(Z), -1), n_points, **lmn_kwargs)
    finally:
        model.train(was_training)
    return lmn_from_connectivity(L)


def _input_tail(model, to, shape):
    """The whole model (to None) or the model up to `to`, on flattened inputs."""
    if to is None and isinstance(model, nn.Sequential) and len(shape) == 1:
        return model

    def f(x):
        _, output = _run(model, x.reshape(x.shape[0], *shape), to=to)
        return output.reshape(x.shape[0], -1)
    return f
