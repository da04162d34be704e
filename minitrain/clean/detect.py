"""Anomaly detectors with ``fit`` / ``score`` / ``predict``, and their scoring against truth.

Every detector learns from the training rows in ``fit``, gives each row of X (N, d) a score
(N,) where larger means more anomalous, and ``predict(X) = score(X) > threshold_`` (a boolean
per row). The univariate detectors (``ZScore``, ``MAD``, ``IQR``) score each entry against its
column; a row's score is the largest over its observed columns, so **a row is flagged when
any column is flagged**, and NaN entries are never flagged (a row with no observed entry
scores NaN and is not flagged). ``Mahalanobis`` and ``PCAReconstruction`` score whole rows and
need complete rows (impute first).

All of them are unchanged by a per-column map ``x -> a x + b`` with a > 0 (for the learned
ones, any a != 0): they measure distance in units of the data's own spread.

**scikit-learn.** The detectors follow scikit-learn's estimator contract (``get_params``,
``set_params``, ``clone``, a last step of a ``Pipeline``, ``GridSearchCV`` over ``threshold``,
``k``, ``alpha`` ...) but keep their own output convention, which differs from scikit-learn's
outlier detectors (``IsolationForest``, ``LocalOutlierFactor``) in three ways:

- ``predict`` returns a **boolean per row, True = anomaly**; scikit-learn's returns an int,
  **-1 = outlier, +1 = inlier**. Convert with ``np.where(flags, -1, 1)`` (and back with
  ``pred == -1``). Boolean flags index and count directly (``X[~flags]``, ``flags.sum()``)
  and compare with ground-truth masks (``score_detector``, ``f1_score(truth, flags)``).
- ``score(X)`` is the anomaly score of each row, **larger = more anomalous**; scikit-learn's
  ``score_samples`` is larger = more normal, and its ``score`` method (which model selection
  calls when no ``scoring=`` is given) returns one number. So give ``GridSearchCV`` and
  ``cross_val_score`` a ``scoring=`` that compares ``predict`` with the truth, e.g.
  ``scoring="f1"`` with a boolean target (True = anomaly).
- The threshold is a parameter in the data's units (``threshold``, ``k``) or a false-alarm
  rate (``alpha``, ``quantile``), not scikit-learn's ``contamination`` fraction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validate import check_in_range, check_int, check_positive, describe
from ._base import Fitted, nan_mean, nan_std, observed_or_raise

__all__ = [
    "IQR",
    "MAD",
    "DetectorScore",
    "Mahalanobis",
    "PCAReconstruction",
    "ZScore",
    "chi2_quantile",
    "score_detector",
]


def _safe_scale(spread: np.ndarray) -> np.ndarray:
    return np.where(spread > 0, spread, 1.0).astype(spread.dtype)


class _Detector(Fitted):
    threshold_: float

    def score(self, X: Any, y: Any = None) -> np.ndarray:
        """(N,) anomaly score of each row of X (larger = more anomalous), in X's dtype.

        ``y`` is refused: scikit-learn calls ``score(X, y)`` for one number when model
        selection is given no ``scoring=``; a detector's score is per row.
        """
        if y is not None:
            raise TypeError(
                f"{type(self).__name__}.score(X) gives one anomaly score per row and takes no "
                "y; scikit-learn calls score(X, y) when cross_val_score or GridSearchCV has no "
                "scoring=: pass scoring='f1' (predict against a boolean truth, True = anomaly)."
            )
        return self._score(X)

    def _score(self, X: Any) -> np.ndarray:
        raise NotImplementedError

    def predict(self, X: Any) -> np.ndarray:
        """(N,) bool: True for rows whose score exceeds ``threshold_`` (True = anomaly)."""
        return self.score(X) > self.threshold_

    def fit_predict(self, X: Any, y: Any = None) -> np.ndarray:
        """``fit(X)`` then ``predict(X)`` (``y`` is ignored, as in scikit-learn)."""
        return self.fit(X).predict(X)  # type: ignore[attr-defined]


class _Univariate(_Detector):
    """Row score = max over observed columns of ``score_columns`` (NaN when none is)."""

    threshold: float

    def check_params(self) -> None:
        """Refuse a threshold that is not a finite number > 0."""
        check_positive("threshold", self.threshold)

    def _fit_input(self, X: Any) -> np.ndarray:
        X = self._fit_data(X)
        observed_or_raise(X, type(self).__name__)
        self.threshold_ = float(self.threshold)
        return X

    def score_columns(self, X: Any) -> np.ndarray:
        raise NotImplementedError

    def _score(self, X: Any) -> np.ndarray:
        """(N,) row scores in X's dtype: the largest column score of each row, NaN ignored."""
        return np.fmax.reduce(self.score_columns(X), axis=1)


