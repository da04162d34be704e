"""minitrain's federated clients on Flower (``flwr``): from simulation to real devices.

minitrain simulates FedAvg on one machine; Flower runs the same algorithm over gRPC between a
server (SuperLink + ``ServerApp``) and devices (SuperNode + ``ClientApp``). Parameters travel
in Flower as named NumPy arrays, so the adapter is thin:

    client: receive w_t, run minitrain's own worker update on this node's shard
            (E epochs of the local stepper on L_k(w) + mu/2 ||w - w_t||^2), reply w_k and n_k;
    server: w_avg = sum_k (n_k / sum_j n_j) w_k            (Flower's FedAvg aggregation)
            w_{t+1} = w_avg,  or with a server stepper
            w_{t+1}, s = server_opt.step(w_t, w_t - w_avg, s)    (pseudo-gradient -Delta)

which is ``dist.fedavg``'s round: sum_k (n_k/N) w_k = w_t + sum_k (n_k/N) Delta_k, equal up to
rounding (the two sums round differently: ~1e-16 relative per round).

Same numbers as the simulator: the server samples exactly the clients ``dist.fedavg`` samples
(the same draws from ``seed_of(seed, r, 0)``), and sends each client the run's seed and the
round index, so worker k's minibatches come from ``seed_of(seed, r, k + 1, 0)`` as in
``dist.fedavg``. A node learns which worker it is from its node config ``partition-id``
(Flower's simulation sets it; a real SuperNode takes ``--node-config "partition-id=k"``); the
server asks every node once, with a query message, before the first round.

What Flower cannot honour is refused, not ignored: the simulated clock and deadlines (Flower
runs in real time: ``elapsed`` and ``round_time`` of the history are measured wall-clock
seconds), compression, injected faults, executors, hierarchical aggregation, and resuming from
a ``ServerState``.

Flower is an optional dependency (``pip install "minitrain[flower]"``), imported only when one
of these functions is called. minitrain switches Flower's telemetry off
(``FLWR_TELEMETRY_ENABLED=0``) unless the variable is already set.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np

from ..._types import Params
from ..._validate import (
    check_flag,
    check_int,
    check_params,
    check_positive,
    check_seed,
    check_stepper,
    describe,
)
from ...train import check_model_and_loss
from .._common import check_fraction, check_validation, rows_per_step
from ..comm import Uncompressed, dense_nbytes
from ..faults import Faults
from ..fedavg import FedAvg
from ..history import DistributedHistory, RoundRecord
from ..rounds import ServerState, available_clients, weighted_average
from ..simulate import (
    check_common,
    check_memory,
    check_target,
    evaluate,
    finish,
    initial_params,
)
from ._common import load_flwr, to_arrays
from .client import client_app

__all__ = ["client_app", "run_simulation", "server_app"]

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


def _strategy(fraction: float, n_workers: int, seed: int, server_opt: Any, availability: Any,
              on_clients: bool, loss: Any):
    """Flower's FedAvg that samples the clients ``dist.fedavg`` samples and can apply a server
    stepper to the average."""
    from flwr.app import Message, MessageType, RecordDict
    from flwr.serverapp.strategy import FedAvg as FlowerFedAvg

    class MatchedFedAvg(FlowerFedAvg):
        def __init__(self, node_of: dict[int, int], params: Params) -> None:
            super().__init__(fraction_train=fraction, fraction_evaluate=float(on_clients),
                             min_evaluate_nodes=n_workers * on_clients,
                             min_available_nodes=n_workers)  # fmt: skip
            self.node_of, self.params = node_of, params
            self.worker_of = {node: k for k, node in node_of.items()}
            self.opt_state = {} if server_opt is None else server_opt.init(params)
            self.stopped = False
            self.selected: np.ndarray = np.arange(0)
            self.dropped: dict[int, str] = {}
            self.participants: tuple[int, ...] = ()
            self.mean_loss = self.mean_metric = float("nan")
            self.client_loss = self.client_metric = float("nan")

        def configure_evaluate(self, server_round, arrays, config, grid):
            """Federated evaluation: every node evaluates the new model on its own shard."""
            if not on_clients or self.stopped:
                return []
            record = RecordDict({"arrays": arrays, "config": config})
            return [Message(record, message_type=MessageType.EVALUATE, dst_node_id=node)
                    for node in self.node_of.values()]  # fmt: skip

        def aggregate_evaluate(self, server_round, replies):
            """The example-weighted means of the nodes' loss and metric: the loss and metric
            of the whole training set, sum_k n_k L_k / N."""
            ok = [m for m in replies if not m.has_error()]
            weights = np.array([m.content["metrics"]["num-examples"] for m in ok], dtype=float)
            for name in ("loss", "metric"):
                values = np.array([m.content["metrics"][name] for m in ok])
                mean = float(np.dot(weights, values) / weights.sum()) if ok else float("nan")
                setattr(self, f"client_{name}", mean)
            self.client_metric = loss.metric_from_average(self.client_metric)
            return None

        def configure_train(self, server_round, arrays, config, grid):
            if self.stopped:
                return []
            r = server_round - 1
            self.participants, self.mean_loss, self.mean_metric = (), float("nan"), float("nan")
            self.selected, self.dropped = available_clients(availability, fraction, seed, r)
            config["round"], config["seed"] = r, seed
            record = RecordDict({"arrays": arrays, "config": config})
            return [Message(record, message_type=MessageType.TRAIN,
                            dst_node_id=self.node_of[int(k)]) for k in self.selected]  # fmt: skip

        def aggregate_train(self, server_round, replies):
            """Flower's checks and metric averages; the update averaged as the simulator does.

            Flower's own average sum_k (n_k/N) w_k equals w_t + sum_k (n_k/N) (w_k - w_t) up
            to rounding, but training amplifies rounding: after 30 rounds of the digits job
            the two runs differ by 1e-10 (measured). Averaging the updates the way
            ``dist.fedavg`` does keeps the runs identical to the bit, and keeps a normalising
            server stepper (Adam) from turning a 1e-17 residue in a coordinate where every
            update is 0 into a step of lr * 1e-17 / eps.
            """
            replies = list(replies)
            arrays, metrics = super().aggregate_train(server_round, replies)
            if arrays is None:
                return None, metrics
            ok = sorted((m for m in replies if not m.has_error()),
                        key=lambda m: self.worker_of[m.metadata.src_node_id])  # fmt: skip
            weights = np.array([m.content["metrics"]["num-examples"] for m in ok], dtype=float)
            self.participants = tuple(self.worker_of[m.metadata.src_node_id] for m in ok)
            for name in ("loss", "metric"):  # sample-weighted means, as the simulator records
                values = np.array([m.content["metrics"][name] for m in ok])
                setattr(self, f"mean_{name}", float(np.dot(weights, values) / weights.sum()))
            deltas = {key: np.stack([m.content["arrays"][key].numpy() - p for m in ok])
                      for key, p in self.params.items()}  # fmt: skip
            delta = weighted_average(deltas, weights)
            if server_opt is None:
                self.params = {key: p + delta[key] for key, p in self.params.items()}
            else:
                pseudo_gradient = {key: -d for key, d in delta.items()}
                self.params, self.opt_state = server_opt.step(
                    self.params, pseudo_gradient, self.opt_state
                )
            return to_arrays(self.params), metrics

    return MatchedFedAvg


def server_app(
    model: Any,
    loss: Any,
    *,
    rounds: int,
    n_workers: int,
    params: Params,
    fraction: float = 0.1,
    server_opt: Any = None,
    validation: tuple[Any, Any] | None = None,
    target: float | None = None,
    seed: int = 0,
    availability: Any = None,
    history: DistributedHistory | None = None,
    on_finish: Any = None,
    evaluate_on_clients: bool = False,
    timeout: float = 3600.0,
) -> Any:
    """A Flower ``ServerApp`` running FedAvg from ``params`` for ``rounds`` rounds.

    It waits for ``n_workers`` nodes, asks each its ``partition-id``, then each round sends
    w_t to exactly the clients ``dist.fedavg`` would sample (``availability``: (K,) chance of
    each worker being available, default all 1), averages their replies with Flower's FedAvg
    (weighted by "num-examples"; the update is averaged as ``dist.fedavg`` averages it, see
    ``MatchedFedAvg.aggregate_train``), optionally applies ``server_opt`` to the
    pseudo-gradient w_t - w_avg, and evaluates the global model on ``validation`` after every
    round (stopping once the metric reaches ``target``). Each round is appended to ``history`` (a
    ``DistributedHistory``: give one to read the run back; times are measured wall-clock
    seconds), whose ``params`` hold the final parameters at the end. ``on_finish(history,
    context)`` is called after the last round (e.g. to save a checkpoint where the
    deployment's run config says). ``evaluate_on_clients=True`` (instead of ``validation``):
    Flower's federated evaluation, every node evaluating the new model on its own shard each
    round through the ClientApp's evaluate handler; ``val_loss``/``val_metric`` are then the
    example-weighted means, which are the training set's loss and metric.
    """
    n_workers = check_int("n_workers", n_workers, minimum=1)
    rounds = check_int("rounds", rounds, minimum=1)
    check_seed("seed", seed)
    check_fraction(fraction)
    check_model_and_loss(model, loss)
    check_params("params", params)
    model.check_params(params)
    if server_opt is not None:
        check_stepper("server_opt", server_opt)
    validation = check_validation(model, loss, params, validation)
    check_flag("evaluate_on_clients", evaluate_on_clients)
    if target is not None and evaluate_on_clients:
        check_target(loss, True, target)
    else:
        check_target(loss, validation, target)
    if history is not None and not isinstance(history, DistributedHistory):
        raise TypeError(
            f"history must be None or a DistributedHistory to append to; got {describe(history)}."
        )
    if on_finish is not None and not callable(on_finish):
        raise TypeError(f"on_finish must be None or a function(history, context); got "
                        f"{describe(on_finish)}.")  # fmt: skip
    timeout = check_positive("timeout", timeout)
    if evaluate_on_clients and validation is not None:
        raise ValueError(
            "give validation=(X_val, y_val) (central evaluation) or evaluate_on_clients=True "
            "(federated evaluation on the nodes' shards), not both."
        )
    if availability is None:
        availability = np.ones(n_workers)
    elif not (isinstance(availability, np.ndarray) and availability.shape == (n_workers,)
              and availability.dtype.kind == "f" and availability.dtype != np.float16
              and np.all((availability > 0) & (availability <= 1))):  # fmt: skip
        raise ValueError(
            f"availability must be an array of {n_workers} chances in (0, 1], one per worker; "
            f"got {describe(availability)}."
        )
    if history is None:
        history = DistributedHistory(metric_name=loss.metric,
                                     higher_is_better=loss.higher_is_better)  # fmt: skip
    load_flwr()
    from flwr.app import ConfigRecord, Message, MessageType, MetricRecord, RecordDict
    from flwr.serverapp import ServerApp

    strategy_class = _strategy(fraction, n_workers, seed, server_opt, availability,
                               evaluate_on_clients, loss)
    model_bytes = dense_nbytes(params)
    app = ServerApp()

    @app.main()
    def main(grid: Any, context: Any) -> None:
        deadline = time.monotonic() + timeout
        while len(nodes := list(grid.get_node_ids())) < n_workers:
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {len(nodes)} of {n_workers} nodes connected.")
            time.sleep(0.05)
        ask = RecordDict({"config": ConfigRecord({})})
        replies = grid.send_and_receive(
            [Message(ask, message_type=MessageType.QUERY, dst_node_id=n) for n in nodes],
            timeout=timeout,
        )
        node_of = {int(m.content["node"]["partition-id"]): m.metadata.src_node_id
                   for m in replies if not m.has_error()}  # fmt: skip
        if sorted(node_of) != list(range(n_workers)):
            raise ValueError(
                f"the nodes hold partition-ids {sorted(node_of)}; expected 0..{n_workers - 1}, "
                "one per worker."
            )
        strategy = strategy_class(node_of, params)
        started = [time.perf_counter()]

        def after_round(server_round: int, arrays: Any) -> Any:
            if server_round == 0 or strategy.stopped:
                return None
            now = time.perf_counter()
            seconds, started[0] = now - started[0], now
            _record(history, strategy, server_round - 1, seconds, model_bytes, loss)
            if validation is not None or evaluate_on_clients:
                val_loss, val_metric = (
                    (strategy.client_loss, strategy.client_metric) if evaluate_on_clients
                    else evaluate(model, loss, strategy.params, validation)
                )  # fmt: skip
                history.val_loss.append(val_loss)
                history.val_metric.append(val_metric)
                if target is not None and loss.reaches(val_metric, target):
                    strategy.stopped = True
                    history.stopped_reason = f"reached the target {loss.metric} {target}"
            return MetricRecord({"round-seconds": seconds})

        flwr_logger = logging.getLogger("flwr")
        level = flwr_logger.level
        flwr_logger.setLevel(logging.WARNING)
        try:
            strategy.start(grid, to_arrays(params), num_rounds=rounds, timeout=timeout,
                           evaluate_fn=after_round)  # fmt: skip
        finally:
            flwr_logger.setLevel(level)
        history.params, history.opt_state = strategy.params, strategy.opt_state
        history.state = ServerState(params=strategy.params, opt_state=strategy.opt_state,
                                    residuals={}, round=history.rounds_run)  # fmt: skip
        if on_finish is not None:
            on_finish(history, context)

    return app


def _record(history: DistributedHistory, strategy: Any, r: int, seconds: float,
            model_bytes: int, loss: Any) -> None:
    """Append round r as the simulator records it (times: measured wall-clock seconds)."""
    participants = strategy.participants
    record = RoundRecord(
        round=r,
        loss=strategy.mean_loss,
        metric=loss.metric_from_average(strategy.mean_metric),
        time=seconds,
        bytes_up={f"worker {k}": model_bytes for k in participants},
        bytes_down={f"worker {int(k)}": model_bytes for k in strategy.selected},
        participants=participants,
        dropped=dict(strategy.dropped),
        staleness=(0,) * len(participants),
    )
    history.record(record, (history.elapsed[-1] if history.elapsed else 0.0) + seconds)


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
    rounding (see the module doc). Options of ``fedavg`` that Flower cannot honour
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
