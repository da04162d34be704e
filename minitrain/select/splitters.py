"""Cross-validation splitters with scikit-learn's contract and, for ``shuffle=False``, its
indices exactly.

Every splitter is a small object whose ``split(X, y=None, groups=None)`` yields
``(train, test)`` pairs of int64 row-index arrays, and whose ``get_n_splits(X, y, groups)``
says how many. ``groups`` holds the node (device) id of each row, as scikit-learn names it.

- ``KFold``: n rows in ``n_splits`` consecutive blocks; the first ``n % n_splits`` blocks get
  one row more. ``shuffle=True`` permutes the rows first with ``default_rng(seed)``.
- ``StratifiedKFold``: classes numbered in order of first appearance; the sorted labels are
  dealt round-robin to the folds (fold f's share of class k is the count of class k among
  sorted positions f, f + n_splits, ...), then each class's rows, in their original order,
  fill its folds in blocks. Each fold's class counts differ from n_k / n_splits by less than
  one. ``shuffle=True`` shuffles each class's fold labels.
- ``GroupKFold``: groups sorted by size (largest first; stable among equal sizes, then
  reversed, as scikit-learn), each given to the fold with the fewest rows so far.
- ``LeaveOneGroupOut``: one fold per group, in sorted group order.
- ``TimeSeriesSplit``: the last ``n_splits * test_size`` rows in consecutive test blocks
  (``test_size = n // (n_splits + 1)`` by default); each trains on every row before its
  test block minus a ``gap``, or on the last ``max_train_size`` of them.

With ``shuffle=True`` the randomness is minitrain's own seeded generator, so the folds are
reproducible but not those of scikit-learn's ``random_state``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from numbers import Integral
from typing import Any

import numpy as np

from .._validate import check_flag, check_int, check_methods, check_seed, describe

__all__ = [
    "GroupKFold",
    "KFold",
    "LeaveOneGroupOut",
    "Splitter",
    "StratifiedKFold",
    "TimeSeriesSplit",
]

Split = tuple[np.ndarray, np.ndarray]


def _n_rows(X: Any) -> int:
    if X is None:
        raise ValueError("X is required to split (its number of rows); got None.")
    if isinstance(X, (str, bytes, Mapping)) or np.ndim(X) == 0:
        raise TypeError(f"X must be an array with one row per sample; got {describe(X)}.")
    return len(X)


def _labels(name: str, values: Any, n: int | None, why: str) -> np.ndarray:
    """``values`` as a 1-D array of labels (one per row of X when ``n`` is given): ints,
    strings or whole floats; NaN, complex and unorderable objects are refused."""
    if values is None:
        raise ValueError(f"{name} is required: {why}. Pass {name}= with one value per row.")
    try:
        array = np.asarray(values)
    except ValueError:  # ragged nested lists
        raise ValueError(f"{name} must be a 1-D array of labels; got ragged input.") from None
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1 or (n is not None and len(array) != n):
        rows = "" if n is None else f" with one value per row of X ({n})"
        raise ValueError(f"{name} must be a 1-D array{rows}; got shape {array.shape}.")
    if array.dtype.kind not in "biufUSO":
        raise TypeError(f"{name} must hold labels (integers or strings); got {describe(array)}.")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values; every row needs a label.")
    if array.dtype.kind == "O":
        try:
            np.unique(array)
        except TypeError:
            raise TypeError(
                f"{name} mixes label types that cannot be sorted (e.g. str and int, or None); "
                f"give every row a label of one type, e.g. {name}.astype(str)."
            ) from None
    return array


def check_splitter(name: str, cv: Any) -> Splitter | int:
    """``cv`` if it is a number of folds (an int >= 2) or a splitter *instance* (with
    ``split`` and ``get_n_splits``, scikit-learn's included), else raise naming ``name``."""
    if isinstance(cv, Integral) and not isinstance(cv, (bool, np.bool_)):
        return check_int(name, cv, minimum=2)
    expected = "a number of folds or a splitter such as select.GroupKFold(5)"
    return check_methods(name, cv, ("split", "get_n_splits"), expected)


class Splitter:
    """Base of the splitters: ``split`` from the test folds a subclass yields."""

    def _test_folds(self, n: int, y: Any, groups: Any) -> Iterator[np.ndarray]:
        raise NotImplementedError  # pragma: no cover

    def split(self, X: Any, y: Any = None, groups: Any = None) -> Iterator[Split]:
        """Yield (train, test) int64 index arrays; train is every row not in test.

        The arguments are checked when ``split`` is called, before the first fold is asked
        for (scikit-learn checks them at the first fold)."""
        n = _n_rows(X)
        return self._pairs(n, list(self._test_folds(n, y, groups)))

    @staticmethod
    def _pairs(n: int, tests: list[np.ndarray]) -> Iterator[Split]:
        rows = np.arange(n)
        for test in tests:
            mask = np.zeros(n, dtype=bool)
            mask[test] = True
            yield rows[~mask], rows[mask]

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return self.n_splits

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


class _KFoldBase(Splitter):
    def __init__(self, n_splits: int, shuffle: bool, seed: int | None) -> None:
        self.n_splits = check_int("n_splits", n_splits, minimum=2)
        shuffle = check_flag("shuffle", shuffle)
        seed = check_seed("seed", seed, allow_none=True)
        if seed is not None:
            if not shuffle:
                raise ValueError(
                    "seed has no effect without shuffle=True; pass shuffle=True or seed=None."
                )
        self.shuffle, self.seed = shuffle, seed

    def _check_n(self, n: int, what: str = "samples") -> None:
        if self.n_splits > n:
            raise ValueError(
                f"n_splits={self.n_splits} is greater than the number of {what} ({n}); "
                f"use at most {n} splits."
            )


class KFold(_KFoldBase):
    """K consecutive folds (scikit-learn's ``KFold``; see the module docstring)."""

    def __init__(self, n_splits: int = 5, shuffle: bool = False, seed: int | None = None):
        super().__init__(n_splits, shuffle, seed)

    def _test_folds(self, n: int, y: Any, groups: Any) -> Iterator[np.ndarray]:
        self._check_n(n)
        order = np.random.default_rng(self.seed).permutation(n) if self.shuffle else np.arange(n)
        sizes = np.full(self.n_splits, n // self.n_splits)
        sizes[: n % self.n_splits] += 1
        ends = np.cumsum(sizes)
        for start, stop in zip(ends - sizes, ends):
            yield order[start:stop]


class StratifiedKFold(_KFoldBase):
    """K folds that keep each class's share (scikit-learn's ``StratifiedKFold``)."""

    def __init__(self, n_splits: int = 5, shuffle: bool = False, seed: int | None = None):
        super().__init__(n_splits, shuffle, seed)

    def _test_folds(self, n: int, y: Any, groups: Any) -> Iterator[np.ndarray]:
        y = _labels("y", y, n, "StratifiedKFold keeps the share of each class")
        if y.dtype.kind == "f" and not np.all(y == np.round(y)):
            raise ValueError("y must hold class labels (integers or strings), not a "
                             "continuous target; use KFold for regression.")  # fmt: skip
        self._check_n(n)
        _, first, inverse = np.unique(y, return_index=True, return_inverse=True)
        if len(first) < 2:
            raise ValueError("y has a single class; stratifying needs at least two.")
        encoded = np.argsort(np.argsort(first))[inverse]  # classes in order of appearance
        n_classes = len(first)
        counts = np.bincount(encoded)
        if np.all(self.n_splits > counts):
            raise ValueError(
                f"n_splits={self.n_splits} is greater than the number of rows of every class "
                f"(largest {counts.max()}); use fewer splits."
            )
        ordered = np.sort(encoded)
        allocation = np.stack([np.bincount(ordered[f :: self.n_splits], minlength=n_classes)
                               for f in range(self.n_splits)])  # fmt: skip
        rng = np.random.default_rng(self.seed)
        test_fold = np.empty(n, dtype=np.int64)
        for k in range(n_classes):
            folds = np.repeat(np.arange(self.n_splits), allocation[:, k])
            if self.shuffle:
                rng.shuffle(folds)
            test_fold[encoded == k] = folds
        for f in range(self.n_splits):
            yield np.flatnonzero(test_fold == f)


class GroupKFold(Splitter):
    """K folds that never split a group (scikit-learn's ``GroupKFold``, ``shuffle=False``)."""

    def __init__(self, n_splits: int = 5) -> None:
        self.n_splits = check_int("n_splits", n_splits, minimum=2)

    def _test_folds(self, n: int, y: Any, groups: Any) -> Iterator[np.ndarray]:
        groups = _labels("groups", groups, n, "GroupKFold keeps each group in one fold")
        unique, group_of_row = np.unique(groups, return_inverse=True)
        if self.n_splits > len(unique):
            raise ValueError(
                f"n_splits={self.n_splits} is greater than the number of groups "
                f"({len(unique)}); use at most {len(unique)} splits."
            )
        sizes = np.bincount(group_of_row)
        fold_rows = np.zeros(self.n_splits)
        fold_of_group = np.zeros(len(unique), dtype=np.int64)
        for group in np.argsort(sizes, kind="stable")[::-1]:
            lightest = int(np.argmin(fold_rows))
            fold_rows[lightest] += sizes[group]
            fold_of_group[group] = lightest
        fold_of_row = fold_of_group[group_of_row]
        for f in range(self.n_splits):
            yield np.flatnonzero(fold_of_row == f)


class LeaveOneGroupOut(Splitter):
    """One fold per group: train on all the other groups (scikit-learn's ``LeaveOneGroupOut``)."""

    def _test_folds(self, n: int, y: Any, groups: Any) -> Iterator[np.ndarray]:
        groups = _labels("groups", groups, n, "LeaveOneGroupOut holds out one group per fold")
        unique = np.unique(groups)
        if len(unique) < 2:
            raise ValueError(
                f"groups has {len(unique)} distinct value(s); leaving one group out needs at "
                "least 2."
            )
        for group in unique:
            yield np.flatnonzero(groups == group)

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        groups = _labels("groups", groups, None if X is None else _n_rows(X),
                         "the number of splits is the number of groups")  # fmt: skip
        return len(np.unique(groups))

    def __repr__(self) -> str:
        return "LeaveOneGroupOut()"


class TimeSeriesSplit(Splitter):
    """Expanding-window folds that train only on the past (scikit-learn's ``TimeSeriesSplit``).

    Rows must be in time order. Test fold f (f = 0..n_splits-1) is the rows
    [s_f, s_f + test_size) with s_f = n - (n_splits - f) test_size; its training rows are
    [0, s_f - gap), or the last ``max_train_size`` of them.
    """

    def __init__(
        self,
        n_splits: int = 5,
        *,
        gap: int = 0,
        test_size: int | None = None,
        max_train_size: int | None = None,
    ) -> None:
        self.n_splits = check_int("n_splits", n_splits, minimum=2)
        self.gap = check_int("gap", gap, minimum=0)
        self.test_size = None if test_size is None else check_int("test_size", test_size,
                                                                  minimum=1)  # fmt: skip
        self.max_train_size = None if max_train_size is None else check_int(
            "max_train_size", max_train_size, minimum=1)  # fmt: skip

    def split(self, X: Any, y: Any = None, groups: Any = None) -> Iterator[Split]:
        """Yield (train, test) int64 index arrays, checked when ``split`` is called."""
        n = _n_rows(X)
        if self.n_splits + 1 > n:
            raise ValueError(
                f"n_splits={self.n_splits} needs {self.n_splits + 1} folds of time but X has "
                f"only {n} rows; use fewer splits."
            )
        test_size = self.test_size if self.test_size is not None else n // (self.n_splits + 1)
        if n - self.gap - test_size * self.n_splits <= 0:
            raise ValueError(
                f"n_splits={self.n_splits} test blocks of {test_size} rows after a gap of "
                f"{self.gap} leave no training rows out of {n}; use fewer splits, a smaller "
                "test_size or gap."
            )
        return self._folds(n, test_size)

    def _folds(self, n: int, test_size: int) -> Iterator[Split]:
        rows = np.arange(n)
        for start in range(n - self.n_splits * test_size, n, test_size):
            end = start - self.gap
            limited = self.max_train_size is not None and self.max_train_size < end
            first = end - self.max_train_size if limited else 0
            yield rows[first:end], rows[start : start + test_size]