@dataclass
class ZScore(_Univariate):
    """Distance from the column mean in standard deviations.

    ``z_ij = |x_ij - mean_j| / std_j`` with the NaN-aware mean and population std of the
    training column (std 0 -> 1); flagged when ``z_ij > threshold`` (3: 0.27% of Gaussian
    data). The mean and std are themselves pulled by the outliers they should reveal.
    """

    threshold: float = 3.0

    def fit(self, X: Any, y: Any = None) -> ZScore:
        """Learn ``mean_`` and ``std_`` (d,) from the observed training values."""
        X = self._fit_input(X)
        self.mean_ = nan_mean(X)
        self.std_ = _safe_scale(nan_std(X))
        self._set_n_features(X)
        return self

    def score_columns(self, X: Any) -> np.ndarray:
        """(N, d) entry scores ``|x - mean_| / std_``; NaN where X is NaN."""
        X = self._fitted_input(X)
        return (np.abs(X - self.mean_) / self.std_).astype(X.dtype, copy=False)


@dataclass
class MAD(_Univariate):
    """Modified z-score of Iglewicz and Hoaglin (1993), robust to the outliers themselves.

    ``M_ij = 0.6745 |x_ij - median_j| / MAD_j`` with ``MAD_j = median_i |x_ij - median_j|``
    over the observed training values (MAD 0 -> 1); 0.6745 (the 75% point of N(0, 1)) makes
    ``M`` comparable to a z-score for Gaussian data. Flagged when ``M_ij > threshold`` (3.5).
    """

    threshold: float = 3.5

    def fit(self, X: Any, y: Any = None) -> MAD:
        """Learn ``median_`` and ``mad_`` (d,) from the observed training values."""
        X = self._fit_input(X)
        self.median_ = np.nanmedian(X, axis=0)
        self.mad_ = _safe_scale(np.nanmedian(np.abs(X - self.median_), axis=0))
        self._set_n_features(X)
        return self

    def score_columns(self, X: Any) -> np.ndarray:
        """(N, d) entry scores ``0.6745 |x - median_| / mad_``; NaN where X is NaN."""
        X = self._fitted_input(X)
        return (0.6745 * np.abs(X - self.median_) / self.mad_).astype(X.dtype, copy=False)


@dataclass
class IQR(_Univariate):
    """Tukey's fences: outside ``[Q1 - k IQR, Q3 + k IQR]`` of the training column.

    ``s_ij = max(Q1_j - x_ij, x_ij - Q3_j, 0) / IQR_j`` with ``IQR = Q3 - Q1`` (the 25th and
    75th NaN-aware percentiles, linear interpolation; IQR 0 -> 1) is the distance beyond the
    quartiles in IQRs; flagged when ``s_ij > k`` (1.5: 0.70% of Gaussian data).
    """

    k: float = 1.5

    def check_params(self) -> None:
        """Refuse a k that is not a finite number > 0."""
        check_positive("k", self.k)

    @property
    def threshold(self) -> float:
        return self.k

    def fit(self, X: Any, y: Any = None) -> IQR:
        """Learn ``q1_``, ``q3_`` and ``iqr_`` (d,) from the observed training values."""
        X = self._fit_input(X)
        self.q1_, self.q3_ = np.nanpercentile(X, [25.0, 75.0], axis=0)
        self.iqr_ = _safe_scale(self.q3_ - self.q1_)
        self._set_n_features(X)
        return self

    def score_columns(self, X: Any) -> np.ndarray:
        """(N, d) distances beyond the quartiles in IQRs; NaN where X is NaN."""
        X = self._fitted_input(X)
        beyond = np.fmax(np.fmax(self.q1_ - X, X - self.q3_), 0.0)
        return (np.where(np.isnan(X), np.nan, beyond) / self.iqr_).astype(X.dtype, copy=False)


