"""Scalers: fitted moments, exact inverses, ranges, and statistics from the fit data only."""

import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minitrain.clean import MinMaxScaler, NotFittedError, RobustScaler, Standardizer

SCALERS = [Standardizer, MinMaxScaler, RobustScaler]


@st.composite
def columns(draw, nan=True, min_rows=2):
    """(N, d) data with per-column location and scale, NaN in places, >= 2 observed values
    per column."""
    n = draw(st.integers(min_rows, 30))
    d = draw(st.integers(1, 4))
    unit = draw(hnp.arrays(np.float64, (n, d), elements=st.floats(-1, 1)))
    location = draw(hnp.arrays(np.float64, d, elements=st.floats(-1e4, 1e4)))
    scale = draw(hnp.arrays(np.float64, d, elements=st.floats(1e-3, 1e4)))
    X = unit * scale + location
    if nan:
        mask = draw(hnp.arrays(bool, (n, d)))
        mask[:2] = False
        X = np.where(mask, np.nan, X)
    return X


def spread_ok(X):
    """Columns whose observed values are not all (nearly) equal, where mean 0 / std 1 is a
    well-conditioned statement: std > 1e-6 of the column's magnitude."""
    return np.nanstd(X, axis=0) > 1e-6 * (np.nanmax(np.abs(X), axis=0) + 1e-300)


@given(X=columns())
def test_standardized_fit_columns_have_mean_zero_and_std_one(X):
    ok = spread_ok(X)
    assume(ok.any())
    Z = Standardizer().fit_transform(X)[:, ok]
    # each z is (x - mean) / std with |x - mean| / std <= sqrt(n) <= 6; rounding of x - mean
    # is relative to |x| <= 1e6 std (the spread_ok bound), so errors up to ~1e6 * eps * 6.
    np.testing.assert_allclose(np.nanmean(Z, axis=0), 0.0, atol=1e-8)
    np.testing.assert_allclose(np.nanstd(Z, axis=0), 1.0, rtol=1e-8)


@given(X=columns(), scaler=st.sampled_from(SCALERS))
def test_inverse_transform_undoes_transform_to_rounding(X, scaler):
    s = scaler().fit(X)
    back = s.inverse_transform(s.transform(X))
    assert np.array_equal(np.isnan(back), np.isnan(X))  # NaN passes through in place
    # (x - c) / s * s + c: a few roundings of numbers of the size of |x| + |c|
    magnitude = np.nanmax(np.abs(X), axis=0) + np.abs(s.center_)
    np.testing.assert_allclose(back, X, rtol=0, atol=8 * np.finfo(np.float64).eps * magnitude.max())


@given(X=columns())
def test_min_max_lands_in_unit_interval_on_fit_data(X):
    Z = MinMaxScaler().fit_transform(X)
    observed = Z[~np.isnan(Z)]
    assert observed.min() >= 0.0 and observed.max() <= 1.0  # exact: rounding is monotone
    ok = np.nanmax(X, axis=0) > np.nanmin(X, axis=0)
    assert np.all(np.nanmin(Z, axis=0)[ok] == 0.0) and np.all(np.nanmax(Z, axis=0)[ok] == 1.0)


@given(X=columns(), low=st.floats(-10, 10), width=st.floats(0.5, 10))
def test_min_max_maps_onto_the_feature_range(X, low, width):
    Z = MinMaxScaler(feature_range=(low, low + width)).fit_transform(X)
    tol = 1e-12 * (abs(low) + width)  # one rounding of the offset addition
    assert np.nanmin(Z) >= low - tol and np.nanmax(Z) <= low + width + tol


@given(X=columns(nan=False, min_rows=4))
def test_robust_scaler_centers_the_median_and_scales_the_iqr(X):
    s = RobustScaler().fit(X)
    np.testing.assert_array_equal(s.center_, np.median(X, axis=0))
    q1, q3 = np.percentile(X, [25, 75], axis=0)
    expected = np.where(q3 - q1 > 0, q3 - q1, 1.0)
    np.testing.assert_array_equal(s.scale_, expected)
    Z = s.transform(X)
    ok = (q3 - q1) > 1e-6 * (np.abs(X).max(axis=0) + 1e-300)  # well-conditioned columns
    # quantiles commute with affine maps; 1e-8 covers rounding relative to |x| <= 1e6 IQR
    np.testing.assert_allclose(np.median(Z, axis=0)[ok], 0.0, atol=1e-8)
    zq1, zq3 = np.percentile(Z, [25, 75], axis=0)
    np.testing.assert_allclose((zq3 - zq1)[ok], 1.0, rtol=1e-8)


