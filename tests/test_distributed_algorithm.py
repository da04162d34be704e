"""The algorithm protocol: the package's algorithms follow it, and an algorithm written outside
the package runs through the same rounds (server momentum = FedAvg with an SGD-momentum server)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitrain as mt
from minitrain import distributed as dist


@dataclass(frozen=True)
class ServerMomentum:
    """FedAvgM written against the protocol: v <- beta v + Delta, w <- w + v."""

    local_opt: Any
    beta: float
    fraction: float = 1.0
    hierarchical: bool = False

    def worker_config(self, model, loss):
        return dist.WorkerConfig(model=model, loss=loss, work=dist.local_training,
                                 batch_size=4, epochs=2, opt=self.local_opt)  # fmt: skip

    def local_macs(self, model, sizes):
        return dist.training_macs(model, 2 * sizes)

    def init(self, params):
        return {key: np.zeros_like(p) for key, p in params.items()}

    def apply(self, params, velocity, delta):
        velocity = {key: self.beta * v + delta[key] for key, v in velocity.items()}
        return {key: p + velocity[key] for key, p in params.items()}, velocity


def problem(seed):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 3, 40)
    model = mt.Sequential([mt.Dense(3, 5), mt.Tanh(), mt.Dense(5, 3)])
    return X, y, model, mt.losses.CrossEntropy()


def test_the_package_algorithms_follow_the_protocol():
    sync = dist.SyncSGD(opt=mt.optim.SGD(lr=0.1))
    fed = dist.FedAvg(local_opt=mt.optim.SGD(lr=0.1))
    assert isinstance(sync, dist.Algorithm) and isinstance(fed, dist.Algorithm)
    _, _, model, loss = problem(0)
    assert sync.worker_config(model, loss).work is dist.minibatch_gradient
    assert fed.worker_config(model, loss).work is dist.local_training
    assert sync.worker_config(model, loss).opt is None
    assert fed.worker_config(model, loss).opt is fed.local_opt


@settings(max_examples=10, deadline=None)
@given(st.floats(0.0, 0.95), st.integers(0, 2**16))
def test_a_custom_server_momentum_equals_fedavg_with_an_sgd_momentum_server(beta, seed):
    X, y, model, loss = problem(seed)
    cluster = dist.make_cluster(X, y, 4, seed=seed)
    custom = dist.run(model, loss, cluster, ServerMomentum(mt.optim.SGD(lr=0.1), beta),
                      rounds=3, seed=seed)  # fmt: skip
    # torch's SGD momentum on the pseudo-gradient -Delta: b <- beta b - Delta, w <- w - 1 * b
    fedavg = dist.fedavg(model, loss, cluster, local_opt=mt.optim.SGD(lr=0.1), rounds=3,
                         epochs=2, batch_size=4, fraction=1.0, seed=seed,
                         server_opt=mt.optim.SGD(lr=1.0, momentum=beta))  # fmt: skip
    assert custom.participants == fedavg.participants and custom.elapsed == fedavg.elapsed
    for key in custom.params:
        # the same sums with the sign flipped (v = -b): a few ulps of |w| after 3 rounds
        np.testing.assert_allclose(custom.params[key], fedavg.params[key], rtol=0, atol=1e-12)


def test_run_refuses_an_object_that_is_not_an_algorithm():
    X, y, model, loss = problem(0)
    with pytest.raises(TypeError, match="algorithm must follow the Algorithm protocol"):
        dist.run(model, loss, dist.make_cluster(X, y, 2), mt.optim.SGD(lr=0.1), rounds=1)


def test_steppers_are_keywords_in_every_entry_point():
    X, y, model, loss = problem(0)
    cluster, sgd = dist.make_cluster(X, y, 2), mt.optim.SGD(lr=0.1)
    with pytest.raises(TypeError):
        dist.sync_sgd(model, loss, cluster, sgd, rounds=1)  # type: ignore[misc]
    with pytest.raises(TypeError):
        dist.async_sgd(model, loss, cluster, sgd, updates=1, max_staleness=0)  # type: ignore[misc]
    with pytest.raises(TypeError):
        dist.SyncSGD(sgd)  # type: ignore[misc]
    with pytest.raises(TypeError):
        dist.FedAvg(sgd)  # type: ignore[misc]
    with pytest.raises(TypeError, match="local_opt must be a stepper"):
        dist.fedavg(model, loss, cluster, local_opt="sgd", rounds=1)
