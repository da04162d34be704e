"""The same worker code on every executor: in process, a process pool and a dask cluster give
bit-identical Histories for the same seed; shut-down executors are refused before any work; an
executor that breaks mid-run (a killed pool process, a lost connection) ends the run with the
completed rounds and a state that resumes it bit for bit."""

from __future__ import annotations

import os
import pickle
import signal
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np
import pytest

import minitrain as mt
from minitrain import distributed as dist


@pytest.fixture(scope="module")
def dask_client():
    """A dask LocalCluster with 2 worker processes, started once for this module and closed."""
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0")  # fmt: skip
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def process_pool():
    with ProcessPoolExecutor(2) as pool:
        yield pool


def problem():
    X, y = mt.data.load_digits()
    X, y = X[:300] / 16, y[:300]
    model = mt.Sequential([mt.Dense(64, 8), mt.Tanh(), mt.Dense(8, 10)])
    return X, y, model, mt.losses.CrossEntropy()


def runs(executor):
    """Three runs that use every source of randomness: minibatches, client sampling, dropouts,
    QSGD's coin flips; error feedback; injected failures; asynchronous arrivals."""
    X, y, model, loss = problem()
    equal = dist.make_cluster(X, y, 4, seed=1)  # 75 rows each: the stacked path in process
    unequal = dist.make_cluster(X, y, 7, scheme="dirichlet", alpha=0.5, min_size=5, seed=2)
    sync = dist.sync_sgd(model, loss, equal, opt=mt.optim.Adam(lr=0.01), rounds=3, batch_size=16,
                         compression=dist.TopK(0.1), seed=3, executor=executor)  # fmt: skip
    faults = dist.Faults(dropout=0.2, failures={1: "nan", (1, 4): "raise"})
    fed = dist.fedavg(model, loss, unequal, rounds=3, local_opt=mt.optim.SGD(lr=0.1), epochs=2,
                      batch_size=10, fraction=0.7, mu=0.01, compression=dist.QSGD(4),
                      faults=faults, seed=4, executor=executor, validation=(X, y))  # fmt: skip
    asynchronous = dist.async_sgd(model, loss, unequal, opt=mt.optim.SGD(lr=0.1), updates=12,
                                  max_staleness=3, batch_size=8, seed=5,
                                  executor=executor)  # fmt: skip
    return sync, fed, asynchronous


def assert_identical(a, b):
    for key in a.params:
        assert np.array_equal(a.params[key], b.params[key])
    # repr: float reprs round-trip exactly, and NaN (an arrival that was discarded) equals NaN
    assert repr(a.as_dict()) == repr(b.as_dict())


def test_the_same_seed_gives_identical_histories_on_every_executor(dask_client, process_pool):
    reference = runs(None)
    assert reference[1].dropped[1][4].startswith("failed: raised SimulatedWorkerFailure")
    assert any(why.startswith("unavailable") for d in reference[1].dropped for why in d.values())
    for executor in (process_pool, dask_client, dask_client.get_executor()):
        for ours, theirs in zip(reference, runs(executor)):
            assert_identical(ours, theirs)


def test_the_worker_function_and_its_inputs_pickle():
    X, y, model, loss = problem()
    config = dist.WorkerConfig(model=model, loss=loss, work=dist.local_training, batch_size=10,
                               epochs=2, opt=mt.optim.Adam(lr=0.01), mu=0.1)  # fmt: skip
    seed = dist.seed_of(0, 3, 2, 0)
    task = (model.init(0), X[:20], y[:20], config, seed)
    restored = pickle.loads(pickle.dumps((dist.worker_update, task)))
    a, b = dist.worker_update(*task), restored[0](*restored[1])
    assert all(np.array_equal(a.update[k], b.update[k]) for k in a.update)


def test_seeds_come_from_the_spawn_tree_of_the_run_seed():
    root = np.random.SeedSequence(7)
    child = root.spawn(3)[2].spawn(5)[4]
    assert dist.seed_of(7, 2, 4).generate_state(4).tolist() == child.generate_state(4).tolist()


def test_a_shut_down_executor_is_refused_and_nothing_is_applied():
    X, y, model, loss = problem()
    cluster = dist.make_cluster(X, y, 2)
    params = model.init(0)
    copies = {k: v.copy() for k, v in params.items()}
    threads = ThreadPoolExecutor(1)
    threads.shutdown()
    processes = ProcessPoolExecutor(1)
    processes.shutdown()
    for executor in (threads, processes):
        with pytest.raises(ValueError, match=r"executor .* has been shut down"):
            dist.sync_sgd(model, loss, cluster, opt=mt.optim.SGD(lr=0.1), rounds=1, params=params,
                          executor=executor)  # fmt: skip
        with pytest.raises(ValueError, match=r"executor .* has been shut down"):
            dist.async_sgd(model, loss, cluster, opt=mt.optim.SGD(lr=0.1), updates=1,
                           max_staleness=0, executor=executor)  # fmt: skip
    assert all(np.array_equal(params[k], copies[k]) for k in params)


def test_a_closed_dask_client_is_refused():
    distributed = pytest.importorskip("dask.distributed")
    client = distributed.Client(processes=False, n_workers=1, threads_per_worker=1,
                                dashboard_address=":0")  # fmt: skip
    client.close()
    X, y, model, loss = problem()
    with pytest.raises(ValueError, match="has been shut down"):
        dist.fedavg(model, loss, dist.make_cluster(X, y, 2), rounds=1,
                    local_opt=mt.optim.SGD(lr=0.1), executor=client)  # fmt: skip


def test_an_object_without_submit_is_not_an_executor():
    X, y, model, loss = problem()
    with pytest.raises(TypeError, match=r"executor must be None, a concurrent\.futures\.Executor"):
        dist.sync_sgd(model, loss, dist.make_cluster(X, y, 2), opt=mt.optim.SGD(lr=0.1), rounds=1,
                      executor="processes")  # fmt: skip


