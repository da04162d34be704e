"""Consistency checks: duplicates, constant columns, physical bounds, stuck sensors, units.

Each check reads X (N, d) with NaN for missing values, changes nothing, and returns a report
dataclass whose ``str()`` is a short account a person can read; masks in the reports index
the rows (or entries) of X. ``fix_units`` applies what ``unit_mismatch`` found.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

from .._validate import check_instance, check_int, check_positive, describe
from ._base import as_column_names, as_data, as_node_codes, as_time

__all__ = [
    "CONVERSIONS",
    "BoundsReport",
    "ConstantReport",
    "DuplicateReport",
    "StuckReport",
    "UnitMismatch",
    "UnitMismatchReport",
    "check_bounds",
    "constant_columns",
    "find_duplicates",
    "find_stuck",
    "fix_units",
    "unit_mismatch",
]

# Common unit slips of sensors, as ``reported = scale * true + offset``.
CONVERSIONS: dict[str, tuple[float, float]] = {
    "degC -> degF": (1.8, 32.0),
    "degC -> K": (1.0, 273.15),
    "x 0.1 (e.g. hPa -> kPa)": (0.1, 0.0),
    "x 0.01 (e.g. percent -> fraction)": (0.01, 0.0),
    "x 0.001 (e.g. milli -> base unit)": (0.001, 0.0),
    "x 10": (10.0, 0.0),
    "x 100": (100.0, 0.0),
    "x 1000 (e.g. base unit -> milli)": (1000.0, 0.0),
    "mm/s -> in/s": (1 / 25.4, 0.0),
}


def _name(columns: Sequence[str] | None, j: int) -> str:
    return f"column {j}" if columns is None else f"column {j} ({columns[j]})"


@dataclass(frozen=True)
class DuplicateReport:
    """Rows equal bit for bit to an earlier row of the same node (so NaN matches NaN, and
    0.0 does not match -0.0).

    ``mask`` (N,): True for every repeat (the first occurrence is kept); ``first`` (N,):
    index of each row's first occurrence.
    """

    mask: np.ndarray
    first: np.ndarray

    def __str__(self) -> str:
        n = int(self.mask.sum())
        rows = np.flatnonzero(self.mask)[:5].tolist()
        return f"{n} duplicate row(s) of {self.mask.size}" + (f", e.g. rows {rows}" if n else "")


def find_duplicates(X: Any, node: Any = None, time: Any = None) -> DuplicateReport:
    """Find rows that repeat an earlier row exactly, within ``node`` (N,) and at the same
    ``time`` (N,) when given.

    Pass ``time`` for sensor streams: a stuck sensor whose other columns are missing repeats
    its row's values at later times, which is a fault but not a re-sent reading.
    """
    X = as_data("X", X)
    n = X.shape[0]
    key_columns = [X.astype(np.float64)]  # exact for float32, so bit equality is kept
    if node is not None:
        key_columns.append(as_node_codes("node", node, n).astype(np.float64)[:, None])
    if time is not None:
        key_columns.append(as_time("time", time, n)[:, None])
    rows = np.ascontiguousarray(np.hstack(key_columns))
    keys = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
    _, first_of_key, key = np.unique(keys, return_index=True, return_inverse=True)
    first = first_of_key[key.reshape(-1)]
    return DuplicateReport(mask=first != np.arange(n), first=first)


@dataclass(frozen=True)
class ConstantReport:
    """Columns that carry no information: ``constant`` (one observed value: ``values``) and
    ``all_missing`` (no observed value), as column indices."""

    constant: np.ndarray
    values: np.ndarray
    all_missing: np.ndarray
    columns: Sequence[str] | None = None

    def __str__(self) -> str:
        lines = [f"{_name(self.columns, j)} is constant at {v:g}"
                 for j, v in zip(self.constant, self.values, strict=True)]
        lines += [f"{_name(self.columns, j)} is entirely missing" for j in self.all_missing]
        return "\n".join(lines) or "no constant or empty column"


def constant_columns(X: Any, columns: Sequence[str] | None = None) -> ConstantReport:
    """Find columns whose observed values are all equal (``nanmax == nanmin``) or absent."""
    X = as_data("X", X)
    columns = as_column_names("columns", columns, X.shape[1])
    empty = np.isnan(X).all(axis=0)
    filled = np.where(np.isnan(X), X[np.argmax(~np.isnan(X), axis=0), np.arange(X.shape[1])], X)
    constant = ~empty & (filled == filled[0]).all(axis=0)
    return ConstantReport(np.flatnonzero(constant), filled[0, constant], np.flatnonzero(empty),
                          columns)


@dataclass(frozen=True)
class BoundsReport:
    """Entries outside their column's physical range [low, high].

    ``below``/``above`` (N, d): entry < low / > high (NaN is neither); ``rows`` (N,): any.
    """

    below: np.ndarray
    above: np.ndarray
    bounds: tuple[tuple[float, float], ...]
    columns: Sequence[str] | None = None

    @property
    def rows(self) -> np.ndarray:
        return (self.below | self.above).any(axis=1)

    def __str__(self) -> str:
        lines = [
            f"{_name(self.columns, j)}: {b} below {low:g}, {a} above {high:g}"
            for j, ((low, high), b, a) in enumerate(
                zip(self.bounds, self.below.sum(axis=0), self.above.sum(axis=0), strict=True))
            if a or b
        ]
        return "\n".join([f"{int(self.rows.sum())} row(s) out of bounds", *lines])


def check_bounds(
    X: Any, bounds: Sequence[tuple[float | None, float | None]],
    columns: Sequence[str] | None = None,
) -> BoundsReport:
    """Flag entries outside ``bounds[j] = (low, high)`` (None: unbounded on that side)."""
    X = as_data("X", X)
    limits = _as_bounds(bounds, X.shape[1])
    columns = as_column_names("columns", columns, X.shape[1])
    low, high = np.array(limits).T
    if np.any(low > high):
        raise ValueError(f"bounds must have low <= high in every column; got {bounds!r}.")
    return BoundsReport(X < low, X > high, limits, columns)


def _as_bound(name: str, value: Any, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number or None (unbounded); got {describe(value)}.")
    if np.isnan(value):
        raise ValueError(f"{name} is NaN, which no reading can fall outside of; use None for "
                         "no bound on that side.")
    return float(value)


def _as_bounds(bounds: Any, n_columns: int) -> tuple[tuple[float, float], ...]:
    """``bounds``: one (low, high) pair of numbers or None per column, as floats (+-inf)."""
    if isinstance(bounds, np.ndarray) and bounds.ndim == 2 and bounds.dtype.kind in "iuf":
        bounds = bounds.tolist()
    if isinstance(bounds, (str, bytes, dict)) or not isinstance(bounds, Sequence):
        raise TypeError(f"bounds must be a list of (low, high) pairs, one per column of X; got "
                        f"{describe(bounds)}.")
    if len(bounds) != n_columns:
        raise ValueError(f"bounds must give one (low, high) per column of X ({n_columns}); "
                         f"got {len(bounds)}.")
    limits = []
    for j, pair in enumerate(bounds):
        if not (isinstance(pair, (tuple, list, np.ndarray)) and len(pair) == 2):
            raise TypeError(f"bounds[{j}] must be a (low, high) pair; got {describe(pair)}.")
        limits.append((_as_bound(f"bounds[{j}][0]", pair[0], -np.inf),
                       _as_bound(f"bounds[{j}][1]", pair[1], np.inf)))
    return tuple(limits)


@dataclass(frozen=True)
class StuckReport:
    """Readings that repeat the previous reading of the same node ``min_run - 1`` or more
    times in a row: ``entries`` (N, d) marks the repeats (not the first, genuine, reading
    of each run); ``rows`` (N,) is its any() over columns; ``n_runs`` counts the runs."""

    entries: np.ndarray
    n_runs: int
    min_run: int

    @property
    def rows(self) -> np.ndarray:
        return self.entries.any(axis=1)

    def __str__(self) -> str:
        return (f"{self.n_runs} stuck run(s) of >= {self.min_run} equal readings; "
                f"{int(self.entries.sum())} repeated entries in {int(self.rows.sum())} rows")


def find_stuck(X: Any, node: Any = None, *, min_run: int = 5) -> StuckReport:
    """Find runs of ``>= min_run`` equal consecutive observed readings within a node.

    Rows are read in order (sort by node and time first). A run is a maximal block of
    consecutive rows of one node with the same observed value in a column; NaN breaks runs.
    """
    X = as_data("X", X)
    min_run = check_int("min_run", min_run, minimum=2)
    n = X.shape[0]
    codes = np.zeros(n, np.int64) if node is None else as_node_codes("node", node, n)
    same_node = np.concatenate([[False], codes[1:] == codes[:-1]])[:, None]
    repeats = np.vstack([np.zeros((1, X.shape[1]), bool), X[1:] == X[:-1]]) & same_node
    run_id = np.cumsum(~repeats, axis=0)  # a new id at each non-repeat, per column
    entries = np.zeros_like(repeats)
    n_runs = 0
    for j in range(X.shape[1]):
        length = np.bincount(run_id[:, j])[run_id[:, j]]
        entries[:, j] = repeats[:, j] & (length >= min_run)
        n_runs += int(np.unique(run_id[entries[:, j], j]).size)
    return StuckReport(entries, n_runs, min_run)


@dataclass(frozen=True)
class UnitMismatch:
    """One node whose column median is far from the other nodes' medians.

    ``robust_z = (node_median - fleet_median) / spread``. ``conversion`` names the entry of
    ``CONVERSIONS`` (``reported = scale * true + offset``) that explains the node's median
    better than no conversion at all, with its ``scale``, ``offset`` and ``conversion_z`` (the
    robust z of the median converted back, at most half of ``|robust_z|``); None (and NaN)
    when none does.
    """

    node: Any
    column: int
    node_median: float
    fleet_median: float
    robust_z: float
    conversion: str | None
    scale: float
    offset: float
    conversion_z: float


@dataclass(frozen=True)
class UnitMismatchReport:
    """The mismatches found, and the per-node column medians they were judged from."""

    mismatches: tuple[UnitMismatch, ...]
    nodes: np.ndarray
    node_medians: np.ndarray
    columns: Sequence[str] | None = None

    def __str__(self) -> str:
        if not self.mismatches:
            return "no unit or scale mismatch between nodes"
        return "\n".join(
            f"node {m.node}, {_name(self.columns, m.column)}: median {m.node_median:.4g} vs "
            f"fleet {m.fleet_median:.4g} (robust z {m.robust_z:+.1f}); "
            + (f"looks like {m.conversion} (converted back: z {m.conversion_z:+.1f})"
               if m.conversion else "no known conversion explains it")
            for m in self.mismatches
        )


def _as_conversions(conversions: Any) -> dict[str, tuple[float, float]]:
    """``conversions``: a dict name -> (scale, offset), scale finite and != 0, offset finite."""
    if not isinstance(conversions, Mapping):
        raise TypeError(f"conversions must be a dict name -> (scale, offset) such as "
                        f"CONVERSIONS; got {describe(conversions)}.")
    checked = {}
    for name, pair in conversions.items():
        where = f"conversions[{name!r}]"
        if not isinstance(name, str):
            raise TypeError(f"conversions must be keyed by names (str); got {describe(name)}.")
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise TypeError(f"{where} must be a (scale, offset) pair; got {describe(pair)}.")
        scale, offset = pair
        for part, value in (("scale", scale), ("offset", offset)):
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
                raise TypeError(f"{where}'s {part} must be a number; got {describe(value)}.")
            if not np.isfinite(value):
                raise ValueError(f"{where}'s {part} must be finite; got {value!r}.")
        if scale == 0:
            raise ValueError(f"{where}'s scale is 0, which cannot be undone; got {pair!r}.")
        checked[name] = (float(scale), float(offset))
    return checked


def unit_mismatch(
    X: Any, node: Any, *, threshold: float = 4.0, columns: Sequence[str] | None = None,
    conversions: dict[str, tuple[float, float]] = CONVERSIONS,
) -> UnitMismatchReport:
    """Find nodes whose column median is far from the other nodes', and explain it by units.

    Per column j, with ``m_k`` the median of node k's observed values, ``M = median_k m_k``
    and ``S = 1.4826 * median_k |m_k - M|`` (the robust spread of node medians; needs >= 3
    nodes), node k is a mismatch when ``z_k = |m_k - M| / S > threshold``: sites do differ
    (non-IID), so distance is measured in units of the usual spread between nodes. Each
    conversion ``(scale, offset)`` is judged by the robust z of the median converted back,
    ``z_c = |(m_k - offset) / scale - M| / S``; the smallest is reported when it removes at
    least half of the node's distance to the fleet, ``z_c <= z_k / 2`` (a node that is merely
    an unusual site is not "explained" by a unit it happens to sit near).
    """
    X = as_data("X", X)
    threshold = check_positive("threshold", threshold)
    codes = as_node_codes("node", node, X.shape[0])
    columns = as_column_names("columns", columns, X.shape[1])
    conversions = _as_conversions(conversions)
    nodes = np.unique(np.asarray(node))
    if nodes.size < 3:
        raise ValueError(f"node must hold >= 3 distinct nodes to judge which is off; got "
                         f"{nodes.size}.")
    with warnings.catch_warnings():  # a node may have lost a column entirely: NaN median
        warnings.simplefilter("ignore", RuntimeWarning)
        medians = np.stack([np.nanmedian(X[codes == k], axis=0) for k in range(nodes.size)])
        fleet = np.nanmedian(medians, axis=0)
        spread = 1.4826 * np.nanmedian(np.abs(medians - fleet), axis=0)
    tiny = np.finfo(X.dtype).eps * np.maximum(np.abs(fleet), 1.0)
    spread = np.where(spread > tiny, spread, tiny)
    z = (medians - fleet) / spread
    found = []
    for k, j in zip(*np.nonzero(np.abs(np.nan_to_num(z)) > threshold), strict=True):
        back_z = {name: abs((medians[k, j] - o) / s - fleet[j]) / spread[j]
                  for name, (s, o) in conversions.items()}
        best = min(back_z, key=back_z.__getitem__) if back_z else None
        if best is None or back_z[best] > abs(z[k, j]) / 2:
            best = None
        scale, offset = conversions[best] if best else (np.nan, np.nan)
        found.append(UnitMismatch(
            nodes[k].item(), int(j), float(medians[k, j]), float(fleet[j]), float(z[k, j]),
            best, float(scale), float(offset), float(back_z[best]) if best else np.nan,
        ))
    return UnitMismatchReport(tuple(found), nodes, medians, columns)


def fix_units(X: Any, node: Any, report: UnitMismatchReport) -> np.ndarray:
    """Undo each explained mismatch: ``true = (reported - offset) / scale`` on that node's
    column. Mismatches without a known conversion are left as they are. Returns a new array.

    ``node`` (N,) is required and must hold the same kind of ids (integers or strings) as the
    rows ``report`` was found on: rows of other ids are never converted.
    """
    X = as_data("X", X)
    as_node_codes("node", node, X.shape[0])
    report = check_instance("report", report, UnitMismatchReport, "unit_mismatch(X_train, node)")
    node = np.asarray(node)
    width = report.node_medians.shape[1] if report.node_medians.ndim == 2 else None
    if width != X.shape[1]:
        raise ValueError(f"report was found on {width} columns but X has {X.shape[1]}; pass "
                         "the columns unit_mismatch saw, in the same order.")
    kinds = {"i": "integer", "u": "integer", "U": "string", "S": "bytes"}
    seen = kinds.get(np.asarray(report.nodes).dtype.kind)
    if report.mismatches and kinds[node.dtype.kind] != seen:
        raise TypeError(f"node holds {kinds[node.dtype.kind]} ids but report was found with "
                        f"{seen} ids, so no row would match; pass the ids unit_mismatch saw.")
    fixed = X.copy()
    for m in report.mismatches:
        if m.conversion is not None:
            rows = node == m.node
            fixed[rows, m.column] = (X[rows, m.column] - m.offset) / m.scale
    return fixed
