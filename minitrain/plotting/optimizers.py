"""Figures of optimizers on two-parameter functions: trajectories over contours, and the final
loss against the learning rate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from .._validate import as_float_array, check_int, describe
from ._common import check_curves, check_named, choose_log, finish, new_figure, styled


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
    ax.set_xscale("log")  # always: its default label says so
    finish(ax, title=title, xlabel=xlabel, ylabel=ylabel, log_y=use_log, legend_loc="below")
    return fig
