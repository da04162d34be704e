"""Figures of training runs: loss curves, and convergence against a bound.

Each function takes data (histories, arrays) and returns a ``matplotlib.figure.Figure``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from .._validate import as_float_array, describe
from ._common import (
    check_curves,
    check_named,
    check_text,
    choose_log,
    finish,
    new_figure,
    styled,
)

LOSS_LABEL = "loss (mean over samples)"


def _history_series(label: str, history: Any, field: str) -> np.ndarray | None:
    """``history.loss`` or ``history.val_loss`` (a History or its ``as_dict()``) as an array;
    None for a ``val_loss`` that is absent or empty (a run without validation data)."""
    value = (
        history.get(field) if isinstance(history, Mapping) else getattr(history, field, None)
    )
    if field == "val_loss" and (value is None or (isinstance(value, list | tuple) and not value)):
        return None
    if value is None:
        raise TypeError(
            f"histories[{label!r}] must be a History (from mt.fit) or a dict with a 'loss' "
            f"list; got {describe(history)}."
        )
    return as_float_array(f"histories[{label!r}].{field}", value, ndim=1)


@styled
def loss_curves(
    histories: Mapping[str, Any],
    *,
    log: bool | None = None,
    title: str = "Training and validation loss",
    xlabel: str = "epoch (passes over the training set)",
    ylabel: str = LOSS_LABEL,
) -> Figure:
    """Per-epoch training loss (solid) and validation loss (dashed, same colour) of each run.

    histories: label -> ``History`` (from ``mt.fit``) or a dict with ``"loss"`` and optionally
    ``"val_loss"`` lists (``History.as_dict()``). ``log=None`` uses a log y axis when the
    losses span two decades or more.
    """
    series = {}
    for label, history in check_named("histories", histories).items():
        loss = _history_series(label, history, "loss")
        series[label] = (loss, _history_series(label, history, "val_loss"))
    arrays = [a for pair in series.values() for a in pair if a is not None]
    use_log = choose_log("the losses", log, *arrays)
    fig, ax = new_figure()
    for label, (loss, val) in series.items():
        epochs = np.arange(1, loss.size + 1)
        (line,) = ax.plot(epochs, loss, label=f"{label}: training")
        if val is not None:
            ax.plot(
                np.arange(1, val.size + 1),
                val,
                "--",
                color=line.get_color(),
                label=f"{label}: validation",
            )
    finish(ax, title=title, xlabel=xlabel, ylabel=ylabel, log_y=use_log)
    return fig


def _bound_for(label: str, bound: Any) -> np.ndarray | None:
    if bound is None:
        return None
    values = bound.get(label) if isinstance(bound, Mapping) else bound
    if values is None:
        return None
    return as_float_array(
        f"bound[{label!r}]" if isinstance(bound, Mapping) else "bound", values, ndim=1
    )


@styled
def convergence(
    curves: Mapping[str, Sequence[float] | np.ndarray],
    *,
    bound: Sequence[float] | np.ndarray | Mapping[str, Any] | None = None,
    bound_label: str = "theoretical bound",
    log: bool | None = None,
    title: str = "Convergence",
    xlabel: str = "step k (parameter updates)",
    ylabel: str = r"$f(x_k) - f^*$ (loss units)",
) -> Figure:
    """Curves of a quantity that should go to zero (f(x_k) - f*, ||x_k - x*||) against steps.

    curves: label -> values at steps 0, 1, 2, ... . ``bound`` (optional): one array drawn as a
    black dashed line, or a dict keyed like ``curves`` whose arrays are drawn dashed in each
    curve's colour (see ``gd_vs_bound``). ``log=None`` picks a log y axis when the values span
    two decades; a linear rate then shows as a straight line.
    """
    checked = check_curves("curves", curves)
    bound_label = check_text("bound_label", bound_label)
    if bound is not None and isinstance(bound, Mapping):
        unknown = [k for k in bound if k not in checked]
        if unknown:
            raise ValueError(
                f"bound has keys {unknown} that are not curves; use the labels {list(checked)}."
            )
    bounds = {label: _bound_for(label, bound) for label in checked}
    shared = None if isinstance(bound, Mapping) or bound is None else bounds[next(iter(checked))]
    arrays = [*checked.values(), *(b for b in bounds.values() if b is not None)]
    use_log = choose_log("the curves", log, *arrays)
    fig, ax = new_figure()
    for label, values in checked.items():
        (line,) = ax.plot(np.arange(values.size), values, label=label)
        own = bounds[label]
        if own is not None and shared is None:
            ax.plot(
                np.arange(own.size),
                own,
                "--",
                color=line.get_color(),
                lw=3.2,  # wide and pale, under the curve: a tight bound stays visible
                alpha=0.45,
                zorder=line.get_zorder() - 0.5,
                label=f"{label}: {bound_label}",
            )
    if shared is not None:
        ax.plot(np.arange(shared.size), shared, "k--", label=bound_label)
    finish(ax, title=title, xlabel=xlabel, ylabel=ylabel, log_y=use_log)
    return fig


def gd_vs_bound(
    observed: Mapping[str, Sequence[float] | np.ndarray],
    bounds: Mapping[str, Sequence[float] | np.ndarray],
    *,
    title: str = "Gradient descent against its rate bound",
    xlabel: str = "step k (parameter updates)",
    ylabel: str = r"error $\|w_k - w^*\|$ (parameter units)",
    log: bool | None = None,
) -> Figure:
    """Observed GD error (solid) beside its guaranteed bound rho^k e_0 (dashed), per step size.

    observed, bounds: label (e.g. "lr = 1/L") -> values at steps 0, 1, ...; the keys must match.
    A correct bound lies above its curve at every step.
    """
    checked = check_named("observed", observed)
    if not isinstance(bounds, Mapping) or set(bounds) != set(checked):
        keys = list(bounds) if isinstance(bounds, Mapping) else describe(bounds)
        raise ValueError(
            f"bounds must be a dict with the keys of observed {list(checked)}; got {keys}."
        )
    return convergence(
        checked,
        bound=bounds,
        bound_label="bound",
        log=log,
        title=title,
        xlabel=xlabel,
        ylabel=ylabel,
    )
