"""What every cleaner and detector shares: input checks and the fitted-state contract.

The contract is scikit-learn's: ``fit(X)`` learns from the training rows only and stores what
it learned in attributes ending in ``_`` (always ``n_features_in_``); ``transform``, ``score``
and ``predict`` never modify their input and refuse a different number of columns; using a
step before ``fit`` raises ``NotFittedError``.

NaN marks a missing value throughout ``minitrain.clean``. Infinite values are refused (they
are never a measurement): turn them into NaN on purpose, ``np.where(np.isinf(X), np.nan, X)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import as_float_array, describe

INF_HINT = "mark them missing first with X = np.where(np.isinf(X), np.nan, X)"


class NotFittedError(ValueError, AttributeError):
    """A cleaner or detector was used before ``fit``."""


def as_data(name: str, X: Any, *, allow_nan: bool = True, ndim: int = 2) -> np.ndarray:
    """``X`` as a floating array of ``ndim`` dimensions; NaN allowed (missing), inf refused."""
    arr = as_float_array(name, X, ndim=ndim, allow_nan=True)
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
    arr = np.asarray(node)
    if arr.ndim != 1 or arr.shape[0] != n_rows or arr.dtype.kind not in "iuUS":
        raise ValueError(
            f"{name} must be a 1-D array of {n_rows} integer or string labels, one per row of "
            f"X; got {describe(arr)}."
        )
    return np.unique(arr, return_inverse=True)[1].reshape(-1)


def observed_or_raise(X: np.ndarray, owner: str) -> None:
    """Refuse columns with no observed value (a statistic of nothing is undefined)."""
    empty = np.flatnonzero(np.isnan(X).all(axis=0))
    if empty.size:
        raise ValueError(
            f"X has no observed value in column(s) {empty.tolist()}, so {owner} cannot learn "
            "their statistics; drop them (minitrain.clean.drop_missing(X, axis=1)) or use "
            "Imputer(all_missing='drop')."
        )


class Fitted:
    """Mixin for the fit / use contract: ``_fitted_input`` checks state and columns."""

    n_features_in_: int

    def _check_fitted(self) -> None:
        if not hasattr(self, "n_features_in_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit(X_train) first."
            )

    def _fitted_input(self, X: Any, *, allow_nan: bool = True) -> np.ndarray:
        self._check_fitted()
        arr = as_data("X", X, allow_nan=allow_nan)
        if arr.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {arr.shape[1]} columns but this {type(self).__name__} was fitted on "
                f"{self.n_features_in_}; pass the same columns, in the same order, as in fit."
            )
        return arr


class Transformer(Fitted):
    """A fitted map X -> X' on the same rows: ``fit``, ``transform``, ``fit_transform``."""

    def fit(self, X: Any) -> Transformer:
        raise NotImplementedError

    def transform(self, X: Any) -> np.ndarray:
        raise NotImplementedError

    def fit_transform(self, X: Any) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)
