"""Is y linear in x? A line against a restricted cubic spline, per seed (ANALYSIS_PLAN.md, 4).

R^2 of a line through a smooth monotone curve is high whatever the curve's shape, so it cannot
test "linear". The spline can follow what a line cannot (a parabola, an S-shape, a curve that
turns back): Harrell's restricted cubic spline, cubic between its 5 knots (at the 5%, 27.5%,
50%, 72.5% and 95% quantiles of x) and linear beyond the outer ones, which is the line plus 3
nonlinear terms. It nests the line, so its R^2 is never lower: the **lack-of-fit gain**
G = R^2(spline) - R^2(line) is 0 for a straight line, and the nested-model F-test, F(3, n - 5),
gives a per-seed p-value. The curvature gain of `analysis.curvature` (a parabola over a line)
is the special case that sees a parabolic bend only.
"""
import numpy as np
from scipy import stats

KNOT_QUANTILES = (0.05, 0.275, 0.5, 0.725, 0.95)
EXTRA_TERMS = len(KNOT_QUANTILES) - 2   # nonlinear terms the spline adds to the line
MIN_POINTS = len(KNOT_QUANTILES) + 2    # n - 5 > 0 for the F-test; 7 leaves it 2 degrees of freedom


def spline_basis(x, knots):
    """[n, k - 2] nonlinear columns of the restricted cubic spline with `knots` (Harrell 2015,
    section 2.4.5), scaled by (last knot - first knot)^2 for conditioning."""
    x, t = np.asarray(x, dtype=float), np.asarray(knots, dtype=float)
    cube = lambda u: np.clip(u, 0, None) ** 3  # noqa: E731
    last, before_last = t[-1], t[-2]
    columns = [cube(x - tj) - cube(x - before_last) * (last - tj) / (last - before_last)
               + cube(x - last) * (before_last - tj) / (last - before_last) for tj in t[:-2]]
    return np.stack(columns, 1) / (last - t[0]) ** 2


def _r2(design, y):
    coefficients, *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = y - design @ coefficients
    return 1 - (residual @ residual) / ((y - y.mean()) @ (y - y.mean())), residual @ residual


def fitted_curves(x, y, grid):
    """The line, the parabola and the spline fitted to (x, y) by least squares, evaluated at
    `grid` (for drawing what each statistic compares): dict of arrays."""
    x, y, grid = (np.asarray(v, dtype=float) for v in (x, y, grid))
    mean, spread = x.mean(), x.std()
    z, g = (x - mean) / spread, (grid - mean) / spread
    knots = np.quantile(z, KNOT_QUANTILES)
    designs = {"line": lambda u: np.stack([np.ones_like(u), u], 1),
               "parabola": lambda u: np.stack([np.ones_like(u), u, u * u], 1),
               "spline": lambda u: np.hstack([np.stack([np.ones_like(u), u], 1),
                                              spline_basis(u, knots)])}
    return {name: design(g) @ np.linalg.lstsq(design(z), y, rcond=None)[0]
            for name, design in designs.items()}


def lack_of_fit(x, y):
    """dict(r2_line, r2_spline, gain, f, p, n) for y against x; nan where there are fewer than
    MIN_POINTS points, fewer than 5 distinct x, or y is constant.

    Example (a parabola: the line's R^2 is high, yet the spline sees the bend):
        >>> import numpy as np
        >>> x = np.linspace(0, 1, 12)
        >>> fit = lack_of_fit(x, x ** 2)
        >>> round(fit["r2_line"], 2), fit["gain"] > 0.05, fit["p"] < 1e-6
        (0.93, True, True)
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    empty = dict(r2_line=np.nan, r2_spline=np.nan, gain=np.nan, f=np.nan, p=np.nan, n=len(x))
    if len(x) < MIN_POINTS or len(np.unique(x)) < len(KNOT_QUANTILES) or np.ptp(y) == 0:
        return empty
    z = (x - x.mean()) / x.std()  # conditioning only: R^2 does not depend on it
    line = np.stack([np.ones_like(z), z], 1)
    spline = np.hstack([line, spline_basis(z, np.quantile(z, KNOT_QUANTILES))])
    (r2_line, rss_line), (r2_spline, rss_spline) = _r2(line, y), _r2(spline, y)
    rss_spline = max(rss_spline, 1e-300)
    residual_df = len(x) - spline.shape[1]
    f = max(rss_line - rss_spline, 0.0) / EXTRA_TERMS / (rss_spline / residual_df)
    return dict(r2_line=float(r2_line), r2_spline=float(r2_spline),
                gain=float(max(r2_spline - r2_line, 0.0)), f=float(f),
                p=float(stats.f.sf(f, EXTRA_TERMS, residual_df)), n=len(x))
