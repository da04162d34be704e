"""The plot gallery: every figure of ``plots/``, computed deterministically from fixed seeds.

``FIGURES`` maps a file name to (the function that returns the Figure, one sentence saying what
to see in it). ``minitrain plots --out plots`` calls ``generate``, which writes each PNG and
``README.md`` (the figures with their sentences).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from matplotlib.figure import Figure

from .. import plotting
from .._validate import check_choice
from . import edge, training

FigureEntry = tuple[Callable[[], Figure], str]

FIGURES: dict[str, FigureEntry] = {
    "optimizer_trajectories_quadratic.png": (
        training.trajectories_quadratic,
        "On a quadratic 20 times more curved across its valley than along it, GD at its best "
        "step zig-zags across; momentum tuned by Polyak's rule zig-zags harder yet converges "
        "fastest; Adagrad heads almost straight in, and RMSprop and Adam, whose steps do not "
        "shrink with the gradient, end hovering near the minimum.",
    ),
    "optimizer_trajectories_rosenbrock.png": (
        training.trajectories_rosenbrock,
        "In Rosenbrock's curved valley every method first drops to the valley floor; what "
        "separates them is how fast each then travels along the floor to the minimum at "
        "(1, 1).",
    ),
    "convergence_per_optimizer.png": (
        training.convergence_per_optimizer,
        "The Rosenbrock runs as f(x_k) − f* on a log axis: momentum and Adam gain 7 to 10 "
        "orders of magnitude in 1500 steps while GD, Adagrad and RMSprop stay above 10⁻²; a "
        "straight line is a linear rate.",
    ),
    "gd_vs_rate_bound.png": (
        training.gd_vs_rate_bound,
        "Full-batch GD on least squares never crosses its guaranteed bound ρᵏ‖e₀‖ (wide "
        "dashes) at any step size, and the step 2/(L+μ) has the smallest ρ, converges "
        "fastest and meets its bound exactly.",
    ),
    "loss_curves_train_validation.png": (
        training.loss_curves_train_validation,
        "On digits, Adam drives the training loss ten times lower than SGD in 40 epochs, "
        "yet its validation loss stalls near 0.1: the gap between solid and dashed is "
        "overfitting.",
    ),
    "learning_rate_sensitivity.png": (
        training.learning_rate_sensitivity,
        "GD and momentum diverge (x) once the learning rate passes 5e-3 to 1e-2, while the "
        "adaptive methods, which divide each step by the gradient's recent size, survive "
        "rates 200 times larger.",
    ),
    "losses_and_gradients.png": (
        training.losses_and_gradients,
        "MSE's gradient grows with the residual, so one outlier can dominate a batch; "
        "Huber's is clipped at ±δ, which is why it is robust to outliers.",
    ),
    "detector_scores.png": (
        edge.detector_scores,
        "After the unit fix, the MAD detector flags every visible spike with no false alarm, "
        "well above the per-node level shifts in the grey band.",
    ),
    "sparsity_vs_accuracy.png": (
        edge.sparsity_vs_accuracy,
        "Pruning the smallest weights costs nothing up to half the weights; beyond 70% the "
        "pruned network falls apart unless it is fine-tuned with its mask, which keeps it "
        "within a few points of dense up to 90% sparsity.",
    ),
    "accuracy_vs_bytes.png": (
        edge.accuracy_vs_bytes,
        "The Pareto front is made of pruned, fine-tuned, int8 models: about 4 kB at the "
        "dense model's accuracy, nine times smaller than dense float32, while small dense "
        "networks trained from scratch fall below the front.",
    ),
    "fedavg_vs_fedsgd_rounds.png": (
        edge.fedavg_vs_fedsgd_rounds,
        "Five local epochs per round let FedAvg reach 90% in about four times fewer rounds "
        "than FedSGD on shuffled data, and about half as many when each client holds only "
        "two digits, where both curves are also noisier.",
    ),
    "time_to_accuracy_stragglers.png": (
        edge.time_to_accuracy_stragglers,
        "Waiting for slow microcontrollers makes every round as long as their 250 kbit/s "
        "links; a deadline that drops late clients reaches 90% about four times sooner on "
        "the simulated clock, since the data are IID and the dropped clients are not missed.",
    ),
    "bytes_under_compression.png": (
        edge.bytes_under_compression,
        "Encoding the clients' updates in 8 bits or keeping only the top 1% of entries (with "
        "error feedback) reaches 90% with about 4 and 15 times fewer uploaded bytes than "
        "dense float32 updates, the format a device would send.",
    ),
}


PROPER_NAMES = {"gd": "GD", "fedavg": "FedAvg", "fedsgd": "FedSGD", "rosenbrock": "Rosenbrock"}


def readme_text(names: list[str] | None = None) -> str:
    """The gallery's README.md: each figure under a heading, with its sentence."""
    lines = [
        "# The minitrain plot gallery",
        "",
        "Every figure here is computed from fixed seeds and regenerated by",
        "`minitrain plots --out plots` (this file too). The plotting functions are in",
        "`minitrain.plotting`; the code computing each figure's data, in `minitrain.gallery`.",
        "",
    ]
    for name in names or list(FIGURES):
        words = [PROPER_NAMES.get(w, w) for w in name.removesuffix(".png").split("_")]
        heading = " ".join(words)[:1].upper() + " ".join(words)[1:]
        lines += [f"## {heading}", "", FIGURES[name][1], "", f"![{heading}]({name})", ""]
    if names is None:
        lines += lesson_figures_text()
    return "\n".join(lines)


def lesson_figures_text() -> list[str]:
    """The README's second part: each lesson's figures (written by the lessons), captioned."""
    from .lessons import LESSON_FIGURES

    lines = [
        "# The lessons' figures",
        "",
        "Each lesson draws these figures as it runs; `minitrain plots --out plots` regenerates",
        "them here with the gallery (a lesson run on its own writes to `build/figures/`).",
        "",
    ]
    for name, caption in LESSON_FIGURES.items():
        lines += [f"## {name.removesuffix('.png')}", "", caption, "", f"![{name}]({name})", ""]
    return lines


def generate(
    out: str | Path = "plots",
    only: str | None = None,
    report: Callable[[str], None] | None = print,
) -> list[Path]:
    """Write the gallery's PNGs (all, or the one named ``only``) and, for all, README.md.

    Returns the paths written. ``report`` receives one line per figure (name and seconds).
    """
    names = list(FIGURES) if only is None else [check_choice("only", only, FIGURES)]
    out = Path(out)
    written = []
    for name in names:
        start = time.perf_counter()
        figure = FIGURES[name][0]()
        written.append(plotting.save(figure, out / name))
        if report is not None:
            report(f"{out / name}  ({time.perf_counter() - start:.1f} s)")
    if only is None:
        readme = out / "README.md"
        readme.write_text(readme_text(), encoding="utf-8")
        written.append(readme)
    return written


__all__ = ["FIGURES", "generate", "readme_text"]
