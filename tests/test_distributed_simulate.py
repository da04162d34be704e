"""Running a simulation: inputs untouched, dtypes followed, memory budgets and data checked
before any round, and a run continued from its state equal to the uninterrupted run."""

from __future__ import annotations

import numpy as np
import pytest
from distributed_problems import mlp, unequal_problem

import minitrain as mt
from minitrain import distributed as dist


def test_inputs_are_never_modified():
    X, y, shards, model, loss = unequal_problem()
    params = model.init(0)
    copies = (
        X.copy(),
        y.copy(),
        [s.copy() for s in shards],
        {k: v.copy() for k, v in params.items()},
    )
    cluster = dist.Cluster(X, y, shards)
    dist.sync_sgd(model, loss, cluster, opt=mt.optim.SGD(lr=0.1, momentum=0.9), rounds=2,
                  params=params, compression=dist.TopK(0.2), batch_size=3)  # fmt: skip
    dist.fedavg(model, loss, cluster, rounds=2, params=params, local_opt=mt.optim.SGD(lr=0.1),
                epochs=2, batch_size=2, fraction=0.6, mu=0.1)  # fmt: skip
    assert np.array_equal(X, copies[0]) and np.array_equal(y, copies[1])
    assert all(np.array_equal(a, b) for a, b in zip(shards, copies[2]))
    assert all(np.array_equal(params[k], copies[3][k]) for k in params)


def test_float32_data_trains_float32_params_and_counts_four_bytes_per_value():
    X, y, shards, model, loss = unequal_problem()
    cluster = dist.Cluster(X.astype(np.float32), y, shards)
    history = dist.sync_sgd(model, loss, cluster, opt=mt.optim.Adam(lr=0.01), rounds=2,
                            compression=dist.QSGD(4))  # fmt: skip
    assert {p.dtype for p in history.params.values()} == {np.dtype(np.float32)}
    assert history.bytes_down_by_link[0]["worker 0"] == 4 * model.num_params()


def test_a_worker_whose_training_does_not_fit_its_memory_is_refused():
    X, y, shards, _, loss = unequal_problem()
    big = mt.Sequential([mt.Dense(3, 200), mt.ReLU(), mt.Dense(200, 200), mt.ReLU(),
                         mt.Dense(200, 3)])  # fmt: skip
    cluster = dist.Cluster(X, y, shards, dist.make_topology(5, "cortex-m4"))
    with pytest.raises(ValueError, match=r"worker 0 \(cortex-m4\) has 262,144 bytes of memory"):
        dist.sync_sgd(big, loss, cluster, opt=mt.optim.SGD(lr=0.1), rounds=1)


def test_data_that_does_not_fit_the_model_is_refused_before_any_round():
    X, y, shards, _, loss = unequal_problem()
    with pytest.raises(ValueError, match=r"cluster\.X has 3 columns but the model expects 4"):
        dist.sync_sgd(mlp(4, 3), loss, dist.Cluster(X, y, shards), opt=mt.optim.SGD(lr=0.1),
                      rounds=1)  # fmt: skip
    with pytest.raises(ValueError, match="rounds must be >= 1"):
        dist.sync_sgd(mlp(3, 3), loss, dist.Cluster(X, y, shards), opt=mt.optim.SGD(lr=0.1),
                      rounds=0)  # fmt: skip
    with pytest.raises(TypeError, match="opt must be a stepper"):
        dist.SyncSGD(opt="adam")


def test_a_run_continued_from_its_state_equals_the_uninterrupted_run():
    X, y, shards, model, loss = unequal_problem()
    cluster = dist.Cluster(X, y, shards)
    common = dict(local_opt=mt.optim.SGD(lr=0.1), epochs=2, batch_size=3, fraction=0.6,
                  server_opt=mt.optim.Adam(lr=0.05), compression=dist.TopK(0.2), seed=7,
                  faults=dist.Faults(dropout=0.2))  # fmt: skip
    whole = dist.fedavg(model, loss, cluster, rounds=4, **common)
    first = dist.fedavg(model, loss, cluster, rounds=2, **common)
    rest = dist.fedavg(model, loss, cluster, rounds=2, state=first.state, **common)
    assert first.participants + rest.participants == whole.participants
    for key in whole.params:
        assert np.array_equal(rest.params[key], whole.params[key])
    assert rest.state.clock == whole.state.clock and rest.state.round == 4
