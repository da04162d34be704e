"""The node side of the Flower adapter: a ``ClientApp`` running minitrain's worker update.

Each node trains on one shard of a ``Cluster`` (the one its node config ``partition-id``
names), with the minibatch seed ``dist.fedavg`` gives that worker in that round.
"""

from __future__ import annotations

from typing import Any

from ..._validate import describe
from ...train import check_model_and_loss
from ..cluster import Cluster
from ..executors import seed_of
from ..fedavg import FedAvg
from ..workers import worker_update
from ._common import from_arrays, load_flwr, to_arrays

__all__ = ["client_app"]


def client_app(
    model: Any,
    loss: Any,
    cluster: Any,
    *,
    local_opt: Any,
    epochs: int = 1,
    batch_size: int | None = None,
    mu: float = 0.0,
) -> Any:
    """A Flower ``ClientApp`` whose nodes run minitrain's worker update on their shard.

    Node k (node config ``partition-id`` = k) holds shard k of ``cluster``. Handlers:
    - train: message ``arrays`` w_t (keys in model order) and ``config`` {"round": r,
      "seed": s} -> ``arrays`` w_k = w_t + Delta_k and ``metrics`` {"num-examples": n_k,
      "loss", "metric"} (the worker's mean loss and metric over its minibatches; metric
      squared for RMSE, so that Flower's example-weighted average combines them);
    - evaluate: loss and metric of w_t on the node's shard, with "num-examples";
    - query: {"partition-id": k}, so a server can match nodes to workers.
    """
    check_model_and_loss(model, loss)
    if not isinstance(cluster, Cluster):
        raise TypeError(f"cluster must be a Cluster (see make_cluster); got {describe(cluster)}.")
    algorithm = FedAvg(local_opt=local_opt, epochs=epochs, batch_size=batch_size, mu=mu)
    load_flwr()
    from flwr.app import Message, MetricRecord, RecordDict
    from flwr.clientapp import ClientApp

    config = algorithm.worker_config(model, loss)
    keys = list(model.param_shapes())
    app = ClientApp()

    def shard_of(context: Any) -> int:
        k = int(context.node_config["partition-id"])
        if not 0 <= k < cluster.n_workers:
            raise ValueError(
                f"node config partition-id={k} but the cluster has {cluster.n_workers} workers; "
                "start each SuperNode with --node-config 'partition-id=k' for one k in "
                f"0..{cluster.n_workers - 1}."
            )
        return k

    @app.train()
    def train(message: Any, context: Any) -> Any:
        k = shard_of(context)
        params = from_arrays(message.content["arrays"], keys)
        settings = message.content["config"]
        seed = seed_of(int(settings["seed"]), int(settings["round"]), k + 1, 0)
        result = worker_update(params, cluster.X_shards[k], cluster.y_shards[k], config, seed)
        trained = {key: params[key] + result.update[key] for key in keys}
        metrics = {"num-examples": int(result.weight), "loss": result.loss,
                   "metric": result.metric}  # fmt: skip
        content = RecordDict({"arrays": to_arrays(trained), "metrics": MetricRecord(metrics)})
        return Message(content, reply_to=message)

    @app.evaluate()
    def evaluate_shard(message: Any, context: Any) -> Any:
        k = shard_of(context)
        params = from_arrays(message.content["arrays"], keys)
        X, y = cluster.X_shards[k], cluster.y_shards[k]
        out = model.predict(params, X)
        metrics = {"num-examples": len(X), "loss": float(loss(out, y)),
                   "metric": loss.metric_for_average(out, y)}  # fmt: skip
        return Message(RecordDict({"metrics": MetricRecord(metrics)}), reply_to=message)

    @app.query()
    def where(message: Any, context: Any) -> Any:
        k = shard_of(context)
        return Message(RecordDict({"node": MetricRecord({"partition-id": k})}), reply_to=message)

    return app
