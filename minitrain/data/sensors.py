"""A simulated fleet of edge sensor nodes with the faults real deployments have.

``make_sensor_fleet`` returns dirty readings together with the ground truth, so every cleaning
step and anomaly detector in ``minitrain.clean`` can be scored against what really happened.
Here: the fleet (``SensorFleet``, ``UnitFault``, ``make_sensor_fleet``) and its columns, units
and bounds; the drift after deployment it takes as ``drift=`` (``Drift``, ``DriftEvent``) is
in ``drift.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validate import (
    check_choice,
    check_dtype,
    check_in_range,
    check_int,
    check_positive,
    check_seed,
    describe,
)
from .drift import Drift, DriftEvent, check_drift, drift_effects

__all__ = [
    "BOUNDS",
    "COLUMNS",
    "UNITS",
    "SensorFleet",
    "UnitFault",
    "make_sensor_fleet",
]

COLUMNS = ("temperature", "humidity", "vibration", "pressure")
UNITS = ("degC", "%RH", "mm/s", "hPa")
BOUNDS = ((-40.0, 85.0), (0.0, 100.0), (0.0, 50.0), (300.0, 1100.0))  # physical sensor ranges
NODE_OFFSET = np.array([5.0, 12.0, 0.8, 10.0])  # largest per-node level shift, column units
NODE_DRIFT = np.array([3.0, 6.0, 0.5, 5.0])  # largest per-node trend, units per 1000 readings


@dataclass(frozen=True)
class UnitFault:
    """A node that reports one column in another unit: ``reported = scale * true + offset``."""

    node: int
    column: int
    unit: str
    scale: float
    offset: float


@dataclass(frozen=True)
class SensorFleet:
    """Dirty readings of a sensor fleet and the ground truth of every injected fault.

    Rows are ordered by node, then time; a duplicate row follows its original. N rows, d = 4
    columns (``columns``, in ``units``). Entries are equal to the truth except where a fault
    was injected: for every row with ``anomaly_mask`` False, each observed entry of column j on
    a node with a ``UnitFault`` (node, j) equals ``scale * X_clean + offset`` (computed in
    float64), and every other observed entry equals ``X_clean`` exactly.

    Attributes:
        X: (N, d) dirty readings; NaN where missing.
        y: the target, computed from ``X_clean`` and never corrupted: (N, 1) power draw in W
            for ``task="regression"``, (N,) int64 fault label 0/1 for "classification".
        node: (N,) int64 node id of each row.
        time: (N,) float hours since the node's first reading (one reading per hour).
        columns, units: names and SI units of the d columns; ``bounds``: physical range
            (low, high) of each column in those units.
        X_clean: (N, d) true readings in SI units, no NaN (node offsets and drift included:
            they are real differences between sites, not faults).
        missing_mask: (N, d) True where ``X`` is NaN (random losses and dropout bursts).
        anomaly_entries: (N, d) True where an observed entry differs from the truth because of
            a spike or a stuck sensor; ``anomaly_mask`` (N,) is its any() over columns, and
            ``spike_mask`` / ``stuck_mask`` (N,) split it by cause.
        duplicate_mask: (N,) True for rows that re-send the row above (same values and time).
        unit_faults: the nodes reporting a column in another unit (not in ``anomaly_mask``).
        node_offset, node_drift: (n_nodes, d) each node's level shift and trend per 1000
            readings, in SI units (the non-IID part of ``X_clean``).
        task, target: "regression" or "classification", and the target's name and unit.
        drift_events: the true changes asked for with ``drift=`` (empty without drift), in
            node then start order; ``stream(k)`` gives node k's rows in time order.
    """

    X: np.ndarray
    y: np.ndarray
    node: np.ndarray
    time: np.ndarray
    columns: tuple[str, ...]
    units: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    X_clean: np.ndarray
    missing_mask: np.ndarray
    anomaly_entries: np.ndarray
    anomaly_mask: np.ndarray
    spike_mask: np.ndarray
    stuck_mask: np.ndarray
    duplicate_mask: np.ndarray
    unit_faults: tuple[UnitFault, ...]
    node_offset: np.ndarray
    node_drift: np.ndarray
    task: str
    target: tuple[str, str]
    drift_events: tuple[DriftEvent, ...] = ()

    def stream(self, node: int) -> np.ndarray:
        """Row indices of ``node``'s readings in time order (a duplicate follows its original)."""
        node = check_int("node", node)
        rows = np.flatnonzero(self.node == node)
        if rows.size == 0:
            raise ValueError(f"node must be one of {np.unique(self.node).tolist()}; got {node!r}.")
        return rows

    def __str__(self) -> str:
        n, d = self.X.shape
        faults = ", ".join(f"node {f.node} {self.columns[f.column]} in {f.unit}"
                           for f in self.unit_faults)
        return (
            f"SensorFleet: {n} rows x {d} columns ({', '.join(self.columns)}) from "
            f"{self.node_offset.shape[0]} nodes, target {self.target[0]} ({self.target[1]})\n"
            f"  missing entries {int(self.missing_mask.sum())} "
            f"({self.missing_mask.mean():.1%}), anomalous rows {int(self.anomaly_mask.sum())} "
            f"(spikes {int(self.spike_mask.sum())}, stuck {int(self.stuck_mask.sum())}), "
            f"duplicate rows {int(self.duplicate_mask.sum())}\n"
            f"  unit faults: {faults or 'none'}"
        ) + (f"\n  drift events: {len(self.drift_events)}" if self.drift_events else "")


