"""In a notebook, minitrain's figures show as pictures and its imports and progress bars print
no warning; the figures a lesson saves are the PNGs the notebook shows."""

import io
import json
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

from minitrain import plotting

formatters = pytest.importorskip("IPython.core.formatters", reason="IPython comes with [book]")


def displayed(obj):
    """The mime bundle Jupyter would send for ``obj`` (IPython's own formatter)."""
    data, _ = formatters.DisplayFormatter().format(obj)
    return data


def a_figure():
    return plotting.convergence({"GD": np.geomspace(1, 1e-3, 30)}, title="GD")


def test_a_figure_displays_as_a_png_the_size_save_writes(tmp_path):
    fig = a_figure()
    shown = displayed(fig)["image/png"]
    saved = plotting.save(fig, tmp_path / "gd.png")
    shown_pixels = matplotlib.image.imread(io.BytesIO(shown))
    assert shown_pixels.shape == matplotlib.image.imread(saved).shape
    assert shown_pixels.std() > 0


def test_save_returns_the_path_which_displays_as_the_saved_picture(tmp_path):
    saved = plotting.save(a_figure(), tmp_path / "sub" / "gd.png")
    assert isinstance(saved, Path) and saved == tmp_path / "sub" / "gd.png"
    assert displayed(saved)["image/png"] == saved.read_bytes()
    assert saved.with_suffix(".svg").name == "gd.svg"  # still a Path in every respect


def test_a_saved_svg_displays_as_svg_and_not_as_png(tmp_path):
    saved = plotting.save(a_figure(), tmp_path / "gd.svg")
    shown = displayed(saved)
    assert "image/png" not in shown
    assert shown["image/svg+xml"].lstrip().startswith("<?xml")


def test_a_notebook_shows_the_figure_and_no_warning_from_imports_or_progress(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    from minitrain.book import execute

    cells = [
        "import minitrain as mt\nfrom minitrain import plotting",
        "X, y = mt.data.make_linear(n=64, coef=2.0, intercept=1.0, noise=0.1, seed=0)\n"
        "history = mt.fit(mt.Sequential([mt.Dense(1, 1)]), mt.losses.MSE(), "
        "mt.optim.SGD(lr=0.1), X, y, epochs=3, batch_size=16, seed=0)",
        f"plotting.save(plotting.loss_curves({{'SGD': history}}), {str(tmp_path / 'l.png')!r})",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    execute(notebook, cwd=tmp_path, env={})
    outputs = [output for cell in notebook.cells for output in cell.outputs]
    text = json.dumps([o.get("text", "") for o in outputs])
    assert "Warning" not in text and "IProgress" not in text, text
    assert "3/3" in text  # the progress bar itself did show (plain text, without ipywidgets)
    figure = notebook.cells[-1].outputs[0]
    assert figure.output_type == "execute_result" and "image/png" in figure.data
