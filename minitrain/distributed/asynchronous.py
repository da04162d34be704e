"""Asynchronous SGD with bounded staleness, simulated on the clock.

Every worker loops on its own: fetch the current parameters (version v_k), compute the gradient
of a minibatch of its shard, send it. Its cycle takes, on the simulated clock,

    cycle_k = t_x(model, cloud -> gateway -> k) + MACs_k / macs_per_second_k
              + t_x(g_k, k -> gateway -> cloud)

The server applies updates in the order they arrive (ties: lower worker id first). An update
computed on version v_k and arriving when the server is at version v has staleness
``tau = v - v_k``: it is applied late, ``w, state = opt.step(w, g_k, state)``, when
``tau <= max_staleness``, and discarded otherwise (recorded in the History); either way the
worker then fetches the current parameters and starts again. ``max_staleness = 0`` only ever
applies fresh gradients; with K identical workers the staleness of a steady stream is K - 1.
Discarding bounds the error an old gradient can do, but a worker much slower than the rest may
never be fresh enough: its data then stops counting (watch ``history.dropped``).

Worker k's j-th job draws its minibatch from the seed ``(j, k + 1, 0)`` of the spawn tree, so
the same seed gives the same run on every executor.
"""

from __future__ import annotations

import heapq
from dataclasses import replace
from typing import Any

import numpy as np

from .._types import Params
from .._validate import check_int, check_stepper, describe
from ._common import check_amounts, check_validation, rows_per_step
from .clock import training_macs, transfer_time
from .cluster import Cluster
from .comm import dense_nbytes
from .executors import ExecutorFailure, collect, run_tasks, seed_of, submit
from .faults import ExecutorError, Faults, WorkerError, check_update
from .history import DistributedHistory, RoundRecord
from .rounds import ServerState
from .simulate import check_common, check_memory, check_target, evaluate, finish, initial_params
from .workers import WorkerConfig, WorkerResult, minibatch_gradient, run_worker, with_failure

__all__ = ["async_sgd", "cycle_times"]


def cycle_times(cluster: Cluster, model_bytes: int, macs: np.ndarray) -> np.ndarray:
    """(K,) seconds of one fetch-compute-send cycle of each worker (see the module doc)."""
    if not isinstance(cluster, Cluster):
        raise TypeError(f"cluster must be a Cluster (see make_cluster); got {describe(cluster)}.")
    check_amounts("model_bytes", model_bytes, ndim=0)
    if np.shape(check_amounts("macs", macs)) != (cluster.n_workers,):
        raise ValueError(f"macs must give one count per worker ({cluster.n_workers}); got "
                         f"shape {np.shape(macs)}.")  # fmt: skip
    a = cluster.topology.arrays
    g = a["gateway_of"]
    down = transfer_time(model_bytes, a["gateway_downlink_bps"][g], a["gateway_latency_s"][g])
    down = down + transfer_time(model_bytes, a["downlink_bps"], a["latency_s"])
    up = transfer_time(model_bytes, a["uplink_bps"], a["latency_s"])
    up = up + transfer_time(model_bytes, a["gateway_uplink_bps"][g], a["gateway_latency_s"][g])
    return down + macs / a["macs_per_second"] + up


def _failure(outcome: Any, params: Params) -> str | None:
    """Why an arrived job cannot be applied (it raised, or its update is broken), or None."""
    if isinstance(outcome, BaseException):
        return f"raised {type(outcome).__name__}: {outcome}"
    if not isinstance(outcome, WorkerResult):
        return f"returned {type(outcome).__name__}, not a WorkerResult"
    why = check_update(outcome.update, params)
    if why is None and not np.isfinite(outcome.loss):
        why = f"its loss is {outcome.loss}"
    return why


class _Pending:
    """Jobs in flight: submitted to the executor (or computed lazily in process)."""

    def __init__(self, executor: Any) -> None:
        self.executor, self.jobs = executor, {}

    def start(self, worker: int, task: tuple) -> None:
        if self.executor is None:
            self.jobs[worker] = task
        else:
            self.jobs[worker] = submit(self.executor, run_worker, task)

    def result(self, worker: int) -> Any:
        """The job's outcome; ``ExecutorFailure`` if the executor itself failed."""
        job = self.jobs.pop(worker)
        if self.executor is None:
            return run_tasks(None, run_worker, [job])[0]
        return collect(self.executor, job)

    def cancel(self) -> None:
        for job in self.jobs.values():
            if self.executor is not None:
                job.cancel()
        self.jobs.clear()


