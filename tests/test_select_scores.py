"""F scores and their p-values: the incomplete beta against its closed forms and symmetry,
the F statistics against the formulas and scikit-learn, their invariance to the units of a
column, and the filters' choices (scikit-learn's tie-breaking)."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import minitrain as mt
from minitrain import select
from minitrain.select.special import betainc, f_sf

seeds = st.integers(0, 2**32 - 1)
shapes = st.floats(0.05, 400.0)
unit = st.floats(0.0, 1.0)


# ----- the regularized incomplete beta ------------------------------------------------------


@given(shapes, unit)
def test_betainc_with_b_one_is_x_to_the_a(a, x):
    # I_x(a, 1) = x^a: B(x; a, 1) = x^a / a and B(a, 1) = 1 / a. 1e-12 relative: the
    # continued fraction stops at 1e-16 per term; the prefactor's logs add a few ulps.
    assert betainc(a, 1.0, x) == pytest.approx(x**a, rel=1e-12, abs=1e-300)


@given(shapes, unit)
def test_betainc_with_a_one_is_one_minus_a_power(b, x):
    # I_x(1, b) = 1 - (1 - x)^b, compared where it is not a cancellation (value > 1e-3).
    expected = -math.expm1(b * math.log1p(-x)) if x < 1 else 1.0
    if expected > 1e-3:
        assert betainc(1.0, b, x) == pytest.approx(expected, rel=1e-12)


dyadic = st.integers(0, 2**20).map(lambda k: k / 2**20)  # 1 - x is exact for these


@given(shapes, shapes, dyadic)
def test_betainc_tails_sum_to_one(a, b, x):
    # I_x(a, b) + I_{1-x}(b, a) = 1 (the mirror identity; 1e-12 absolute for two evaluations,
    # each good to ~1e-13; x is dyadic so that 1 - x is exact: near 0 and 1 the function
    # is steep enough that rounding 1 - x alone would move it by more).
    assert betainc(a, b, x) + betainc(b, a, 1.0 - x) == pytest.approx(1.0, abs=1e-12)


@given(st.floats(0.5, 50.0), st.floats(0.5, 50.0), unit, unit)
def test_betainc_is_increasing_in_x(a, b, x1, x2):
    low, high = sorted((x1, x2))
    assert betainc(a, b, low) <= betainc(a, b, high) + 1e-15


def test_f_tail_with_one_and_one_degrees_is_the_closed_form():
    # F(1, 1): P(F' > F) = 1 - (2/pi) atan(sqrt(F)) = (2/pi) atan(1/sqrt(F)).
    F = np.logspace(-6, 6, 50)
    expected = 2 / np.pi * np.arctan(1 / np.sqrt(F))
    np.testing.assert_allclose(f_sf(F, 1, 1), expected, rtol=1e-12)


def test_f_tail_with_two_numerator_degrees_is_the_closed_form():
    # F(2, d2): P(F' > F) = I_x(d2/2, 1) = x^(d2/2) = (1 + 2 F / d2)^(-d2/2), for every d2
    # (1e-11 relative: up to d2 = 1000 the power amplifies the rounding of its base).
    F = np.logspace(-4, 2, 40)
    for d2 in (1, 3, 10, 250, 1000):
        np.testing.assert_allclose(f_sf(F, 2, d2), (1 + 2 * F / d2) ** (-d2 / 2), rtol=1e-11)


def test_f_tail_edges():
    np.testing.assert_array_equal(f_sf(np.array([0.0, np.inf, np.nan]), 3, 7)[:2], [1.0, 0.0])
    assert np.isnan(f_sf(np.array([np.nan]), 3, 7)[0])


def test_betainc_refuses_bad_arguments():
    with pytest.raises(ValueError, match="a > 0"):
        betainc(0.0, 1.0, 0.5)
    with pytest.raises(ValueError, match="x in"):
        betainc(1.0, 1.0, 1.5)


# ----- F statistics -------------------------------------------------------------------------


def regression_data(seed, n=60, d=4):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.1, 10, d) + rng.uniform(-50, 50, d)
    y = X @ rng.normal(size=d) + rng.normal(size=n)
    return X, y


@given(seeds)
def test_f_regression_is_the_correlation_formula(seed):
    X, y = regression_data(seed)
    F, p = select.f_regression(X, y)
    r = np.array([np.corrcoef(X[:, j], y)[0, 1] for j in range(X.shape[1])])
    # 1e-9: corrcoef and the centred formula round differently; F amplifies r's error by
    # 2 / (1 - r^2), which reaches 1e3 for the most correlated columns.
    np.testing.assert_allclose(F, r**2 / (1 - r**2) * (len(y) - 2), rtol=1e-9)
    np.testing.assert_allclose(p, f_sf(F, 1, len(y) - 2), rtol=0)


@given(seeds)
def test_f_classif_is_between_over_within_variance(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, 50)
    y[:3] = [0, 1, 2]
    X = rng.normal(size=(50, 3)) + y[:, None] * rng.uniform(0, 2, 3)
    F, _ = select.f_classif(X, y)
    for j in range(3):
        groups = [X[y == k, j] for k in range(3)]
        between = sum(len(g) * (g.mean() - X[:, j].mean()) ** 2 for g in groups) / 2
        within = sum(((g - g.mean()) ** 2).sum() for g in groups) / (50 - 3)
        assert F[j] == pytest.approx(between / within, rel=1e-12)  # same sums, other order


@given(seeds, st.floats(-1e3, 1e3).filter(lambda s: abs(s) > 1e-3), st.floats(-1e4, 1e4))
def test_f_statistics_are_invariant_to_an_affine_rescaling_of_a_column(seed, scale, shift):
    X, y = regression_data(seed)
    labels = (y > np.median(y)).astype(np.int64)
    moved = X.copy()
    moved[:, 1] = scale * X[:, 1] + shift
    # 1e-8 relative: rescaling rounds every entry (a relative 1e-16 of |shift| ~ 1e4, on
    # columns whose spread may be 0.1), and F amplifies the correlation's error (see above).
    for score in (select.f_regression, select.f_classif):
        target = y if score is select.f_regression else labels
        np.testing.assert_allclose(score(moved, target)[0], score(X, target)[0], rtol=1e-8)


@given(seeds)
def test_scores_of_float32_data_are_float32_and_the_float64_scores_rounded(seed):
    # dtype follows the data: the statistics are computed in float64 from the float32 values
    # and rounded once at the end, so they equal the float64 scores of the same (float32)
    # numbers rounded to float32, bit for bit.
    X, y = regression_data(seed)
    X32, y32 = X.astype(np.float32), y.astype(np.float32)
    labels = (y > np.median(y)).astype(np.int64)
    for score, target, target64 in ((select.f_regression, y32, y32.astype(np.float64)),
                                    (select.f_classif, labels, labels)):
        F32, p32 = score(X32, target)
        F64, p64 = score(X32.astype(np.float64), target64)
        assert F32.dtype == np.float32 and p32.dtype == np.float32
        np.testing.assert_array_equal(F32, F64.astype(np.float32))
        np.testing.assert_array_equal(p32, p64.astype(np.float32))


@given(st.lists(st.floats(0.0, 1e6), min_size=1, max_size=8), st.integers(1, 9),
       st.integers(1, 60))
def test_f_tail_of_float32_statistics_is_float32_and_the_float64_tail_rounded(F, d1, d2):
    F32 = np.array(F, dtype=np.float32)
    p32 = f_sf(F32, d1, d2)
    assert p32.dtype == np.float32
    np.testing.assert_array_equal(p32, f_sf(F32.astype(np.float64), d1, d2).astype(np.float32))
    x32 = np.array([0.25, 0.5], dtype=np.float32)
    assert betainc(2.0, 3.0, x32).dtype == np.float32 and betainc(2, 3, 0.5).dtype == np.float64


def test_a_constant_column_scores_zero_with_p_one():
    X, y = regression_data(0)
    X[:, 2] = 1013.25
    for score, target in ((select.f_regression, y), (select.f_classif, (y > 0).astype(int))):
        F, p = score(X, target)
        assert F[2] == 0.0 and p[2] == 1.0
        assert np.all(F[[0, 1, 3]] > 0)


def test_a_column_that_separates_the_classes_exactly_scores_infinity():
    y = np.array([0, 0, 0, 1, 1, 1])
    X = np.array([[1.0, 0.3], [1.0, 0.1], [1.0, 0.9], [2.0, 0.2], [2.0, 0.8], [2.0, 0.5]])
    F, p = select.f_classif(X, y)
    assert F[0] == np.inf and p[0] == 0.0


def test_scores_refuse_bad_input():
    X, y = regression_data(0)
    with pytest.raises(ValueError, match="single class"):
        select.f_classif(X, np.zeros(len(X), dtype=int))
    with pytest.raises(TypeError, match="integer class labels"):
        select.f_classif(X, y)
    with pytest.raises(ValueError, match="rows but y has"):
        select.f_regression(X, y[:-1])
    with pytest.raises(ValueError, match="constant"):
        select.f_regression(X, np.ones(len(X)))
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        select.f_regression(X, y)


# ----- parity with scikit-learn ---------------------------------------------------------------


def test_f_scores_and_p_values_agree_with_scikit_learn_on_digits_and_the_fleet():
    fs = pytest.importorskip("sklearn.feature_selection")
    X, y = mt.data.load_digits()
    fleet = mt.data.make_sensor_fleet(seed=3)
    n_fleet = len(fleet.y)
    cases = [(select.f_classif, fs.f_classif, X, y, (9, len(y) - 10)),
             (select.f_regression, fs.f_regression, fleet.X_clean, fleet.y[:, 0],
              (1, n_fleet - 2)),
             (select.f_regression, fs.f_regression, X, X[:, 36] + X[:, 20] ** 0.5,
              (1, len(y) - 2))]  # fmt: skip
    for ours, theirs, A, b, dof in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scikit-learn warns about digits' constant pixels
            F_ref, p_ref = theirs(A, b)
        F, p = ours(A, b)
        varies = np.ptp(A, axis=0) > 0
        tail = varies & (p_ref > 1e-300)
        assert tail.sum() > 0
        # F: 1e-10 relative. scikit-learn's r for the pressure column (mean 1013 hPa, spread
        # 5) loses ~1e-11 to cancellation; ours is centred first.
        np.testing.assert_allclose(F[varies], F_ref[varies], rtol=1e-10)
        # p from the same F: 1e-10 where p > 1e-300, the bar (the incomplete beta
        # is good to ~1e-12, special.py).
        np.testing.assert_allclose(f_sf(F_ref[tail], *dof), p_ref[tail], rtol=1e-10)
        if ours is select.f_classif or A is X:
            # End to end on digits (small integer pixels, no cancellation in either F).
            np.testing.assert_allclose(p[tail], p_ref[tail], rtol=1e-10)


# ----- filters ----------------------------------------------------------------------------


def test_select_k_best_breaks_ties_like_scikit_learn():
    fs = pytest.importorskip("sklearn.feature_selection")
    scores = np.array([3.0, 1.0, 3.0, 2.0, 3.0, np.nan, 1.0])

    def constant(X, y):
        return scores.copy(), None

    X = np.zeros((4, 7))
    y = np.arange(4.0)
    for k in range(0, 8):
        ours = select.SelectKBest(constant, k=k).fit(X, y).get_support()
        theirs = fs.SelectKBest(lambda X, y: scores.copy(), k=k).fit(X, y).get_support()
        np.testing.assert_array_equal(ours, theirs)
    assert select.SelectKBest(constant, k=2).fit(X, y).get_support(indices=True).tolist() == [
        2, 4]  # the higher index wins among equal scores


def test_select_k_best_keeps_the_k_best_digits_pixels_as_scikit_learn():
    fs = pytest.importorskip("sklearn.feature_selection")
    X, y = mt.data.load_digits()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = fs.SelectKBest(fs.f_classif, k=20).fit(X, y).get_support()
    ours = select.SelectKBest("f_classif", k=20).fit(X, y)
    np.testing.assert_array_equal(ours.get_support(), theirs)
    np.testing.assert_array_equal(ours.transform(X), X[:, theirs])


@given(seeds, st.floats(0.0, 2.0))
def test_variance_threshold_keeps_exactly_the_columns_above_it(seed, threshold):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(30, 6)) * np.array([0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
    X[:, 0] = 0.1  # constant, its variance may round to a tiny positive number
    variances = X.var(axis=0)
    assume((variances > threshold).any() and not np.isclose(variances, threshold).any())
    selector = select.VarianceThreshold(threshold).fit(X)
    expected = variances > threshold
    expected[0] = False
    np.testing.assert_array_equal(selector.get_support(), expected)


def test_variance_threshold_agrees_with_scikit_learn_on_digits():
    fs = pytest.importorskip("sklearn.feature_selection")
    X, _ = mt.data.load_digits()
    for threshold in (0.0, 1.0, 10.0):
        ours = select.VarianceThreshold(threshold).fit(X)
        theirs = fs.VarianceThreshold(threshold).fit(X)
        np.testing.assert_array_equal(ours.get_support(), theirs.get_support())
        np.testing.assert_allclose(ours.variances_, theirs.variances_, rtol=1e-12)


def test_filters_refuse_bad_input_and_do_not_mutate():
    X, y = regression_data(0)
    before = X.copy()
    with pytest.raises(ValueError, match="k=5 is larger than the number of columns"):
        select.SelectKBest("f_regression", k=5).fit(X, y)
    with pytest.raises(select.NotFittedError):
        select.SelectKBest("f_regression", k=2).transform(X)
    with pytest.raises(ValueError, match="score_func must be one of"):
        select.SelectKBest("chi2").fit(X, y)  # checked in fit, as scikit-learn does
    with pytest.raises(ValueError, match="no column"):
        select.VarianceThreshold(1e9).fit(X)
    fitted = select.SelectKBest("f_regression", k=2).fit(X, y)
    with pytest.raises(ValueError, match="is expecting 4 features"):
        fitted.transform(X[:, :3])
    assert fitted.transform(X).shape == (len(X), 2)
    np.testing.assert_array_equal(X, before)
