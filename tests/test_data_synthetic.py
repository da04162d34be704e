"""Properties of the synthetic data sets, the train/test split and the minibatch iterator."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
from minitrain.data import make_blobs, make_linear, minibatches, train_test_split

seeds = st.integers(0, 2**32 - 1)
dtypes = st.sampled_from([np.float32, np.float64])


# ----- make_linear -----------------------------------------------------------------------------


@given(st.integers(1, 200), seeds, dtypes)
def test_make_linear_is_reproducible_with_shapes_and_dtype(n, seed, dtype):
    X, y = make_linear(n=n, seed=seed, dtype=dtype)
    again = make_linear(n=n, seed=seed, dtype=dtype)
    assert X.shape == (n, 1) and y.shape == (n, 1)
    assert X.dtype == dtype and y.dtype == dtype
    np.testing.assert_array_equal(X, again[0])
    np.testing.assert_array_equal(y, again[1])
    assert np.all((X >= -1) & (X <= 1))


@given(st.integers(2, 50), seeds, st.floats(-5, 5), st.floats(-5, 5))
def test_make_linear_without_noise_lies_on_the_line(n, seed, coef, intercept):
    X, y = make_linear(n=n, coef=coef, intercept=intercept, noise=0.0, seed=seed)
    # y = coef x + intercept computed in the same float64 operations: equal to rounding.
    np.testing.assert_allclose(y, coef * X + intercept, rtol=0, atol=1e-14)


def test_make_linear_noise_has_the_requested_scale_and_ols_finds_the_line():
    X, y = make_linear(n=20000, coef=2.0, intercept=1.0, noise=0.5, seed=0)
    residual = y - (2.0 * X + 1.0)
    # The std of 20000 N(0, 0.25) draws is 0.5 +- 0.0025 (one standard error); 0.02 is 8 s.e.
    assert residual.std() == pytest.approx(0.5, abs=0.02)
    solution = mt.closed_form.ols(X, y)
    # OLS standard errors here are ~0.006 (slope) and ~0.004 (intercept); 0.05 is > 8 s.e.
    assert solution.coef[0, 0] == pytest.approx(2.0, abs=0.05)
    assert solution.intercept[0] == pytest.approx(1.0, abs=0.05)


def test_different_seeds_give_different_data():
    assert not np.array_equal(make_linear(seed=0)[0], make_linear(seed=1)[0])
    assert not np.array_equal(make_blobs(seed=0)[0], make_blobs(seed=1)[0])


# ----- make_blobs ------------------------------------------------------------------------------


@given(st.integers(2, 6), st.integers(0, 50), st.integers(1, 5), seeds, dtypes)
def test_make_blobs_shapes_dtypes_balanced_labels_and_reproducibility(C, extra, D, seed, dtype):
    N = C + extra
    X, y = make_blobs(n_samples=N, n_classes=C, n_features=D, seed=seed, dtype=dtype)
    assert X.shape == (N, D) and X.dtype == dtype
    assert y.shape == (N,) and y.dtype == np.int64
    counts = np.bincount(y, minlength=C)
    assert len(counts) == C and counts.max() - counts.min() <= 1  # balanced, every class present
    X2, y2 = make_blobs(n_samples=N, n_classes=C, n_features=D, seed=seed, dtype=dtype)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


@given(st.integers(2, 5), st.integers(1, 4), seeds)
def test_make_blobs_with_zero_spread_puts_each_class_on_one_point(C, D, seed):
    X, y = make_blobs(n_samples=4 * C, n_classes=C, n_features=D, spread=0.0, seed=seed)
    for c in range(C):
        rows = X[y == c]
        np.testing.assert_array_equal(rows, np.broadcast_to(rows[0], rows.shape))


# ----- train_test_split ------------------------------------------------------------------------


@given(st.integers(2, 200), st.floats(0.01, 0.99), seeds)
def test_split_is_a_partition_of_the_rows_in_original_order(n, fraction, seed):
    X = np.arange(n, dtype=np.float64).reshape(-1, 1)  # each row holds its own index
    y = np.arange(n) * 10
    expected_test = round(fraction * n)
    if not 0 < expected_test < n:
        with pytest.raises(ValueError, match="at least one row in each part"):
            train_test_split(X, y, test_fraction=fraction, seed=seed)
        return
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_fraction=fraction, seed=seed)
    train, test = X_tr[:, 0].astype(int), X_te[:, 0].astype(int)
    assert len(test) == expected_test
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(n))
    assert np.all(np.diff(train) > 0) and np.all(np.diff(test) > 0)  # kept in order
    np.testing.assert_array_equal(y_tr, train * 10)  # X and y rows stay paired
    np.testing.assert_array_equal(y_te, test * 10)
    again = train_test_split(X, y, test_fraction=fraction, seed=seed)
    np.testing.assert_array_equal(again[1], X_te)


@given(st.integers(2, 5), st.integers(4, 40), st.floats(0.2, 0.8), seeds)
def test_stratified_split_keeps_each_class_proportion(C, per_class, fraction, seed):
    y = np.repeat(np.arange(C), per_class)
    X = np.arange(len(y), dtype=np.float64).reshape(-1, 1)
    X_tr, X_te, _, y_te = train_test_split(X, y, fraction, seed=seed, stratify=True)
    # Each class contributes round(fraction * per_class) rows to the test part.
    np.testing.assert_array_equal(np.bincount(y_te, minlength=C), round(fraction * per_class))
    np.testing.assert_array_equal(
        np.sort(np.concatenate([X_tr, X_te])[:, 0]), np.arange(len(y), dtype=float)
    )


def test_split_accepts_nan_and_never_modifies_its_inputs():
    X, y = make_linear(n=20, seed=0)
    X[3, 0] = np.nan  # dirty data is split before cleaning
    saved = X.copy(), y.copy()
    X_tr, X_te, _, _ = train_test_split(X, y, seed=0)
    np.testing.assert_array_equal(X, saved[0])
    np.testing.assert_array_equal(y, saved[1])
    assert np.isnan(np.concatenate([X_tr, X_te])).sum() == 1
    X_tr[:] = 0.0  # the parts are new arrays
    np.testing.assert_array_equal(X, saved[0])


# ----- minibatches -----------------------------------------------------------------------------


@given(st.integers(1, 200), st.one_of(st.none(), st.integers(1, 250)), st.booleans(), seeds)
def test_minibatches_cover_every_row_exactly_once_per_epoch(n, batch_size, shuffle, seed):
    rng = np.random.default_rng(seed) if shuffle else None
    batches = list(minibatches(n, batch_size, rng))
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(n))
    size = n if batch_size is None else min(batch_size, n)
    assert all(len(b) == size for b in batches[:-1]) and 0 < len(batches[-1]) <= size
    assert len(batches) == -(-n // size)  # ceil(n / size)


@given(st.integers(2, 200), st.integers(1, 50), seeds)
def test_minibatch_order_is_rng_permutation_and_reproducible(n, batch_size, seed):
    batches = list(minibatches(n, batch_size, np.random.default_rng(seed)))
    again = list(minibatches(n, batch_size, np.random.default_rng(seed)))
    order = np.concatenate(batches)
    np.testing.assert_array_equal(order, np.concatenate(again))
    if batch_size < n:  # one permutation call, so the order is exactly that permutation
        np.testing.assert_array_equal(order, np.random.default_rng(seed).permutation(n))
    unshuffled = np.concatenate(list(minibatches(n, batch_size, None)))
    np.testing.assert_array_equal(unshuffled, np.arange(n))


@given(st.integers(1, 200), st.integers(1, 50), seeds)
def test_drop_last_yields_only_full_batches(n, batch_size, seed):
    if batch_size > n:
        with pytest.raises(ValueError, match="would yield no batch"):
            minibatches(n, batch_size, None, drop_last=True)
        return
    batches = list(minibatches(n, batch_size, np.random.default_rng(seed), drop_last=True))
    assert len(batches) == n // batch_size and all(len(b) == batch_size for b in batches)
    assert len(np.unique(np.concatenate(batches))) == n - n % batch_size


# ----- bad input ------------------------------------------------------------------------------


def test_generators_and_split_refuse_bad_arguments():
    with pytest.raises(ValueError, match="n must be >= 1"):
        make_linear(n=0)
    with pytest.raises(ValueError, match="noise must be a finite number >= 0"):
        make_linear(noise=-1.0)
    with pytest.raises(ValueError, match="coef must be finite"):
        make_linear(coef=np.nan)
    with pytest.raises(TypeError, match="dtype must be a floating dtype"):
        make_linear(dtype=np.int32)
    with pytest.raises(ValueError, match="n_samples must be >= 3"):
        make_blobs(n_samples=2, n_classes=3)
    with pytest.raises(ValueError, match="n_classes must be >= 2"):
        make_blobs(n_classes=1)
    X, y = make_linear(n=10)
    with pytest.raises(ValueError, match="X has 10 rows but y has 9"):
        train_test_split(X, y[:9])
    with pytest.raises(ValueError, match=r"test_fraction must lie in \(0\.0, 1\.0\)"):
        train_test_split(X, y, test_fraction=1.0)
    with pytest.raises(TypeError, match="X must be an ndarray"):
        train_test_split(X.tolist(), y)
    with pytest.raises(ValueError, match="stratify=True needs integer class labels"):
        train_test_split(X, y, stratify=True)


def test_minibatches_refuse_bad_arguments():
    with pytest.raises(ValueError, match="n_samples must be >= 1"):
        minibatches(0, 4, None)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        minibatches(10, 0, None)
    with pytest.raises(TypeError, match="batch_size must be an integer"):
        minibatches(10, 2.5, None)
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator"):
        minibatches(10, 2, 0)