def _runs(
    rng: np.random.Generator, rate: float, lengths: tuple[int, int], segment_end: np.ndarray, d: int
) -> tuple[np.ndarray, np.ndarray]:
    """Runs of entries: each (row, column) starts a run with probability ``rate``; the run
    covers ``length ~ U{lengths}`` rows from the start, clipped at the end of the node's rows.

    Returns the (N, d) starts and the (N, d) run mask (starts included).
    """
    n = segment_end.shape[0]
    starts = rng.random((n, d)) < rate
    rows, cols = np.nonzero(starts)
    ends = np.minimum(rows + rng.integers(lengths[0], lengths[1] + 1, rows.size), segment_end[rows])
    depth = np.zeros((n + 1, d), dtype=np.int64)
    np.add.at(depth, (rows, cols), 1)
    np.add.at(depth, (ends, cols), -1)
    return starts, np.cumsum(depth, axis=0)[:n] > 0


def _at_most(name: str, value: float, largest: float) -> float:
    if value > largest:
        raise ValueError(
            f"{name} must be <= {largest:g} (larger values leave every plausible range of the "
            f"sensors); got {value!r}."
        )
    return value


def _check_sizes(n_per_node: Any, n_nodes: int) -> np.ndarray:
    """(n_nodes,) int64 readings per node from one int or one int per node, each >= 2."""
    try:
        sizes = np.asarray(n_per_node)
    except ValueError:  # ragged nested lists
        sizes = np.asarray(None)
    if sizes.ndim == 0:
        sizes = np.full(n_nodes, sizes)
    if sizes.shape != (n_nodes,) or sizes.dtype.kind not in "iu" or sizes.min() < 2:
        raise ValueError(
            f"n_per_node must be an int >= 2 or {n_nodes} such ints (one per node); "
            f"got {describe(n_per_node) if isinstance(n_per_node, np.ndarray) else n_per_node!r}."
        )
    return sizes.astype(np.int64)


def _check_lengths(name: str, lengths: tuple[int, int]) -> tuple[int, int]:
    if not (isinstance(lengths, tuple) and len(lengths) == 2):
        raise TypeError(f"{name} must be a (shortest, longest) tuple of ints; got {lengths!r}.")
    low = check_int(f"{name}[0]", lengths[0], minimum=1)
    return low, check_int(f"{name}[1]", lengths[1], minimum=low)