def _chi2_cdf(x: float, dof: int) -> float:
    """P(chi2_dof <= x): the regularized lower incomplete gamma P(dof/2, x/2), by its series
    ``P(s, y) = y^s e^-y / Gamma(s + 1) * sum_n y^n / ((s + 1) ... (s + n))``."""
    s, y = dof / 2, x / 2
    if y <= 0:
        return 0.0
    term = total = 1.0
    n = 0
    while term > 1e-17 * total:
        n += 1
        term *= y / (s + n)
        total += term
    return math.exp(s * math.log(y) - y - math.lgamma(s + 1)) * total


#: Largest dof of ``chi2_quantile``: its series needs about sqrt(40 dof) terms per evaluation,
#: so a million degrees of freedom (columns of a Mahalanobis detector) take a fraction of a second.
MAX_DOF = 1_000_000


def chi2_quantile(q: float, dof: int) -> float:
    """The q-quantile of the chi-square distribution with ``dof`` degrees of freedom.

    Bisection on ``_chi2_cdf`` to relative precision 1e-12 (no SciPy needed); for dof = 2 it
    equals ``-2 ln(1 - q)`` and for dof = 1 ``(Phi^-1((1 + q) / 2))^2``. The CDF is exact to
    about 1e-15, so the result is good to ~1e-10 relative for q <= 1 - 1e-6 (further out, the
    float64 resolution of 1 - q limits it).
    """
    q = check_in_range("q", q, 0.0, 1.0, low_inclusive=False)
    dof = check_int("dof", dof, minimum=1, maximum=MAX_DOF)
    low, high = 0.0, dof + 10.0 * math.sqrt(2 * dof) + 10.0 * -math.log1p(-q)
    while high - low > 1e-12 * high:
        mid = (low + high) / 2
        low, high = (mid, high) if _chi2_cdf(mid, dof) < q else (low, mid)
    return (low + high) / 2


@dataclass
class Mahalanobis(_Detector):
    """Distance from the training mean in the metric of the training covariance.

    ``d(x) = sqrt((x - mean_)^T precision_ (x - mean_))`` with ``covariance_`` the sample
    covariance (divisor N - 1) and ``precision_`` its pseudo-inverse. For Gaussian data
    ``d^2 ~ chi2`` with d degrees of freedom, so ``threshold_ = sqrt(chi2_quantile(1 - alpha,
    d))`` flags a fraction ``alpha`` of clean data (0.1% by default). Sees outliers that are
    normal in each column but not jointly; like ZScore it is pulled by outliers in ``fit``.
    """

    alpha: float = 0.001

    def check_params(self) -> None:
        """Refuse an alpha outside (0, 1)."""
        check_in_range("alpha", self.alpha, 0.0, 1.0, low_inclusive=False)

    def fit(self, X: Any, y: Any = None) -> Mahalanobis:
        """Learn ``mean_`` (d,), ``covariance_`` and ``precision_`` (d, d), ``threshold_``."""
        X = self._fit_data(X, allow_nan=False)
        if X.shape[0] < 2:
            raise ValueError(f"X must have >= 2 rows to estimate a covariance; got {X.shape}.")
        self.mean_ = X.mean(axis=0)
        self.covariance_ = np.atleast_2d(np.cov(X, rowvar=False))
        self.precision_ = np.linalg.pinv(self.covariance_, hermitian=True)
        self.threshold_ = math.sqrt(chi2_quantile(1 - self.alpha, X.shape[1]))
        self._set_n_features(X)
        return self

    def _score(self, X: Any) -> np.ndarray:
        """(N,) Mahalanobis distances of the rows of X."""
        X = self._fitted_input(X, allow_nan=False)
        centered = X - self.mean_
        squared = np.einsum("ni,ij,nj->n", centered, self.precision_, centered)
        return np.sqrt(np.maximum(squared, 0.0)).astype(X.dtype, copy=False)