def async_sgd(
    model: Any,
    loss: Any,
    cluster: Cluster,
    *,
    opt: Any,
    updates: int,
    max_staleness: int,
    batch_size: int | None = None,
    seed: int = 0,
    params: Params | None = None,
    faults: Faults | None = None,
    executor: Any = None,
    validation: tuple[Any, Any] | None = None,
    eval_every: int = 1,
    target: float | None = None,
) -> DistributedHistory:
    """Run asynchronous SGD (server stepper ``opt``) until ``updates`` gradients have arrived
    (applied or discarded).

    Each History entry is one arrival: ``participants`` [k] if applied, ``dropped`` {k: why}
    if discarded or failed, ``staleness`` [tau], ``round_time`` the clock advance since the
    previous arrival. Validation every ``eval_every`` arrivals (NaN in between). ``faults``
    may inject failures (policy "drop" or "raise"; a key (j, k) is worker k's j-th job);
    deadlines and dropouts are round notions and are refused here. An ``ExecutorError`` (the
    executor itself broke) carries the arrivals recorded before it as ``history``.
    """
    _, faults = check_common(model, loss, cluster, None, faults, executor, seed)
    check_stepper("opt", opt)
    updates = check_int("updates", updates, minimum=1)
    max_staleness = check_int("max_staleness", max_staleness, minimum=0)
    eval_every = check_int("eval_every", eval_every, minimum=1)
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, minimum=1)
    if faults.deadline is not None or faults.dropout:
        raise ValueError(
            "faults for async_sgd may only inject failures; deadline and dropout are round "
            f"notions (got deadline={faults.deadline}, dropout={faults.dropout})."
        )
    params = initial_params(model, loss, cluster, params, seed)
    rows = rows_per_step(cluster.sizes, batch_size)
    check_memory(model, params, cluster, rows)
    validation = check_validation(model, loss, params, validation)
    target = check_target(loss, validation, target)

    model_bytes = dense_nbytes(params)
    cycle = cycle_times(cluster, model_bytes, training_macs(model, rows))
    config = WorkerConfig(model=model, loss=loss, work=minibatch_gradient, batch_size=batch_size)
    state = ServerState(params=params, opt_state=opt.init(params), residuals={})
    history = DistributedHistory(metric_name=loss.metric, higher_is_better=loss.higher_is_better)
    pending, jobs_done = _Pending(executor), np.zeros(cluster.n_workers, dtype=np.int64)
    fetched = {}
    events: list[tuple[float, int]] = []

    def start(k: int, now: float, version: int, w: Params) -> None:
        fetched[k] = version
        task_config = with_failure(config, faults.failure_of(int(jobs_done[k]), k))
        task = (w, cluster.X_shards[k], cluster.y_shards[k], task_config,
                seed_of(seed, int(jobs_done[k]), k + 1, 0))  # fmt: skip
        pending.start(k, task)
        heapq.heappush(events, (now + float(cycle[k]), k))

    event = 0
    try:
        for k in range(cluster.n_workers):
            start(k, 0.0, 0, params)
        for event in range(updates):
            now, k = heapq.heappop(events)
            outcome = pending.result(k)
            jobs_done[k] += 1
            tau = state.round - fetched[k]
            reason = _failure(outcome, state.params)
            if reason is not None and faults.policy == "raise":
                error = WorkerError(k, event, reason, state)
                error.history = finish(history, state, "a worker failed (policy='raise')")
                raise error from (outcome if isinstance(outcome, BaseException) else None)
            if reason is None and tau > max_staleness:
                reason = f"stale: computed {tau} updates ago > max_staleness {max_staleness}"
            applied = reason is None
            if applied:
                w, opt_state = opt.step(state.params, outcome.update, state.opt_state)
                state = replace(state, params=w, opt_state=opt_state, round=state.round + 1)
            state = replace(state, clock=now)
            link, gateway = f"worker {k}", f"gateway {cluster.topology.gateway_of[k]}"
            sent_up = not isinstance(outcome, BaseException)
            record = RoundRecord(
                round=event,
                loss=outcome.loss if applied else float("nan"),
                metric=loss.metric_from_average(outcome.metric) if applied else float("nan"),
                time=now - (history.elapsed[-1] if history.elapsed else 0.0),
                bytes_up={link: model_bytes, gateway: model_bytes} if sent_up else {},
                bytes_down={link: model_bytes, gateway: model_bytes},
                participants=(k,) if applied else (),
                dropped={} if applied else {k: reason},
                staleness=(tau,),
            )
            history.record(record, now)
            if validation is not None:
                evaluated = (event + 1) % eval_every == 0 or event == updates - 1
                val = (evaluate(model, loss, state.params, validation) if evaluated
                       else (np.nan, np.nan))  # fmt: skip
                history.val_loss.append(val[0])
                history.val_metric.append(val[1])
                if target is not None and loss.reaches(val[1], target):
                    return finish(history, state, f"reached the target {loss.metric} {target}")
            start(k, now, state.round, state.params)
    except ExecutorFailure as failure:
        pending.cancel()
        error = ExecutorError(event, str(failure), state)
        error.history = finish(history, state, "the executor failed")
        raise error from failure.__cause__
    return finish(history, state, "")
