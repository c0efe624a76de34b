"""Inference at small n (lmn_utils.inference) and the lack-of-fit test (lmn_utils.lack_of_fit)."""
import numpy as np
import pytest

from lmn_utils.analysis import bootstrap_mean_interval, curvature
from lmn_utils.inference import (bca_interval, coverage, direction_verdict, fisher_p,
                                 fraction_interval, holm, sign_flip_p, t_interval, t_test,
                                 tost_p)
from lmn_utils.lack_of_fit import lack_of_fit

SAMPLES = {  # name: (draw n values, true mean)
    "normal": (lambda rng, n: rng.normal(size=n), 0.0),
    "heavy-tailed (t, 5 df)": (lambda rng, n: rng.standard_t(5, size=n), 0.0),
    "skewed (gamma, shape 4)": (lambda rng, n: rng.gamma(4.0, size=n), 4.0),
}


@pytest.mark.parametrize("n", [5, 20])
@pytest.mark.parametrize("name", list(SAMPLES))
def test_t_interval_covers_at_least_93_percent_at_nominal_95(name, n):
    sample, true_mean = SAMPLES[name]
    held = coverage(sample, t_interval, n, repeats=2000, true_mean=true_mean)
    assert held >= 0.93, f"{name}, n = {n}: coverage {held:.3f}"


def test_the_percentile_bootstrap_it_replaces_undercovers_at_5_seeds():
    percentile = lambda values, level: bootstrap_mean_interval(values, level, resamples=1000)  # noqa: E731
    held = coverage(SAMPLES["normal"][0], percentile, 5, repeats=1000)
    assert held < 0.90  # about 0.84: why the claims table no longer uses it


def test_t_test_matches_the_textbook_formula():
    values = np.array([0.3, -0.1, 0.5, 0.2, 0.4])
    test = t_test(values)
    half = 2.7764451051977987 * values.std(ddof=1) / np.sqrt(5)  # t(0.975, 4)
    assert test.mean == pytest.approx(0.26)
    assert (test.low, test.high) == pytest.approx((0.26 - half, 0.26 + half))
    assert 0.01 < test.p < 0.1


def test_sign_flip_p_is_exact_and_cannot_reach_005_with_5_seeds():
    assert sign_flip_p([1, 2, 3, 4, 5]) == pytest.approx(2 / 32)
    assert sign_flip_p([1, 2, 3, 4, 5], alternative="greater") == pytest.approx(1 / 32)
    assert sign_flip_p(np.arange(1, 11)) == pytest.approx(2 / 1024)


def test_holm_matches_its_step_down_definition():
    p = [0.01, 0.04, 0.03, 0.2]
    # sorted 0.01, 0.03, 0.04, 0.2 times 4, 3, 2, 1, made monotone
    np.testing.assert_allclose(holm(p), [0.04, 0.09, 0.09, 0.2])
    assert np.isnan(holm([0.01, np.nan])[1]) and holm([0.01, np.nan])[0] == pytest.approx(0.01)


def test_tost_calls_a_mean_inside_the_margin_equivalent_and_one_outside_not():
    rng = np.random.default_rng(0)
    inside = rng.normal(0.0, 0.005, 20)
    outside = rng.normal(0.05, 0.005, 20)
    assert tost_p(inside, 0.02) < 0.05
    assert tost_p(outside, 0.02) > 0.5
    assert direction_verdict(0.001, 0.9, tost_p(inside, 0.02)) == "equivalent"


@pytest.mark.parametrize("mean, p, expected, verdict", [
    (+0.3, 0.01, +1, "supported"), (-0.3, 0.01, +1, "contradicted"),
    (-0.3, 0.01, -1, "supported"), (+0.3, 0.2, +1, "not distinguished")])
def test_direction_verdict_on_each_side_of_alpha(mean, p, expected, verdict):
    assert direction_verdict(mean, p, expected=expected) == verdict


def test_fraction_interval_and_fisher():
    low, high = fraction_interval(3, 10)
    assert low == pytest.approx(0.0667, abs=1e-3) and high == pytest.approx(0.6525, abs=1e-3)
    assert fisher_p(8, 10, 1, 20, alternative="greater") < 0.001
    assert fisher_p(2, 10, 4, 20) == pytest.approx(1.0)


def test_bca_interval_is_seeded():
    values = np.random.default_rng(1).normal(size=8)
    assert bca_interval(values) == bca_interval(values)


X = np.linspace(0.0, 1.0, 18)
NOISE = 0.02 * np.random.default_rng(0).normal(size=18)


def test_lack_of_fit_passes_a_line():
    fit = lack_of_fit(X, 2 * X + 1 + NOISE)
    assert fit["p"] > 0.05 and fit["gain"] < 0.001


@pytest.mark.parametrize("name, curve", [
    ("parabola", X ** 2), ("S-shape", np.tanh(6 * (X - 0.5))), ("non-monotone", np.sin(3 * X))])
def test_lack_of_fit_rejects_curves_through_the_same_range(name, curve):
    y = curve / np.ptp(curve) * 2 + NOISE  # the line's range, the same noise
    fit = lack_of_fit(X, y)
    assert fit["p"] < 0.001 and fit["gain"] > 0.02, name


def test_the_curvature_gain_misses_a_symmetric_s_shape_that_lack_of_fit_sees():
    y = np.tanh(6 * (X - 0.5)) + NOISE
    assert curvature(X, y)["gain"] < 0.005 < 0.05 < lack_of_fit(X, y)["gain"]


def test_lack_of_fit_needs_enough_points():
    assert np.isnan(lack_of_fit(X[:6], X[:6])["p"])
    assert lack_of_fit(X[:7], X[:7] ** 2)["n"] == 7


@pytest.mark.parametrize("n", [3, 6, 11, 14])
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_the_exact_sign_flip_enumeration_equals_scipys(n, alternative):
    from scipy import stats
    rng = np.random.default_rng(n)
    values = rng.normal(0.3, 1.0, n)
    expected = stats.permutation_test((values - 0.1,), np.mean, permutation_type="samples",
                                      alternative=alternative, vectorized=True,
                                      n_resamples=np.inf).pvalue
    assert sign_flip_p(values, 0.1, alternative) == pytest.approx(expected, rel=1e-12)


def test_the_fitted_curves_are_the_least_squares_fits_the_statistics_compare():
    from lmn_utils.lack_of_fit import fitted_curves, lack_of_fit
    x = np.linspace(0.0, 2.0, 15)
    y = np.sin(3 * x)  # turns back: neither a line nor a parabola follows it
    curves = fitted_curves(x, y, x)
    r2 = {k: 1 - ((y - c) ** 2).sum() / ((y - y.mean()) ** 2).sum() for k, c in curves.items()}
    fit = lack_of_fit(x, y)
    assert np.isclose(r2["line"], fit["r2_line"]) and np.isclose(r2["spline"], fit["r2_spline"])
    assert r2["line"] <= r2["parabola"] <= r2["spline"] and r2["spline"] > 0.95
    assert np.allclose(fitted_curves(x, 2 * x + 1, [5.0])["line"], [11.0])  # extrapolates
