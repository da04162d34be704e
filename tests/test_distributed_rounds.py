"""One synchronous round: sample-weighted averages (flat and through gateways) against the
full-batch gradient, and workers whose updates overflow."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
from distributed_problems import ATOL, cluster_of, mlp, problems
from hypothesis import assume, given
from hypothesis import strategies as st

import minitrain as mt
from minitrain import distributed as dist
from minitrain.distributed.workers import WorkerConfig, minibatch_gradient, worker_update


@given(problems, st.integers(0, 2**16))
def test_weighted_average_of_unequal_shards_is_the_full_gradient_and_plain_mean_is_not(
    problem, seed
):
    X, y = problem.X, problem.y
    n = len(X)
    cut = n // 3  # shard sizes cut and n - cut differ since n >= 8
    model, loss = mlp(X.shape[1], problem.n_classes), mt.losses.CrossEntropy()
    params = model.init(seed)
    config = WorkerConfig(model=model, loss=loss, work=minibatch_gradient)
    parts = [slice(0, cut), slice(cut, n)]
    results = [worker_update(params, X[p], y[p], config, seed) for p in parts]
    stacked = {k: np.stack([r.update[k] for r in results]) for k in params}
    weights = np.array([r.weight for r in results])
    assert list(weights) == [cut, n - cut]
    _, full = mt.value_and_grad(model, loss, params, X, y)
    weighted = dist.weighted_average(stacked, weights)
    plain = {k: g.mean(axis=0) for k, g in stacked.items()}
    for key in params:
        np.testing.assert_allclose(weighted[key], full[key], rtol=0, atol=ATOL)
        # plain - full = (1/2 - n_1/n)(g_1 - g_2): off by exactly the weighting error
        g1, g2 = stacked[key]
        np.testing.assert_allclose(plain[key] - full[key], (0.5 - cut / n) * (g1 - g2),
                                   rtol=0, atol=ATOL)  # fmt: skip
    difference = max(np.abs(stacked[k][0] - stacked[k][1]).max() for k in params)
    assume(difference > 1e-6)  # shards with identical gradients cannot tell the two apart
    assert max(np.abs(plain[k] - full[k]).max() for k in params) > 1e-9


@given(problems, st.integers(2, 3), st.integers(0, 2**16))
def test_hierarchical_average_equals_the_flat_one(problem, n_gateways, seed):
    X, y = problem.X, problem.y
    n_workers = min(6, len(X))
    n_gateways = min(n_gateways, n_workers)
    model, loss = mlp(X.shape[1], problem.n_classes), mt.losses.CrossEntropy()
    cluster = cluster_of(
        X, y, n_workers, seed, scheme="shards", shards_per_part=1, n_gateways=n_gateways
    )
    opt = mt.optim.SGD(lr=0.2, momentum=0.9)
    flat = dist.sync_sgd(model, loss, cluster, opt=opt, rounds=2, seed=seed)
    tree = dist.sync_sgd(model, loss, cluster, opt=opt, rounds=2, seed=seed, hierarchical=True)
    for key in flat.params:
        np.testing.assert_allclose(tree.params[key], flat.params[key], rtol=0, atol=ATOL)
    dense = dist.dense_nbytes(flat.params)
    for g in range(n_gateways):
        # flat: the gateway forwards each of its workers' updates; tree: one average
        members = sum(1 for k in range(n_workers) if k * n_gateways // n_workers == g)
        assert flat.bytes_up_by_link[0][f"gateway {g}"] == members * dense
        assert tree.bytes_up_by_link[0][f"gateway {g}"] == dense


def test_workers_whose_gradients_overflow_are_dropped_alike_stacked_and_looped():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 3)), rng.normal(size=(12, 2))
    X[8:12] = 1e308  # worker 2's outputs overflow to inf: its loss and gradient are not finite
    model, loss = mt.Sequential([mt.Dense(3, 2)]), mt.losses.MSE()
    cluster = dist.Cluster(X, y, [np.arange(0, 4), np.arange(4, 8), np.arange(8, 12)])
    stacked = dist.sync_sgd(model, loss, cluster, opt=mt.optim.SGD(lr=0.1), rounds=2)
    with ThreadPoolExecutor(2) as pool:
        looped = dist.sync_sgd(model, loss, cluster, opt=mt.optim.SGD(lr=0.1), rounds=2,
                               executor=pool)  # fmt: skip
    assert stacked.participants == [[0, 1], [0, 1]]
    assert stacked.dropped[0][2].startswith("failed: its update['0.W'] holds NaN")
    assert repr(stacked.as_dict()) == repr(looped.as_dict())
    assert all(np.array_equal(stacked.params[k], looped.params[k]) for k in stacked.params)
