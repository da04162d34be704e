r"""Wrapper selection: choose columns by training a model on them, by closed-form ridge.

Both selectors fit ridge regression in minitrain's convention (as ``mt.closed_form.ridge``),

    min_{w, b} (1/n) ||y - X w - b||^2 + alpha ||w||^2   =>   (Xc^T Xc + n alpha I) w = Xc^T yc,

with Xc, yc the centred data (the intercept b = ybar - xbar . w is not penalised).
scikit-learn's ``Ridge(alpha=a)`` minimises the *sum* ||y - X w - b||^2 + a ||w||^2, whose
solution solves (Xc^T Xc + a I) w = Xc^T yc: the two agree when **a = n alpha**, with n the
number of rows the ridge is fitted on.

``RFE``: recursive feature elimination (Guyon et al., 2002). Fit on the surviving columns,
drop the ``step`` columns of smallest w_j^2 (stable sort: among equal weights the earlier
column goes first), repeat until ``n_features`` remain. ``ranking_`` is 1 for the kept
columns and 1 + (the number of rounds a column survived, counted from the end) for the
others: scikit-learn's ``RFE(Ridge(alpha=n * alpha), n_features_to_select=n_features,
step=step)`` with the same ``ranking_`` and support.

``SequentialSelector``: forward selection. Start from no column; at each round add the
column whose addition gives the smallest cross-validated mean squared error of the ridge
(mean over the folds of each validation fold's MSE; the first column among equal scores);
stop at ``n_features``. This is scikit-learn's ``SequentialFeatureSelector(Ridge(...),
direction="forward", scoring="neg_mean_squared_error", cv=...)``, where its alpha maps to
n_train * alpha on each fold.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np

from .._validate import check_in_range, check_int, check_length, check_positive
from .filters import Selector
from .lasso import check_regression_data
from .splitters import KFold, Splitter, check_splitter

__all__ = ["RFE", "SequentialSelector", "ridge_coef"]


def _check_xy(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray, np.dtype]:
    """The lasso's data check, in float64 (ridge solves are compared by their ranking), and
    X's dtype (the one the fitted coefficients are returned in)."""
    X, y = check_regression_data(X, y)
    return X.astype(np.float64), y.astype(np.float64), X.dtype


def ridge_coef(X: Any, y: Any, alpha: float) -> tuple[np.ndarray, float]:
    """Ridge on X (n, d), y (n,) or (n, 1): (w, b) with (Xc^T Xc + n alpha I) w = Xc^T yc and
    b = ybar - xbar . w (module docstring), ``alpha >= 0``. Solved in float64; w (d,) is
    returned in X's dtype."""
    X64, y64, dtype = _check_xy(X, y)
    alpha = check_positive("alpha", alpha, allow_zero=True)
    w, b = _ridge(X64, y64, alpha)
    return w.astype(dtype), b


