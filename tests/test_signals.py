"""Training signals (lmn_utils.signals): off means unchanged, on means what each one says."""
import numpy as np
import pytest
import torch

from lmn_utils import EmbedMLPStack, TrainConfig, linear_connectivity, make_task, train
from lmn_utils.signals import GrokfastEMA, sampled_nonlinearity

SMALL = dict(task_params={"p": 11}, steps=200, num_records=12, lmn_points=(1, 3, 2),
             embed_dim=8, hidden_dim=16, progress=False, lr=1e-2)
ON = dict(lmn_penalty=0.1, lmn_penalty_pairs=32, grokfast_lambda=2.0, jacobian_penalty=0.01)


def metrics(history):
    return {k: history.metrics[k] for k in ("train_loss", "test_loss", "l2_norm")}


def test_every_signal_at_strength_0_trains_bit_for_bit_like_the_baseline():
    baseline, _ = train(seeds=[0], **SMALL)
    off, _ = train(seeds=[0], lmn_penalty=0.0, grokfast_lambda=0.0, jacobian_penalty=0.0,
                   grokfast_alpha=0.5, lmn_penalty_pairs=7, **SMALL)
    for name, values in metrics(baseline).items():
        assert np.array_equal(values, off.metrics[name]), name
    for name, strength in ON.items():
        if name != "lmn_penalty_pairs":
            moved, _ = train(seeds=[0], **{name: strength}, **SMALL)
            assert not np.array_equal(moved.metrics["l2_norm"], baseline.metrics["l2_norm"]), name


def test_a_stacked_run_with_every_signal_equals_its_seeds_run_alone():
    """Member by member, the signals' gradients are those of the seed alone (to rounding); a short
    run agrees to rounding. (Over hundreds of steps AdamW amplifies rounding-level differences
    in tiny gradient components: with the LMN penalty, 4e-16 at step 3 grew to 1e-2 by step 200
    in float64, so a long run is compared step by step here, not end to end.)"""
    from lmn_utils.prepare import prepare_run
    from lmn_utils.signals import Signals
    settings = dict(SMALL, dtype="float64", **ON)
    settings.pop("progress")
    pair, one = (prepare_run(TrainConfig(seeds=seeds, **settings).validate())
                 for seeds in ((0, 1), (1,)))
    for run, seeds in ((pair, (0, 1)), (one, (1,))):
        run.stack.signals = Signals(TrainConfig(seeds=seeds, **settings), run.stack, run.inputs,
                                    run.train_inputs)
    both = [torch.autograd.grad(run.stack.signals.extra_loss(run.stack),
                                list(run.stack.parameters())) for run in (pair, one)]
    for stacked, alone in zip(*both):
        torch.testing.assert_close(stacked[1], alone[0], rtol=1e-10, atol=1e-14)
    short = dict(SMALL, steps=10, num_records=6, dtype="float64", **ON)
    stacked, _ = train(seeds=[0, 1], **short)
    alone, _ = train(seeds=[1], **short)
    for name, values in metrics(alone).items():
        np.testing.assert_allclose(stacked.metrics[name][1], values[0], rtol=1e-9, err_msg=name)


def test_grokfast_adds_lambda_times_an_ema_started_at_the_first_gradient():
    p = torch.nn.Parameter(torch.zeros(3, dtype=torch.float64))
    filt = GrokfastEMA([p], alpha=0.9, lamb=2.0)
    grads = [torch.tensor([1.0, 0, 2]), torch.tensor([0.0, 1, 2]), torch.tensor([3.0, -1, 0])]
    ema = None
    for g in grads:
        p.grad = g.double().clone()
        filt.apply()
        ema = g.double() if ema is None else 0.9 * ema + 0.1 * g.double()
        torch.testing.assert_close(p.grad, g.double() + 2.0 * ema)


def tiny_stack():
    stack = EmbedMLPStack.from_seeds([0, 1], num_tokens=7, num_classes=7, embed_dim=4,
                                     hidden_dim=6).double()
    return stack, make_task("modular_addition", p=7).inputs


def test_the_sampled_nonlinearity_over_all_pairs_is_the_exact_mean_of_1_minus_L():
    stack, inputs = tiny_stack()
    i, j = torch.triu_indices(len(inputs), len(inputs), 1)
    rows = lambda r: r[None].expand(2, -1)  # noqa: E731
    with torch.no_grad():
        sampled = sampled_nonlinearity(stack, inputs, rows(i), rows(j))
        for member in range(2):
            model = stack.member(member)
            L = linear_connectivity(model.tail("hidden1"), model.values(inputs, "hidden1"),
                                    compile=False)
            exact = (1 - L[i, j]).mean()
            assert float(sampled[member]) == pytest.approx(float(exact), rel=1e-9)


def test_the_lmn_penalty_gradient_matches_finite_differences():
    stack, inputs = tiny_stack()
    g = torch.Generator().manual_seed(0)
    i = torch.randint(49, (2, 10), generator=g)
    j = (i + 1 + torch.randint(48, (2, 10), generator=g)) % 49
    W2 = stack.W2
    del stack.W2  # a plain tensor in its place, so that gradcheck's copy is what autograd sees

    def penalty(weight):
        stack.W2 = weight
        return sampled_nonlinearity(stack, inputs, i, j).sum()

    try:
        assert penalty(W2.detach()).item() > 0  # the paths are nonlinear: a gradient to check
        assert torch.autograd.gradcheck(penalty, (W2.detach().clone().requires_grad_(True),),
                                        eps=1e-6, atol=1e-6)
    finally:
        del stack.W2
        stack.W2 = W2


