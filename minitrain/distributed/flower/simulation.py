"""``dist.fedavg``'s job on Flower's simulation runtime (Ray): the ``ServerApp`` and the
``ClientApp`` of this package run together on one machine, with the same arguments and the same
history as the simulator; the options Flower cannot honour are refused with the reason.
"""

from __future__ import annotations

import logging
from typing import Any

from ..._types import Params
from ..._validate import check_flag, check_int, describe
from .._common import check_validation, rows_per_step
from ..comm import Uncompressed
from ..faults import Faults
from ..fedavg import FedAvg
from ..history import DistributedHistory
from ..simulate import check_common, check_memory, check_target, finish, initial_params
from ._common import load_flwr
from .client import client_app
from .server import server_app

__all__ = ["UNSUPPORTED", "run_simulation"]

UNSUPPORTED = {
    "compression": "Flower sends dense parameters; compress in a Flower mod instead",
    "faults": "failures and deadlines are real in Flower, not injected",
    "executor": "Flower runs the clients itself (Ray in simulation, SuperNodes when deployed)",
    "state": "a Flower run starts from params; pass history.params as params=",
    "hierarchical": "Flower has one server and no gateways",
}


def _harmless(name: str, value: Any) -> bool:
    """Whether a ``fedavg`` option Flower cannot honour has its do-nothing value."""
    if name == "compression":
        return value is None or type(value) is Uncompressed
    if name == "faults":
        return value is None or (type(value) is Faults and value == Faults())
    return value is (False if name == "hierarchical" else None)


def run_simulation(
    model: Any,
    loss: Any,
    cluster: Any,
    *,
    rounds: int,
    local_opt: Any,
    epochs: int = 1,
    batch_size: int | None = None,
    fraction: float = 0.1,
    mu: float = 0.0,
    server_opt: Any = None,
    seed: int = 0,
    params: Params | None = None,
    validation: tuple[Any, Any] | None = None,
    target: float | None = None,
    backend_config: dict[str, Any] | None = None,
    evaluate_on_clients: bool = False,
    **unsupported: Any,
) -> DistributedHistory:
    """``dist.fedavg`` on Flower's simulation runtime (Ray): same arguments, same history.

    With the same seed the parameters after every round equal ``dist.fedavg``'s up to
    rounding (see ``minitrain.distributed.flower``). Options of ``fedavg`` that Flower cannot honour
    (compression, faults, executor, state, hierarchical) are refused with the reason.
    ``backend_config`` goes to ``flwr.simulation.run_simulation`` (default: one CPU per client);
    ``evaluate_on_clients``: Flower's federated evaluation instead of ``validation`` (see
    ``server_app``).
    """
    for name, value in unsupported.items():
        if name not in UNSUPPORTED:
            raise TypeError(f"run_simulation() got an unexpected keyword argument {name!r}.")
        if not _harmless(name, value):
            raise ValueError(f"{name}={describe(value)} cannot run on Flower: {UNSUPPORTED[name]}.")
    FedAvg(local_opt=local_opt, epochs=epochs, batch_size=batch_size, fraction=fraction, mu=mu,
           server_opt=server_opt)  # checks each of them by name
    check_common(model, loss, cluster, None, None, None, seed)
    rounds = check_int("rounds", rounds, minimum=1)
    params = initial_params(model, loss, cluster, params, seed)
    check_memory(model, params, cluster, rows_per_step(cluster.sizes, batch_size), local_opt)
    validation = check_validation(model, loss, params, validation)
    check_flag("evaluate_on_clients", evaluate_on_clients)
    check_target(loss, True if evaluate_on_clients else validation, target)
    if backend_config is not None and not isinstance(backend_config, dict):
        raise TypeError(f"backend_config must be None or a dict (Flower's backend_config); got "
                        f"{describe(backend_config)}.")  # fmt: skip

    load_flwr()
    from flwr.simulation import run_simulation as flower_simulation

    availability = cluster.topology.arrays["availability"]  # what dist.fedavg samples with
    history = DistributedHistory(metric_name=loss.metric, higher_is_better=loss.higher_is_better)
    server = server_app(model, loss, rounds=rounds, n_workers=cluster.n_workers, params=params,
                        fraction=fraction, server_opt=server_opt, validation=validation,
                        target=target, seed=seed, availability=availability,
                        history=history, evaluate_on_clients=evaluate_on_clients)  # fmt: skip
    client = client_app(model, loss, cluster, local_opt=local_opt, epochs=epochs,
                        batch_size=batch_size, mu=mu)  # fmt: skip
    config = {"client_resources": {"num_cpus": 1, "num_gpus": 0.0}} if backend_config is None \
        else backend_config
    flwr_logger = logging.getLogger("flwr")
    level = flwr_logger.level
    flwr_logger.setLevel(logging.ERROR)  # Flower's round log and deprecation notices: quiet
    try:
        flower_simulation(server, client, num_supernodes=cluster.n_workers,
                          backend_config=config)  # fmt: skip
    finally:
        flwr_logger.setLevel(level)
    return finish(history, history.state, history.stopped_reason)
