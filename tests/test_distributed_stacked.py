"""The stacked computation of many workers is the per-worker computation, bit for bit."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor

import hypothesis.extra.numpy as hnp
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
import minitrain.strategies as mts
from minitrain import distributed as dist
from minitrain.distributed.stacked import can_stack, stacked_gradients, stacked_loss
from minitrain.distributed.workers import (
    WorkerConfig,
    local_training,
    minibatch_gradient,
    worker_update,
)

dtypes = st.sampled_from([np.float64, np.float32])
LOSSES = [mt.losses.CrossEntropy(), mt.losses.MSE(), mt.losses.Huber(0.5),
          mt.losses.BinaryCrossEntropy()]  # fmt: skip


def targets_for(loss, rng, shape, dtype):
    m, n, c = shape
    if isinstance(loss, mt.losses.CrossEntropy):
        return rng.integers(0, c, size=(m, n))
    if isinstance(loss, mt.losses.BinaryCrossEntropy):
        return rng.uniform(0, 1, size=shape).astype(dtype)
    return rng.normal(size=shape).astype(dtype)


@given(st.sampled_from(LOSSES), hnp.array_shapes(min_dims=3, max_dims=3, max_side=9), dtypes,
       st.integers(0, 2**16))  # fmt: skip
def test_stacked_loss_is_each_slices_loss_bit_for_bit(loss, shape, dtype, seed):
    rng = np.random.default_rng(seed)
    pred = (5 * rng.normal(size=shape)).astype(dtype)
    target = targets_for(loss, rng, shape, dtype)
    values, grads, metrics = stacked_loss(loss, pred, target)
    for k in range(shape[0]):
        value, grad = loss.value_and_grad(pred[k], target[k])
        assert values[k] == value and np.array_equal(grads[k], grad)
        assert grads.dtype == grad.dtype
        assert metrics[k] == loss.metric_for_average(pred[k], target[k])


@st.composite
def stackable_models(draw):
    widths = draw(st.lists(st.integers(1, 7), min_size=2, max_size=4))
    layers = []
    for a, b in itertools.pairwise(widths):
        layers += [mt.Dense(a, b), draw(st.sampled_from([mt.ReLU, mt.Tanh, mt.Sigmoid,
                                                         mt.LeakyReLU]))()]  # fmt: skip
    return mt.Sequential(layers[:-1])


@given(stackable_models(), st.integers(1, 5), st.integers(1, 12), st.sampled_from([None, 1, 3]),
       dtypes, st.integers(0, 2**16))  # fmt: skip
def test_stacked_gradients_are_the_worker_functions_bit_for_bit(model, m, n, batch, dtype, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n, model.n_in)).astype(dtype)
    y = rng.integers(0, model.n_out, size=(m, n))
    loss = mt.losses.CrossEntropy() if model.n_out > 1 else mt.losses.MSE()
    if model.n_out == 1:
        y = rng.normal(size=(m, n, 1)).astype(dtype)
    params = model.init(seed, dtype=dtype)
    seeds = [np.random.SeedSequence([seed, k]) for k in range(m)]
    assert can_stack(model, WorkerConfig(model=model, loss=loss, work=minibatch_gradient))
    assert not can_stack(model, WorkerConfig(model=model, loss=loss, work=local_training))
    losses, metrics, grads, rows = stacked_gradients(model, loss, params, X, y, seeds, batch)
    config = WorkerConfig(model=model, loss=loss, work=minibatch_gradient, batch_size=batch)
    for k in range(m):
        result = worker_update(params, X[k], y[k], config, seeds[k])
        assert result.weight == rows and result.loss == losses[k]
        assert result.metric == metrics[k]
        for key in params:
            assert np.array_equal(result.update[key], grads[key][k])
            assert grads[key].dtype == params[key].dtype


@given(mts.finite_arrays((2, 6, 3)))
def test_stacking_never_modifies_its_inputs(X):
    model = mt.Sequential([mt.Dense(3, 4), mt.ReLU(), mt.Dense(4, 2)])
    y = np.zeros((2, 6), dtype=np.int64)
    params = model.init(0)
    before = (X.copy(), {k: v.copy() for k, v in params.items()})
    stacked_gradients(model, mt.losses.CrossEntropy(), params, X, y, [0, 1], 4)
    assert np.array_equal(X, before[0])
    assert all(np.array_equal(params[k], before[1][k]) for k in params)


problems = mts.classification_problems(n_classes=st.integers(2, 4), n_samples=st.integers(8, 40),
                                       n_features=st.integers(1, 4))  # fmt: skip


def mlp(n_in: int, n_out: int) -> mt.Sequential:
    return mt.Sequential([mt.Dense(n_in, 5), mt.Tanh(), mt.Dense(5, n_out)])


def cluster_of(X, y, n_workers, seed=0, **kwargs) -> dist.Cluster:
    return dist.make_cluster(X, y, n_workers, seed=seed, **kwargs)


@given(problems, st.integers(2, 4), st.integers(0, 2**16))
def test_stacked_round_is_bit_identical_to_the_per_worker_loop(problem, n_workers, seed):
    """In process with equal shards the round runs stacked; a thread pool runs the worker
    function one worker at a time. Same numbers, bit for bit (same per-slice matmuls)."""
    n = (len(problem.X) // n_workers) * n_workers
    X, y = problem.X[:n], problem.y[:n]
    model, loss = mlp(X.shape[1], problem.n_classes), mt.losses.CrossEntropy()
    cluster = cluster_of(X, y, n_workers, seed)
    assert cluster.X_stack is not None
    common = dict(rounds=2, batch_size=max(1, n // n_workers - 1), seed=seed)
    stacked = dist.sync_sgd(model, loss, cluster, opt=mt.optim.Adam(lr=0.01), **common)
    with ThreadPoolExecutor(2) as pool:
        looped = dist.sync_sgd(model, loss, cluster, opt=mt.optim.Adam(lr=0.01), executor=pool,
                               **common)  # fmt: skip
    for key in stacked.params:
        assert np.array_equal(stacked.params[key], looped.params[key])
    assert stacked.as_dict() == looped.as_dict()
