"""The figures of ``minitrain demo``: detector scores against the truth, test error against
simulated time and against bytes sent during federated training, and test error against the
stored size of each final model, and the test-then-train error of each adaptation strategy
over the stream after deployment. Imported only when the demo writes its figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from . import adapt, plotting
from .plotting.comparisons import legend_below, resource_curves

__all__ = ["FIGURE_NAMES", "adaptation_curves", "error_curves", "write_figures"]

FIGURE_NAMES = (
    "detector_scores.png",
    "error_vs_simulated_time.png",
    "error_vs_bytes_sent.png",
    "error_vs_model_size.png",
    "adaptation_after_drift.png",
)
ROLLING_HOURS = 48  # the error curves' trailing window: two days of hourly readings


def error_curves(runs: dict[str, Any], prepared: dict[str, Any], resource: str) -> dict:
    """label -> (resource after each round, test RMSE in W after each round)."""
    curves = {}
    for label, (history, which) in runs.items():
        watts = float(prepared[which].scale_y.scale_[0])  # RMSE scales with the target's std
        x = np.asarray(getattr(history, resource), dtype=float)
        curves[label] = (x, np.asarray(history.val_metric, dtype=float) * watts)
    return curves


def adaptation_curves(stage: Any, window: int = ROLLING_HOURS) -> dict[str, np.ndarray]:
    """strategy -> (H,) trailing test-then-train RMSE in W over ``window`` readings:
    s_y sqrt(rolling mean of the squared standardized errors)."""
    return {name: np.sqrt(adapt.rolling_mean(errors, window)) * stage.watts
            for name, errors in stage.errors.items()}  # fmt: skip


def adaptation_figure(stage: Any) -> Figure:
    """Test-then-train RMSE over the stream for each strategy, the true drift and the alarms."""
    fig = Figure(figsize=(8.5, 4.8), layout="constrained")
    ax = fig.subplots()
    colors = iter(("tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown"))
    for name, curve in adaptation_curves(stage).items():
        frozen = name == "frozen"  # drawn on top: detect-and-retrain follows it until the alarm
        label = "frozen (ADWIN + retrain follows it until its alarm)" if frozen else name
        ax.plot(np.arange(curve.size), curve, lw=1.6 if frozen else 1.2, label=label,
                ls="--" if frozen else "-", color="black" if frozen else next(colors),
                zorder=3 if frozen else 2)  # fmt: skip
    for i, start in enumerate(stage.events):
        ax.axvline(start, color="grey", lw=2.5, alpha=0.6,
                   label="true drift (machine serviced)" if i == 0 else None)  # fmt: skip
    for i, alarm in enumerate(stage.alarms):
        ax.axvline(alarm, color="tab:red", lw=1.2, ls=":",
                   label="ADWIN alarm (frozen model's errors)" if i == 0 else None)  # fmt: skip
    ax.set(title=f"After deployment on node {stage.node} ({stage.device}): test-then-train "
                 "error of each strategy",
           xlabel="time since deployment (h, one reading an hour)",
           ylabel=f"RMSE of power over the last {ROLLING_HOURS} h (W)")  # fmt: skip
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, loc="center right")  # the right half is empty below the frozen curve
    return fig


def write_figures(
    out: Path, detector: dict[str, Any], runs: dict[str, Any], prepared: dict[str, Any],
    rows: list[Any], drift: Any,
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
        "adaptation_after_drift.png": adaptation_figure(drift),
    }  # fmt: skip
    return [plotting.save(fig, out / name) for name, fig in figures.items()]
