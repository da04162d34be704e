"""Filling and dropping missing values (NaN): column statistics, and fills along time.

``Imputer`` fills each column with one statistic learned from the training rows. For ordered
sensor streams, ``forward_fill`` and ``interpolate`` fill a gap from the readings around it in
time, never across nodes. ``drop_missing`` removes rows or columns instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

from .._validate import check_choice, check_in_range, check_int, describe
from ._base import Transformer, as_data, as_node_codes, as_time, nan_mean

__all__ = ["IMPUTE_STRATEGIES", "Imputer", "drop_missing", "forward_fill", "interpolate"]

IMPUTE_STRATEGIES = ("mean", "median", "most_frequent", "constant")


def _most_frequent(column: np.ndarray) -> float:
    values, counts = np.unique(column[~np.isnan(column)], return_counts=True)
    return values[np.argmax(counts)]  # ties: the smallest value, as scikit-learn


@dataclass
class Imputer(Transformer):
    """Fill NaN in each column with a statistic of that column's observed training values.

    ``statistics_[j]`` is, over the observed (non-NaN) values of column j in ``fit``:
    ``mean`` (sum / count), ``median``, ``most_frequent`` (the mode; ties go to the smallest
    value) or ``constant`` (``fill_value``, default 0). ``transform(X)`` returns a copy with
    ``X'_ij = statistics_[j]`` where ``X_ij`` is NaN and ``X'_ij = X_ij`` elsewhere (bit for
    bit), so the observed mean of a column is preserved by the mean strategy.

    A column with no observed value in ``fit`` has no statistic: ``all_missing="raise"``
    refuses it, ``"drop"`` removes it in ``transform`` (``keep_columns_`` marks the columns
    kept; ``statistics_`` is NaN for dropped ones).

    Shapes: X (N, d) -> (N, d_kept), dtype of X.
    """

    strategy: str = "mean"
    fill_value: float | None = None
    all_missing: str = "raise"

    def check_params(self) -> None:
        """Refuse an unknown strategy or all_missing, and a fill_value that is not a finite
        number or comes without strategy='constant'."""
        check_choice("strategy", self.strategy, IMPUTE_STRATEGIES)
        check_choice("all_missing", self.all_missing, ("raise", "drop"))
        if self.fill_value is not None:
            if self.strategy != "constant":
                raise ValueError(
                    f"fill_value is used only with strategy='constant'; got "
                    f"fill_value={self.fill_value!r} with strategy={self.strategy!r}."
                )
            if isinstance(self.fill_value, bool) or not isinstance(self.fill_value, Real) or (
                not np.isfinite(self.fill_value)
            ):
                raise TypeError(
                    f"fill_value must be a finite number; got {describe(self.fill_value)}."
                )

    def fit(self, X: Any, y: Any = None) -> Imputer:
        """Learn ``statistics_`` (d,) and ``keep_columns_`` (d,) from the observed values."""
        X = self._fit_data(X)
        keep = ~np.isnan(X).all(axis=0)
        if not keep.all() and self.all_missing == "raise":
            raise ValueError(
                f"X has no observed value in column(s) {np.flatnonzero(~keep).tolist()}; "
                "pass all_missing='drop' to drop such columns, or remove them first."
            )
        kept = X[:, keep]
        stats = np.full(X.shape[1], np.nan, dtype=X.dtype)
        if self.strategy == "mean":
            stats[keep] = nan_mean(kept)
        elif self.strategy == "median":
            stats[keep] = np.nanmedian(kept, axis=0)
        elif self.strategy == "most_frequent":
            stats[keep] = [_most_frequent(column) for column in kept.T]
        else:
            fill = 0.0 if self.fill_value is None else float(self.fill_value)
            if abs(fill) > float(np.finfo(X.dtype).max):
                raise ValueError(
                    f"fill_value={self.fill_value!r} overflows X's dtype {X.dtype} (largest "
                    f"{np.finfo(X.dtype).max:.3g}); choose a smaller fill_value."
                )
            stats[keep] = fill
        self.statistics_ = stats
        self.keep_columns_ = keep
        self._set_n_features(X)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """A copy of X with NaN replaced by ``statistics_`` and dropped columns removed."""
        X = self._fitted_input(X)
        filled = np.where(np.isnan(X), self.statistics_.astype(X.dtype), X)
        return filled[:, self.keep_columns_]


def _time_order(
    X: np.ndarray, node: Any, time: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rows sorted by node (stably): returns order, each sorted row's node start and end
    (inclusive) positions, and the sorted time (row number when ``time`` is None)."""
    n = X.shape[0]
    codes = np.zeros(n, dtype=np.int64) if node is None else as_node_codes("node", node, n)
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    first = np.searchsorted(sorted_codes, sorted_codes, side="left")
    last = np.searchsorted(sorted_codes, sorted_codes, side="right") - 1
    t = np.arange(n, dtype=np.float64) if time is None else as_time("time", time, n)
    t = t[order]
    backwards = (np.diff(t) < 0) & (sorted_codes[1:] == sorted_codes[:-1])
    if backwards.any():
        row = int(order[np.flatnonzero(backwards)[0] + 1])
        raise ValueError(
            f"time must be non-decreasing within each node (rows in time order); row {row} "
            "goes back in time. Sort the rows by node, then time, first."
        )
    return order, first, last, t


