"""Figures of the edge concerns: anomaly detectors, accuracy against model size, and distributed
training against rounds, simulated time and bytes sent.

Accuracies and sparsities are passed as fractions in [0, 1] and shown as percentages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import EngFormatter, LogLocator, PercentFormatter

from .._validate import as_float_array, check_in_range, check_positive, describe
from ._common import (
    DECADES_FOR_LOG,
    check_curves,
    check_fraction,
    check_mask,
    check_named,
    check_optional_positive,
    check_xy,
    choose_log,
    finish,
    first_reaching,
    new_figure,
    styled,
)

ACCURACY_LABEL = "test accuracy (%)"


@styled
def detector_scores(
    scores: Sequence[float] | np.ndarray,
    flags: np.ndarray,
    truth: np.ndarray,
    threshold: float | None = None,
    *,
    log: bool | None = None,
    title: str = "Anomaly scores, flags and the truth",
    xlabel: str = "sample index (row of the data)",
    ylabel: str = "anomaly score (detector units)",
) -> Figure:
    """Each row's anomaly score, coloured by outcome against the ground truth.

    scores (N,), flags (N,) bool (the detector's decision), truth (N,) bool (injected
    anomalies). Outcomes: caught (flagged and true), false alarm (flagged, not true), missed
    (true, not flagged), normal. Precision and recall are given in the title.
    """
    values = as_float_array("scores", scores, ndim=1)
    flagged = check_mask("flags", flags, values.size)
    true = check_mask("truth", truth, values.size)
    limit = check_optional_positive("threshold", threshold)
    if log is None:  # log when the largest scores lie decades above the typical (median) one
        typical = np.median(values)
        use_log = bool(
            values.min() > 0 and np.log10(values.max()) - np.log10(typical) >= DECADES_FOR_LOG
        )
    else:
        use_log = choose_log("scores", log, values, *([limit] if limit else []))
    rows = np.arange(values.size)
    fig, ax = new_figure()
    outcomes = (
        (~flagged & ~true, "normal", dict(color="0.6", marker=".", ms=4, alpha=0.6)),
        (flagged & true, "caught (flagged, true anomaly)", dict(color="tab:red", marker="o", ms=6)),
        (
            flagged & ~true,
            "false alarm (flagged, normal)",
            dict(color="tab:orange", marker="x", ms=7, mew=2),
        ),
        (
            ~flagged & true,
            "missed (not flagged, anomaly)",
            dict(color="tab:purple", marker="o", ms=7, mfc="none", mew=1.6),
        ),
    )
    for mask, label, style in outcomes:
        count = int(mask.sum())
        ax.plot(rows[mask], values[mask], ls="none", label=f"{label}: {count}", **style)
    if limit is not None:
        ax.axhline(limit, color="k", ls="--", lw=1.2, label=f"threshold {limit:g}")
    n_flagged, n_true, n_caught = int(flagged.sum()), int(true.sum()), int((flagged & true).sum())
    precision = n_caught / n_flagged if n_flagged else float("nan")
    recall = n_caught / n_true if n_true else float("nan")
    full_title = f"{title}\nprecision {precision:.0%}, recall {recall:.0%}"
    finish(ax, title=full_title, xlabel=xlabel, ylabel=ylabel, log_y=use_log, legend_loc="below")
    return fig


@styled
def sparsity_vs_accuracy(
    curves: Mapping[str, tuple[Any, Any]],
    *,
    dense_accuracy: float | None = None,
    title: str = "Accuracy as weights are pruned",
    xlabel: str = "sparsity (% of weights set to zero)",
    ylabel: str = ACCURACY_LABEL,
) -> Figure:
    """Accuracy against sparsity for each pruning method (label -> (sparsities, accuracies)).

    ``dense_accuracy`` (the unpruned model) is drawn as a dashed horizontal line.
    """
    checked = check_xy("curves", curves)
    for label, (sparsity, accuracy) in checked.items():
        check_fraction(f"curves[{label!r}] sparsities", sparsity)
        check_fraction(f"curves[{label!r}] accuracies", accuracy)
    fig, ax = new_figure()
    for label, (sparsity, accuracy) in checked.items():
        order = np.argsort(sparsity, kind="stable")
        ax.plot(sparsity[order], accuracy[order], "-o", markersize=5, label=label)
    if dense_accuracy is not None:
        dense = check_in_range("dense_accuracy", dense_accuracy, 0, 1, high_inclusive=True)
        ax.axhline(dense, color="k", ls="--", lw=1.2, label=f"dense model: {dense:.1%}")
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    finish(ax, title=title, xlabel=xlabel, ylabel=ylabel, legend_loc="lower left")
    return fig


def pareto_front(
    sizes: Sequence[float] | np.ndarray, accuracies: Sequence[float] | np.ndarray
) -> np.ndarray:
    """Indices of the points no other point beats: none is as small and strictly more accurate,
    or strictly smaller and as accurate. Sorted by size (ascending); accuracy then increases.

    sizes (N,), accuracies (N,) -> int array of indices into them.
    """
    size = as_float_array("sizes", sizes, ndim=1)
    accuracy = as_float_array("accuracies", accuracies, ndim=1)
    if size.shape != accuracy.shape:
        raise ValueError(f"sizes has {size.size} values but accuracies has {accuracy.size}.")
    order = np.lexsort((-accuracy, size))  # by size, the most accurate first among equal sizes
    front, best = [], -np.inf
    for index in order:
        if accuracy[index] > best:
            front.append(index)
            best = accuracy[index]
    return np.array(front, dtype=int)


@styled
def accuracy_vs_bytes(
    points: Mapping[str, tuple[Any, Any]],
    *,
    budgets: Mapping[str, float] | None = None,
    log: bool | None = None,
    title: str = "Accuracy against model size",
    xlabel: str = "model size (bytes)",
    ylabel: str = ACCURACY_LABEL,
) -> Figure:
    """Models as points (label -> (bytes, accuracy), scalars or arrays), their Pareto front,
    and device memory budgets (name -> bytes) as vertical lines.

    The front joins the models that no other model beats on both size and accuracy: the only
    ones worth deploying. Sizes spanning two decades get a log x axis.
    """
    checked = check_xy("points", points)
    for label, (size, accuracy) in checked.items():
        if size.min() <= 0:
            raise ValueError(
                f"points[{label!r}] sizes must be > 0 bytes; got {float(size.min()):g}."
            )
        check_fraction(f"points[{label!r}] accuracies", accuracy)
    limits = {}
    if budgets is not None:
        for name, value in check_named("budgets", budgets).items():
            limits[name] = check_positive(f"budgets[{name!r}]", value)
    all_sizes = np.concatenate([s for s, _ in checked.values()])
    all_accuracies = np.concatenate([a for _, a in checked.values()])
    use_log = choose_log("the sizes", log, all_sizes, np.array(list(limits.values()) or [1.0]))
    fig, ax = new_figure(height=4.8)
    markers = "osD^vP*Xh<>"
    for i, (label, (size, accuracy)) in enumerate(checked.items()):
        # Later series are drawn smaller, with a white edge, so a point that lands on an
        # earlier one (the same size and accuracy) leaves it visible around it.
        ax.plot(size, accuracy, ls="none", marker=markers[i % len(markers)],
                markersize=7 + 1.5 * (len(checked) - 1 - i), markeredgecolor="white",
                markeredgewidth=0.8, label=label)  # fmt: skip
    front = pareto_front(all_sizes, all_accuracies)
    ax.step(
        all_sizes[front],
        all_accuracies[front],
        where="post",
        color="k",
        lw=1.2,
        alpha=0.7,
        label="Pareto front",
        zorder=0,
    )
    for i, (name, limit) in enumerate(limits.items()):
        ax.axvline(limit, color=f"C{(i + 5) % 10}", ls=":", lw=1.6, label=f"budget: {name}")
    if use_log:
        _log_bytes_ticks(ax, all_sizes)
    ax.xaxis.set_major_formatter(EngFormatter(unit="B"))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    finish(ax, title=title, xlabel=xlabel, ylabel=ylabel, log_x=use_log, legend_loc="lower right")
    return fig


def _log_bytes_ticks(ax: Axes, sizes: np.ndarray) -> None:
    """Log x axis labelled at 1, 2, 5 x 10^k over a short range, at powers of 10 otherwise
    (so the labels never collide at the figure's width)."""
    ax.set_xscale("log")
    positive = sizes[sizes > 0]
    decades = np.log10(positive.max() / positive.min()) if positive.size else 0.0
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0) if decades <= 2.5 else (1.0,)))


