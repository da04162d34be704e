"""Faults: stragglers, dropouts and broken workers, and what a round does about them.

- ``deadline`` (s): a worker whose update would reach its gateway later than this is cut; the
  round goes on with the others, reweighted over the survivors' sample counts.
- ``dropout``: each selected worker is unavailable this round with probability
  ``1 - availability_k (1 - dropout)`` (its device's availability, times this extra rate),
  drawn from the server's seeded stream.
- ``failures``: injected faults ``{worker: kind}`` (every round) or ``{(round, worker): kind}``,
  kind "raise" (the worker function raises), "nan" (returns a non-finite update) or "shape"
  (returns a wrongly shaped one). A real exception is treated the same way.
- ``policy``: "drop" continues without a failed worker and records why in the History;
  "raise" aborts the round with ``WorkerError`` naming the worker. Either way nothing is half
  applied: a round either commits its new params, stepper state and error-feedback residuals
  all together, or leaves the old ones untouched.

A failure of the executor itself (a pool process killed: ``BrokenProcessPool``; a lost
connection to a dask cluster; anything raised by ``submit`` or by waiting for a result rather
than by the worker's update) is no worker's fault and cannot be dropped: under either policy
it ends the run with ``ExecutorError``, which carries the rounds completed before it
(``history``) and the state to resume from (``state``), as ``WorkerError`` does.

A failure key names a worker that must exist: ``check_failures(faults, n_workers)`` refuses
a worker id outside 0..K-1, so a typo cannot make an injected fault silently never fire.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validate import check_choice, check_in_range, check_int, check_positive, describe
from .workers import FAILURE_KINDS

__all__ = ["POLICIES", "ExecutorError", "Faults", "WorkerError", "check_failures", "check_update"]

POLICIES = ("drop", "raise")


@dataclass(frozen=True)
class Faults:
    """Stragglers, dropouts and injected failures; see the module docstring."""

    deadline: float | None = None
    dropout: float = 0.0
    failures: Mapping[Any, str] = field(default_factory=dict)
    policy: str = "drop"

    def __post_init__(self) -> None:
        if self.deadline is not None:
            check_positive("deadline", self.deadline)
        check_in_range("dropout", self.dropout, 0.0, 1.0)
        check_choice("policy", self.policy, POLICIES)
        if not isinstance(self.failures, Mapping):
            raise TypeError(
                f"failures must be a dict {{worker: kind}}; got {describe(self.failures)}."
            )
        for key, kind in self.failures.items():
            if isinstance(key, tuple) and len(key) != 2:
                raise ValueError(
                    f"failures key {key!r} must be a worker id k or a pair (round, k); got a "
                    f"tuple of {len(key)}."
                )
            for part in key if isinstance(key, tuple) else (key,):
                check_int(f"failures key {key!r}", part, minimum=0)
            check_choice(f"failures[{key!r}]", kind, FAILURE_KINDS)

    def failure_of(self, round_index: int, worker: int) -> str | None:
        """The fault injected into ``worker`` in round ``round_index``, if any."""
        return self.failures.get((round_index, worker), self.failures.get(worker))


def check_failures(faults: Faults, n_workers: int) -> None:
    """Refuse an injected failure naming a worker that is not one of the cluster's 0..K-1."""
    for key in faults.failures:
        worker = key[1] if isinstance(key, tuple) else key
        if worker >= n_workers:
            raise ValueError(
                f"faults.failures key {key!r} names worker {worker}, but the cluster has "
                f"{n_workers} workers (ids 0..{n_workers - 1}); the fault would never fire. "
                "Name an existing worker."
            )


class WorkerError(RuntimeError):
    """A worker failed under ``policy="raise"``; the round was not applied.

    Attributes: ``worker``, ``round``, ``reason``, ``state`` (the ServerState before the
    round, unchanged) and, from a whole run, ``history`` (the rounds completed before it).
    """

    def __init__(self, worker: int, round_index: int, reason: str, state: Any) -> None:
        super().__init__(
            f"worker {worker} failed in round {round_index}: {reason}. The round was not "
            "applied; params and stepper state are those before it (policy='raise'; use "
            "Faults(policy='drop') to continue without the worker)."
        )
        self.worker, self.round, self.reason, self.state = worker, round_index, reason, state
        self.history: Any = None


def check_update(update: Any, reference: Mapping[str, np.ndarray]) -> str | None:
    """Why ``update`` cannot be averaged into params like ``reference``, or None if it can."""
    if not isinstance(update, Mapping) or list(update) != list(reference):
        keys = list(update) if isinstance(update, Mapping) else describe(update)
        return f"its update has keys {keys}, expected {list(reference)}"
    for key, ref in reference.items():
        value = update[key]
        if not isinstance(value, np.ndarray) or value.shape != ref.shape:
            return f"its update[{key!r}] is {describe(value)}, expected shape {ref.shape}"
        if value.dtype != ref.dtype:
            return f"its update[{key!r}] has dtype {value.dtype}, expected {ref.dtype}"
        if not np.isfinite(value).all():
            return f"its update[{key!r}] holds NaN or infinite values"
    return None


class ExecutorError(RuntimeError):
    """The executor itself failed (a pool process died, a cluster connection was lost); the
    round was not applied, under either policy.

    Attributes: ``round``, ``reason``, ``state`` (the ServerState before the round: pass it as
    ``state=`` with a working executor to resume, bit-identical to an uninterrupted run) and,
    from a whole run, ``history`` (the rounds completed before it). The executor's exception
    is chained as ``__cause__``.
    """

    def __init__(self, round_index: int, reason: str, state: Any) -> None:
        super().__init__(
            f"the executor failed in round {round_index}: {reason}. The round was not "
            "applied: error.history holds the rounds completed before it and error.state the "
            "state to resume from (pass state=error.state with a new executor, e.g. "
            "ProcessPoolExecutor(2), or executor=None)."
        )
        self.round, self.reason, self.state = round_index, reason, state
        self.history: Any = None
