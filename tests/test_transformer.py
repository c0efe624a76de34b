"""The one-layer transformer, its LMN taps and fast tail, the Fourier measure, training it."""
import math

import numpy as np
import pytest
import torch

from lmn_utils.measures import tail_plan
from reference import reference_connectivity, reference_lmn

from lmn_utils import TrainConfig, linear_connectivity, lmn_from_connectivity, make_task, train
from lmn_utils.measures.tail_plan import ResidualMLP, plan_tail
from lmn_utils.transformer import (TAPS, TransformerStack, fourier_basis, fourier_gini,
                                   frequency_norms, gini)

TASK = make_task("modular_addition", p=11)


@pytest.fixture(scope="module")
def stack():
    return TransformerStack.from_seeds([0, 1], 11, 11, d_model=16, heads=2, d_mlp=32)


def test_member_is_the_stack_row_and_seeds_differ(stack):
    logits = stack(TASK.inputs)
    assert logits.shape == (2, 121, 11)
    alone = TransformerStack.from_seeds([1], 11, 11, d_model=16, heads=2, d_mlp=32)
    torch.testing.assert_close(alone(TASK.inputs)[0], logits[1])
    torch.testing.assert_close(stack.member(1)(TASK.inputs)[0], logits[1])
    assert not torch.allclose(logits[0], logits[1])


@pytest.mark.parametrize("tap", TAPS)
def test_each_tail_maps_its_tap_to_the_logits(stack, tap):
    values = stack.values(TASK.inputs, tap, member=1)
    with torch.no_grad():
        torch.testing.assert_close(stack.tail(tap, member=1)(values), stack(TASK.inputs)[1],
                                   rtol=1e-4, atol=1e-4)


def test_tail_after_the_mlp_is_linear(stack):
    assert stack.member_lmn(0, TASK.inputs[:40], "resid_post") == pytest.approx(1.0, abs=1e-4)


def _random_residual_mlp(dtype=torch.float32, seed=0):
    g = torch.Generator().manual_seed(seed)
    shapes = dict(W_in=(24, 8), b_in=(24,), W_out=(8, 24), b_out=(8,), W_U=(5, 8))
    return ResidualMLP(**{k: (2 * torch.randn(*s, generator=g)).to(dtype) for k, s in shapes.items()})


def test_residual_fast_path_matches_generic_and_float64_reference():
    tail = _random_residual_mlp()
    X = torch.randn(30, 8, generator=torch.Generator().manual_seed(1))
    assert plan_tail(tail, X, compile=False).head(X).shape == (30, 5 + 24)  # the fast path
    fast = linear_connectivity(tail, X, compile=False, chunk_pairs=50)
    generic = linear_connectivity(lambda z: tail(z), X, chunk_pairs=50)  # a plain callable
    reference = reference_connectivity(_random_residual_mlp(torch.float64), X.double())
    assert fast.min() < 0.9  # genuinely nonlinear paths: the comparison can fail
    assert (fast - generic).abs().max() < 1e-4
    assert np.abs(fast.numpy() - reference).max() < 1e-3
    assert lmn_from_connectivity(fast) == pytest.approx(reference_lmn(reference), rel=1e-3)


def test_residual_fast_path_compiled_equals_eager():
    tail = _random_residual_mlp(seed=2)
    X = torch.randn(40, 8, generator=torch.Generator().manual_seed(3))
    eager = linear_connectivity(tail, X, compile=False, chunk_pairs=128)
    before = tail_plan.compiled_calls()
    compiled = linear_connectivity(tail, X, compile=True, chunk_pairs=128)
    if tail_plan.compiled_calls() == before:
        pytest.skip("torch.compile fell back to eager here: the compiled path was not tested")
    assert (eager - compiled).abs().max() < 1e-5


def test_heads_must_divide_d_model():
    with pytest.raises(ValueError, match="heads must divide d_model"):
        TransformerStack.from_seeds([0], 11, 11, d_model=10, heads=3)
    with pytest.raises(ValueError, match="tap must be one of"):
        TrainConfig(model="transformer", lmn_layers=("hidden1",)).validate()
    with pytest.raises(ValueError, match="model_params keys must be among"):
        TrainConfig(model="transformer", model_params={"width": 3}).validate()
    with pytest.raises(ValueError, match="model must be one of"):
        TrainConfig(model="rnn").validate()


