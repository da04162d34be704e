"""Synchronous data-parallel SGD (and FedSGD): average the workers' gradients, take one step.

Round t, with S_t the workers that take part and B_k the rows worker k uses (its minibatch of
B rows, or its whole shard of n_k rows when B is None):

    g_k = (1/B_k) sum_{i in batch_k} grad l_i(w_t)                 (each worker, in parallel)
    g   = sum_{k in S_t} (B_k / sum_{j in S_t} B_j) g_k           (an all-reduce)
    w_{t+1}, state_{t+1} = opt.step(w_t, g, state_t)              (any minitrain stepper)

Weighting by sample count makes g the gradient of the mean loss over the union of the
batches: one round with every worker on its whole shard is one full-batch step (the plain
mean of the g_k is not, when shard sizes differ). ``hierarchical=True`` has every gateway
average its workers first and the cloud average the gateways (weights = their sample totals):
the same g, but one update per gateway on the backhaul instead of one per worker.
FedSGD (McMahan et al. 2017) is this with ``fraction=C`` and ``batch_size=None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._validate import check_in_range, check_int, describe
from .clock import training_flops
from .history import DistributedHistory
from .simulate import run
from .workers import WorkerConfig

__all__ = ["SyncSGD", "check_stepper", "sync_sgd"]

Params = dict[str, np.ndarray]


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


@dataclass(frozen=True)
class SyncSGD:
    """Synchronous data-parallel SGD with server stepper ``opt`` (see the module docstring).

    ``batch_size`` B per worker (None: its whole shard), ``fraction`` C of the workers per
    round, ``hierarchical`` averaging through the gateways.
    """

    opt: Any
    batch_size: int | None = None
    fraction: float = 1.0
    hierarchical: bool = False
    mode: ClassVar[str] = "gradient"

    def __post_init__(self) -> None:
        check_stepper("opt", self.opt)
        if self.batch_size is not None:
            check_int("batch_size", self.batch_size, minimum=1)
        check_fraction(self.fraction)
        check_flag("hierarchical", self.hierarchical)

    def worker_config(self, model: Any, loss: Any) -> WorkerConfig:
        return WorkerConfig(model, loss, "gradient", self.batch_size)

    def local_rows(self, sizes: np.ndarray) -> np.ndarray:
        """B_k = min(B, n_k): the rows each worker's gradient uses."""
        return sizes if self.batch_size is None else np.minimum(sizes, self.batch_size)

    def local_flops(self, model: Any, sizes: np.ndarray) -> np.ndarray:
        return training_flops(model, self.local_rows(sizes))

    def init(self, params: Params) -> dict[str, Any]:
        return self.opt.init(params)

    def apply(self, params: Params, opt_state: dict[str, Any], aggregate: Params):
        """``opt.step(w_t, g, state)`` with g the averaged gradient."""
        return self.opt.step(params, aggregate, opt_state)


def sync_sgd(
    model: Any,
    loss: Any,
    opt: Any,
    cluster: Any,
    *,
    rounds: int,
    batch_size: int | None = None,
    fraction: float = 1.0,
    hierarchical: bool = False,
    **options: Any,
) -> DistributedHistory:
    """Train with synchronous data-parallel SGD for ``rounds`` rounds.

    ``options`` are those of ``run``: seed, params, state, compression, faults, executor,
    validation, target.
    """
    algorithm = SyncSGD(opt, batch_size, fraction, hierarchical)
    return run(model, loss, cluster, algorithm, rounds=rounds, **options)
