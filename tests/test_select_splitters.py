"""Splitters: scikit-learn's indices exactly (shuffle=False), and the properties every
cross-validation needs: the test folds partition the rows, groups are never split, time
order is kept, strata are kept to within one row per class."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minitrain import select

seeds = st.integers(0, 2**32 - 1)


def folds(splitter, n, y=None, groups=None):
    return list(splitter.split(np.zeros((n, 1)), y, groups))


def assert_partition(splits, n):
    """Every row in exactly one test fold; train is the complement of test."""
    tests = np.concatenate([test for _, test in splits])
    np.testing.assert_array_equal(np.sort(tests), np.arange(n))
    for train, test in splits:
        np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(n))
        assert train.dtype == np.int64 and test.dtype == np.int64


@given(st.integers(2, 60), st.integers(2, 8), st.booleans(), seeds)
def test_kfold_test_folds_partition_the_rows(n, k, shuffle, seed):
    if k > n:
        with pytest.raises(ValueError, match="greater than the number of samples"):
            folds(select.KFold(k), n)
        return
    splits = folds(select.KFold(k, shuffle=shuffle, seed=seed if shuffle else None), n)
    assert len(splits) == k
    assert_partition(splits, n)
    sizes = [len(test) for _, test in splits]
    assert max(sizes) - min(sizes) <= 1


@given(st.integers(20, 80), st.integers(2, 4), st.integers(2, 5), st.booleans(), seeds)
def test_stratified_folds_keep_each_class_share_within_one_row(n, n_classes, k, shuffle, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    y[:n_classes * k] = np.repeat(np.arange(n_classes), k)  # every class has >= k rows
    rng.shuffle(y)
    splitter = select.StratifiedKFold(k, shuffle=shuffle, seed=seed if shuffle else None)
    splits = folds(splitter, n, y)
    assert_partition(splits, n)
    counts = np.bincount(y, minlength=n_classes)
    for _, test in splits:
        in_fold = np.bincount(y[test], minlength=n_classes)
        assert np.all(np.abs(in_fold - counts / k) < 1)


@given(st.integers(2, 12), st.integers(2, 6), seeds)
def test_group_folds_never_split_a_group(n_groups, k, seed):
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, n_groups, 50)
    groups[:n_groups] = np.arange(n_groups)
    if k > n_groups:
        with pytest.raises(ValueError, match="number of groups"):
            folds(select.GroupKFold(k), 50, groups=groups)
        return
    for splitter in (select.GroupKFold(k), select.LeaveOneGroupOut()):
        splits = folds(splitter, 50, groups=groups)
        assert_partition(splits, 50)
        for train, test in splits:
            assert not set(groups[train]) & set(groups[test])
    assert len(folds(select.LeaveOneGroupOut(), 50, groups=groups)) == n_groups


@given(st.integers(10, 80), st.integers(2, 5), st.integers(0, 3),
       st.one_of(st.none(), st.integers(1, 8)), st.one_of(st.none(), st.integers(1, 20)))
def test_time_series_folds_train_only_on_the_past(n, k, gap, test_size, max_train):
    splitter = select.TimeSeriesSplit(k, gap=gap, test_size=test_size, max_train_size=max_train)
    size = test_size or n // (k + 1)
    if n - gap - size * k <= 0:
        with pytest.raises(ValueError, match="no training rows"):
            folds(splitter, n)
        return
    splits = folds(splitter, n)
    assert len(splits) == k
    for train, test in splits:
        assert train.max() + gap < test.min()  # the past only, and the gap respected
        assert len(test) == size and np.all(np.diff(test) == 1)
        if max_train is not None:
            assert len(train) <= max_train
    np.testing.assert_array_equal(np.concatenate([t for _, t in splits]),
                                  np.arange(n - k * size, n))  # fmt: skip


def sklearn_pairs(splitter, X, y=None, groups=None):
    return [(a.tolist(), b.tolist()) for a, b in splitter.split(X, y, groups)]


@given(seeds)
def test_indices_are_scikit_learns(seed):
    ms = pytest.importorskip("sklearn.model_selection")
    rng = np.random.default_rng(seed)
    n = int(rng.integers(12, 70))
    X = np.zeros((n, 2))
    y = rng.integers(0, 3, n)
    y[:9] = np.repeat([2, 0, 1], 3)  # every class has 3 rows at least, in a scrambled order
    groups = rng.integers(0, 7, n) * 10 + 5
    groups[:4] = [5, 15, 25, 35]  # at least 4 distinct groups, unequal sizes
    k = int(rng.integers(2, 4))
    ts = dict(gap=int(rng.integers(0, 2)), max_train_size=[None, 5][int(rng.integers(2))])
    pairs = [
        (select.KFold(k), ms.KFold(k)),
        (select.StratifiedKFold(k), ms.StratifiedKFold(k)),
        (select.GroupKFold(k), ms.GroupKFold(k)),
        (select.LeaveOneGroupOut(), ms.LeaveOneGroupOut()),
        (select.TimeSeriesSplit(k, **ts), ms.TimeSeriesSplit(k, **ts)),
    ]
    for ours, theirs in pairs:
        g = groups if isinstance(ours, select.GroupKFold | select.LeaveOneGroupOut) else None
        assert sklearn_pairs(ours, X, y, g) == sklearn_pairs(theirs, X, y, g), ours
        assert ours.get_n_splits(X, y, g) == theirs.get_n_splits(X, y, g)


def test_group_kfold_ties_are_scikit_learns_on_equal_group_sizes():
    ms = pytest.importorskip("sklearn.model_selection")
    groups = np.repeat(np.arange(9), 4)  # nine nodes with the same number of rows
    X = np.zeros((36, 1))
    assert sklearn_pairs(select.GroupKFold(4), X, groups=groups) == sklearn_pairs(
        ms.GroupKFold(4), X, groups=groups)


def test_shuffled_folds_are_reproducible_and_differ_by_seed():
    a = folds(select.KFold(4, shuffle=True, seed=1), 40)
    b = folds(select.KFold(4, shuffle=True, seed=1), 40)
    c = folds(select.KFold(4, shuffle=True, seed=2), 40)
    assert all(np.array_equal(x[1], y[1]) for x, y in zip(a, b))
    assert not all(np.array_equal(x[1], y[1]) for x, y in zip(a, c))


def test_splitters_refuse_bad_input():
    X = np.zeros((10, 1))
    with pytest.raises(ValueError, match="single class"):
        folds(select.StratifiedKFold(2), 10, np.zeros(10, dtype=int))
    with pytest.raises(ValueError, match="greater than the number of rows of every class"):
        folds(select.StratifiedKFold(6), 10, np.repeat([0, 1], 5))
    with pytest.raises(ValueError, match="at least 2"):
        folds(select.LeaveOneGroupOut(), 10, groups=np.ones(10))
    with pytest.raises(ValueError, match="groups is required"):
        folds(select.GroupKFold(2), 10)
    with pytest.raises(ValueError, match="one value per row"):
        list(select.GroupKFold(2).split(X, groups=np.arange(9)))
    with pytest.raises(ValueError, match="n_splits must be >= 2"):
        select.KFold(1)
    with pytest.raises(ValueError, match="seed has no effect"):
        select.KFold(3, seed=0)
    with pytest.raises(ValueError, match="continuous target"):
        folds(select.StratifiedKFold(2), 10, np.linspace(0, 1, 10))
    with pytest.raises(ValueError, match="greater than the number of samples"):
        folds(select.KFold(11), 10)
    with pytest.raises(ValueError, match="folds of time"):
        folds(select.TimeSeriesSplit(10), 10)
