"""Figures that compare runs: bars per variant, curves against a resource (with the formula that
predicts them), and the timeline of a schedule.

    fig = grouped_bars({"linear": {"raw": 10.2, "cleaned": 3.6}}, xlabel="test RMSE (W)")
    fig = resource_curves({"FedAvg": (seconds, rmse)}, xlabel="simulated time (s)")
    fig = schedule_timeline({"stage 0": [(0.0, 1.0, "forward", "0")]}, xlabel="time (ms)")

Each returns a ``matplotlib.figure.Figure`` with a title, labelled axes and a legend, and picks
a log scale (``log=None``) when the values span two decades or more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import EngFormatter, FuncFormatter

from .._validate import as_float_array, check_flag, check_int, describe
from ._common import (
    check_named,
    check_text,
    check_xy,
    choose_log,
    finish,
    new_figure,
    styled,
)

__all__ = ["grouped_bars", "legend_below", "resource_curves", "schedule_timeline"]

BAR_HEIGHT = 0.8  # of one row; the series of a row share it


def _check_groups(values: Any) -> dict[str, dict[str, float]]:
    """series -> {row label -> value}: every series names the same rows, in the same order."""
    checked: dict[str, dict[str, float]] = {}
    for series, rows in check_named("values", values).items():
        inner = check_named(f"values[{series!r}]", rows)
        numbers = as_float_array(f"values[{series!r}]", list(inner.values()), ndim=1)
        checked[series] = dict(zip(inner, (float(v) for v in numbers)))
    first = list(next(iter(checked.values())))
    for series, rows in checked.items():
        if list(rows) != first:
            raise ValueError(
                f"values[{series!r}] has rows {list(rows)} but the first series has {first}; "
                "every series must name the same rows in the same order."
            )
    return checked


@styled
def grouped_bars(
    values: Mapping[str, Mapping[str, float]],
    *,
    log: bool | None = None,
    title: str = "Comparison of variants",
    xlabel: str = "value (units)",
    ylabel: str = "variant",
    value_format: str = "{:.3g}",
    reference: tuple[float, str] | None = None,
) -> Figure:
    """Horizontal bars: one row per variant, one bar per series in it, the value written beside.

    values: series (e.g. a model) -> {variant (e.g. a cleaning step) -> value}, every series
    with the same variants in the same order; the first variant is drawn at the top. Values
    spanning two decades get a log x axis (then they must be > 0). ``reference`` = (value,
    label) draws a dashed vertical line, e.g. a noise floor no variant can beat.
    """
    checked = _check_groups(values)
    value_format = check_text("value_format", value_format)
    try:
        value_format.format(1.5)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        raise ValueError(
            f"value_format {value_format!r} cannot format a number ({error}); use e.g. "
            "'{:.3g}'."
        ) from None
    if reference is not None:
        if not (isinstance(reference, tuple) and len(reference) == 2):
            raise TypeError(f"reference must be a pair (value, label); got {describe(reference)}.")
        line_at = float(as_float_array("reference value", reference[0], ndim=0))
        line_label = check_text("reference label", reference[1])
    rows = list(next(iter(checked.values())))
    numbers = np.array([list(series.values()) for series in checked.values()])
    use_log = choose_log("values", log, numbers)
    if not use_log and numbers.min() < 0:
        raise ValueError(f"values must be >= 0 (bar lengths); got {float(numbers.min()):g}.")
    n_series = len(checked)
    height = BAR_HEIGHT / n_series
    fig, ax = new_figure(height=max(3.0, 1.8 + 0.32 * len(rows) * n_series))
    centres = np.arange(len(rows))[::-1].astype(float)
    for i, (series, row_values) in enumerate(checked.items()):
        offset = (n_series - 1) / 2 * height - i * height
        bars = ax.barh(centres + offset, list(row_values.values()), height=height * 0.92,
                       label=series)  # fmt: skip
        ax.bar_label(bars, labels=[value_format.format(v) for v in row_values.values()],
                     padding=3, fontsize=9)  # fmt: skip
    ax.set_yticks(centres, rows)
    if reference is not None:
        ax.axvline(line_at, color="k", ls="--", lw=1.2, label=line_label)
    if use_log:
        ax.set_xscale("log")
        ax.set_xlim(numbers.min() / 1.5, numbers.max() * 4)  # room for the value labels
    else:
        ax.set_xlim(0, numbers.max() * 1.18)
    ax.grid(axis="y", visible=False)
    finish(ax, title=title, xlabel=xlabel, ylabel=ylabel, log_x=use_log)
    # Title and legend centred on the figure: long row labels shift the axes to the right.
    handles, labels = ax.get_legend_handles_labels()
    ax.get_legend().remove()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 2))
    ax.set_title("")
    fig.suptitle(title)
    return fig


@styled
def resource_curves(
    curves: Mapping[str, tuple[Any, Any]],
    *,
    formula: Mapping[str, tuple[Any, Any]] | None = None,
    log_x: bool | None = None,
    log_y: bool | None = None,
    markers: bool = True,
    x_unit: str | None = None,
    title: str = "A metric against a resource",
    xlabel: str = "resource (units)",
    ylabel: str = "metric (units)",
) -> Figure:
    """Measured curves (label -> (x, y)), with optional predictions drawn with them.

    For error against simulated time or bytes sent, or a measured quantity against the formula
    that predicts it (``formula``: label -> (x, y)). A formula whose label is also in
    ``curves`` is drawn as a thin dashed line in its colour with the measured values as points on it
    (so a perfect match hides neither); other formulas are wide pale dashed lines. Axes
    spanning two decades get a log scale.
    ``x_unit`` (e.g. "B") writes the x ticks with SI prefixes in that unit (10 kB, 2 MB).
    """
    measured = check_xy("curves", curves)
    predicted = {} if formula is None else check_xy("formula", formula)
    markers = check_flag("markers", markers)
    x_unit = None if x_unit is None else check_text("x_unit", x_unit)
    everything = [*measured.values(), *predicted.values()]
    use_log_x = choose_log("the x values", log_x, *(x for x, _ in everything))
    use_log_y = choose_log("the y values", log_y, *(y for _, y in everything))
    fig, ax = new_figure()
    colours: dict[str, str] = {}
    for label, (x, y) in measured.items():
        size = 8 if x.size == 1 else 4  # a lone point must stand out
        # A curve with its own formula: points on the formula's line, so neither hides the other
        style = "o" if label in predicted else ("-o" if markers else "-")
        size = 6 if label in predicted else size
        (line,) = ax.plot(x, y, style, markersize=size, zorder=3, label=label)
        colours[label] = line.get_color()
    for i, (label, (x, y)) in enumerate(predicted.items()):
        colour = colours.get(label, f"C{(len(measured) + i) % 10}")
        if label in measured:  # a thin line under the measured points
            ax.plot(x, y, "--", color=colour, lw=1.3, zorder=2, label=f"{label}: formula")
        else:
            ax.plot(x, y, "--", color=colour, lw=3.2, alpha=0.45, zorder=1, label=label)
    plain = FuncFormatter(lambda value, _: f"{value:g}")  # 40, not 4 x 10^1, on log axes
    if use_log_x:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(plain)
    if use_log_y:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(plain)
    if x_unit is not None:
        ax.xaxis.set_major_formatter(EngFormatter(unit=x_unit))
    finish(ax, title=title, xlabel=xlabel, ylabel=ylabel, log_x=use_log_x, log_y=use_log_y)
    return fig


def legend_below(fig: Figure, *, columns: int = 1) -> Figure:
    """Move the legend of every axes of ``fig`` under it, clear of the data; returns ``fig``.

    For curves that fill the corner a legend was put in (e.g. accuracy curves that start low
    on the right of a log time axis).
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure; got {describe(fig)}.")
    columns = check_int("columns", columns, minimum=1, maximum=10)
    for ax in fig.axes:
        old = ax.get_legend()
        if old is None:
            continue
        handles, labels = ax.get_legend_handles_labels()
        title = old.get_title().get_text() or None
        old.remove()
        ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.16),
                  ncol=columns, title=title)  # fmt: skip
    return fig


