"""Figures for the lessons and the gallery: functions that take data and return a Figure.

Every function returns a ``matplotlib.figure.Figure`` built without pyplot (no display, no
global current figure), with a title, axis labels with units, a legend, and a log scale chosen
automatically (``log=None``) when the values span two decades or more::

    from minitrain import plotting
    fig = plotting.loss_curves({"SGD": history_sgd, "Adam": history_adam})
    plotting.save(fig, "plots/loss_curves.png")

Training: ``loss_curves``, ``convergence``, ``gd_vs_bound``, ``trajectories_on_contours``,
``lr_sensitivity``, ``losses_and_gradients``, ``gradient_errors``.
Edge concerns: ``detector_scores``, ``sparsity_vs_accuracy``, ``accuracy_vs_bytes`` (with
``pareto_front``), ``rounds_to_accuracy``, ``time_to_accuracy``, ``bytes_under_compression``.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from .._validate import check_int, describe
from ._common import spans_decades
from .display import SavedFigure
from .edge import (
    accuracy_vs_bytes,
    bytes_under_compression,
    detector_scores,
    pareto_front,
    rounds_to_accuracy,
    sparsity_vs_accuracy,
    time_to_accuracy,
)
from .gradients import gradient_errors, losses_and_gradients
from .optimizers import lr_sensitivity, trajectories_on_contours
from .training import convergence, gd_vs_bound, loss_curves

FORMATS = (".png", ".svg", ".pdf")


def save(fig: Figure, path: str | Path, *, dpi: int = 110) -> SavedFigure:
    """Write ``fig`` to ``path`` (.png, .svg or .pdf), creating missing folders; return the path.

    110 dpi makes the default 7.5-inch-wide figure about 830 pixels wide. The path returned is
    a ``pathlib.Path`` that a notebook displays as the saved picture, so a cell ending in
    ``plotting.save(fig, path)`` shows the figure.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure; got {describe(fig)}.")
    if not isinstance(path, str | Path):
        raise TypeError(f"path must be a str or Path; got {describe(path)}.")
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise ValueError(f"path must end in one of {', '.join(FORMATS)}; got {path.name!r}.")
    dpi = check_int("dpi", dpi, minimum=20, maximum=1200)  # 1200 dpi: 9000 px wide already
    if path.is_dir():
        raise IsADirectoryError(f"path {str(path)!r} is a folder; name a file such as fig.png.")
    existing = next((p for p in path.parents if p.exists()), Path("."))
    if not existing.is_dir():
        raise NotADirectoryError(
            f"path {str(path)!r} lies under the file {str(existing)!r}, not a folder."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return SavedFigure(path)


__all__ = [
    "accuracy_vs_bytes",
    "bytes_under_compression",
    "convergence",
    "detector_scores",
    "gd_vs_bound",
    "gradient_errors",
    "loss_curves",
    "losses_and_gradients",
    "lr_sensitivity",
    "pareto_front",
    "rounds_to_accuracy",
    "save",
    "spans_decades",
    "sparsity_vs_accuracy",
    "time_to_accuracy",
    "trajectories_on_contours",
]
