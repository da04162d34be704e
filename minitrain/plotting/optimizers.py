"""Figures of optimizers on two-parameter functions: trajectories over contours, and the final
loss against the learning rate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.transforms import blended_transform_factory

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
    if not isinstance(point, tuple | list | np.ndarray):
        raise TypeError(f"{name} must be a point (x1, x2); got {describe(point)}.")
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
    star = None if minimum is None else _check_point("minimum", minimum)
    levels = check_int("levels", levels, minimum=2, maximum=200)
    resolution = check_int("resolution", resolution, minimum=10, maximum=2000)  # 4e6 points
    gx, gy = np.meshgrid(np.linspace(*x_range, resolution), np.linspace(*y_range, resolution))
    values = as_float_array("f(x1, x2)", f(gx, gy), ndim=2)
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
    for i, (label, path) in enumerate(paths.items()):
        (line,) = ax.plot(
            path[:, 0],
            path[:, 1],
            "-",
            marker="." if len(path) <= 150 else None,  # each iterate, while they stay apart
            markersize=4,
            # Long paths (no markers) are drawn each narrower than the one before: where they
            # share a valley floor, the earlier ones still show as a border around the later.
            lw=1.5 if len(path) <= 150 else 1.2 + 0.75 * (len(paths) - 1 - i),
            alpha=0.9,
            label=label if same_length else f"{label} ({len(path) - 1} steps)",
        )
        ax.plot(*path[-1], "o", color=line.get_color(), markersize=6, markeredgecolor="k", zorder=4)
    starts = np.unique(np.array([p[0] for p in paths.values()]), axis=0)
    ax.plot(starts[:, 0], starts[:, 1], "s", color="k", markersize=7, label="start")
    if star is not None:
        mx, my = star
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
    drawn as an x in a shaded band along the top of the axes labelled "diverged" (one row
    per optimizer), above every finite value: a diverged run has no height to read.
    """
    lrs = as_float_array("learning_rates", learning_rates, ndim=1)
    if lrs.min() <= 0:
        raise ValueError(f"learning_rates must be > 0; got minimum {float(lrs.min()):g}.")
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
    rows = [label for label, values in finals.items() if not np.isfinite(values).all()]
    band = 0.05 * len(rows) + 0.04  # the band's height, as a fraction of the axes
    in_band = blended_transform_factory(ax.transData, ax.transAxes)  # x: data, y: axes
    for label, values in finals.items():
        finite = np.isfinite(values)
        (line,) = ax.plot(lrs[finite], values[finite], "-o", markersize=4, label=label)
        if (~finite).any():
            height = 1 - band + 0.02 + 0.05 * (len(rows) - 1 - rows.index(label) + 0.5)
            ax.plot(lrs[~finite], np.full((~finite).sum(), height), "x", transform=in_band,
                    color=line.get_color(), markersize=8, markeredgewidth=2, clip_on=False,
                    label=f"{label}: diverged")  # fmt: skip
    if use_log:
        ax.set_yscale("log")
    if rows:  # room for the band above the data, shaded and labelled
        low, high = ax.get_ylim()
        top = high * (high / low) ** (band / (1 - band)) if use_log else (
            high + (high - low) * band / (1 - band))  # fmt: skip
        ax.set_yticks([t for t in ax.get_yticks() if low <= t <= high])  # none in the band
        ax.set_ylim(low, top)
        shade = Rectangle((0, 1 - band), 1, band, transform=ax.transAxes, color="0.92", zorder=0)
        ax.add_patch(shade)
        ax.text(0.005, 1 - band / 2, "diverged", transform=ax.transAxes, fontsize=9,
                va="center", ha="left", color="0.3")  # fmt: skip
    ax.set_xscale("log")  # always: its default label says so
    finish(ax, title=title, xlabel=xlabel, ylabel=ylabel, log_y=use_log, legend_loc="below")
    return fig
