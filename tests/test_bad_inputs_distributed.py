"""Bad input to ``minitrain.distributed``, refused by name: each case is one call that must
raise the listed type with a message naming the argument, leave every input (arrays, params,
optimizer state, the cluster's arrays) bit-identical, and emit no warning."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from bad_inputs import Case, assert_refused, assert_unchanged, cases, snapshot

import minitrain as mt
from minitrain import distributed as dist
from minitrain.distributed import flower

RNG = np.random.default_rng(0)
X = RNG.normal(size=(12, 3))
Y = RNG.integers(0, 3, 12)
MODEL = mt.Sequential([mt.Dense(3, 4), mt.Tanh(), mt.Dense(4, 3)])
LOSS = mt.losses.CrossEntropy()
PARAMS = MODEL.init(0)
CLUSTER = dist.make_cluster(X, Y, 3)
SGD = mt.optim.SGD(lr=0.1)
OPT_STATE = mt.optim.Adam(lr=0.1).init(PARAMS)
STATE = dist.ServerState(params=PARAMS, opt_state=OPT_STATE, residuals={})
TOPOLOGY = dist.make_topology(3)
CONFIG = dist.WorkerConfig(model=MODEL, loss=LOSS, work=dist.minibatch_gradient)
STACKED = {key: np.stack([p, p]) for key, p in PARAMS.items()}
WORKERS = np.array([0, 1])
ONE_ROW = (np.array([1.0, 2.0]), np.array([0, 1]), np.array([1e3, 1e3]))


def fed(**overrides):
    """``fedavg`` on the shared cluster with one override; ``cluster`` and the rest as given."""
    cluster = overrides.pop("cluster", CLUSTER)
    model = overrides.pop("model", MODEL)
    loss = overrides.pop("loss", LOSS)
    return dist.fedavg(model, loss, cluster, **{"local_opt": SGD, "rounds": 1, **overrides})


def sync(**overrides):
    return dist.sync_sgd(MODEL, LOSS, CLUSTER, **{"opt": SGD, "rounds": 1, **overrides})


def async_run(**overrides):
    kwargs = {"opt": SGD, "updates": 2, "max_staleness": 1, **overrides}
    return dist.async_sgd(MODEL, LOSS, CLUSTER, **kwargs)


def pipeline(**overrides):
    kwargs = {"stages": [(0, 2), (2, 3)], **overrides}
    return dist.pipeline_value_and_grad(
        MODEL, LOSS, kwargs.pop("params", PARAMS), kwargs.pop("X", X), Y, **kwargs
    )


def h16(a):
    return a.astype(np.float16)


def nan_at(a):
    out = a.copy()
    out.flat[0] = np.nan
    return out


V = (X, Y)  # a validation set
CATALOGUE = [
    # ----- make_cluster, Cluster, make_topology, Topology -----
    Case("make_cluster X None", dist.make_cluster, (None, Y, 3), names=("X",)),
    Case("make_cluster y None", dist.make_cluster, (X, None, 3), error=TypeError, names=("y",)),
    Case("make_cluster y list", dist.make_cluster, (X, list(Y), 3), error=TypeError,
         names=("y",)),
    Case("make_cluster y 0-d", dist.make_cluster, (X, np.array(1), 3), error=TypeError,
         names=("y",)),
    Case("make_cluster rows differ", dist.make_cluster, (X, Y[:5], 3), error=ValueError,
         names=("X", "y")),
    Case("make_cluster n_workers 0", dist.make_cluster, (X, Y, 0), error=ValueError,
         names=("n_workers",)),
    Case("make_cluster n_workers str", dist.make_cluster, (X, Y, "3"), error=TypeError,
         names=("n_workers",)),
    Case("make_cluster too many workers", dist.make_cluster, (X, Y, 13), error=ValueError,
         names=("n_workers",)),
    Case("make_cluster seed negative", dist.make_cluster, (X, Y, 3), {"seed": -1},
         error=ValueError, names=("seed",)),
    Case("make_cluster seed float", dist.make_cluster, (X, Y, 3), {"seed": 1.5},
         error=TypeError, names=("seed",)),
    Case("make_cluster X float16", dist.make_cluster, (h16(X), Y, 3), error=TypeError,
         names=("X", "float32")),
    Case("make_cluster X NaN", dist.make_cluster, (nan_at(X), Y, 3), error=ValueError,
         names=("X", "NaN")),
    Case("make_cluster devices None", dist.make_cluster, (X, Y, 3), {"devices": None},
         error=TypeError, names=("devices",)),
    Case("make_cluster devices unknown", dist.make_cluster, (X, Y, 3), {"devices": "toaster"},
         error=ValueError, names=("devices", "toaster")),
    Case("make_cluster devices length", dist.make_cluster, (X, Y, 3),
         {"devices": ["phone", "phone"]}, error=ValueError, names=("devices",)),
    Case("make_cluster n_gateways 0", dist.make_cluster, (X, Y, 3), {"n_gateways": 0},
         error=ValueError, names=("n_gateways",)),
    Case("Cluster shards None", dist.Cluster, (X, Y, None), error=TypeError, names=("shards",)),
    Case("Cluster shards empty", dist.Cluster, (X, Y, []), error=ValueError, names=("shards",)),
    Case("Cluster shard floats", dist.Cluster, (X, Y, [np.array([0.0, 1.0])]), error=TypeError,
         names=("shards[0]",)),
    Case("Cluster shard ragged", dist.Cluster, (X, Y, [[[0, 1], [2]]]), error=TypeError,
         names=("shards[0]",)),
    Case("Cluster shard out of range", dist.Cluster, (X, Y, [np.arange(3), np.arange(10, 14)]),
         error=ValueError, names=("shards[1]",)),
    Case("Cluster shard empty", dist.Cluster, (X, Y, [np.arange(3), np.arange(0)]),
         error=ValueError, names=("shards[1]",)),
    Case("Cluster topology str", dist.Cluster, (X, Y, [np.arange(12)], "phone"),
         error=TypeError, names=("topology",)),
    Case("Cluster topology size", dist.Cluster, (X, Y, [np.arange(12)], TOPOLOGY),
         error=ValueError, names=("topology",)),
    Case("make_topology devices int", dist.make_topology, (3, 3), error=TypeError,
         names=("devices",)),
    Case("make_topology cloud unknown", dist.make_topology, (3,), {"cloud": "moon"},
         error=ValueError, names=("cloud",)),
    Case("make_topology gateway None", dist.make_topology, (3,), {"gateway": None},
         error=ValueError, names=("gateway",)),
    Case("make_topology n_workers negative", dist.make_topology, (-1,), error=ValueError,
         names=("n_workers",)),
    Case("Topology gateway_of None", dist.Topology, (TOPOLOGY.workers, None, TOPOLOGY.gateways,
         TOPOLOGY.cloud), error=TypeError, names=("gateway_of",)),
    Case("Topology gateway_of range", dist.Topology, (TOPOLOGY.workers, (0, 0, 1),
         TOPOLOGY.gateways, TOPOLOGY.cloud), error=ValueError,
         names=("gateway_of[2]",)),
    # ----- Faults -----
    Case("Faults deadline 0", dist.Faults, (), {"deadline": 0}, error=ValueError,
         names=("deadline",)),
    Case("Faults deadline str", dist.Faults, (), {"deadline": "1"}, error=TypeError,
         names=("deadline",)),
    Case("Faults dropout 1", dist.Faults, (), {"dropout": 1.0}, error=ValueError,
         names=("dropout",)),
    Case("Faults policy", dist.Faults, (), {"policy": "ignore"}, error=ValueError,
         names=("policy", "'drop'")),
    Case("Faults failures list", dist.Faults, (), {"failures": [0]}, error=TypeError,
         names=("failures",)),
    Case("Faults failures kind", dist.Faults, (), {"failures": {0: "explode"}},
         error=ValueError, names=("failures[0]", "explode")),
    Case("Faults failures triple key", dist.Faults, (), {"failures": {(1, 2, 3): "nan"}},
         error=ValueError, names=("failures key (1, 2, 3)",)),
    Case("Faults failures negative key", dist.Faults, (), {"failures": {-1: "nan"}},
         error=ValueError, names=("failures key -1",)),
    Case("Faults failures str key", dist.Faults, (), {"failures": {"0": "nan"}},
         error=TypeError, names=("failures key '0'",)),
    Case("Faults failures bool key", dist.Faults, (), {"failures": {True: "nan"}},
         error=TypeError, names=("failures key True",)),
    # ----- fedavg and run's options -----
    Case("fedavg failure of a missing worker", fed, (),
         {"faults": dist.Faults(failures={9: "raise"})}, error=ValueError,
         names=("failures", "worker 9", "3 workers")),
    Case("fedavg round failure of a missing worker", fed, (),
         {"faults": dist.Faults(failures={(0, 3): "nan"})}, error=ValueError,
         names=("failures", "worker 3")),
    Case("fedavg local_opt class", fed, (), {"local_opt": mt.optim.SGD}, error=TypeError,
         names=("local_opt", "call it")),
    Case("fedavg local_opt None", fed, (), {"local_opt": None}, error=TypeError,
         names=("local_opt",)),
    Case("fedavg rounds 0", fed, (), {"rounds": 0}, error=ValueError, names=("rounds",)),
    Case("fedavg rounds float", fed, (), {"rounds": 2.0}, error=TypeError, names=("rounds",)),
    Case("fedavg epochs 0", fed, (), {"epochs": 0}, error=ValueError, names=("epochs",)),
    Case("fedavg batch_size 0", fed, (), {"batch_size": 0}, error=ValueError,
         names=("batch_size",)),
    Case("fedavg fraction 0", fed, (), {"fraction": 0}, error=ValueError, names=("fraction",)),
    Case("fedavg fraction 1.5", fed, (), {"fraction": 1.5}, error=ValueError,
         names=("fraction",)),
    Case("fedavg mu negative", fed, (), {"mu": -1.0}, error=ValueError, names=("mu",)),
    Case("fedavg hierarchical str", fed, (), {"hierarchical": "no"}, error=TypeError,
         names=("hierarchical",)),
    Case("fedavg hierarchical int", fed, (), {"hierarchical": 1}, error=TypeError,
         names=("hierarchical",)),
    Case("fedavg server_opt str", fed, (), {"server_opt": "adam"}, error=TypeError,
         names=("server_opt",)),
    Case("fedavg server_opt class", fed, (), {"server_opt": mt.optim.Adam}, error=TypeError,
         names=("server_opt", "call it")),
    Case("fedavg seed negative", fed, (), {"seed": -1}, error=ValueError, names=("seed",)),
    Case("fedavg seed str", fed, (), {"seed": "0"}, error=TypeError, names=("seed",)),
    Case("fedavg seed bool", fed, (), {"seed": True}, error=TypeError, names=("seed",)),
    Case("fedavg compression str", fed, (), {"compression": "topk"}, error=TypeError,
         names=("compression",)),
    Case("fedavg compression class", fed, (), {"compression": dist.TopK}, error=TypeError,
         names=("compression",)),
    Case("TopK error_feedback str", dist.TopK, (0.5,), {"error_feedback": "no"},
         error=TypeError, names=("error_feedback",)),
    Case("QSGD error_feedback int", dist.QSGD, (4,), {"error_feedback": 1},
         error=TypeError, names=("error_feedback",)),
    Case("fedavg faults dict", fed, (), {"faults": {"dropout": 0.1}}, error=TypeError,
         names=("faults",)),
    Case("fedavg executor str", fed, (), {"executor": "pool"}, error=TypeError,
         names=("executor",)),
    Case("fedavg validation list", fed, (), {"validation": [X, Y]}, error=TypeError,
         names=("validation",)),
    Case("fedavg validation float16", fed, (), {"validation": (h16(X), Y)}, error=TypeError,
         names=("X_val",)),
    Case("fedavg target without validation", fed, (), {"target": 0.9}, error=ValueError,
         names=("target", "validation")),
    Case("fedavg target str", fed, (), {"target": "0.9", "validation": V}, error=TypeError,
         names=("target",)),
    Case("fedavg target nan", fed, (), {"target": np.nan, "validation": V}, error=ValueError,
         names=("target",)),
    Case("fedavg params float16", fed, (), {"params": {k: h16(p) for k, p in PARAMS.items()}},
         error=TypeError, names=("params",)),
    Case("fedavg params and state", fed, (), {"params": PARAMS, "state": STATE},
         error=ValueError, names=("params", "state")),
    Case("fedavg state str", fed, (), {"state": "history.state"}, error=TypeError,
         names=("state",)),
    Case("fedavg state round negative", fed, (), {"state": replace(STATE, round=-1)},
         error=ValueError, names=("state.round",)),
    Case("fedavg state clock nan", fed, (), {"state": replace(STATE, clock=np.nan)},
         error=ValueError, names=("state.clock",)),
    Case("fedavg state residuals of a missing worker", fed, (),
         {"state": replace(STATE, residuals={7: PARAMS})}, error=ValueError,
         names=("state.residuals",)),
    Case("fedavg state params of another model", fed, (),
         {"state": replace(STATE, params={k: p for k, p in PARAMS.items() if k != "2.b"})},
         error=ValueError, names=("state.params", "2.b")),
    Case("fedavg state residuals keys", fed, (),
         {"state": replace(STATE, opt_state={}, residuals={0: {"x": X}}),
          "compression": dist.TopK(0.5)},
         error=ValueError, names=("state.residuals[0]",)),
    Case("fedavg state of another stepper", fed, (), {"state": STATE}, error=ValueError,
         names=("state.opt_state", "exp_avg")),
    Case("fedavg cluster y float16", fed, (),
         {"cluster": dist.make_cluster(X, h16(X[:, :1]), 3),
          "model": mt.Sequential([mt.Dense(3, 1)]), "loss": mt.losses.MSE()}, error=TypeError,
         names=("cluster.y", "float32")),
    Case("fedavg cluster None", fed, (), {"cluster": None}, error=TypeError,
         names=("cluster",)),
    Case("fedavg model None", fed, (), {"model": None}, error=TypeError, names=("model",)),
    Case("fedavg loss class", fed, (), {"loss": mt.losses.CrossEntropy}, error=TypeError,
         names=("loss",)),
    Case("fedavg misspelt option", fed, (), {"sed": 1}, error=TypeError, names=("sed",)),
    Case("FedAvg local_opt class", dist.FedAvg, (), {"local_opt": mt.optim.Adam},
         error=TypeError, names=("local_opt", "call it")),
    Case("run algorithm str", dist.run, (MODEL, LOSS, CLUSTER, "fedavg"), {"rounds": 1},
         error=TypeError, names=("algorithm",)),
    # ----- sync_sgd, SyncSGD, async_sgd -----
    Case("sync_sgd opt class", sync, (), {"opt": mt.optim.SGD}, error=TypeError,
         names=("opt", "call it")),
    Case("sync_sgd batch_size negative", sync, (), {"batch_size": -2}, error=ValueError,
         names=("batch_size",)),
    Case("sync_sgd fraction str", sync, (), {"fraction": "all"}, error=TypeError,
         names=("fraction",)),
    Case("SyncSGD hierarchical str", dist.SyncSGD, (), {"opt": SGD, "hierarchical": "yes"},
         error=TypeError, names=("hierarchical",)),
    Case("async_sgd updates 0", async_run, (), {"updates": 0}, error=ValueError,
         names=("updates",)),
    Case("async_sgd max_staleness negative", async_run, (), {"max_staleness": -1},
         error=ValueError, names=("max_staleness",)),
    Case("async_sgd eval_every 0", async_run, (), {"eval_every": 0}, error=ValueError,
         names=("eval_every",)),
    Case("async_sgd deadline", async_run, (), {"faults": dist.Faults(deadline=1.0)},
         error=ValueError, names=("deadline",)),
    Case("async_sgd failure of a missing worker", async_run, (),
         {"faults": dist.Faults(failures={(0, 5): "nan"})}, error=ValueError,
         names=("worker 5",)),
    Case("async_sgd opt None", async_run, (), {"opt": None}, error=TypeError, names=("opt",)),
    Case("async_sgd seed negative", async_run, (), {"seed": -3}, error=ValueError,
         names=("seed",)),
    Case("async_sgd target without validation", async_run, (), {"target": 0.5},
         error=ValueError, names=("target",)),
    # ----- rounds: select_clients, weighted_average, ServerState helpers -----
    Case("select_clients rng int", dist.select_clients, (0, 3, 0.5), error=TypeError,
         names=("rng",)),
    Case("select_clients n_workers 0", dist.select_clients, (RNG, 0, 0.5), error=ValueError,
         names=("n_workers",)),
    Case("select_clients fraction 0", dist.select_clients, (RNG, 3, 0.0), error=ValueError,
         names=("fraction",)),
    Case("weighted_average weights zero", dist.weighted_average, (STACKED, np.zeros(2)),
         error=ValueError, names=("weights",)),
    Case("weighted_average weights negative", dist.weighted_average,
         (STACKED, np.array([1.0, -1.0])), error=ValueError, names=("weights",)),
    Case("weighted_average weights length", dist.weighted_average, (STACKED, np.ones(3)),
         error=ValueError, names=("updates",)),
    Case("weighted_average updates None", dist.weighted_average, (None, np.ones(2)),
         error=TypeError, names=("updates",)),
    Case("weighted_average weights str", dist.weighted_average, (STACKED, "equal"),
         error=TypeError, names=("weights",)),
    # ----- executors: seed_of -----
    Case("seed_of seed negative", dist.seed_of, (-1, 0), error=ValueError, names=("seed",)),
    Case("seed_of seed float", dist.seed_of, (1.0, 0), error=TypeError, names=("seed",)),
    Case("seed_of path negative", dist.seed_of, (0, -1), error=ValueError, names=("path[0]",)),
    # ----- clock -----
    Case("transfer_time nbytes None", dist.transfer_time, (None, 1e6, 0.01), error=TypeError,
         names=("nbytes",)),
    Case("transfer_time bandwidth 0", dist.transfer_time, (100, 0, 0.01), error=ValueError,
         names=("bandwidth_bps",)),
    Case("transfer_time latency str", dist.transfer_time, (100, 1e6, "5ms"), error=TypeError,
         names=("latency_s",)),
    Case("transfer_time nbytes float16", dist.transfer_time, (h16(ONE_ROW[2]), 1e6, 0.01),
         error=TypeError, names=("nbytes", "float32")),
    Case("transfer_time nbytes negative", dist.transfer_time, (-ONE_ROW[2], 1e6, 0.01),
         error=ValueError, names=("nbytes",)),
    Case("training_macs model None", dist.training_macs, (None, 10), error=TypeError,
         names=("model",)),
    Case("training_macs n_samples negative", dist.training_macs, (MODEL, -1), error=ValueError,
         names=("n_samples",)),
    Case("arrival_times topology None", dist.arrival_times,
         (None, WORKERS, 100, ONE_ROW[2], ONE_ROW[2]), error=TypeError,
         names=("topology",)),
    Case("arrival_times workers out of range", dist.arrival_times,
         (TOPOLOGY, np.array([0, 5]), 100, ONE_ROW[2], ONE_ROW[2]), error=ValueError,
         names=("workers",)),
    Case("arrival_times workers float", dist.arrival_times,
         (TOPOLOGY, ONE_ROW[0], 100, ONE_ROW[2], ONE_ROW[2]), error=TypeError,
         names=("workers",)),
    Case("arrival_times macs length", dist.arrival_times,
         (TOPOLOGY, WORKERS, 100, ONE_ROW[2], np.ones(3)), error=ValueError,
         names=("macs",)),
    Case("round_time late list", dist.round_time,
         (TOPOLOGY, WORKERS, ONE_ROW[0], [False, True], np.zeros(1), None), error=TypeError,
         names=("late",)),
    Case("round_time backhaul shape", dist.round_time,
         (TOPOLOGY, WORKERS, ONE_ROW[0], np.zeros(2, bool), np.zeros(2), None),
         error=ValueError, names=("backhaul_bytes",)),
    Case("round_time deadline negative", dist.round_time,
         (TOPOLOGY, WORKERS, ONE_ROW[0], np.zeros(2, bool), np.zeros(1), -1.0),
         error=ValueError, names=("deadline",)),
    Case("cycle_times cluster None", dist.cycle_times, (None, 100, np.ones(3)), error=TypeError,
         names=("cluster",)),
    Case("cycle_times macs length", dist.cycle_times, (CLUSTER, 100, np.ones(2)),
         error=ValueError, names=("macs",)),
    # ----- comm -----
    Case("dense_nbytes None", dist.dense_nbytes, (None,), error=TypeError, names=("params",)),
    Case("dense_nbytes float16", dist.dense_nbytes, ({"w": h16(X)},), error=TypeError,
         names=("params['w']",)),
    Case("update_nbytes compressor class", dist.update_nbytes, (dist.Int8, PARAMS),
         error=TypeError, names=("compressor", "call it")),
    Case("update_nbytes compressor str", dist.update_nbytes, ("int8", PARAMS), error=TypeError,
         names=("compressor",)),
    Case("compress_stacked updates None", dist.compress_stacked, (dist.Int8(), None, None, []),
         error=TypeError, names=("updates",)),
    Case("compress_stacked residuals shape", dist.compress_stacked,
         (dist.TopK(0.5), STACKED, PARAMS, []), error=ValueError,
         names=("residuals",)),
    Case("compress_stacked rngs None", dist.compress_stacked, (dist.QSGD(4), STACKED, None, None),
         error=TypeError, names=("rngs",)),
    Case("compress_stacked rngs count", dist.compress_stacked,
         (dist.QSGD(4), STACKED, None, [RNG]), error=ValueError, names=("rngs",)),
    Case("QSGD levels 0", dist.QSGD, (0,), error=ValueError, names=("levels",)),
    Case("QSGD levels str", dist.QSGD, ("16",), error=TypeError, names=("levels",)),
    Case("TopK fraction 0", dist.TopK, (0.0,), error=ValueError, names=("fraction",)),
    # ----- pipeline -----
    Case("check_stages None", dist.check_stages, (MODEL, None), error=ValueError,
         names=("stages",)),
    Case("check_stages gap", dist.check_stages, (MODEL, [(0, 1), (2, 3)]), error=ValueError,
         names=("stages[1]",)),
    Case("check_stages short", dist.check_stages, (MODEL, [(0, 2)]), error=ValueError,
         names=("stages",)),
    Case("check_stages model None", dist.check_stages, (None, [(0, 1)]), error=TypeError,
         names=("model",)),
    Case("gpipe_schedule forward None", dist.gpipe_schedule,
         (None, np.ones((2, 2)), np.ones((1, 2)), np.ones((1, 2))), error=TypeError,
         names=("forward",)),
    Case("gpipe_schedule backward shape", dist.gpipe_schedule,
         (np.ones((2, 2)), np.ones((2, 3)), np.ones((1, 2)), np.ones((1, 2))),
         error=ValueError, names=("backward",)),
    Case("gpipe_schedule negative send", dist.gpipe_schedule,
         (np.ones((2, 2)), np.ones((2, 2)), -np.ones((1, 2)), np.ones((1, 2))),
         error=ValueError, names=("send_forward",)),
    Case("pipeline micro_batches 0", pipeline, (), {"micro_batches": 0}, error=ValueError,
         names=("micro_batches",)),
    Case("pipeline devices None", pipeline, (), {"devices": None}, error=TypeError,
         names=("devices",)),
    Case("pipeline devices per stage", pipeline, (), {"devices": ["phone"]}, error=ValueError,
         names=("devices",)),
    Case("pipeline X float16", pipeline, (), {"X": h16(X)}, error=TypeError, names=("X",)),
    Case("pipeline params missing key", pipeline, (),
         {"params": {k: p for k, p in PARAMS.items() if k != "2.b"}}, error=ValueError,
         names=("2.b",)),
    # ----- workers -----
    Case("worker_update params None", dist.worker_update, (None, X, Y, CONFIG, 0),
         error=TypeError, names=("params",)),
    Case("worker_update config str", dist.worker_update, (PARAMS, X, Y, "sgd", 0),
         error=TypeError, names=("config",)),
    Case("worker_update seed negative", dist.worker_update, (PARAMS, X, Y, CONFIG, -1),
         error=ValueError, names=("seed",)),
    Case("worker_update X None", dist.worker_update, (PARAMS, None, Y, CONFIG, 0),
         error=TypeError, names=("X",)),
    Case("worker_update y short", dist.worker_update, (PARAMS, X, Y[:3], CONFIG, 0),
         error=ValueError, names=("y",)),
    Case("minibatch_gradient rng int", dist.minibatch_gradient, (PARAMS, X, Y, CONFIG, 0),
         error=TypeError, names=("rng",)),
    Case("local_training without opt", dist.local_training, (PARAMS, X, Y, CONFIG, RNG),
         error=ValueError, names=("config.opt",)),
    Case("proximal_term mu negative", dist.proximal_term, (PARAMS, PARAMS, -0.1),
         error=ValueError, names=("mu",)),
    Case("proximal_term anchor keys", dist.proximal_term, (PARAMS, {"0.W": PARAMS["0.W"]}, 0.1),
         error=ValueError, names=("anchor",)),
    Case("WorkerConfig model None", dist.WorkerConfig, (),
         {"model": None, "loss": LOSS, "work": dist.minibatch_gradient}, error=TypeError,
         names=("model",)),
    Case("WorkerConfig failure", dist.WorkerConfig, (),
         {"model": MODEL, "loss": LOSS, "work": dist.minibatch_gradient, "failure": "boom"},
         error=ValueError, names=("failure",)),
    Case("WorkerConfig opt class", dist.WorkerConfig, (),
         {"model": MODEL, "loss": LOSS, "work": dist.local_training, "opt": mt.optim.SGD},
         error=TypeError, names=("opt", "call it")),
    Case("WorkerConfig work str", dist.WorkerConfig, (),
         {"model": MODEL, "loss": LOSS, "work": "local_training"}, error=TypeError,
         names=("work",)),
    # ----- history -----
    Case("record None", dist.DistributedHistory().record, (None, 0.0), error=TypeError,
         names=("record",)),
    # ----- Flower: only the checks made before Flower is imported or Ray started -----
    Case("flower client_app cluster None", flower.client_app, (MODEL, LOSS, None),
         {"local_opt": SGD}, error=TypeError, names=("cluster",)),
    Case("flower client_app local_opt class", flower.client_app, (MODEL, LOSS, CLUSTER),
         {"local_opt": mt.optim.SGD}, error=TypeError, names=("local_opt",)),
    Case("flower server_app n_workers 0", flower.server_app, (MODEL, LOSS),
         {"rounds": 1, "n_workers": 0, "params": PARAMS}, error=ValueError,
         names=("n_workers",)),
    Case("flower server_app seed negative", flower.server_app, (MODEL, LOSS),
         {"rounds": 1, "n_workers": 3, "params": PARAMS, "seed": -1}, error=ValueError,
         names=("seed",)),
    Case("flower server_app evaluate_on_clients str", flower.server_app, (MODEL, LOSS),
         {"rounds": 1, "n_workers": 3, "params": PARAMS, "evaluate_on_clients": "yes"},
         error=TypeError, names=("evaluate_on_clients",)),
    Case("flower server_app availability", flower.server_app, (MODEL, LOSS),
         {"rounds": 1, "n_workers": 3, "params": PARAMS, "availability": np.ones(2)},
         error=ValueError, names=("availability",)),
    Case("flower server_app target alone", flower.server_app, (MODEL, LOSS),
         {"rounds": 1, "n_workers": 3, "params": PARAMS, "target": 0.9}, error=ValueError,
         names=("target",)),
    Case("flower server_app history", flower.server_app, (MODEL, LOSS),
         {"rounds": 1, "n_workers": 3, "params": PARAMS, "history": []}, error=TypeError,
         names=("history",)),
    Case("flower run_simulation compression", flower.run_simulation, (MODEL, LOSS, CLUSTER),
         {"rounds": 1, "local_opt": SGD, "compression": dist.Int8()}, error=ValueError,
         names=("compression",)),
    Case("flower run_simulation seed negative", flower.run_simulation, (MODEL, LOSS, CLUSTER),
         {"rounds": 1, "local_opt": SGD, "seed": -1}, error=ValueError,
         names=("seed",)),
    Case("flower run_simulation misspelt", flower.run_simulation, (MODEL, LOSS, CLUSTER),
         {"rounds": 1, "local_opt": SGD, "epoch": 2}, error=TypeError,
         names=("epoch",)),
    Case("flower run_simulation backend_config", flower.run_simulation, (MODEL, LOSS, CLUSTER),
         {"rounds": 1, "local_opt": SGD, "backend_config": "cpu"}, error=TypeError,
         names=("backend_config",)),
]

SHARED = {"X": X, "Y": Y, "params": PARAMS, "opt_state": OPT_STATE, "stacked": STACKED,
          "cluster": [CLUSTER.X, CLUSTER.y, CLUSTER.X_stack, CLUSTER.y_stack, *CLUSTER.shards]}


@cases(*CATALOGUE)
def test_bad_input_is_refused_by_name_and_changes_nothing(case):
    before = snapshot(SHARED)
    assert_refused(case)
    assert_unchanged(before, SHARED, "the shared inputs")


def test_the_catalogue_covers_every_public_callable():
    called = {getattr(case.call, "__name__", "") for case in CATALOGUE}
    wrappers = {"fed": "fedavg", "sync": "sync_sgd", "async_run": "async_sgd",
                "pipeline": "pipeline_value_and_grad", "record": "DistributedHistory"}
    covered = {wrappers.get(name, name) for name in called}
    data_records = {"Algorithm", "Compressor", "Device", "DEVICES", "PipelineReport",
                    "RoundRecord", "ServerState", "Uncompressed", "Int8", "WorkerResult",
                    "WorkerError", "ExecutorError"}
    missing = set(dist.__all__) - data_records - covered
    assert not missing, f"no bad-input case for {sorted(missing)}"
    assert len(CATALOGUE) >= 70
