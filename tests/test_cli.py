"""The course commands: `minitrain lessons` lists and runs lessons, `minitrain plots` writes the
gallery."""

import subprocess
import sys
from pathlib import Path

import matplotlib.image
import numpy as np

from minitrain import cli

REPO = Path(__file__).resolve().parents[1]

def minitrain(*args, cwd=REPO):
    return subprocess.run(
        [sys.executable, "-m", "minitrain.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_lessons_lists_every_lesson_file_with_its_number_and_title():
    result = minitrain("lessons")
    assert result.returncode == 0, result.stderr
    files = sorted((REPO / "lessons").glob("[0-9][0-9]_*.py"))
    assert files, "the repository has lessons"
    for path in files:
        line = next(row for row in result.stdout.splitlines() if path.name in row)
        assert line.split()[0] == str(int(path.name[:2]))
        assert cli.lesson_title(path) in line


def test_lesson_title_is_the_first_markdown_heading(tmp_path):
    lesson = tmp_path / "07_example.py"
    lesson.write_text(
        "# ---\n# jupyter:\n#   jupytext:\n# ---\n\n# %%\nimport os\n\n"
        "# %% [markdown]\n# # Lesson 7: an example\n#\n# Why.\n",
        encoding="utf-8",
    )
    (tmp_path / "notes.py").write_text("# not a lesson\n", encoding="utf-8")
    (tmp_path / "7_short.py").write_text("# not a lesson either\n", encoding="utf-8")
    assert cli.find_lessons(tmp_path) == {7: lesson}
    assert cli.lesson_title(lesson) == "Lesson 7: an example"


def test_a_missing_lessons_folder_fails_with_a_message_saying_where_lessons_live(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(cli, "LESSONS_DIR", tmp_path / "absent")
    assert cli.main(["lessons"]) == 2
    message = capsys.readouterr().err
    assert "no lessons folder" in message and "source repository" in message


def test_running_an_unknown_lesson_names_the_lessons_that_exist():
    result = minitrain("lessons", "99")
    assert result.returncode == 2
    assert "there is no lesson 99" in result.stderr


def test_running_a_lesson_returns_its_exit_code(tmp_path, monkeypatch):
    folder = tmp_path / "lessons"
    folder.mkdir()
    (folder / "01_fails.py").write_text("import sys\nsys.exit(3)\n", encoding="utf-8")
    (folder / "02_passes.py").write_text("print('ok')\n", encoding="utf-8")
    monkeypatch.setattr(cli, "LESSONS_DIR", folder)
    assert cli.main(["lessons", "1"]) == 3
    assert cli.main(["lessons", "2"]) == 0


def test_plots_only_writes_one_non_blank_png(tmp_path):
    result = minitrain("plots", "--out", str(tmp_path), "--only", "gd_vs_rate_bound.png")
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["gd_vs_rate_bound.png"]
    pixels = matplotlib.image.imread(tmp_path / "gd_vs_rate_bound.png")
    assert pixels.shape[1] >= 700  # readable at the width the README shows it
    # Not blank: many distinct colours, not one uniform fill.
    assert len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 50


def test_plots_refuses_an_unknown_figure_and_lists_the_known_ones(tmp_path):
    result = minitrain("plots", "--out", str(tmp_path), "--only", "nope.png")
    assert result.returncode == 2
    assert "nope.png" in result.stderr and "gd_vs_rate_bound.png" in result.stderr
    assert not any(tmp_path.iterdir())


def test_demo_prints_the_closed_form_comparison():
    result = subprocess.run(
        [sys.executable, "-m", "minitrain.cli", "demo", "--linear"],
        capture_output=True, text=True, timeout=120, check=True,
    )
    assert "closed form (OLS)" in result.stdout
    learned = next(line for line in result.stdout.splitlines() if line.startswith("SGD"))
    exact = next(line for line in result.stdout.splitlines() if line.startswith("closed form"))
    w, b = map(float, learned.split()[-3:-1])
    exact_w, exact_b = map(float, exact.split()[-3:-1])
    # Constant-step SGD hovers around the minimiser; with lr 0.1 and noise 0.5 it stays
    # within a few hundredths of it (measured spread ~0.02).
    assert abs(w - exact_w) < 0.1 and abs(b - exact_b) < 0.1
