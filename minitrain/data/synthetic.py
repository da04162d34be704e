"""Synthetic data sets, a train/test split and the minibatch iterator.

    X, y = make_linear(n=100)                 # y = 2x + 1 + noise, X (100, 1), y (100, 1)
    X, y = make_blobs(n_samples=300)          # Gaussian clusters, integer labels (300,)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_fraction=0.25, seed=0)
    for rows in minibatches(len(X), 32, np.random.default_rng(0)): ...

Every function draws from ``np.random.default_rng(seed)``: the same seed gives the same data.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .._validate import (
    check_dtype,
    check_flag,
    check_float_dtype,
    check_in_range,
    check_int,
    check_positive,
    check_seed,
    describe,
)

__all__ = ["make_blobs", "make_linear", "minibatches", "train_test_split"]


def _finite(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{name} must be a number; got {describe(value)}.")
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite; got {value!r}.")
    return float(value)


def _representable(names: str, values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``values`` (drawn in float64) cast to ``dtype``, or a ValueError naming the arguments
    that made them too large for it."""
    with np.errstate(over="ignore"):
        cast = values.astype(dtype)
    if not np.isfinite(cast).all():
        wider = " or dtype=np.float64" if dtype == np.float32 else ""
        raise ValueError(
            f"the values drawn exceed the range of {dtype} (largest "
            f"{np.finfo(dtype).max:.3g}); choose a smaller {names}{wider}."
        )
    return cast


def make_linear(
    n: int = 100,
    coef: float = 2.0,
    intercept: float = 1.0,
    noise: float = 0.5,
    seed: int = 0,
    dtype: Any = np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """The classic first regression problem, ``y = coef * x + intercept + noise``.

        x_i ~ Uniform[-1, 1],    y_i = coef * x_i + intercept + noise * e_i,    e_i ~ N(0, 1)

    Returns X (n, 1) and y (n, 1) of ``dtype`` (drawn in float64, then cast once).
    """
    n = check_int("n", n, minimum=1)
    coef = _finite("coef", coef)
    intercept = _finite("intercept", intercept)
    noise = check_positive("noise", noise, allow_zero=True)
    dtype = check_dtype("dtype", dtype)
    rng = np.random.default_rng(check_seed("seed", seed))
    X = rng.uniform(-1.0, 1.0, size=(n, 1))
    with np.errstate(over="ignore", invalid="ignore"):
        y = coef * X + intercept + noise * rng.standard_normal((n, 1))
    return X.astype(dtype), _representable("coef, intercept or noise", y, dtype)


def make_blobs(
    n_samples: int = 300,
    n_classes: int = 3,
    n_features: int = 2,
    spread: float = 1.0,
    seed: int = 0,
    dtype: Any = np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters, one per class: a small classification problem.

        centre_c ~ Uniform[-10, 10]^D,     X_i = centre_{y_i} + spread * e_i,   e_i ~ N(0, I_D)

    Labels are balanced: ``y`` is ``arange(N) % C`` shuffled, so every class appears when
    N >= C. Returns X (N, D) of ``dtype`` and integer labels y (N,) (int64).
    """
    n_classes = check_int("n_classes", n_classes, minimum=2)
    n_samples = check_int("n_samples", n_samples, minimum=n_classes)
    n_features = check_int("n_features", n_features, minimum=1)
    spread = check_positive("spread", spread, allow_zero=True)
    dtype = check_dtype("dtype", dtype)
    rng = np.random.default_rng(check_seed("seed", seed))
    centres = rng.uniform(-10.0, 10.0, size=(n_classes, n_features))
    y = rng.permutation(np.arange(n_samples) % n_classes)
    with np.errstate(over="ignore", invalid="ignore"):
        X = centres[y] + spread * rng.standard_normal((n_samples, n_features))
    return _representable("spread", X, dtype), y.astype(np.int64)


def _split_indices(
    n: int, test_fraction: float, rng: np.random.Generator, labels: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted (train, test) row indices; with labels, each class is split in the same ratio."""
    groups = (
        [np.arange(n)]
        if labels is None
        else [np.flatnonzero(labels == c) for c in np.unique(labels)]
    )
    test = []
    for rows in groups:
        n_test = round(test_fraction * len(rows))
        test.append(rng.permutation(rows)[:n_test])
    test_rows = np.sort(np.concatenate(test))
    if not 0 < len(test_rows) < n:
        raise ValueError(
            f"test_fraction={test_fraction} of {n} rows leaves {len(test_rows)} test rows; "
            "choose a fraction that puts at least one row in each part."
        )
    train_rows = np.setdiff1d(np.arange(n), test_rows, assume_unique=True)
    return train_rows, test_rows


def train_test_split(
    X: Any, y: Any, test_fraction: float = 0.25, seed: int = 0, stratify: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split the rows of (X, y) at random into a training and a test part.

    ``round(test_fraction * N)`` rows go to the test part (with ``stratify``, that many of
    each class of the integer labels ``y``, so both parts keep the class proportions). Rows keep
    their original order within each part. NaN is allowed (split before cleaning, so cleaners
    learn from the training part only). Returns ``(X_train, X_test, y_train, y_test)``, new
    arrays (the inputs are not modified).
    """
    for name, array in (("X", X), ("y", y)):
        if not isinstance(array, np.ndarray):
            raise TypeError(f"{name} must be an ndarray; got {describe(array)}.")
        if array.ndim == 0:
            raise ValueError(f"{name} must have one row per sample; got a 0-d array.")
        if array.dtype.kind == "f":
            check_float_dtype(name, array.dtype)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}; they must match.")
    n = check_int("len(X)", len(X), minimum=2)
    test_fraction = check_in_range("test_fraction", test_fraction, 0.0, 1.0, low_inclusive=False)
    seed = check_seed("seed", seed)
    labels = None
    if check_flag("stratify", stratify):
        if y.ndim != 1 or y.dtype.kind not in "iu":
            raise ValueError(
                f"stratify=True needs integer class labels y of shape (N,); got {describe(y)}."
            )
        labels = y
    train_rows, test_rows = _split_indices(n, test_fraction, np.random.default_rng(seed), labels)
    return X[train_rows], X[test_rows], y[train_rows], y[test_rows]


def minibatches(
    n_samples: int,
    batch_size: int | None,
    rng: np.random.Generator | None,
    *,
    drop_last: bool = False,
) -> Iterator[np.ndarray]:
    """Yield the row indices of one epoch's minibatches: each row exactly once.

    With ``rng`` the order is ``rng.permutation(n_samples)`` (one call, so an epoch's batches
    depend only on the generator's state); with ``rng=None`` rows stay in order.
    ``batch_size=None`` (or >= n_samples) is one full batch of all rows in order: shuffling a
    single batch would change nothing but the summation order. The last batch holds the
    remaining ``n_samples % batch_size`` rows unless ``drop_last``.
    """
    n_samples = check_int("n_samples", n_samples, minimum=1)
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, minimum=1)
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator (np.random.default_rng(seed)) or None; "
            f"got {describe(rng)}."
        )
    if check_flag("drop_last", drop_last) and batch_size is not None and batch_size > n_samples:
        raise ValueError(
            f"drop_last=True with batch_size={batch_size} > n_samples={n_samples} would yield "
            "no batch; lower batch_size or set drop_last=False."
        )
    if batch_size is None or batch_size >= n_samples:
        return iter([np.arange(n_samples)])
    order = np.arange(n_samples) if rng is None else rng.permutation(n_samples)
    stop = n_samples - n_samples % batch_size if drop_last else n_samples
    return (order[start : start + batch_size] for start in range(0, stop, batch_size))
