"""What one worker computes: a pure, picklable, top-level function of its inputs.

    result = worker_update(params, X_k, y_k, config, seed)

runs the same on the calling process, a process pool or a dask cluster, because everything it
depends on is in its arguments and its only randomness is ``np.random.default_rng(seed)``.

``config.work`` is what the worker computes, chosen by the algorithm
(``minitrain.distributed.algorithm``); two are defined here:

- ``minibatch_gradient`` (synchronous SGD): the gradient of the mean loss over a minibatch of
  B rows of the shard (all n_k rows when B is None), at the server's parameters:
  ``g_k = (1/B) sum_{i in batch} grad l_i(w)``. The update is g_k, its weight B.
- ``local_training`` (FedAvg / FedProx): E epochs of minibatch steps of the local stepper from
  ``w_t``, each epoch over a fresh permutation of the shard, on the objective
  ``L_k(w) + mu/2 ||w - w_t||^2`` (FedProx; mu = 0 is FedAvg). The update is
  ``Delta_k = w_k - w_t``, its weight n_k. The steps are taken as ``fit`` takes them
  (``minitrain.train.Steps``): one flat vector for minitrain's steppers, with the numbers of
  ``opt.step``.

``minitrain.distributed.stacked`` computes ``minibatch_gradient`` for many workers at once,
bit-identical to this function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .._types import Params
from .._validate import (
    check_choice,
    check_float_dtype,
    check_int,
    check_params,
    check_positive,
    check_same_keys,
    check_seed,
    check_stepper,
    describe,
)
from ..layers import Sequential
from ..losses import Loss
from ..train import Steps, backprop, check_data, check_model_and_loss, epoch_batches

__all__ = [
    "FAILURE_KINDS",
    "WorkerConfig",
    "WorkerResult",
    "local_training",
    "minibatch_gradient",
    "proximal_term",
    "run_worker",
    "with_failure",
    "worker_update",
]

FAILURE_KINDS = ("raise", "nan", "shape")


class SimulatedWorkerFailure(RuntimeError):
    """Raised inside a worker told to fail (``Faults(failures={k: "raise"})``)."""


@dataclass(frozen=True, kw_only=True)
class WorkerConfig:
    """Everything a worker needs besides params, data and seed.

    ``work``: what it computes, ``work(params, X, y, config, rng) -> WorkerResult`` (a
    top-level function, so that it pickles: ``minibatch_gradient`` or ``local_training``);
    ``batch_size`` B (None: the whole shard); ``epochs`` E and ``opt`` (a stepper) of local
    training; ``mu`` the FedProx coefficient; ``failure`` an injected fault, one of
    ``FAILURE_KINDS`` or None.
    """

    model: Sequential
    loss: Loss
    work: Callable[..., WorkerResult]
    batch_size: int | None = None
    epochs: int = 1
    opt: Any = None
    mu: float = 0.0
    failure: str | None = None

    def __post_init__(self) -> None:
        check_model_and_loss(self.model, self.loss)
        if not callable(self.work) or isinstance(self.work, type):
            raise TypeError(
                "work must be a top-level function work(params, X, y, config, rng) such as "
                f"minibatch_gradient or local_training; got {describe(self.work)}."
            )
        if self.batch_size is not None:
            check_int("batch_size", self.batch_size, minimum=1)
        check_int("epochs", self.epochs, minimum=1)
        if self.opt is not None:
            check_stepper("opt", self.opt)
        check_positive("mu", self.mu, allow_zero=True)
        if self.failure is not None:
            check_choice("failure", self.failure, FAILURE_KINDS)


@dataclass(frozen=True)
class WorkerResult:
    """A worker's answer: ``update`` (keyed like params), the mean ``loss`` and ``metric`` of
    its local minibatches (metric squared for "rmse", so that weighted means combine), and
    ``weight``, the sample count it is averaged with."""

    update: Params
    loss: float
    metric: float
    weight: int


def proximal_term(params: Params, anchor: Params, mu: float) -> tuple[float, Params]:
    """FedProx's proximal term and its gradient.

    value = mu/2 sum_key ||w[key] - w_t[key]||^2,     grad[key] = mu (w[key] - w_t[key])
    """
    check_params("params", params)
    check_params("anchor", anchor)
    check_same_keys("anchor", anchor, params)
    mu = check_positive("mu", mu, allow_zero=True)
    diff = {key: params[key] - anchor[key] for key in params}
    value = 0.5 * mu * sum(float(np.vdot(d, d)) for d in diff.values())
    return value, {key: d * mu for key, d in diff.items()}


def minibatch_gradient(
    params: Params, X: np.ndarray, y: Any, config: WorkerConfig, rng: np.random.Generator
) -> WorkerResult:
    """Synchronous SGD's work: ``g_k`` on B rows drawn from the shard (all when B is None)."""
    _check_work_inputs(params, X, y, config, rng)
    return _minibatch_gradient(params, X, y, config, rng)


