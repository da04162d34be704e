"""Communication: what a worker's update costs in bytes, and compressing it.

Every compressor maps a stack of m workers' copies of one tensor, ``x`` of shape (m, *shape),
to what the server decodes (same shape), and counts the bytes one worker sends for it. Each
tensor of an update is compressed on its own, with n = its size and b = its itemsize in bytes
(4 for float32, 8 for float64):

- ``Uncompressed()``: the values, ``n b`` bytes.
- ``TopK(fraction)``: the k = ceil(fraction n) entries largest in magnitude (the product taken
  exactly for the decimal written, so 7% of 100 keeps 7; see ``TopK.k_of``), as (value, int32
  index) pairs: ``k (b + 4)`` bytes (``n b`` when k = n: then the dense tensor is sent).
- ``Int8()``: symmetric 8-bit quantization, ``s = max|x| / 127``, ``q = round(x / s)`` in
  [-127, 127], decoded ``q s``: ``n + b`` bytes (the codes and the scale). |error| <= s / 2.
- ``QSGD(levels)``: stochastic quantization to s levels (Alistarh et al. 2017):
  ``Q(x)_i = ||x||_2 sign(x_i) xi_i / s``, where with ``r_i = s |x_i| / ||x||_2`` and
  ``l = floor(r_i)``, ``xi_i = l + 1`` with probability ``r_i - l`` and ``l`` otherwise. So
  ``E[Q(x)] = x`` (unbiased) and ``E||Q(x) - x||^2 <= min(n / s^2, sqrt(n) / s) ||x||^2``.
  Sent as a sign bit and ceil(log2(s + 1)) bits per entry plus the norm:
  ``ceil(n (1 + ceil(log2(s + 1))) / 8) + b`` bytes.

Error feedback (Seide et al. 2014; Stich et al. 2018), ``error_feedback=True``: a worker adds
what compression dropped last time to its next update, so nothing is lost, only delayed:

    c_t = u_t + e_t,     sent_t = C(c_t),     e_{t+1} = c_t - sent_t        (e_0 = 0)
    => sum_t sent_t + e_T = sum_t u_t                                      (mass is conserved)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .._types import Params
from .._validate import check_flag, check_in_range, check_int, check_params, describe, refuse_class

__all__ = [
    "QSGD",
    "Compressor",
    "Int8",
    "TopK",
    "Uncompressed",
    "compress_stacked",
    "dense_nbytes",
    "update_nbytes",
]

INDEX_BYTES = 4  # int32 indices of top-k entries


class Compressor:
    """Base class: ``encode(x, rngs)`` -> decoded (m, *shape); ``nbytes(shape, dtype)``."""

    error_feedback: bool = False

    def __post_init__(self) -> None:
        check_flag("error_feedback", self.error_feedback)

    def encode(self, x: np.ndarray, rngs: Sequence[np.random.Generator]) -> np.ndarray:
        raise NotImplementedError

    def nbytes(self, shape: tuple[int, ...], dtype: np.dtype) -> int:
        raise NotImplementedError


@dataclass(frozen=True)
class Uncompressed(Compressor):
    """Dense values: decoded = x, ``n * itemsize`` bytes."""

    def encode(self, x: np.ndarray, rngs: Sequence[np.random.Generator]) -> np.ndarray:
        return x

    def nbytes(self, shape: tuple[int, ...], dtype: np.dtype) -> int:
        return math.prod(shape) * np.dtype(dtype).itemsize


@dataclass(frozen=True)
class TopK(Compressor):
    """Keep the k largest-magnitude entries of each tensor of n entries, zero the rest, where

        k = min(n, max(1, ceil(f n)))      with f n computed exactly, f the decimal written

    ``f`` is the fraction as the user wrote it: a float stands for the shortest decimal that
    gives that float (its ``repr``: 0.07 is 7/100, not the double 0.07000000000000000666...),
    a ``fractions.Fraction`` or an int for itself. So 7% of 100 entries keeps 7 (floating point
    gives 0.07 * 100 = 7.000000000000001 and would keep 8), and every byte count uses this k.
    """

    fraction: float = 0.01
    error_feedback: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        check_in_range("fraction", self.fraction, 0.0, 1.0, low_inclusive=False,
                       high_inclusive=True)  # fmt: skip

    def k_of(self, n: int) -> int:
        """k for a tensor of n entries (class docstring): ceil(f n) in exact rational arithmetic.

        Why ``Fraction(str(f))`` is the fraction typed, s: ``str`` gives the shortest decimal
        t that reads back as the same float. Two different decimals of at most 15 significant
        digits never read as the same float64 (6 digits and float32 for a NumPy float32), so
        when s has at most that many digits, t (no longer than s) equals s. Then
        ceil(t n) = ceil(m n / 10^d) for s = m / 10^d, an integer computation.
        """
        exact = (
            Fraction(str(self.fraction))
            if isinstance(self.fraction, (float, np.floating))
            else Fraction(self.fraction)
        )
        return min(n, max(1, math.ceil(exact * n)))

    def encode(self, x: np.ndarray, rngs: Sequence[np.random.Generator]) -> np.ndarray:
        m = x.shape[0]
        flat = x.reshape(m, -1)
        n = flat.shape[1]
        k = self.k_of(n)
        if k == n:
            return x
        keep = np.argpartition(np.abs(flat), n - k, axis=1)[:, n - k :]
        rows = np.arange(m)[:, None]
        out = np.zeros_like(flat)
        out[rows, keep] = flat[rows, keep]
        return out.reshape(x.shape)

    def nbytes(self, shape: tuple[int, ...], dtype: np.dtype) -> int:
        n, itemsize = math.prod(shape), np.dtype(dtype).itemsize
        k = self.k_of(n)
        return n * itemsize if k == n else k * (itemsize + INDEX_BYTES)


@dataclass(frozen=True)
class Int8(Compressor):
    """Symmetric per-tensor 8-bit codes: ``s = max|x| / 127``, decoded ``round(x / s) s``."""

    error_feedback: bool = False

    def encode(self, x: np.ndarray, rngs: Sequence[np.random.Generator]) -> np.ndarray:
        m = x.shape[0]
        flat = x.reshape(m, -1)
        scale = np.abs(flat).max(axis=1, keepdims=True) / 127
        safe = np.where(scale > 0, scale, 1)
        return (np.rint(flat / safe) * scale).reshape(x.shape)

    def nbytes(self, shape: tuple[int, ...], dtype: np.dtype) -> int:
        return math.prod(shape) + np.dtype(dtype).itemsize


@dataclass(frozen=True)
class QSGD(Compressor):
    """Unbiased stochastic quantization to ``levels`` levels per sign (see the module doc)."""

    levels: int = 16
    error_feedback: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        check_int("levels", self.levels, minimum=1)

    def encode(self, x: np.ndarray, rngs: Sequence[np.random.Generator]) -> np.ndarray:
        m = x.shape[0]
        flat = x.reshape(m, -1)
        s = self.levels
        norm = np.sqrt(np.einsum("ij,ij->i", flat, flat))[:, None]
        safe = np.where(norm > 0, norm, 1)
        r = np.abs(flat) / safe * s
        lower = np.floor(r)
        u = np.stack([rng.random(flat.shape[1], dtype=flat.dtype) for rng in rngs])
        xi = lower + (u < r - lower)
        return (np.sign(flat) * xi * (norm / s)).reshape(x.shape)

    def nbytes(self, shape: tuple[int, ...], dtype: np.dtype) -> int:
        bits = 1 + math.ceil(math.log2(self.levels + 1))
        return math.ceil(math.prod(shape) * bits / 8) + np.dtype(dtype).itemsize


def _check_compressor(compressor: object) -> None:
    refuse_class("compressor", compressor, "an instance such as TopK(0.01)")
    if not isinstance(compressor, Compressor):
        raise TypeError(
            f"compressor must be a Compressor such as TopK(0.01), Int8(), QSGD(16); got "
            f"{describe(compressor)}."
        )


def dense_nbytes(params: Mapping[str, np.ndarray]) -> int:
    """Bytes of the dense parameters (what the server broadcasts): sum of n * itemsize."""
    check_params("params", params)
    return int(sum(p.nbytes for p in params.values()))


def update_nbytes(compressor: Compressor, params: Mapping[str, np.ndarray]) -> int:
    """Bytes one worker sends for one update shaped like ``params``."""
    _check_compressor(compressor)
    check_params("params", params)
    return int(sum(compressor.nbytes(p.shape, p.dtype) for p in params.values()))


def compress_stacked(
    compressor: Compressor,
    updates: Mapping[str, np.ndarray],
    residuals: Mapping[str, np.ndarray] | None,
    rngs: Sequence[np.random.Generator],
) -> tuple[Params, Params | None]:
    """Compress m workers' stacked updates {key: (m, *shape)} -> (decoded, new residuals).

    With error feedback, ``c = u + e`` is compressed and ``e' = c - C(c)`` is returned
    (``residuals`` None means e = 0); without it the residuals stay None. Inputs are unchanged.
    """
    _check_compressor(compressor)
    check_params("updates", updates)
    m = {u.shape[0] if u.ndim else None for u in updates.values()}
    if not updates or len(m) != 1 or None in m:
        raise ValueError(
            "updates must be a non-empty dict of stacked arrays {key: (m, *shape)} with the "
            f"same m for every key; got leading sizes {sorted(map(str, m))}."
        )
    if residuals is not None:
        check_params("residuals", residuals)
        for key, u in updates.items():
            if key not in residuals or residuals[key].shape != u.shape:
                raise ValueError(
                    f"residuals[{key!r}] must have the shape of updates[{key!r}] {u.shape}; got "
                    f"{describe(residuals.get(key))}."
                )
    if isinstance(rngs, (str, bytes)) or not isinstance(rngs, Sequence) or not all(
        isinstance(rng, np.random.Generator) for rng in rngs
    ):
        raise TypeError(
            "rngs must be a list of numpy.random.Generator, one per worker (QSGD draws from "
            f"them; others may get []); got {describe(rngs)}."
        )
    if isinstance(compressor, QSGD) and len(rngs) != next(iter(m)):
        raise ValueError(f"rngs must hold one Generator per worker ({next(iter(m))}) for QSGD; "
                         f"got {len(rngs)}.")  # fmt: skip
    sent: Params = {}
    carried: Params | None = {} if compressor.error_feedback else None
    for key, u in updates.items():
        corrected = u + residuals[key] if carried is not None and residuals is not None else u
        sent[key] = compressor.encode(corrected, rngs)
        if carried is not None:
            carried[key] = corrected - sent[key]
    return sent, carried