@pytest.mark.parametrize("override, message", [
    ({"lmn_penalty": -1}, "lmn_penalty must be a number >= 0"),
    ({"lmn_penalty_pairs": 0}, "lmn_penalty_pairs must be an integer >= 1"),
    ({"lmn_penalty_inputs": "test"}, "lmn_penalty_inputs must be one of"),
    ({"grokfast_alpha": 1.0}, r"grokfast_alpha must be a number in \[0, 1\)"),
    ({"lmn_penalty_after_memorising": "yes"}, "lmn_penalty_after_memorising must be True"),
    ({"model": "transformer", "lmn_layers": ("resid_mid",), "jacobian_penalty": 0.1},
     "built for model='embed_mlp'")])
def test_bad_signal_settings_are_named(override, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**override).validate()


def test_a_notebooks_signals_parameter_names_only_signal_fields_and_reaches_the_config():
    from lmn_utils import signal_settings
    from lmn_utils.report import describe_run
    from lmn_utils.signals import SIGNAL_FIELDS
    assert set(SIGNAL_FIELDS) <= set(TrainConfig.__dataclass_fields__)
    assert signal_settings({}) == {}
    with pytest.raises(ValueError, match=r"unknown setting\(s\) \['weight_decay'\]"):
        signal_settings({"weight_decay": 1.0})
    with pytest.raises(ValueError, match="signals must be a dict"):
        signal_settings([("grokfast_lambda", 2.0)])
    config = TrainConfig(seeds=(0,), **signal_settings({"grokfast_lambda": 2.0})).validate()
    task = make_task(config.task, **config.task_params)
    assert describe_run(task, config).endswith("; with Grokfast-EMA (alpha 0.98, lambda 2)")
    plain = TrainConfig(seeds=(0,)).validate()
    assert "with" not in describe_run(task, plain)  # the committed runs' descriptions unchanged
    both = TrainConfig(seeds=(0,), lmn_penalty=0.1, lmn_penalty_after_memorising=True,
                       jacobian_penalty=0.01).validate()
    assert describe_run(task, both).endswith(
        "; with LMN penalty 0.1 (256 pairs of train inputs, once memorised); Jacobian penalty 0.01")


def test_the_signal_tracks_the_exact_lmn_over_a_run_where_lmn_moves(tmp_path):
    """tracking.signal_course reads the run's snapshots at its LMN steps (found by their saved
    config); on a run whose LMN moves, the signal's levels rank like LMN's in every seed, its
    changes are measured on the same pairs at both ends, and a rerun gives the same values."""
    from lmn_utils.remeasure import find_snapshots
    from lmn_utils.tracking import (partial_spearman, signal_course, tracking_rows,
                                    tracking_summary)
    from lmn_utils.train import load_snapshots
    path = tmp_path / "snapshots.pt"
    settings = dict(SMALL, steps=600, num_records=30, lmn_points=(2, 6, 4), dtype="float64")
    history, _ = train(seeds=[0, 1], snapshot_path=str(path), **settings)
    _, snapshots = load_snapshots(path)
    found = find_snapshots(tmp_path, history)  # matched by their saved config, not file name
    assert found.keys() == snapshots.keys()
    other, _ = train(seeds=[1], **dict(settings, steps=20, num_records=4))
    with pytest.raises(ValueError, match=r"no snapshots in .* seeds \[1\]"):
        find_snapshots(tmp_path, other)
    course = signal_course(history, snapshots, pairs=2000, pool="all")
    assert [(len(a), len(b)) for a, b in course] == [(len(s), len(s) - 1)
                                                    for s in history.lmn_steps]
    summary = tracking_summary(tracking_rows(history, course))
    assert summary["signal"]["positive"] == summary["signal"]["seeds"] == 2, summary
    with pytest.raises(ValueError, match="pairs must be an int >= 1"):
        signal_course(history, snapshots, pairs=0)
    with pytest.raises(ValueError, match=r"pool must be one of \['train', 'all'\]"):
        signal_course(history, snapshots, pool="test")
    assert all(0 <= v <= 1 for levels, _ in course for v in levels)
    train_pool = signal_course(history, snapshots, pairs=50)
    again = signal_course(history, snapshots, pairs=50)  # the same pairs on every rerun
    assert all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
               for a, b in zip(train_pool, again))
    rng = np.random.default_rng(0)
    t = np.arange(20.0)
    shared = t + rng.normal(0, 1, 20)
    assert partial_spearman(shared + rng.normal(0, 1, 20), shared, t) > 0.2  # beyond the trend
    # LMN a monotone function of time: nothing is left beyond the trend, the partial is undefined
    assert np.isnan(partial_spearman(t + rng.normal(0, 3, 20), t ** 2, t))
    noise = partial_spearman(t + rng.normal(0, 1, 20), t + rng.normal(0, 1, 20), t)
    assert abs(noise) < 0.6  # two series that share only the trend
