"""What every cleaner and detector shares: input checks and the fitted-state contract.

The contract is scikit-learn's (written once in ``minitrain._estimator``): the constructor
stores its arguments, ``fit(X)`` checks them, learns from the training rows only and stores
what it learned in attributes ending in ``_`` (always ``n_features_in_``); ``transform``,
``score`` and ``predict`` never modify their input and refuse a different number of columns;
using a step before ``fit`` raises ``NotFittedError``.

NaN marks a missing value throughout ``minitrain.clean``. Infinite values are refused (they
are never a measurement): turn them into NaN on purpose, ``np.where(np.isinf(X), np.nan, X)``.
float16 is refused (``minitrain._validate.check_float_dtype``): statistics are computed in
float32 or float64, the dtype of the data, and results come back in that dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._estimator import Estimator, NotFittedError, as_table
from .._validate import as_float_array, check_keys, check_length, describe

__all__ = ["NotFittedError"]

INF_HINT = "mark them missing first with X = np.where(np.isinf(X), np.nan, X)"


def as_data(name: str, X: Any, *, allow_nan: bool = True) -> np.ndarray:
    """``X`` (N, d) as a float32/float64 array; NaN allowed (missing), inf refused."""
    arr = as_table(name, X, allow_nan=True)
    n_inf = int(np.isinf(arr).sum())
    if n_inf:
        raise ValueError(
            f"{name} contains {n_inf} infinite value(s); minitrain.clean reads NaN as missing "
            f"but refuses inf: {INF_HINT}."
        )
    if not allow_nan and np.isnan(arr).any():
        raise ValueError(
            f"{name} contains {int(np.isnan(arr).sum())} NaN value(s) and this step needs "
            "complete rows; impute them first, e.g. with minitrain.clean.Imputer."
        )
    return arr


def as_node_codes(name: str, node: Any, n_rows: int) -> np.ndarray:
    """``node`` (n_rows,), the node id of each row (any 1-D integer or string labels), as
    integer codes 0..K-1."""
    if node is None:
        raise TypeError(
            f"{name} must be the node id of each row of X (a 1-D array of {n_rows} integer or "
            "string labels); got None."
        )
    arr = np.asarray(node) if not isinstance(node, np.ndarray) else node
    if arr.ndim != 1 or arr.dtype.kind not in "iuUS":
        raise ValueError(
            f"{name} must be a 1-D array of {n_rows} integer or string labels, one per row of "
            f"X; got {describe(arr)}."
        )
    check_length(name, arr, n_rows, "X")
    return np.unique(arr, return_inverse=True)[1].reshape(-1)


def as_time(name: str, time: Any, n_rows: int) -> np.ndarray:
    """``time`` (n_rows,): integer or float32/float64 time stamps, one per row, as float64."""
    t = np.asarray(time) if not isinstance(time, np.ndarray) else time
    if t.dtype.kind in "iu":
        t = t.astype(np.float64)
    t = as_float_array(name, t, ndim=1)
    check_length(name, t, n_rows, "X")
    return t.astype(np.float64, copy=False)


def as_column_names(name: str, columns: Any, n_columns: int) -> list[str] | None:
    """``columns``: None, or one distinct name (str) per column of X."""
    if columns is None:
        return None
    names = check_keys(name, columns)
    if len(names) != n_columns:
        raise ValueError(
            f"{name} must give one name per column of X ({n_columns}); got {len(names)}."
        )
    return names


def nan_mean(X: np.ndarray) -> np.ndarray:
    """(d,) mean of each column's observed values, accumulated in float64 and returned in X's
    dtype (a float32 sum can overflow where the mean itself cannot)."""
    return np.nanmean(X.astype(np.float64), axis=0).astype(X.dtype)


def nan_std(X: np.ndarray) -> np.ndarray:
    """(d,) population std ``sqrt(mean((x - mean)^2))`` of each column's observed values,
    accumulated in float64 and returned in X's dtype."""
    return np.sqrt(np.nanvar(X.astype(np.float64), axis=0)).astype(X.dtype)


def observed_or_raise(X: np.ndarray, owner: str) -> None:
    """Refuse columns with no observed value (a statistic of nothing is undefined)."""
    empty = np.flatnonzero(np.isnan(X).all(axis=0))
    if empty.size:
        raise ValueError(
            f"X has no observed value in column(s) {empty.tolist()}, so {owner} cannot learn "
            "their statistics; drop them (minitrain.clean.drop_missing(X, axis=1)) or use "
            "Imputer(all_missing='drop')."
        )


class Fitted(Estimator):
    """A cleaner or detector: NaN is a missing value; ``_fitted_input`` checks new data."""

    allow_nan = True

    def _fit_data(self, X: Any, *, allow_nan: bool = True) -> np.ndarray:
        """Check the parameters, then X, at the start of ``fit``."""
        self.check_params()
        return as_data("X", X, allow_nan=allow_nan)

    def _fitted_input(self, X: Any, *, allow_nan: bool = True) -> np.ndarray:
        self._check_fitted()
        arr = as_data("X", X, allow_nan=allow_nan)
        self._check_columns(arr)
        return arr


class Transformer(Fitted):
    """A fitted map X -> X' on the same rows: ``fit``, ``transform``, ``fit_transform``."""

    def fit(self, X: Any, y: Any = None) -> Transformer:
        raise NotImplementedError

    def transform(self, X: Any) -> np.ndarray:
        raise NotImplementedError

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        """``fit(X)`` then ``transform(X)`` (``y`` is ignored, as in scikit-learn)."""
        return self.fit(X, y).transform(X)


def check_pair(name: str, value: Any, what: str) -> tuple[Any, Any]:
    """``value`` as a (low, high) pair: a tuple or list of two entries."""
    if not (isinstance(value, (tuple, list)) and len(value) == 2):
        raise TypeError(f"{name} must be a (low, high) tuple of {what}; got {describe(value)}.")
    return value[0], value[1]


