"""Uniform quantization of parameters to b-bit integers (b = 2..8, stored as int8).

A float array w is stored as integers q with a scale s (and a zero point z) and read back as

    w_hat = (q - z) * s                                  |w - w_hat| <= s / 2

Schemes (q_max = 2^(b-1) - 1):
    "symmetric": z = 0, q in [-q_max, q_max],  s = max|w| / q_max            (range [-m, m])
    "affine":    q in [-2^(b-1), q_max],       s = (hi - lo) / (2^b - 1),
                 lo = min(min w, 0), hi = max(max w, 0),  z = q_min - round(lo / s)
Both represent 0 exactly (q = z), so a pruned weight stays exactly 0 after quantization.
Granularity: "tensor" (one s, z per array) or "channel" (one per output unit: the last axis,
n_out of W (n_in, n_out); a bias (n_out,) then has one per entry). A channel's range lies
inside the tensor's, so its scale, and with it the error bound s / 2, is never larger.

Rounding is half to even (np.rint, as torch). The ends of the range, lo and hi, are mapped
to q_min and q_max exactly (in exact arithmetic they round there or, at a tie, one code beyond
and are clipped back, an error of s / 2 either way), so quantizing dequantized values again
gives the same integers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._types import Params
from .._validate import as_float_array, check_choice, check_int, describe
from .prune import check_finite_params, select_keys

__all__ = [
    "QuantizedTensor",
    "dequantize",
    "fake_quantize",
    "quantize",
    "quantize_array",
    "quantized_nbytes",
]

SCHEMES = ("symmetric", "affine")
GRANULARITIES = ("tensor", "channel")


@dataclass(frozen=True, eq=False)
class QuantizedTensor:
    """b-bit integers ``values`` (int8, shape of the float array), ``scale`` and ``zero_point``
    (shape () per tensor, (n_out,) per channel), and the float ``dtype`` to dequantize to."""

    values: np.ndarray
    scale: np.ndarray
    zero_point: np.ndarray
    bits: int
    scheme: str
    dtype: np.dtype

    def dequantize(self) -> np.ndarray:
        """w_hat = (q - z) * s in the original dtype."""
        q = self.values.astype(self.dtype)
        return (q - self.zero_point.astype(self.dtype)) * self.scale

    @property
    def nbytes(self) -> int:
        """Storage: the integers packed at ``bits`` each, ceil(n bits / 8) bytes (two 4-bit
        values per byte), plus 4 per float32 scale and 1 per (affine) zero point."""
        zero_points = self.zero_point.size if self.scheme == "affine" else 0
        return -(-self.values.size * self.bits // 8) + 4 * self.scale.size + zero_points


def _integer_range(bits: int, scheme: str) -> tuple[int, int]:
    q_max = 2 ** (bits - 1) - 1
    return (-q_max if scheme == "symmetric" else -q_max - 1), q_max


def quantize_array(
    w: np.ndarray, bits: int = 8, scheme: str = "symmetric", granularity: str = "tensor"
) -> QuantizedTensor:
    """Quantize one float32 or float64 array (see the module docstring for the formulas)."""
    if not isinstance(w, np.ndarray):
        raise TypeError(f"w must be a float ndarray (one parameter array); got {describe(w)}.")
    as_float_array("w", w)
    bits = check_int("bits", bits, minimum=2, maximum=8)
    check_choice("scheme", scheme, SCHEMES)
    check_choice("granularity", granularity, GRANULARITIES)
    return _quantize(w, bits, scheme, granularity, "w")


def _quantize(
    w: np.ndarray, bits: int, scheme: str, granularity: str, name: str
) -> QuantizedTensor:
    """``quantize_array`` on checked arguments; ``name`` is what an error calls ``w``."""
    q_min, q_max = _integer_range(bits, scheme)
    axes = tuple(range(w.ndim - 1)) if granularity == "channel" else None
    dtype = w.dtype.type
    lo = np.minimum(w.min(axis=axes), 0)  # shape () or (n_out,)
    hi = np.maximum(w.max(axis=axes), 0)
    if scheme == "symmetric":
        scale = np.maximum(-lo, hi) / dtype(q_max)
    else:
        with np.errstate(over="ignore"):
            span = hi - lo
        if not np.isfinite(span).all():
            raise ValueError(
                f"{name} spans [{np.min(lo)}, {np.max(hi)}], a range wider than {w.dtype} "
                'holds, so no affine scale exists; use scheme="symmetric" or rescale it.'
            )
        scale = span / dtype(q_max - q_min)
    # An all-zero channel is exact with any scale; the smallest normal float keeps every
    # channel's scale <= the tensor's.
    scale = np.where(scale > 0, scale, np.finfo(w.dtype).tiny).astype(w.dtype)
    zero_point = (
        np.zeros(scale.shape, dtype=np.int64)
        if scheme == "symmetric"
        else np.clip(q_min - np.rint(lo / scale).astype(np.int64), q_min, q_max)
    )
    q = np.clip(np.rint(w / scale).astype(np.int64) + zero_point, q_min, q_max)
    if scheme == "affine":  # at a tie, rounding can leave an end one code short: restore it
        q = np.where((w == lo) & (lo < 0) & (q == q_min + 1), q_min, q)
        q = np.where((w == hi) & (hi > 0) & (q == q_max - 1), q_max, q)
    return QuantizedTensor(
        values=q.astype(np.int8),
        scale=np.asarray(scale),
        zero_point=np.asarray(zero_point, dtype=np.int8),
        bits=bits,
        scheme=scheme,
        dtype=w.dtype,
    )


def quantize(
    params: Mapping[str, np.ndarray],
    bits: int = 8,
    scheme: str = "symmetric",
    granularity: str = "tensor",
    keys: Iterable[str] | None = None,
) -> dict[str, QuantizedTensor]:
    """Quantize every array of ``params`` (or only ``keys``) to ``bits``-bit integers.

    Returns {key: QuantizedTensor} with int8 ``values``, ``scale`` and ``zero_point``.
    ``dequantize`` inverts it up to the rounding error |w - w_hat| <= scale / 2.
    """
    check_finite_params("params", params)
    bits = check_int("bits", bits, minimum=2, maximum=8)
    check_choice("scheme", scheme, SCHEMES)
    check_choice("granularity", granularity, GRANULARITIES)
    chosen = list(params) if keys is None else select_keys(params, keys)
    return {k: _quantize(params[k], bits, scheme, granularity, f"params[{k!r}]") for k in chosen}


def _check_quantized(q: Any) -> None:
    if not isinstance(q, Mapping) or not all(isinstance(v, QuantizedTensor) for v in q.values()):
        raise TypeError(f"q must be the dict returned by quantize(params, ...); got {describe(q)}.")


def dequantize(q: Mapping[str, QuantizedTensor]) -> Params:
    """Float params from ``quantize``'s output: w_hat = (q - z) * s, same keys and dtypes."""
    _check_quantized(q)
    return {k: v.dequantize() for k, v in q.items()}


def quantized_nbytes(q: Mapping[str, QuantizedTensor]) -> int:
    """Total storage of quantized params in bytes (integers + scales + zero points)."""
    _check_quantized(q)
    return sum(v.nbytes for v in q.values())


def fake_quantize(
    params: Mapping[str, np.ndarray],
    bits: int = 8,
    scheme: str = "symmetric",
    granularity: str = "tensor",
    keys: Iterable[str] | None = None,
) -> Params:
    """Float params that hold exactly the values int ``bits`` storage can represent:
    ``dequantize(quantize(params, ...))``, with keys not quantized passed through. Predicting
    with them, ``model.predict(fake_quantize(params), X)``, simulates the quantized model."""
    quantized = dequantize(quantize(params, bits, scheme, granularity, keys))
    return {key: quantized.get(key, value) for key, value in params.items()}
