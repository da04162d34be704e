"""Arbitrary values into every public callable of ``minitrain.distributed``, one module at a
time: each call returns or raises ``ValueError``/``TypeError`` (or the package's own
``WorkerError``/``ExecutorError``), never an obscure NumPy or Python error, and leaves every
input bit-identical. Tiny clusters and one round keep it fast; Flower's entry points are fuzzed
only in the checks made before Flower starts anything."""

from __future__ import annotations

import numpy as np
import pytest
from bad_inputs import assert_fails_cleanly, junk
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import minitrain as mt
from minitrain import distributed as dist
from minitrain.distributed import flower

ALLOWED = (ValueError, TypeError, dist.WorkerError, dist.ExecutorError)
# Arguments that ask for an amount of work: a huge junk integer would be a valid, huge request
# (2**40 rounds), not a bad input, so those values are capped.
COUNTS = {"rounds", "updates", "epochs", "n_workers", "micro_batches", "n_gateways", "eval_every"}


def fixtures():
    """Fresh valid inputs for one example (nothing is shared between examples)."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 3)), rng.integers(0, 3, 12)
    model = mt.Sequential([mt.Dense(3, 4), mt.Tanh(), mt.Dense(4, 3)])
    loss = mt.losses.CrossEntropy()
    params = model.init(0)
    cluster = dist.make_cluster(X, y, 3)
    topology = dist.make_topology(3)
    gradient = dist.WorkerConfig(model=model, loss=loss, work=dist.minibatch_gradient)
    local = dist.WorkerConfig(model=model, loss=loss, work=dist.local_training,
                              opt=mt.optim.SGD(lr=0.1), batch_size=4)  # fmt: skip
    stacked = {key: np.stack([p, p]) for key, p in params.items()}
    sgd = mt.optim.SGD(lr=0.1)
    fed_options = {"local_opt": sgd, "rounds": 1, "epochs": 1, "batch_size": 4, "fraction": 0.7,
                   "mu": 0.0, "server_opt": None, "hierarchical": False, "seed": 0,
                   "params": None, "state": None, "compression": None, "faults": None,
                   "executor": None, "validation": None, "target": None}  # fmt: skip
    run_options = {key: fed_options[key] for key in
                   ("rounds", "seed", "params", "state", "compression", "faults", "executor",
                    "validation", "target")}  # fmt: skip
    two = np.array([0, 1])
    return {
        "cluster": [
            (dist.make_cluster, (X, y, 3), {"scheme": "iid", "seed": 0, "devices": "phone",
                                            "n_gateways": 1}),
            (dist.Cluster, (X, y, [np.arange(6), np.arange(6, 12)]), {"topology": None}),
        ],
        "devices": [
            (dist.make_topology, (3, "phone"), {"n_gateways": 1, "gateway": "gateway",
                                                "cloud": "cloud"}),
            (dist.Topology, (topology.workers, topology.gateway_of, topology.gateways,
                             topology.cloud), {}),
        ],
        "faults": [
            (dist.Faults, (), {"deadline": 1.0, "dropout": 0.1, "failures": {0: "nan"},
                               "policy": "drop"}),
            (dist.Faults(failures={0: "nan"}).failure_of, (0, 1), {}),
        ],
        "executors": [(dist.seed_of, (0, 1, 2), {})],
        "workers": [
            (dist.worker_update, (params, X, y, gradient, 0), {}),
            (dist.minibatch_gradient, (params, X, y, gradient, rng), {}),
            (dist.local_training, (params, X, y, local, rng), {}),
            (dist.proximal_term, (params, params, 0.1), {}),
            (dist.WorkerConfig, (), {"model": model, "loss": loss, "work": dist.local_training,
                                     "batch_size": 4, "epochs": 1, "opt": sgd, "mu": 0.0,
                                     "failure": None}),
        ],
        "rounds": [
            (dist.select_clients, (rng, 3, 0.5), {}),
            (dist.weighted_average, (stacked, np.array([1.0, 2.0])), {}),
        ],
        "fedavg": [
            (dist.fedavg, (model, loss, cluster), fed_options),
            (dist.FedAvg, (), {"local_opt": sgd, "epochs": 1, "batch_size": None,
                               "fraction": 0.5, "mu": 0.0, "server_opt": None,
                               "hierarchical": False}),
        ],
        "sync": [
            (dist.sync_sgd, (model, loss, cluster),
             {"opt": sgd, "batch_size": 4, "fraction": 1.0, "hierarchical": False,
              **run_options}),
            (dist.SyncSGD, (), {"opt": sgd, "batch_size": None, "fraction": 1.0,
                                "hierarchical": False}),
        ],
        "asynchronous": [
            (dist.async_sgd, (model, loss, cluster),
             {"opt": sgd, "updates": 2, "max_staleness": 1, "batch_size": 4, "seed": 0,
              "params": None, "faults": None, "executor": None, "validation": None,
              "eval_every": 1, "target": None}),
            (dist.cycle_times, (cluster, 100, np.ones(3)), {}),
        ],
        "stacked": [
            (dist.stacked.stacked_gradients,
             (model, loss, params, cluster.X_stack, cluster.y_stack, None, None), {}),
            (dist.stacked.stacked_loss, (loss, np.zeros((3, 4, 3)), cluster.y_stack), {}),
            (dist.stacked.can_stack, (model, gradient), {}),
        ],
        "pipeline": [
            (dist.pipeline_value_and_grad, (model, loss, params, X, y),
             {"stages": [(0, 2), (2, 3)], "micro_batches": 2, "devices": "phone"}),
            (dist.check_stages, (model, [(0, 2), (2, 3)]), {}),
            (dist.gpipe_schedule, (np.ones((2, 2)), np.ones((2, 2)), np.ones((1, 2)),
                                   np.ones((1, 2))), {}),
        ],
        "comm": [
            (dist.TopK, (0.5,), {}),
            (dist.QSGD, (4,), {}),
            (dist.compress_stacked, (dist.QSGD(4), stacked, None, [rng, rng]), {}),
            (dist.dense_nbytes, (params,), {}),
            (dist.update_nbytes, (dist.Int8(), params), {}),
        ],
        "clock": [
            (dist.transfer_time, (np.array([10.0, 0.0]), 1e6, 0.01), {}),
            (dist.training_macs, (model, 10), {}),
            (dist.arrival_times, (topology, two, 100, np.array([10, 10]), np.ones(2)), {}),
            (dist.round_time, (topology, two, np.ones(2), np.array([False, True]),
                               np.zeros(1), 2.0), {}),
        ],
        "simulate": [
            (dist.run, (model, loss, cluster, dist.FedAvg(local_opt=sgd)), run_options),
        ],
        "history": [
            (dist.DistributedHistory().record,
             (dist.RoundRecord(round=0, loss=1.0, metric=0.5, time=1.0, bytes_up={},
                               bytes_down={}, participants=(), dropped={}), 1.0), {}),
        ],
        "flower": [
            (flower.client_app, (model, loss, cluster),
             {"local_opt": "not a stepper", "epochs": 1, "batch_size": None, "mu": 0.0}),
            (flower.server_app, (model, loss),
             {"rounds": 1, "n_workers": 3, "params": params, "fraction": 0.5,
              "server_opt": None, "validation": None, "target": None, "seed": 0,
              "availability": None, "history": None, "on_finish": None,
              "evaluate_on_clients": False, "timeout": -1.0}),
            # backend_config is never fuzzed and always refused: nothing here may start Ray.
            (flower.run_simulation, (model, loss, cluster),
             {"rounds": 1, "local_opt": sgd, "epochs": 1, "batch_size": None, "fraction": 0.5,
              "mu": 0.0, "server_opt": None, "seed": 0, "params": None, "validation": None,
              "target": None, "evaluate_on_clients": False, "backend_config": "none"}),
        ],
    }


MODULES = list(fixtures())
# Flower: an argument whose refusal is what keeps the call from starting Flower stays as it is.
KEEP = {flower.client_app: {"local_opt"}, flower.server_app: {"timeout"},
        flower.run_simulation: {"backend_config"}}  # fmt: skip


@pytest.mark.parametrize("module", MODULES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_junk_into_any_argument_fails_cleanly_and_changes_nothing(module, data):
    call, args, kwargs = data.draw(st.sampled_from(fixtures()[module]), label="callable")
    slots = [i for i in range(len(args))] + [k for k in kwargs if k not in KEEP.get(call, ())]
    assume(slots)
    slot = data.draw(st.sampled_from(slots), label="argument")
    value = data.draw(junk(), label="value")
    if slot in COUNTS or (module in ("devices", "rounds") and slot in (0, 1)):
        assume(not (isinstance(value, int) and value > 16))
    args, kwargs = list(args), dict(kwargs)
    if isinstance(slot, int):
        args[slot] = value
    else:
        kwargs[slot] = value
    assert_fails_cleanly(call, *args, allowed=ALLOWED, **kwargs)
