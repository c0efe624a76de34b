"""The GPU path, checked on the CPU now and on a GPU when LMN_TEST_DEVICE names one (issue 19):
no float64 on LMN's device path (MPS has none), the torch.compile fallback decided once per
kernel, repeatable embedding gradients on every device, TF32 off, float64 needs kept off MPS."""
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
from conftest import TEST_DEVICE
from reference import reference_connectivity
from torch import nn
from torch.overrides import TorchFunctionMode

from lmn_utils import linear_connectivity, train
from lmn_utils.measures import tail_plan
from lmn_utils.device import full_float32_matmuls
from lmn_utils.measures.paths import pair_indices, row_starts
from lmn_utils.measures.metric import default_chunk_pairs
from lmn_utils.models import concatenated_embeddings, one_hot_lookup


class Float64Spy(TorchFunctionMode):
    """Records every torch call that returns a float64 tensor."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        result = func(*args, **(kwargs or {}))
        if isinstance(result, torch.Tensor) and result.dtype == torch.float64:
            self.calls.append(getattr(func, "__name__", str(func)))
        return result


def silu_net(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 16), nn.SiLU(), nn.Linear(16, 16), nn.SiLU(), nn.Linear(16, 5))


@pytest.mark.parametrize("N", [2, 3, 7, 50, 6001])
def test_pair_indices_are_exact_in_integers(N):
    num_pairs = N * (N - 1) // 2
    ref_i, ref_j = torch.triu_indices(N, N, 1)
    with Float64Spy() as spy:
        starts = row_starts(N, "cpu")
        pieces = [pair_indices(a, min(a + 997, num_pairs), N, "cpu", starts)
                  for a in range(0, num_pairs, 997)]
    assert spy.calls == []
    assert torch.equal(torch.cat([i for i, _ in pieces]), ref_i)
    assert torch.equal(torch.cat([j for _, j in pieces]), ref_j)
    i, j = pair_indices(num_pairs, num_pairs + 3, N, "cpu", starts)  # padding: the last row goes on
    assert (i == N - 2).all() and (j >= N).all()


def test_a_float32_chunk_creates_no_float64_tensor(device):
    X = torch.randn(40, 3, generator=torch.Generator().manual_seed(0)).to(device)
    plan = tail_plan.plan_tail(silu_net().to(device), X, compile=False)
    with torch.no_grad(), Float64Spy() as spy:
        Z = plan.head(X)
        Y = plan.outputs(Z)
        t_inner = torch.linspace(0, 1, 21, device=device)[1:-1]
        i, j = pair_indices(0, 256, 40, device, row_starts(40, device))
        r2 = plan.chunk_connectivity(Z, Y, i, j, t_inner, 1e-5 * Y.abs().amax(0))
    assert spy.calls == [] and r2.dtype == torch.float32 and r2.device.type == device.type


def test_lmn_on_the_test_device_matches_the_float64_reference(device):
    net = silu_net(1)
    X = torch.randn(60, 3, generator=torch.Generator().manual_seed(2))
    L = linear_connectivity(net.to(device), X.to(device), compile=False)
    assert L.device.type == "cpu" and L.dtype == torch.float64
    assert np.abs(L.numpy() - reference_connectivity(net.cpu().double(), X.double())).max() < 1e-3


def test_chunk_size_follows_the_device():
    assert default_chunk_pairs("cpu") == default_chunk_pairs("cpu", 100) == 1024
    assert default_chunk_pairs("cpu", 287) == 256 and default_chunk_pairs("cpu", 10**6) == 128
    assert default_chunk_pairs("cuda") == default_chunk_pairs("mps") == 16384


def test_a_failing_compile_is_tried_once_per_kernel(monkeypatch):
    attempts = []

    def failing_compile(kernel, **kwargs):
        def compiled(*args):
            attempts.append(1)
            raise RuntimeError("no C compiler")
        return compiled

    monkeypatch.setattr(tail_plan, "_KERNELS", {})
    monkeypatch.setattr(torch, "compile", failing_compile)
    net, X = silu_net(), torch.randn(100, 3, generator=torch.Generator().manual_seed(0))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = linear_connectivity(net, X, compile=True, chunk_pairs=64)  # 78 chunks
        second = linear_connectivity(net, X, compile=True, chunk_pairs=64)
    assert len(attempts) == 1
    assert [str(w.message) for w in caught] == ["torch.compile failed (RuntimeError); using eager LMN"]
    eager = linear_connectivity(net, X, compile=False, chunk_pairs=64)
    assert torch.equal(first, eager) and torch.equal(second, eager)


def test_one_hot_lookup_is_the_same_lookup():
    generator = torch.Generator().manual_seed(0)
    tables = torch.randn(3, 11, 4, dtype=torch.float64, generator=generator, requires_grad=True)
    inputs = torch.randint(0, 11, (50, 2), generator=generator)
    weights = torch.randn(3, 50, 8, dtype=torch.float64, generator=generator)
    by_index = concatenated_embeddings(tables, inputs)  # CPU: index_select
    by_matmul = one_hot_lookup(tables, inputs.expand(3, 50, 2))
    assert torch.equal(by_index, by_matmul)  # an exact lookup, not an approximation
    grad_index, = torch.autograd.grad((by_index * weights).sum(), tables)
    grad_matmul, = torch.autograd.grad((by_matmul * weights).sum(), tables)
    assert torch.allclose(grad_index, grad_matmul, rtol=1e-12, atol=1e-12)


def test_float64_lmn_keeps_training_off_mps(monkeypatch):
    import lmn_utils.device as device_module
    monkeypatch.setattr(device_module, "get_device",
                        lambda name: torch.device("mps" if name in ("auto", "mps") else name))
    with pytest.raises(ValueError, match="lmn_dtype 'float64'"):
        train(seeds=[0], steps=1, dtype="float32", lmn_dtype="float64", device="mps",
              progress=False)


def test_tf32_is_off_inside_and_restored_after():
    from lmn_utils.device import _tf32_switches
    (obj, name, off), _ = _tf32_switches()
    before = getattr(obj, name)
    allowed = "tf32" if name == "fp32_precision" else True
    setattr(obj, name, allowed)
    try:
        with full_float32_matmuls():
            assert getattr(obj, name) == off
        assert getattr(obj, name) == allowed
    finally:
        setattr(obj, name, before)


RERUN_SCRIPT = """
import hashlib, sys
from lmn_utils import train
for dtype in ("float32", "mixed"):
    _, stack = train(seeds=[0], steps=20, dtype=dtype, lmn_layers=(), num_records=2,
                     progress=False, device=sys.argv[1])
    digest = hashlib.md5()
    for p in stack.parameters():
        digest.update(p.detach().cpu().numpy().tobytes())
    print(dtype, digest.hexdigest())
"""


def test_training_is_bit_identical_in_every_process_on_the_test_device():
    """Fresh processes, not one process twice: summation orders that vary between processes
    (one seed's advanced indexing on CPU, atomic index_add_ on CUDA) would show here."""
    runs = [subprocess.run([sys.executable, "-c", RERUN_SCRIPT, TEST_DEVICE], check=True,
                           capture_output=True, text=True).stdout for _ in range(3)]
    assert runs[0].count("\n") == 2 and len(set(runs)) == 1, runs
