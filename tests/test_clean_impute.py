"""Imputation, fills along time and dropping: properties against references and by hand."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minitrain.clean import (
    Imputer,
    NotFittedError,
    drop_missing,
    forward_fill,
    interpolate,
)

STRATEGIES = ["mean", "median", "most_frequent", "constant"]


@st.composite
def with_nan(draw, dtype=np.float64, min_rows=1, max_rows=25, max_cols=4, observed_row=True):
    """(X, mask): a finite array and a NaN mask applied to it; when ``observed_row``, one
    random row is fully observed so every column has an observed value."""
    n = draw(st.integers(min_rows, max_rows))
    d = draw(st.integers(1, max_cols))
    elements = st.floats(-1e6, 1e6, width=np.dtype(dtype).itemsize * 8)
    X = draw(hnp.arrays(dtype, (n, d), elements=elements))
    mask = draw(hnp.arrays(bool, (n, d)))
    if observed_row:
        mask[draw(st.integers(0, n - 1))] = False
    return np.where(mask, np.nan, X).astype(dtype), mask


@given(data=with_nan(), strategy=st.sampled_from(STRATEGIES))
def test_imputation_leaves_no_nan_and_observed_entries_bit_identical(data, strategy):
    X, mask = data
    before = X.copy()
    out = Imputer(strategy).fit_transform(X)
    assert not np.isnan(out).any()
    assert out[~mask].tobytes() == X[~mask].tobytes()
    assert np.array_equal(X, before, equal_nan=True)  # the input is untouched
    assert out is not X and out.dtype == X.dtype


@given(data=with_nan())
def test_mean_imputation_preserves_observed_column_means(data):
    X, _ = data
    out = Imputer("mean").fit_transform(X)
    scale = np.nanmax(np.abs(X), initial=1.0)
    # mean of (observed values + copies of their mean) equals their mean exactly in reals; in
    # floats both sums round, error <= n * eps * max|x| with n <= 25 rows.
    np.testing.assert_allclose(out.mean(axis=0), np.nanmean(X, axis=0), rtol=0,
                               atol=25 * np.finfo(np.float64).eps * scale * 4)


@given(data=with_nan(), strategy=st.sampled_from(STRATEGIES))
def test_imputation_is_idempotent(data, strategy):
    X, _ = data
    imputer = Imputer(strategy).fit(X)
    once = imputer.transform(X)
    assert imputer.transform(once).tobytes() == once.tobytes()
    assert Imputer(strategy).fit_transform(once).tobytes() == once.tobytes()


@given(train=with_nan(), test=with_nan(max_cols=1, observed_row=False))
def test_statistics_come_from_fit_data_only(train, test):
    X_train, _ = train
    X_test = np.repeat(test[0], X_train.shape[1], axis=1)
    imputer = Imputer("median").fit(X_train)
    stats = imputer.statistics_.copy()
    out = imputer.transform(X_test)
    assert np.array_equal(imputer.statistics_, stats)
    expected = np.where(np.isnan(X_test), stats, X_test)
    assert np.array_equal(out, expected)


def test_each_strategy_by_hand():
    X = np.array([[1.0, np.nan], [2.0, 5.0], [2.0, 7.0], [np.nan, 7.0], [10.0, np.nan]])
    assert np.array_equal(Imputer("mean").fit(X).statistics_, [15 / 4, 19 / 3])
    assert np.array_equal(Imputer("median").fit(X).statistics_, [2.0, 7.0])
    assert np.array_equal(Imputer("most_frequent").fit(X).statistics_, [2.0, 7.0])
    assert np.array_equal(Imputer("constant").fit(X).statistics_, [0.0, 0.0])
    out = Imputer("constant", fill_value=-1.0).fit_transform(X)
    assert np.array_equal(out[:, 1], [-1.0, 5.0, 7.0, 7.0, -1.0])
    ties = np.array([[3.0], [1.0], [3.0], [1.0]])
    assert Imputer("most_frequent").fit(ties).statistics_[0] == 1.0  # ties: smallest value


def test_float32_stays_float32():
    X = np.array([[1.0, np.nan], [3.0, 4.0]], dtype=np.float32)
    out = Imputer("mean").fit_transform(X)
    assert out.dtype == np.float32 and out[0, 1] == np.float32(4.0)


def test_all_missing_column_is_refused_or_dropped_by_option():
    X = np.array([[1.0, np.nan, 2.0], [np.nan, np.nan, 4.0]])
    with pytest.raises(ValueError, match=r"no observed value in column\(s\) \[1\].*all_missing"):
        Imputer().fit(X)
    imputer = Imputer(all_missing="drop").fit(X)
    assert np.array_equal(imputer.keep_columns_, [True, False, True])
    assert np.array_equal(imputer.transform(X), [[1.0, 2.0], [1.0, 4.0]])


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"strategy": "mode"}, ValueError, r"strategy must be one of 'mean', .*got 'mode'"),
        ({"all_missing": "ignore"}, ValueError, r"all_missing must be one of 'raise', 'drop'"),
        ({"strategy": "mean", "fill_value": 1.0}, ValueError, r"fill_value is used only with"),
        ({"strategy": "constant", "fill_value": np.nan}, TypeError, r"fill_value must be a fin"),
        ({"strategy": "constant", "fill_value": "0"}, TypeError, r"fill_value must be a finite"),
    ],
)
def test_bad_imputer_arguments_are_refused_by_name_in_fit(kwargs, error, message):
    imputer = Imputer(**kwargs)  # scikit-learn's contract: the constructor only stores
    with pytest.raises(error, match=message):
        imputer.fit(np.zeros((2, 2)))


@pytest.mark.parametrize(
    ("X", "error", "message"),
    [
        (np.array([["a", "b"]], dtype=object), TypeError, r"X must be a floating-point array"),
        ([[1.0, 2.0], [3.0]], TypeError, r"X must be a rectangular numeric array; got ragged"),
        (np.array([[1, 2]]), TypeError, r"X must be a floating-point array.*astype"),
        (np.array([1.0, 2.0]), ValueError, r"X must have 2 dimensions .*; got shape \(2,\)"),
        (np.array([[1.0, np.inf]]), ValueError, r"X contains 1 infinite value\(s\).*np.isinf"),
    ],
)
def test_bad_data_is_refused(X, error, message):
    with pytest.raises(error, match=message):
        Imputer().fit(X)
    with pytest.raises(error, match=message):
        forward_fill(X)


def test_transform_before_fit_and_with_other_columns_is_refused():
    with pytest.raises(NotFittedError, match=r"this Imputer is not fitted yet; call fit"):
        Imputer().transform(np.zeros((2, 2)))
    assert issubclass(NotFittedError, ValueError)
    imputer = Imputer().fit(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"X has 2 features, but Imputer is expecting 3 features"):
        imputer.transform(np.zeros((2, 2)))


def reference_forward_fill(X, node, limit):
    """Loop over each node's own rows; ``limit`` counts readings of that node."""
    out = X.copy()
    for g in np.unique(node):
        rows = np.flatnonzero(node == g)
        for j in range(X.shape[1]):
            last = None
            for position, i in enumerate(rows):
                if not np.isnan(X[i, j]):
                    last = position
                elif last is not None and (limit is None or position - last <= limit):
                    out[i, j] = X[rows[last], j]
    return out


