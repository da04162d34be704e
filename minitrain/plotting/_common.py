"""Shared pieces of the plotting functions: validation of what they draw, style, log-scale choice.

Figures are ``matplotlib.figure.Figure`` objects made without pyplot, so nothing here touches a
display or a global "current figure"; saving uses matplotlib's Agg renderer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .._validate import as_float_array, check_positive, describe
from .display import Figure as DisplayedFigure

# Sizes chosen so a figure saved at 110 dpi (~830 px wide) stays readable shown 700 px wide.
STYLE = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 9.5,
    "legend.framealpha": 0.9,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "lines.linewidth": 1.8,
}
WIDTH = 7.5  # inches; two-panel figures use the same width so fonts keep their size
DECADES_FOR_LOG = 2.0  # values spanning >= 2 decades (a factor 100) get a log axis

F = TypeVar("F", bound=Callable[..., Figure])


def styled(function: F) -> F:
    """Run a plotting function inside the minitrain style (rcParams are restored after)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with matplotlib.rc_context(STYLE):
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def new_figure(ncols: int = 1, height: float = 4.6, sharey: bool = False) -> tuple[Figure, Any]:
    """A constrained-layout Figure with ``ncols`` axes (one Axes, or an array of them).

    The Figure displays itself in a notebook (see ``display``).
    """
    fig = DisplayedFigure(figsize=(WIDTH, height), layout="constrained")
    axes = fig.subplots(1, ncols, sharey=sharey)
    return fig, axes


def spans_decades(*arrays: np.ndarray, decades: float = DECADES_FOR_LOG) -> bool:
    """True when every finite value is > 0 and max / min >= 10**decades.

    arrays: one or more float arrays (NaN and inf are ignored); decades: a number > 0.
    """
    if not arrays:
        raise TypeError("spans_decades(*arrays) needs at least one array in arrays.")
    decades = check_positive("decades", decades)
    arrays = tuple(
        as_float_array(f"arrays[{i}]", a, allow_nan=True) for i, a in enumerate(arrays)
    )
    values = np.concatenate([np.ravel(a) for a in arrays])
    values = values[np.isfinite(values)]
    if values.size == 0 or values.min() <= 0:
        return False
    return bool(np.log10(values.max() / values.min()) >= decades)


def choose_log(name: str, log: bool | None, *arrays: np.ndarray) -> bool:
    """Resolve ``log`` (None = automatic); an explicit log scale needs positive values."""
    if log is None:
        return spans_decades(*arrays)
    if not isinstance(log, bool | np.bool_):
        raise TypeError(f"log must be True, False or None (automatic); got {describe(log)}.")
    log = bool(log)
    if log:
        values = np.concatenate([np.ravel(a) for a in arrays])
        values = values[np.isfinite(values)]
        if values.size and values.min() <= 0:
            raise ValueError(
                f"{name} has values <= 0 (minimum {float(values.min()):g}), which a log scale "
                "cannot show; pass log=False, or clip them, e.g. np.maximum(values, 1e-16)."
            )
    return log


def check_text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string; got {describe(value)}.")
    return value


def check_named(name: str, mapping: Any) -> Mapping[str, Any]:
    """A non-empty mapping with string keys (the legend labels)."""
    if not isinstance(mapping, Mapping):
        raise TypeError(
            f"{name} must be a dict mapping a label to its data, e.g. {{'Adam': losses}}; "
            f"got {describe(mapping)}."
        )
    if not mapping:
        raise ValueError(f"{name} is empty; pass at least one labelled series.")
    for key in mapping:
        if not isinstance(key, str):
            raise TypeError(f"{name} keys must be strings (legend labels); got {describe(key)}.")
    return mapping


def check_curves(name: str, curves: Any, *, allow_nan: bool = False) -> dict[str, np.ndarray]:
    """label -> 1-D float array (a curve over steps, epochs or rounds)."""
    return {
        label: as_float_array(f"{name}[{label!r}]", values, ndim=1, allow_nan=allow_nan)
        for label, values in check_named(name, curves).items()
    }


def check_xy(name: str, pairs: Any) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """label -> (x, y), two 1-D float arrays of equal length (scalars count as length 1)."""
    checked = {}
    for label, pair in check_named(name, pairs).items():
        if not (isinstance(pair, tuple | list) and len(pair) == 2):
            raise TypeError(f"{name}[{label!r}] must be a pair (x, y); got {describe(pair)}.")
        x = np.atleast_1d(as_float_array(f"{name}[{label!r}][0]", pair[0], ndim=(0, 1)))
        y = np.atleast_1d(as_float_array(f"{name}[{label!r}][1]", pair[1], ndim=(0, 1)))
        if x.shape != y.shape:
            raise ValueError(
                f"{name}[{label!r}] has {x.size} x values but {y.size} y values; they must match."
            )
        checked[label] = (x, y)
    return checked


def check_fraction(name: str, values: np.ndarray) -> np.ndarray:
    """Accuracies and sparsities are fractions in [0, 1] (shown as percentages)."""
    if values.min() < 0 or values.max() > 1:
        raise ValueError(
            f"{name} must be fractions in [0, 1] (e.g. 0.93 for 93%); got values from "
            f"{float(values.min()):g} to {float(values.max()):g}."
        )
    return values


def check_mask(name: str, mask: Any, size: int) -> np.ndarray:
    """A 1-D boolean array of ``size`` entries."""
    if not isinstance(mask, np.ndarray) or mask.dtype != bool:
        raise TypeError(
            f"{name} must be a boolean ndarray (True = flagged); got {describe(mask)}. "
            "Build it with a comparison, e.g. scores > threshold."
        )
    if mask.shape != (size,):
        raise ValueError(f"{name} must have shape ({size},) like scores; got {mask.shape}.")
    return mask


def check_optional_positive(name: str, value: Any) -> float | None:
    return None if value is None else check_positive(name, value)


def first_reaching(x: np.ndarray, y: np.ndarray, target: float) -> float | None:
    """The first x at which y >= target, or None when it never does."""
    reached = np.flatnonzero(y >= target)
    return float(x[reached[0]]) if reached.size else None


def finish(
    ax: Axes, *, title: str, xlabel: str, ylabel: str, log_x: bool = False, log_y: bool = False,
    legend_loc: str = "best", legend_title: str | None = None,
) -> None:  # fmt: skip
    """Title, axis labels and legend: every minitrain figure has all three.

    ``log_x``/``log_y``: that axis is logarithmic (made so here unless it already is, which
    keeps its tick locator) and its label ends in ", log scale". ``legend_loc="below"`` puts
    the legend under the axes, in columns, clear of the data.
    """
    if log_x and ax.get_xscale() != "log":
        ax.set_xscale("log")
    if log_y and ax.get_yscale() != "log":
        ax.set_yscale("log")
    ax.set_title(check_text("title", title))
    ax.set_xlabel(check_text("xlabel", xlabel) + (", log scale" if log_x else ""))
    ax.set_ylabel(check_text("ylabel", ylabel) + (", log scale" if log_y else ""))
    if legend_loc == "below":
        labels = ax.get_legend_handles_labels()[1]
        longest = max(map(len, labels))  # columns that fit the figure's width
        columns = 3 if len(labels) > 6 and longest <= 26 else (2 if longest <= 42 else 1)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=columns, title=legend_title)
    else:
        ax.legend(loc=legend_loc, title=legend_title)
