"""Every lesson runs as a script (in fast mode) with its own checks passing, and writes the
figures it names."""

import os
import re
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import pytest

LESSONS = Path(__file__).resolve().parents[1] / "lessons"
LESSON_FILES = sorted(LESSONS.glob("[0-9][0-9]_*.py"))
FIGURE_NAME = re.compile(r"lesson\d\d_\w+\.png")


def test_the_course_lessons_exist():
    numbers = {int(path.name[:2]) for path in LESSON_FILES}
    # The ten lessons of the course: regression, losses, optimizers, backprop, dirty data,
    # compression, edge training, model parallelism, property testing, choosing sensors and
    # models.
    assert set(range(1, 11)) <= numbers


@pytest.mark.parametrize("lesson", LESSON_FILES, ids=[p.name for p in LESSON_FILES])
def test_lesson_runs_and_writes_its_figures(lesson, tmp_path):
    env = {**os.environ, "MINITRAIN_FAST": "1", "MINITRAIN_PLOTS_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, str(lesson)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=LESSONS.parent,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    named = set(FIGURE_NAME.findall(lesson.read_text(encoding="utf-8")))
    prefix = f"lesson{lesson.name[:2]}_"
    assert named and all(name.startswith(prefix) for name in named), named
    written = {path.name for path in tmp_path.glob("*.png")}
    assert named <= written, f"figures named but not written: {named - written}"
    for name in named:
        pixels = matplotlib.image.imread(tmp_path / name)
        assert pixels.std() > 0, f"{name} is blank"


def test_a_lesson_run_without_settings_writes_its_figures_to_the_ignored_build_folder(tmp_path):
    # A copy of the lesson in a checkout-shaped folder: its figures must land in build/figures,
    # which .gitignore ignores, and never in the committed plots/ folder.
    lesson = LESSON_FILES[0]
    (tmp_path / "lessons").mkdir()
    copy = tmp_path / "lessons" / lesson.name
    copy.write_text(lesson.read_text(encoding="utf-8"), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "MINITRAIN_PLOTS_DIR"}
    result = subprocess.run(
        [sys.executable, str(copy)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={**env, "MINITRAIN_FAST": "1"},
    )
    assert result.returncode == 0, result.stderr[-4000:]
    named = set(FIGURE_NAME.findall(lesson.read_text(encoding="utf-8")))
    assert {p.name for p in (tmp_path / "build" / "figures").glob("*.png")} == named
    assert not (tmp_path / "plots").exists()
    ignored = (LESSONS.parent / ".gitignore").read_text(encoding="utf-8").split()
    assert {"build/", "*.ipynb"} <= set(ignored)


def test_every_lesson_figure_has_a_caption_in_the_gallery_readme():
    from minitrain import gallery
    from minitrain.gallery.lessons import LESSON_FIGURES

    named = {name for path in LESSON_FILES for name in FIGURE_NAME.findall(path.read_text())}
    assert named <= set(LESSON_FIGURES), (
        f"figures without a caption: {named - LESSON_FIGURES.keys()}"
    )
    readme = gallery.readme_text()
    for name, caption in LESSON_FIGURES.items():
        assert caption.endswith(".") and len(caption.split()) >= 12, name
        assert f"{caption}\n\n![{name}]({name})" in readme, name


@pytest.mark.parametrize("lesson", LESSON_FILES, ids=[p.name for p in LESSON_FILES])
def test_each_figure_ends_its_cell_so_the_notebook_shows_it(lesson):
    # A notebook displays only a cell's last value: a plotting.save(...) that is not the last
    # statement of its cell saves a PNG the notebook (and the book) never shows.
    cells = re.split(r"^# %%.*$", lesson.read_text(encoding="utf-8"), flags=re.MULTILINE)
    for cell in cells:
        saves = re.findall(r"^plotting\.save\(", cell, flags=re.MULTILINE)
        if not saves:
            continue
        last = [line for line in cell.strip().splitlines() if line.strip()][-1]
        assert len(saves) == 1 and last.startswith("plotting.save("), (
            f"{lesson.name}: put each plotting.save(...) last in a cell of its own:\n{cell}"
        )


@pytest.mark.parametrize("lesson", LESSON_FILES, ids=[p.name for p in LESSON_FILES])
def test_no_lesson_writes_into_the_committed_plots_folder_by_default(lesson):
    # Each lesson reads its figure folder from MINITRAIN_PLOTS_DIR with a default under build/
    # (ignored by git); `minitrain plots` is what writes to plots/.
    defaults = re.findall(r'MINITRAIN_PLOTS_DIR",\s*(.+?)\)\)', lesson.read_text(encoding="utf-8"))
    assert defaults and all('"build"' in d and '"plots"' not in d for d in defaults), defaults