@given(data=with_nan(observed_row=False), nodes=st.integers(1, 3), seed=st.integers(0, 99),
       limit=st.one_of(st.none(), st.integers(1, 4)))
def test_forward_fill_matches_a_loop_and_never_crosses_nodes(data, nodes, seed, limit):
    X, _ = data
    node = np.random.default_rng(seed).integers(0, nodes, X.shape[0])  # interleaved nodes
    before = X.copy()
    out = forward_fill(X, node, limit=limit)
    assert np.array_equal(out, reference_forward_fill(X, node, limit), equal_nan=True)
    assert np.array_equal(X, before, equal_nan=True)


@given(data=with_nan(min_rows=2, observed_row=False), seed=st.integers(0, 99),
       slope=st.floats(-100, 100), intercept=st.floats(-100, 100))
def test_interpolation_reproduces_a_linear_signal_in_time(data, seed, slope, intercept):
    _, mask = data
    rng = np.random.default_rng(seed)
    time = np.cumsum(rng.uniform(0.1, 5.0, mask.shape[0]))  # uneven sampling
    truth = intercept + slope * np.repeat(time[:, None], mask.shape[1], axis=1)
    X = np.where(mask, np.nan, truth)
    out = interpolate(X, time=time)
    observed = ~mask
    rows = np.arange(mask.shape[0])[:, None]
    has_before = np.maximum.accumulate(np.where(observed, rows, -1), axis=0) >= 0
    has_after = np.minimum.accumulate(np.where(observed, rows, 10**9)[::-1], axis=0)[::-1] < 10**9
    inside = has_before & has_after
    # a line through two points is reproduced up to rounding of a few operations on values
    # of size |intercept| + |slope| * t <= 1e5: 1e-9 relative to that size.
    scale = abs(intercept) + abs(slope) * time.max() + 1.0
    np.testing.assert_allclose(out[inside], truth[inside], rtol=0, atol=1e-9 * scale)
    assert np.isnan(out[~inside]).all()  # gaps at the edges stay NaN
    assert out[observed].tobytes() == X[observed].tobytes()


