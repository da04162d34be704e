"""The lasso: soft thresholding is the L1 proximal map, the solution meets the KKT conditions,
the duality gap bounds the distance to the optimum and closes, and the coefficients, supports
and path are scikit-learn's."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
from minitrain import select

seeds = st.integers(0, 2**32 - 1)


def problem(seed, n=None, d=None):
    rng = np.random.default_rng(seed)
    n = n or int(rng.integers(20, 60))
    d = d or int(rng.integers(2, 9))
    X = rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) * 0.5 + rng.normal(size=d)
    w = rng.normal(size=d) * (rng.random(d) < 0.6)
    y = X @ w + 0.5 * rng.normal(size=n) + 3.0
    return X, y


def objective(X, y, w, b, alpha):
    return np.sum((y - X @ w - b) ** 2) / (2 * len(y)) + alpha * np.abs(w).sum()


@given(st.floats(-5, 5), st.floats(0, 3))
def test_soft_threshold_minimises_the_proximal_objective(v, tau):
    # prox_{tau |.|}(v) = argmin_u (u - v)^2 / 2 + tau |u|: S_tau(v) is no worse than any
    # point of a dense grid (spacing 1e-4, so the grid's best is within ~5e-9 of the minimum).
    u = float(select.soft_threshold(np.array([v]), tau)[0])
    grid = np.linspace(-6, 6, 120_001)
    values = (grid - v) ** 2 / 2 + tau * np.abs(grid)
    assert (u - v) ** 2 / 2 + tau * abs(u) <= values.min() + 1e-12
    assert abs(u - grid[values.argmin()]) <= 1e-4


@given(seeds, st.floats(0.01, 1.2))
def test_the_solution_meets_the_kkt_conditions(seed, fraction):
    X, y = problem(seed)
    alpha = fraction * select.alpha_grid(X, y, n_alphas=1)[0]
    fit = select.lasso(X, y, alpha, tol=1e-14, max_iter=100_000)
    assert fit.converged
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    correlation = Xc.T @ (yc - Xc @ fit.coef) / len(y)
    zero = fit.coef == 0
    # Tolerances 1e-7 alpha: at a duality gap of 1e-14 ||yc||^2/n the subgradient condition
    # holds to about sqrt(gap) in relative terms; a wrong sign or step breaks it by O(alpha).
    assert np.all(np.abs(correlation[zero]) <= alpha * (1 + 1e-7))
    np.testing.assert_allclose(correlation[~zero], alpha * np.sign(fit.coef[~zero]),
                               rtol=1e-7, atol=1e-7 * alpha)  # fmt: skip
    assert fit.intercept == pytest.approx(y.mean() - X.mean(axis=0) @ fit.coef, rel=1e-12)


@given(seeds, st.floats(0.05, 1.0), seeds)
def test_the_duality_gap_bounds_the_distance_to_the_optimum(seed, fraction, other):
    # Weak duality: for any w, gap(w) = P(w) - D(theta(w)) >= P(w) - P* >= 0. The gap is
    # computed from the Gram matrix; P here from the residuals directly.
    X, y = problem(seed)
    alpha = fraction * select.alpha_grid(X, y, n_alphas=1)[0]
    best = select.lasso(X, y, alpha, tol=1e-15, max_iter=100_000)
    p_star = objective(X, y, best.coef, best.intercept, alpha)
    w = np.random.default_rng(other).normal(size=X.shape[1])
    b = y.mean() - X.mean(axis=0) @ w
    gap = select.duality_gap(X, y, w, alpha)
    excess = objective(X, y, w, b, alpha) - p_star
    assert gap >= 0
    assert gap >= excess - 1e-12 * max(1.0, abs(p_star))  # rounding of two objectives


@given(seeds, st.floats(0.05, 1.0))
def test_the_duality_gap_is_the_explicit_primal_minus_dual(seed, fraction):
    X, y = problem(seed)
    n = len(y)
    alpha = fraction * select.alpha_grid(X, y, n_alphas=1)[0]
    w = np.random.default_rng(seed).normal(size=X.shape[1])
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    r = yc - Xc @ w
    s = min(1.0, n * alpha / np.abs(Xc.T @ r).max())
    theta = s * r  # feasible: ||Xc^T theta||_inf <= n alpha
    assert np.abs(Xc.T @ theta).max() <= n * alpha * (1 + 1e-12)
    primal = r @ r / (2 * n) + alpha * np.abs(w).sum()
    dual = (yc @ yc - (yc - theta) @ (yc - theta)) / (2 * n)
    # 1e-9 relative to the objective: the Gram form expands ||r||^2, cancelling ||yc||^2.
    assert select.duality_gap(X, y, w, alpha) == pytest.approx(primal - dual, abs=1e-9 * primal)


@given(seeds, st.floats(0.01, 0.9))
def test_the_duality_gap_is_non_negative_and_closes(seed, fraction):
    X, y = problem(seed)
    alpha = fraction * select.alpha_grid(X, y, n_alphas=1)[0]
    fit = select.lasso(X, y, alpha, tol=1e-12, max_iter=100_000)
    gaps = np.array(fit.gaps)
    yy = np.sum((y - y.mean()) ** 2) / len(y)
    assert np.all(gaps >= 0)
    assert fit.converged and gaps[-1] <= 1e-12 * yy
    assert gaps[-1] < gaps[0]
    # the gap bounds the objective's excess at every check, so the last gap caps the error
    final = objective(X, y, fit.coef, fit.intercept, alpha)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tol=0 cannot be met; it runs all its iterations
        exact = select.lasso(X, y, alpha, tol=0.0, max_iter=2_000)
    assert final - objective(X, y, exact.coef, exact.intercept, alpha) <= gaps[-1] + 1e-12


def test_alpha_max_is_the_smallest_alpha_with_no_feature():
    X, y = problem(7, n=50, d=6)
    alpha_max = select.alpha_grid(X, y, n_alphas=1)[0]
    assert np.all(select.lasso(X, y, alpha_max).coef == 0)
    assert np.any(select.lasso(X, y, 0.99 * alpha_max, tol=1e-10).coef != 0)
    grid = select.alpha_grid(X, y, n_alphas=5, eps=1e-2)
    np.testing.assert_allclose(grid, alpha_max * np.logspace(0, -2, 5), rtol=1e-14)


def test_lasso_agrees_with_scikit_learn_on_digits():
    linear_model = pytest.importorskip("sklearn.linear_model")
    X, y = mt.data.load_digits()
    y = y.astype(np.float64)
    for alpha in (0.3, 0.02):
        ours = select.lasso(X, y, alpha, tol=1e-12, max_iter=100_000)
        theirs = linear_model.Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, y)
        # 1e-6 of the largest coefficient: both solvers stop at a relative duality gap of
        # 1e-12, which pins the coefficients to ~1e-6 (the gap is quadratic in their error).
        scale = np.abs(theirs.coef_).max()
        np.testing.assert_allclose(ours.coef, theirs.coef_, rtol=1e-6, atol=1e-6 * scale)
        np.testing.assert_array_equal(ours.coef != 0, theirs.coef_ != 0)
        assert ours.intercept == pytest.approx(theirs.intercept_, rel=1e-6)


def test_lasso_path_agrees_with_scikit_learn_on_the_fleet():
    linear_model = pytest.importorskip("sklearn.linear_model")
    fleet = mt.data.make_sensor_fleet(seed=1, n_per_node=200)
    X, y = fleet.X_clean, fleet.y[:, 0]
    path = select.lasso_path(X, y, n_alphas=30, tol=1e-12, max_iter=100_000)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # newer scikit-learn deprecates n_alphas
        alphas, coefs, _ = linear_model.lasso_path(Xc, yc, eps=1e-3, n_alphas=30, tol=1e-12,
                                                   max_iter=100_000)  # fmt: skip
    np.testing.assert_allclose(path.alphas, alphas, rtol=1e-13)  # the same grid
    scale = np.abs(coefs).max()
    np.testing.assert_allclose(path.coefs, coefs.T, rtol=1e-6, atol=1e-6 * scale)
    np.testing.assert_array_equal(path.coefs != 0, coefs.T != 0)
    np.testing.assert_allclose(path.intercepts, y.mean() - path.coefs @ X.mean(axis=0),
                               rtol=1e-12)  # fmt: skip
    assert path.converged.all()
    supports = (path.coefs != 0).sum(axis=1)
    assert supports[0] == 0 and supports[-1] == X.shape[1]


def test_lasso_keeps_float32_and_does_not_mutate():
    X, y = problem(3, n=40, d=5)
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    before = X32.copy()
    fit = select.lasso(X32, y32, 0.1)
    path = select.lasso_path(X32, y32, n_alphas=5)
    assert fit.coef.dtype == np.float32 and path.coefs.dtype == np.float32
    assert path.coefs.shape == (5, 5) and path.alphas.dtype == np.float32
    grid = select.alpha_grid(X32, y32, n_alphas=5)
    assert grid.dtype == np.float32  # the grid lasso_path uses, in the same dtype
    np.testing.assert_array_equal(grid, path.alphas)
    np.testing.assert_array_equal(X32, before)


def test_lasso_refuses_bad_input_and_warns_when_it_stops_early():
    X, y = problem(3, n=40, d=5)
    with pytest.raises(ValueError, match="alpha must be a finite number >= 0"):
        select.lasso(X, y, -0.1)
    with pytest.raises(ValueError, match="rows but y has"):
        select.lasso(X, y[:-1], 0.1)
    with pytest.raises(ValueError, match="one target"):
        select.lasso(X, np.stack([y, y], axis=1), 0.1)
    with pytest.raises(ValueError, match="alphas must be >= 0"):
        select.lasso_path(X, y, alphas=[0.1, -1.0])
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        select.lasso(bad, y, 0.1)
    with pytest.warns(RuntimeWarning, match="did not reach tol"):
        fit = select.lasso(X, y, 1e-3, tol=0.0, max_iter=3)
    assert not fit.converged and fit.n_iter == 3
