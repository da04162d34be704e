"""A cleaning pipeline: named steps fitted in order on the training rows, each reporting what
it changed (rows dropped, values imputed, anomalies flagged).

A step is either a **transform** (has ``transform``: same rows in, same rows out, e.g.
``Imputer``, ``Standardizer``, ``FixUnits``, ``Interpolate``) or a **filter** (has
``predict``, a boolean per row: flagged rows are dropped, e.g. any detector,
``DropDuplicates``, ``DropStuck``). ``fit`` is called when a step has one. Steps whose class
sets ``uses_node = True`` also receive ``node=`` (node ids) and ``time=``, which are
carried along with ``y`` as rows are dropped::

    cleaner = Pipeline([
        ("duplicates", DropDuplicates()),
        ("units", FixUnits()),
        ("spikes", MAD(threshold=5)),
        ("stuck", DropStuck()),
        ("gaps", Interpolate()),
        ("impute", Imputer("median")),
    ])
    train = cleaner.fit_transform(X_train, y_train, node=node_train, time=time_train)
    print(train.report)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass
from typing import Any, ClassVar

import numpy as np

from .._estimator import Estimator
from .._validate import check_flag, check_in_range, check_instance, check_length, describe
from ._base import as_data
from .checks import UnitMismatchReport, check_bounds, find_duplicates, find_stuck, fix_units
from .checks import unit_mismatch as find_unit_mismatch
from .impute import forward_fill, interpolate

__all__ = [
    "Cleaned",
    "CleaningReport",
    "DropDuplicates",
    "DropIncomplete",
    "DropOutOfBounds",
    "DropStuck",
    "FixUnits",
    "ForwardFill",
    "Interpolate",
    "Pipeline",
    "StepReport",
]


@dataclass
class DropDuplicates(Estimator):
    """Filter: rows repeating an earlier row of the same node and time bit for bit."""

    uses_node: ClassVar[bool] = True

    def predict(self, X: Any, node: Any = None, time: Any = None) -> np.ndarray:
        return find_duplicates(X, node, time).mask


@dataclass
class DropIncomplete(Estimator):
    """Filter: rows whose fraction of NaN entries is above ``max_fraction`` (0: any NaN)."""

    max_fraction: float = 0.0

    def predict(self, X: Any) -> np.ndarray:
        limit = check_in_range("max_fraction", self.max_fraction, 0.0, 1.0, high_inclusive=True)
        return np.isnan(as_data("X", X)).mean(axis=1) > limit


@dataclass
class DropStuck(Estimator):
    """Filter: rows holding a repeat of a stuck run (``find_stuck`` with ``min_run``)."""

    min_run: int = 5
    uses_node: ClassVar[bool] = True

    def predict(self, X: Any, node: Any = None, time: Any = None) -> np.ndarray:
        return find_stuck(X, node, min_run=self.min_run).rows


@dataclass
class DropOutOfBounds(Estimator):
    """Filter: rows with an entry outside its physical ``bounds`` (``check_bounds``)."""

    bounds: Sequence[tuple[float | None, float | None]]

    def predict(self, X: Any) -> np.ndarray:
        return check_bounds(X, self.bounds).rows


@dataclass
class FixUnits(Estimator):
    """Transform: learn in ``fit`` which nodes report a column in another unit
    (``unit_mismatch``, kept in ``report_``) and convert those back (``fix_units``).

    Both ``fit`` and ``transform`` need ``node=`` (the node id of each row): without it no
    row could be matched to the node whose unit is off.
    """

    threshold: float = 4.0
    uses_node: ClassVar[bool] = True

    def fit(self, X: Any, node: Any = None, time: Any = None) -> FixUnits:
        if node is None:
            raise ValueError("FixUnits needs node=, the node id of each row.")
        self.report_: UnitMismatchReport = find_unit_mismatch(X, node, threshold=self.threshold)
        self.n_features_in_ = int(self.report_.node_medians.shape[1])
        return self

    def transform(self, X: Any, node: Any = None, time: Any = None) -> np.ndarray:
        self._check_fitted()
        if node is None:
            raise ValueError(
                "FixUnits needs node=, the node id of each row, in transform as in fit; "
                "without it no row can be converted back."
            )
        return fix_units(X, node, self.report_)


@dataclass
class ForwardFill(Estimator):
    """Transform: ``forward_fill`` within each node, at most ``limit`` rows ahead."""

    limit: int | None = None
    uses_node: ClassVar[bool] = True

    def transform(self, X: Any, node: Any = None, time: Any = None) -> np.ndarray:
        return forward_fill(X, node, limit=self.limit)


@dataclass
class Interpolate(Estimator):
    """Transform: linear ``interpolate`` in time within each node (edges stay NaN)."""

    uses_node: ClassVar[bool] = True

    def transform(self, X: Any, node: Any = None, time: Any = None) -> np.ndarray:
        return interpolate(X, node, time)


@dataclass(frozen=True)
class StepReport:
    """What one step did: rows flagged and dropped (a filter), NaN filled, observed values
    changed and columns dropped (a transform); what a step's kind cannot do stays 0."""

    step: str
    kind: str
    rows_in: int
    rows_flagged: int = 0
    rows_dropped: int = 0
    values_imputed: int = 0
    values_changed: int = 0
    columns_dropped: int = 0


