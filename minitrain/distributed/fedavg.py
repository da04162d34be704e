"""Local SGD / federated averaging (FedAvg), FedProx, and server-side steppers.

Round t (McMahan et al. 2017): sample m = max(1, round(C K)) clients S_t; each runs E epochs of
minibatch steps of size B (B = None: the whole shard) of the local stepper from w_t, on

    h_k(w) = L_k(w) + mu/2 ||w - w_t||^2        (FedProx, Li et al. 2020; mu = 0: FedAvg)
    grad h_k(w) = grad L_k(w) + mu (w - w_t)

and sends Delta_k = w_k - w_t. The server averages weighted by shard size n_k,

    Delta = sum_{k in S_t} (n_k / sum_{j in S_t} n_j) Delta_k,

and applies it: ``w_{t+1} = w_t + Delta``, or with a server stepper (Reddi et al. 2021,
"adaptive federated optimization") the pseudo-gradient ``-Delta`` goes into any minitrain
stepper: ``w_{t+1}, s = server_opt.step(w_t, -Delta, s)``. ``GD(lr=1)`` gives plain FedAvg;
``Adam`` gives FedAdam. With E = 1, B = None and local ``GD(lr)``, Delta_k = -lr g_k, so
FedAvg is FedSGD.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._types import Params
from .._validate import check_flag, check_int, check_positive, check_stepper
from ._common import check_fraction
from .clock import training_macs
from .history import DistributedHistory
from .simulate import run
from .workers import WorkerConfig, local_training

__all__ = ["FedAvg", "fedavg"]


@dataclass(frozen=True, kw_only=True)
class FedAvg:
    """Federated averaging: ``local_opt`` stepper, E = ``epochs``, B = ``batch_size``,
    C = ``fraction``, FedProx ``mu`` (>= 0), optional ``server_opt``; see the module doc.
    Workers compute ``local_training``."""

    local_opt: Any
    epochs: int = 1
    batch_size: int | None = None
    fraction: float = 0.1
    mu: float = 0.0
    server_opt: Any = None
    hierarchical: bool = False

    def __post_init__(self) -> None:
        check_stepper("local_opt", self.local_opt)
        check_int("epochs", self.epochs, minimum=1)
        if self.batch_size is not None:
            check_int("batch_size", self.batch_size, minimum=1)
        check_fraction(self.fraction)
        check_positive("mu", self.mu, allow_zero=True)
        if self.server_opt is not None:
            check_stepper("server_opt", self.server_opt)
        check_flag("hierarchical", self.hierarchical)

    def worker_config(self, model: Any, loss: Any) -> WorkerConfig:
        return WorkerConfig(model=model, loss=loss, work=local_training, batch_size=self.batch_size,
                            epochs=self.epochs, opt=self.local_opt, mu=self.mu)  # fmt: skip

    def local_macs(self, model: Any, sizes: np.ndarray) -> np.ndarray:
        """E passes over the n_k rows of the shard."""
        return training_macs(model, self.epochs * sizes)

    def init(self, params: Params) -> dict[str, Any]:
        return {} if self.server_opt is None else self.server_opt.init(params)

    def apply(self, params: Params, opt_state: dict[str, Any], aggregate: Params):
        """``w_t + Delta``, or ``server_opt.step(w_t, -Delta, state)``."""
        if self.server_opt is None:
            return {key: p + aggregate[key] for key, p in params.items()}, opt_state
        pseudo_gradient = {key: -delta for key, delta in aggregate.items()}
        return self.server_opt.step(params, pseudo_gradient, opt_state)


def fedavg(
    model: Any,
    loss: Any,
    cluster: Any,
    *,
    local_opt: Any,
    rounds: int,
    epochs: int = 1,
    batch_size: int | None = None,
    fraction: float = 0.1,
    mu: float = 0.0,
    server_opt: Any = None,
    hierarchical: bool = False,
    **options: Any,
) -> DistributedHistory:
    """Train with FedAvg (FedProx when mu > 0) for ``rounds`` rounds.

    ``options`` are those of ``run``: seed, params, state, compression, faults, executor,
    validation, target.
    """
    algorithm = FedAvg(local_opt=local_opt, epochs=epochs, batch_size=batch_size,
                       fraction=fraction, mu=mu, server_opt=server_opt,
                       hierarchical=hierarchical)  # fmt: skip
    return run(model, loss, cluster, algorithm, rounds=rounds, **options)
