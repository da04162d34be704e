"""Properties of the closed-form least-squares references and of gradient descent's rates."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import minitrain as mt
import minitrain.strategies as mts
from minitrain.closed_form import gd_rate, gd_trajectory_bound, ols, parameter_error, ridge

MSE = mt.losses.MSE()
EPS = np.finfo(np.float64).eps

# Problems for the exact-solution properties: moderately conditioned, several targets.
problems = mts.regression_problems(
    n_samples=st.integers(8, 40),
    n_features=st.integers(1, 5),
    condition_number=st.floats(1.0, 1e3),
    noise=st.floats(0.0, 1.0),
    n_targets=st.integers(1, 3),
)
# Problems for gradient-descent runs: well conditioned and tall (N >= 5 D), so that even with
# the intercept column the Hessian's condition number stays small and runs take < 5000 steps.
gd_problems = mts.regression_problems(
    n_samples=st.integers(15, 40),
    n_features=st.integers(1, 3),
    condition_number=st.floats(1.0, 3.0),
    noise=st.floats(0.0, 1.0),
    n_targets=st.integers(1, 2),
)


def linear_model(problem):
    return mt.Sequential([mt.Dense(problem.X.shape[1], problem.y.shape[1])])


def gradient_scale(problem):
    """||grad at params = 0||: the size of the MSE gradient before any fitting."""
    model = linear_model(problem)
    zeros = {k: np.zeros_like(v) for k, v in model.init(0).items()}
    grads = mt.value_and_grad(model, MSE, zeros, problem.X, problem.y)[1]
    return np.sqrt(sum(np.sum(g * g) for g in grads.values()))


def norm(tree):
    return float(np.sqrt(sum(np.sum(v * v) for v in tree.values())))


# ----- OLS ------------------------------------------------------------------------------------


@given(problems)
def test_ols_zeroes_the_mse_gradient(problem):
    solution = ols(problem.X, problem.y)
    grads = mt.value_and_grad(
        linear_model(problem), MSE, solution.as_params(), problem.X, problem.y
    )[1]
    # The normal equations hold to the backward error of the SVD solve: ~ eps * kappa(X) times
    # the gradient's own scale; 100 eps kappa leaves room for N, D <= 40 summation terms.
    assert norm(grads) <= 100 * EPS * problem.condition_number * gradient_scale(problem)


@given(mts.regression_problems(condition_number=st.floats(1.0, 1e3), n_targets=st.integers(1, 3)))
def test_ols_recovers_the_coefficients_of_noiseless_data(problem):
    solution = ols(problem.X, problem.y)
    # Forward error of least squares on consistent data: ~ eps * kappa relative to the
    # coefficients (entries of order 1); 1e3 eps kappa covers the centring and summations.
    tolerance = 1e3 * EPS * problem.condition_number
    np.testing.assert_allclose(solution.coef, problem.coef, rtol=0, atol=tolerance)
    np.testing.assert_allclose(solution.intercept, problem.intercept, rtol=0, atol=tolerance)


@given(mts.regression_problems(fit_intercept=False, condition_number=st.floats(1.0, 1e3)))
def test_ols_without_intercept_recovers_coefficients_and_returns_zero_intercept(problem):
    solution = ols(problem.X, problem.y, fit_intercept=False)
    tolerance = 1e3 * EPS * problem.condition_number  # as in the test above
    np.testing.assert_allclose(solution.coef, problem.coef, rtol=0, atol=tolerance)
    assert np.all(solution.intercept == 0)


@given(problems)
def test_ols_of_one_dimensional_y_matches_the_column_solution_with_matching_shapes(problem):
    column = ols(problem.X, problem.y[:, :1])
    flat = ols(problem.X, problem.y[:, 0])
    assert flat.coef.shape == (problem.X.shape[1],) and flat.intercept.shape == ()
    # Same solver on the same numbers, only the shape of y differs.
    np.testing.assert_allclose(flat.coef, column.coef[:, 0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        flat.predict(problem.X), column.predict(problem.X)[:, 0], rtol=1e-12, atol=1e-12
    )


@given(mts.regression_problems(dtype=np.float32, condition_number=st.floats(1.0, 10.0)))
def test_ols_keeps_float32(problem):
    solution = ols(problem.X, problem.y)
    assert solution.coef.dtype == np.float32 and solution.intercept.dtype == np.float32
    # float32 eps is 1.2e-7; kappa <= 10 and order-1 coefficients give errors ~1e-5 at most.
    np.testing.assert_allclose(solution.coef, problem.coef, rtol=0, atol=1e-4)


# ----- ridge ----------------------------------------------------------------------------------


@given(
    mts.regression_problems(dtype=np.float32, condition_number=st.floats(1.0, 10.0)),
    st.floats(1e-3, 1.0),
)
def test_ridge_keeps_float32_and_matches_the_float64_solution(problem, alpha):
    solution = ridge(problem.X, problem.y, alpha)
    assert solution.coef.dtype == np.float32 and solution.intercept.dtype == np.float32
    exact = ridge(problem.X.astype(np.float64), problem.y.astype(np.float64), alpha)
    # As for OLS above: float32 eps 1.2e-7, kappa <= 10 (the penalty only lowers it) and
    # order-1 coefficients give errors ~1e-5 at most.
    np.testing.assert_allclose(solution.coef, exact.coef, rtol=0, atol=1e-4)


@given(problems, st.floats(1e-4, 10.0))
def test_ridge_zeroes_the_gradient_of_mse_plus_penalty(problem, alpha):
    solution = ridge(problem.X, problem.y, alpha)
    params = solution.as_params()
    grads = mt.value_and_grad(linear_model(problem), MSE, params, problem.X, problem.y)[1]
    grads["0.W"] = grads["0.W"] + 2 * alpha * params["0.W"]  # d/dW of alpha ||W||^2
    # The penalty only improves conditioning, so the OLS tolerance applies (see above).
    assert norm(grads) <= 100 * EPS * problem.condition_number * gradient_scale(problem)


@given(problems)
def test_ridge_approaches_ols_as_alpha_goes_to_zero_at_the_predicted_rate(problem):
    solution = ols(problem.X, problem.y)
    Xc = problem.X - problem.X.mean(axis=0)
    smallest_eigenvalue = np.linalg.svd(Xc, compute_uv=False)[-1] ** 2
    assume(smallest_eigenvalue > 1e-6)  # centring can make X nearly rank deficient
    M = problem.y.size
    for alpha in (1e-2, 1e-4, 1e-6, 1e-8):
        shrunk = ridge(problem.X, problem.y, alpha)
        # w_0 - w_alpha = alpha M (Xc^T Xc + alpha M I)^{-1} w_0, so its norm is at most
        # alpha M / lambda_min(Xc^T Xc) * ||w_0||. Rounding adds ~eps kappa^2 ||w_0|| (the
        # solves differ), covered by the 1e-9 term for kappa <= 1e3 after centring.
        bound = (alpha * M / smallest_eigenvalue + 1e-9) * np.linalg.norm(solution.coef)
        assert np.linalg.norm(shrunk.coef - solution.coef) <= bound + 1e-12


@given(problems)
def test_ridge_with_alpha_zero_is_ols(problem):
    a, b = ridge(problem.X, problem.y, 0.0), ols(problem.X, problem.y)
    # Two SVD solves of the same system (one with D extra zero rows): agree to eps * kappa.
    tolerance = 1e3 * EPS * problem.condition_number * (1 + np.abs(b.coef).max())
    np.testing.assert_allclose(a.coef, b.coef, rtol=0, atol=tolerance)


@given(problems, st.floats(1e-3, 1.0))
def test_ridge_shrinks_the_coefficients_as_alpha_grows(problem, alpha):
    small = np.linalg.norm(ridge(problem.X, problem.y, alpha).coef)
    large = np.linalg.norm(ridge(problem.X, problem.y, 10 * alpha).coef)
    # ||w_alpha|| is non-increasing in alpha; 1e-12 relative allows for rounding.
    assert large <= small * (1 + 1e-12)


# ----- gradient descent rates -----------------------------------------------------------------


def gd_run(problem, step, alpha, seed, steps):
    """GD on mt's MSE (+ alpha ||W||^2) with Sequential([Dense]); the params after each step."""
    model = linear_model(problem)
    params = model.init(seed)
    trajectory = [params]
    for _ in range(steps):
        grads = mt.value_and_grad(model, MSE, params, problem.X, problem.y)[1]
        grads["0.W"] = grads["0.W"] + 2 * alpha * params["0.W"]
        params = {k: params[k] - step * grads[k] for k in params}
        trajectory.append(params)
    return trajectory


