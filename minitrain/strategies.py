"""Hypothesis strategies for writing your own property tests of minitrain code.

    from hypothesis import given
    import minitrain.strategies as mts

    @given(mts.regression_problems(condition_number=10.0))
    def test_ols_solves_the_normal_equations(problem): ...

Needs ``hypothesis`` (a test dependency); ``import minitrain`` alone never imports this module.
Every argument documented as "an int or a strategy" may be a fixed value or a strategy to draw
it from. Random matrices come from ``np.random.default_rng(seed)`` with a drawn seed, so a
failing example replays exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
from hypothesis import strategies as st

from ._validate import (
    check_dtype,
    check_flag,
    check_in_range,
    check_instance,
    check_int,
    check_positive,
)
from .layers import Sequential

__all__ = [
    "ClassificationProblem",
    "RegressionProblem",
    "classification_problems",
    "finite_arrays",
    "matrix_with_condition_number",
    "params_for",
    "regression_problems",
]

seeds = st.integers(min_value=0, max_value=2**32 - 1)
# Default ranges, small enough for fast tests (module-level: strategies are immutable).
SAMPLES = st.integers(8, 40)
FEATURES = st.integers(1, 5)
CONDITION_NUMBERS = st.floats(1.0, 100.0)
CLASSES = st.integers(2, 5)
CLASS_SAMPLES = st.integers(10, 40)
SPREADS = st.floats(0.1, 2.0)


def _strategy(value: Any) -> st.SearchStrategy:
    return value if isinstance(value, st.SearchStrategy) else st.just(value)


def _representable_inside(low: float, high: float, dtype: np.dtype) -> tuple[float, float]:
    """The bounds rounded inwards to values of ``dtype`` (hypothesis needs them exact)."""
    low_d, high_d = dtype.type(low), dtype.type(high)
    if low_d < low:
        low_d = np.nextafter(low_d, dtype.type(np.inf))
    if high_d > high:
        high_d = np.nextafter(high_d, dtype.type(-np.inf))
    if not low_d <= high_d:
        raise ValueError(f"min_value {low} must be <= max_value {high} (in {dtype}).")
    return float(low_d), float(high_d)


def finite_arrays(
    shape: Any,
    dtype: Any = np.float64,
    min_value: float = -10.0,
    max_value: float = 10.0,
    **kwargs: Any,
) -> st.SearchStrategy[np.ndarray]:
    """Arrays of ``shape`` (a tuple or a strategy, e.g. ``hnp.array_shapes()``) with finite
    elements in [min_value, max_value], representable in ``dtype`` (no NaN, no inf).

    A thin wrapper around ``hypothesis.extra.numpy.arrays``; extra keywords go to it.
    """
    dtype = check_dtype("dtype", dtype)
    min_value = check_in_range("min_value", min_value, -np.inf, np.inf)
    max_value = check_in_range("max_value", max_value, -np.inf, np.inf)
    low, high = _representable_inside(min_value, max_value, dtype)
    elements = st.floats(
        low,
        high,
        allow_nan=False,
        allow_infinity=False,
        allow_subnormal=False,
        width=8 * dtype.itemsize,
    )
    return hnp.arrays(dtype, shape, elements=elements, **kwargs)


@dataclass(frozen=True)
class RegressionProblem:
    """A linear regression problem ``y = X coef + intercept + noise``.

    X (N, D); y (N, K); coef (D, K); intercept (K,); ``condition_number`` is cond(X).
    """

    X: np.ndarray
    y: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray
    condition_number: float
    noise: float


def matrix_with_condition_number(
    rng: np.random.Generator, n_samples: int, n_features: int, condition_number: float
) -> np.ndarray:
    r"""X = sqrt(N) U diag(s) V^T with s geometrically spaced from 1 down to 1/kappa.

    U (N, D) has orthonormal columns and V (D, D) is orthogonal (QR of Gaussian matrices), so
    the singular values of X are sqrt(N) s and cond(X) = s_max / s_min = kappa exactly (up to
    rounding): built, not filtered. The sqrt(N) keeps features of order one, so the MSE
    Hessian (2/N) X^T X has eigenvalues 2 s_i^2 in [2 / kappa^2, 2]. With one feature,
    cond(X) = 1. Needs n_samples >= n_features >= 1 and condition_number >= 1.
    """
    check_instance("rng", rng, np.random.Generator, "np.random.default_rng(0)")
    n_features = check_int("n_features", n_features, minimum=1)
    n_samples = check_int("n_samples", n_samples, minimum=n_features)
    condition_number = check_positive("condition_number", condition_number)
    if condition_number < 1:
        raise ValueError(f"condition_number must be >= 1; got {condition_number}.")
    U = np.linalg.qr(rng.standard_normal((n_samples, n_features)))[0]
    V = np.linalg.qr(rng.standard_normal((n_features, n_features)))[0]
    s = np.geomspace(1.0, 1.0 / condition_number, n_features)
    return np.sqrt(n_samples) * (U * s) @ V.T


@st.composite
def regression_problems(
    draw: Any,
    n_samples: Any = SAMPLES,
    n_features: Any = FEATURES,
    condition_number: Any = CONDITION_NUMBERS,
    noise: Any = 0.0,
    n_targets: Any = 1,
    fit_intercept: bool = True,
    dtype: Any = np.float64,
) -> RegressionProblem:
    """Linear regression problems whose design matrix has a chosen condition number.

    X is built by ``matrix_with_condition_number`` (cond(X) = condition_number when
    n_features >= 2, else 1); coef and intercept ~ Uniform[-2, 2] (intercept 0 without
    ``fit_intercept``); y = X coef + intercept + noise * e, e ~ N(0, 1). Each argument but
    ``fit_intercept`` and ``dtype`` is a value or a strategy. Values are computed in float64
    and cast to ``dtype`` once.
    """
    dtype = check_dtype("dtype", dtype)
    fit_intercept = check_flag("fit_intercept", fit_intercept)
    D = check_int("n_features", draw(_strategy(n_features)), minimum=1)
    N = check_int("n_samples", draw(_strategy(n_samples)), minimum=1)
    if N < D:
        raise ValueError(
            f"n_samples ({N}) must be >= n_features ({D}) for X to have full column rank; "
            "draw n_samples from a range above n_features."
        )
    kappa = check_positive("condition_number", draw(_strategy(condition_number)))
    if kappa < 1:
        raise ValueError(f"condition_number must be >= 1; got {kappa}.")
    noise_level = check_positive("noise", draw(_strategy(noise)), allow_zero=True)
    K = check_int("n_targets", draw(_strategy(n_targets)), minimum=1)
    rng = np.random.default_rng(draw(seeds))
    X = matrix_with_condition_number(rng, N, D, kappa)
    coef = rng.uniform(-2.0, 2.0, size=(D, K))
    intercept = rng.uniform(-2.0, 2.0, size=K) if fit_intercept else np.zeros(K)
    y = X @ coef + intercept + noise_level * rng.standard_normal((N, K))
    return RegressionProblem(
        X.astype(dtype),
        y.astype(dtype),
        coef.astype(dtype),
        intercept.astype(dtype),
        kappa if D >= 2 else 1.0,
        noise_level,
    )


@dataclass(frozen=True)
class ClassificationProblem:
    """Gaussian clusters: X (N, D), integer labels y (N,) in [0, C), the class centres (C, D)."""

    X: np.ndarray
    y: np.ndarray
    centres: np.ndarray
    n_classes: int


@st.composite
def classification_problems(
    draw: Any,
    n_classes: Any = CLASSES,
    n_samples: Any = CLASS_SAMPLES,
    n_features: Any = FEATURES,
    spread: Any = SPREADS,
    dtype: Any = np.float64,
) -> ClassificationProblem:
    """Classification problems with every class present.

    centre_c ~ Uniform[-3, 3]^D; y = arange(N) % C shuffled (so each class has N // C or
    N // C + 1 rows); X_i = centre_{y_i} + spread * e_i, e_i ~ N(0, I). Needs N >= C.
    """
    dtype = check_dtype("dtype", dtype)
    C = check_int("n_classes", draw(_strategy(n_classes)), minimum=2)
    N = check_int("n_samples", draw(_strategy(n_samples)), minimum=C)
    D = check_int("n_features", draw(_strategy(n_features)), minimum=1)
    scale = check_positive("spread", draw(_strategy(spread)), allow_zero=True)
    rng = np.random.default_rng(draw(seeds))
    centres = rng.uniform(-3.0, 3.0, size=(C, D))
    y = rng.permutation(np.arange(N) % C)
    X = centres[y] + scale * rng.standard_normal((N, D))
    return ClassificationProblem(X.astype(dtype), y.astype(np.int64), centres.astype(dtype), C)


def params_for(
    model: Sequential,
    dtype: Any = np.float64,
    elements: st.SearchStrategy[float] | None = None,
) -> st.SearchStrategy[dict[str, np.ndarray]]:
    """Parameter dicts for ``model``: the keys, order and shapes of ``model.init``, in ``dtype``.

    ``elements`` defaults to finite floats in [-1, 1] (the scale of the initialisers).
    """
    check_instance("model", model, Sequential, "mt.Sequential([mt.Dense(4, 1)])")
    dtype = check_dtype("dtype", dtype)
    if elements is not None and not isinstance(elements, st.SearchStrategy):
        raise TypeError(
            f"elements must be a hypothesis strategy such as st.floats(-1, 1); got "
            f"{type(elements).__name__} {elements!r}."
        )
    if elements is None:
        elements = st.floats(
            -1.0, 1.0, allow_nan=False, allow_subnormal=False, width=8 * dtype.itemsize
        )
    shapes = model.param_shapes()
    arrays = {key: hnp.arrays(dtype, shape, elements=elements) for key, shape in shapes.items()}
    # fixed_dictionaries may reorder keys; params are ordered like model.init's.
    return st.fixed_dictionaries(arrays).map(lambda drawn: {key: drawn[key] for key in shapes})
