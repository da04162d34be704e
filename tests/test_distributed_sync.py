"""Synchronous data-parallel SGD against its closed forms: a round with every worker on its
whole shard is one full-batch step; one worker is centralized training, bit for bit."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from distributed_problems import ATOL, cluster_of, gd_step, mlp, problems
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
from minitrain import distributed as dist


@given(problems, st.integers(1, 4), st.integers(0, 2**16))
def test_one_sync_round_with_all_workers_is_one_full_batch_step(problem, n_workers, seed):
    X, y = problem.X, problem.y
    n_workers = min(n_workers, len(X))
    model, loss = mlp(X.shape[1], problem.n_classes), mt.losses.CrossEntropy()
    params = model.init(seed)
    cluster = cluster_of(X, y, n_workers, seed)
    history = dist.sync_sgd(model, loss, cluster, opt=mt.optim.GD(lr=0.5), rounds=1, params=params)
    _, grads = mt.value_and_grad(model, loss, params, X, y)
    expected = gd_step(params, grads, 0.5)
    for key in params:
        np.testing.assert_allclose(history.params[key], expected[key], rtol=0, atol=ATOL)
    assert history.participants == [list(range(n_workers))]


@given(problems, st.integers(1, 4), st.integers(0, 2**16))
def test_one_worker_equals_centralized_training_bit_for_bit(problem, rounds, seed):
    X, y = problem.X, problem.y
    model, loss = mlp(X.shape[1], problem.n_classes), mt.losses.CrossEntropy()
    cluster = cluster_of(X, y, 1, seed)
    opt = mt.optim.Adam(lr=0.05)
    central = mt.fit(model, loss, opt, X, y, epochs=rounds, seed=seed, progress=False)
    simulated = dist.sync_sgd(model, loss, cluster, opt=opt, rounds=rounds, seed=seed)
    with ThreadPoolExecutor(1) as pool:
        pooled = dist.sync_sgd(model, loss, cluster, opt=opt, rounds=rounds, seed=seed,
                               executor=pool)  # fmt: skip
    for key in central.params:
        assert np.array_equal(simulated.params[key], central.params[key])
        assert np.array_equal(pooled.params[key], central.params[key])
    assert simulated.loss == central.loss


@pytest.mark.parametrize("fraction", [0.0, -0.1, 1.01, float("nan")])
def test_a_client_fraction_outside_zero_one_is_refused(fraction):
    with pytest.raises(ValueError, match="fraction must lie in"):
        dist.FedAvg(local_opt=mt.optim.SGD(lr=0.1), fraction=fraction)
    with pytest.raises(ValueError, match="fraction must lie in"):
        dist.SyncSGD(opt=mt.optim.SGD(lr=0.1), fraction=fraction)
