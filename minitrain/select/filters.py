"""Filters: keep columns by a statistic computed column by column, before any model is trained.

Both follow scikit-learn's transformer contract (``minitrain._estimator``): the constructor
stores its arguments and ``fit`` checks them; ``fit(X, y)`` learns from the training split
only, ``transform(X)`` returns the kept columns (a new array in X's dtype; the input is not
modified), ``get_support()`` is the boolean mask (or, with ``indices=True``, the column
indices) of the kept columns, and the learned statistics live in attributes ending in ``_``
(with ``n_features_in_``). ``get_params``, ``set_params``, scikit-learn's ``clone``,
``Pipeline`` and ``GridSearchCV`` work with them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .._estimator import Estimator, NotFittedError, as_table
from .._validate import check_flag, check_int, check_positive, describe
from .scores import f_classif, f_regression

__all__ = ["NotFittedError", "SelectKBest", "VarianceThreshold"]

SCORES: dict[str, Callable[[Any, Any], tuple[np.ndarray, np.ndarray]]] = {
    "f_classif": f_classif,
    "f_regression": f_regression,
}


class Selector(Estimator):
    """The base of minitrain's column selectors (the filters here, ``RFE`` and
    ``SequentialSelector`` in ``wrappers``): ``transform`` and ``get_support`` for a fitted
    boolean column mask (``support_``, which every selector's ``fit`` sets)."""

    support_: np.ndarray
    fitted_attribute = "support_"

    def _n_features_fitted(self) -> int:
        return int(self.support_.size)

    def get_support(self, indices: bool = False) -> np.ndarray:
        """Boolean mask (d,) of the kept columns, or their indices with ``indices=True``."""
        indices = check_flag("indices", indices)
        self._check_fitted()
        return np.flatnonzero(self.support_) if indices else self.support_.copy()

    def transform(self, X: Any) -> np.ndarray:
        """The kept columns of X (n, d) -> (n, k), in their original order (a new array)."""
        self._check_fitted()
        X = as_table("X", X)
        self._check_columns(X)
        return X[:, self.support_]

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        """``fit(X, y)`` then ``transform(X)``."""
        return self.fit(X, y).transform(X)

    def fit(self, X: Any, y: Any = None) -> Selector:  # pragma: no cover - overridden
        raise NotImplementedError


class VarianceThreshold(Selector):
    """Drop the columns whose variance is not above ``threshold`` (scikit-learn's rule).

        variances_[j] = (1/n) sum_i (x_ij - xbar_j)^2           (population variance)
        kept: variances_[j] > threshold

    With ``threshold=0`` the variance is replaced by min(variance, max - min), as
    scikit-learn does, so that a constant column whose variance rounds to a tiny positive
    number is still dropped (its peak-to-peak range is exactly 0).
    """

    def __init__(self, threshold: float = 0.0) -> None:
        self.threshold = threshold

    def check_params(self) -> None:
        """Refuse a threshold that is not a finite number >= 0."""
        check_positive("threshold", self.threshold, allow_zero=True)

    def fit(self, X: Any, y: Any = None) -> VarianceThreshold:
        """Learn ``variances_`` (d,) and the kept columns ``support_`` (d,); ``y`` is ignored."""
        self.check_params()
        X = as_table("X", X)
        variances = X.var(axis=0, dtype=np.float64)
        if self.threshold == 0:
            variances = np.minimum(variances, np.ptp(X, axis=0).astype(np.float64))
        support = variances > self.threshold
        if not support.any():
            few = " (X contains only one sample)" if X.shape[0] == 1 else ""
            raise ValueError(
                f"no column of X has a variance above threshold={self.threshold} (largest "
                f"{variances.max():.3g}){few}; lower the threshold."
            )
        self.variances_, self.support_ = variances, support
        self._set_n_features(X)
        return self

    def __repr__(self) -> str:
        return f"VarianceThreshold(threshold={self.threshold})"


class SelectKBest(Selector):
    """Keep the ``k`` columns of highest score (``"f_classif"``, ``"f_regression"`` or a
    callable ``score_func(X, y) -> (scores, pvalues)`` or ``-> scores``; scikit-learn's name).

    Ties are broken as scikit-learn breaks them: the columns are sorted by score with a
    stable sort (NaN scores first, as the smallest float) and the last k are kept, so among
    equal scores the columns of **higher index** win. ``k="all"`` keeps every column; ``k``
    larger than the number of columns is an error.
    """

    def __init__(
        self,
        score_func: str | Callable[[Any, Any], Any] = "f_classif",
        k: int | str = 10,
    ) -> None:
        self.score_func, self.k = score_func, k

    requires_y = True

    def check_params(self) -> None:
        """Refuse an unknown score name, a score_func that is not callable and a k < 0."""
        if isinstance(self.score_func, str):
            if self.score_func not in SCORES:
                raise ValueError(
                    f"score_func must be one of {list(SCORES)} or a callable (X, y) -> scores; "
                    f"got {self.score_func!r}."
                )
        elif not callable(self.score_func) or isinstance(self.score_func, type):
            raise TypeError(
                f"score_func must be a name or a callable; got {describe(self.score_func)}."
            )
        if not (isinstance(self.k, str) and self.k == "all"):
            if isinstance(self.k, str):
                raise ValueError(f"k must be an integer >= 0 or 'all'; got {self.k!r}.")
            check_int("k", self.k, minimum=0)

    def fit(self, X: Any, y: Any = None) -> SelectKBest:
        """Learn ``scores_`` and ``pvalues_`` (d,) and the kept columns ``support_`` (d,)."""
        self.check_params()
        X = as_table("X", X)
        if y is None:
            raise ValueError(
                "SelectKBest requires y to be passed, but the target y is None: call fit(X, y)."
            )
        d = X.shape[1]
        if isinstance(self.score_func, str) and X.shape[0] < 3:
            raise ValueError(
                f"SelectKBest({self.score_func!r}) needs at least 3 samples for an F test; X has "
                f"{X.shape[0]} sample(s)."
            )
        if self.k != "all" and self.k > d:
            raise ValueError(
                f"k={self.k} is larger than the number of columns of X ({d}); use k <= {d} "
                "or k='all'."
            )
        scorer = SCORES[self.score_func] if isinstance(self.score_func, str) else self.score_func
        result = scorer(X, y)
        scores, pvalues = result if isinstance(result, tuple) else (result, None)
        scores = np.asarray(scores, dtype=np.float64)
        if scores.shape != (d,):
            raise ValueError(
                f"score_func returned scores of shape {scores.shape}; expected one per column "
                f"of X, ({d},)."
            )
        k = d if self.k == "all" else self.k
        ranked = np.where(np.isnan(scores), np.finfo(np.float64).min, scores)
        support = np.zeros(d, dtype=bool)
        if k > 0:
            support[np.argsort(ranked, kind="mergesort")[-k:]] = True
        self.score_funcs_, self.pvalues_, self.support_ = scores, pvalues, support
        self._set_n_features(X)
        return self

    def __repr__(self) -> str:
        func = self.score_func
        name = func if isinstance(func, str) else getattr(func, "__name__", "?")
        return f"SelectKBest(score_func={name!r}, k={self.k!r})"
