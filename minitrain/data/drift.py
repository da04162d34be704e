"""Drift after deployment in the simulated sensor fleet: what changes, when, and on which nodes.

``Drift`` describes one change of the world (abrupt, gradual, recurring concept drift, or
covariate shift) and ``DriftEvent`` one true change on one node, the ground truth that drift
detectors in ``minitrain.adapt`` are scored against. ``make_sensor_fleet`` (in ``sensors.py``)
takes its ``drift=`` list through ``check_drift`` and applies it with ``drift_effects``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._validate import check_choice, check_in_range, check_int, describe

__all__ = ["DRIFT_KINDS", "Drift", "DriftEvent"]

DRIFT_KINDS = ("abrupt", "gradual", "recurring", "covariate")


@dataclass(frozen=True)
class Drift:
    """A change of the world after deployment, on some nodes (``nodes``) or all (None).

    The change follows a weight ``w_t`` in [0, 1] of each node's reading t (hours):

        "abrupt"     w_t = 1[t >= start]                    (a machine is serviced)
        "gradual"    w_t = clip((t - start) / duration, 0, 1)   (wear over ``duration`` hours)
        "recurring"  w_t = 1[t >= start and floor((t - start) / period) is even]
                     (seasonal regimes: new for ``period`` hours, old again, new again...)
        "covariate"  the ramp of "gradual" (abrupt for duration 1), applied to the inputs

    Concept drifts (the first three) move the relation between readings and target: the
    vibration in the target's formula becomes ``vibration - c_t`` with ``c_t = sum of size *
    w_t`` over the concept drifts (mm/s), so the same readings draw less power (size > 0) and
    the fault threshold moves to 5 + c_t mm/s. Covariate shift moves the inputs, not the
    relation: the machine load becomes ``clip(L_t + size * w_t, 0, 1)``.
    """

    kind: str
    start: int
    size: float = 1.0
    nodes: tuple[int, ...] | None = None
    duration: int = 1
    period: int = 0

    def __post_init__(self) -> None:
        _check_change(self, "Drift")


@dataclass(frozen=True)
class DriftEvent:
    """One true change on one node: readings ``start`` to ``end`` (hours since the node's first
    reading; ``end == start`` for an abrupt change, and for each switch of a recurring one)."""

    node: int
    start: int
    end: int
    kind: str


def _check_change(d: Drift, name: str) -> None:
    """A ``Drift``'s own fields (its nodes are checked against the fleet by ``check_drift``)."""
    check_choice(f"{name}.kind", d.kind, DRIFT_KINDS)
    check_int(f"{name}.start", d.start, minimum=0)
    check_int(f"{name}.duration", d.duration, minimum=1)
    check_int(f"{name}.period", d.period, minimum=1 if d.kind == "recurring" else 0)
    check_in_range(f"{name}.size", d.size, -1e3, 1e3)
    if d.nodes is not None and not isinstance(d.nodes, (tuple, list, np.ndarray)):
        raise TypeError(
            f"{name}.nodes must be a tuple of node ids such as (0, 2), or None for every node; "
            f"got {describe(d.nodes)}."
        )


def check_drift(drift: Sequence[Drift], n_nodes: int) -> tuple[Drift, ...]:
    """The ``drift=`` list of a fleet of ``n_nodes`` nodes, as a tuple: each entry a ``Drift``
    whose nodes are ids in [0, n_nodes) or None (every node); anything else is refused by name."""
    if isinstance(drift, Drift) or not isinstance(drift, Sequence):
        raise TypeError(f"drift must be a list of Drift(...) (or empty); got {drift!r}.")
    for i, d in enumerate(drift):
        if not isinstance(d, Drift):
            raise TypeError(f"drift[{i}] must be a Drift(kind, start, ...); got {d!r}.")
        _check_change(d, f"drift[{i}]")
        if d.nodes is not None and (
            not isinstance(d.nodes, (tuple, list, np.ndarray))
            or not all(
                isinstance(k, (int, np.integer)) and not isinstance(k, bool) and 0 <= k < n_nodes
                for k in d.nodes
            )
        ):
            raise ValueError(
                f"drift[{i}].nodes must be node ids in [0, {n_nodes}) or None (every node); "
                f"got {d.nodes!r}."
            )
    return tuple(drift)


def _drift_weight(d: Drift, t: np.ndarray) -> np.ndarray:
    """w_t of ``Drift`` (its docstring) for readings t."""
    if d.kind == "abrupt":
        return (t >= d.start).astype(np.float64)
    if d.kind == "recurring":
        return ((t >= d.start) & ((t - d.start) // d.period % 2 == 0)).astype(np.float64)
    return np.clip((t - d.start) / d.duration, 0.0, 1.0)


def _drift_events(d: Drift, sizes: np.ndarray) -> list[DriftEvent]:
    events = []
    for k in range(sizes.size) if d.nodes is None else sorted(set(map(int, d.nodes))):
        if d.kind == "recurring":
            events += [DriftEvent(k, s, s, d.kind)
                       for s in range(d.start, int(sizes[k]), d.period)]  # fmt: skip
        elif d.start < sizes[k]:
            end = d.start if d.kind == "abrupt" else d.start + d.duration
            events.append(DriftEvent(k, d.start, end, d.kind))
    return events


def drift_effects(
    drift: tuple[Drift, ...], node: np.ndarray, t: np.ndarray, sizes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, tuple[DriftEvent, ...]]:
    """Per row: the concept shift c_t (mm/s), the load shift, and the true events.

    ``node`` and ``t`` (N,) are each row's node and reading (hours), ``sizes`` (n_nodes,) the
    readings per node. Returns the (N,) ``c_t = sum of size * w_t`` over the concept drifts,
    the (N,) ``sum of size * w_t`` over the covariate shifts (added to the machine load), and
    the events of every change in node, start, kind order.
    """
    concept, load = np.zeros(node.size), np.zeros(node.size)
    events: list[DriftEvent] = []
    for d in drift:
        on = np.ones(node.size, dtype=bool) if d.nodes is None else np.isin(node, d.nodes)
        shift = np.where(on, d.size * _drift_weight(d, t), 0.0)
        if d.kind == "covariate":
            load += shift
        else:
            concept += shift
        events += _drift_events(d, sizes)
    return concept, load, tuple(sorted(events, key=lambda e: (e.node, e.start, e.kind)))
