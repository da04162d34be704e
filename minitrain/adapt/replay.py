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

import numpy as np

from .._validate import check_int, describe

__all__ = ["Reservoir"]


class Reservoir:
    """A uniform sample of at most ``capacity`` (x, y) rows of a stream (Algorithm R).

    Storage is allocated at the first ``add`` for exactly ``capacity`` rows, so ``nbytes`` is
    what a device reserves for it. Attributes: ``X_``, ``y_`` (the stored rows; the first
    ``size`` are filled), ``n_seen_`` (rows offered so far).
    """

    def __init__(self, capacity: int, seed: int = 0) -> None:
        self.capacity = check_int("capacity", capacity, minimum=1)
        self.seed = check_int("seed", seed)
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

    def add(self, X: np.ndarray, y: np.ndarray) -> None:
        """Offer the rows of X (B, d) and y (B, ...) to the reservoir, in order."""
        if not isinstance(X, np.ndarray) or X.ndim != 2:
            raise ValueError(f"X must be a 2-D array of rows; got {describe(X)}.")
        y = np.asarray(y)
        if y.shape[:1] != X.shape[:1]:
            raise ValueError(f"y must have {X.shape[0]} rows like X; got shape {y.shape}.")
        if self.X_ is None:
            self.X_ = np.zeros((self.capacity, *X.shape[1:]), dtype=X.dtype)
            self.y_ = np.zeros((self.capacity, *y.shape[1:]), dtype=y.dtype)
        elif X.shape[1:] != self.X_.shape[1:] or y.shape[1:] != self.y_.shape[1:]:
            raise ValueError(
                f"rows must be shaped like the stored ones, {self.X_.shape[1:]} and "
                f"{self.y_.shape[1:]}; got {X.shape[1:]} and {y.shape[1:]}."
            )
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