def test_interpolation_by_hand_within_nodes():
    X = np.array([[0.0], [np.nan], [np.nan], [6.0], [1.0], [np.nan]])
    node = np.array([0, 0, 0, 0, 1, 1])
    out = interpolate(X, node, time=[0, 1, 2, 3, 0, 1])
    assert np.array_equal(out[:, 0], [0.0, 2.0, 4.0, 6.0, 1.0, np.nan], equal_nan=True)


def test_time_going_backwards_or_of_wrong_length_is_refused():
    X = np.array([[1.0], [np.nan], [3.0]])
    with pytest.raises(ValueError, match=r"time must be non-decreasing.*row 2 goes back"):
        interpolate(X, time=np.array([0.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match=r"time must have one entry per row of X \(3\); got 2"):
        interpolate(X, time=np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"node must have one entry per row of X \(3\); got 2"):
        forward_fill(X, node=np.zeros(2, int))
    with pytest.raises(ValueError, match=r"limit must be >= 1; got 0"):
        forward_fill(X, limit=0)


@given(data=with_nan(), max_fraction=st.floats(0.0, 1.0), axis=st.sampled_from([0, 1]))
def test_drop_missing_keeps_exactly_the_rows_or_columns_within_the_fraction(
    data, max_fraction, axis
):
    X, mask = data
    kept_X, kept = drop_missing(X, axis=axis, max_fraction=max_fraction)
    fraction = mask.mean(axis=1 - axis)
    assert np.array_equal(kept, fraction <= max_fraction)
    assert np.array_equal(kept_X, X[kept] if axis == 0 else X[:, kept], equal_nan=True)


def test_drop_missing_bad_arguments_are_refused():
    X = np.zeros((2, 2))
    with pytest.raises(ValueError, match=r"max_fraction must lie in \[0.0, 1.0\]; got 1.5"):
        drop_missing(X, max_fraction=1.5)
    with pytest.raises(ValueError, match=r"axis must be <= 1; got 2"):
        drop_missing(X, axis=2)


def test_the_mean_of_float32_values_near_the_largest_float32_is_not_inf():
    """The float32 sum of two values of 3e38 overflows; the mean itself fits, and the imputer
    accumulates in float64 before returning X's dtype."""
    X = np.array([[3e38], [3e38], [np.nan]], dtype=np.float32)
    filled = Imputer("mean").fit_transform(X)
    assert filled.dtype == np.float32
    np.testing.assert_array_equal(filled, np.full((3, 1), 3e38, dtype=np.float32))
