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
from typing import Any

import numpy as np

from .._types import Params
from .._validate import check_flag, check_int, check_stepper
from ._common import check_fraction, rows_per_step
from .clock import training_macs
from .history import DistributedHistory
from .simulate import run
from .workers import WorkerConfig, minibatch_gradient

__all__ = ["SyncSGD", "sync_sgd"]


@dataclass(frozen=True, kw_only=True)
class SyncSGD:
    """Synchronous data-parallel SGD with server stepper ``opt`` (see the module docstring).

    ``batch_size`` B per worker (None: its whole shard), ``fraction`` C of the workers per
    round, ``hierarchical`` averaging through the gateways. Workers compute
    ``minibatch_gradient`` and hold no stepper.
    """

    opt: Any
    batch_size: int | None = None
    fraction: float = 1.0
    hierarchical: bool = False

    def __post_init__(self) -> None:
        check_stepper("opt", self.opt)
        if self.batch_size is not None:
            check_int("batch_size", self.batch_size, minimum=1)
        check_fraction(self.fraction)
        check_flag("hierarchical", self.hierarchical)

    def worker_config(self, model: Any, loss: Any) -> WorkerConfig:
        return WorkerConfig(model=model, loss=loss, work=minibatch_gradient,
                            batch_size=self.batch_size)  # fmt: skip

    def local_macs(self, model: Any, sizes: np.ndarray) -> np.ndarray:
        """One forward and backward pass over B_k = min(B, n_k) rows."""
        return training_macs(model, rows_per_step(sizes, self.batch_size))

    def init(self, params: Params) -> dict[str, Any]:
        return self.opt.init(params)

    def apply(self, params: Params, opt_state: dict[str, Any], aggregate: Params):
        """``opt.step(w_t, g, state)`` with g the averaged gradient."""
        return self.opt.step(params, aggregate, opt_state)


def sync_sgd(
    model: Any,
    loss: Any,
    cluster: Any,
    *,
    opt: Any,
    rounds: int,
    batch_size: int | None = None,
    fraction: float = 1.0,
    hierarchical: bool = False,
    **options: Any,
) -> DistributedHistory:
    """Train with synchronous data-parallel SGD (server stepper ``opt``) for ``rounds`` rounds.

    ``options`` are those of ``run``: seed, params, state, compression, faults, executor,
    validation, target.
    """
    algorithm = SyncSGD(opt=opt, batch_size=batch_size, fraction=fraction,
                        hierarchical=hierarchical)  # fmt: skip
    return run(model, loss, cluster, algorithm, rounds=rounds, **options)