def steps_to_reach(factor, reduction=1e-10):
    return int(np.ceil(np.log(reduction) / np.log(factor))) if factor > 0 else 1


def check_contraction(problem, alpha, seed, optimal):
    rate = gd_rate(problem.X, alpha=alpha, n_targets=problem.y.shape[1])
    solution = ridge(problem.X, problem.y, alpha) if alpha else ols(problem.X, problem.y)
    step, factor = (
        (rate.step_optimal, rate.factor_optimal)
        if optimal
        else (rate.step_1_over_L, rate.factor_1_over_L)
    )
    steps = steps_to_reach(factor)
    assume(steps <= 5000)  # keeps each example fast; rarely binds for these problems
    errors = [parameter_error(p, solution) for p in gd_run(problem, step, alpha, seed, steps)]
    bound = gd_trajectory_bound(errors[0], factor, steps)
    # Each step is exact up to rounding of order eps * ||theta*|| * (size of the sums), which
    # only matters once the error itself is that small: a floor of 1e-11 (1 + ||theta*||).
    floor = 1e-11 * (1 + norm(solution.as_params()))
    assert np.all(np.asarray(errors) <= bound * (1 + 1e-9) + floor)
    # ... and the run ends at the closed-form solution (10 orders of magnitude closer).
    assert errors[-1] <= 1e-10 * errors[0] + floor


