import numpy as np
import pytest
import torch

from lmn_utils.measures import tail_plan
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import reference_connectivity, reference_lmn
from torch import nn

from lmn_utils import (Sin, effective_number, linear_connectivity, linear_mapping_number,
                       lmn_from_connectivity, von_neumann_entropy)
from lmn_utils.measures.paths import pair_indices

ACTS = {"tanh": nn.Tanh, "relu": nn.ReLU, "gelu": nn.GELU, "silu": nn.SiLU, "sin": Sin}


def make_net(act, seed=0, d_in=3, width=16, d_out=4, dtype=torch.float32):
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(d_in, width), ACTS[act](), nn.Linear(width, width), ACTS[act](),
                        nn.Linear(width, d_out))
    with torch.no_grad():  # larger weights: clearly nonlinear paths
        for m in net:
            if isinstance(m, nn.Linear):
                m.weight.mul_(2.0)
    return net.to(dtype)


@pytest.mark.parametrize("act", sorted(ACTS))
@pytest.mark.parametrize("compile", [False])
def test_matches_float64_reference(act, compile):
    net = make_net(act)
    X = torch.randn(30, 3, generator=torch.Generator().manual_seed(1))
    L = linear_connectivity(net, X, compile=compile, chunk_pairs=100)
    L_ref = reference_connectivity(net.double(), X.double())
    assert L.dtype == torch.float64 and L.shape == (30, 30)
    assert np.abs(L.numpy() - L_ref).max() < 1e-3
    assert L.min() < 0.9  # the nets are genuinely nonlinear: the test can fail
    lmn, lmn_ref = lmn_from_connectivity(L), reference_lmn(L_ref)
    assert abs(lmn - lmn_ref) <= 1e-3 * lmn_ref


def test_generic_callable_matches_reference():
    f = lambda x: torch.stack([torch.sin(3 * x[:, 0]) * x[:, 1], x[:, 0] ** 2], 1)  # noqa: E731
    X = torch.randn(20, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    L = linear_connectivity(f, X)
    assert np.abs(L.numpy() - reference_connectivity(f, X)).max() < 1e-9


def test_compiled_equals_eager():
    net = make_net("silu")
    X = torch.randn(40, 3, generator=torch.Generator().manual_seed(3))
    L_eager = linear_connectivity(net, X, compile=False, chunk_pairs=64)
    before = tail_plan.compiled_calls()
    L_compiled = linear_connectivity(net, X, compile=True, chunk_pairs=64)
    if tail_plan.compiled_calls() == before:
        pytest.skip("torch.compile fell back to eager here: the compiled path was not tested")
    assert torch.allclose(L_eager, L_compiled, atol=1e-5)


def test_chunk_size_does_not_change_result():
    net = make_net("tanh")
    X = torch.randn(25, 3, generator=torch.Generator().manual_seed(4))
    a = linear_connectivity(net, X, chunk_pairs=7, compile=False)
    b = linear_connectivity(net, X, chunk_pairs=1000, compile=False)
    assert torch.allclose(a, b, atol=1e-6)


@pytest.mark.parametrize("N", [2, 3, 7, 50])
def test_pair_indices_enumerate_upper_triangle(N):
    i, j = pair_indices(0, N * (N - 1) // 2, N, "cpu")
    ref_i, ref_j = torch.triu_indices(N, N, 1)
    assert torch.equal(i, ref_i) and torch.equal(j, ref_j)


def test_affine_map_has_lmn_one():
    torch.manual_seed(0)
    affine = nn.Sequential(nn.Linear(5, 7), nn.Linear(7, 3))
    X = torch.randn(40, 5)
    L = linear_connectivity(affine, X, compile=False)
    assert torch.allclose(L, torch.ones_like(L), atol=1e-4)
    assert linear_mapping_number(affine, X, compile=False) == pytest.approx(1.0, abs=1e-3)


def test_constant_coordinate_counts_as_linear():
    f = lambda x: torch.stack([torch.tanh(5 * x[:, 0]), 0 * x[:, 0] + 2.0], 1)  # noqa: E731
    X = torch.linspace(-1, 1, 9)[:, None]
    L = linear_connectivity(f, X)
    L_tanh = linear_connectivity(lambda x: torch.tanh(5 * x), X)
    assert torch.allclose(L, (L_tanh + 1) / 2, atol=1e-6)


def test_float32_rounding_noise_is_not_a_correlation():
    # 1e4 + 1e-6 sin(x) is 1e4 up to float32 rounding (spacing 1e-3): noise, not a variation
    f = lambda x: torch.cat([torch.tanh(3 * x), 1e4 + 1e-6 * torch.sin(x)], 1)  # noqa: E731
    X = torch.randn(12, 1, generator=torch.Generator().manual_seed(5))
    L = linear_connectivity(f, X)
    L_tanh = linear_connectivity(lambda x: torch.tanh(3 * x), X)
    assert torch.allclose(L, (L_tanh + 1) / 2, atol=1e-6)
    assert L_tanh.min() < 0.9


def test_block_matrix_gives_exactly_c():
    for sizes in ([3, 3, 3], [5, 5], [2, 2, 2, 2, 2]):
        L = torch.block_diag(*[torch.ones(s, s, dtype=torch.float64) for s in sizes])
        assert lmn_from_connectivity(L) == pytest.approx(len(sizes), rel=1e-12)


def test_unequal_blocks_give_effective_number():
    sizes = [1, 2, 5]
    L = torch.block_diag(*[torch.ones(s, s, dtype=torch.float64) for s in sizes])
    assert lmn_from_connectivity(L) == pytest.approx(effective_number(sizes), rel=1e-12)


def test_entropy_of_identity_is_log2_n():
    assert von_neumann_entropy(torch.eye(8)) == pytest.approx(3.0, abs=1e-12)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), N=st.integers(2, 16))