@dataclass
class PCAReconstruction(_Detector):
    """Error of reconstructing a row from its first principal components (learned).

    Columns are standardized with the training mean and std (std 0 -> 1): ``z = (x - mean_)
    / scale_``. ``components_`` (k, d) are the top-k right singular vectors of the
    standardized training matrix. The score is the mean squared residual off that subspace,
    ``e(x) = ||z - z V^T V||^2 / d`` with V = ``components_``: rows that break the
    correlations between columns score high. ``threshold_`` is the ``quantile`` of the
    training scores, so about ``1 - quantile`` of the training rows are flagged.
    """

    n_components: int = 1
    quantile: float = 0.99

    def check_params(self) -> None:
        """Refuse n_components < 1 and a quantile outside (0, 1)."""
        check_int("n_components", self.n_components, minimum=1)
        check_in_range("quantile", self.quantile, 0.0, 1.0, low_inclusive=False)

    def fit(self, X: Any, y: Any = None) -> PCAReconstruction:
        """Learn ``mean_``, ``scale_`` (d,), ``components_`` (k, d) and ``threshold_``."""
        X = self._fit_data(X, allow_nan=False)
        if self.n_components >= X.shape[1]:
            raise ValueError(
                f"n_components must be < the number of columns of X ({X.shape[1]}), or every "
                f"row is reconstructed exactly; got n_components={self.n_components}."
            )
        self.mean_ = X.mean(axis=0)
        self.scale_ = _safe_scale(X.std(axis=0))
        _, singular, vt = np.linalg.svd((X - self.mean_) / self.scale_, full_matrices=False)
        self.components_ = vt[: self.n_components]
        self.explained_variance_ = singular[: self.n_components] ** 2 / X.shape[0]
        self._set_n_features(X)
        self.threshold_ = float(np.quantile(self.score(X), self.quantile))
        return self

    def _score(self, X: Any) -> np.ndarray:
        """(N,) mean squared reconstruction error of the standardized rows."""
        X = self._fitted_input(X, allow_nan=False)
        z = (X - self.mean_) / self.scale_
        residual = z - (z @ self.components_.T) @ self.components_
        return np.mean(residual**2, axis=1).astype(X.dtype, copy=False)


@dataclass(frozen=True)
class DetectorScore:
    """Confusion counts of predicted vs true anomalies, and the scores made from them.

    ``precision = tp / (tp + fp)``, ``recall = tp / (tp + fn)``,
    ``f1 = 2 precision recall / (precision + recall)``; an undefined ratio (0 / 0: nothing
    predicted, or nothing to find) is NaN, never a guess.
    """

    tp: int
    fp: int
    fn: int
    tn: int
    precision: float
    recall: float
    f1: float

    def __str__(self) -> str:
        return (f"precision {self.precision:.3f}  recall {self.recall:.3f}  F1 {self.f1:.3f}  "
                f"(tp {self.tp}, fp {self.fp}, fn {self.fn}, tn {self.tn})")


def _ratio(num: int, den: int) -> float:
    return num / den if den else math.nan


def score_detector(pred_mask: Any, true_mask: Any) -> DetectorScore:
    """Precision, recall and F1 of boolean predictions against the boolean ground truth.

    ``pred_mask`` and ``true_mask`` are boolean arrays of one shape (rows (N,) or entries
    (N, d)), e.g. ``detector.predict(X)`` and ``fleet.anomaly_mask``.
    """
    pred, true = np.asarray(pred_mask), np.asarray(true_mask)
    for name, mask in (("pred_mask", pred), ("true_mask", true)):
        if mask.dtype != bool:
            sklearn_style = mask.dtype.kind in "iu" and mask.size and np.isin(mask, (-1, 1)).all()
            hint = (f"scikit-learn's outlier detectors return -1 (outlier) / +1 (inlier): pass "
                    f"{name} == -1" if sklearn_style
                    else "compare scores to a threshold first (e.g. score > 3)")
            raise TypeError(f"{name} must be a boolean array (True = anomaly); got "
                            f"{describe(mask)}: {hint}.")
    if pred.shape != true.shape:
        raise ValueError(f"pred_mask and true_mask must have one shape; got {pred.shape} and "
                         f"{true.shape}.")
    tp = int(np.sum(pred & true))
    fp = int(np.sum(pred & ~true))
    fn = int(np.sum(~pred & true))
    tn = int(np.sum(~pred & ~true))
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else (
        math.nan if math.isnan(precision + recall) else 0.0)
    return DetectorScore(tp, fp, fn, tn, precision, recall, f1)
