r"""Elastic weight consolidation (Kirkpatrick et al. 2017): learn the new, keep what mattered.

After learning a task (or a regime) to parameters theta*, EWC adds to the new loss a
quadratic penalty that holds each parameter near theta* in proportion to how much the old
loss depends on it, measured by the diagonal of the Fisher information F:

    P(theta) = (lambda / 2) sum_k F_k (theta_k - theta*_k)^2,
    dP/dtheta_k = lambda F_k (theta_k - theta*_k)          (zero at the anchor).

The (empirical) Fisher diagonal is the mean squared per-example gradient on the old data,

    F_k = (1/N) sum_n (d l_n / d theta_k)^2,

with l_n the loss of row n alone. For a Dense layer ``y = x W + b`` the per-example
gradients are outer products, dl_n/dW = x_n^T delta_n and dl_n/db = delta_n, with
delta_n = dl_n/dy_n = N dL/dy_n (L, the mean loss, weighs each row by 1/N). So, per layer,

    F_W = (1/N) sum_n (x_n^2)^T (delta_n^2) = N (x^2)^T (dy^2),     F_b = N sum_n dy_n^2,

where squares are elementwise and dy = dL/dy is the ordinary backprop signal: one backward
pass gives the whole diagonal, without forming the N per-example gradients.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._types import Params
from .._validate import (
    check_keys,
    check_params,
    check_positive,
    check_same_keys,
    describe,
    refuse_class,
    store_checked,
)
from ..layers import Dense
from ._core import check_batch, check_loss, check_model, check_model_params, layer_params

__all__ = ["EWC", "fisher_diagonal"]


@dataclass(frozen=True)
class EWC:
    """The penalty ``(strength / 2) sum F (theta - anchor)^2`` (module docstring).

    ``anchor`` and ``fisher`` are dicts with the same keys and shapes (the params after the
    old task, and their Fisher diagonal, >= 0); ``strength`` is lambda.
    """

    anchor: Params
    fisher: Params
    strength: float = 1.0

    def __post_init__(self) -> None:
        check_params("anchor", self.anchor)
        check_params("fisher", self.fisher)
        check_same_keys("fisher", self.fisher, self.anchor)
        for key, a in self.anchor.items():
            if not np.isfinite(a).all():
                raise ValueError(
                    f"anchor[{key!r}] contains NaN or infinite values; the anchor must be the "
                    "trained parameters of the old task."
                )
        for key, f in self.fisher.items():
            if not (np.isfinite(f).all() and (f >= 0).all()):
                raise ValueError(
                    f"fisher[{key!r}] must be finite and >= 0 (a mean of squares); use "
                    "adapt.fisher_diagonal(model, loss, params, X, y)."
                )
        store_checked(self, strength=check_positive("strength", self.strength, allow_zero=True))

    def check_params(self, params: Mapping[str, np.ndarray]) -> None:
        """Refuse params whose keys or shapes differ from the anchor's."""
        check_params("params", params)
        try:
            check_same_keys("penalty.anchor", self.anchor, params)
        except ValueError as error:
            raise ValueError(f"{error} The EWC anchor must be parameters of this model.") from None
        for key, value in params.items():
            if self.anchor[key].dtype != value.dtype or self.fisher[key].dtype != value.dtype:
                raise TypeError(
                    f"penalty.anchor[{key!r}] and fisher[{key!r}] must have the params' dtype "
                    f"{value.dtype}; got {self.anchor[key].dtype} and {self.fisher[key].dtype}."
                )

    def _check_covers(self, params: Any) -> None:
        """``params`` holds every key of the anchor, with its shape and dtype (and may hold
        more: a restricted penalty is evaluated on the whole model's params)."""
        check_params("params", params)
        missing = [k for k in self.anchor if k not in params]
        if missing:
            raise ValueError(f"params lack the penalty's keys {missing}; pass the model's "
                             f"params (keys {list(self.anchor)} at least).")  # fmt: skip
        for key, anchor in self.anchor.items():
            if params[key].shape != anchor.shape or params[key].dtype != anchor.dtype:
                raise ValueError(
                    f"params[{key!r}] has shape {params[key].shape} and dtype "
                    f"{params[key].dtype}; the anchor has {anchor.shape} and {anchor.dtype}."
                )

    def value(self, params: Mapping[str, np.ndarray]) -> float:
        """``(strength / 2) sum_k F_k (theta_k - anchor_k)^2`` over the anchor's keys."""
        self._check_covers(params)
        return 0.5 * self.strength * float(sum(
            np.sum(self.fisher[k] * (params[k] - self.anchor[k]) ** 2) for k in self.anchor
        ))

    def grad(self, params: Mapping[str, np.ndarray]) -> Params:
        """``strength F (theta - anchor)`` for each key of the anchor."""
        self._check_covers(params)
        return self._gradient(params)

    def _gradient(self, params: Mapping[str, np.ndarray]) -> Params:
        """``grad`` without the checks, for a learner whose params were checked once."""
        lam = self.strength
        return {k: lam * self.fisher[k] * (params[k] - self.anchor[k]) for k in self.anchor}

    def restricted(self, keys: Any) -> EWC:
        """The same penalty on ``keys`` only (frozen keys never move: their term stays 0)."""
        keys = check_keys("keys", keys, self.anchor)
        return EWC({k: self.anchor[k] for k in keys}, {k: self.fisher[k] for k in keys},
                   self.strength)


def fisher_diagonal(model: Any, loss: Any, params: Params, X: Any, y: Any) -> Params:
    """The empirical Fisher diagonal ``(1/N) sum_n (dl_n/dtheta)^2`` on (X, y) (module
    docstring), keys and shapes of ``params``; Dense and parameter-free layers."""
    check_model_params(check_model(model), params)
    check_loss(loss)
    X, y = check_batch(model, loss, params, X, y)
    layers = model.layers
    for i, layer in enumerate(layers):
        if layer.param_shapes() and not isinstance(layer, Dense):
            raise TypeError(f"fisher_diagonal knows Dense layers only; layer {i} is {layer!r}.")
    caches, out = [], X
    for i, layer in enumerate(layers):
        out, cache = layer.forward(layer_params(params, i), out)
        caches.append(cache)
    _, dy = loss.value_and_grad(out, y)
    n = X.dtype.type(X.shape[0])
    fisher: Params = {}
    for i in range(len(layers) - 1, -1, -1):
        layer, local = layers[i], layer_params(params, i)
        if isinstance(layer, Dense):
            x = caches[i]
            fisher[f"{i}.W"] = n * ((x * x).T @ (dy * dy))
            fisher[f"{i}.b"] = n * (dy * dy).sum(axis=0)
            dy = dy @ local["W"].T
        else:
            dy, _ = layer.backward(local, caches[i], dy)
    return {key: fisher[key] for key in params}


def check_penalty(penalty: Any) -> EWC | None:
    refuse_class("penalty", penalty, "an instance such as adapt.EWC(anchor, fisher, strength)")
    if penalty is not None and not isinstance(penalty, EWC):
        raise TypeError(f"penalty must be adapt.EWC(anchor, fisher, strength); got "
                        f"{describe(penalty)}.")
    return penalty