def _ridge(X: np.ndarray, y: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    """``ridge_coef`` on checked float64 arrays (the selectors' inner loops)."""
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc, yc = X - x_mean, y - y_mean
    A = Xc.T @ Xc + len(y) * alpha * np.eye(X.shape[1])
    w = np.linalg.lstsq(A, Xc.T @ yc, rcond=None)[0] if alpha == 0 else np.linalg.solve(
        A, Xc.T @ yc)  # fmt: skip
    return w, float(y_mean - x_mean @ w)


class RFE(Selector):
    """Recursive feature elimination by the squared ridge weights (module docstring).

    ``n_features``: columns to keep (int >= 1); ``step``: columns dropped per round (int >= 1,
    or a fraction in (0, 1) of the original columns, at least 1); ``alpha >= 0``: ridge
    penalty in minitrain's convention. Attributes after ``fit``: ``support_``, ``ranking_``
    (d,) int, ``coef_`` (ridge weights on the kept columns, in X's dtype), ``intercept_``.
    """

    def __init__(self, n_features: int, step: int | float = 1, alpha: float = 1.0) -> None:
        self.n_features = check_int("n_features", n_features, minimum=1)
        if isinstance(step, Real) and not isinstance(step, (Integral, np.bool_)):
            self.step: int | float = check_in_range("step", step, 0.0, 1.0, low_inclusive=False)
        else:
            self.step = check_int("step", step, minimum=1)
        self.alpha = check_positive("alpha", alpha, allow_zero=True)

    def fit(self, X: Any, y: Any = None) -> RFE:
        X, y, dtype = _check_xy(X, y)
        d = X.shape[1]
        if self.n_features > d:
            raise ValueError(
                f"n_features={self.n_features} is larger than the number of columns of X "
                f"({d}); use n_features <= {d}."
            )
        step = max(1, int(self.step * d)) if isinstance(self.step, float) else self.step
        support = np.ones(d, dtype=bool)
        ranking = np.ones(d, dtype=np.int64)
        while support.sum() > self.n_features:
            features = np.flatnonzero(support)
            w, _ = _ridge(X[:, features], y, self.alpha)
            weakest = np.argsort(w * w, kind="stable")
            support[features[weakest[: min(step, features.size - self.n_features)]]] = False
            ranking[~support] += 1
        coef, self.intercept_ = _ridge(X[:, support], y, self.alpha)
        self.coef_ = coef.astype(dtype)
        self.support_, self.ranking_ = support, ranking
        return self

    def __repr__(self) -> str:
        return f"RFE(n_features={self.n_features}, step={self.step}, alpha={self.alpha})"


def _check_cv(cv: Any) -> Splitter:
    cv = check_splitter("cv", cv)
    return KFold(cv) if isinstance(cv, int) else cv


class SequentialSelector(Selector):
    """Forward selection of ``n_features`` columns by the cross-validated MSE of ridge.

    ``cv``: folds (an int: ``KFold(cv)``) or a splitter; ``fit(X, y, groups=None)`` passes
    ``groups`` to it (node ids for ``GroupKFold``). Attributes: ``support_``, ``order_``
    (columns in the order they were added) and ``scores_`` (the CV MSE after each addition,
    computed in float64 and returned in X's dtype).
    """

    def __init__(self, n_features: int, cv: int | Splitter = 5, alpha: float = 1.0) -> None:
        self.n_features = check_int("n_features", n_features, minimum=1)
        self.cv = _check_cv(cv)
        self.alpha = check_positive("alpha", alpha, allow_zero=True)

    def _cv_mse(self, X: np.ndarray, y: np.ndarray, folds: list) -> float:
        errors = []
        for train, test in folds:
            w, b = _ridge(X[train], y[train], self.alpha)
            errors.append(np.mean((y[test] - X[test] @ w - b) ** 2))
        return float(np.mean(errors))

    def fit(self, X: Any, y: Any = None, groups: Any = None) -> SequentialSelector:
        X, y, dtype = _check_xy(X, y)
        if groups is not None:
            check_length("groups", groups, len(X), "X")
        d = X.shape[1]
        if self.n_features >= d:
            raise ValueError(
                f"n_features={self.n_features} must be smaller than the number of columns of "
                f"X ({d}); there is nothing to select otherwise."
            )
        folds = list(self.cv.split(X, y, groups))
        chosen: list[int] = []
        scores: list[float] = []
        for _ in range(self.n_features):
            candidates = [j for j in range(d) if j not in chosen]
            errors = [self._cv_mse(X[:, [*chosen, j]], y, folds) for j in candidates]
            best = int(np.argmin(errors))  # the first of equal scores, as scikit-learn
            chosen.append(candidates[best])
            scores.append(errors[best])
        support = np.zeros(d, dtype=bool)
        support[chosen] = True
        self.support_, self.order_ = support, np.array(chosen)
        self.scores_ = np.array(scores, dtype=dtype)
        return self

    def __repr__(self) -> str:
        return f"SequentialSelector(n_features={self.n_features}, cv={self.cv!r}, " \
               f"alpha={self.alpha})"