def _check_tasks(tasks: Any) -> dict[str, list[tuple[float, float, str, str]]]:
    """row -> [(start, end, kind, text)] with finite start <= end."""
    checked = {}
    for row, items in check_named("tasks", tasks).items():
        if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
            raise TypeError(
                f"tasks[{row!r}] must be a list of (start, end, kind, text); got {describe(items)}."
            )
        parsed = []
        for item in items:
            if not (isinstance(item, tuple) and len(item) == 4):
                raise TypeError(
                    f"each task of tasks[{row!r}] must be a tuple (start, end, kind, text); "
                    f"got {describe(item)}."
                )
            start, end = as_float_array(f"tasks[{row!r}] times", [item[0], item[1]], ndim=1)
            if end < start:
                raise ValueError(
                    f"a task of tasks[{row!r}] ends ({end}) before it starts ({start})."
                )
            kind = check_text(f"the kind of a task of tasks[{row!r}]", item[2])
            text = check_text(f"the text of a task of tasks[{row!r}]", item[3])
            parsed.append((float(start), float(end), kind, text))
        checked[row] = parsed
    return checked


@styled
def schedule_timeline(
    tasks: Mapping[str, Sequence[tuple[float, float, str, str]]],
    *,
    title: str = "Schedule",
    xlabel: str = "time (s)",
    ylabel: str = "device",
) -> Figure:
    """A Gantt chart: one row per device, one box per task, coloured by its kind.

    tasks: row (e.g. "stage 0: mcu") -> [(start, end, kind, text)], kind e.g. "forward" (one
    colour and one legend entry per kind), text written inside the box when it fits (e.g. the
    micro-batch index). The first row is drawn at the top; idle time is the white space.
    """
    checked = _check_tasks(tasks)
    kinds = list(dict.fromkeys(kind for items in checked.values() for _, _, kind, _ in items))
    colour = {kind: f"C{i % 10}" for i, kind in enumerate(kinds)}
    fig, ax = new_figure(height=1.6 + 0.55 * len(checked))
    ends = [end for items in checked.values() for _, end, _, _ in items]
    span = max(ends, default=1.0) or 1.0
    named: set[str] = set()
    for r, items in enumerate(checked.values()):
        y = len(checked) - 1 - r
        for start, end, kind, text in items:
            label = "_nolegend_" if kind in named else kind  # one legend entry per kind
            named.add(kind)
            ax.barh(y, end - start, left=start, height=0.7, color=colour[kind], edgecolor="k",
                    linewidth=0.6, label=label)  # fmt: skip
            if text and (end - start) > 0.025 * span:
                ax.text((start + end) / 2, y, text, ha="center", va="center", fontsize=8)
    ax.set_yticks(range(len(checked)), list(checked)[::-1])
    ax.set_xlim(0, span * 1.02)
    ax.grid(axis="y", visible=False)
    finish(ax, title=title, xlabel=xlabel, ylabel=ylabel)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title="task")  # clear of the boxes
    return fig
