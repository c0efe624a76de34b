import pytest
import torch

from lmn_utils import EmbedMLP, EmbedMLPStack, layer_lmn, make_task
from lmn_utils.models import POINTS


@pytest.fixture(scope="module")
def model_and_inputs():
    torch.manual_seed(0)
    task = make_task("modular_addition", p=7)
    return EmbedMLP(7, 7, embed_dim=8, hidden_dim=12), task.inputs


def test_tails_reproduce_the_logits(model_and_inputs):
    model, inputs = model_and_inputs
    acts = model.activations(inputs)
    for at in POINTS:
        out = model.tail(at)(model.values(inputs, at))
        assert torch.allclose(out, acts["logits"], atol=1e-5)


def test_the_old_layer_and_tap_calls_still_work_with_a_deprecation_warning(model_and_inputs):
    model, inputs = model_and_inputs
    with pytest.warns(DeprecationWarning, match="use values"):
        old = model.layer_values(inputs, "hidden1", "pre")
    assert torch.equal(old, model.values(inputs, "hidden1_pre"))
    with pytest.warns(DeprecationWarning, match="use tail"):
        tail = model.tail("hidden2", "pre")
    pre = model.values(inputs, "hidden2_pre")
    assert torch.equal(tail(pre), model.tail("hidden2_pre")(pre))


def test_layer_identities(model_and_inputs):
    model, inputs = model_and_inputs
    lmn = lambda at: layer_lmn(model, inputs, at, compile=False)  # noqa: E731
    assert lmn("embedding") == pytest.approx(lmn("hidden1_pre"), rel=1e-4)
    assert lmn("hidden1") == pytest.approx(lmn("hidden2_pre"), rel=1e-4)
    assert lmn("hidden2") == pytest.approx(1.0, abs=1e-4)
    assert lmn("logits") == pytest.approx(1.0, abs=1e-4)
    assert lmn("hidden1") > 1.05


def test_stack_members_match_single_models():
    stack = EmbedMLPStack.from_seeds([3, 5], num_tokens=7, num_classes=7, embed_dim=8,
                                     hidden_dim=12)
    inputs = make_task("modular_addition", p=7).inputs
    for row, seed in enumerate([3, 5]):
        torch.manual_seed(seed)
        solo = EmbedMLP(7, 7, embed_dim=8, hidden_dim=12)
        assert torch.allclose(stack(inputs)[row], solo(inputs), atol=1e-5)
        assert torch.allclose(stack.member(row)(inputs), solo(inputs), atol=1e-5)
        l2 = torch.sqrt(sum(p.pow(2).sum() for p in solo.parameters()))
        assert stack.l2_norms()[row] == pytest.approx(l2.item(), rel=1e-5)


def test_from_seeds_leaves_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    EmbedMLPStack.from_seeds([0], num_tokens=5, num_classes=5)
    assert torch.equal(torch.rand(1), expected)


@pytest.mark.parametrize("call, message", [
    (lambda m: EmbedMLP(5, 5, activation="swish"), "activation must be one of"),
    (lambda m: m.tail("hidden3"), "layer must be one of"),
    (lambda m: m.values(None, "hidden3"), "layer must be one of"),
])
def test_bad_names(model_and_inputs, call, message):
    with pytest.raises(ValueError, match=message):
        call(model_and_inputs[0])