def _minibatch_gradient(
    params: Params, X: np.ndarray, y: Any, config: WorkerConfig, rng: np.random.Generator
) -> WorkerResult:
    rows = epoch_batches(len(X), config.batch_size, rng)[0]  # the first batch of an epoch
    X_batch, y_batch = X[rows], y[rows]
    value, grads, out = backprop(config.model, config.loss, params, X_batch, y_batch)
    metric = config.loss.metric_for_average(out, y_batch)
    return WorkerResult(update=grads, loss=value, metric=metric, weight=len(X_batch))


def local_training(
    params: Params, X: np.ndarray, y: Any, config: WorkerConfig, rng: np.random.Generator
) -> WorkerResult:
    """FedAvg's and FedProx's work: E epochs of the local stepper; ``Delta_k = w_k - w_t``."""
    _check_work_inputs(params, X, y, config, rng)
    if config.opt is None:
        raise ValueError("config.opt must be the local stepper for local_training; got None.")
    return _local_training(params, X, y, config, rng)


def _check_work_inputs(params: Any, X: Any, y: Any, config: Any, rng: Any) -> None:
    """What every worker function is given: params (the model's keys and shapes), a shard
    (X, y) that fits the model and loss, and a config; O(shard) work, less than one epoch."""
    check_params("params", params)
    if not isinstance(X, np.ndarray) or X.ndim != 2 or X.dtype.kind != "f" or len(X) == 0:
        raise TypeError(f"X must be a non-empty 2-D floating ndarray (a shard); got {describe(X)}.")
    check_float_dtype("X", X.dtype)
    if not isinstance(y, np.ndarray) or y.ndim == 0 or len(y) != len(X):
        raise ValueError(f"y must be an ndarray with one target per row of X ({len(X)}); got "
                         f"{describe(y)}.")  # fmt: skip
    if not isinstance(config, WorkerConfig):
        raise TypeError(f"config must be a WorkerConfig; got {describe(config)}.")
    check_data(config.model, config.loss, params, X, y)
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator; got {describe(rng)}.")


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


def with_failure(config: WorkerConfig, failure: str | None) -> WorkerConfig:
    """``config`` with an injected ``failure`` (None: ``config`` itself, not a checked copy)."""
    return config if failure is None else replace(config, failure=failure)


# minitrain's work functions -> the same work without the checks of their inputs.
UNCHECKED_WORK: dict[Callable[..., WorkerResult], Callable[..., WorkerResult]] = {
    minibatch_gradient: _minibatch_gradient,
    local_training: _local_training,
}


def _inject(result: WorkerResult, failure: str | None) -> WorkerResult:
    if failure is None:
        return result
    key = next(iter(result.update))
    broken = dict(result.update)
    if failure == "nan":
        broken[key] = np.full_like(broken[key], np.nan)
    else:  # "shape": one row too many
        broken[key] = np.concatenate([broken[key], broken[key][:1]])
    return replace(result, update=broken)


def worker_update(
    params: Params, X: np.ndarray, y: Any, config: WorkerConfig, seed: np.random.SeedSequence | int
) -> WorkerResult:
    """One worker's local work, ``config.work``, on its shard (X (n_k, d), y (n_k, ...)).

    Pure: ``params``, ``X`` and ``y`` are not modified; the result depends only on the
    arguments.
    """
    _check_work_inputs(params, X, y, config, None)
    if not isinstance(seed, np.random.SeedSequence):
        check_seed("seed", seed)
    return run_worker(params, X, y, config, seed)


def run_worker(
    params: Params, X: np.ndarray, y: Any, config: WorkerConfig, seed: np.random.SeedSequence | int
) -> WorkerResult:
    """``worker_update`` on inputs its caller has checked, without checking them again: the
    simulator's rounds run this on a ``Cluster``'s shards (checked when the cluster was made)
    and the run's parameters (checked when the run started), so no round scans a shard for NaN
    again. minitrain's own work functions run here without their checks too."""
    rng = np.random.default_rng(seed)
    if config.failure == "raise":
        raise SimulatedWorkerFailure("simulated crash of the worker (an injected fault)")
    work = UNCHECKED_WORK.get(config.work, config.work)
    with np.errstate(over="ignore", invalid="ignore"):  # non-finite results are checked later
        result = work(params, X, y, config, rng)
    return _inject(result, config.failure)
