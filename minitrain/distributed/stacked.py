"""``minibatch_gradient`` of m workers at once, bit-identical to m calls of ``worker_update``.

With equal-sized shards stacked as X (m, n, d), one pass computes every worker's gradient:

- forward: ``x @ W + b`` on (m, B, n_in) is a matmul per slice (NumPy's stacked matmul calls
  the same BLAS kernel on each slice as on a 2-D array), elementwise layers work on any shape;
- loss: for ``CrossEntropy`` with integer labels and ``MSE``, the loss's own operations along
  the last axes (so each slice's mean is over its own rows), else one call per slice;
- backward, per Dense layer with dy (m, B, n_out):
  ``dW = x^T dy`` per slice (m, n_in, n_out), ``db = sum over rows of dy`` (m, n_out),
  ``dx = dy W^T`` (m, B, n_in).

Each worker's slice goes through exactly the operations of ``worker_update``, in the same
order, so the results are equal bit for bit (tested), and a stacked round can stand in for a
round on any executor. The cost is that of one full-batch pass plus writing m gradients.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._types import Params
from .._validate import check_float_dtype, check_int, check_params, describe
from ..layers import Dense, LeakyReLU, ReLU, Sequential, Sigmoid, Tanh
from ..losses import MSE, CrossEntropy, Loss
from ..train import check_model_and_loss, epoch_batches
from ._common import layer_keys
from .workers import WorkerConfig, minibatch_gradient

__all__ = ["can_stack", "stacked_gradients", "stacked_loss"]

ELEMENTWISE = (ReLU, LeakyReLU, Tanh, Sigmoid)  # layers whose backward works on any shape


def can_stack(model: Sequential, config: WorkerConfig) -> bool:
    """True when the workers compute ``minibatch_gradient`` and every layer is Dense or
    elementwise, so a stacked backward pass exists."""
    check_model_and_loss(model, config.loss if isinstance(config, WorkerConfig) else MSE())
    if not isinstance(config, WorkerConfig):
        raise TypeError(f"config must be a WorkerConfig; got {describe(config)}.")
    return config.work is minibatch_gradient and all(
        isinstance(layer, (Dense, *ELEMENTWISE)) for layer in model.layers
    )


def _cross_entropy(pred: np.ndarray, labels: np.ndarray):
    """``CrossEntropy.value_and_grad`` and ``metric_value`` on (m, n, C) logits, (m, n) labels:
    per slice ``L = mean(log sum exp z - z_y)``, ``dL/dz = (softmax(z) - onehot(y)) / n``."""
    m, n = labels.shape
    shifted = pred - pred.max(axis=2, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=2, keepdims=True)
    log_total = np.log(total)
    probabilities = exp / total
    workers, rows = np.arange(m)[:, None], np.arange(n)[None, :]
    values = np.mean(log_total[:, :, 0] - shifted[workers, rows, labels], axis=1)
    probabilities[workers, rows, labels] -= 1
    accuracy = np.mean(pred.argmax(axis=2) == labels, axis=1)
    return values, probabilities / pred.dtype.type(n), accuracy


def _mse(pred: np.ndarray, target: np.ndarray):
    """``MSE.value_and_grad`` and the RMSE metric squared on (m, n, C) arrays: per slice
    ``L = mean((p - t)^2)``, ``dL/dp = 2 (p - t) / (n C)``."""
    m = pred.shape[0]
    residual = pred - target
    values = np.mean((residual * residual).reshape(m, -1), axis=1)
    rmse = np.sqrt(np.mean(((pred - target) ** 2).reshape(m, -1), axis=1)).astype(np.float64)
    return values, residual * (2 / residual[0].size), rmse * rmse


def stacked_loss(loss: Loss, pred: np.ndarray, target: Any):
    """(values (m,), d loss / d pred (m, n, ...), metrics (m,)) of m workers' outputs; metrics
    as ``metric_for_average`` (RMSE squared)."""
    _check_stack("pred", pred, 3)
    if not isinstance(loss, Loss):
        raise TypeError(f"loss must be a minitrain loss such as mt.losses.MSE(); got "
                        f"{describe(loss)}.")  # fmt: skip
    if not isinstance(target, np.ndarray) or target.shape[:2] != pred.shape[:2]:
        raise ValueError(f"target must be an ndarray whose first two axes are pred's "
                         f"{pred.shape[:2]}; got {describe(target)}.")  # fmt: skip
    for k in range(len(pred)):  # each worker's slice as the loss checks a 2-D output
        loss.check_target(target[k], pred[k].shape, pred.dtype, "target")
    if type(loss) is CrossEntropy and target.ndim == 2 and target.dtype.kind in "iu":
        values, grads, metrics = _cross_entropy(pred, target)
    elif type(loss) is MSE:
        values, grads, metrics = _mse(pred, target)
    else:
        per_worker = [loss.value_and_grad(pred[k], target[k]) for k in range(len(pred))]
        values = np.array([value for value, _ in per_worker])
        grads = np.stack([grad for _, grad in per_worker])
        metrics = np.array([loss.metric_for_average(pred[k], target[k]) for k in range(len(pred))])
    return values.astype(np.float64), grads, metrics.astype(np.float64)


def stacked_gradients(
    model: Sequential,
    loss: Loss,
    params: Params,
    X: np.ndarray,
    y: Any,
    seeds: list[Any] | None,
    batch_size: int | None,
) -> tuple[np.ndarray, np.ndarray, Params, int]:
    """``minibatch_gradient`` of m workers: X (m, n, d), y (m, n, ...), one seed each (it draws
    the minibatch; None is fine when every worker uses all its rows, batch_size None or >= n).

    Returns (losses (m,), metrics (m,), grads {key: (m, *shape)}, rows used per worker).
    """
    check_model_and_loss(model, loss)
    check_params("params", params)
    model.check_params(params)
    _check_stack("X", X, 3)
    model.check_input(X[0], "X[0]", next(iter(params.values())).dtype)  # width and dtype
    if not isinstance(y, np.ndarray) or y.shape[:2] != X.shape[:2]:
        raise ValueError(f"y must be an ndarray whose first two axes are X's {X.shape[:2]}; got "
                         f"{describe(y)}.")  # fmt: skip
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, minimum=1)
    if batch_size is not None and batch_size < X.shape[1] and (
        not isinstance(seeds, (list, tuple)) or len(seeds) != len(X)
    ):
        raise TypeError(f"seeds must be a list of one seed per worker ({len(X)}) when "
                        f"batch_size < n; got {describe(seeds)}.")  # fmt: skip
    with np.errstate(over="ignore", invalid="ignore"):  # non-finite results are checked later
        return _stacked(model, loss, params, X, y, seeds, batch_size)


def _check_stack(name: str, x: object, ndim: int) -> None:
    if not isinstance(x, np.ndarray) or x.ndim != ndim or x.dtype.kind != "f" or x.size == 0:
        raise TypeError(f"{name} must be a non-empty {ndim}-D floating ndarray (m, n, ...); got "
                        f"{describe(x)}.")  # fmt: skip
    check_float_dtype(name, x.dtype)


def _stacked(model, loss, params, X, y, seeds, batch_size):
    m, n = X.shape[:2]
    if batch_size is not None and batch_size < n:
        rows = np.stack([epoch_batches(n, batch_size, np.random.default_rng(s))[0] for s in seeds])
        X, y = X[np.arange(m)[:, None], rows], y[np.arange(m)[:, None], rows]
    out, caches = model.forward(params, X)
    losses, d, metrics = stacked_loss(loss, out, y)
    return losses, metrics, _stacked_backward(model, params, caches, d), X.shape[1]


def _stacked_backward(model: Sequential, params: Params, caches: list, d: np.ndarray) -> Params:
    """Backward through every layer on stacked (m, B, ...) arrays; grads {key: (m, *shape)}.
    Dense per slice (``Dense.backward`` transposes all axes of a 3-D x): dW = x^T dy,
    db = sum over rows of dy, dx = dy W^T; elementwise layers work on any shape."""
    keys, grads = layer_keys(model), {}
    for i in range(len(model.layers) - 1, -1, -1):
        layer, local = model.layers[i], model.layer_params(params, i)
        if isinstance(layer, Dense):
            grads[keys[i]["W"]] = np.matmul(np.swapaxes(caches[i], -1, -2), d)
            grads[keys[i]["b"]] = d.sum(axis=-2)
            d = d @ local["W"].T if i > 0 else d
        else:
            d = layer.backward(local, caches[i], d)[0]
    return {key: grads[key] for key in params}