@given(gd_problems, st.integers(0, 100))
def test_gd_with_step_one_over_L_contracts_by_one_minus_mu_over_L_and_reaches_ols(problem, seed):
    check_contraction(problem, alpha=0.0, seed=seed, optimal=False)


@given(gd_problems, st.integers(0, 100))
def test_gd_with_optimal_step_contracts_by_kappa_ratio_and_reaches_ols(problem, seed):
    check_contraction(problem, alpha=0.0, seed=seed, optimal=True)


@given(gd_problems, st.floats(1e-3, 1.0), st.integers(0, 100))
def test_gd_on_ridge_objective_contracts_at_its_rate_and_reaches_ridge(problem, alpha, seed):
    check_contraction(problem, alpha=alpha, seed=seed, optimal=False)


@given(gd_problems, st.floats(0.0, 1.0))
def test_one_over_L_rate_is_attained_along_the_flattest_direction(problem, alpha):
    # Starting at theta* + v (v the Hessian eigenvector of mu), GD's error shrinks by exactly
    # 1 - mu/L per step, so the factor is tight: a rate from a wrong mu or L would fail here.
    rate = gd_rate(problem.X, alpha=alpha)
    y = problem.y[:, :1]
    solution = ridge(problem.X, y, alpha)
    A = np.concatenate([problem.X, np.ones((len(y), 1))], axis=1)
    D = problem.X.shape[1]
    H = (2 / len(y)) * A.T @ A + 2 * alpha * np.diag(np.r_[np.ones(D), 0.0])
    v = np.linalg.eigh(H)[1][:, 0]
    theta = solution.as_params()
    start = {"0.W": theta["0.W"] + v[:D, None], "0.b": theta["0.b"] + v[D:]}
    model = mt.Sequential([mt.Dense(D, 1)])
    params = start
    for k in range(1, 6):
        grads = mt.value_and_grad(model, MSE, params, problem.X, y)[1]
        grads["0.W"] = grads["0.W"] + 2 * alpha * params["0.W"]
        params = {key: params[key] - rate.step_1_over_L * grads[key] for key in params}
        # ||v|| = 1; rounding in the gradient is ~eps * ||theta*||, far below 1e-9.
        assert parameter_error(params, solution) == pytest.approx(
            rate.factor_1_over_L**k, rel=1e-7, abs=1e-9
        )


