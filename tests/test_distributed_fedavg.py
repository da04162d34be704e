"""FedAvg, FedProx and server steppers against their closed forms: one full-batch local epoch
is FedSGD; FedProx adds mu (w - w_t) to every local gradient; server GD(lr=1) is plain FedAvg."""

from __future__ import annotations

import numpy as np
import pytest
from distributed_problems import ATOL, cluster_of, gd_step, mlp, problems
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
from minitrain import distributed as dist
from minitrain.distributed.workers import WorkerConfig, local_training, worker_update


@given(problems, st.floats(0.3, 1.0), st.integers(0, 2**16))
def test_fedavg_with_one_full_batch_epoch_is_fedsgd(problem, fraction, seed):
    X, y = problem.X, problem.y
    n_workers = min(5, len(X))
    model, loss = mlp(X.shape[1], problem.n_classes), mt.losses.CrossEntropy()
    cluster = cluster_of(X, y, n_workers, seed, scheme="shards", shards_per_part=1)
    common = dict(rounds=3, fraction=fraction, seed=seed)
    fedsgd = dist.sync_sgd(model, loss, cluster, opt=mt.optim.GD(lr=0.3), **common)
    fedavg = dist.fedavg(model, loss, cluster, local_opt=mt.optim.GD(lr=0.3), epochs=1,
                         batch_size=None, **common)  # fmt: skip
    assert fedsgd.participants == fedavg.participants
    for key in fedsgd.params:
        # w + sum p_k (-lr g_k) vs w - lr sum p_k g_k, over 3 rounds: a few ulps of |w|
        np.testing.assert_allclose(fedavg.params[key], fedsgd.params[key], rtol=0, atol=ATOL)


@given(problems, st.floats(0.01, 2.0), st.integers(0, 2**16))
def test_fedprox_local_steps_add_mu_times_the_distance_to_the_server_model(problem, mu, seed):
    X, y = problem.X, problem.y
    model, loss = mlp(X.shape[1], problem.n_classes), mt.losses.CrossEntropy()
    params, lr = model.init(seed), 0.1
    config = WorkerConfig(model=model, loss=loss, work=local_training, epochs=2,
                          opt=mt.optim.GD(lr=lr), mu=mu)  # fmt: skip
    delta = worker_update(params, X, y, config, seed).update
    w1 = gd_step(params, mt.value_and_grad(model, loss, params, X, y)[1], lr)  # prox grad = 0
    g1 = mt.value_and_grad(model, loss, w1, X, y)[1]
    w2 = {k: w1[k] - lr * (g1[k] + mu * (w1[k] - params[k])) for k in params}
    for key in params:
        np.testing.assert_allclose(params[key] + delta[key], w2[key], rtol=0, atol=ATOL)


@given(problems, st.integers(0, 2**16))
def test_server_gd_with_rate_one_is_plain_fedavg_and_adam_sees_minus_the_average(problem, seed):
    X, y = problem.X, problem.y
    model, loss = mlp(X.shape[1], problem.n_classes), mt.losses.CrossEntropy()
    cluster = cluster_of(X, y, min(4, len(X)), seed)
    common = dict(rounds=1, local_opt=mt.optim.SGD(lr=0.1), epochs=2, batch_size=3,
                  fraction=1.0, seed=seed)  # fmt: skip
    plain = dist.fedavg(model, loss, cluster, **common)
    with_gd = dist.fedavg(model, loss, cluster, server_opt=mt.optim.GD(lr=1.0), **common)
    adam = mt.optim.Adam(lr=0.01)
    with_adam = dist.fedavg(model, loss, cluster, server_opt=adam, **common)
    params = model.init(seed)
    delta = {k: plain.params[k] - params[k] for k in params}
    expected, _ = adam.step(params, {k: -d for k, d in delta.items()}, adam.init(params))
    for key in params:
        # w - 1 * (-Delta) vs w + Delta: identical up to one rounding of |w|
        np.testing.assert_allclose(with_gd.params[key], plain.params[key], rtol=0, atol=ATOL)
        # Adam's first step moves each weight by ~lr * sign(-Delta): recovering Delta from
        # w + Delta - w costs a few ulps of |w|, which Adam's normalisation can amplify up to
        # lr * ulp / |Delta|; 1e-9 covers |Delta| down to ~1e-5.
        np.testing.assert_allclose(with_adam.params[key], expected[key], rtol=0, atol=1e-9)


def test_local_epochs_or_batch_below_one_are_refused():
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        dist.FedAvg(local_opt=mt.optim.SGD(lr=0.1), epochs=0)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        dist.FedAvg(local_opt=mt.optim.SGD(lr=0.1), batch_size=0)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        dist.SyncSGD(opt=mt.optim.SGD(lr=0.1), batch_size=-3)
    with pytest.raises(ValueError, match="mu must be a finite number >= 0"):
        dist.FedAvg(local_opt=mt.optim.SGD(lr=0.1), mu=-1.0)
