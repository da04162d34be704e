"""scikit-learn's estimator contract, as scikit-learn itself tests it.

Every imputer, scaler and selection filter passes ``check_estimator`` (through
``parametrize_with_checks``); every cleaner, detector and cleaning step clones; cleaners and
filters give, inside a scikit-learn ``Pipeline`` under ``cross_val_score``, the same fold scores
as scikit-learn's own transformers; detectors, the last step of a pipeline, give the fold F1
that ``score_detector`` computes by hand, and ``GridSearchCV`` picks the parameter with the best.
minitrain never imports scikit-learn; only these tests do.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from sklearn import feature_selection, impute, preprocessing  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.linear_model import Ridge  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from minitrain import clean, select  # noqa: E402

TRANSFORMERS = [
    clean.Imputer("mean"),
    clean.Imputer("median"),
    clean.Imputer("most_frequent"),
    clean.Imputer("constant", fill_value=-1.0),
    clean.Standardizer(),
    clean.MinMaxScaler(feature_range=(-1.0, 1.0)),
    clean.RobustScaler(),
    select.VarianceThreshold(),
    select.SelectKBest("f_classif", k=1),
]
DETECTORS = [
    clean.ZScore(),
    clean.MAD(),
    clean.IQR(),
    clean.Mahalanobis(),
    clean.PCAReconstruction(n_components=2, quantile=0.9),  # data near a plane, 5% anomalies
]
STEPS = [
    clean.DropDuplicates(),
    clean.DropIncomplete(max_fraction=0.5),
    clean.DropStuck(min_run=3),
    clean.DropOutOfBounds([(0.0, 1.0)]),
    clean.FixUnits(threshold=5.0),
    clean.ForwardFill(limit=2),
    clean.Interpolate(),
]

#: The checks minitrain fails on purpose, each for a documented policy of the package.
POLICY = {
    "check_estimators_dtypes": (
        "integer X is refused (TypeError with the conversion to make): minitrain computes only "
        "in float32/float64 and never chooses a dtype silently; scikit-learn converts ints"
    ),
    "check_dtype_object": (
        "object arrays are refused (TypeError): minitrain never parses numbers out of objects"
    ),
    "check_complex_data": (
        "complex X is refused with a TypeError (a wrong dtype), where scikit-learn expects a "
        "ValueError; the message names X and says what to do"
    ),
}
F_CLASSIF = {
    "check_estimators_nan_inf": (
        "after refusing NaN/inf in X, the check fits on a float target, which f_classif refuses "
        "(class labels must be integers; f_regression is the score for a numeric target)"
    ),
}


def expected_failed_checks(estimator) -> dict[str, str]:
    if isinstance(estimator, select.SelectKBest):
        return {**POLICY, **F_CLASSIF}
    return POLICY


with warnings.catch_warnings():
    # scikit-learn warns, while collecting the checks, that an estimator does not inherit from
    # its BaseEstimator: minitrain implements the contract without importing scikit-learn.
    warnings.filterwarnings("ignore", message="Estimator .* does not inherit from")
    checks = parametrize_with_checks(TRANSFORMERS, expected_failed_checks=expected_failed_checks)


@checks
def test_transformers_pass_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", TRANSFORMERS + DETECTORS + STEPS, ids=repr)
def test_every_cleaner_detector_and_filter_clones_to_equal_unfitted_parameters(estimator):
    copy = clone(estimator)
    assert copy is not estimator and type(copy) is type(estimator)
    params = estimator.get_params()
    assert copy.get_params().keys() == params.keys()
    for name, value in copy.get_params().items():
        assert value == params[name] and type(value) is type(params[name])
    assert not hasattr(copy, "n_features_in_")


@pytest.mark.parametrize("estimator", TRANSFORMERS + DETECTORS, ids=repr)
def test_set_params_round_trips_and_refuses_unknown_names(estimator):
    copy = clone(estimator)
    for name in copy.get_params():
        assert copy.set_params(**{name: "anything"}) is copy  # checked in fit, not here
        assert copy.get_params()[name] == "anything"
        with pytest.raises((ValueError, TypeError), match=name):
            copy.fit(np.ones((4, 2)), np.arange(4))
        copy.set_params(**{name: estimator.get_params()[name]})
    with pytest.raises(ValueError, match="is not a parameter of"):
        copy.set_params(no_such_parameter=1)


def regression_data(seed: int = 0, n: int = 60, d: int = 4, missing: float = 0.1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * np.arange(1, d + 1) + 10.0
    y = X @ rng.normal(size=d) + 0.1 * rng.normal(size=n)
    X[rng.random((n, d)) < missing] = np.nan
    X[np.arange(d), np.arange(d)] = 1.5  # every column observed in every fold
    return X, y


PAIRS = [
    (clean.Imputer("mean"), impute.SimpleImputer(strategy="mean")),
    (clean.Imputer("median"), impute.SimpleImputer(strategy="median")),
    (
        clean.Imputer("constant", fill_value=3.0),
        impute.SimpleImputer(strategy="constant", fill_value=3.0),
    ),
]
SCALERS = [
    (clean.Standardizer(), preprocessing.StandardScaler()),
    (clean.MinMaxScaler(), preprocessing.MinMaxScaler()),
    (clean.RobustScaler(), preprocessing.RobustScaler()),
]


@pytest.mark.parametrize(("ours", "theirs"), PAIRS, ids=lambda e: repr(e)[:30])
@pytest.mark.parametrize(("scaler", "their_scaler"), SCALERS, ids=lambda e: repr(e)[:30])
def test_cleaning_then_ridge_scores_every_fold_as_scikit_learn_does(ours, theirs, scaler,
                                                                    their_scaler):
    X, y = regression_data()
    cv = KFold(4, shuffle=True, random_state=0)
    mine = cross_val_score(make_pipeline(ours, scaler, Ridge()), X, y, cv=cv)
    reference = cross_val_score(make_pipeline(theirs, their_scaler, Ridge()), X, y, cv=cv)
    assert np.isfinite(mine).all()
    # Same formulas on the same float64 rows; only summation order may differ (~1e-15
    # relative per statistic, amplified by Ridge's solve to well under 1e-10).
    np.testing.assert_allclose(mine, reference, rtol=1e-10)


def test_grid_search_over_an_imputer_strategy_matches_scikit_learn():
    X, y = regression_data(1, missing=0.3)
    cv = KFold(3, shuffle=True, random_state=1)
    grid = {"imputer__strategy": ["mean", "median"]}
    mine = GridSearchCV(
        make_pipeline(clean.Imputer(), clean.Standardizer(), Ridge()), grid, cv=cv
    ).fit(X, y)
    theirs = GridSearchCV(
        make_pipeline(impute.SimpleImputer(), preprocessing.StandardScaler(), Ridge()),
        {"simpleimputer__strategy": ["mean", "median"]}, cv=cv,
    ).fit(X, y)
    # Same fold scores as above: summation order only.
    np.testing.assert_allclose(
        mine.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"], rtol=1e-10
    )
    assert mine.best_params_["imputer__strategy"] == theirs.best_params_["simpleimputer__strategy"]


@pytest.mark.parametrize("param", ["standardizer", "minmaxscaler__feature_range",
                                   "robustscaler__quantile_range"])
def test_grid_search_over_a_scaler_parameter_refits_the_best(param):
    X, y = regression_data(2, missing=0.0)
    grids = {
        "standardizer": (clean.Standardizer(), {"ridge__alpha": [0.1, 10.0]}),
        "minmaxscaler__feature_range": (clean.MinMaxScaler(), {param: [(0.0, 1.0), (-5.0, 5.0)]}),
        "robustscaler__quantile_range": (clean.RobustScaler(), {param: [(25.0, 75.0),
                                                                        (10.0, 90.0)]}),
    }
    scaler, grid = grids[param]
    search = GridSearchCV(make_pipeline(scaler, Ridge()), grid, cv=3).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    best = search.cv_results_["params"][int(np.argmax(scores))]
    assert search.best_params_ == best
    refit = search.best_estimator_
    assert refit.get_params()[next(iter(best))] == best[next(iter(best))]
    assert refit[0].n_features_in_ == X.shape[1]


def test_select_k_best_in_a_grid_search_keeps_the_k_scikit_learn_keeps():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(80, 6))
    y = (X[:, 1] + 0.5 * X[:, 4] + 0.3 * rng.normal(size=80) > 0).astype(np.int64)
    cv = KFold(4, shuffle=True, random_state=3)
    mine = GridSearchCV(
        make_pipeline(select.SelectKBest("f_classif"), Ridge()),
        {"selectkbest__k": [1, 2, 4]}, cv=cv,
    ).fit(X, y)
    theirs = GridSearchCV(
        make_pipeline(feature_selection.SelectKBest(feature_selection.f_classif), Ridge()),
        {"selectkbest__k": [1, 2, 4]}, cv=cv,
    ).fit(X, y)
    # The same columns are kept in every fold, so Ridge sees identical data: ~1e-12 (solve).
    np.testing.assert_allclose(
        mine.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"], rtol=1e-10
    )
    assert mine.best_params_ == theirs.best_params_


def anomaly_data(seed: int = 0, n: int = 240, d: int = 3):
    """Correlated Gaussian rows with 5% of rows pushed 8 std away in one column; the truth
    (True = anomaly) is the target scikit-learn scores ``predict`` against."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2)) @ rng.normal(size=(2, d)) + 0.3 * rng.normal(size=(n, d))
    truth = np.zeros(n, dtype=bool)
    bad = rng.choice(n, n // 20, replace=False)
    truth[bad] = True
    X[bad, rng.integers(0, d, bad.size)] += 8.0 * X.std(axis=0).max() * rng.choice([-1, 1],
                                                                                   bad.size)
    return X, truth


GRIDS = {
    "ZScore": ("threshold", [2.0, 3.0, 4.0]),
    "MAD": ("threshold", [2.5, 3.5, 5.0]),
    "IQR": ("k", [1.0, 1.5, 3.0]),
    "Mahalanobis": ("alpha", [0.1, 0.01, 0.001]),
    "PCAReconstruction": ("quantile", [0.8, 0.9, 0.95]),
}


def f1_by_hand(detector, X, truth, cv):
    """Each fold's F1 from minitrain alone: fit on the training rows, score_detector on the
    test rows (the same Standardizer first, as in the pipeline)."""
    scores = []
    for train, test in cv.split(X):
        scaler = clean.Standardizer().fit(X[train])
        fitted = clone(detector).fit(scaler.transform(X[train]))
        flags = fitted.predict(scaler.transform(X[test]))
        scores.append(clean.score_detector(flags, truth[test]).f1)
    return np.array(scores)


@pytest.mark.parametrize("detector", DETECTORS, ids=repr)
def test_detectors_in_a_pipeline_score_each_fold_as_score_detector_does(detector):
    X, truth = anomaly_data()
    cv = KFold(3, shuffle=True, random_state=0)
    pipeline = make_pipeline(clean.Standardizer(), clone(detector))
    ours = cross_val_score(pipeline, X, truth, cv=cv, scoring="f1")
    expected = f1_by_hand(detector, X, truth, cv)
    assert (expected > 0).all()  # each fold finds some of the planted anomalies
    # F1 is a ratio of the same integer counts: only the last bit of the division may differ.
    np.testing.assert_allclose(ours, expected, rtol=1e-15)


@pytest.mark.parametrize("detector", DETECTORS, ids=repr)
def test_grid_search_picks_the_detector_parameter_with_the_best_f1(detector):
    X, truth = anomaly_data(1)
    cv = KFold(3, shuffle=True, random_state=1)
    name, values = GRIDS[type(detector).__name__]
    step = type(detector).__name__.lower()
    search = GridSearchCV(
        make_pipeline(clean.Standardizer(), clone(detector)),
        {f"{step}__{name}": values}, cv=cv, scoring="f1",
    ).fit(X, truth)
    by_hand = [f1_by_hand(clone(detector).set_params(**{name: v}), X, truth, cv).mean()
               for v in values]
    # Same integer counts per fold (see above); the mean of 3 ratios differs by rounding only.
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], by_hand, rtol=1e-15)
    assert search.best_params_ == {f"{step}__{name}": values[int(np.argmax(by_hand))]}
    flags = search.predict(X)
    assert flags.dtype == bool and flags.shape == truth.shape  # True = anomaly, not -1/+1


def test_grid_search_without_scoring_names_the_fix_for_a_detector():
    """scikit-learn falls back to score(X, y) without scoring=; a detector's score is per row,
    so the search fails with the fix (scoring='f1') instead of a signature error."""
    X, truth = anomaly_data(2)
    search = GridSearchCV(
        make_pipeline(clean.Standardizer(), clean.ZScore()), {"zscore__threshold": [2.0, 3.0]},
        cv=3, error_score="raise",
    )
    with pytest.raises(TypeError, match=r"scoring='f1'"):
        search.fit(X, truth)
