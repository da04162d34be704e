"""Magnitude pruning: masks that keep the largest weights, and a stepper that keeps the rest at 0.

A mask dict is keyed like the params (a subset of their keys) and holds boolean arrays of the
same shapes, True where the weight is kept. Pruning is multiplying by the mask:

    masks = magnitude_masks(params, sparsity=0.9, scope="global")
    pruned = apply_masks(params, masks)           # new dict; params are unchanged
    opt = masked(mt.optim.Adam(lr=1e-3), masks)   # training keeps every pruned weight at 0

By default only weights (keys ending in ".W") are pruned, under one threshold across layers
(``scope="global"``); biases are few and kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._types import Params
from .._validate import (
    as_float_array,
    check_choice,
    check_in_range,
    check_keys,
    check_params,
    check_same_keys,
    check_stepper,
    describe,
)

State = dict[str, Any]
SCOPES = ("layer", "global")

__all__ = [
    "Masked",
    "apply_masks",
    "check_masks",
    "magnitude_masks",
    "mask_state",
    "masked",
    "select_keys",
    "zero_fraction",
]


def check_finite_params(name: str, params: Any) -> None:
    """A dict of floating arrays with no NaN or inf (pruning or quantizing NaN is meaningless)."""
    check_params(name, params)
    for key, value in params.items():
        as_float_array(f"{name}[{key!r}]", value)


def select_keys(
    params: Mapping[str, np.ndarray], keys: Iterable[str] | None, name: str = "keys"
) -> list[str]:
    """The keys to compress: the given ones (checked), or every weight (key ending in ".W").

    ``keys`` must be a non-empty list of distinct keys of ``params`` (a repeated key would
    count its entries twice; a bare string would be read letter by letter).
    """
    if keys is None:
        chosen = [k for k in params if k.endswith(".W")]
        if not chosen:
            raise ValueError(
                f"params have no weight keys ending in '.W' (keys: {list(params)}); "
                "pass keys=[...] to say which arrays to compress."
            )
        return chosen
    chosen = check_keys(name, keys, params)
    if not chosen:
        raise ValueError(f"{name} is empty; name at least one key of the params {list(params)}.")
    return chosen


def check_key_list(keys: Iterable[str]) -> list[str]:
    """``keys`` of a callback, checked when it is built: a non-empty list of distinct names
    (checked against the params when training starts, by ``select_keys``)."""
    chosen = check_keys("keys", keys)
    if not chosen:
        raise ValueError("keys is empty; name at least one key, or pass None for the weights.")
    return chosen


def check_masks(name: str, masks: Any, params: Mapping[str, np.ndarray]) -> None:
    """``masks`` must map keys of ``params`` to boolean arrays of the same shapes."""
    if not isinstance(masks, Mapping):
        raise TypeError(
            f"{name} must be a dict of boolean arrays keyed like the params "
            f"(e.g. from magnitude_masks); got {describe(masks)}."
        )
    unknown = [k for k in masks if k not in params]
    if unknown:
        raise ValueError(
            f"{name} has keys {unknown} that the params do not have; params keys are "
            f"{list(params)}. Compute the masks from these params."
        )
    for key, mask in masks.items():
        if not isinstance(mask, np.ndarray) or mask.dtype != np.bool_:
            raise TypeError(
                f"{name}[{key!r}] must be a boolean ndarray (True = kept); got {describe(mask)}."
            )
        if mask.shape != np.shape(params[key]):
            raise ValueError(
                f"{name}[{key!r}] has shape {mask.shape} but params[{key!r}] has shape "
                f"{np.shape(params[key])}; the masks belong to other params."
            )


def _keep_largest(scores: np.ndarray, sparsity: float) -> np.ndarray:
    """Boolean vector: False for the round(sparsity * n) smallest scores, True elsewhere.

    The order is a stable argsort, so equal scores are pruned lower flat index first. Scores
    below 0 mark entries pruned before; they sort first and stay pruned even if they outnumber
    round(sparsity * n).
    """
    n_pruned = round(sparsity * scores.size)  # Python's round: half to even, as torch
    order = np.argsort(scores, kind="stable")
    kept = np.ones(scores.size, dtype=bool)
    kept[order[:n_pruned]] = False
    kept &= scores >= 0
    return kept


def magnitude_masks(
    params: Mapping[str, np.ndarray],
    sparsity: float,
    scope: str = "global",
    keys: Iterable[str] | None = None,
    masks: Mapping[str, np.ndarray] | None = None,
) -> Params:
    """Masks (True = kept) that prune the entries of smallest magnitude |w|.

    For each scope of n entries — all ``keys`` together (``scope="global"``, one threshold
    across layers) or every key on its own (``"layer"``) — exactly

        n_pruned = round(sparsity * n)          (Python's round, half to even, as torch)

    entries are pruned: those of smallest |w|. Ties are broken deterministically by a stable
    sort: among equal |w| the lower flattened (row-major) index is pruned first; in global scope
    the flattened arrays are concatenated in the order of ``keys`` (params order by default).

    ``masks`` (from an earlier call) makes pruning cumulative: entries already pruned count
    towards n_pruned and stay pruned, so only surviving entries are pruned further and the
    masks nest. (If they already outnumber round(sparsity * n), nothing more is pruned.)

    keys: which arrays to prune; default every weight (keys ending in ".W"), biases kept.
    Returns a dict keyed by ``keys`` of boolean arrays shaped like the params.

    ``"global"`` is the default of every pruning entry point (``GradualPruning``,
    ``prune_then_finetune``, ``iterative_pruning``): one threshold removes the weights that are
    small compared with all the others, wherever they are, which at the same total sparsity
    usually costs less accuracy than taking the same fraction from every layer (Blalock et
    al. 2020), and the total, which a device's byte budget counts, is exactly the one asked
    for. Its risk is a small layer whose weights are all small losing every weight: pass
    ``keys`` to leave such a layer out, or ``scope="layer"`` to prune every layer by the same
    fraction.
    """
    check_finite_params("params", params)
    sparsity = check_in_range("sparsity", sparsity, 0.0, 1.0)
    check_choice("scope", scope, SCOPES)
    keys = select_keys(params, keys)
    if masks is not None:
        check_masks("masks", masks, params)
    previous = masks or {}

    def scores(key: str) -> np.ndarray:
        """|w| flattened, as float64 (exact for float32 too), with -1 where pruned before."""
        magnitude = np.abs(params[key]).astype(np.float64).ravel()
        if key in previous:
            magnitude = np.where(previous[key].ravel(), magnitude, -1.0)
        return magnitude

    if scope == "layer":
        return {k: _keep_largest(scores(k), sparsity).reshape(params[k].shape) for k in keys}
    kept = _keep_largest(np.concatenate([scores(k) for k in keys]), sparsity)
    ends = np.cumsum([params[k].size for k in keys])[:-1]
    return {k: part.reshape(params[k].shape) for k, part in zip(keys, np.split(kept, ends))}


def apply_masks(params: Mapping[str, np.ndarray], masks: Mapping[str, np.ndarray]) -> Params:
    """``w * m`` for every masked key (pruned entries become exactly +0.0); a new dict.

    Keys without a mask are passed through unchanged (same arrays). Nothing is modified.
    """
    check_params("params", params)
    check_masks("masks", masks, params)
    return {
        key: np.where(masks[key], value, value.dtype.type(0)) if key in masks else value
        for key, value in params.items()
    }


def mask_state(state: Any, masks: Mapping[str, np.ndarray]) -> Any:
    """An optimizer state with every slot entry of a pruned weight set to 0; a new dict.

    Slots are the state's dict values keyed like the params (``exp_avg``, ``momentum_buffer``,
    ...). Zeroing them means the optimizer keeps no memory (momentum, running averages) that
    would move a pruned weight away from 0. Other state entries are passed through.
    """
    check_masks("masks", masks, masks)
    if not isinstance(state, Mapping):
        return state
    out: dict[str, Any] = {}
    for name, value in state.items():
        if isinstance(value, Mapping):
            for key, slot in value.items():
                if key in masks and np.shape(slot) != masks[key].shape:
                    raise ValueError(
                        f"state[{name!r}][{key!r}] has shape {np.shape(slot)} but masks[{key!r}] "
                        f"has shape {masks[key].shape}; the state belongs to other params."
                    )
            value = {
                key: np.where(masks[key], slot, slot.dtype.type(0)) if key in masks else slot
                for key, slot in value.items()
            }
        out[name] = value
    return out


def zero_fraction(params: Mapping[str, np.ndarray], keys: Iterable[str] | None = None) -> float:
    """The measured sparsity: zeros / entries over ``keys`` (default every weight ".W")."""
    check_params("params", params)
    keys = select_keys(params, keys)
    zeros = sum(int(params[k].size - np.count_nonzero(params[k])) for k in keys)
    return zeros / sum(params[k].size for k in keys)


@dataclass(frozen=True, eq=False)
class Masked:
    """A stepper that trains only the kept weights: pruned weights stay exactly 0.

    Each step (g = grads, m = mask, any inner stepper ``opt``):

        theta, g  <- theta * m, g * m            (pruned entries enter as 0 with 0 gradient)
        theta', state' = opt.step(theta, g, state)
        theta'    <- theta' * m;  every slot s <- s * m   (momentum, Adam moments, ...)

    With zero parameter, gradient and slot entries the update of a pruned entry is 0 for
    every torch-style stepper; the final multiplication makes that exact whatever ``opt`` is.
    ``init`` returns the inner state with pruned slot entries zeroed. Hyper-parameters such as
    ``lr`` are read from the inner stepper.
    """

    opt: Any
    masks: Params

    def init(self, params: Params) -> State:
        check_params("params", params)
        check_masks("masks", self.masks, params)
        return mask_state(self.opt.init(apply_masks(params, self.masks)), self.masks)

    def step(self, params: Params, grads: Params, state: State) -> tuple[Params, State]:
        check_params("params", params)
        check_same_keys("grads", grads, params)
        new_params, new_state = self.opt.step(
            apply_masks(params, self.masks), apply_masks(grads, self.masks), state
        )
        return apply_masks(new_params, self.masks), mask_state(new_state, self.masks)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("opt", "masks"):
            raise AttributeError(name)
        return getattr(self.opt, name)

    def __repr__(self) -> str:
        return f"masked({self.opt!r}, masks for {list(self.masks)})"


def masked(opt: Any, masks: Mapping[str, np.ndarray]) -> Masked:
    """Wrap stepper ``opt`` so that entries where ``masks`` is False stay exactly 0.

    ``masks`` is checked against the params when ``init`` is called (keys and shapes).
    """
    check_stepper("opt", opt)
    if not isinstance(masks, Mapping) or not masks:
        raise TypeError(
            f"masks must be a non-empty dict of boolean arrays (e.g. from magnitude_masks); "
            f"got {describe(masks)}."
        )
    check_masks("masks", masks, masks)
    return Masked(opt, dict(masks))
