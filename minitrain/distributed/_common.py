"""What the distributed modules share that the training core does not already provide
(internal).

- checks at the entry points: ``check_fraction``, ``check_validation`` (the
  ``(X_val, y_val)`` tuple, checked in the params' dtype by ``minitrain.train``'s check);
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
from .._validate import check_in_range
from ..layers import params_dtype
from ..train import check_validation as check_dataset_validation

# ----- checks ---------------------------------------------------------------------------------


def check_fraction(fraction: Any) -> float:
    return check_in_range("fraction", fraction, 0.0, 1.0, low_inclusive=False,
                          high_inclusive=True)  # fmt: skip


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
