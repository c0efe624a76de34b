import numpy as np
import pytest
import torch
from torch import nn

from lmn_utils import (activation_pattern, count_regions_on_grid, effective_number_of_regions,
                       make_mlp, region_labels, samples_per_region, segment_breakpoints)


def net_from(*layers):
    """nn.Sequential of Linear (given as (weight, bias) lists) and "relu" markers."""
    modules = []
    for layer in layers:
        if layer == "relu":
            modules.append(nn.ReLU())
            continue
        W, b = (torch.tensor(v, dtype=torch.float32) for v in layer)
        lin = nn.Linear(W.shape[1], W.shape[0])
        with torch.no_grad():
            lin.weight.copy_(W)
            lin.bias.copy_(b)
        modules.append(lin)
    return nn.Sequential(*modules)


def abs_net():
    """|x| = relu(x) + relu(-x)."""
    return net_from(([[1.0], [-1.0]], [0.0, 0.0]), "relu", ([[1.0, 1.0]], [0.0]))


def random_net(seed, d_in=2, widths=(8, 8)):
    torch.manual_seed(seed)
    modules, d = [], d_in
    for w in widths:
        modules += [nn.Linear(d, w), nn.ReLU()]
        d = w
    return nn.Sequential(*modules, nn.Linear(d, 1))


def test_abs_has_one_breakpoint_at_zero_crossing():
    bp = segment_breakpoints(abs_net(), [-1.0], [3.0])  # x = -1 + 4 l is 0 at l = 1/4
    assert bp.dtype == np.float64
    np.testing.assert_allclose(bp, [0.25], atol=1e-12)
    assert len(segment_breakpoints(abs_net(), [0.5], [2.0])) == 0  # never crosses 0


def test_two_neuron_kinks_at_known_places():
    # relu(x - 1) and relu(2 - x): kinks at x = 1 and x = 2; on x in [0, 4], l = 1/4 and 1/2
    net = net_from(([[1.0], [-1.0]], [-1.0, 2.0]), "relu", ([[1.0, 3.0]], [0.5]))
    np.testing.assert_allclose(segment_breakpoints(net, [0.0], [4.0]), [0.25, 0.5], atol=1e-12)
    np.testing.assert_allclose(segment_breakpoints(net, [4.0], [0.0]), [0.5, 0.75], atol=1e-12)


def test_second_layer_kink_is_found_exactly():
    # h = relu(x); second layer relu(h - 1) kinks at x = 1 (only after the first kink, at 0)
    net = net_from(([[1.0]], [0.0]), "relu", ([[1.0]], [-1.0]), "relu", ([[1.0]], [0.0]))
    np.testing.assert_allclose(segment_breakpoints(net, [-2.0], [2.0]), [0.5, 0.75], atol=1e-12)


def test_quadrants_are_four_regions_on_grid():
    net = net_from(([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]), "relu", ([[1.0, 1.0]], [0.0]))
    count, labels = count_regions_on_grid(net, -1.0, 1.0, 10)  # even: no point on an axis
    assert count == 4 and labels.shape == (10, 10)
    # labels[r, c] is the point (x = xs[c], y = xs[r]): each quadrant is one constant block
    for rows in (slice(0, 5), slice(5, 10)):
        for cols in (slice(0, 5), slice(5, 10)):
            assert len(np.unique(labels[rows, cols])) == 1
    assert len(np.unique(labels[[0, 0, 9, 9], [0, 9, 0, 9]])) == 4
    # one neuron relu(x - 0.5): columns (x) split at x = 0.5, rows (y) do not matter
    half = net_from(([[1.0, 0.0]], [-0.5]), "relu", ([[1.0]], [0.0]))
    count, labels = count_regions_on_grid(half, -1.0, 1.0, 9)  # xs = -1, -0.75, ..., 1
    assert count == 2
    assert (labels[:, :7] == labels[0, 0]).all() and (labels[:, 7:] == labels[0, 8]).all()


def test_grid_count_is_a_lower_bound_that_grows_with_resolution():
    net = random_net(0, widths=(12, 12))
    counts = [count_regions_on_grid(net, -2.0, 2.0, r)[0] for r in (4, 40, 400)]
    assert counts[0] <= 16 and counts[0] < counts[1] <= counts[2]


