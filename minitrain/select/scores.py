r"""Univariate feature scores: the F tests scikit-learn ranks features by, with p-values.

``f_regression(X, y)``: for each column j, the F statistic of the simple linear regression of
y on x_j (with intercept), from the sample correlation r_j:

    r_j = sum_i (x_ij - xbar_j)(y_i - ybar) / (||x_j - xbar_j|| ||y - ybar||)
    F_j = r_j^2 / (1 - r_j^2) * (n - 2),        F_j ~ F(1, n - 2) if x_j and y are unrelated

(explained over residual sum of squares, each divided by its degrees of freedom: the residual
of regressing y on x_j is (1 - r_j^2) ||y - ybar||^2 with n - 2 degrees of freedom).

``f_classif(X, y)``: one-way analysis of variance of each column across the classes
k = 1..K, with n_k rows and column mean xbar_jk in class k:

    SS_between = sum_k n_k (xbar_jk - xbar_j)^2,   SS_within = sum_k sum_{i in k} (x_ij - xbar_jk)^2
    F_j = (SS_between / (K - 1)) / (SS_within / (n - K)),      F_j ~ F(K - 1, n - K)

The p-value is the F distribution's upper tail, ``special.f_sf`` (no SciPy).

Degenerate columns, decided on purpose (scikit-learn returns NaN for a constant column in
``f_classif``, and 0 with p = 1 in ``f_regression`` when ``force_finite=True``):

- a constant column (every value equal) gets **F = 0 and p = 1** in both: a sensor that
  always reads the same value carries no information about the target, and 0 is the score
  that says so. NaN would say "unknown", would poison any mean or sort over the scores, and
  would make a filter's choice depend on how NaN happens to be ordered.
- a column that explains the target exactly (zero residual, or zero within-class spread
  with classes apart) gets **F = inf and p = 0**, the limit of the formula.

Both are computed in float64 and returned in X's dtype (float32 X gives float32 F and p;
a p-value below float32's smallest normal, about 1e-38, then rounds towards 0).

The statistics are computed on centred columns (sum of squared deviations, not
sum x^2 - n xbar^2), so an affine rescaling a x + b of a column leaves F unchanged up to
rounding, even for columns with a large mean and a small spread (a pressure in hPa).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import as_float_array, describe
from .special import f_sf

__all__ = ["f_classif", "f_regression"]


def _check_X(X: Any) -> np.ndarray:
    X = as_float_array("X", X, ndim=2)
    if len(X) < 3:
        raise ValueError(f"X has {len(X)} rows; an F test needs at least 3.")
    return X


def _in_dtype(X: np.ndarray, F: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(F, p), computed in float64, in X's dtype (dtype follows the data); an F above float32's
    largest value becomes inf, the limit the module docstring gives an exact fit."""
    with np.errstate(over="ignore"):
        return F.astype(X.dtype, copy=False), p.astype(X.dtype, copy=False)


def _constant_columns(X: np.ndarray) -> np.ndarray:
    return (X == X[:1]).all(axis=0)


def f_regression(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """F statistic and p-value of each column's simple linear regression on y.

    X (n, d) float, y (n,) or (n, 1) float -> (F, p), each (d,) in X's dtype. Formulas and
    the treatment of constant columns in the module docstring.
    """
    X = _check_X(X)
    y = as_float_array("y", y, ndim=(1, 2))
    if y.ndim == 2 and y.shape[1] != 1:
        raise ValueError(f"y must be (n,) or (n, 1) (one target); got shape {y.shape}.")
    y = y.reshape(-1)
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}; they must match.")
    if (y == y[0]).all():
        raise ValueError("y is constant; a regression F test needs a target that varies.")
    Xc = X.astype(np.float64) - X.mean(axis=0, dtype=np.float64)
    yc = y.astype(np.float64) - y.mean(dtype=np.float64)
    norms = np.sqrt(np.einsum("ij,ij->j", Xc, Xc))
    constant = _constant_columns(X)
    norms[constant] = 1.0  # r = 0 there; see below
    r = (Xc.T @ yc) / (norms * np.linalg.norm(yc))
    r[constant] = 0.0
    dof = len(y) - 2
    unexplained = np.maximum(1.0 - r * r, 0.0)
    with np.errstate(divide="ignore"):
        F = np.where(unexplained > 0, r * r / np.where(unexplained > 0, unexplained, 1) * dof,
                     np.inf)  # fmt: skip
    F[constant] = 0.0
    return _in_dtype(X, F, f_sf(F, 1, dof))


def f_classif(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """One-way ANOVA F statistic and p-value of each column across the classes of y.

    X (n, d) float, y (n,) integer class labels (any integer values, at least two classes,
    more rows than classes) -> (F, p), each (d,) in X's dtype. Formulas in the module
    docstring.
    """
    X = _check_X(X)
    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "iub":
        raise TypeError(
            f"y must be a 1-D array of integer class labels; got {describe(y)}. "
            "For a numeric target use f_regression."
        )
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}; they must match.")
    classes, label = np.unique(y, return_inverse=True)
    K, n = len(classes), len(y)
    if K < 2:
        raise ValueError(f"y has a single class ({classes[0]!r}); an ANOVA needs at least two.")
    if n <= K:
        raise ValueError(f"y has {n} rows for {K} classes; an ANOVA needs more rows than classes.")
    X64 = X.astype(np.float64)
    counts = np.bincount(label, minlength=K).astype(np.float64)
    class_means = np.zeros((K, X.shape[1]))
    np.add.at(class_means, label, X64)
    class_means /= counts[:, None]
    grand_mean = X64.mean(axis=0)
    between = counts @ (class_means - grand_mean) ** 2
    within = ((X64 - class_means[label]) ** 2).sum(axis=0)
    constant = _constant_columns(X)
    with np.errstate(divide="ignore", invalid="ignore"):
        F = (between / (K - 1)) / (within / (n - K))
    F[(within == 0) & ~constant] = np.inf
    F[constant] = 0.0
    return _in_dtype(X, F, f_sf(F, K - 1, n - K))