def _accuracy_curves(
    ax: Axes,
    curves: dict[str, tuple[np.ndarray, np.ndarray]],
    target: float | None,
    describe_x: Any,
) -> None:
    """Accuracy against a resource, with the first point reaching ``target`` marked."""
    for label, (x, accuracy) in curves.items():
        reached = None if target is None else first_reaching(x, accuracy, target)
        if target is None:
            suffix = ""
        else:
            reached_at = f"at {describe_x(reached)}" if reached is not None else "not reached"
            suffix = f" — {target:.0%} {reached_at}"
        (line,) = ax.plot(x, accuracy, label=label + suffix)
        if reached is not None:
            ax.plot(reached, target, "o", color=line.get_color(), markersize=7, markeredgecolor="k")
    if target is not None:
        ax.axhline(target, color="k", ls="--", lw=1.1, label=f"target {target:.0%}")
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))


def _check_target(target: Any) -> float | None:
    if target is None:
        return None
    return check_in_range("target", target, 0, 1, low_inclusive=False, high_inclusive=True)


@styled
def rounds_to_accuracy(
    curves: Mapping[str, Any],
    *,
    target: float | None = None,
    title: str = "Accuracy per communication round",
    xlabel: str = "communication round (server updates)",
    ylabel: str = ACCURACY_LABEL,
) -> Figure:
    """Accuracy after each round (values[i] is after round i + 1) for each algorithm.

    ``curves`` is one panel (label -> accuracies) or several side by side (panel title ->
    {label -> accuracies}), e.g. {"IID": {...}, "non-IID": {...}}. The round at which each
    curve first reaches ``target`` is marked and named in the legend.
    """
    named = check_named("curves", curves)
    nested = all(isinstance(v, Mapping) for v in named.values())
    panels = dict(named) if nested else {"": named}
    checked = {
        panel: {
            label: (np.arange(1.0, acc.size + 1), check_fraction(f"curves[{label!r}]", acc))
            for label, acc in check_curves(
                f"curves[{panel!r}]" if panel else "curves", inner
            ).items()
        }
        for panel, inner in panels.items()
    }
    goal = _check_target(target)
    fig, axes = new_figure(ncols=len(checked), height=4.6, sharey=True)
    axes = np.atleast_1d(axes)
    for ax, (panel, panel_curves) in zip(axes, checked.items()):
        _accuracy_curves(ax, panel_curves, goal, lambda r: f"round {r:.0f}")
        finish(ax, title=panel or title, xlabel=xlabel, ylabel=ylabel, legend_loc="lower right")
    if nested:
        fig.suptitle(title)
    return fig


