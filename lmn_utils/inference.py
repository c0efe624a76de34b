"""Inference over seeds that holds at small n (ANALYSIS_PLAN.md, section 3).

One number per seed; the seeds are independent. The mean gets Student's t-interval and
t-test (scipy.stats.ttest_1samp), whose coverage at n = 5 and n = 20 a test checks by
simulation; the exact sign-flip test and a BCa bootstrap (scipy.stats.permutation_test,
scipy.stats.bootstrap) are sensitivity rows. A family of tests is corrected by Holm's
step-down rule (statsmodels), an "equivalent" verdict needs two one-sided tests (TOST) against
a stated margin, and a fraction of seeds gets a Clopper-Pearson interval (scipy.stats.binomtest).
Notebook 08 and `lmn_utils.confirm` call these; nothing here knows about LMN.
"""
from dataclasses import dataclass

import numpy as np
from scipy import stats

VERDICTS = ("supported", "contradicted", "equivalent", "not distinguished")


@dataclass(frozen=True)
class MeanTest:
    """The mean of per-seed values with its t-interval and two-sided t-test p-value."""
    mean: float
    low: float
    high: float
    p: float
    n: int

    def interval_text(self, digits=3, scale=1.0, unit=""):
        show = lambda v: f"{scale * v:+.{digits}f}"  # noqa: E731
        return f"{show(self.mean)}{unit} [{show(self.low)}, {show(self.high)}]"


def finite(values):
    """The finite values as a float array (a seed without the statistic is left out)."""
    values = np.asarray([v for v in values if v is not None], dtype=float)
    return values[np.isfinite(values)]


def t_test(values, null=0.0, level=0.95, alternative="two-sided"):
    """MeanTest of `values` against `null`: the t-interval (two-sided, at `level`) and the
    t-test's p-value (`alternative` as in scipy: "two-sided", "less", "greater").

    Example:
        >>> test = t_test([0.3, -0.1, 0.5, 0.2, 0.4])
        >>> test.interval_text(2), round(test.p, 3)
        ('+0.26 [-0.03, +0.55]', 0.065)
    """
    values = finite(values)
    if len(values) < 2:
        mean = float(values.mean()) if len(values) else np.nan
        return MeanTest(mean, np.nan, np.nan, np.nan, len(values))
    if np.ptp(values) == 0:  # every seed the same: the t statistic is undefined
        mean = float(values[0])
        return MeanTest(mean, mean, mean, 0.0 if mean != null else 1.0, len(values))
    result = stats.ttest_1samp(values, null, alternative=alternative)
    interval = stats.ttest_1samp(values, null).confidence_interval(level)
    return MeanTest(float(values.mean()), float(interval.low), float(interval.high),
                    float(result.pvalue), len(values))


def sign_flip_p(values, null=0.0, alternative="two-sided"):
    """Exact p-value of the mean against `null` by flipping the signs of values - null (all
    2^n patterns up to n = 20, else 100000 seeded random ones). Its smallest two-sided value is
    2 / 2^n: 0.0625 with 5 seeds, so with 5 seeds it can never reach 0.05. Up to n = 20 the
    2^n means are enumerated here (scipy's exact `permutation_test` gives the same p-values,
    tests/test_inference.py, but takes seconds per test at n = 20); above, scipy draws them."""
    centred = finite(values) - null
    if len(centred) < 2:
        return np.nan
    if len(centred) > 20:
        result = stats.permutation_test((centred,), np.mean, permutation_type="samples",
                                        alternative=alternative, vectorized=True,
                                        n_resamples=100000, random_state=np.random.default_rng(0))
        return float(result.pvalue)
    return _exact_sign_flip_p(centred, alternative)


