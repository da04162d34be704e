"""Gradient checking: compare hand-written gradients with central finite differences.

    errors = gradcheck(model, loss, params, X, y)     # {"0.W": 3e-10, "0.b": 1e-10, ...}
    assert max(errors.values()) < 1e-6

For a scalar f and one entry x_i, the central difference

    n_i = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

has truncation error (eps^2 / 6) f'''(x) and rounding error about u |f(x)| / eps, where u is
the unit round-off of the dtype. In float64 (u = 1.1e-16) with eps = 1e-6 both are about 1e-10
relative to f. Each entry's error is reported relative to the larger of the two values:

    err_i = |a_i - n_i| / max(|a_i|, |n_i|, floor),      floor = tiny * max(1, |f(x)|)

where a is the analytic gradient. Entries much smaller than f (a saturated unit, a class
with probability ~0) would otherwise report rounding noise as a large relative error; the floor
compares them in absolute terms instead. With the defaults (eps = 1e-6, tiny = 1e-3) the noise
gives err <~ 1e-10 |f| / (1e-3 |f|) = 1e-7, while a gradient that is wrong by more than
1e-9 |f| in any entry gives err > 1e-6: check ``max(errors.values()) < 1e-6``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from numbers import Real
from typing import Any

import numpy as np

from ._types import Params
from ._validate import (
    as_float_array,
    check_int,
    check_keys,
    check_positive,
    check_seed,
    describe,
)
from .layers import Sequential
from .losses import Loss
from .train import backprop, check_data, check_model_and_loss

FLOAT32_REFUSAL = (
    "gradient checks need float64: in float32 (unit round-off 6e-8) the rounding error of a "
    "central difference, ~6e-8 |f| / eps, is 6e-2 |f| at eps = 1e-6 and no eps brings the "
    "error below ~1e-5, which would hide real bugs. Convert with .astype(np.float64) (and "
    "model.init(seed, dtype=np.float64))."
)


def _require_float64(name: str, x: np.ndarray) -> None:
    if x.dtype != np.float64:
        raise TypeError(f"{name} has dtype {x.dtype}; {FLOAT32_REFUSAL}")


def _check_function(f: Any, x: np.ndarray) -> float:
    """Check that ``f`` is a function and ``f(x)`` a finite real number; return it."""
    if isinstance(f, type) or not callable(f):
        raise TypeError(
            f"f must be a function of one array returning a number, such as "
            f"lambda p: loss(p, target); got {describe(f)}."
        )
    value = f(x.copy())
    scalar = isinstance(value, Real) or (isinstance(value, np.ndarray) and value.ndim == 0)
    if not scalar or isinstance(value, (bool, np.bool_)) or np.asarray(value).dtype.kind != "f":
        raise TypeError(
            f"f must return one floating-point number (a scalar loss); f(x) gave "
            f"{describe(value)}."
        )
    if not np.isfinite(value):
        raise ValueError(f"f(x) is {float(value)}; gradients are checked where f is finite.")
    return float(value)


def _central_differences(
    f: Callable[[np.ndarray], float], x: np.ndarray, flat_indices: Iterable[int], eps: float
) -> np.ndarray:
    """(f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for each flat index i; x is not modified."""
    values = []
    for i in flat_indices:
        shifted = x.copy()
        shifted.flat[i] = x.flat[i] + eps
        forward = f(shifted)
        shifted.flat[i] = x.flat[i] - eps
        backward = f(shifted)
        values.append((forward - backward) / (2 * eps))
    return np.array(values, dtype=np.float64)


def numerical_grad(f: Callable[[np.ndarray], float], x: Any, eps: float = 1e-6) -> np.ndarray:
    """The gradient of a scalar function ``f`` at ``x`` by central differences (shape of x).

        g_i = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

    Costs 2 x.size calls of f. x must be float64 (see the module docstring); it is not
    modified (f receives perturbed copies).
    """
    x = as_float_array("x", x)
    _require_float64("x", x)
    eps = check_positive("eps", eps)
    _check_function(f, x)
    return _central_differences(f, x, range(x.size), eps).reshape(x.shape)


def relative_error(analytic: Any, numerical: Any, floor: float) -> np.ndarray:
    """Elementwise ``|a - n| / max(|a|, |n|, floor)``: arrays of one shape and dtype, floor > 0.

    NaN in ``analytic`` (a broken gradient) gives NaN, which fails every ``< tolerance`` check.
    """
    analytic = as_float_array("analytic", analytic, allow_nan=True)
    numerical = as_float_array("numerical", numerical, allow_nan=True)
    if analytic.shape != numerical.shape:
        raise ValueError(
            f"analytic has shape {analytic.shape} but numerical has {numerical.shape}; they "
            "must match."
        )
    floor = check_positive("floor", floor)
    return _relative_error(analytic, numerical, floor)


def _relative_error(analytic: np.ndarray, numerical: np.ndarray, floor: float) -> np.ndarray:
    """``relative_error`` on checked arrays."""
    scale = np.maximum(np.maximum(np.abs(analytic), np.abs(numerical)), floor)
    return np.abs(analytic - numerical) / scale


def grad_error(
    f: Callable[[np.ndarray], float],
    x: Any,
    analytic: Any,
    eps: float = 1e-6,
    tiny: float = 1e-3,
) -> float:
    """Largest ``|a_i - n_i| / max(|a_i|, |n_i|, tiny * max(1, |f(x)|))`` over the entries of x.

    ``analytic`` is your gradient of the scalar ``f`` at ``x`` (same shape as x); n is
    ``numerical_grad(f, x, eps)``. Use it to check any hand-written gradient, e.g. a loss's:
    ``grad_error(lambda p: loss(p, t), pred, loss.grad(pred, t)) < 1e-6``.
    """
    x = as_float_array("x", x)
    analytic = as_float_array("analytic", analytic, allow_nan=True)
    if analytic.shape != x.shape:
        raise ValueError(
            f"analytic has shape {analytic.shape} but x has {x.shape}; they must match."
        )
    tiny = check_positive("tiny", tiny)
    numerical = numerical_grad(f, x, eps)
    floor = tiny * max(1.0, abs(_check_function(f, x)))
    return float(_relative_error(analytic, numerical, floor).max())


def gradcheck(
    model: Sequential,
    loss: Loss,
    params: Params,
    X: Any,
    y: Any,
    eps: float = 1e-6,
    keys: Iterable[str] | None = None,
    max_entries: int | None = None,
    seed: int = 0,
    tiny: float = 1e-3,
) -> dict[str, float]:
    """Largest relative error, per parameter key, of backprop's gradient vs central differences.

    Analytic gradient: ``loss.value_and_grad(model.forward(params, X))`` then
    ``model.backward`` (``train.backprop``, the path ``mt.value_and_grad`` takes). Numerical
    gradient: central differences of ``loss(model.forward(params', X), y)`` in each checked
    entry. ``keys`` restricts the check (default: every key); ``max_entries`` checks that many
    entries per key, chosen with ``np.random.default_rng(seed)`` (default: all). Returns
    ``{key: max_i |a_i - n_i| / max(|a_i|, |n_i|, tiny * max(1, |f|))}`` (see the module
    docstring for why the floor scales with the loss f). params, X and y are not modified;
    everything must be float64.
    """
    check_model_and_loss(model, loss)
    X, y = check_data(model, loss, params, X, y)
    for key, value in params.items():
        _require_float64(f"params[{key!r}]", value)
    _require_float64("X", X)
    eps = check_positive("eps", eps)
    tiny = check_positive("tiny", tiny)
    chosen = list(params) if keys is None else check_keys("keys", keys, params)
    if not chosen:  # an empty check would pass whatever backprop computes
        raise ValueError(
            "keys is empty (or the model has no parameters): nothing would be checked; name "
            "at least one parameter, or pass keys=None for all of them."
        )
    if max_entries is not None:
        max_entries = check_int("max_entries", max_entries, minimum=1)
    seed = check_seed("seed", seed)

    value, grads, _ = backprop(model, loss, params, X, y)
    floor = tiny * max(1.0, abs(value))

    rng = np.random.default_rng(seed)
    errors = {}
    for key in chosen:

        def f(value: np.ndarray, key: str = key) -> float:
            return loss(model.forward({**params, key: value}, X)[0], y)

        size = params[key].size
        if max_entries is None or max_entries >= size:
            flat = np.arange(size)
        else:
            flat = np.sort(rng.choice(size, max_entries, replace=False))
        numerical = _central_differences(f, params[key], flat, eps)
        analytic = grads[key].reshape(-1)[flat]
        errors[key] = float(_relative_error(analytic, numerical, floor).max())
    return errors