@styled
def time_to_accuracy(
    curves: Mapping[str, tuple[Any, Any]],
    *,
    target: float | None = None,
    log: bool | None = None,
    title: str = "Accuracy against simulated wall-clock time",
    xlabel: str = "simulated time (s)",
    ylabel: str = ACCURACY_LABEL,
) -> Figure:
    """Accuracy against the simulated clock (label -> (times in seconds, accuracies)).

    The time at which each curve first reaches ``target`` is marked and named in the legend.
    """
    return _accuracy_against_resource(curves, "times", target, log, title, xlabel, ylabel)


@styled
def bytes_under_compression(
    curves: Mapping[str, tuple[Any, Any]],
    *,
    target: float | None = None,
    log: bool | None = None,
    title: str = "Accuracy against bytes sent, by update compression",
    xlabel: str = "bytes sent, cumulative (B)",
    ylabel: str = ACCURACY_LABEL,
) -> Figure:
    """Accuracy against cumulative bytes communicated (label -> (bytes, accuracies)).

    One curve per compression scheme (dense float32, top-k, 8-bit, ...); the bytes at which
    each reaches ``target`` are marked and named in the legend.
    """
    return _accuracy_against_resource(curves, "bytes", target, log, title, xlabel, ylabel)


def _accuracy_against_resource(
    curves: Any, what: str, target: Any, log: bool | None, title: str, xlabel: str, ylabel: str
) -> Figure:
    """Accuracy curves against a cumulative resource: ``what`` is "times" (s) or "bytes" (B)."""
    checked = _check_resource_curves(curves, what)
    goal = _check_target(target)
    use_log = choose_log(f"the {what}", log, *(x for x, _ in checked.values()))
    fig, ax = new_figure()
    if what == "bytes":
        bytes_formatter = EngFormatter(unit="B")
        name = lambda b: bytes_formatter.format_eng(float(f"{b:.3g}"))  # noqa: E731
        _accuracy_curves(ax, checked, goal, name)
        if use_log:
            _log_bytes_ticks(ax, np.concatenate([x for x, _ in checked.values()]))
        ax.xaxis.set_major_formatter(bytes_formatter)
    else:
        _accuracy_curves(ax, checked, goal, lambda t: f"{t:.3g} s")
    finish(ax, title=title, xlabel=xlabel, ylabel=ylabel, log_x=use_log, legend_loc="lower right")
    return fig


def _check_resource_curves(curves: Any, what: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    checked = check_xy("curves", curves)
    for label, (x, accuracy) in checked.items():
        if x.min() < 0 or np.any(np.diff(x) < 0):
            raise ValueError(
                f"curves[{label!r}] {what} must be >= 0 and non-decreasing (cumulative); "
                f"got {describe(x)} starting {x[:3]}."
            )
        check_fraction(f"curves[{label!r}] accuracies", accuracy)
    return checked