def _unsort(filled: np.ndarray, order: np.ndarray) -> np.ndarray:
    out = np.empty_like(filled)
    out[order] = filled
    return out


def forward_fill(X: Any, node: Any = None, *, limit: int | None = None) -> np.ndarray:
    """Fill each NaN with the last observed value above it in its column and node.

    Rows are read in the given order within each node (``node`` (N,): the node id of each row;
    rows of different nodes may interleave). ``X'_ij = X_pj`` with ``p`` the last row <= i of the
    same node where column j is observed, if row i comes at most ``limit`` readings of its
    node after row p (``limit=None``: no limit); otherwise, and before a node's first
    observation, the NaN stays. Returns a new (N, d) array.
    """
    X = as_data("X", X)
    if limit is not None:
        limit = check_int("limit", limit, minimum=1)
    order, first, _, _ = _time_order(X, node, None)
    Xs = X[order]
    rows = np.arange(X.shape[0])[:, None]
    prev = np.maximum.accumulate(np.where(np.isnan(Xs), -1, rows), axis=0)
    usable = prev >= first[:, None]
    if limit is not None:
        usable &= rows - prev <= limit
    filled = np.where(usable, np.take_along_axis(Xs, np.maximum(prev, 0), axis=0), Xs)
    return _unsort(filled, order)


def interpolate(X: Any, node: Any = None, time: Any = None) -> np.ndarray:
    """Fill each NaN linearly in time between the observed values around it in its node's stream.

    With ``p`` the last row before i and ``q`` the first row after i (same node, column j
    observed) and ``t`` the time of each row (row number when ``time`` is None)::

        X'_ij = X_pj + (t_i - t_p) / (t_q - t_p) * (X_qj - X_pj)      (X_pj if t_q == t_p)

    A gap at the start or end of a node's stream has no neighbour on one side and stays NaN (follow
    with ``forward_fill`` or an ``Imputer``). ``time`` (N,) must not decrease within a node.
    Returns a new (N, d) array.
    """
    X = as_data("X", X)
    order, first, last, t = _time_order(X, node, time)
    Xs = X[order]
    n = X.shape[0]
    rows = np.arange(n)[:, None]
    missing = np.isnan(Xs)
    prev = np.maximum.accumulate(np.where(missing, -1, rows), axis=0)
    after = np.minimum.accumulate(np.where(missing, n, rows)[::-1], axis=0)[::-1]
    inside = missing & (prev >= first[:, None]) & (after <= last[:, None])
    p, q = np.where(inside, prev, 0), np.where(inside, after, 0)
    span = t[q] - t[p]
    weight = np.divide(t[:, None] - t[p], span, out=np.zeros(span.shape), where=span > 0)
    x_p = np.take_along_axis(Xs, p, axis=0)
    x_q = np.take_along_axis(Xs, q, axis=0)
    filled = np.where(inside, x_p + weight.astype(X.dtype) * (x_q - x_p), Xs)
    return _unsort(filled, order)


def drop_missing(
    X: Any, axis: int = 0, max_fraction: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Drop the rows (``axis=0``) or columns (``axis=1``) with too many NaN.

    A row (column) is kept when its fraction of NaN entries is ``<= max_fraction`` in [0, 1];
    the default 0.0 keeps only complete rows. Returns ``(X_kept, kept)`` with ``kept`` the
    boolean mask of kept rows (columns), to index ``y`` or the column names alike.
    """
    X = as_data("X", X)
    axis = check_int("axis", axis, minimum=0, maximum=1)
    max_fraction = check_in_range("max_fraction", max_fraction, 0.0, 1.0, high_inclusive=True)
    kept = np.isnan(X).mean(axis=1 - axis) <= max_fraction
    return (X[kept] if axis == 0 else X[:, kept]), kept
