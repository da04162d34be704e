"""What one worker computes: a pure, picklable, top-level function of its inputs.

    result = worker_update(params, X_k, y_k, config, seed)

runs the same on the calling process, a process pool or a dask cluster, because everything it
depends on is in its arguments and its only randomness is ``np.random.default_rng(seed)``.

Two kinds of local work (``config.mode``):

- ``"gradient"`` (synchronous SGD): the gradient of the mean loss over a minibatch of B rows
  of the shard (all n_k rows when B is None), at the server's parameters:
  ``g_k = (1/B) sum_{i in batch} grad l_i(w)``. The update is g_k, its weight B.
- ``"local"`` (FedAvg / FedProx): E epochs of minibatch steps of the local stepper from
  ``w_t``, each epoch over a fresh permutation of the shard, on the objective
  ``L_k(w) + mu/2 ||w - w_t||^2`` (FedProx; mu = 0 is FedAvg). The update is
  ``Delta_k = w_k - w_t``, its weight n_k. The steps are taken as ``fit`` takes them
  (``minitrain._updates``): in place for minitrain's steppers, with the numbers of ``opt.step``.

``minitrain.distributed.stacked`` computes the "gradient" work of many workers at once,
bit-identical to this function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..layers import Sequential
from ..losses import Loss
from ..train import Steps, _value_and_grad, epoch_batches

__all__ = [
    "FAILURE_KINDS",
    "WorkerConfig",
    "WorkerResult",
    "metric_for_average",
    "minibatch_rows",
    "proximal_term",
    "worker_update",
]

Params = dict[str, np.ndarray]
FAILURE_KINDS = ("raise", "nan", "shape")


class SimulatedWorkerFailure(RuntimeError):
    """Raised inside a worker told to fail (``Faults(failures={k: "raise"})``)."""


@dataclass(frozen=True)
class WorkerConfig:
    """Everything a worker needs besides params, data and seed.

    ``mode`` "gradient" or "local"; ``batch_size`` B (None: the whole shard); ``epochs`` E and
    ``opt`` (a stepper) for "local"; ``mu`` the FedProx coefficient; ``failure`` an injected
    fault, one of ``FAILURE_KINDS`` or None.
    """

    model: Sequential
    loss: Loss
    mode: str = "gradient"
    batch_size: int | None = None
    epochs: int = 1
    opt: Any = None
    mu: float = 0.0
    failure: str | None = None


@dataclass(frozen=True)
class WorkerResult:
    """A worker's answer: ``update`` (keyed like params), the mean ``loss`` and ``metric`` of
    its local minibatches (metric squared for "rmse", so that weighted means combine), and
    ``weight``, the sample count it is averaged with."""

    update: Params
    loss: float
    metric: float
    weight: int


def minibatch_rows(rng: np.random.Generator, n: int, batch_size: int | None) -> np.ndarray | slice:
    """Rows of one minibatch: ``B`` distinct rows drawn without replacement (all rows if B >= n)."""
    if batch_size is None or batch_size >= n:
        return slice(None)
    return rng.permutation(n)[:batch_size]


def proximal_term(params: Params, anchor: Params, mu: float) -> tuple[float, Params]:
    """FedProx's proximal term and its gradient.

    value = mu/2 sum_key ||w[key] - w_t[key]||^2,     grad[key] = mu (w[key] - w_t[key])
    """
    diff = {key: params[key] - anchor[key] for key in params}
    value = 0.5 * mu * sum(float(np.vdot(d, d)) for d in diff.values())
    return value, {key: d * mu for key, d in diff.items()}


def metric_for_average(loss: Loss, out: np.ndarray, y: Any) -> float:
    """The loss's metric, squared for RMSE so that sample-weighted means of it combine."""
    value = loss.metric_value(out, y)
    return value * value if loss.metric == "rmse" else value


def _epoch_batches(rng: np.random.Generator, n: int, batch_size: int) -> list[np.ndarray]:
    """One epoch's minibatches: a fresh permutation of the n rows cut into pieces of B."""
    order = rng.permutation(n)
    return [order[start : start + batch_size] for start in range(0, n, batch_size)]


def _local_training(
    params: Params, X: np.ndarray, y: Any, config: WorkerConfig, rng: np.random.Generator
) -> WorkerResult:
    model, loss, opt = config.model, config.loss, config.opt
    n = len(X)
    # fit's steps: one flat vector for minitrain's steppers, bit for bit those of opt.step.
    steps = Steps(model, loss, opt, params, opt.init(params))
    loss_sum = metric_sum = 0.0
    seen = 0
    for _ in range(config.epochs):
        for rows in epoch_batches(n, config.batch_size, rng):
            y_batch = y[rows]
            value, _, out = steps.gradient(X[rows], y_batch)
            if config.mu:
                steps.add_to_gradient(proximal_term(steps.current, params, config.mu)[1])
            steps.apply()
            loss_sum += value * len(out)
            metric_sum += loss.metric_for_average(out, y_batch) * len(out)
            seen += len(out)
    w = steps.current
    delta = {key: w[key] - params[key] for key in params}
    return WorkerResult(delta, loss_sum / seen, metric_sum / seen, n)


def _inject(result: WorkerResult, failure: str | None) -> WorkerResult:
    if failure is None:
        return result
    key = next(iter(result.update))
    broken = dict(result.update)
    if failure == "nan":
        broken[key] = np.full_like(broken[key], np.nan)
    else:  # "shape": one row too many
        broken[key] = np.concatenate([broken[key], broken[key][:1]])
    return WorkerResult(broken, result.loss, result.metric, result.weight)


def worker_update(
    params: Params, X: np.ndarray, y: Any, config: WorkerConfig, seed: np.random.SeedSequence | int
) -> WorkerResult:
    """One worker's local work on its shard (X (n_k, d), y (n_k, ...)); see the module doc.

    Pure: ``params``, ``X`` and ``y`` are not modified; the result depends only on the
    arguments.
    """
    rng = np.random.default_rng(seed)
    if config.failure == "raise":
        raise SimulatedWorkerFailure("simulated crash of the worker (an injected fault)")
    with np.errstate(over="ignore", invalid="ignore"):  # non-finite results are checked later
        if config.mode == "local":
            result = _local_training(params, X, y, config, rng)
        else:
            rows = minibatch_rows(rng, len(X), config.batch_size)
            X_batch, y_batch = X[rows], y[rows]
            value, grads, out = _value_and_grad(config.model, config.loss, params, X_batch,
                                                y_batch)  # fmt: skip
            result = WorkerResult(
                grads, value, metric_for_average(config.loss, out, y_batch), len(X_batch)
            )
    return _inject(result, config.failure)
