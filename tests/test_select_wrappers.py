"""Wrapper selection: the ridge it refits is minitrain's closed form, and RFE's ranking and
the forward selector's choice are scikit-learn's under the documented alpha mapping."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
from minitrain import select

seeds = st.integers(0, 2**32 - 1)


def data(seed, n=60, d=7):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3, d)
    y = X @ (rng.normal(size=d) * (rng.random(d) < 0.5)) + rng.normal(size=n)
    return X, y


@given(seeds, st.floats(0.0, 5.0))
def test_ridge_is_minitrains_closed_form(seed, alpha):
    X, y = data(seed)
    w, b = select.ridge_coef(X, y, alpha)
    solution = mt.closed_form.ridge(X, y[:, None], alpha)
    # 1e-9: normal equations against minitrain's stacked least squares (better conditioned);
    # the columns here are well conditioned, so the two agree to ~1e-12 of the weights.
    np.testing.assert_allclose(w, solution.as_params()["0.W"][:, 0], rtol=1e-9, atol=1e-12)
    assert b == pytest.approx(float(solution.as_params()["0.b"][0]), rel=1e-9, abs=1e-12)


@given(seeds)
def test_wrappers_of_float32_data_return_float32_weights_and_scores(seed):
    # dtype follows the data: the ridge solves run in float64 on the float32 values and are
    # rounded once, so the weights equal the float64 fit of the same numbers, rounded.
    X, y = data(seed, n=30, d=4)
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    X64, y64 = X32.astype(np.float64), y32.astype(np.float64)
    w32, _ = select.ridge_coef(X32, y32, 0.1)
    np.testing.assert_array_equal(w32, select.ridge_coef(X64, y64, 0.1)[0].astype(np.float32))
    rfe32, rfe64 = select.RFE(2, alpha=0.1).fit(X32, y32), select.RFE(2, alpha=0.1).fit(X64, y64)
    np.testing.assert_array_equal(rfe32.coef_, rfe64.coef_.astype(np.float32))
    forward = select.SequentialSelector(2, cv=3, alpha=0.1)
    s32, s64 = forward.fit(X32, y32).scores_, forward.fit(X64, y64).scores_
    assert w32.dtype == rfe32.coef_.dtype == s32.dtype == np.float32
    np.testing.assert_array_equal(s32, s64.astype(np.float32))


@given(seeds, st.integers(1, 6), st.integers(1, 3), st.floats(0.01, 3.0))
def test_rfe_ranking_is_scikit_learns(seed, n_features, step, alpha):
    fs = pytest.importorskip("sklearn.feature_selection")
    linear_model = pytest.importorskip("sklearn.linear_model")
    X, y = data(seed)
    ours = select.RFE(n_features, step=step, alpha=alpha).fit(X, y)
    # minitrain's mean-squared-error ridge at alpha is scikit-learn's Ridge at n * alpha
    theirs = fs.RFE(linear_model.Ridge(alpha=len(y) * alpha), n_features_to_select=n_features,
                    step=step).fit(X, y)  # fmt: skip
    np.testing.assert_array_equal(ours.ranking_, theirs.ranking_)
    np.testing.assert_array_equal(ours.get_support(), theirs.get_support())
    assert ours.get_support().sum() == n_features


def test_rfe_finds_the_informative_columns():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 6))
    y = 3 * X[:, 1] - 2 * X[:, 4] + 0.1 * rng.normal(size=200)
    rfe = select.RFE(2, alpha=0.01).fit(X, y)
    assert rfe.get_support(indices=True).tolist() == [1, 4]
    assert sorted(rfe.ranking_.tolist()) == [1, 1, 2, 3, 4, 5]


def test_forward_selection_is_scikit_learns():
    fs = pytest.importorskip("sklearn.feature_selection")
    linear_model = pytest.importorskip("sklearn.linear_model")
    ms = pytest.importorskip("sklearn.model_selection")
    X, y = data(3, n=60, d=6)
    alpha = 0.05
    ours = select.SequentialSelector(3, cv=select.KFold(5), alpha=alpha).fit(X, y)
    # 60 rows in 5 folds: every training set has 48 rows, so Ridge's alpha is 48 * alpha
    theirs = fs.SequentialFeatureSelector(
        linear_model.Ridge(alpha=48 * alpha), n_features_to_select=3, direction="forward",
        scoring="neg_mean_squared_error", cv=ms.KFold(5)).fit(X, y)  # fmt: skip
    np.testing.assert_array_equal(ours.get_support(), theirs.get_support())
    assert np.all(np.diff(ours.scores_) <= 0)  # each added column lowers the CV error here


def test_forward_selection_with_node_groups_never_scores_on_a_training_node():
    fleet = mt.data.make_sensor_fleet(n_nodes=6, n_per_node=60, seed=0)
    X, y = fleet.X_clean, fleet.y[:, 0]
    chosen = select.SequentialSelector(1, cv=select.GroupKFold(3), alpha=0.1).fit(
        X, y, groups=fleet.node)
    assert fleet.columns[chosen.order_[0]] == "vibration"  # power = 20 + 25 vibration + ...


def test_wrappers_refuse_bad_input():
    X, y = data(0)
    with pytest.raises(ValueError, match="larger than the number of columns"):
        select.RFE(8).fit(X, y)
    with pytest.raises(ValueError, match="must be smaller than the number of columns"):
        select.SequentialSelector(7).fit(X, y)
    with pytest.raises(ValueError, match="alpha must be a finite number >= 0"):
        select.RFE(2, alpha=-1.0)
    with pytest.raises(TypeError, match="cv must be"):
        select.SequentialSelector(2, cv="five")
    with pytest.raises(ValueError, match="rows but y has"):
        select.RFE(2).fit(X, y[:-1])
