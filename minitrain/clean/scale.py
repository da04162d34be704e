"""Normalization of columns, fitted on training rows only and NaN-aware.

Each scaler is a per-column affine map ``X' = (X - center_) / scale_`` (plus an offset for
min-max) with an exact inverse. Statistics ignore NaN (``np.nan*`` functions) and NaN passes
through ``transform`` unchanged, so scaling may come before or after imputation. A column
whose spread is 0 (constant) gets ``scale_ = 1``: it is centered, never divided by zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validate import check_in_range
from ._base import Transformer, check_pair, nan_mean, nan_std, observed_or_raise

__all__ = ["MinMaxScaler", "RobustScaler", "Standardizer"]


def _safe_scale(spread: np.ndarray) -> np.ndarray:
    return np.where(spread > 0, spread, 1.0).astype(spread.dtype)


class _AffineScaler(Transformer):
    """``transform: X' = (X - center_) / scale_ + low_``; ``inverse: X = (X' - low_) scale_ +
    center_``. Subclasses set ``center_``, ``scale_`` and ``low_`` in ``fit``."""

    center_: np.ndarray
    scale_: np.ndarray
    low_: float

    def _fit_input(self, X: Any) -> np.ndarray:
        X = self._fit_data(X)
        observed_or_raise(X, type(self).__name__)
        self.low_ = 0.0
        return X

    def transform(self, X: Any) -> np.ndarray:
        """A new (N, d) array of scaled columns, dtype of X; NaN stays NaN."""
        X = self._fitted_input(X)
        return ((X - self.center_) / self.scale_ + self.low_).astype(X.dtype, copy=False)

    def inverse_transform(self, X: Any) -> np.ndarray:
        """Undo ``transform``: a new (N, d) array in the original units."""
        X = self._fitted_input(X)
        return ((X - self.low_) * self.scale_ + self.center_).astype(X.dtype, copy=False)


@dataclass
class Standardizer(_AffineScaler):
    """Zero mean, unit variance per column, as scikit-learn's StandardScaler.

    ``mean_ = nanmean(X, axis=0)``, ``var_ = nanmean((X - mean_)^2, axis=0)`` (population
    variance, divisor N_observed; both accumulated in float64, stored in X's dtype),
    ``scale_ = sqrt(var_)`` (1 for a constant column);
    ``X' = (X - mean_) / scale_``. On the fit data each column of X' has mean 0 and std 1.
    """

    def fit(self, X: Any, y: Any = None) -> Standardizer:
        """Learn ``mean_``, ``var_`` and ``scale_`` (d,) from the observed values."""
        X = self._fit_input(X)
        self.mean_ = nan_mean(X)
        std = nan_std(X)
        with np.errstate(over="ignore"):  # a float32 std above 1.8e19 has a variance of inf
            self.var_ = std * std  # in X's dtype, like mean_
        self.center_, self.scale_ = self.mean_, _safe_scale(std)
        self._set_n_features(X)
        return self


@dataclass
class MinMaxScaler(_AffineScaler):
    """Map each column's training range onto ``feature_range`` = (low, high).

    ``data_min_ = nanmin(X)``, ``data_range_ = nanmax(X) - data_min_``,
    ``scale_ = data_range_ / (high - low)`` (``1 / (high - low)`` for a constant column),
    ``X' = (X - data_min_) / scale_ + low``. On the fit data X' lies in [low, high]; new data
    may fall outside (nothing is clipped).
    """

    feature_range: tuple[float, float] = (0.0, 1.0)

    def check_params(self) -> None:
        """Refuse a feature_range that is not a pair of finite numbers with low < high."""
        low, high = check_pair("feature_range", self.feature_range, "numbers")
        low = check_in_range("feature_range[0]", low, -np.inf, np.inf)
        check_in_range("feature_range[1]", high, low, np.inf, low_inclusive=False)

    def fit(self, X: Any, y: Any = None) -> MinMaxScaler:
        """Learn ``data_min_``, ``data_max_``, ``data_range_`` and ``scale_`` (d,)."""
        X = self._fit_input(X)
        low, high = (float(v) for v in self.feature_range)
        self.data_min_ = np.nanmin(X, axis=0)
        self.data_max_ = np.nanmax(X, axis=0)
        self.data_range_ = self.data_max_ - self.data_min_
        self.center_ = self.data_min_
        self.scale_ = (_safe_scale(self.data_range_) / X.dtype.type(high - low)).astype(X.dtype)
        self.low_ = low
        self._set_n_features(X)
        return self


@dataclass
class RobustScaler(_AffineScaler):
    """Center on the median and divide by the interquartile range, robust to outliers.

    ``center_ = nanmedian(X)``, ``scale_ = Q3 - Q1`` with ``(Q1, Q3)`` the ``quantile_range``
    percentiles (default 25 and 75, linear interpolation, as ``np.nanpercentile``; 1 for a
    constant column), ``X' = (X - center_) / scale_``. A few extreme values barely move
    either statistic, unlike the mean and std.
    """

    quantile_range: tuple[float, float] = (25.0, 75.0)

    def check_params(self) -> None:
        """Refuse a quantile_range that is not a pair of percentiles with low < high."""
        low, high = check_pair("quantile_range", self.quantile_range, "percentiles")
        low = check_in_range("quantile_range[0]", low, 0.0, 100.0)
        check_in_range(
            "quantile_range[1]", high, low, 100.0, low_inclusive=False, high_inclusive=True
        )

    def fit(self, X: Any, y: Any = None) -> RobustScaler:
        """Learn ``center_`` (median) and ``scale_`` (interquartile range), both (d,)."""
        X = self._fit_input(X)
        q1, q3 = np.nanpercentile(X, [float(v) for v in self.quantile_range], axis=0)
        self.center_ = np.nanmedian(X, axis=0)
        self.scale_ = _safe_scale(q3 - q1).astype(X.dtype)
        self._set_n_features(X)
        return self
