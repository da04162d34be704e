"""Anomaly detectors: formulas by hand, recall on gross outliers, false-positive rates on clean
Gaussian data, invariance to units, and scoring against the truth."""

import math
from statistics import NormalDist

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minitrain.clean import (
    IQR,
    MAD,
    Mahalanobis,
    NotFittedError,
    PCAReconstruction,
    ZScore,
    chi2_quantile,
    score_detector,
)

seeds = st.integers(0, 2**32 - 1)
UNIVARIATE = [ZScore, MAD, IQR]
ALL = [ZScore, MAD, IQR, Mahalanobis, PCAReconstruction]


def correlated_gaussian(rng: np.random.Generator, n: int, d: int = 4) -> np.ndarray:
    """Rows near a 2-D plane in d dimensions: a structure PCAReconstruction can learn."""
    latent = rng.normal(size=(n, 2))
    mixing = rng.normal(size=(2, d))
    return latent @ mixing + 0.1 * rng.normal(size=(n, d)) + rng.normal(0, 5, d)


def with_outliers(rng, X, fraction=0.01, sigma=6.0):
    """Move one random column of a ``fraction`` of rows by >= ``sigma`` column std, away from
    the column mean, so each outlier is both far from where it was (off the data's plane, for
    PCAReconstruction) and >= ``sigma`` std from the mean (a point 3 std below the mean moved up
    by 6 std would land only 3 std above it, inside ZScore(3) once outliers inflate the std)."""
    X = X.copy()
    rows = rng.choice(X.shape[0], int(fraction * X.shape[0]), replace=False)
    cols = rng.integers(0, X.shape[1], rows.size)
    size = sigma + rng.uniform(0, 4, rows.size)
    away = np.where(X[rows, cols] >= X.mean(axis=0)[cols], 1.0, -1.0)
    X[rows, cols] += away * size * X.std(axis=0)[cols]
    truth = np.zeros(X.shape[0], dtype=bool)
    truth[rows] = True
    return X, truth


@given(seed=seeds, detector=st.sampled_from(ALL))
def test_outliers_beyond_six_sigma_are_all_found(seed, detector):
    rng = np.random.default_rng(seed)
    X, truth = with_outliers(rng, correlated_gaussian(rng, 2000))
    made = detector(quantile=0.95) if detector is PCAReconstruction else detector()
    found = made.fit(X).predict(X)
    assert score_detector(found, truth).recall == 1.0


def test_zscore_false_positive_rate_on_clean_gaussian_data_is_the_two_sided_tail():
    n = 200_000
    X = np.random.default_rng(20240601).normal(3.0, 2.0, (n, 1))
    rate = ZScore(3.0).fit_predict(X).mean()
    tail = 2 * (1 - NormalDist().cdf(3.0))  # 0.0026998
    # binomial sd = sqrt(p (1 - p) / n) = 1.16e-4; estimating mean and std from the same
    # 200k rows moves the tail by ~4e-5. 4 binomial sd = 4.6e-4 rejects e.g. a one-sided test
    # (0.00135), dividing by the variance instead of the std (about 0 here), or a threshold
    # on the squared score (z^2 > 3: 0.083).
    assert abs(rate - tail) < 4 * math.sqrt(tail * (1 - tail) / n)


def test_iqr_and_mahalanobis_false_positive_rates_match_their_gaussian_values():
    rng = np.random.default_rng(7)
    n = 200_000
    X = rng.normal(size=(n, 1))
    fence = 0.6744897501960817 * (1 + 2 * 1.5)  # Q3 + 1.5 IQR = 2.698 sd
    tail = 2 * (1 - NormalDist().cdf(fence))  # 0.00698
    assert abs(IQR().fit_predict(X).mean() - tail) < 4 * math.sqrt(tail / n)  # 4 binomial sd
    Y = rng.normal(size=(n, 3)) @ np.array([[2.0, 0.5, 0.0], [0.0, 1.0, 0.3], [0.0, 0.0, 0.5]])
    rate = Mahalanobis(alpha=0.01).fit_predict(Y).mean()
    assert abs(rate - 0.01) < 4 * math.sqrt(0.01 / n)  # 4 binomial sd = 8.9e-4


@given(seed=seeds, detector=st.sampled_from(ALL), data=st.data())
def test_flags_do_not_change_under_a_positive_affine_map_of_each_column(seed, detector, data):
    rng = np.random.default_rng(seed)
    X, _ = with_outliers(rng, correlated_gaussian(rng, 300))
    a = data.draw(st.lists(st.floats(1e-2, 1e2), min_size=4, max_size=4))
    b = data.draw(st.lists(st.floats(-1e3, 1e3), min_size=4, max_size=4))
    Y = X * np.array(a) + np.array(b)
    flags_x = detector().fit_predict(X)
    flags_y = detector().fit_predict(Y)
    # scores agree to ~1e-12 relative; a row within that of its threshold could flip, which
    # never happens for continuous data at these sizes
    assert np.array_equal(flags_x, flags_y)


