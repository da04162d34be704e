"""Where worker functions run, and where their randomness comes from.

``executor=None`` runs the workers in this process, one after the other in worker order, on
references to their shards. Any ``concurrent.futures.Executor`` (``ProcessPoolExecutor``,
``ThreadPoolExecutor``) or a ``dask.distributed.Client`` runs them elsewhere; results are always
combined in worker-id order, whichever finishes first.

Seeds: round r's randomness is the child ``(r,)`` of ``np.random.SeedSequence(seed)`` (what
``SeedSequence(seed).spawn`` hands out in turn); within it, child 0 drives the server (client
sampling, dropouts) and child k + 1 worker k: its local work uses the child ``(r, k + 1, 0)``
and its compression ``(r, k + 1, 1)``. A worker's stream depends on nothing but (seed, r, k),
so the same seed gives bit-identical results on every executor.

Failures: a worker's own exception is caught where it runs and comes back as a value
(``WorkerRaised``), so that anything raised by ``submit`` or by waiting for a result is the
executor's (a killed pool process, a lost cluster connection) and raises ``ExecutorFailure``;
the run turns it into ``ExecutorError`` with the history and the state to resume from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._validate import check_int, check_seed, describe

__all__ = ["ExecutorFailure", "WorkerRaised", "check_executor", "run_tasks", "seed_of"]


def seed_of(seed: int, *path: int) -> np.random.SeedSequence:
    """The SeedSequence at ``path`` in the spawn tree of ``SeedSequence(seed)``.

    ``seed_of(s, r, k)`` equals ``SeedSequence(s).spawn(r + 1)[r].spawn(k + 1)[k]``.
    """
    if not (type(seed) is int and seed >= 0 and all(type(p) is int and p >= 0 for p in path)):
        seed = check_seed("seed", seed)
        path = tuple(check_int(f"path[{i}]", step, minimum=0) for i, step in enumerate(path))
    return np.random.SeedSequence(seed, spawn_key=path)


class ExecutorFailure(RuntimeError):
    """The executor itself failed (not a worker's update): nothing of the round can be trusted."""


class WorkerRaised:
    """A worker's exception, returned as a value from where the worker ran."""

    def __init__(self, error: BaseException) -> None:
        self.error = error


def guarded(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)``, or ``WorkerRaised(error)`` if it raises (runs on the executor)."""
    try:
        return fn(*args)
    except Exception as error:  # a worker's failure is data for the fault policy
        return WorkerRaised(error)


def _executor_failure(executor: Any, error: BaseException, doing: str) -> ExecutorFailure:
    reason = f"{doing} raised {type(error).__name__}: {error}"
    if _shut_down(executor):
        reason += " (the executor has been shut down)"
    failure = ExecutorFailure(reason)
    failure.__cause__ = error
    return failure


def submit(executor: Any, fn: Callable[..., Any], task: tuple) -> Any:
    """Start ``fn(*task)`` on ``executor`` (guarded); ``ExecutorFailure`` if it cannot."""
    if _shut_down(executor):
        raise ExecutorFailure(str(_shut_down_error(executor)))
    extra = {"pure": False} if _is_dask_client(executor) else {}
    try:
        return executor.submit(guarded, fn, *task, **extra)
    except Exception as error:
        raise _executor_failure(executor, error, "submitting a worker's task") from error


def collect(executor: Any, future: Any) -> Any:
    """The outcome of a submitted task: its result, or the worker's exception as a value;
    ``ExecutorFailure`` when waiting for it fails (the executor's fault)."""
    try:
        out = future.result()
    except Exception as error:
        raise _executor_failure(executor, error, "waiting for a worker's result") from error
    return out.error if isinstance(out, WorkerRaised) else out


def _is_dask_client(executor: Any) -> bool:
    return type(executor).__module__.startswith("distributed") and hasattr(executor, "scheduler")


def _shut_down(executor: Any) -> bool:
    if _is_dask_client(executor):
        return executor.status in ("closing", "closed")
    # concurrent.futures.ThreadPoolExecutor / ProcessPoolExecutor set these flags on shutdown
    return getattr(executor, "_shutdown", None) is True or (
        getattr(executor, "_shutdown_thread", None) is True
    )


def _shut_down_error(executor: Any) -> ValueError:
    return ValueError(
        f"executor {executor!r} has been shut down and cannot run workers; create a new one "
        "(e.g. ProcessPoolExecutor(2)) or pass executor=None to run in this process."
    )


def check_executor(executor: Any) -> None:
    """None, or an object with ``submit(fn, *args)`` returning futures, that is not shut down."""
    if executor is None:
        return
    if not callable(getattr(executor, "submit", None)):
        raise TypeError(
            "executor must be None, a concurrent.futures.Executor or a dask.distributed "
            f"Client; got {describe(executor)}."
        )
    if _shut_down(executor):
        raise _shut_down_error(executor)


def run_tasks(executor: Any, fn: Callable[..., Any], tasks: Sequence[tuple]) -> list[Any]:
    """``fn(*task)`` for every task, results in task order; a worker's exception is returned in
    its slot (the caller decides what a failure means). Nothing is retried. A failure of the
    executor itself raises ``ExecutorFailure`` (the pending tasks are cancelled)."""
    if executor is None:
        outcomes: list[Any] = []
        for task in tasks:
            try:
                outcomes.append(fn(*task))
            except Exception as error:  # a worker's failure is data for the fault policy
                outcomes.append(error)
        return outcomes
    futures: list[Any] = []
    try:
        for task in tasks:
            futures.append(submit(executor, fn, task))
        return [collect(executor, future) for future in futures]
    except ExecutorFailure:
        for future in futures:
            future.cancel()
        raise