@given(
    mts.regression_problems(condition_number=st.floats(1.0, 100.0), n_targets=st.integers(1, 3)),
    st.floats(0.0, 1.0),
)
def test_gd_rate_reports_consistent_constants(problem, alpha):
    rate = gd_rate(problem.X, alpha=alpha, n_targets=problem.y.shape[1])
    assert 0 <= rate.mu <= rate.L
    assert rate.kappa == pytest.approx(rate.L / rate.mu)
    assert rate.factor_1_over_L == pytest.approx(1 - rate.mu / rate.L)
    assert rate.factor_optimal == pytest.approx((rate.kappa - 1) / (rate.kappa + 1))
    assert rate.factor_optimal <= rate.factor_1_over_L  # the optimal step is never slower


def test_gd_rate_of_centred_orthogonal_features_is_known():
    # X^T X = N I and centred columns: H = diag(2, ..., 2, 2) for MSE, so L = mu = 2 and one
    # step of size 1/2 lands on the solution.
    X = np.array([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]])
    rate = gd_rate(X)
    assert rate.L == pytest.approx(2.0) and rate.mu == pytest.approx(2.0)
    assert rate.factor_1_over_L == pytest.approx(0.0, abs=1e-12)
    rate_with_penalty = gd_rate(X, alpha=0.5, fit_intercept=False)
    assert rate_with_penalty.L == pytest.approx(3.0) and rate_with_penalty.mu == pytest.approx(3.0)


def test_trajectory_bound_is_a_geometric_sequence():
    np.testing.assert_array_equal(gd_trajectory_bound(2.0, 0.5, 3), [2.0, 1.0, 0.5, 0.25])


# ----- bad input ------------------------------------------------------------------------------


def test_closed_forms_refuse_bad_input_with_clear_messages():
    X, y = mt.data.make_linear(n=10)
    with pytest.raises(ValueError, match=r"X must have 2 dimension\(s\)"):
        ols(X[:, 0], y)
    with pytest.raises(ValueError, match="X has 10 rows but y has 9"):
        ols(X, y[:9])
    bad = X.copy()
    bad[3, 0] = np.nan
    with pytest.raises(ValueError, match=r"minitrain\.clean"):
        ols(bad, y)
    with pytest.raises(TypeError, match="y has dtype float32 but X has float64"):
        ols(X, y.astype(np.float32))
    with pytest.raises(ValueError, match="alpha must be a finite number >= 0"):
        ridge(X, y, -1.0)
    with pytest.raises(ValueError, match="is empty"):
        gd_rate(np.zeros((0, 2)))
    with pytest.raises(TypeError, match="floating-point"):
        ols(np.arange(10).reshape(-1, 1), y)


@given(problems, st.floats(0.0, 1.0))
def test_closed_forms_never_modify_their_inputs(problem, alpha):
    X, y = problem.X.copy(), problem.y.copy()
    ols(problem.X, problem.y)
    ridge(problem.X, problem.y, alpha)
    gd_rate(problem.X, alpha=alpha)
    np.testing.assert_array_equal(problem.X, X)
    np.testing.assert_array_equal(problem.y, y)
