"""What the distributed modules share that the training core does not already provide
(internal).

- checks at the entry points: ``check_fraction``, ``check_validation`` (the
  ``(X_val, y_val)`` tuple, checked in the params' dtype by ``minitrain.train``'s check),
  ``check_amounts`` (bytes, MACs, seconds,
  rates: real numbers >= 0), ``check_workers`` (worker ids of a topology);
- ``rows_per_step``: B_k = min(B, n_k), the rows of one local step;
- ``layer_keys``: per layer, its local parameter names -> the model's keys (the stacked
  path's backward; the pipeline uses ``Sequential.forward``/``backward`` over a layer range).

Everything else is the core's, used directly: ``minitrain.train`` (``backprop``,
``check_model_and_loss``, ``epoch_batches``, ``RunHistory``), ``minitrain._validate``
(``check_stepper``) and the loss itself (``value_and_grad``, ``metric_for_average``,
``metric_from_average``, ``reaches``, ``higher_is_better``).
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

import numpy as np

from .._types import Params
from .._validate import check_float_dtype, check_in_range, describe
from ..layers import params_dtype
from ..train import check_validation as check_dataset_validation

# ----- checks ---------------------------------------------------------------------------------


def check_fraction(fraction: Any) -> float:
    return check_in_range("fraction", fraction, 0.0, 1.0, low_inclusive=False,
                          high_inclusive=True)  # fmt: skip


def check_amounts(name: str, values: Any, *, positive: bool = False, ndim: int | None = None
                  ) -> np.ndarray:  # fmt: skip
    """``values`` (a number or an array of them: bytes, MACs, seconds, rates) as float64,
    refused unless real (int or float32/64, not bool), finite and >= 0 (> 0 if ``positive``)."""
    if isinstance(values, (str, bytes)) or values is None:
        raise TypeError(f"{name} must be a number or an array of numbers; got {describe(values)}.")
    try:
        arr = np.asarray(values)
    except ValueError:  # ragged nested lists
        arr = np.asarray(None)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a number or an array of numbers; got {describe(values)}.")
    if arr.dtype.kind == "f":
        check_float_dtype(name, arr.dtype)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s); got shape {arr.shape}.")
    arr = arr.astype(np.float64)
    if not np.isfinite(arr).all() or (arr <= 0 if positive else arr < 0).any():
        raise ValueError(
            f"{name} must hold finite numbers {'> 0' if positive else '>= 0'}; got "
            f"{values if arr.size <= 8 else describe(values)!r}."
        )
    return arr


def check_workers(name: str, workers: Any, n_workers: int) -> np.ndarray:
    """Worker ids (a 1-D integer array of distinct ids in 0..K-1)."""
    arr = np.asarray(workers) if isinstance(workers, (np.ndarray, list, tuple)) else None
    if arr is None or arr.dtype.kind not in "iu" or arr.ndim != 1:
        raise TypeError(
            f"{name} must be a 1-D integer array of worker ids; got {describe(workers)}."
        )
    if arr.size and (arr.min() < 0 or arr.max() >= n_workers):
        raise ValueError(f"{name} must hold worker ids in 0..{n_workers - 1}; got {arr.tolist()}.")
    if np.unique(arr).size != arr.size:
        raise ValueError(f"{name} names a worker more than once; got {arr.tolist()}.")
    return arr


def check_validation(model: Any, loss: Any, params: Params, validation: Any) -> Any:
    """``validation`` = (X_val, y_val) checked against the model and loss in the params' dtype,
    or None."""
    return check_dataset_validation(model, loss, validation, dtype=params_dtype(params))


# ----- minibatches ----------------------------------------------------------------------------


def rows_per_step(sizes: np.ndarray, batch_size: int | None) -> np.ndarray:
    """Rows of one local step, B_k = min(B, n_k) (n_k, the whole shard, when B is None)."""
    return sizes if batch_size is None else np.minimum(sizes, batch_size)


# ----- the model's keys, layer by layer ---------------------------------------------------


_LAYER_KEYS: WeakKeyDictionary = WeakKeyDictionary()  # model -> its layer keys, built once


def layer_keys(model: Any) -> list[dict[str, str]]:
    """Per layer, its local parameter names -> the model's keys (``model.init``'s order)."""
    if model not in _LAYER_KEYS:
        keys = iter(model.param_shapes())
        _LAYER_KEYS[model] = [{name: next(keys) for name in layer.param_shapes()}
                              for layer in model.layers]  # fmt: skip
    return _LAYER_KEYS[model]
