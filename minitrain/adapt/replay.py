"""Rehearsal memory: a fixed-size uniform sample of the stream (reservoir sampling).

Algorithm R (Vitter 1985): the buffer holds ``capacity`` items. Item number n (1-based) of the
stream is stored directly while n <= capacity; afterwards it replaces the item in slot j,
``j ~ U{0, ..., n - 1}``, when j < capacity (so with probability capacity / n).

Why it is uniform: by induction, after n items each of them is in the buffer with
probability c/n (c = capacity). Item n enters with probability c/n. An earlier item, present
with probability c/(n-1), survives step n unless item n enters *and* lands on its slot,
probability (c/n)(1/c) = 1/n: c/(n-1) * (1 - 1/n) = c/n.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import as_float_array, check_float_dtype, check_int, check_seed, describe

__all__ = ["Reservoir"]


class Reservoir:
    """A uniform sample of at most ``capacity`` (x, y) rows of a stream (Algorithm R).

    Storage is allocated at the first ``add`` for exactly ``capacity`` rows, so ``nbytes`` is
    what a device reserves for it. Attributes: ``X_``, ``y_`` (the stored rows; the first
    ``size`` are filled), ``n_seen_`` (rows offered so far).
    """

    def __init__(self, capacity: int, seed: int = 0) -> None:
        self.capacity = check_int("capacity", capacity, minimum=1)
        self.seed = check_seed("seed", seed)
        self._rng = np.random.default_rng(seed)
        self.X_: np.ndarray | None = None
        self.y_: np.ndarray | None = None
        self.n_seen_ = 0

    @classmethod
    def within(cls, max_bytes: int, row_bytes: int, seed: int = 0) -> Reservoir:
        """The largest reservoir whose rows (``row_bytes`` each, x and y) fit ``max_bytes``."""
        max_bytes = check_int("max_bytes", max_bytes, minimum=1)
        row_bytes = check_int("row_bytes", row_bytes, minimum=1)
        if max_bytes < row_bytes:
            raise ValueError(
                f"max_bytes={max_bytes} holds no row of {row_bytes} bytes; give at least "
                f"{row_bytes} bytes."
            )
        return cls(max_bytes // row_bytes, seed)

    @property
    def size(self) -> int:
        """Rows stored: min(n_seen_, capacity)."""
        return min(self.n_seen_, self.capacity)

    @property
    def nbytes(self) -> int:
        """Bytes of the storage (0 before the first ``add``)."""
        return 0 if self.X_ is None else int(self.X_.nbytes + self.y_.nbytes)

    def check_rows(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """(X, y) as ``add`` takes them, or raise: X (B, d) finite float32/float64, y (B, ...)
        finite numbers; once rows are stored, the same row shapes, X's dtype and a y dtype
        that converts to the stored one without loss (never a float label into int storage)."""
        X = as_float_array("X", X, ndim=2)
        y = y if isinstance(y, np.ndarray) else np.asarray(y)
        if y.dtype.kind not in "biuf":
            raise TypeError(f"y must hold numbers (labels or targets); got {describe(y)}.")
        if y.dtype.kind == "f":
            check_float_dtype("y", y.dtype)
            if not np.isfinite(y).all():
                raise ValueError("y contains NaN or infinite values; clean the stream first.")
        if y.shape[:1] != X.shape[:1]:
            raise ValueError(f"y must have {X.shape[0]} rows like X; got shape {y.shape}.")
        if self.X_ is not None:
            if X.shape[1:] != self.X_.shape[1:] or y.shape[1:] != self.y_.shape[1:]:
                raise ValueError(
                    f"X and y rows must be shaped like the stored ones, {self.X_.shape[1:]} and "
                    f"{self.y_.shape[1:]}; got {X.shape[1:]} and {y.shape[1:]}."
                )
            if X.dtype != self.X_.dtype:
                raise TypeError(f"X has dtype {X.dtype} but the stored rows {self.X_.dtype}; "
                                f"convert it, e.g. X.astype(np.{self.X_.dtype}).")  # fmt: skip
            if not np.can_cast(y.dtype, self.y_.dtype, casting="safe"):
                raise TypeError(
                    f"y has dtype {y.dtype} but the stored targets {self.y_.dtype}; storing it "
                    f"would round or truncate: give y the stored dtype."
                )
        return X, y

    def add(self, X: Any, y: Any) -> None:
        """Offer the rows of X (B, d) and y (B, ...) to the reservoir, in order."""
        X, y = self.check_rows(X, y)
        if self.X_ is None:
            self.X_ = np.zeros((self.capacity, *X.shape[1:]), dtype=X.dtype)
            self.y_ = np.zeros((self.capacity, *y.shape[1:]), dtype=y.dtype)
        for x_row, y_row in zip(X, y):
            self.n_seen_ += 1
            if self.n_seen_ <= self.capacity:
                slot = self.n_seen_ - 1
            else:
                slot = int(self._rng.integers(0, self.n_seen_))
                if slot >= self.capacity:
                    continue
            self.X_[slot] = x_row
            self.y_[slot] = y_row

    def sample(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """k stored rows drawn uniformly without replacement (fewer if fewer are stored)."""
        k = check_int("k", k, minimum=0)
        if self.X_ is None:
            raise ValueError("the reservoir is empty: add rows before sampling.")
        rows = self._rng.choice(self.size, size=min(k, self.size), replace=False)
        return self.X_[rows], self.y_[rows]

    def __repr__(self) -> str:
        return f"Reservoir(capacity={self.capacity}, seed={self.seed})"
