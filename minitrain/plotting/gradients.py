"""Figures of losses and their gradients: loss shapes, and gradient-check errors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from .._validate import as_float_array, check_positive
from ._common import check_curves, finish, new_figure, styled

LINE_STYLES = ("-", "--", ":", "-.")


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
            raise ValueError(f"errors[{label!r}] must be >= 0; got {float(values.min()):g}.")
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
