"""Structured pruning: remove whole hidden units of Dense layers, so the model really shrinks.

Magnitude masks leave dense arrays with zeros in them; removing a unit deletes a column of its
layer's W, an entry of its b and a row of the next Dense layer's W, so the arrays, the bytes and
the multiply-adds all get smaller.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from .._types import Params
from .._validate import check_in_range, check_same_keys, describe
from ..layers import Dense, Sequential
from .prune import check_finite_params

__all__ = ["StructuredPruning", "prunable_layers", "prune_units"]


@dataclass(frozen=True, eq=False)
class StructuredPruning:
    """The smaller ``model`` and its ``params``; ``kept[i]``: the original indices of the units
    kept in Dense layer i; ``masks``: the equivalent masks on the original params (the removed
    units' W columns and b entries False), i.e. the masked model the small one reproduces."""

    model: Sequential
    params: Params
    kept: dict[int, np.ndarray]
    masks: Params


def _next_dense(model: Sequential, i: int) -> int | None:
    """Index of the next Dense layer after layer i if only elementwise layers lie between."""
    for j in range(i + 1, len(model.layers)):
        layer = model.layers[j]
        if isinstance(layer, Dense):
            return j
        if layer.param_shapes() or layer.output_width(7) != 7:
            return None
    return None


def prunable_layers(model: Sequential) -> list[int]:
    """Indices of the Dense layers whose units can be removed: those followed by another Dense
    layer with only parameter-free elementwise layers (activations) in between."""
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a mt.Sequential; got {describe(model)}.")
    return [
        i
        for i, layer in enumerate(model.layers)
        if isinstance(layer, Dense) and _next_dense(model, i) is not None
    ]


def _activation_of_zero(model: Sequential, i: int, j: int, width: int, dtype: np.dtype):
    """g(0) for the elementwise layers g between Dense i and Dense j: shape (width,)."""
    out = np.zeros((1, width), dtype=dtype)
    for layer in model.layers[i + 1 : j]:
        out = layer.forward({}, out)[0]
    return out[0]


def _check_layers(layers: Iterable[int]) -> list[int]:
    """Distinct layer indices (ints), sorted; a bare int or a repeated index is refused."""
    if isinstance(layers, (str, bytes, Mapping)) or not isinstance(layers, Iterable):
        raise TypeError(
            f"layers must be a list of layer indices such as [0]; got {describe(layers)}."
        )
    chosen = list(layers)
    for i in chosen:
        if isinstance(i, (bool, np.bool_)) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"layers must hold layer indices (int); got {describe(i)} in it.")
    if len(set(chosen)) != len(chosen):
        raise ValueError(f"layers names a layer more than once ({chosen}); list each once.")
    return sorted(int(i) for i in chosen)


def prune_units(
    model: Sequential,
    params: Mapping[str, np.ndarray],
    fraction: float,
    *,
    layers: Iterable[int] | None = None,
) -> StructuredPruning:
    """Remove round(fraction * n_out) units from each chosen Dense layer i, those whose incoming
    weights have the smallest L2 norm ||W_i[:, u]||_2 (ties: lower unit index removed first).

    The *masked* model zeroes a removed unit's column W_i[:, u] and bias b_i[u], so the unit's
    pre-activation is 0 and its activation the constant c_u = g(0) (0 for ReLU and Tanh, 1/2
    for Sigmoid). The smaller model drops that column and bias and the row W_j[u, :] of the
    next Dense layer j, folding the constant into j's bias so its output is the masked model's
    for every activation, not only those with g(0) = 0:

        b_j' = b_j + sum_{u removed} c_u W_j[u, :]

    Shapes: W_i (n_in, n_out) -> (n_in, n_kept); b_i (n_out,) -> (n_kept,);
    W_j (n_out, m) -> (n_kept, m). Norms are taken on the given params. ``layers``: default
    every prunable layer (``prunable_layers``); the output layer cannot be pruned.
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a mt.Sequential; got {describe(model)}.")
    check_finite_params("params", params)
    check_same_keys(
        "params",
        params,
        {k: np.broadcast_to(0.0, s) for k, s in model.param_shapes().items()},
    )
    fraction = check_in_range("fraction", fraction, 0.0, 1.0)
    allowed = prunable_layers(model)
    chosen = allowed if layers is None else _check_layers(layers)
    bad = [i for i in chosen if i not in allowed]
    if bad:
        raise ValueError(
            f"layers {bad} cannot be pruned; prunable Dense layers of {model!r} are {allowed} "
            "(the output layer and non-Dense layers have no units to remove)."
        )

    kept: dict[int, np.ndarray] = {}
    masks: Params = {}
    for i in chosen:
        W = params[f"{i}.W"]
        n_out = W.shape[1]
        n_removed = round(fraction * n_out)  # Python's round, half to even
        if n_removed >= n_out:
            raise ValueError(
                f"fraction={fraction} removes all {n_out} units of layer {i} ({model.layers[i]!r});"
                " use a smaller fraction so at least one unit remains."
            )
        order = np.argsort(np.linalg.norm(W, axis=0), kind="stable")
        kept[i] = np.sort(order[n_removed:])
        unit_kept = np.zeros(n_out, dtype=bool)
        unit_kept[kept[i]] = True
        masks[f"{i}.W"] = np.broadcast_to(unit_kept, W.shape).copy()
        masks[f"{i}.b"] = unit_kept

    new_params = dict(params)
    for i in chosen:  # ascending, so layer j's columns are cut after its rows and bias fold
        j = _next_dense(model, i)
        keep, removed = kept[i], ~masks[f"{i}.b"]
        n_out, dtype = params[f"{i}.W"].shape[1], params[f"{i}.W"].dtype
        constant = _activation_of_zero(model, i, j, n_out, dtype)  # g(0), (n_out,)
        W_j = new_params[f"{j}.W"]
        new_params[f"{j}.b"] = new_params[f"{j}.b"] + constant[removed] @ W_j[removed, :]
        new_params[f"{j}.W"] = W_j[keep, :]
        new_params[f"{i}.W"] = new_params[f"{i}.W"][:, keep]
        new_params[f"{i}.b"] = new_params[f"{i}.b"][keep]
    new_layers = list(model.layers)
    for i, layer in enumerate(model.layers):
        if isinstance(layer, Dense):
            n_in, n_out = new_params[f"{i}.W"].shape
            if (n_in, n_out) != (layer.n_in, layer.n_out):
                new_layers[i] = Dense(n_in, n_out, init=layer.init_name)
    return StructuredPruning(Sequential(new_layers), new_params, kept, masks)