def test_activation_pattern_of_quadrant_net():
    net = net_from(([[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0]), "relu", ([[1.0, 1.0]], [0.0]))
    X = torch.tensor([[1.0, 2.0], [-1.0, 2.0], [-1.0, -2.0], [3.0, -0.5]])
    expected = [[True, True], [False, True], [False, False], [True, False]]
    assert activation_pattern(net, X).tolist() == expected
    assert activation_pattern(random_net(1, widths=(5, 7)), X).shape == (4, 12)
    assert region_labels(nn.Sequential(nn.Linear(2, 1)), X).tolist() == [0, 0, 0, 0]  # affine


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_breakpoints_match_dense_scan(seed):
    net = random_net(seed, d_in=3, widths=(10, 10, 10))
    g = torch.Generator().manual_seed(seed)
    x0, x1 = 3 * torch.randn(3, generator=g), 3 * torch.randn(3, generator=g)
    bp = segment_breakpoints(net, x0, x1)
    assert len(bp) >= 5  # the scan has something to find
    ls = torch.linspace(0, 1, 200_001, dtype=torch.float64)
    pattern = activation_pattern(net, x0.double() + ls[:, None] * (x1 - x0).double())
    changes = torch.nonzero((pattern[1:] != pattern[:-1]).any(1)).flatten()
    scanned = ((ls[changes] + ls[changes + 1]) / 2).numpy()  # each change sits in one scan step
    assert len(scanned) == len(bp)
    np.testing.assert_allclose(bp, scanned, atol=1e-5 + 1e-12)
    assert np.all(np.diff(bp) > 0) and bp.min() > 0 and bp.max() < 1
    # between breakpoints the pattern is constant: one region per piece
    points = x0.double() + ls[:, None] * (x1 - x0).double()
    assert region_labels(net, points).max() + 1 == len(bp) + 1
    _, reference = np.unique(pattern[::50].numpy(), axis=0, return_inverse=True)
    assert np.array_equal(region_labels(net, points[::50]), reference.reshape(-1))


def test_samples_per_region_and_effective_number():
    X = torch.tensor([[-2.0], [-1.0], [-0.5], [1.0]])  # three on one side of the |x| kink
    counts = samples_per_region(abs_net(), X)
    assert counts.tolist() == [3, 1]
    p = np.array([0.75, 0.25])
    assert effective_number_of_regions(abs_net(), X) == pytest.approx(2 ** -(p * np.log2(p)).sum())
    labels = region_labels(abs_net(), X)
    assert labels[0] == labels[1] == labels[2] != labels[3]


def test_input_validation_names_the_parameter():
    net = abs_net()
    with pytest.raises(TypeError, match="net"):
        segment_breakpoints(nn.Sequential(nn.Linear(1, 2), nn.Tanh()), [0.0], [1.0])
    with pytest.raises(TypeError, match="net"):
        activation_pattern(lambda x: x, torch.zeros(1, 1))
    with pytest.raises(ValueError, match="x1"):
        segment_breakpoints(net, [0.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="X"):
        activation_pattern(net, torch.zeros(3, 2))
    quad = random_net(0)
    for bad in (1, 2.5, True, "10"):
        with pytest.raises(ValueError, match="resolution"):
            count_regions_on_grid(quad, -1.0, 1.0, bad)
    with pytest.raises(ValueError, match="lo"):
        count_regions_on_grid(quad, 1.0, -1.0, 10)
    with pytest.raises(ValueError, match="2-D"):
        count_regions_on_grid(net, -1.0, 1.0, 10)


def test_make_mlp_builds_the_layers_asked_for():
    net = make_mlp(2, [5, 7], d_out=3, activation="tanh")
    assert [type(m) for m in net] == [nn.Linear, nn.Tanh, nn.Linear, nn.Tanh, nn.Linear]
    assert [m.out_features for m in net if type(m) is nn.Linear] == [5, 7, 3]
    assert activation_pattern(make_mlp(2, [4, 6]), torch.zeros(3, 2)).shape == (3, 10)
    with pytest.raises(ValueError, match="activation"):
        make_mlp(2, [4], activation="swish")
    with pytest.raises(ValueError, match="widths"):
        make_mlp(2, [4, 0])


def test_neighbouring_regions_get_different_colours():
    import torch
    from lmn_utils.measures import count_regions_on_grid, make_mlp
    from lmn_utils.plotting import region_colour_indices
    torch.manual_seed(0)
    count, labels = count_regions_on_grid(make_mlp(2, [16, 16]), -2, 2, 200)
    colour = region_colour_indices(labels)
    assert len(colour) == count and colour.max() < 20
    image = colour[labels]
    for a, b in ((labels[1:], labels[:-1]), (labels[:, 1:], labels[:, :-1])):
        boundary = a != b
        assert (colour[a][boundary] != colour[b][boundary]).all()
    assert image.shape == labels.shape