def _exact_sign_flip_p(centred, alternative):
    """scipy.stats.permutation_test's exact p-value (its comparison tolerance included) of the
    mean of `centred` over all 2^n sign patterns, enumerated by doubling: each value adds
    itself to, or takes itself from, every sum so far."""
    sums = np.zeros(1)
    for value in centred:
        sums = np.concatenate([sums + value, sums - value])
    null, observed = sums / len(centred), centred.mean()
    gamma = abs(100 * np.finfo(float).eps * observed)
    greater = np.mean(null >= observed - gamma)
    less = np.mean(null <= observed + gamma)
    if alternative == "greater":
        return float(greater)
    if alternative == "less":
        return float(less)
    return float(min(1.0, 2 * min(greater, less)))


def bca_interval(values, level=0.95):
    """BCa bootstrap interval of the mean (9999 seeded resamples): a sensitivity row only."""
    values = finite(values)
    if len(values) < 3 or np.ptp(values) == 0:
        return (np.nan, np.nan)
    result = stats.bootstrap((values,), np.mean, confidence_level=level, method="BCa",
                             n_resamples=9999, random_state=np.random.default_rng(0))
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def holm(pvalues, alpha=0.05):
    """Holm-adjusted p-values of a family (statsmodels' multipletests); nan stays nan.

    Example:
        >>> [round(float(p), 3) for p in holm([0.01, 0.04, 0.03])]
        [0.03, 0.06, 0.06]
    """
    from statsmodels.stats.multitest import multipletests
    pvalues = np.asarray(pvalues, dtype=float)
    adjusted = np.full(len(pvalues), np.nan)
    ok = np.isfinite(pvalues)
    if ok.any():
        adjusted[ok] = multipletests(pvalues[ok], alpha=alpha, method="holm")[1]
    return adjusted


def tost_p(values, margin):
    """p-value of the two one-sided t-tests that the mean lies inside (-margin, +margin): the
    larger of the two one-sided p-values (equivalence when it is below alpha)."""
    values = finite(values)
    if len(values) < 2:
        return np.nan
    below = t_test(values, margin, alternative="less").p
    above = t_test(values, -margin, alternative="greater").p
    return float(max(below, above))


def direction_verdict(mean, p_adjusted, equivalence_p=np.nan, alpha=0.05, expected=+1):
    """The plan's verdict of a mean whose claimed sign is `expected` (+1 above 0, -1 below):
    supported / contradicted when the adjusted test rejects (by the mean's sign), equivalent
    when TOST rejects, not distinguished otherwise."""
    if np.isfinite(p_adjusted) and p_adjusted < alpha:
        return "supported" if np.sign(mean) == expected else "contradicted"
    if np.isfinite(equivalence_p) and equivalence_p < alpha:
        return "equivalent"
    return "not distinguished"


def fraction_interval(hits, total, level=0.95):
    """Clopper-Pearson interval of hits / total (scipy.stats.binomtest), (nan, nan) if total 0."""
    if total == 0:
        return (np.nan, np.nan)
    interval = stats.binomtest(int(hits), int(total)).proportion_ci(level, method="exact")
    return float(interval.low), float(interval.high)


def fisher_p(hits_a, total_a, hits_b, total_b, alternative="two-sided"):
    """Fisher's exact test that group a shows the shape as often as group b."""
    table = [[hits_a, total_a - hits_a], [hits_b, total_b - hits_b]]
    return float(stats.fisher_exact(table, alternative=alternative).pvalue)


def coverage(sample, interval, n, level=0.95, repeats=2000, seed=0, true_mean=0.0):
    """The fraction of `repeats` simulated data sets of size n (`sample(rng, n)`) whose
    `interval(values, level)` holds `true_mean`: what the coverage test reads."""
    rng = np.random.default_rng(seed)
    held = 0
    for _ in range(repeats):
        low, high = interval(sample(rng, n), level)
        held += low <= true_mean <= high
    return held / repeats


def t_interval(values, level=0.95):
    """(low, high) of `t_test`: the interval the plan uses."""
    test = t_test(values, level=level)
    return test.low, test.high