def test_dask_is_not_imported_by_the_package():
    import subprocess
    import sys

    code = "import sys, minitrain.distributed; print('distributed' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ----- an executor that breaks: nothing of the completed rounds is lost -----------------------


def _die() -> None:
    """Runs in a pool process and kills it, as the OOM killer or a crash would."""
    os.kill(os.getpid(), signal.SIGKILL)


class KillsAPoolProcess:
    """A real ProcessPoolExecutor whose process is killed just before the ``at``-th task."""

    def __init__(self, at: int) -> None:
        self.pool, self.at, self.submitted = ProcessPoolExecutor(1), at, 0

    def submit(self, fn, *args, **kwargs):
        if self.submitted == self.at:
            self.pool.submit(_die).exception()  # the pool is broken once this returns
        self.submitted += 1
        return self.pool.submit(fn, *args, **kwargs)


class BreaksAt:
    """A stub executor: runs tasks in this process, until the ``at``-th, where ``submit`` or
    the future's ``result`` raises ``error`` (a dask cluster's lost connection, a pool gone)."""

    def __init__(self, at: int, error: BaseException, where: str) -> None:
        self.at, self.error, self.where, self.submitted = at, error, where, 0

    def submit(self, fn, *args, **kwargs):
        broken, self.submitted = self.submitted >= self.at, self.submitted + 1
        if broken and self.where == "submit":
            raise self.error
        future = Future()
        if broken:
            future.set_exception(self.error)
        else:
            future.set_result(fn(*args))
        return future


def fedavg_run(executor, rounds, faults, **options):
    X, y, model, loss = problem()
    cluster = dist.make_cluster(X[:120], y[:120], 4, seed=1)
    return dist.fedavg(model, loss, cluster, rounds=rounds, local_opt=mt.optim.SGD(lr=0.1),
                       epochs=1, batch_size=10, fraction=0.75, faults=faults, seed=7,
                       executor=executor, compression=dist.TopK(0.2), **options)  # fmt: skip


def assert_resumes_bit_for_bit(error, faults, rounds=5):
    """The error's history holds the rounds before the failure; resuming from its state gives
    the params and per-round records of the uninterrupted run, bit for bit."""
    done = error.history.rounds_run
    assert error.state.round == done == error.round
    whole = fedavg_run(None, rounds, faults)
    rest = fedavg_run(None, rounds - done, faults, state=error.state)
    for key in whole.params:
        assert np.array_equal(rest.params[key], whole.params[key])
    assert repr(error.history.loss + rest.loss) == repr(whole.loss)
    assert error.history.participants + rest.participants == whole.participants
    assert error.history.dropped + rest.dropped == whole.dropped


@pytest.mark.parametrize("policy", ["drop", "raise"])
def test_a_killed_pool_process_ends_the_run_with_its_history_and_a_resumable_state(policy):
    faults = dist.Faults(policy=policy, failures={(0, 1): "nan"} if policy == "drop" else {})
    executor = KillsAPoolProcess(at=7)  # rounds of 3 tasks: dies in round 2
    try:
        with pytest.raises(dist.ExecutorError, match="executor failed in round 2") as raised:
            fedavg_run(executor, 5, faults)
    finally:
        executor.pool.shutdown()
    assert isinstance(raised.value.__cause__, BrokenProcessPool)
    assert raised.value.history.rounds_run == 2
    assert_resumes_bit_for_bit(raised.value, faults)


@pytest.mark.parametrize(
    ("error", "where"),
    [(ConnectionError("lost the scheduler"), "result"), (BrokenProcessPool("gone"), "submit"),
     (OSError("stream closed"), "result"), (CancelledError(), "result")],
    ids=["connection-on-result", "broken-pool-on-submit", "oserror-on-result", "cancelled"],
)
def test_an_executor_failure_is_never_taken_for_a_worker_failure(error, where):
    faults = dist.Faults(policy="drop")  # a worker failure would be dropped and the run go on
    with pytest.raises(dist.ExecutorError) as raised:
        fedavg_run(BreaksAt(10, error, where), 5, faults)
    assert raised.value.__cause__ is error
    assert raised.value.history.rounds_run == 3  # 3 tasks a round: the 11th is in round 3
    assert_resumes_bit_for_bit(raised.value, faults)


def test_a_workers_own_exception_on_an_executor_is_still_a_worker_failure():
    faults = dist.Faults(policy="drop", failures={2: "raise"})
    with ThreadPoolExecutor(2) as threads:
        history = fedavg_run(threads, 2, faults)
    assert history.rounds_run == 2
    reasons = [why for d in history.dropped for k, why in d.items() if k == 2]
    assert reasons
    assert all(why.startswith("failed: raised SimulatedWorkerFailure") for why in reasons)


def test_async_sgd_keeps_its_arrivals_when_the_executor_breaks():
    X, y, model, loss = problem()
    cluster = dist.make_cluster(X[:120], y[:120], 3, seed=1)
    with pytest.raises(dist.ExecutorError) as raised:
        dist.async_sgd(model, loss, cluster, opt=mt.optim.SGD(lr=0.1), updates=10,
                       max_staleness=2, batch_size=8, seed=5,
                       executor=BreaksAt(6, ConnectionError("lost"), "result"))  # fmt: skip
    reference = dist.async_sgd(model, loss, cluster, opt=mt.optim.SGD(lr=0.1), updates=10,
                               max_staleness=2, batch_size=8, seed=5)  # fmt: skip
    done = raised.value.history.rounds_run
    assert 0 < done < 10
    assert repr(raised.value.history.loss) == repr(reference.loss[:done])
