"""lmn(model, X, at=..., to=...) for any nn.Module, against the float64 per-pair reference."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lmn_utils import lmn, record_values
from reference import reference_connectivity, reference_lmn

GEN = torch.Generator().manual_seed(0)
X = torch.randn(14, 3, generator=GEN, dtype=torch.float64)


class Branchy(nn.Module):
    """A forward that is no Sequential: two branches from `mix`, a product, then a readout."""

    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(3, 8)
        self.mix = nn.Tanh()
        self.left, self.right = nn.Linear(8, 6), nn.Linear(8, 6)
        self.out = nn.Linear(6, 4)

    def forward(self, x):
        h = self.mix(self.inp(x))
        return self.out(F.silu(self.left(h)) * torch.sigmoid(self.right(h)))

    def after_mix(self, h):
        return self.out(F.silu(self.left(h)) * torch.sigmoid(self.right(h)))


class Skip(nn.Module):
    """x -> block(x) + x: a skip connection around `block`, so `block` is no cut; its input
    layer is one."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(3, 5)
        self.block = nn.Sequential(nn.Linear(5, 5), nn.ReLU())
        self.out = nn.Linear(5, 4)

    def forward(self, x):
        z = self.embed(x)
        return self.out(torch.relu(self.block(z) + z))

    def after_embed(self, z):
        return self.out(torch.relu(self.block(z) + z))


def seeded(model):
    torch.manual_seed(1)
    for p in model.parameters():
        nn.init.normal_(p, std=0.8)
    return model.double()


def test_a_non_sequential_forward_matches_the_reference_at_a_chosen_layer():
    model = seeded(Branchy())
    H = record_values(model, X, model.mix)
    expected = reference_lmn(reference_connectivity(model.after_mix, H))
    assert lmn(model, X, at=model.mix) == pytest.approx(expected, rel=1e-9)
    assert lmn(model, X, at="mix") == pytest.approx(expected, rel=1e-9)


def test_the_input_of_a_skip_connection_is_a_cut_and_matches_the_reference():
    model = seeded(Skip())
    Z = record_values(model, X, "embed")
    expected = reference_lmn(reference_connectivity(model.after_embed, Z))
    assert lmn(model, X, at="embed") == pytest.approx(expected, rel=1e-9)


def test_a_point_bypassed_by_a_skip_connection_is_refused():
    model = seeded(Skip())
    with pytest.raises(ValueError, match="at is no cut of this model"):
        lmn(model, X, at=model.block)


def test_a_sequential_takes_the_fast_path_and_agrees_with_the_reference():
    model = seeded(nn.Sequential(nn.Linear(3, 10), nn.SiLU(), nn.Linear(10, 10), nn.SiLU(),
                                 nn.Linear(10, 4)))
    H = record_values(model, X, model[1])
    expected = reference_lmn(reference_connectivity(model[2:], H))
    assert lmn(model, X, at=model[1]) == pytest.approx(expected, rel=1e-9)
    whole = reference_lmn(reference_connectivity(model, X))
    assert lmn(model, X) == pytest.approx(whole, rel=1e-9)


def test_to_ends_the_paths_at_a_submodule():
    model = seeded(nn.Sequential(nn.Linear(3, 10), nn.Tanh(), nn.Linear(10, 10), nn.Tanh(),
                                 nn.Linear(10, 4)))
    H = record_values(model, X, model[1])
    expected = reference_lmn(reference_connectivity(model[2:4], H))
    assert lmn(model, X, at=model[1], to=model[3]) == pytest.approx(expected, rel=1e-9)


def test_token_inputs_start_at_the_embedding_and_the_mode_is_restored():
    model = nn.Sequential(nn.Embedding(7, 4), nn.Flatten(), nn.Linear(8, 6), nn.Dropout(0.5),
                          nn.ReLU(), nn.Linear(6, 3)).double()
    tokens = torch.cartesian_prod(torch.arange(7), torch.arange(7))
    model.train()
    first = lmn(model, tokens, at=model[1])
    assert model.training and first == lmn(model, tokens, at=model[1])  # eval: no dropout noise
    with pytest.raises(ValueError, match="not floating-point"):
        lmn(model, tokens)


@pytest.mark.parametrize("call, message", [
    (lambda m: lmn(m, torch.randn(5, 4)), "the model cannot run on X of shape \\(5, 4\\)"),
    (lambda m: lmn(m, X, at="nope"), "at='nope' is not a submodule name"),
    (lambda m: lmn(m, X, at=nn.ReLU()), "at must be a submodule of the model"),
    (lambda m: lmn(m, X[:1]), "at least 2 inputs"),
    (lambda m: lmn("model", X), "model must be a torch.nn.Module")])
def test_bad_calls_are_named_in_one_line(call, message):
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)).double()
    with pytest.raises((ValueError, TypeError), match=message):
        call(model)


def test_a_module_called_twice_is_refused():
    act = nn.Tanh()
    model = nn.Sequential(nn.Linear(3, 4), act, nn.Linear(4, 4), act, nn.Linear(4, 2)).double()
    with pytest.raises(ValueError, match="runs 2 times in one forward"):
        lmn(model, X, at=act)