def test_properties_order_affine_bounds(seed, N):
    # float64: the invariances are exact in real arithmetic, float32 rounding would blur them
    net = make_net("tanh", seed=seed, d_out=3, dtype=torch.float64)
    X = torch.randn(N, 3, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    base = linear_mapping_number(net, X, compile=False)
    assert 1 - 1e-9 <= base <= N + 1e-9
    perm = torch.randperm(N, generator=torch.Generator().manual_seed(seed + 1))
    assert linear_mapping_number(net, X[perm], compile=False) == pytest.approx(base, rel=1e-6)
    scale = torch.tensor([3.0, -0.5, 20.0], dtype=torch.float64)
    shifted = lambda x: net(x) * scale + torch.tensor([1.0, 100.0, -7.0], dtype=torch.float64)  # noqa: E731
    assert linear_mapping_number(shifted, X) == pytest.approx(base, rel=1e-6)


@pytest.mark.parametrize("bad, message", [
    (lambda: linear_connectivity(torch.tanh, torch.zeros(1, 2)), "at least 2 samples"),
    (lambda: linear_connectivity(torch.tanh, torch.zeros(4)), "X must be 2-D"),
    (lambda: linear_connectivity(torch.tanh, torch.zeros(4, 2), n_points=2), "n_points"),
    (lambda: linear_connectivity(lambda x: x[:2], torch.zeros(4, 2)), "one row per sample"),
    (lambda: linear_connectivity(lambda x: x / 0, torch.ones(4, 2)), "non-finite"),
    (lambda: linear_connectivity(torch.tanh, torch.zeros(4, 2), chunk_pairs=0), "chunk_pairs"),
    (lambda: linear_connectivity(torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(),
                                                     torch.nn.Linear(4, 1)), torch.zeros(4, 2)),
     r"f cannot run on X of shape \(4, 2\)"),
    (lambda: von_neumann_entropy(torch.ones(2, 3)), "square"),
    (lambda: von_neumann_entropy(torch.tensor([[1.0, 0.5], [0.0, 1.0]])), "symmetric"),
])
def test_bad_input_raises_a_named_error(bad, message):
    with pytest.raises(ValueError, match=message):
        bad()


def test_non_tensor_input_is_a_type_error():
    with pytest.raises(TypeError, match="X must be a torch.Tensor"):
        linear_connectivity(torch.tanh, [[0.0, 1.0], [1.0, 2.0]])


def test_spectral_clusters_recover_shuffled_blocks():
    from lmn_utils.measures.clustering import cluster_order, spectral_clusters
    sizes = [6, 4, 3]
    L = torch.block_diag(*[torch.ones(s, s) for s in sizes]).numpy() * 0.9 + 0.05
    np.fill_diagonal(L, 1)
    perm = np.random.default_rng(0).permutation(13)
    labels = spectral_clusters(L[perm][:, perm], num_clusters=3)
    truth = np.repeat([0, 1, 2], sizes)[perm]
    assert all(len(set(labels[truth == b])) == 1 for b in range(3))
    assert len(set(labels)) == 3
    order = cluster_order(labels)
    assert sorted(order.tolist()) == list(range(13))
    assert (np.diff(labels[order]) != 0).sum() == 2
