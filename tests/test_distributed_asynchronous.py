"""Asynchronous SGD: stale gradients applied late on the simulated clock, staleness bounded."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
from minitrain import distributed as dist


def problem(n=24, seed=0):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(n, 3)), rng.integers(0, 3, n)
    model = mt.Sequential([mt.Dense(3, 4), mt.Tanh(), mt.Dense(4, 3)])
    return X, y, model, mt.losses.CrossEntropy()


@given(st.integers(1, 6), st.integers(1, 8), st.integers(0, 2**16))
def test_one_worker_without_staleness_is_synchronous_sgd(updates, batch_size, seed):
    X, y, model, loss = problem(seed=seed)
    cluster = dist.make_cluster(X, y, 1)
    opt = mt.optim.Adam(lr=0.05)
    sync = dist.sync_sgd(model, loss, cluster, opt=opt, rounds=updates, batch_size=batch_size,
                         seed=seed)  # fmt: skip
    asynchronous = dist.async_sgd(model, loss, cluster, opt=opt, updates=updates, max_staleness=0,
                                  batch_size=batch_size, seed=seed)  # fmt: skip
    for key in sync.params:  # the same minibatches (seed (j, 1, 0)), the same steps
        assert np.array_equal(asynchronous.params[key], sync.params[key])
    assert asynchronous.loss == sync.loss


def test_a_stale_gradient_is_applied_late_and_discarded_beyond_the_bound():
    X, y, model, loss = problem()
    cluster = dist.Cluster(X, y, [np.arange(12), np.arange(12, 24)])  # two identical devices
    params, lr = model.init(0), 0.5
    g0 = mt.value_and_grad(model, loss, params, X[:12], y[:12])[1]
    g1 = mt.value_and_grad(model, loss, params, X[12:], y[12:])[1]
    w1 = {k: p - lr * g0[k] for k, p in params.items()}
    both = dist.async_sgd(model, loss, cluster, opt=mt.optim.GD(lr=lr), updates=2, max_staleness=1)
    # both fetched w_0 and arrive together: worker 0 first, then worker 1's gradient of w_0
    assert both.staleness == [[0], [1]] and both.participants == [[0], [1]]
    for key in params:
        assert np.array_equal(both.params[key], w1[key] - lr * g1[key])
    fresh_only = dist.async_sgd(model, loss, cluster, opt=mt.optim.GD(lr=lr), updates=2,
                                max_staleness=0)  # fmt: skip
    assert fresh_only.dropped[1][1].startswith("stale") and fresh_only.participants[1] == []
    for key in params:
        assert np.array_equal(fresh_only.params[key], w1[key])
    assert both.round_time[1] == 0.0  # the second arrival is simultaneous


@given(st.lists(st.sampled_from(["cortex-m4", "raspberry-pi", "phone"]), min_size=2, max_size=5),
       st.integers(0, 4), st.integers(0, 2**16))  # fmt: skip
def test_applied_updates_are_never_staler_than_the_bound(devices, bound, seed):
    X, y, model, loss = problem(seed=seed)
    topology = dist.make_topology(len(devices), devices)
    cluster = dist.Cluster(X, y, mt.data.partition(y, len(devices), "iid", seed), topology)
    history = dist.async_sgd(model, loss, cluster, opt=mt.optim.SGD(lr=0.1), updates=15,
                             max_staleness=bound, batch_size=4, seed=seed)  # fmt: skip
    assert history.rounds_run == 15
    for taus, applied, dropped in zip(history.staleness, history.participants, history.dropped):
        assert (taus[0] <= bound) == bool(applied) == (not dropped)
    assert np.all(np.diff(history.elapsed) >= 0)
    applied = sum(map(len, history.participants))
    assert history.state.round == applied == history.opt_state["step"]


def test_the_clock_advances_by_each_workers_fetch_compute_send_cycle():
    device = dist.Device("d", 2**30, 2**30, macs_per_second=5e3, uplink_bps=8e3,
                         downlink_bps=16e3, latency_s=0.1)  # fmt: skip
    gateway = dist.Device("g", 2**30, 2**30, 5e8, uplink_bps=8e6, downlink_bps=8e6, latency_s=0.0)
    X, y, model, loss = problem()
    topology = dist.Topology((device,), (0,), (gateway,), gateway)
    cluster = dist.Cluster(X, y, [np.arange(24)], topology)
    params = model.init(0)
    nbytes = dist.dense_nbytes(params)  # 31 float64 = 248 bytes
    macs = 3 * model.macs(1) * 24
    # down: gateway 8 * 248 / 8e6, then 0.1 + 8 * 248 / 16e3; compute; up: mirror image
    cycle = (
        (2 * 8 * nbytes / 8e6) + (0.1 + 8 * nbytes / 16e3) + macs / 5e3 + (0.1 + 8 * nbytes / 8e3)
    )
    # the same four terms summed in another order: 1e-12 relative
    assert dist.cycle_times(cluster, nbytes, np.array([macs]))[0] == pytest.approx(
        cycle, rel=1e-12
    )
    history = dist.async_sgd(model, loss, cluster, opt=mt.optim.SGD(lr=0.1), updates=3,
                             max_staleness=0)  # fmt: skip
    np.testing.assert_allclose(history.elapsed, [cycle, 2 * cycle, 3 * cycle], rtol=1e-12)
    assert history.bytes_up_by_link[0] == {"worker 0": nbytes, "gateway 0": nbytes}


def test_failed_workers_are_dropped_or_abort_with_the_state_before():
    X, y, model, loss = problem()
    cluster = dist.make_cluster(X, y, 3)
    dropped = dist.async_sgd(model, loss, cluster, opt=mt.optim.SGD(lr=0.1), updates=6,
                             max_staleness=5, faults=dist.Faults(failures={1: "nan"}))  # fmt: skip
    assert all(1 not in applied for applied in dropped.participants)
    assert any("NaN" in why for d in dropped.dropped for why in d.values())
    faults = dist.Faults(failures={(1, 2): "raise"}, policy="raise")
    with pytest.raises(dist.WorkerError, match="worker 2") as caught:
        dist.async_sgd(model, loss, cluster, opt=mt.optim.SGD(lr=0.1), updates=9, max_staleness=5,
                       faults=faults)  # fmt: skip
    error = caught.value
    before = dist.async_sgd(model, loss, cluster, opt=mt.optim.SGD(lr=0.1),
                            updates=error.history.rounds_run, max_staleness=5)  # fmt: skip
    for key in before.params:
        assert np.array_equal(error.state.params[key], before.params[key])


def test_bad_async_arguments_are_refused():
    X, y, model, loss = problem()
    cluster = dist.make_cluster(X, y, 2)
    opt = mt.optim.SGD(lr=0.1)
    with pytest.raises(ValueError, match="updates must be >= 1"):
        dist.async_sgd(model, loss, cluster, opt=opt, updates=0, max_staleness=1)
    with pytest.raises(ValueError, match="max_staleness must be >= 0"):
        dist.async_sgd(model, loss, cluster, opt=opt, updates=1, max_staleness=-1)
    with pytest.raises(ValueError, match="deadline and dropout are round notions"):
        dist.async_sgd(model, loss, cluster, opt=opt, updates=1, max_staleness=1,
                       faults=dist.Faults(deadline=1.0))  # fmt: skip
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        dist.async_sgd(model, loss, cluster, opt=opt, updates=1, max_staleness=1, batch_size=0)
