"""Distributed training across simulated edge devices, on one process or many.

    cluster = make_cluster(X, y, n_workers=8, scheme="shards", devices="phone")
    history = sync_sgd(model, loss, cluster, opt=mt.optim.SGD(lr=0.1), rounds=100)
    history = fedavg(model, loss, cluster, local_opt=mt.optim.SGD(lr=0.05), rounds=50,
                     epochs=5, batch_size=10, fraction=0.1, compression=TopK(0.01))
    history.val_metric, history.elapsed, history.total_bytes    # accuracy vs time and bytes

Steppers are keywords: ``opt=`` where a function has one, ``local_opt=`` (each worker's) and
``server_opt=`` (the global model's) where it has two. Devices are the one registry
``minitrain.compress.DEVICES`` (``DEVICES`` here), the names ``compress.fits`` checks.

Modules: ``devices`` (topology), ``cluster`` (shards), ``workers`` (the pure worker functions)
and ``stacked`` (many workers in one pass, bit-identical), ``algorithm`` (the protocol an
algorithm follows), ``rounds`` (one synchronous round), ``sync`` (data-parallel SGD),
``fedavg`` (FedAvg, FedProx, server steppers), ``asynchronous`` (bounded-staleness async
SGD), ``faults``, ``comm`` (bytes, compression), ``clock``, ``pipeline`` (model
parallelism), ``executors``, ``history``, ``simulate`` (validation and the run loop); the
checks and helpers they share are in ``_common``.

Failures: under ``Faults(policy="drop")`` a failed worker is left out of its round; under
"raise" the run stops with ``WorkerError``; an executor that breaks (a killed pool process, a
lost cluster connection) stops it with ``ExecutorError`` under either policy. Both carry the
completed rounds (``history``) and the state to resume from (``state=error.state``), which
continues bit for bit as if nothing had happened.
"""

from .algorithm import Algorithm
from .asynchronous import async_sgd, cycle_times
from .clock import arrival_times, round_time, training_macs, transfer_time
from .cluster import Cluster, make_cluster
from .comm import (
    QSGD,
    Compressor,
    Int8,
    TopK,
    Uncompressed,
    compress_stacked,
    dense_nbytes,
    update_nbytes,
)
from .devices import DEVICES, Device, Topology, make_topology
from .executors import seed_of
from .faults import ExecutorError, Faults, WorkerError
from .fedavg import FedAvg, fedavg
from .history import DistributedHistory, RoundRecord
from .pipeline import PipelineReport, check_stages, gpipe_schedule, pipeline_value_and_grad
from .rounds import ServerState, select_clients, weighted_average
from .simulate import run
from .sync import SyncSGD, sync_sgd
from .workers import (
    WorkerConfig,
    WorkerResult,
    local_training,
    minibatch_gradient,
    proximal_term,
    worker_update,
)

__all__ = [
    "DEVICES",
    "QSGD",
    "Algorithm",
    "Cluster",
    "Compressor",
    "Device",
    "DistributedHistory",
    "ExecutorError",
    "Faults",
    "FedAvg",
    "Int8",
    "PipelineReport",
    "RoundRecord",
    "ServerState",
    "SyncSGD",
    "TopK",
    "Topology",
    "Uncompressed",
    "WorkerConfig",
    "WorkerError",
    "WorkerResult",
    "arrival_times",
    "async_sgd",
    "check_stages",
    "compress_stacked",
    "cycle_times",
    "dense_nbytes",
    "fedavg",
    "gpipe_schedule",
    "local_training",
    "make_cluster",
    "make_topology",
    "minibatch_gradient",
    "pipeline_value_and_grad",
    "proximal_term",
    "round_time",
    "run",
    "seed_of",
    "select_clients",
    "sync_sgd",
    "training_macs",
    "transfer_time",
    "update_nbytes",
    "weighted_average",
    "worker_update",
]
