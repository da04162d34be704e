r"""Backprop for a ``trainable`` set of keys: keep only the activations it needs, stop early.

``compress.training_memory`` derives which caches a step must keep (``backward_plan``); this
module keeps exactly those (the others are dropped as soon as the next layer has consumed
them) and runs the backward pass from the last layer down to the first trainable one. For a
Dense layer ``y = x W + b`` with upstream gradient dy (B, n_out):

    dL/dW = x^T dy    (only if W trains: the one place the input x is needed)
    dL/db = sum_rows dy
    dL/dx = dy W^T    (only below the top: for layers above the first trainable one)

Elementwise layers use their own ``backward``. Returns the gradients of the trainable keys
only: frozen keys get no gradient array at all.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._types import Params
from ..compress.training_memory import BackwardPlan
from ..layers import Dense
from ._core import layer_params


def forward_kept(model: Any, params: Params, X: np.ndarray,
                 plan: BackwardPlan) -> tuple[np.ndarray, list[Any]]:
    """Output (B, n_out) and the caches the plan keeps (None where it keeps nothing)."""
    caches: list[Any] = []
    out = X
    for i, layer in enumerate(model.layers):
        out, cache = layer.forward(layer_params(params, i), out)
        caches.append(cache if plan.keep[i] else None)
    return out, caches


def forward_output(model: Any, params: Params, X: np.ndarray) -> np.ndarray:
    """The model's output (B, n_out), keeping no cache (inference)."""
    out = X
    for i, layer in enumerate(model.layers):
        out, _ = layer.forward(layer_params(params, i), out)
    return out


def backward_trainable(model: Any, params: Params, caches: list[Any], dout: np.ndarray,
                       plan: BackwardPlan) -> Params:
    """Gradients of the mean loss for the plan's trainable keys, from dL/d(output)."""
    grads: Params = {}
    if plan.first is None:
        return grads
    trainable = set(plan.trainable)
    dy = dout
    for i in range(len(model.layers) - 1, plan.first - 1, -1):
        layer, local = model.layers[i], layer_params(params, i)
        if isinstance(layer, Dense):
            if f"{i}.W" in trainable:
                grads[f"{i}.W"] = caches[i].T @ dy
            if f"{i}.b" in trainable:
                grads[f"{i}.b"] = dy.sum(axis=0)
            if plan.need_dx[i]:
                dy = dy @ local["W"].T
        else:
            dy, _ = layer.backward(local, caches[i], dy)
    return {key: grads[key] for key in plan.trainable}
