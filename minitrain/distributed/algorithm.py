"""The algorithm protocol: what a synchronous round asks of a distributed training algorithm.

A round (``minitrain.distributed.rounds``) runs any object with these members; ``SyncSGD``
(``sync``) and ``FedAvg`` (``fedavg``) are the package's two. What each worker computes:

- ``worker_config(model, loss) -> WorkerConfig``, whose ``work`` is the worker's function
  (``workers.minibatch_gradient``: a gradient; ``workers.local_training``: E local epochs),
  with its batch size B and the stepper ``opt`` it holds (None for a gradient), which set the
  worker's training memory;
- ``local_macs(model, sizes)``: (K,) multiply-adds of each worker's local work (the clock).

Who takes part: ``fraction`` C of the K workers per round; ``hierarchical`` averaging through
the gateways. How the server applies the sample-weighted average u of the updates:

- ``init(params) -> state``, the server's stepper state;
- ``apply(params, state, u) -> (params, state)``: ``opt.step(w, g, s)`` for synchronous SGD,
  ``w + Delta`` or ``server_opt.step(w, -Delta, s)`` for FedAvg.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from .._types import Params
from .workers import WorkerConfig

__all__ = ["Algorithm"]


@runtime_checkable
class Algorithm(Protocol):
    """What ``run`` and ``run_round`` need of an algorithm (see the module docstring)."""

    fraction: float
    hierarchical: bool

    def worker_config(self, model: Any, loss: Any) -> WorkerConfig: ...

    def local_macs(self, model: Any, sizes: np.ndarray) -> np.ndarray: ...

    def init(self, params: Params) -> Any: ...

    def apply(self, params: Params, state: Any, aggregate: Params) -> tuple[Params, Any]: ...