def make_sensor_fleet(
    n_nodes: int = 8,
    n_per_node: int | Sequence[int] = 500,
    seed: int = 0,
    *,
    task: str = "regression",
    node_spread: float = 1.0,
    missing_rate: float = 0.02,
    dropout_rate: float = 0.002,
    dropout_length: tuple[int, int] = (5, 30),
    spike_rate: float = 0.01,
    spike_size: float = 8.0,
    stuck_rate: float = 0.0005,
    stuck_length: tuple[int, int] = (5, 20),
    duplicate_rate: float = 0.01,
    n_fahrenheit_nodes: int = 1,
    n_kpa_nodes: int = 1,
    dtype: type = np.float64,
    drift: Sequence[Drift] = (),
) -> SensorFleet:
    """Simulate hourly readings of temperature, humidity, vibration and pressure on edge nodes.

    The truth, for node k at reading t (hours) with machine load ``L_t`` in [0, 1] (a
    smoothed random duty cycle) and a daily cycle ``D_t = 4 sin(2 pi t / 24 + phase_k)``::

        temperature = 21 + D_t + 3 L_t + o_k0 + g_k0 t/1000 + N(0, 0.3^2)      degC
        humidity    = 50 - 2 D_t + o_k1 + g_k1 t/1000 + N(0, 1.5^2), in [5, 98]  %RH
        vibration   = |1 + 6 L_t + o_k2 + g_k2 t/1000 + N(0, 0.3^2)|            mm/s
        pressure    = 1013 + 4 sin(2 pi t / 120 + phase'_k) + o_k3 + g_k3 t/1000
                      + N(0, 1)                                                  hPa

    where the node offsets ``o_k ~ node_spread * [5, 12, 0.8, 10] * U(-1, 1)`` and drifts
    ``g_k ~ node_spread * [3, 6, 0.5, 5] * U(-1, 1)`` make the nodes non-IID (bounded, so
    that every site stays a plausible one). The target is
    ``power = 20 + 25 vibration + 3 max(temperature - 24, 0) + 0.1 (humidity - 50)
    + 0.2 (pressure - 1013) + N(0, 2^2)`` W for regression, and for classification
    ``fault = 1[2 (vibration - 5) + 0.4 (temperature - 24) + Logistic(0, 1) > 0]``.

    Faults, injected in this order onto the true readings (defaults in brackets; all rates
    are probabilities in [0, 1)):

    1. unit faults: ``n_fahrenheit_nodes`` [1] nodes report temperature in degF (1.8 x + 32)
       and ``n_kpa_nodes`` [1] other nodes report pressure in kPa (0.1 x);
    2. spikes: each row, with probability ``spike_rate`` [0.01], gets one column (chosen
       uniformly) shifted by +-U(1, 1.5) * ``spike_size`` [8.0] fleet standard deviations
       of that column;
    3. stuck sensors: each (row, column) starts, with probability ``stuck_rate`` [0.0005], a
       run in which the next ``U{stuck_length}`` [(5, 20)] readings repeat that row's value;
    4. missing values: each entry is lost with probability ``missing_rate`` [0.02], and each
       (row, column) starts a dropout burst of ``U{dropout_length}`` [(5, 30)] NaN readings
       with probability ``dropout_rate`` [0.002];
    5. duplicates: each row is re-sent (copied right below itself) with probability
       ``duplicate_rate`` [0.01].
    Runs and bursts never cross from one node into the next. With the defaults, about 5% of
    the entries are missing, 3% of the rows anomalous and 1% duplicated.

    Drift after deployment (``drift``, a list of ``Drift``; none by default, and then every
    number is what it was without the argument): concept drift moves the vibration in the
    target's formula to ``vibration - c_t`` (abrupt, gradual or recurring; see ``Drift``),
    covariate shift raises the machine load; ``drift_events`` lists the true changes.

    Args:
        n_nodes: number of nodes [8] (>= n_fahrenheit_nodes + n_kpa_nodes).
        n_per_node: readings per node [500] (>= 2), one int or one per node.
        seed: seed of the ``numpy.random.Generator`` [0]; same seed, bit-identical fleet.
        task: "regression" [default] (power in W) or "classification" (fault 0/1).
        node_spread: scale of the node offsets and drifts [1.0], in [0, 100] (0 gives IID
            nodes).
        spike_size: spike height in fleet standard deviations [8.0], in (0, 1000].
        dtype: float64 [default] or float32 for X, X_clean and a regression y (computed in
            float64, then cast).
        drift: ``Drift`` changes after deployment [none]; they draw no random numbers.

    Returns:
        A ``SensorFleet`` with the dirty data and its ground truth.
    """
    task = check_choice("task", task, ("regression", "classification"))
    dtype = check_dtype("dtype", dtype)
    seed = check_seed("seed", seed)
    n_nodes = check_int("n_nodes", n_nodes, minimum=1)
    sizes = _check_sizes(n_per_node, n_nodes)
    node_spread = check_positive("node_spread", node_spread, allow_zero=True)
    node_spread = _at_most("node_spread", node_spread, 100.0)
    rates = dict(missing_rate=missing_rate, dropout_rate=dropout_rate, spike_rate=spike_rate,
                 stuck_rate=stuck_rate, duplicate_rate=duplicate_rate)
    for name, rate in rates.items():
        check_in_range(name, rate, 0.0, 1.0)
    spike_size = _at_most("spike_size", check_positive("spike_size", spike_size), 1000.0)
    dropout_length = _check_lengths("dropout_length", dropout_length)
    stuck_length = _check_lengths("stuck_length", stuck_length)
    n_f = check_int("n_fahrenheit_nodes", n_fahrenheit_nodes, minimum=0, maximum=n_nodes)
    n_kpa = check_int("n_kpa_nodes", n_kpa_nodes, minimum=0)
    if n_f + n_kpa > n_nodes:
        raise ValueError(
            f"n_fahrenheit_nodes + n_kpa_nodes must be <= n_nodes ({n_nodes}): each faulty "
            f"node has one unit fault; got {n_f} + {n_kpa}. Lower n_kpa_nodes or raise n_nodes."
        )
    changes = check_drift(drift, n_nodes)

    rng = np.random.default_rng(seed)
    d = len(COLUMNS)
    node = np.repeat(np.arange(n_nodes), sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    t = (np.arange(node.size) - starts[node]).astype(np.float64)
    segment_end = starts[node + 1]
    concept, load_shift, events = drift_effects(changes, node, t, sizes)

    offset = rng.uniform(-1.0, 1.0, (n_nodes, d)) * node_spread * NODE_OFFSET
    drift = rng.uniform(-1.0, 1.0, (n_nodes, d)) * node_spread * NODE_DRIFT
    phase = rng.uniform(0, 2 * np.pi, (n_nodes, 3))
    period = rng.uniform(8.0, 48.0, n_nodes)
    # a centred 6-reading moving average (np.convolve's "same" window, for any length)
    wobble = np.convolve(rng.normal(0, 0.25, node.size), np.ones(6) / 6)[2 : 2 + node.size]
    level = 0.5 + 0.35 * np.sin(2 * np.pi * t / period[node] + phase[node, 0]) + wobble
    load = np.clip(level + load_shift if changes else level, 0.0, 1.0)
    daily = 4.0 * np.sin(2 * np.pi * t / 24 + phase[node, 1])
    base = np.stack([
        21.0 + daily + 3.0 * load,
        50.0 - 2.0 * daily,
        1.0 + 6.0 * load,
        1013.0 + 4.0 * np.sin(2 * np.pi * t / 120 + phase[node, 2]),
    ], axis=1)
    noise = rng.normal(0.0, [0.3, 1.5, 0.3, 1.0], (node.size, d))
    X_clean = base + offset[node] + drift[node] * t[:, None] / 1000 + noise
    X_clean[:, 1] = np.clip(X_clean[:, 1], 5.0, 98.0)
    X_clean[:, 2] = np.abs(X_clean[:, 2])
    temp, hum, vib, pres = X_clean.T
    if changes:
        vib = vib - concept  # concept drift: the relation to the target moves (see Drift)
    if task == "regression":
        power = (20 + 25 * vib + 3 * np.maximum(temp - 24, 0) + 0.1 * (hum - 50)
                 + 0.2 * (pres - 1013) + rng.normal(0.0, 2.0, node.size))
        y = power[:, None].astype(dtype)
        target = ("power", "W")
    else:
        risk = 2 * (vib - 5) + 0.4 * (temp - 24) + rng.logistic(0.0, 1.0, node.size)
        y = (risk > 0).astype(np.int64)
        target = ("fault", "0/1")

    chosen = rng.permutation(n_nodes)[: n_f + n_kpa]
    unit_faults = tuple(UnitFault(int(k), 0, "degF", 1.8, 32.0) for k in chosen[:n_f]) + tuple(
        UnitFault(int(k), 3, "kPa", 0.1, 0.0) for k in chosen[n_f:]
    )
    scale = np.ones((n_nodes, d))
    shift = np.zeros((n_nodes, d))
    for fault in unit_faults:
        scale[fault.node, fault.column], shift[fault.node, fault.column] = fault.scale, fault.offset
    expected = X_clean * scale[node] + shift[node]

    X = expected.copy()
    spike_rows = np.flatnonzero(rng.random(node.size) < spike_rate)
    spike_cols = rng.integers(0, d, spike_rows.size)
    size = rng.uniform(1.0, 1.5, spike_rows.size) * rng.choice([-1.0, 1.0], spike_rows.size)
    fleet_sd = X_clean.std(axis=0)
    X[spike_rows, spike_cols] += (size * spike_size * fleet_sd[spike_cols]
                                  * scale[node[spike_rows], spike_cols])
    spiked = np.zeros((node.size, d), dtype=bool)
    spiked[spike_rows, spike_cols] = True

    stuck_starts, stuck_runs = _runs(rng, stuck_rate, stuck_length, segment_end, d)
    last_start = np.maximum.accumulate(
        np.where(stuck_starts, np.arange(node.size)[:, None], 0), axis=0
    )
    stuck = stuck_runs & ~stuck_starts
    X = np.where(stuck, np.take_along_axis(X, last_start, axis=0), X)

    _, dropouts = _runs(rng, dropout_rate, dropout_length, segment_end, d)
    missing = dropouts | (rng.random((node.size, d)) < missing_rate)
    X[missing] = np.nan

    differs = ~missing & (X != expected)
    copies = 1 + (rng.random(node.size) < duplicate_rate)
    duplicate = np.zeros(int(copies.sum()), dtype=bool)
    duplicate[np.cumsum(copies)[copies == 2] - 1] = True

    def rep(a: np.ndarray) -> np.ndarray:
        return np.repeat(a, copies, axis=0)

    return SensorFleet(
        X=rep(X).astype(dtype),
        y=rep(y),
        node=rep(node).astype(np.int64),
        time=rep(t),
        columns=COLUMNS,
        units=UNITS,
        bounds=BOUNDS,
        X_clean=rep(X_clean).astype(dtype),
        missing_mask=rep(missing),
        anomaly_entries=rep(differs),
        anomaly_mask=rep(differs.any(axis=1)),
        spike_mask=rep((differs & spiked & ~stuck).any(axis=1)),  # unless stuck overwrote it
        stuck_mask=rep((differs & stuck).any(axis=1)),
        duplicate_mask=duplicate,
        unit_faults=unit_faults,
        node_offset=offset,
        node_drift=drift,
        task=task,
        target=target,
        drift_events=events,
    )
