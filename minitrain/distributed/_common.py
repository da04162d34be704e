"""What every distributed module shares, each concept in exactly one place (internal).

- checks at the entry points: ``check_stepper``, ``check_flag``, ``check_fraction``,
  ``check_validation`` (the ``(X_val, y_val)`` tuple), ``check_model_and_loss``;
- minibatches: ``rows_per_step`` (B_k = min(B, n_k)), ``minibatch_rows`` (one draw of B rows),
  ``epoch_batches`` (an epoch's permutation cut into batches of B);
- metrics: ``lower_is_better`` (the direction of a metric) and ``averaged_as_square`` (RMSE is
  averaged over workers as its square, so that sample-weighted means combine);
- layers: ``forward_range``/``backward_range``, layers [start, stop) of a ``Sequential``;
- ``RunHistory``: the fields a distributed history shares with ``minitrain.train.History``.

The training core's private helpers are reached from here and nowhere else in the package:
``value_and_grad_unchecked`` and ``check_model_and_loss`` (``minitrain.train``) and
``loss_value_and_grad`` (a loss's unchecked value and gradient).
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass, field, fields
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np

from .._types import Params
from .._validate import check_in_range, describe
from ..train import _check_model_and_loss, _value_and_grad, check_data

# ----- the training core's unchecked computations and model check -----------------------------

value_and_grad_unchecked = _value_and_grad  # (model, loss, params, X, y) -> (value, grads, out)
check_model_and_loss = _check_model_and_loss  # a Sequential and a Loss, or TypeError


def loss_value_and_grad(loss: Any, pred: np.ndarray, target: Any) -> tuple[float, np.ndarray]:
    """The loss's value and d loss / d pred on checked arrays (no validation)."""
    return loss._value_and_grad(pred, target)


# ----- checks ---------------------------------------------------------------------------------


def check_stepper(name: str, opt: Any) -> None:
    if not (callable(getattr(opt, "init", None)) and callable(getattr(opt, "step", None))):
        raise TypeError(
            f"{name} must be a stepper with init(params) and step(params, grads, state), such "
            f"as mt.optim.SGD(lr=0.1); got {describe(opt)}."
        )


def check_flag(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False; got {describe(value)}.")


def check_fraction(fraction: Any) -> float:
    return check_in_range("fraction", fraction, 0.0, 1.0, low_inclusive=False,
                          high_inclusive=True)  # fmt: skip


def check_validation(model: Any, loss: Any, params: Params, validation: Any) -> Any:
    """``validation`` = (X_val, y_val), checked against the model and loss, or None."""
    if validation is None:
        return None
    if not (isinstance(validation, tuple) and len(validation) == 2):
        raise TypeError(f"validation must be a tuple (X_val, y_val); got {describe(validation)}.")
    return check_data(model, loss, params, *validation, ("X_val", "y_val"))


# ----- minibatches ----------------------------------------------------------------------------


def rows_per_step(sizes: np.ndarray, batch_size: int | None) -> np.ndarray:
    """Rows of one local step, B_k = min(B, n_k) (n_k, the whole shard, when B is None)."""
    return sizes if batch_size is None else np.minimum(sizes, batch_size)


def minibatch_rows(rng: np.random.Generator, n: int, batch_size: int | None) -> np.ndarray | slice:
    """Rows of one minibatch: ``B`` distinct rows drawn without replacement (all rows if B >= n)."""
    if batch_size is None or batch_size >= n:
        return slice(None)
    return rng.permutation(n)[:batch_size]


def epoch_batches(rng: np.random.Generator, n: int, batch_size: int) -> list[np.ndarray]:
    """One epoch's minibatches: a fresh permutation of the n rows cut into pieces of B."""
    order = rng.permutation(n)
    return [order[start : start + batch_size] for start in range(0, n, batch_size)]


# ----- metrics --------------------------------------------------------------------------------


def lower_is_better(metric_name: str) -> bool:
    """True for an error (RMSE), False for a score (accuracy)."""
    return metric_name == "rmse"


def averaged_as_square(metric_name: str) -> bool:
    """RMSE is averaged as MSE (its square): sample-weighted means of squares combine."""
    return metric_name == "rmse"


def reached(metric_name: str, value: float, target: float | None) -> bool:
    """Whether ``value`` is at least as good as ``target`` (never, when target is None)."""
    if target is None:
        return False
    return value <= target if lower_is_better(metric_name) else value >= target


# ----- layers [start, stop) of a Sequential ---------------------------------------------------


def forward_range(
    model: Any, params: Params, x: np.ndarray, start: int, stop: int
) -> tuple[np.ndarray, list[Any]]:
    """Output of layers [start, stop) on x and each layer's cache (unvalidated)."""
    caches = []
    for i in range(start, stop):
        x, cache = model.layers[i].forward(model.layer_params(params, i), x)
        caches.append(cache)
    return x, caches


_LAYER_KEYS: WeakKeyDictionary = WeakKeyDictionary()  # model -> its layer keys, built once


def layer_keys(model: Any) -> list[dict[str, str]]:
    """Per layer, its local parameter names -> the model's keys (``model.init``'s order)."""
    if model not in _LAYER_KEYS:
        keys = iter(model.param_shapes())
        _LAYER_KEYS[model] = [{name: next(keys) for name in layer.param_shapes()}
                              for layer in model.layers]  # fmt: skip
    return _LAYER_KEYS[model]


def backward_range(
    model: Any,
    params: Params,
    caches: list[Any],
    dout: np.ndarray,
    start: int,
    stop: int,
    need_dx: bool = False,
    keys: list[dict[str, str]] | None = None,
) -> tuple[np.ndarray | None, Params]:
    """Chain rule back through layers [start, stop): (dL/dx at ``start`` or None, grads of
    those layers' parameters under the model's keys). dx at ``start`` only with ``need_dx``;
    ``keys``: ``layer_keys(model)``, when the caller already has them."""
    owned = layer_keys(model) if keys is None else keys
    grads: Params = {}
    d = dout
    for i in range(stop - 1, start - 1, -1):
        d, local = model.layers[i].backward(model.layer_params(params, i), caches[i - start], d,
                                            need_dx=need_dx or i > start)  # fmt: skip
        grads.update({owned[i][name]: g for name, g in local.items()})
    return d, grads


# ----- history --------------------------------------------------------------------------------


@dataclass
class RunHistory:
    """The fields of a training history: final ``params`` and stepper state, the metric's name
    and the per-round (or per-epoch) ``loss``, ``metric``, ``val_loss`` and ``val_metric``."""

    params: Params = field(default_factory=dict)
    opt_state: dict[str, Any] = field(default_factory=dict)
    metric_name: str = ""
    loss: list[float] = field(default_factory=list)
    metric: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_metric: list[float] = field(default_factory=list)

    def first_reaching(self, value: float) -> int | None:
        """The first index (0-based) whose ``val_metric`` reaches ``value`` (>= for accuracy,
        <= for RMSE), or None."""
        for i, metric in enumerate(self.val_metric):
            if reached(self.metric_name, metric, value):
                return i
        return None

    def as_dict(self) -> dict[str, Any]:
        """Everything but the arrays, as plain Python values (JSON-serialisable)."""
        skip = ("params", "opt_state", "state")
        return {f.name: deepcopy(getattr(self, f.name)) for f in fields(self) if f.name not in skip}
