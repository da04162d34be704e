"""Properties of the gradient checker itself: it agrees with known derivatives and it can fail."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
import minitrain.strategies as mts
from minitrain.gradcheck import grad_error, gradcheck, numerical_grad, relative_error

shapes = st.tuples(st.integers(1, 4), st.integers(1, 4))


@given(mts.finite_arrays(shapes, min_value=-3, max_value=3))
def test_numerical_grad_of_a_cubic_is_three_x_squared(x):
    numerical = numerical_grad(lambda v: float(np.sum(v**3)), x)
    # Truncation error is exactly eps^2 (f''' = 6, times eps^2/6) = 1e-12; rounding is
    # ~u |f| / eps <= 1e-16 * 16 * 27 / 1e-6 ~ 4e-8 absolute for |f| <= 432, hence 1e-7.
    np.testing.assert_allclose(numerical, 3 * x**2, rtol=0, atol=1e-7)


@given(st.data(), st.integers(1, 4), st.integers(1, 4))
def test_numerical_grad_of_a_quadratic_form_is_a_transpose_a_x(data, m, n):
    A = data.draw(mts.finite_arrays((m, n), min_value=-2, max_value=2))
    x = data.draw(mts.finite_arrays((n,), min_value=-2, max_value=2))
    numerical = numerical_grad(lambda v: 0.5 * float(np.sum((A @ v) ** 2)), x)
    # A quadratic has f''' = 0: only rounding, ~u |f| / eps <= 1e-16 * 128 / 1e-6 ~ 1e-8.
    np.testing.assert_allclose(numerical, A.T @ (A @ x), rtol=0, atol=1e-7)


def test_relative_error_is_the_documented_formula():
    a = np.array([1.0, 2.0, 1e-9, 0.0])
    n = np.array([1.5, -2.0, 2e-9, 0.0])
    expected = [0.5 / 1.5, 4.0 / 2.0, 1e-9 / 1e-3, 0.0]  # the last two use the floor 1e-3
    np.testing.assert_allclose(relative_error(a, n, floor=1e-3), expected, rtol=1e-12)


def tanh_model(n_in, hidden, n_out):
    return mt.Sequential([mt.Dense(n_in, hidden), mt.Tanh(), mt.Dense(hidden, n_out)])


def regression_case(seed, n=5, n_in=3, hidden=4, n_out=2):
    rng = np.random.default_rng(seed)
    model = tanh_model(n_in, hidden, n_out)
    return model, model.init(seed), rng.normal(size=(n, n_in)), rng.normal(size=(n, n_out))


@given(st.integers(0, 1000))
def test_gradcheck_passes_a_correct_model_and_reports_every_key(seed):
    model, params, X, y = regression_case(seed)
    errors = gradcheck(model, mt.losses.MSE(), params, X, y)
    assert list(errors) == list(params)
    # Tolerance from the module docstring: noise gives <~ 1e-7 with eps = 1e-6, tiny = 1e-3.
    assert max(errors.values()) < 1e-6


class MSEWithDoubledGradient(mt.losses.MSE):
    """A deliberately wrong loss: the value is the MSE, the gradient twice its derivative."""

    def value_and_grad(self, pred, target):
        value, grad = super().value_and_grad(pred, target)
        return value, 2 * grad


class TanhWithWrongDerivative(mt.Tanh):
    """A deliberately wrong layer: dx = dy (1 - y) instead of dy (1 - y^2)."""

    def backward(self, params, cache, dy, need_dx=True):
        return dy * (1 - cache), {}


@given(st.integers(0, 1000))
def test_gradcheck_catches_a_loss_gradient_off_by_a_factor_of_two(seed):
    model, params, X, y = regression_case(seed)
    errors = gradcheck(model, MSEWithDoubledGradient(), params, X, y)
    # |2n - n| / |2n| = 1/2 for every entry above the floor (and all of them here are).
    assert max(errors.values()) > 0.4


@given(st.integers(0, 1000))
def test_gradcheck_blames_only_the_parameters_behind_a_wrong_layer(seed):
    rng = np.random.default_rng(seed)
    model = mt.Sequential([mt.Dense(3, 4), TanhWithWrongDerivative(), mt.Dense(4, 2)])
    params, X, y = model.init(seed), rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    errors = gradcheck(model, mt.losses.MSE(), params, X, y)
    assert errors["2.W"] < 1e-6 and errors["2.b"] < 1e-6  # after the wrong layer: still right
    assert max(errors["0.W"], errors["0.b"]) > 1e-3  # behind it: (1 - y) != (1 - y^2)


class CountingMSE(mt.losses.MSE):
    calls = 0

    def __call__(self, pred, target):
        CountingMSE.calls += 1
        return super().__call__(pred, target)


@given(st.integers(1, 5), st.integers(0, 100))
def test_gradcheck_max_entries_and_keys_limit_the_work(max_entries, seed):
    model, params, X, y = regression_case(seed)
    CountingMSE.calls = 0
    errors = gradcheck(
        model, CountingMSE(), params, X, y, keys=["0.W", "2.b"], max_entries=max_entries, seed=seed
    )
    assert list(errors) == ["0.W", "2.b"]
    # Two evaluations per checked entry; "2.b" has only 2 entries.
    assert CountingMSE.calls == 2 * (min(max_entries, 12) + min(max_entries, 2))


@given(st.integers(0, 100))
def test_grad_error_is_small_for_a_loss_gradient_and_large_for_a_wrong_one(seed):
    rng = np.random.default_rng(seed)
    pred, target = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    loss = mt.losses.MSE()
    assert grad_error(lambda p: loss(p, target), pred, loss.grad(pred, target)) < 1e-6
    assert grad_error(lambda p: loss(p, target), pred, 2 * loss.grad(pred, target)) > 0.4


def test_gradcheck_never_modifies_params_or_data():
    model, params, X, y = regression_case(0)
    copies = {k: v.copy() for k, v in params.items()}, X.copy(), y.copy()
    gradcheck(model, mt.losses.MSE(), params, X, y)
    for key in params:
        np.testing.assert_array_equal(params[key], copies[0][key])
    np.testing.assert_array_equal(X, copies[1])
    np.testing.assert_array_equal(y, copies[2])


def test_gradcheck_refuses_float32_and_explains_why():
    model, params, X, y = regression_case(0)
    params32 = {k: v.astype(np.float32) for k, v in params.items()}
    with pytest.raises(TypeError, match=r"need float64.*rounding error.*astype\(np\.float64\)"):
        gradcheck(model, mt.losses.MSE(), params32, X.astype(np.float32), y.astype(np.float32))
    with pytest.raises(TypeError, match="need float64"):
        numerical_grad(lambda v: float(v.sum()), np.ones(3, dtype=np.float32))


def test_gradcheck_refuses_bad_arguments():
    model, params, X, y = regression_case(0)
    with pytest.raises(ValueError, match=r"keys has unknown key\(s\) \['9\.W'\]"):
        gradcheck(model, mt.losses.MSE(), params, X, y, keys=["9.W"])
    with pytest.raises(TypeError, match="model must be"):
        gradcheck(object(), mt.losses.MSE(), params, X, y)
    with pytest.raises(TypeError, match="loss must be"):
        gradcheck(model, np.mean, params, X, y)
    with pytest.raises(ValueError, match="eps must be a finite number > 0"):
        gradcheck(model, mt.losses.MSE(), params, X, y, eps=0.0)
    with pytest.raises(ValueError, match="X has 2 columns but the model expects 3"):
        gradcheck(model, mt.losses.MSE(), params, X[:, :2], y)
    with pytest.raises(ValueError, match="analytic has shape"):
        grad_error(lambda v: float(v.sum()), np.ones(3), np.ones(2))
