"""Weight clipping: bound every weight to [-c, c], or the global L2 norm of the weights to c.

A narrow weight range is what a fixed-point or int8 device can represent well; clipping during
training keeps the weights there. Both are one-off functions and a ``fit`` callback.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from .._types import Params
from .._validate import check_positive
from ..train import Callback, TrainingRun
from .prune import check_finite_params, check_key_list, select_keys

__all__ = ["WeightClipping", "clip_by_global_norm", "clip_values", "global_norm"]


def clip_values(
    params: Mapping[str, np.ndarray], bound: float, keys: Iterable[str] | None = None
) -> Params:
    """``clip(w, -c, c)`` elementwise for every key in ``keys`` (default the weights ".W");
    a new dict, other keys passed through."""
    check_finite_params("params", params)
    c = check_positive("bound", bound)
    chosen = set(select_keys(params, keys))

    def clip(v: np.ndarray) -> np.ndarray:
        bound = v.dtype.type(min(c, float(np.finfo(v.dtype).max)))  # beyond the dtype: no clip
        return np.clip(v, -bound, bound)

    return {k: clip(v) if k in chosen else v for k, v in params.items()}


def global_norm(params: Mapping[str, np.ndarray], keys: Iterable[str] | None = None) -> float:
    """||w||_2 over all entries of ``keys`` together: sqrt(sum_k sum_i w_{k,i}^2).

    Computed in float64 as m sqrt(sum (w / m)^2) with m = max |w| (as BLAS's nrm2 scales), so
    the squares neither overflow (|w| > 1e19 in float32, 1e154 in float64) nor underflow.
    """
    check_finite_params("params", params)
    chosen = [params[k].astype(np.float64, copy=False) for k in select_keys(params, keys)]
    m = max(float(np.abs(w).max()) for w in chosen)
    if m == 0.0:
        return 0.0
    return m * float(np.sqrt(sum(float(np.vdot(w / m, w / m)) for w in chosen)))


def clip_by_global_norm(
    params: Mapping[str, np.ndarray], max_norm: float, keys: Iterable[str] | None = None
) -> Params:
    """Scale ``keys`` (default the weights ".W") together so their global L2 norm is at most c:

        w <- w * min(1, c / ||w||_2)

    (as torch.nn.utils.clip_grad_norm_, without its 1e-6 in the denominator). Directions are
    unchanged; a tree already inside the ball is returned unchanged. A new dict.
    """
    c = check_positive("max_norm", max_norm)
    norm = global_norm(params, keys)
    chosen = set(select_keys(params, keys))
    if norm <= c:
        return dict(params)
    return {k: v * v.dtype.type(c / norm) if k in chosen else v for k, v in params.items()}


class WeightClipping(Callback):
    """A ``fit`` callback that clips the weights after every step (and before the first):
    to [-bound, bound] elementwise, and/or to global L2 norm ``max_norm``.
    Give at least one of them; with both, values are clipped first, then the norm."""

    def __init__(
        self,
        bound: float | None = None,
        *,
        max_norm: float | None = None,
        keys: Iterable[str] | None = None,
    ) -> None:
        if bound is None and max_norm is None:
            raise ValueError(
                "WeightClipping needs bound (clip to [-bound, bound]) and/or max_norm "
                "(clip the global L2 norm); got neither."
            )
        self.bound = None if bound is None else check_positive("bound", bound)
        self.max_norm = None if max_norm is None else check_positive("max_norm", max_norm)
        self.keys = None if keys is None else check_key_list(keys)

    def clip(self, params: Mapping[str, np.ndarray]) -> Params:
        out = dict(params)
        if self.bound is not None:
            out = clip_values(out, self.bound, self.keys)
        if self.max_norm is not None:
            out = clip_by_global_norm(out, self.max_norm, self.keys)
        return out

    def on_train_begin(self, run: TrainingRun) -> None:
        select_keys(run.params, self.keys)  # fail before training if keys are wrong
        run.params = self.clip(run.params)

    def on_step_end(self, run: TrainingRun) -> None:
        run.params = self.clip(run.params)
