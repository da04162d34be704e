"""The figures of ``minitrain demo``: detector scores against the truth, test error against
simulated time and against bytes sent during federated training, and test error against the
stored size of each final model. Imported only when the demo writes its figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from . import plotting
from .plotting.comparisons import legend_below, resource_curves

__all__ = ["FIGURE_NAMES", "error_curves", "write_figures"]

FIGURE_NAMES = (
    "detector_scores.png",
    "error_vs_simulated_time.png",
    "error_vs_bytes_sent.png",
    "error_vs_model_size.png",
)


def error_curves(runs: dict[str, Any], prepared: dict[str, Any], resource: str) -> dict:
    """label -> (resource after each round, test RMSE in W after each round)."""
    curves = {}
    for label, (history, which) in runs.items():
        watts = float(prepared[which].scale_y.scale_[0])  # RMSE scales with the target's std
        x = np.asarray(getattr(history, resource), dtype=float)
        curves[label] = (x, np.asarray(history.val_metric, dtype=float) * watts)
    return curves


def write_figures(
    out: Path, detector: dict[str, Any], runs: dict[str, Any], prepared: dict[str, Any],
    rows: list[Any],
) -> list[Path]:  # fmt: skip
    """Write the demo's figures to ``out`` (created if missing); return their paths."""
    observed = ~np.isnan(detector["scores"])  # a row with every column missing has no score
    figures = {
        "detector_scores.png": plotting.detector_scores(
            detector["scores"][observed], detector["flags"][observed],
            detector["truth"][observed], detector["threshold"],
            title="Spike detector (MAD, 5 MADs) on the training rows vs the injected faults",
            xlabel="training reading (ordered by node, then hour)",
            ylabel="modified z-score, largest over columns (MADs)",
        ),
        "error_vs_simulated_time.png": legend_below(resource_curves(
            error_curves(runs, prepared, "elapsed"), markers=False, log_y=True,
            title="Federated training: test error against simulated time",
            xlabel="simulated time since the first round (s)",
            ylabel="test RMSE of power (W)",
        )),
        "error_vs_bytes_sent.png": legend_below(resource_curves(
            error_curves(runs, prepared, "total_bytes"), markers=False, log_y=True, x_unit="B",
            title="Federated training: test error against bytes sent",
            xlabel="bytes sent, all links, both directions",
            ylabel="test RMSE of power (W)",
        )),
        "error_vs_model_size.png": legend_below(resource_curves(
            {row.name: (np.array([row.model_bytes], float), np.array([row.rmse]))
             for row in rows},
            x_unit="B",
            title="The final models: test error against stored size",
            xlabel="stored model",
            ylabel="test RMSE of power (W)",
        )),
    }  # fmt: skip
    return [plotting.save(fig, out / name) for name, fig in figures.items()]
