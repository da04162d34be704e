"""The plot gallery: every figure the course promises is registered with a sentence, and the
committed gallery matches its registry."""

from pathlib import Path

import pytest

from minitrain import gallery

REPO = Path(__file__).resolve().parents[1]

# The figures the course promises in its gallery (file names in plots/).
REQUIRED_FIGURES = (
    "optimizer_trajectories_quadratic.png",
    "optimizer_trajectories_rosenbrock.png",
    "convergence_per_optimizer.png",
    "gd_vs_rate_bound.png",
    "loss_curves_train_validation.png",
    "detector_scores.png",
    "sparsity_vs_accuracy.png",
    "accuracy_vs_bytes.png",
    "fedavg_vs_fedsgd_rounds.png",
    "time_to_accuracy_stragglers.png",
    "bytes_under_compression.png",
)


@pytest.mark.parametrize("name", REQUIRED_FIGURES)
def test_the_gallery_registers_every_required_figure_with_a_sentence(name):
    function, sentence = gallery.FIGURES[name]
    assert callable(function)
    assert sentence.endswith(".") and len(sentence.split()) >= 8


def test_the_committed_gallery_matches_its_registry():
    plots = REPO / "plots"
    assert (plots / "README.md").read_text(encoding="utf-8") == gallery.readme_text()
    for name in gallery.FIGURES:
        assert (plots / name).stat().st_size > 10_000, f"plots/{name} is missing or empty"