@dataclass(frozen=True)
class CleaningReport:
    """The ``StepReport`` of every step, in order; ``str()`` is a table."""

    steps: tuple[StepReport, ...]

    def __str__(self) -> str:
        head = ("step", "kind", "rows in", "flagged", "dropped", "imputed", "changed",
                "cols dropped")  # fmt: skip
        rows = [head] + [astuple(s) for s in self.steps]
        width = [max(len(str(r[i])) for r in rows) for i in range(len(head))]
        return "\n".join(
            "  ".join(
                str(v).ljust(w) if i < 2 else str(v).rjust(w)
                for i, (v, w) in enumerate(zip(r, width, strict=True))
            )
            for r in rows
        )


@dataclass(frozen=True)
class Cleaned:
    """The output of a pipeline: the kept rows of X, y, node and time; ``rows`` (indices of
    the kept input rows) and the ``report``."""

    X: np.ndarray
    y: np.ndarray | None
    node: np.ndarray | None
    time: np.ndarray | None
    rows: np.ndarray
    report: CleaningReport


class Pipeline:
    """Run named cleaning steps in order (see the module docstring for the step protocol).

    ``fit_transform`` fits each step on the output of the previous ones (training rows only);
    ``transform`` applies the fitted steps to new data, dropping flagged rows unless
    ``drop_rows=False`` (then filters only report, so every row keeps a prediction). A
    pipeline fitted with ``node=`` needs ``node=`` for new rows too when a step uses it.
    A filter's ``predict`` must return a boolean per row (True = drop): scikit-learn's
    outlier detectors return -1/+1 and are refused rather than read as all True.
    """

    def __init__(self, steps: Sequence[tuple[str, Any]]) -> None:
        if isinstance(steps, (str, bytes)) or not isinstance(steps, Sequence) or not steps:
            raise TypeError(
                f"steps must be a non-empty list of (name, step); got {describe(steps)}."
            )
        for item in steps:
            if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)):
                raise TypeError(f"each step must be a (name, step) tuple; got {item!r}.")
            name, step = item
            check_instance(f"step {name!r}", step, object, "clean.Imputer('median')")
            if not (hasattr(step, "transform") or hasattr(step, "predict")):
                raise TypeError(
                    f"step {name!r} must have transform() or predict(); got "
                    f"{type(step).__name__}."
                )
        names = [name for name, _ in steps]
        if len(set(names)) != len(names):
            raise ValueError(f"step names must be unique; got {names}.")
        self.steps = list(steps)

    def fit(self, X: Any, y: Any = None, *, node: Any = None, time: Any = None) -> Pipeline:
        """Fit every step on the training rows; returns self."""
        self._run(X, y, node, time, fit=True, drop_rows=True)
        return self

    def fit_transform(
        self, X: Any, y: Any = None, *, node: Any = None, time: Any = None
    ) -> Cleaned:
        """Fit every step in turn and return the cleaned training rows with the report."""
        return self._run(X, y, node, time, fit=True, drop_rows=True)

    def transform(
        self,
        X: Any,
        y: Any = None,
        *,
        node: Any = None,
        time: Any = None,
        drop_rows: bool = True,
    ) -> Cleaned:
        """Apply the fitted steps to new rows (never refitting anything)."""
        drop_rows = check_flag("drop_rows", drop_rows)
        if node is None and getattr(self, "needs_node_", False):
            raise ValueError(
                "node is required: this Pipeline was fitted with node= and its steps "
                f"{self._node_steps()} group rows by node; pass node= for the new rows too."
            )
        return self._run(X, y, node, time, fit=False, drop_rows=drop_rows)

    def _node_steps(self) -> list[str]:
        return [name for name, step in self.steps if getattr(step, "uses_node", False)]

    def _run(self, X: Any, y: Any, node: Any, time: Any, *, fit: bool, drop_rows: bool) -> Cleaned:
        X = as_data("X", X)
        n = X.shape[0]
        carried = {}
        for name, value in (("y", y), ("node", node), ("time", time)):
            if value is not None:
                value = np.asarray(value)
                check_length(name, value, n, "X")
            carried[name] = value
        if fit:
            self.needs_node_ = node is not None and bool(self._node_steps())
        rows = np.arange(n)
        reports = []
        for name, step in self.steps:
            context = (
                {"node": carried["node"], "time": carried["time"]}
                if getattr(step, "uses_node", False)
                else {}
            )
            if fit and hasattr(step, "fit"):
                step.fit(X, **context)
            rows_in = X.shape[0]
            if hasattr(step, "transform"):
                new = np.asarray(step.transform(X, **context))
                keep = getattr(step, "keep_columns_", np.ones(X.shape[1], dtype=bool))
                old = X[:, keep]
                if new.shape != old.shape:
                    raise ValueError(
                        f"step {name!r} returned shape {new.shape} from transform for X of "
                        f"shape {X.shape}; a transform keeps the rows (use a filter, with "
                        "predict, to drop rows)."
                    )
                imputed = int(np.sum(np.isnan(old) & ~np.isnan(new)))
                changed = int(np.sum(~np.isnan(old) & (new != old)))
                reports.append(StepReport(
                    name, "transform", rows_in, values_imputed=imputed, values_changed=changed,
                    columns_dropped=int(X.shape[1] - new.shape[1]),
                ))  # fmt: skip
                X = new
            else:
                flagged = _row_flags(name, step.predict(X, **context), rows_in)
                if drop_rows:
                    X, rows = X[~flagged], rows[~flagged]
                    carried = {k: None if v is None else v[~flagged] for k, v in carried.items()}
                dropped = int(flagged.sum()) if drop_rows else 0
                reports.append(StepReport(
                    name, "filter", rows_in, rows_flagged=int(flagged.sum()), rows_dropped=dropped
                ))  # fmt: skip
        return Cleaned(
            X, carried["y"], carried["node"], carried["time"], rows, CleaningReport(tuple(reports))
        )


def _row_flags(step: str, flags: Any, n_rows: int) -> np.ndarray:
    """A filter's ``predict`` output: one bool per row (True = drop), or raise."""
    flags = np.asarray(flags)
    if flags.dtype != bool:
        hint = (
            " (scikit-learn's outlier detectors return -1 for outliers and +1 for inliers: "
            "wrap the step so that predict returns pred == -1)"
            if flags.dtype.kind in "iu" and np.isin(flags, (-1, 1)).all()
            else ""
        )
        raise TypeError(
            f"step {step!r}'s predict must return a boolean per row (True = drop the row); got "
            f"{describe(flags)}{hint}."
        )
    if flags.shape != (n_rows,):
        raise ValueError(
            f"step {step!r}'s predict must return one flag per row of X ({n_rows}); got shape "
            f"{flags.shape}."
        )
    return flags
