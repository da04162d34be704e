"""Faults: a round with failed, late or unavailable workers is a round over the survivors; the
"raise" policy leaves everything as it was."""

from __future__ import annotations

import numpy as np
import pytest
from distributed_problems import unequal_problem

import minitrain as mt
from minitrain import distributed as dist
from minitrain.distributed.rounds import run_round


@pytest.mark.parametrize("failures", [{1: "nan", 3: "raise"}, {0: "shape"}, {2: "raise"}])
def test_a_round_with_failed_workers_dropped_equals_a_round_over_the_survivors(failures):
    X, y, shards, model, loss = unequal_problem()
    opt = mt.optim.Adam(lr=0.1)
    faulty = dist.sync_sgd(model, loss, dist.Cluster(X, y, shards), opt=opt, rounds=2,
                           faults=dist.Faults(failures=failures))  # fmt: skip
    alive = [k for k in range(5) if k not in failures]
    survivors = dist.Cluster(X, y, [shards[k] for k in alive])
    clean = dist.sync_sgd(model, loss, survivors, opt=opt, rounds=2)
    for key in clean.params:
        assert np.array_equal(faulty.params[key], clean.params[key])
    assert faulty.participants == [alive, alive]
    assert sorted(faulty.dropped[0]) == sorted(failures)
    assert all(why.startswith("failed") for why in faulty.dropped[0].values())


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_random_dropouts_and_stragglers_are_rounds_over_the_survivors(seed):
    X, y, shards, model, loss = unequal_problem(seed)
    devices = ["raspberry-pi", "cortex-m4", "raspberry-pi", "phone", "raspberry-pi"]
    cluster = dist.Cluster(X, y, shards, dist.make_topology(5, devices))
    # Paths (s): gateway 0.02 + Pi 2 x 0.005 = 0.03; MCU and phone > 0.02 + 2 x 0.03: late.
    faults = dist.Faults(deadline=0.05, dropout=0.3)
    history = dist.sync_sgd(model, loss, cluster, opt=mt.optim.GD(lr=0.5), rounds=1, seed=seed,
                            faults=faults)  # fmt: skip
    alive, dropped = history.participants[0], history.dropped[0]
    assert set(alive) | set(dropped) == set(range(5)) and not set(alive) & set(dropped)
    assert {dropped[1][:4], dropped[3][:4]} <= {"late", "unav"}
    if any(why.startswith("late") for why in dropped.values()):
        assert history.round_time[0] > 0.05  # waited for the deadline, then the backhaul
    if alive:
        survivors = dist.Cluster(X, y, [shards[k] for k in alive])
        clean = dist.sync_sgd(model, loss, survivors, opt=mt.optim.GD(lr=0.5), rounds=1, seed=seed)
        for key in clean.params:
            assert np.array_equal(history.params[key], clean.params[key])


def test_raise_policy_leaves_params_state_and_residuals_exactly_as_before():
    X, y, shards, model, loss = unequal_problem()
    cluster = dist.Cluster(X, y, shards)
    opt, topk = mt.optim.Adam(lr=0.1), dist.TopK(0.3)
    before = dist.sync_sgd(model, loss, cluster, opt=opt, rounds=2, compression=topk)
    faults = dist.Faults(failures={(2, 3): "nan"}, policy="raise")
    with pytest.raises(dist.WorkerError, match="worker 3 failed in round 2") as caught:
        dist.sync_sgd(model, loss, cluster, opt=opt, rounds=4, compression=topk, faults=faults)
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
        run_round(model, loss, cluster, dist.SyncSGD(opt=opt), state, seed=0, compression=topk,
                  faults=faults, executor=None)  # fmt: skip
    assert all(np.array_equal(state.params[k], copies[k]) for k in copies)


def test_a_raising_worker_is_named_and_its_exception_chained():
    X, y, shards, model, loss = unequal_problem()
    faults = dist.Faults(failures={4: "raise"}, policy="raise")
    with pytest.raises(dist.WorkerError, match="worker 4") as caught:
        dist.fedavg(model, loss, dist.Cluster(X, y, shards), rounds=1, fraction=1.0,
                    local_opt=mt.optim.SGD(lr=0.1), faults=faults)  # fmt: skip
    assert isinstance(caught.value.__cause__, RuntimeError)


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
