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
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._validate import describe

__all__ = ["check_executor", "run_tasks", "seed_of"]


def seed_of(seed: int, *path: int) -> np.random.SeedSequence:
    """The SeedSequence at ``path`` in the spawn tree of ``SeedSequence(seed)``.

    ``seed_of(s, r, k)`` equals ``SeedSequence(s).spawn(r + 1)[r].spawn(k + 1)[k]``.
    """
    return np.random.SeedSequence(seed, spawn_key=tuple(path))


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
    """``fn(*task)`` for every task, results in task order; a raised exception is returned in
    its slot (the caller decides what a failure means). Nothing is retried."""
    if executor is None:
        outcomes: list[Any] = []
        for task in tasks:
            try:
                outcomes.append(fn(*task))
            except Exception as error:  # a worker's failure is data for the fault policy
                outcomes.append(error)
        return outcomes
    check_executor(executor)
    extra = {"pure": False} if _is_dask_client(executor) else {}
    futures = []
    try:
        for task in tasks:
            futures.append(executor.submit(fn, *task, **extra))
    except RuntimeError as error:
        for future in futures:
            future.cancel()
        if "shutdown" in str(error) or "closed" in str(error) or _shut_down(executor):
            raise _shut_down_error(executor) from error
        raise
    outcomes = []
    for future in futures:
        try:
            outcomes.append(future.result())
        except Exception as error:
            outcomes.append(error)
    return outcomes
