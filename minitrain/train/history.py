"""What a training run did: the schema every history shares, and ``fit``'s ``History``.

``RunHistory`` holds what any training scheme records, one entry per unit of training (an epoch
of ``fit``, a round of a distributed run): the loss and the loss's metric on the training data,
the same on validation data, the final parameters and optimizer state, and why it stopped. A
history of another scheme subclasses it and adds its own lists.
"""

from __future__ import annotations

import math
from copy import deepcopy
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from .._types import Params
from .._validate import check_in_range


@dataclass(repr=False)
class RunHistory:
    """Per unit of training (index = epoch or round): ``loss`` and ``metric`` on the training
    data, ``val_loss`` and ``val_metric`` on the validation data. ``metric_name`` and
    ``higher_is_better`` are the loss's (``loss.metric``, ``loss.higher_is_better``).
    ``params`` and ``opt_state`` are those at the end; ``stopped_reason`` says why it ended
    early ("" when it ran to the end)."""

    params: Params = field(default_factory=dict)
    opt_state: dict[str, Any] = field(default_factory=dict)
    metric_name: str = ""
    higher_is_better: bool = False
    loss: list[float] = field(default_factory=list)
    metric: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_metric: list[float] = field(default_factory=list)
    stopped_reason: str = ""

    # Fields holding arrays or live objects, left out of ``as_dict``.
    NOT_PLAIN: ClassVar[tuple[str, ...]] = ("params", "opt_state")

    def first_reaching(self, value: float) -> int | None:
        """The first index whose ``val_metric`` reaches ``value`` (>= when higher is better,
        <= otherwise), or None."""
        check_in_range("value", value, -math.inf, math.inf)
        for i, metric in enumerate(self.val_metric):
            if (metric >= value) if self.higher_is_better else (metric <= value):
                return i
        return None

    def as_dict(self) -> dict[str, Any]:
        """Everything but the arrays, as plain Python values (JSON-serialisable)."""
        return {
            f.name: deepcopy(getattr(self, f.name))
            for f in fields(self)
            if f.name not in self.NOT_PLAIN
        }

    def _repr_counts(self) -> list[str]:
        return []  # how many epochs or rounds ran (each history says which)

    def _repr_extras(self) -> list[str]:
        return []

    def __repr__(self) -> str:
        """One line: how far it ran, the last values, why it stopped, the size of ``params``.
        The arrays and per-step lists stay one attribute away (``as_dict()``)."""
        metric = self.metric_name or "metric"
        series = [("loss", self.loss), (metric, self.metric)]
        series += [("val_loss", self.val_loss), (f"val_{metric}", self.val_metric)]
        parts = self._repr_counts()
        parts += [f"{name}={values[-1]:.4g}" for name, values in series if values]
        parts += self._repr_extras()
        if self.stopped_reason:
            parts.append(f"stopped_reason={self.stopped_reason!r}")
        values = sum(int(array.size) for array in self.params.values())
        parts.append(f"params=<{len(self.params)} arrays, {values} values>")
        return f"{type(self).__name__}({', '.join(parts)})"


@dataclass(repr=False)  # RunHistory's one-line repr
class History(RunHistory):
    """What ``fit`` did. ``params`` are the trained (or last finite) parameters.

    Per epoch: ``loss`` (the sample-weighted mean of the epoch's minibatch losses, each taken
    before its update), ``metric`` (accuracy or RMSE, likewise), ``val_loss``/``val_metric``
    (on the validation set after the epoch), ``wall_time`` (seconds since the start).
    Per step: ``step_loss``, ``grad_norm`` (global L2 norm of the gradient), ``lr``.
    """

    wall_time: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    epochs_run: int = 0
    diverged_at_step: int | None = None

    def _repr_counts(self) -> list[str]:
        return [f"epochs_run={self.epochs_run}"]

    def _repr_extras(self) -> list[str]:
        at = self.diverged_at_step
        return [] if at is None else [f"diverged_at_step={at}"]
