"""The worker functions: FedProx's proximal term against its central difference, and local
training equal to the stepper's own steps, bit for bit."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
import minitrain.strategies as mts
from minitrain import distributed as dist
from minitrain.distributed.workers import (
    WorkerConfig,
    local_training,
    minibatch_gradient,
    run_worker,
    worker_update,
)

problems = mts.classification_problems(n_classes=st.integers(2, 4), n_samples=st.integers(8, 40),
                                       n_features=st.integers(1, 4))  # fmt: skip


def mlp(n_in: int, n_out: int) -> mt.Sequential:
    return mt.Sequential([mt.Dense(n_in, 5), mt.Tanh(), mt.Dense(5, n_out)])


@given(mts.finite_arrays((3, 4)), mts.finite_arrays((3, 4)), st.floats(0.0, 5.0))
def test_proximal_term_gradient_is_its_central_difference(w, anchor, mu):
    value, grad = dist.proximal_term({"W": w}, {"W": anchor}, mu)
    # the same sum in another order: a few ulps, 1e-12 relative
    np.testing.assert_allclose(value, 0.5 * mu * np.sum((w - anchor) ** 2), rtol=1e-12)
    h = 1e-6
    for index in [(0, 0), (1, 2), (2, 3)]:
        bump = np.zeros_like(w)
        bump[index] = h
        up = dist.proximal_term({"W": w + bump}, {"W": anchor}, mu)[0]
        down = dist.proximal_term({"W": w - bump}, {"W": anchor}, mu)[0]
        # quadratic: the central difference is exact up to cancellation, ~1e-16 * value / h
        tolerance = 1e-8 * max(1.0, value)
        assert abs((up - down) / (2 * h) - grad["W"][index]) <= tolerance


class ForwardingStepper:
    """Forwards to a minitrain stepper; workers cannot see inside it, so they use its step."""

    def __init__(self, opt):
        self.opt = opt

    def init(self, params):
        return self.opt.init(params)

    def step(self, params, grads, state):
        return self.opt.step(params, grads, state)


@given(problems, st.sampled_from([0.0, 0.5]), st.integers(0, 2**16))
def test_local_training_in_place_equals_the_stepper_steps_bit_for_bit(problem, mu, seed):
    X, y = problem.X, problem.y
    model, loss = mlp(X.shape[1], problem.n_classes), mt.losses.CrossEntropy()
    params, adam = model.init(seed), mt.optim.Adam(lr=0.05)
    configs = [WorkerConfig(model=model, loss=loss, work=local_training, batch_size=3, epochs=2,
                            opt=opt, mu=mu) for opt in (adam, ForwardingStepper(adam))]  # fmt: skip
    results = [worker_update(params, X, y, config, seed) for config in configs]
    for key in params:
        np.testing.assert_array_equal(results[0].update[key], results[1].update[key])
    assert (results[0].loss, results[0].metric) == (results[1].loss, results[1].metric)


@given(problems, st.sampled_from(["local", "gradient"]), st.integers(0, 2**16))
def test_the_simulator_runs_the_checked_worker_update_without_its_checks_to_the_bit(
    problem, work, seed
):
    """run_worker (what the rounds submit, on a Cluster's checked shards) gives the bits of
    worker_update, which checks its inputs first."""
    X, y = problem.X, problem.y
    model, loss = mlp(X.shape[1], problem.n_classes), mt.losses.CrossEntropy()
    params = model.init(seed)
    config = WorkerConfig(model=model, loss=loss, batch_size=3, epochs=2,
                          work=local_training if work == "local" else minibatch_gradient,
                          opt=mt.optim.SGD(lr=0.1, momentum=0.9))  # fmt: skip
    checked, unchecked = (run(params, X, y, config, seed) for run in (worker_update, run_worker))
    for key in params:
        np.testing.assert_array_equal(checked.update[key], unchecked.update[key])
    assert (checked.loss, checked.metric, checked.weight) == (
        unchecked.loss, unchecked.metric, unchecked.weight
    )
