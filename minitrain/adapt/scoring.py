"""Scoring a detector's alarms against the true drift events: delay, false alarms, misses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import numpy as np

from .._validate import check_int, describe

__all__ = ["DriftScore", "score_drift"]


@dataclass(frozen=True)
class DriftScore:
    """Alarms matched to true events.

    Attributes:
        delays: per event (sorted by start), alarm index - event start, or None if missed.
        n_detected, n_missed: events with and without a matching alarm.
        n_false_alarms: alarms that match no event (a second alarm for one event included).
        mean_delay: mean of the delays of the detected events (NaN when none was detected).
    """

    delays: tuple[int | None, ...]
    n_detected: int
    n_missed: int
    n_false_alarms: int
    mean_delay: float

    def __str__(self) -> str:
        return (
            f"detected {self.n_detected}/{self.n_detected + self.n_missed} events, "
            f"mean delay {self.mean_delay:.1f}, false alarms {self.n_false_alarms}"
        )


def _starts(events: Any) -> np.ndarray:
    if isinstance(events, np.ndarray) and events.ndim == 1:
        events = events.tolist()
    if isinstance(events, (str, bytes)) or not isinstance(events, Sequence):
        raise TypeError(
            f"events must be a list of start indices or of DriftEvent(node, start, end, kind); "
            f"got {describe(events)}."
        )
    starts = []
    for i, event in enumerate(events):
        start = getattr(event, "start", event)
        if isinstance(start, (bool, np.bool_)) or not isinstance(start, Integral):
            raise TypeError(
                f"events[{i}] must be an index >= 0 or have an int .start; got {describe(event)}."
            )
        if start < 0:
            raise ValueError(f"events[{i}] starts at {start}; a stream index is >= 0.")
        starts.append(int(start))
    return np.sort(np.array(starts, dtype=np.int64))


def score_drift(detections: Any, events: Any, max_delay: int) -> DriftScore:
    """Match alarms to events: the first alarm at index d with ``start <= d < start +
    max_delay`` (and before the next event starts) detects the event, with delay d - start.

    ``detections``: alarm indices (e.g. from ``adapt.detect``); ``events``: start indices or
    objects with a ``start`` (``DriftEvent``), in the same stream's indexing. Every other alarm
    is a false alarm; an event without an alarm in its window is missed.
    """
    max_delay = check_int("max_delay", max_delay, minimum=1)
    try:
        alarms = np.asarray(detections)
    except ValueError:  # ragged nested lists
        raise TypeError("detections must be a 1-D array of indices; got ragged input.") from None
    if alarms.ndim != 1 or (alarms.size and alarms.dtype.kind not in "iu"):
        shown = alarms if isinstance(detections, (list, tuple, np.ndarray)) else detections
        raise TypeError(f"detections must be a 1-D array of indices; got {describe(shown)}.")
    if alarms.size and alarms.min() < 0:
        raise ValueError(f"detections must be stream indices >= 0; got {alarms.min()}.")
    alarms = np.sort(alarms.astype(np.int64))
    starts = _starts(events)
    ends = np.minimum(starts + max_delay, np.append(starts[1:], np.iinfo(np.int64).max))
    used = np.zeros(alarms.size, dtype=bool)
    delays: list[int | None] = []
    for start, end in zip(starts, ends):
        inside = np.flatnonzero((alarms >= start) & (alarms < end))
        if inside.size:
            used[inside[0]] = True
            delays.append(int(alarms[inside[0]] - start))
        else:
            delays.append(None)
    found = [d for d in delays if d is not None]
    return DriftScore(
        delays=tuple(delays),
        n_detected=len(found),
        n_missed=len(delays) - len(found),
        n_false_alarms=int((~used).sum()),
        mean_delay=float(np.mean(found)) if found else float("nan"),
    )