def test_univariate_scores_by_hand():
    X = np.array([[1.0], [2.0], [3.0], [4.0], [100.0]])
    z = ZScore().fit(X)
    np.testing.assert_allclose(z.score(X), np.abs(X[:, 0] - 22.0) / np.std(X[:, 0]),
                               rtol=1e-15)  # the same two operations
    m = MAD().fit(X)
    assert m.median_[0] == 3.0 and m.mad_[0] == 1.0  # |x - 3| = 2, 1, 0, 1, 97
    np.testing.assert_array_equal(m.score(X), 0.6745 * np.abs(X[:, 0] - 3.0))
    assert np.array_equal(m.predict(X), [False, False, False, False, True])
    q = IQR().fit(X)
    assert (q.q1_[0], q.q3_[0], q.iqr_[0]) == (2.0, 4.0, 2.0)
    np.testing.assert_array_equal(q.score(X), [0.5, 0.0, 0.0, 0.0, 48.0])


@given(seed=seeds, detector=st.sampled_from(UNIVARIATE))
def test_row_is_flagged_when_any_observed_column_is_and_nan_is_never_flagged(seed, detector):
    rng = np.random.default_rng(seed)
    X, _ = with_outliers(rng, rng.normal(size=(200, 3)), fraction=0.05)
    X[rng.random(X.shape) < 0.1] = np.nan
    X[0] = np.nan  # a row with nothing observed
    fitted = detector().fit(X)
    entries = fitted.score_columns(X)
    assert np.array_equal(np.isnan(entries), np.isnan(X))
    assert np.array_equal(fitted.predict(X), (entries > fitted.threshold_).any(axis=1))
    assert np.isnan(fitted.score(X)[0]) and not fitted.predict(X)[0]


def test_mahalanobis_distance_by_hand_and_its_chi_square_threshold():
    X = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 4.0], [2.0, 4.0]])
    m = Mahalanobis(alpha=0.05).fit(X)
    np.testing.assert_allclose(m.covariance_, [[4 / 3, 0.0], [0.0, 16 / 3]], rtol=1e-15)
    # (1, 2) is the mean; (3, 2) is 2 / sqrt(4/3) = sqrt(3) away along the first axis
    np.testing.assert_allclose(m.score(np.array([[1.0, 2.0], [3.0, 2.0]])), [0.0, math.sqrt(3)],
                               rtol=1e-14, atol=1e-15)  # a 2x2 pseudo-inverse, few roundings
    assert m.threshold_ == pytest.approx(math.sqrt(-2 * math.log(0.05)), rel=1e-11)


@given(q=st.floats(1e-6, 1 - 1e-6))
def test_chi2_quantile_matches_closed_forms_for_one_and_two_dof(q):
    # bisection stops at 1e-12 relative width; the CDF is accurate to ~1e-15 absolute, which
    # moves the quantile by 1e-15 / density <= 1e-10 relative for q <= 1 - 1e-6
    assert chi2_quantile(q, 2) == pytest.approx(-2 * math.log1p(-q), rel=1e-10)
    assert chi2_quantile(q, 1) == pytest.approx(NormalDist().inv_cdf((1 + q) / 2) ** 2,
                                                rel=1e-9, abs=1e-12)


def test_chi2_quantile_matches_tabulated_values():
    assert chi2_quantile(0.999, 3) == pytest.approx(16.266236196238, rel=1e-10)
    assert chi2_quantile(0.95, 10) == pytest.approx(18.307038053275, rel=1e-10)


def test_pca_reconstruction_by_hand_and_its_training_quantile():
    rng = np.random.default_rng(3)
    t = rng.normal(size=500)
    X = np.column_stack([t, t, t + 1e-3 * rng.normal(size=500)])  # nearly one direction
    p = PCAReconstruction(n_components=1, quantile=0.9).fit(X)
    z = (X - X.mean(axis=0)) / X.std(axis=0)
    v = p.components_[0]
    residual = z - np.outer(z @ v, v)
    np.testing.assert_allclose(p.score(X), np.mean(residual**2, axis=1), rtol=1e-10,
                               atol=1e-15)  # same algebra, different association
    assert abs(p.predict(X).mean() - 0.1) <= 1 / 500  # the 0.9 quantile of 500 scores
    off_plane = np.array([[1.0, -1.0, 0.0]]) * X.std(axis=0) + X.mean(axis=0)
    assert p.predict(off_plane)[0]


