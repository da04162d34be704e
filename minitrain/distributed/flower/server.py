"""The server side of the Flower adapter: a ``ServerApp`` running FedAvg over the nodes.

Its strategy, Flower's FedAvg, samples the clients ``dist.fedavg`` samples, averages the
updates as the simulator does, optionally applies a server stepper, and records every round
in a ``DistributedHistory``.
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
from .._common import check_fraction, check_validation
from ..comm import dense_nbytes
from ..history import DistributedHistory, RoundRecord
from ..rounds import ServerState, available_clients, weighted_average
from ..simulate import check_target, evaluate
from ._common import load_flwr, to_arrays

__all__ = ["server_app"]


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
