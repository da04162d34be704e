r"""The F distribution's tail without SciPy: the regularized incomplete beta function.

The p-value of an F statistic with (d1, d2) degrees of freedom is its upper tail,

    P(F' > F) = I_x(d2/2, d1/2),       x = d2 / (d2 + d1 F),

where I_x(a, b) = B(x; a, b) / B(a, b) = (1 / B(a, b)) int_0^x t^(a-1) (1-t)^(b-1) dt is the
regularized incomplete beta function. It is evaluated by its continued fraction (Numerical
Recipes, 6.4; Abramowitz and Stegun 26.5.8)

    I_x(a, b) = x^a (1-x)^b / (a B(a, b)) * 1 / (1 + d_1 / (1 + d_2 / (1 + ...)))
    d_{2m+1} = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))
    d_{2m}   = m (b - m) x / ((a + 2m - 1)(a + 2m))

with the modified Lentz algorithm. The fraction converges fast for x < (a + 1)/(a + b + 2);
above that, the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) is used, with 1 - x computed from its
own formula (d1 F / (d2 + d1 F)) rather than by subtraction. Small tails (small p-values) are
always computed directly, never as 1 minus something, so they keep their relative accuracy
down to the smallest normal float.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._validate import check_float_dtype, check_positive, describe

__all__ = ["betainc", "f_sf"]

_TINY = 1e-300
_EPS = 1e-16
_MAX_TERMS = 100_000


def _stirling_tail(z: np.ndarray) -> np.ndarray:
    """s(z) = lgamma(z) - [(z - 1/2) log z - z + log(2 pi)/2], its series for z >= 20."""
    w = 1.0 / (z * z)
    return (1 / 12 - w * (1 / 360 - w * (1 / 1260 - w * (1 / 1680 - w / 1188)))) / z


def _log_beta(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """log B(a, b). With big = max(a, b) >= 20 and small = min(a, b), Stirling's series gives

        log B = lgamma(small) + (big - 1/2) log1p(-small / (big + small))
                - small log(big + small) + small + s(big) - s(big + small),

    which avoids subtracting two lgamma values of size ~ big log big (each off by an ulp of
    that size: 1e-12 for big ~ 1000, enough to spoil a p-value at 1e-11)."""
    lgamma = np.vectorize(math.lgamma, otypes=[np.float64])
    big, small = np.maximum(a, b), np.minimum(a, b)
    plain = lgamma(a) + lgamma(b) - lgamma(a + b)
    large = big >= 20
    if not large.any():
        return plain
    B, S = big[large], small[large]
    plain[large] = (lgamma(S) + (B - 0.5) * np.log1p(-S / (B + S)) - S * np.log(B + S) + S
                    + _stirling_tail(B) - _stirling_tail(B + S))  # fmt: skip
    return plain


def _continued_fraction(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The fraction 1 / (1 + d_1 / (1 + d_2 / ...)) by modified Lentz, vectorized."""
    c = np.ones_like(x)
    d = 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
    h = d.copy()
    active = np.ones(x.shape, dtype=bool)
    for m in range(1, _MAX_TERMS):
        if not active.any():
            break
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / np.where(np.abs(d) < _TINY, _TINY, d)
            c = 1.0 + numerator / c
            c = np.where(np.abs(c) < _TINY, _TINY, c)
            delta = c * d
            h = np.where(active, h * delta, h)
        active &= np.abs(delta - 1.0) > _EPS
    return h


def _betainc(a: np.ndarray, b: np.ndarray, x: np.ndarray, one_minus_x: np.ndarray) -> np.ndarray:
    """I_x(a, b) for 1-D float64 arrays, with 1 - x given separately (no cancellation)."""
    result = np.where(x <= 0.0, 0.0, 1.0)  # I_0 = 0, I_1 = 1
    inner = (x > 0.0) & (one_minus_x > 0.0)
    direct = inner & (x < (a + 1.0) / (a + b + 2.0))
    mirror = inner & ~direct
    for mask, p, q, u, v in ((direct, a, b, x, one_minus_x), (mirror, b, a, one_minus_x, x)):
        if mask.any():
            p_, q_, u_, v_ = p[mask], q[mask], u[mask], v[mask]
            log_front = p_ * np.log(u_) + q_ * np.log(v_) - _log_beta(p_, q_) - np.log(p_)
            value = np.exp(log_front) * _continued_fraction(p_, q_, u_)
            result[mask] = value if mask is direct else 1.0 - value
    return result