def test_fourier_basis_is_orthonormal():
    for p in (7, 8):
        basis, freqs = fourier_basis(p)
        torch.testing.assert_close(basis @ basis.T, torch.eye(p, dtype=torch.float64))
        assert freqs.max() == p // 2


def test_gini_on_constructed_cases():
    assert gini([1, 1, 1, 1]) == pytest.approx(0.0)
    assert gini([0, 0, 0, 5]) == pytest.approx(3 / 4)
    assert gini([1, 2, 3, 4]) == pytest.approx(0.25)  # (2 * 30 / 40) - 5 / 4
    with pytest.raises(ValueError):
        gini([0, 0])


def test_one_frequency_embedding_is_sparse_and_a_random_one_is_not():
    p, x = 31, torch.arange(31, dtype=torch.float64)
    one_frequency = torch.stack([torch.cos(2 * math.pi * 5 * x / p), torch.sin(2 * math.pi * 5 * x / p)], 1)
    norms = frequency_norms(one_frequency)
    assert norms.argmax() == 4 and norms[torch.arange(15) != 4].max() < 1e-10
    assert gini(norms) == pytest.approx(14 / 15)
    random = torch.randn(p, 64, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    assert gini(frequency_norms(random)) < 0.2


def test_fourier_gini_per_member(stack):
    values = fourier_gini(stack, 11)
    assert values.shape == (2,) and ((values >= 0) & (values < 1)).all()


def test_training_a_transformer_records_extra_metrics_and_lmn():
    history, stack = train(model="transformer", model_params={"d_model": 16, "heads": 2, "d_mlp": 32},
                           task_params={"p": 11}, seeds=[0, 1], steps=400, num_records=12,
                           lr=3e-3, weight_decay=1.0, betas=(0.9, 0.98), lmn_layers=("resid_mid",),
                           lmn_points=(1, 2, 1), progress=False,
                           extra_metrics={"gini": lambda s: fourier_gini(s, 11)})
    assert history.metrics["gini"].shape == (2, len(history.steps))
    assert (history.metrics["train_loss"][:, -1] < history.metrics["train_loss"][:, 0] / 3).all()
    for steps, values in zip(history.lmn_steps, history.lmn["resid_mid"]):
        assert len(steps) == len(values) >= 3 and (values >= 1).all()
    assert history.config["model"] == "transformer" and history.config["betas"] == (0.9, 0.98)


@pytest.fixture(scope="module")
def trained():
    """A small transformer after 300 steps: its MLP biases are no longer zero."""
    _, stack = train(model="transformer", model_params={"d_model": 16, "heads": 2, "d_mlp": 32},
                     task_params={"p": 11}, seeds=[0], steps=300, num_records=5, lr=3e-3,
                     weight_decay=1.0, betas=(0.9, 0.98), lmn_layers=(), progress=False,
                     dtype="float64")
    return stack


@pytest.mark.parametrize("at", ["resid_mid", "embedding"])
def test_trained_tails_match_the_float64_reference(trained, at):
    assert trained.b_in.abs().max() > 1e-3 and trained.b_out.abs().max() > 1e-3
    inputs = TASK.inputs[::6][:20]
    with torch.no_grad():
        Z = trained.values(inputs, at)
        # the tail is the model from `at` on (a tail that dropped the biases would fail here)
        torch.testing.assert_close(trained.tail(at)(Z), trained(inputs)[0], rtol=1e-9, atol=1e-9)
        L = linear_connectivity(trained.tail(at), Z, compile=False)
        reference = reference_connectivity(trained.tail(at), Z.double())
    assert L.min() < 0.99  # nonlinear paths: the comparison can fail
    assert np.abs(L.numpy() - reference).max() < 1e-6
    assert lmn_from_connectivity(L) == pytest.approx(reference_lmn(reference), rel=1e-6)