@given(train=columns(), other=columns(), scaler=st.sampled_from(SCALERS))
def test_statistics_come_from_fit_data_only(train, other, scaler):
    d = train.shape[1]
    other = np.tile(other[:, :1], (1, d))  # rows 0 and 1 are observed
    s = scaler().fit(train)
    center, scale = s.center_.copy(), s.scale_.copy()
    out = s.transform(other)
    assert np.array_equal(s.center_, center) and np.array_equal(s.scale_, scale)
    refit = scaler().fit(train)
    assert np.array_equal(out, refit.transform(other), equal_nan=True)
    assert np.array_equal(s.fit(other).center_, scaler().fit(other).center_)


def test_nan_aware_fit_uses_only_observed_values_by_hand():
    X = np.array([[1.0, 10.0], [np.nan, 20.0], [3.0, np.nan], [5.0, 30.0]])
    s = Standardizer().fit(X)
    np.testing.assert_array_equal(s.mean_, [3.0, 20.0])
    np.testing.assert_array_equal(s.var_, [8 / 3, 200 / 3])  # population variance
    m = MinMaxScaler().fit(X)
    np.testing.assert_array_equal(m.data_min_, [1.0, 10.0])
    np.testing.assert_array_equal(m.data_range_, [4.0, 20.0])
    assert np.array_equal(m.transform(X)[:, 0], [0.0, np.nan, 0.5, 1.0], equal_nan=True)


@pytest.mark.parametrize("scaler", SCALERS)
def test_constant_column_gets_scale_one_and_no_division_by_zero(scaler):
    X = np.array([[2.0, 1.0], [2.0, 3.0], [2.0, 5.0]])
    with np.errstate(all="raise"):
        s = scaler().fit(X)
        Z = s.transform(X)
    assert s.scale_[0] == 1.0
    assert np.all(Z[:, 0] == Z[0, 0]) and np.isfinite(Z).all()


@pytest.mark.parametrize("scaler", SCALERS)
def test_dtype_follows_the_data_and_input_is_not_modified(scaler):
    X = np.array([[1.0, 2.0], [3.0, np.nan], [4.0, 8.0]], dtype=np.float32)
    before = X.copy()
    s = scaler().fit(X)
    assert s.transform(X).dtype == np.float32
    assert s.inverse_transform(s.transform(X)).dtype == np.float32
    assert s.transform(X.astype(np.float64)).dtype == np.float64
    assert np.array_equal(X, before, equal_nan=True)


@pytest.mark.parametrize("scaler", SCALERS)
def test_misuse_is_refused_with_a_clear_message(scaler):
    with pytest.raises(NotFittedError, match=f"this {scaler.__name__} is not fitted yet"):
        scaler().transform(np.zeros((2, 2)))
    with pytest.raises(NotFittedError, match="not fitted yet"):
        scaler().inverse_transform(np.zeros((2, 2)))
    s = scaler().fit(np.arange(6.0).reshape(3, 2))
    with pytest.raises(ValueError, match=r"X has 3 features, but .* is expecting 2 features"):
        s.transform(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"no observed value in column\(s\) \[1\]"):
        scaler().fit(np.array([[1.0, np.nan], [2.0, np.nan]]))
    with pytest.raises(TypeError, match=r"X must be a floating-point array"):
        scaler().fit(np.array([["1", "2"]], dtype=object))
    with pytest.raises(TypeError, match=r"X must be a rectangular numeric array"):
        scaler().fit([[1.0, 2.0], [3.0]])
    with pytest.raises(ValueError, match=r"X contains 1 infinite value"):
        scaler().fit(np.array([[1.0], [-np.inf]]))


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: MinMaxScaler(feature_range=(1.0, 1.0)), ValueError, r"feature_range\[1\] must"),
        (lambda: MinMaxScaler(feature_range=(0, 1, 2)), TypeError, r"feature_range must be a"),
        (lambda: RobustScaler(quantile_range=(75.0, 25.0)), ValueError, r"quantile_range\[1\]"),
        (lambda: RobustScaler(quantile_range=(-1.0, 50.0)), ValueError, r"quantile_range\[0\]"),
    ],
)
def test_bad_scaler_arguments_are_refused_by_name_in_fit(make, error, message):
    scaler = make()  # scikit-learn's contract: the constructor only stores
    with pytest.raises(error, match=message):
        scaler.fit(np.zeros((2, 2)))


@given(st.integers(0, 2**32 - 1), st.floats(1e10, 1e30))
def test_float32_columns_of_any_spread_standardize_to_unit_std_in_float32(seed, spread):
    """A float32 variance above 3.4e38 (a std above 1.8e19) overflows; accumulating in float64
    keeps mean_ and scale_ exact, so the transformed columns still have std 1."""
    X = (np.random.default_rng(seed).normal(size=(40, 2)) * spread).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Z = Standardizer().fit_transform(X)
    assert Z.dtype == np.float32
    # float32 rounding of each of 40 entries (~6e-8 relative) and of the two statistics.
    np.testing.assert_allclose(Z.astype(np.float64).std(axis=0), 1.0, rtol=1e-5)