def _dtype_of(value: Any) -> np.dtype:
    """The dtype a result follows: float32 for float32 input, float64 otherwise (integers and
    Python floats included)."""
    dtype = getattr(value, "dtype", None)
    return np.dtype(np.float32) if dtype == np.float32 else np.dtype(np.float64)


def _real(name: str, value: Any) -> np.ndarray:
    """``value`` (a real number or an array of them) as float64; integers are exact there.

    Booleans, complex numbers, strings, objects and float16 are refused, never converted.
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a real number or array; got {describe(value)}.")
    try:
        arr = np.asarray(value)
    except ValueError:  # ragged nested lists
        raise TypeError(f"{name} must be a real number or a rectangular array; got ragged "
                        "input.") from None  # fmt: skip
    if arr.dtype.kind not in "iuf":
        shown = arr if isinstance(value, (list, tuple, np.ndarray)) else value
        raise TypeError(f"{name} must be a real number or array; got {describe(shown)}.")
    if arr.dtype.kind == "f":
        check_float_dtype(name, arr.dtype)
    return arr.astype(np.float64)


def betainc(a: float | np.ndarray, b: float | np.ndarray, x: float | np.ndarray) -> np.ndarray:
    """The regularized incomplete beta function I_x(a, b), a, b > 0, x in [0, 1].

    Arrays broadcast together; see the module docstring for the method and its accuracy.
    Computed in float64; returned in float32 when x is float32, else float64.
    """
    dtype = _dtype_of(x)
    a, b, x = _real("a", a), _real("b", b), _real("x", x)
    for name, value in (("a", a), ("b", b)):
        if np.any(~(value > 0)):
            bad = int(np.count_nonzero(~(value > 0)))
            raise ValueError(f"betainc needs {name} > 0 (the beta function diverges "
                             f"otherwise); {name} has {bad} value(s) <= 0 or NaN.")  # fmt: skip
    if np.any(~((x >= 0) & (x <= 1))):
        bad = int(np.count_nonzero(~((x >= 0) & (x <= 1))))
        raise ValueError(f"betainc needs x in [0, 1]; x has {bad} value(s) outside or NaN.")
    try:
        a, b, x = np.broadcast_arrays(a, b, x)
    except ValueError:
        raise ValueError(f"a, b and x must broadcast to one shape; got shapes {a.shape}, "
                         f"{b.shape} and {x.shape}.") from None  # fmt: skip
    shape = x.shape
    a, b, x = (v.ravel() for v in (a, b, x))
    return _betainc(a, b, x, 1.0 - x).reshape(shape).astype(dtype, copy=False)


def f_sf(F: np.ndarray, d1: float, d2: float) -> np.ndarray:
    """Upper tail P(F' > F) of the F distribution with (d1, d2) degrees of freedom, computed
    in float64 and returned in F's dtype when it is float32 (else float64).

        p = I_x(d2/2, d1/2),  x = d2 / (d2 + d1 F),  1 - x = d1 F / (d2 + d1 F)

    F = inf gives p = 0; F <= 0 gives p = 1; NaN stays NaN. d1, d2: finite numbers > 0.
    """
    dtype = _dtype_of(F)
    F = _real("F", F)
    d1 = check_positive("d1", d1)
    d2 = check_positive("d2", d2)
    shape = F.shape
    F = F.ravel()
    p = np.full(F.shape, np.nan)
    finite = np.isfinite(F) & (F > 0)
    p[F <= 0] = 1.0
    p[F == np.inf] = 0.0
    if finite.any():
        f = F[finite]
        denominator = d2 + d1 * f
        half_d2 = np.full(f.shape, d2 / 2.0)
        half_d1 = np.full(f.shape, d1 / 2.0)
        p[finite] = _betainc(half_d2, half_d1, d2 / denominator, d1 * f / denominator)
    return p.reshape(shape).astype(dtype, copy=False)
