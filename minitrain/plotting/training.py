"""Figures of training itself: loss curves, convergence against a bound, optimizer trajectories,
learning-rate sensitivity, loss shapes and gradient-check errors.

Each function takes data (histories, arrays) and returns a ``matplotlib.figure.Figure``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from .._validate import as_float_array, check_int, check_positive, describe
from ._common import (
    check_curves,
    check_named,
    choose_log,
    finish,
    new_figure,
    styled,
)

LOSS_LABEL = "loss (mean over samples)"
LINE_STYLES = ("-", "--", ":", "-.")


def _history_series(label: str, history: Any, field: str) -> list[float]:
    value = (
        history.get(field, []) if isinstance(history, Mapping) else getattr(history, field, None)
    )
    if value is None:
        raise TypeError(
            f"histories[{label!r}] must be a History (from mt.fit) or a dict with a 'loss' "
            f"list; got {describe(history)}."
        )
    return list(value)


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
        loss = as_float_array(
            f"histories[{label!r}].loss", _history_series(label, history, "loss"), ndim=1
        )
        val = _history_series(label, history, "val_loss")
        val = as_float_array(f"histories[{label!r}].val_loss", val, ndim=1) if val else None
        series[label] = (loss, val)
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
    if use_log:
        ax.set_yscale("log")
    finish(ax, title=title, xlabel=xlabel, ylabel=ylabel + (", log scale" if use_log else ""))
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
    if use_log:
        ax.set_yscale("log")
    finish(ax, title=title, xlabel=xlabel, ylabel=ylabel + (", log scale" if use_log else ""))
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


def _check_limits(name: str, limits: Any) -> tuple[float, float]:
    if not (isinstance(limits, tuple | list) and len(limits) == 2):
        raise TypeError(f"{name} must be a pair (low, high); got {describe(limits)}.")
    low, high = (float(v) for v in as_float_array(name, list(limits), ndim=1))
    if not low < high:
        raise ValueError(f"{name} must have low < high; got {tuple(limits)}.")
    return low, high


def _check_point(name: str, point: Any) -> tuple[float, float]:
    values = as_float_array(name, list(point) if isinstance(point, tuple) else point, ndim=1)
    if values.shape != (2,):
        raise ValueError(f"{name} must be a point (x1, x2); got shape {values.shape}.")
    return float(values[0]), float(values[1])


@styled
def trajectories_on_contours(
    f: Callable[[np.ndarray, np.ndarray], np.ndarray],
    trajectories: Mapping[str, np.ndarray],
    *,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    minimum: tuple[float, float] | None = None,
    levels: int = 14,
    resolution: int = 240,
    title: str = "Optimizer trajectories",
    xlabel: str = r"parameter $x_1$ (arbitrary units)",
    ylabel: str = r"parameter $x_2$ (arbitrary units)",
) -> Figure:
    """Paths of optimizers (label -> (T, 2) array of iterates) over the contours of f(x1, x2).

    ``f`` is vectorised: it takes two grid arrays of equal shape and returns f on the grid.
    Contour levels are spaced geometrically above the lowest value (valleys of ill-conditioned
    and Rosenbrock-like functions are otherwise invisible). ``minimum`` is marked with a star.
    """
    if not callable(f):
        raise TypeError(f"f must be a function f(x1, x2) -> values; got {describe(f)}.")
    paths = {}
    for label, path in check_named("trajectories", trajectories).items():
        path = as_float_array(f"trajectories[{label!r}]", path, ndim=2)
        if path.shape[1] != 2:
            raise ValueError(
                f"trajectories[{label!r}] must have shape (T, 2), one row per iterate; "
                f"got {path.shape}."
            )
        paths[label] = path
    x_range, y_range = _check_limits("xlim", xlim), _check_limits("ylim", ylim)
    levels = check_int("levels", levels, minimum=2)
    resolution = check_int("resolution", resolution, minimum=10)
    gx, gy = np.meshgrid(np.linspace(*x_range, resolution), np.linspace(*y_range, resolution))
    values = as_float_array("f(x1, x2)", np.asarray(f(gx, gy), dtype=float), ndim=2)
    if values.shape != gx.shape:
        raise ValueError(
            f"f must return an array shaped like its inputs {gx.shape}; got {values.shape}."
        )
    lowest = values.min()
    span = max(values.max() - lowest, np.finfo(float).tiny)
    contour_levels = lowest + span * np.geomspace(1e-3, 1.0, levels)
    same_length = len({len(path) for path in paths.values()}) == 1
    fig, ax = new_figure(height=5.6)
    ax.contour(gx, gy, values, levels=contour_levels, cmap="Greys_r", linewidths=0.8, alpha=0.7)
    ax.grid(False)
    for label, path in paths.items():
        (line,) = ax.plot(
            path[:, 0],
            path[:, 1],
            "-",
            marker="." if len(path) <= 150 else None,  # each iterate, while they stay apart
            markersize=4,
            lw=1.5,
            alpha=0.9,
            label=label if same_length else f"{label} ({len(path) - 1} steps)",
        )
        ax.plot(*path[-1], "o", color=line.get_color(), markersize=6, markeredgecolor="k", zorder=4)
    starts = np.unique(np.array([p[0] for p in paths.values()]), axis=0)
    ax.plot(starts[:, 0], starts[:, 1], "s", color="k", markersize=7, label="start")
    if minimum is not None:
        mx, my = _check_point("minimum", minimum)
        ax.plot(  # under the paths, so end points that reach it stay visible on top
            mx,
            my,
            "*",
            color="gold",
            markersize=20,
            markeredgecolor="k",
            label="minimum",
            zorder=1.5,
        )
    ax.set_xlim(*x_range)
    ax.set_ylim(*y_range)
    steps = f"{len(next(iter(paths.values()))) - 1} steps each" if same_length else None
    finish(ax, title=title, xlabel=xlabel, ylabel=ylabel, legend_loc="below", legend_title=steps)
    return fig


@styled
def lr_sensitivity(
    learning_rates: Sequence[float] | np.ndarray,
    final_values: Mapping[str, Sequence[float] | np.ndarray],
    *,
    log: bool | None = None,
    title: str = "Learning-rate sensitivity",
    xlabel: str = "learning rate (log scale)",
    ylabel: str = "final loss (loss units)",
) -> Figure:
    """Final loss of each optimizer against the learning rate (log x axis).

    final_values: label -> one value per learning rate; NaN or inf marks a run that diverged,
    drawn as an x above the finite values (one row of x per optimizer).
    """
    lrs = as_float_array("learning_rates", learning_rates, ndim=1)
    if lrs.min() <= 0:
        raise ValueError(f"learning_rates must be > 0; got minimum {lrs.min()!r}.")
    finals = check_curves("final_values", final_values, allow_nan=True)
    for label, values in finals.items():
        if values.shape != lrs.shape:
            raise ValueError(
                f"final_values[{label!r}] has {values.size} values but there are "
                f"{lrs.size} learning rates."
            )
    use_log = choose_log("final_values", log, *finals.values())
    fig, ax = new_figure()
    finite_all = np.concatenate([v[np.isfinite(v)] for v in finals.values()])
    if finite_all.size == 0:
        raise ValueError("final_values holds no finite value: every run diverged.")
    # Diverged runs: a row of x above the finite values, one row per run so none hides another.
    top, spread = finite_all.max(), np.ptp(finite_all) or abs(finite_all.max()) or 1.0
    diverged_rows = 0
    for label, values in finals.items():
        finite = np.isfinite(values)
        (line,) = ax.plot(lrs[finite], values[finite], "-o", markersize=4, label=label)
        if (~finite).any():
            diverged_rows += 1
            height = top * 2.5**diverged_rows if use_log else top + 0.08 * spread * diverged_rows
            ax.plot(
                lrs[~finite],
                np.full((~finite).sum(), height),
                "x",
                color=line.get_color(),
                markersize=8,
                markeredgewidth=2,
                label=f"{label}: diverged",
            )
    ax.set_xscale("log")
    if use_log:
        ax.set_yscale("log")
    finish(
        ax,
        title=title,
        xlabel=xlabel,
        ylabel=ylabel + (", log scale" if use_log else ""),
        legend_loc="below",
    )
    return fig


@styled
def losses_and_gradients(
    x: Sequence[float] | np.ndarray,
    values: Mapping[str, Sequence[float] | np.ndarray],
    gradients: Mapping[str, Sequence[float] | np.ndarray],
    *,
    title: str = "Losses and their gradients",
    xlabel: str = "residual r = prediction − target (units of y)",
    value_label: str = "loss l(r) (units of y²)",
    gradient_label: str = "gradient dl/dr (units of y)",
) -> Figure:
    """Two panels: each loss as a function of x (left) and its derivative (right)."""
    grid = as_float_array("x", x, ndim=1)
    checked = {
        "values": check_curves("values", values),
        "gradients": check_curves("gradients", gradients),
    }
    for kind, curves in checked.items():
        for label, curve in curves.items():
            if curve.shape != grid.shape:
                raise ValueError(
                    f"{kind}[{label!r}] has {curve.size} values but x has {grid.size}."
                )
    fig, (left, right) = new_figure(ncols=2, height=4.0)
    for ax, kind, ylabel, name in (
        (left, "values", value_label, "the loss"),
        (right, "gradients", gradient_label, "its derivative"),
    ):
        for i, (label, curve) in enumerate(checked[kind].items()):
            # Solid, dashed, dotted...: curves that coincide (e.g. two forms of one loss)
            # both stay visible.
            ax.plot(grid, curve, ls=LINE_STYLES[i % len(LINE_STYLES)], label=label)
        finish(ax, title=name, xlabel=xlabel, ylabel=ylabel)
    fig.suptitle(title)
    return fig


ERROR_FLOOR = 1e-17  # below float64 resolution; exact agreement (0) is drawn here


@styled
def gradient_errors(
    errors: Mapping[str, Sequence[float] | np.ndarray],
    *,
    tolerance: float | None = None,
    title: str = "Gradient check: analytic vs finite differences",
    ylabel: str = "relative error (dimensionless, log scale)",
    xlabel: str = "gradient checked (parameter key or case)",
) -> Figure:
    """Relative errors of analytic gradients against finite differences, one column per label.

    errors: label -> relative errors (>= 0), e.g. one per parameter key or per random example.
    Points above ``tolerance`` are drawn red, below it green. Exact agreement (0) is drawn at
    1e-17, under float64's resolution, so it stays visible on the log axis.
    """
    checked = check_curves("errors", errors)
    for label, values in checked.items():
        if values.min() < 0:
            raise ValueError(f"errors[{label!r}] must be >= 0; got {values.min()!r}.")
    tol = None if tolerance is None else check_positive("tolerance", tolerance)
    fig, ax = new_figure()
    shown = set()
    for column, values in enumerate(checked.values()):
        offsets = np.linspace(-0.25, 0.25, values.size) if values.size > 1 else np.zeros(1)
        drawn = np.maximum(values, ERROR_FLOOR)
        bad = values > tol if tol is not None else np.zeros(values.size, dtype=bool)
        for mask, colour, name in (
            (~bad, "tab:green", "within tolerance"),
            (bad, "tab:red", "above tolerance"),
        ):
            if mask.any():
                ax.plot(
                    column + offsets[mask],
                    drawn[mask],
                    "o",
                    color=colour,
                    alpha=0.75,
                    markersize=6,
                    label=None if name in shown else name,
                )
                shown.add(name)
    if any((values == 0).any() for values in checked.values()):
        ax.axhline(ERROR_FLOOR, color="0.5", ls=":", lw=1, label="exact (0), drawn at 1e-17")
    if tol is not None:
        ax.axhline(tol, color="k", ls="--", lw=1.2, label=f"tolerance {tol:.0e}")
    ax.set_yscale("log")
    ax.set_xticks(range(len(checked)), list(checked), rotation=20 if len(checked) > 4 else 0)
    ax.set_xlim(-0.6, len(checked) - 0.4)
    finish(ax, title=title, xlabel=xlabel, ylabel=ylabel)
    return fig
