"""Synchronous data-parallel SGD and federated averaging: each round against its closed form.

The closed forms: a synchronous round with every worker on its whole shard is one full-batch
step; the sample-weighted average of shard gradients is the full-batch gradient; FedAvg with
one full-batch local step is FedSGD; FedProx adds mu (w - w_t) to every local gradient.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import minitrain as mt
import minitrain.strategies as mts
from minitrain import distributed as dist
from minitrain.distributed.rounds import run_round
from minitrain.distributed.workers import WorkerConfig, worker_update

# Float64, same formula in a different summation order (per-shard sums then a weighted sum,
# vs one sum over all rows): the difference is a few ulps of the largest partial sum. With at
# most 40 rows of gradients of order 10, that is ~1e-13; 1e-12 leaves room and is far below
# any formula error (a wrong weight changes the result by O(1e-2)).
ATOL = 1e-12

problems = mts.classification_problems(n_classes=st.integers(2, 4), n_samples=st.integers(8, 40),
                                       n_features=st.integers(1, 4))  # fmt: skip


def mlp(n_in: int, n_out: int) -> mt.Sequential:
    return mt.Sequential([mt.Dense(n_in, 5), mt.Tanh(), mt.Dense(5, n_out)])


def cluster_of(X, y, n_workers, seed=0, **kwargs) -> dist.Cluster:
    return dist.make_cluster(X, y, n_workers, seed=seed, **kwargs)


def gd_step(params, grads, lr):
    return {k: p - lr * grads[k] for k, p in params.items()}


@given(problems, st.integers(1, 4), st.integers(0, 2**16))
def test_one_sync_round_with_all_workers_is_one_full_batch_step(problem, n_workers, seed):
    X, y = problem.X, problem.y
    n_workers = min(n_workers, len(X))
    model, loss = mlp(X.shape[1], problem.n_classes), mt.losses.CrossEntropy()
    params = model.init(seed)
    cluster = cluster_of(X, y, n_workers, seed)
    history = dist.sync_sgd(model, loss, mt.optim.GD(lr=0.5), cluster, rounds=1, params=params)
    _, grads = mt.value_and_grad(model, loss, params, X, y)
    expected = gd_step(params, grads, 0.5)
    for key in params:
        np.testing.assert_allclose(history.params[key], expected[key], rtol=0, atol=ATOL)
    assert history.participants == [list(range(n_workers))]


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
    stacked = dist.sync_sgd(model, loss, mt.optim.Adam(lr=0.01), cluster, **common)
    with ThreadPoolExecutor(2) as pool:
        looped = dist.sync_sgd(model, loss, mt.optim.Adam(lr=0.01), cluster, executor=pool,
                               **common)  # fmt: skip
    for key in stacked.params:
        assert np.array_equal(stacked.params[key], looped.params[key])
    assert stacked.as_dict() == looped.as_dict()


@given(problems, st.integers(0, 2**16))
def test_weighted_average_of_unequal_shards_is_the_full_gradient_and_plain_mean_is_not(
    problem, seed
):
    X, y = problem.X, problem.y
    n = len(X)
    cut = n // 3  # shard sizes cut and n - cut differ since n >= 8
    model, loss = mlp(X.shape[1], problem.n_classes), mt.losses.CrossEntropy()
    params = model.init(seed)
    config = WorkerConfig(model, loss)
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


@given(problems, st.integers(1, 4), st.integers(0, 2**16))
def test_one_worker_equals_centralized_training_bit_for_bit(problem, rounds, seed):
    X, y = problem.X, problem.y
    model, loss = mlp(X.shape[1], problem.n_classes), mt.losses.CrossEntropy()
    cluster = cluster_of(X, y, 1, seed)
    opt = mt.optim.Adam(lr=0.05)
    central = mt.fit(model, loss, opt, X, y, epochs=rounds, seed=seed, progress=False)
    simulated = dist.sync_sgd(model, loss, opt, cluster, rounds=rounds, seed=seed)
    with ThreadPoolExecutor(1) as pool:
        pooled = dist.sync_sgd(model, loss, opt, cluster, rounds=rounds, seed=seed, executor=pool)
    for key in central.params:
        assert np.array_equal(simulated.params[key], central.params[key])
        assert np.array_equal(pooled.params[key], central.params[key])
    assert simulated.loss == central.loss


@given(problems, st.floats(0.3, 1.0), st.integers(0, 2**16))
def test_fedavg_with_one_full_batch_epoch_is_fedsgd(problem, fraction, seed):
    X, y = problem.X, problem.y
    n_workers = min(5, len(X))
    model, loss = mlp(X.shape[1], problem.n_classes), mt.losses.CrossEntropy()
    cluster = cluster_of(X, y, n_workers, seed, scheme="shards", shards_per_part=1)
    common = dict(rounds=3, fraction=fraction, seed=seed)
    fedsgd = dist.sync_sgd(model, loss, mt.optim.GD(lr=0.3), cluster, **common)
    fedavg = dist.fedavg(model, loss, cluster, local_opt=mt.optim.GD(lr=0.3), epochs=1,
                         batch_size=None, **common)  # fmt: skip
    assert fedsgd.participants == fedavg.participants
    for key in fedsgd.params:
        # w + sum p_k (-lr g_k) vs w - lr sum p_k g_k, over 3 rounds: a few ulps of |w|
        np.testing.assert_allclose(fedavg.params[key], fedsgd.params[key], rtol=0, atol=ATOL)


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


@given(problems, st.floats(0.01, 2.0), st.integers(0, 2**16))
def test_fedprox_local_steps_add_mu_times_the_distance_to_the_server_model(problem, mu, seed):
    X, y = problem.X, problem.y
    model, loss = mlp(X.shape[1], problem.n_classes), mt.losses.CrossEntropy()
    params, lr = model.init(seed), 0.1
    config = WorkerConfig(model, loss, "local", None, 2, mt.optim.GD(lr=lr), mu)
    delta = worker_update(params, X, y, config, seed).update
    w1 = gd_step(params, mt.value_and_grad(model, loss, params, X, y)[1], lr)  # prox grad = 0
    g1 = mt.value_and_grad(model, loss, w1, X, y)[1]
    w2 = {k: w1[k] - lr * (g1[k] + mu * (w1[k] - params[k])) for k in params}
    for key in params:
        np.testing.assert_allclose(params[key] + delta[key], w2[key], rtol=0, atol=ATOL)


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
    results = [
        worker_update(params, X, y, WorkerConfig(model, loss, "local", 3, 2, opt, mu), seed)
        for opt in (adam, ForwardingStepper(adam))
    ]
    for key in params:
        np.testing.assert_array_equal(results[0].update[key], results[1].update[key])
    assert (results[0].loss, results[0].metric) == (results[1].loss, results[1].metric)


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
    flat = dist.sync_sgd(model, loss, opt, cluster, rounds=2, seed=seed)
    tree = dist.sync_sgd(model, loss, opt, cluster, rounds=2, seed=seed, hierarchical=True)
    for key in flat.params:
        np.testing.assert_allclose(tree.params[key], flat.params[key], rtol=0, atol=ATOL)
    dense = dist.dense_nbytes(flat.params)
    for g in range(n_gateways):
        # flat: the gateway forwards each of its workers' updates; tree: one average
        members = sum(1 for k in range(n_workers) if k * n_gateways // n_workers == g)
        assert flat.bytes_up_by_link[0][f"gateway {g}"] == members * dense
        assert tree.bytes_up_by_link[0][f"gateway {g}"] == dense


# ----- faults ---------------------------------------------------------------------------------


def unequal_problem(seed=0, n=30, d=3, classes=3):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(n, d)), rng.integers(0, classes, n)
    shards = [np.arange(0, 4), np.arange(4, 10), np.arange(10, 17), np.arange(17, 25),
              np.arange(25, 30)]  # fmt: skip
    return X, y, shards, mlp(d, classes), mt.losses.CrossEntropy()


@pytest.mark.parametrize("failures", [{1: "nan", 3: "raise"}, {0: "shape"}, {2: "raise"}])
def test_a_round_with_failed_workers_dropped_equals_a_round_over_the_survivors(failures):
    X, y, shards, model, loss = unequal_problem()
    opt = mt.optim.Adam(lr=0.1)
    faulty = dist.sync_sgd(model, loss, opt, dist.Cluster(X, y, shards), rounds=2,
                           faults=dist.Faults(failures=failures))  # fmt: skip
    alive = [k for k in range(5) if k not in failures]
    survivors = dist.Cluster(X, y, [shards[k] for k in alive])
    clean = dist.sync_sgd(model, loss, opt, survivors, rounds=2)
    for key in clean.params:
        assert np.array_equal(faulty.params[key], clean.params[key])
    assert faulty.participants == [alive, alive]
    assert sorted(faulty.dropped[0]) == sorted(failures)
    assert all(why.startswith("failed") for why in faulty.dropped[0].values())


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_random_dropouts_and_stragglers_are_rounds_over_the_survivors(seed):
    X, y, shards, model, loss = unequal_problem(seed)
    devices = ["raspberry-pi", "mcu", "raspberry-pi", "phone", "raspberry-pi"]
    cluster = dist.Cluster(X, y, shards, dist.make_topology(5, devices))
    # Paths (s): gateway 0.02 + Pi 2 x 0.005 = 0.03; MCU and phone > 0.02 + 2 x 0.03: late.
    faults = dist.Faults(deadline=0.05, dropout=0.3)
    history = dist.sync_sgd(model, loss, mt.optim.GD(lr=0.5), cluster, rounds=1, seed=seed,
                            faults=faults)  # fmt: skip
    alive, dropped = history.participants[0], history.dropped[0]
    assert set(alive) | set(dropped) == set(range(5)) and not set(alive) & set(dropped)
    assert {dropped[1][:4], dropped[3][:4]} <= {"late", "unav"}
    if any(why.startswith("late") for why in dropped.values()):
        assert history.round_time[0] > 0.05  # waited for the deadline, then the backhaul
    if alive:
        survivors = dist.Cluster(X, y, [shards[k] for k in alive])
        clean = dist.sync_sgd(model, loss, mt.optim.GD(lr=0.5), survivors, rounds=1, seed=seed)
        for key in clean.params:
            assert np.array_equal(history.params[key], clean.params[key])


def test_raise_policy_leaves_params_state_and_residuals_exactly_as_before():
    X, y, shards, model, loss = unequal_problem()
    cluster = dist.Cluster(X, y, shards)
    opt, topk = mt.optim.Adam(lr=0.1), dist.TopK(0.3)
    before = dist.sync_sgd(model, loss, opt, cluster, rounds=2, compression=topk)
    faults = dist.Faults(failures={(2, 3): "nan"}, policy="raise")
    with pytest.raises(dist.WorkerError, match="worker 3 failed in round 2") as caught:
        dist.sync_sgd(model, loss, opt, cluster, rounds=4, compression=topk, faults=faults)
    error = caught.value
    assert error.worker == 3 and error.history.rounds_run == 2
    state = error.state
    assert state.round == 2 and state.clock == before.state.clock
    for key in before.params:
        assert np.array_equal(state.params[key], before.params[key])
        for slot in ("exp_avg", "exp_avg_sq"):
            assert np.array_equal(state.opt_state[slot][key], before.opt_state[slot][key])
        for k in range(5):
            assert np.array_equal(state.residuals[k][key], before.state.residuals[k][key])
    # the state object handed to the failed round is itself untouched
    copies = {k: v.copy() for k, v in state.params.items()}
    with pytest.raises(dist.WorkerError):
        run_round(model, loss, cluster, dist.SyncSGD(opt), state, seed=0, compression=topk,
                  faults=faults, executor=None)  # fmt: skip
    assert all(np.array_equal(state.params[k], copies[k]) for k in copies)


def test_a_raising_worker_is_named_and_its_exception_chained():
    X, y, shards, model, loss = unequal_problem()
    faults = dist.Faults(failures={4: "raise"}, policy="raise")
    with pytest.raises(dist.WorkerError, match="worker 4") as caught:
        dist.fedavg(model, loss, dist.Cluster(X, y, shards), rounds=1, fraction=1.0,
                    local_opt=mt.optim.SGD(lr=0.1), faults=faults)  # fmt: skip
    assert isinstance(caught.value.__cause__, RuntimeError)


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
    dist.sync_sgd(model, loss, mt.optim.SGD(lr=0.1, momentum=0.9), cluster, rounds=2,
                  params=params, compression=dist.TopK(0.2), batch_size=3)  # fmt: skip
    dist.fedavg(model, loss, cluster, rounds=2, params=params, local_opt=mt.optim.SGD(lr=0.1),
                epochs=2, batch_size=2, fraction=0.6, mu=0.1)  # fmt: skip
    assert np.array_equal(X, copies[0]) and np.array_equal(y, copies[1])
    assert all(np.array_equal(a, b) for a, b in zip(shards, copies[2]))
    assert all(np.array_equal(params[k], copies[3][k]) for k in params)


def test_float32_data_trains_float32_params_and_counts_four_bytes_per_value():
    X, y, shards, model, loss = unequal_problem()
    cluster = dist.Cluster(X.astype(np.float32), y, shards)
    history = dist.sync_sgd(model, loss, mt.optim.Adam(lr=0.01), cluster, rounds=2,
                            compression=dist.QSGD(4))  # fmt: skip
    assert {p.dtype for p in history.params.values()} == {np.dtype(np.float32)}
    assert history.bytes_down_by_link[0]["worker 0"] == 4 * model.num_params()


def test_a_worker_whose_training_does_not_fit_its_memory_is_refused():
    X, y, shards, _, loss = unequal_problem()
    big = mt.Sequential([mt.Dense(3, 200), mt.ReLU(), mt.Dense(200, 200), mt.ReLU(),
                         mt.Dense(200, 3)])  # fmt: skip
    cluster = dist.Cluster(X, y, shards, dist.make_topology(5, "mcu"))
    with pytest.raises(ValueError, match=r"worker 0 \(mcu\) has 262,144 bytes of memory"):
        dist.sync_sgd(big, loss, mt.optim.SGD(lr=0.1), cluster, rounds=1)


def test_history_records_time_bytes_and_a_time_to_accuracy_curve():
    X, y = mt.data.load_digits()
    X = X / 16
    model, loss = mlp(64, 10), mt.losses.CrossEntropy()
    cluster = dist.make_cluster(X, y, 4, devices="phone")
    history = dist.sync_sgd(model, loss, mt.optim.Adam(lr=0.1), cluster, rounds=30,
                            validation=(X, y), target=0.8, seed=1)  # fmt: skip
    assert history.stopped_reason.startswith("reached") and history.val_metric[-1] >= 0.8
    assert history.first_reaching(0.8) == history.rounds_run - 1
    assert np.all(np.diff(history.elapsed) > 0) and np.all(np.diff(history.total_bytes) > 0)
    # the clock is the running sum of the round times: equal up to summation rounding
    assert history.elapsed[-1] == pytest.approx(sum(history.round_time), rel=1e-12)
    assert set(history.bytes_by_link()) == {"worker 0", "worker 1", "worker 2", "worker 3",
                                            "gateway 0"}  # fmt: skip


# ----- bad input ------------------------------------------------------------------------------


def test_bad_cluster_arguments_are_refused_with_the_argument_named():
    X, y, _, _, _ = unequal_problem()
    with pytest.raises(ValueError, match="n_workers must be >= 1"):
        dist.make_cluster(X, y, 0)
    with pytest.raises(ValueError, match="n_workers must be <= the number of samples"):
        dist.make_cluster(X[:5], y[:5], 6)
    with pytest.raises(ValueError, match=r"shards\[1\] is empty"):
        dist.Cluster(X, y, [np.arange(30), np.array([], dtype=np.int64)])
    with pytest.raises(ValueError, match="shards must hold at least one shard"):
        dist.Cluster(X, y, [])
    with pytest.raises(ValueError, match=r"shards\[0\] must index rows in \[0, 30\)"):
        dist.Cluster(X, y, [np.arange(25, 31)])


@pytest.mark.parametrize("fraction", [0.0, -0.1, 1.01, float("nan")])
def test_a_client_fraction_outside_zero_one_is_refused(fraction):
    with pytest.raises(ValueError, match="fraction must lie in"):
        dist.FedAvg(mt.optim.SGD(lr=0.1), fraction=fraction)
    with pytest.raises(ValueError, match="fraction must lie in"):
        dist.SyncSGD(mt.optim.SGD(lr=0.1), fraction=fraction)


def test_local_epochs_or_batch_below_one_are_refused():
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        dist.FedAvg(mt.optim.SGD(lr=0.1), epochs=0)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        dist.FedAvg(mt.optim.SGD(lr=0.1), batch_size=0)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        dist.SyncSGD(mt.optim.SGD(lr=0.1), batch_size=-3)
    with pytest.raises(ValueError, match="mu must be a finite number >= 0"):
        dist.FedAvg(mt.optim.SGD(lr=0.1), mu=-1.0)


@pytest.mark.parametrize("deadline", [0.0, -1.0])
def test_a_deadline_at_or_below_zero_is_refused(deadline):
    with pytest.raises(ValueError, match="deadline must be a finite number > 0"):
        dist.Faults(deadline=deadline)


def test_bad_fault_settings_are_refused():
    with pytest.raises(ValueError, match="policy must be one of"):
        dist.Faults(policy="ignore")
    with pytest.raises(ValueError, match=r"failures\[2\] must be one of"):
        dist.Faults(failures={2: "explode"})
    with pytest.raises(ValueError, match="dropout must lie in"):
        dist.Faults(dropout=1.0)


@pytest.mark.parametrize("field", ["flops_per_second", "uplink_bps", "downlink_bps"])
@pytest.mark.parametrize("value", [0.0, -5.0])
def test_a_device_with_bandwidth_or_speed_at_or_below_zero_is_refused(field, value):
    figures = dict(flops_per_second=1e9, uplink_bps=1e6, downlink_bps=1e6, latency_s=0.01)
    figures[field] = value
    with pytest.raises(ValueError, match=f"{field} must be a finite number > 0"):
        dist.DeviceProfile("custom", **figures)


def test_unknown_devices_and_mismatched_topologies_are_refused():
    with pytest.raises(ValueError, match="devices must be a DeviceProfile or one of"):
        dist.make_topology(3, "toaster")
    with pytest.raises(ValueError, match="devices must name one device or give one per worker"):
        dist.make_topology(3, ["phone", "mcu"])
    X, y, shards, _, _ = unequal_problem()
    with pytest.raises(ValueError, match="topology has 2 workers but there are 5 shards"):
        dist.Cluster(X, y, shards, dist.make_topology(2))


def test_data_that_does_not_fit_the_model_is_refused_before_any_round():
    X, y, shards, _, loss = unequal_problem()
    with pytest.raises(ValueError, match=r"cluster\.X has 3 columns but the model expects 4"):
        dist.sync_sgd(mlp(4, 3), loss, mt.optim.SGD(lr=0.1), dist.Cluster(X, y, shards),
                      rounds=1)  # fmt: skip
    with pytest.raises(ValueError, match="rounds must be >= 1"):
        dist.sync_sgd(mlp(3, 3), loss, mt.optim.SGD(lr=0.1), dist.Cluster(X, y, shards),
                      rounds=0)  # fmt: skip
    with pytest.raises(TypeError, match="opt must be a stepper"):
        dist.SyncSGD("adam")


def test_workers_whose_gradients_overflow_are_dropped_alike_stacked_and_looped():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 3)), rng.normal(size=(12, 2))
    X[8:12] = 1e308  # worker 2's outputs overflow to inf: its loss and gradient are not finite
    model, loss = mt.Sequential([mt.Dense(3, 2)]), mt.losses.MSE()
    cluster = dist.Cluster(X, y, [np.arange(0, 4), np.arange(4, 8), np.arange(8, 12)])
    stacked = dist.sync_sgd(model, loss, mt.optim.SGD(lr=0.1), cluster, rounds=2)
    with ThreadPoolExecutor(2) as pool:
        looped = dist.sync_sgd(model, loss, mt.optim.SGD(lr=0.1), cluster, rounds=2,
                               executor=pool)  # fmt: skip
    assert stacked.participants == [[0, 1], [0, 1]]
    assert stacked.dropped[0][2].startswith("failed: its update['0.W'] holds NaN")
    assert repr(stacked.as_dict()) == repr(looped.as_dict())
    assert all(np.array_equal(stacked.params[k], looped.params[k]) for k in stacked.params)


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


def test_label_splits_of_regression_targets_are_refused():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)), rng.normal(size=(20, 1))
    with pytest.raises(ValueError, match="scheme='shards' splits by class label"):
        dist.make_cluster(X, y, 4, scheme="shards")
    assert dist.make_cluster(X, y, 4).sizes.tolist() == [5, 5, 5, 5]
