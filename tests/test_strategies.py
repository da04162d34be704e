"""Properties of the hypothesis strategies shipped for learners' own tests."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
import minitrain.strategies as mts


@given(st.data(), st.integers(2, 6), st.floats(1.0, 1e6))
def test_regression_design_matrix_has_the_requested_condition_number(data, D, kappa):
    problem = data.draw(mts.regression_problems(n_features=D, condition_number=kappa))
    # Built as sqrt(N) U diag(s) V^T: the SVD recovers s_min to ~eps * s_max, so the relative
    # error of cond(X) is ~eps * kappa <= 2e-10 for kappa <= 1e6, well inside 1e-8.
    assert np.linalg.cond(problem.X) == pytest.approx(kappa, rel=1e-8)
    assert problem.condition_number == kappa


@given(mts.regression_problems(n_features=1, condition_number=50.0))
def test_single_feature_problems_report_condition_number_one(problem):
    assert problem.condition_number == 1.0
    assert np.linalg.cond(problem.X) == pytest.approx(1.0, rel=1e-12)  # one singular value


@given(
    st.data(),
    st.integers(1, 4),
    st.integers(1, 3),
    st.sampled_from([np.float32, np.float64]),
    st.booleans(),
)
def test_regression_problems_have_consistent_shapes_dtypes_and_noiseless_targets(
    data, D, K, dtype, fit_intercept
):
    problem = data.draw(
        mts.regression_problems(n_features=D, n_targets=K, dtype=dtype, fit_intercept=fit_intercept)
    )
    N = len(problem.X)
    assert problem.X.shape == (N, D) and problem.y.shape == (N, K)
    assert problem.coef.shape == (D, K) and problem.intercept.shape == (K,)
    assert {a.dtype for a in (problem.X, problem.y, problem.coef, problem.intercept)} == {
        np.dtype(dtype)
    }
    if not fit_intercept:
        assert np.all(problem.intercept == 0)
    # noise = 0: y is exactly the linear map, up to float32 rounding of X, coef and y
    # (entries of order 1..10, so 1e-5 absolute is ~100 float32 ulps; float64 is far tighter).
    expected = problem.X.astype(np.float64) @ problem.coef + problem.intercept
    np.testing.assert_allclose(problem.y, expected, rtol=0, atol=1e-5)


@given(mts.regression_problems(noise=2.0, n_samples=st.integers(30, 40)))
def test_regression_noise_shows_in_the_residuals(problem):
    residual = problem.y - problem.X @ problem.coef - problem.intercept
    # Residuals are 2 * N(0, 1) draws: their std over >= 30 draws lies in (0.8, 4) except with
    # probability < 1e-6, so this holds for every seed hypothesis tries.
    assert 0.8 < residual.std() < 4.0


@given(
    st.data(),
    st.integers(2, 5),
    st.integers(1, 4),
    st.sampled_from([np.float32, np.float64]),
)
def test_classification_problems_have_every_class_and_labels_in_range(data, C, D, dtype):
    problem = data.draw(mts.classification_problems(n_classes=C, n_features=D, dtype=dtype))
    N = len(problem.X)
    assert problem.X.shape == (N, D) and problem.X.dtype == dtype
    assert problem.y.shape == (N,) and problem.y.dtype == np.int64
    assert problem.centres.shape == (C, D) and problem.n_classes == C
    counts = np.bincount(problem.y, minlength=C)
    assert len(counts) == C and counts.min() >= N // C  # balanced: N // C or N // C + 1 each


MODELS = [
    mt.Sequential([mt.Dense(3, 2)]),
    mt.Sequential([mt.Dense(2, 4), mt.ReLU(), mt.Dense(4, 3), mt.Tanh(), mt.Dense(3, 1)]),
    mt.Sequential([mt.Tanh()]),
]


@pytest.mark.parametrize("model", MODELS, ids=repr)
@given(data=st.data(), dtype=st.sampled_from([np.float32, np.float64]))
def test_params_for_has_the_keys_order_shapes_and_dtype_of_model_init(model, data, dtype):
    params = data.draw(mts.params_for(model, dtype=dtype))
    reference = model.init(seed=0, dtype=dtype)
    assert list(params) == list(reference)
    assert {k: v.shape for k, v in params.items()} == {k: v.shape for k, v in reference.items()}
    assert all(v.dtype == dtype for v in params.values())
    assert all(np.all(np.abs(v) <= 1) for v in params.values())  # default elements in [-1, 1]
    model.predict(params, np.zeros((2, model.n_in or 2), dtype=dtype))  # valid for the model


@given(mts.params_for(mt.Sequential([mt.Dense(2, 3)]), elements=st.floats(5.0, 6.0, width=64)))
def test_params_for_uses_the_given_elements(params):
    assert all(np.all((v >= 5) & (v <= 6)) for v in params.values())


@given(
    st.data(),
    st.sampled_from([np.float32, np.float64]),
    st.floats(-100, 0),
    st.floats(0, 100),
)
def test_finite_arrays_are_finite_in_range_with_dtype_and_shape(data, dtype, low, high):
    array = data.draw(mts.finite_arrays((3, 2), dtype=dtype, min_value=low, max_value=high))
    assert array.shape == (3, 2) and array.dtype == dtype
    assert np.isfinite(array).all()
    assert np.all((array >= low) & (array <= high))


def draw_once(strategy):
    """Run a strategy inside @given so errors raised while drawing reach the caller."""

    @given(strategy)
    def draw(_):
        pass

    draw()


def test_strategies_refuse_impossible_requests():
    with pytest.raises(ValueError, match=r"n_samples \(3\) must be >= n_features \(4\)"):
        draw_once(mts.regression_problems(n_samples=3, n_features=4))
    with pytest.raises(ValueError, match="condition_number must be >= 1"):
        draw_once(mts.regression_problems(condition_number=0.5))
    with pytest.raises(ValueError, match="n_samples must be >= 4"):
        draw_once(mts.classification_problems(n_classes=4, n_samples=3))
    with pytest.raises(
        TypeError, match=r"dtype must be a floating dtype, np\.float32 or np\.float64"
    ):
        mts.finite_arrays((2,), dtype=np.int64)
    with pytest.raises(TypeError, match=r"model must be an instance such as mt\.Sequential"):
        mts.params_for({"0.W": np.zeros((2, 2))})


def test_importing_minitrain_does_not_import_hypothesis():
    code = "import sys, minitrain; print('hypothesis' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