def test_score_detector_counts_and_ratios_by_hand():
    pred = np.array([True, True, False, False, True])
    true = np.array([True, False, True, False, True])
    s = score_detector(pred, true)
    assert (s.tp, s.fp, s.fn, s.tn) == (2, 1, 1, 1)
    assert s.precision == 2 / 3 and s.recall == 2 / 3
    assert s.f1 == pytest.approx(2 / 3, rel=1e-15)
    assert "precision 0.667" in str(s)
    none = score_detector(np.zeros(3, bool), np.zeros(3, bool))
    assert math.isnan(none.precision) and math.isnan(none.recall) and math.isnan(none.f1)
    wrong = score_detector(np.array([True, False]), np.array([False, True]))
    assert wrong.precision == 0.0 and wrong.recall == 0.0 and wrong.f1 == 0.0


@given(pred=st.lists(st.booleans(), min_size=1, max_size=50), data=st.data())
def test_f1_is_the_harmonic_mean_of_precision_and_recall(pred, data):
    true = data.draw(st.lists(st.booleans(), min_size=len(pred), max_size=len(pred)))
    s = score_detector(np.array(pred), np.array(true))
    assert s.tp + s.fp + s.fn + s.tn == len(pred)
    if s.precision > 0 and s.recall > 0:
        assert s.f1 == pytest.approx(1 / ((1 / s.precision + 1 / s.recall) / 2), rel=1e-12)


@pytest.mark.parametrize("detector", ALL)
def test_detector_used_before_fit_is_refused(detector):
    with pytest.raises(NotFittedError, match=f"this {detector.__name__} is not fitted yet"):
        detector().predict(np.zeros((3, 2)))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ZScore(threshold=0), r"threshold must be a finite number > 0; got 0"),
        (lambda: ZScore(threshold=-3.0), r"threshold must be a finite number > 0; got -3.0"),
        (lambda: MAD(threshold=0.0), r"threshold must be a finite number > 0"),
        (lambda: IQR(k=0), r"k must be a finite number > 0; got 0"),
        (lambda: Mahalanobis(alpha=0), r"alpha must lie in \(0.0, 1.0\); got 0"),
        (lambda: PCAReconstruction(n_components=0), r"n_components must be >= 1; got 0"),
        (lambda: PCAReconstruction(quantile=1.0), r"quantile must lie in \(0.0, 1.0\)"),
    ],
)
def test_bad_detector_arguments_are_refused_by_name_in_fit(make, message):
    detector = make()  # scikit-learn's contract: the constructor only stores
    with pytest.raises(ValueError, match=message):
        detector.fit(np.random.default_rng(0).normal(size=(10, 3)))


def test_bad_data_for_detectors_is_refused():
    with pytest.raises(ValueError, match=r"X contains 1 NaN value\(s\).*Imputer"):
        Mahalanobis().fit(np.array([[1.0, 2.0], [np.nan, 1.0], [3.0, 0.0]]))
    with pytest.raises(ValueError, match=r"n_components must be < the number of columns"):
        PCAReconstruction(n_components=2).fit(np.zeros((5, 2)))
    fitted = ZScore().fit(np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"X has 3 features, but ZScore is expecting 2 features"):
        fitted.predict(np.zeros((3, 3)))
    with pytest.raises(TypeError, match=r"X must be a floating-point array"):
        MAD().fit(np.array([["a"]], dtype=object))
    with pytest.raises(TypeError, match=r"pred_mask must be a boolean array"):
        score_detector(np.array([1, 0]), np.array([True, False]))
    with pytest.raises(ValueError, match=r"one shape; got \(2,\) and \(3,\)"):
        score_detector(np.zeros(2, bool), np.zeros(3, bool))


@pytest.mark.parametrize("detector", ALL)
def test_detectors_do_not_modify_their_input(detector):
    X = np.random.default_rng(0).normal(size=(50, 3))
    before = X.copy()
    detector().fit(X).predict(X)
    assert np.array_equal(X, before)


@pytest.mark.parametrize("detector", ALL)
@given(seed=seeds)
def test_scores_come_back_in_the_dtype_of_the_scored_rows(detector, seed):
    """Fitted on float64, scoring float32 rows gives float32 scores equal to the float64 ones
    up to float32 rounding (the dtype follows the data being scored)."""
    rng = np.random.default_rng(seed)
    X = correlated_gaussian(rng, 60)
    fitted = detector().fit(X)
    rows = X[:10].astype(np.float32)
    scores = fitted.score(rows)
    assert scores.dtype == np.float32
    # The rows were rounded to float32 (~6e-8 relative) before scoring; distances of rows a
    # few std from the mean move by about that much times their size.
    np.testing.assert_allclose(scores, fitted.score(rows.astype(np.float64)), rtol=1e-4,
                               atol=1e-5)
