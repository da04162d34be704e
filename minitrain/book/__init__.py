"""The course as a static site that opens offline: every lesson executed as a notebook.

``build(out, edition=...)`` reads each ``lessons/NN_name.py`` (jupytext percent format),
executes it as a notebook with nbclient (a real Jupyter kernel, so a lesson's figures are the
rich displays a teacher sees in Jupyter), and writes:

- ``index.html``: the lessons table, each row with the lesson's question and its first figure;
- ``NN_name.html``: one page per lesson, its markdown with math, code, outputs and figures inline;
- ``gallery.html``: the figures of ``plots/`` with their captions;
- ``notebooks/NN_name.ipynb``: the edition's notebook, to download and run;
- ``static/``: the stylesheet and MathJax, copied from the ``django-static-mathjax`` package
  so that nothing is fetched from a network when the site is opened.

Editions: ``"teacher"`` keeps everything and folds each solution under a "Solution" summary;
``"student"`` drops the solutions (the cells from the ``## Solutions`` heading on, and any cell
tagged ``solution``) and keeps the exercises and their ``check_...`` functions, so a student's
notebook still says whether an answer is right.

A new lesson joins the book by being a ``NN_name.py`` file in ``lessons/``. The tools come with
``pip install 'minitrain[book]'`` and are imported only when a book is built.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._validate import check_choice, check_int, describe
from .render import lesson_page, plain_page
from .site import gallery_body, index_body, write_static

EDITIONS = ("teacher", "student")
SOLUTIONS_HEADING = "## Solutions"
TIMEOUT = 600  # seconds a single cell may run; a lesson runs in well under a minute
TOOLS = ("jupytext", "nbclient", "nbformat", "ipykernel", "pygments", "mathjax")


@dataclass
class Lesson:
    """One built lesson: where it came from, its page, and the figures it displayed."""

    number: int
    source: Path
    title: str
    question: str
    page: str
    figures: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class Book:
    """What ``build`` wrote: the site folder, its lessons, pages and counts."""

    out: Path
    edition: str
    lessons: list[Lesson]
    pages: list[Path]
    images: int
    seconds: float


def check_tools() -> None:
    """Raise ImportError naming the missing packages and the extra that brings them."""
    from importlib.util import find_spec

    missing = [name for name in TOOLS if find_spec(name) is None]
    if missing:
        raise ImportError(
            f"building the book needs {', '.join(missing)}, which are not installed; "
            "install them with: pip install 'minitrain[book]'"
        )


def is_solutions_heading(cell: Any) -> bool:
    return cell.cell_type == "markdown" and cell.source.lstrip().startswith(SOLUTIONS_HEADING)


def solution_flags(cells: list[Any]) -> list[bool]:
    """True for each cell that is part of a solution: tagged ``solution``, or after the
    ``## Solutions`` heading (the heading itself included)."""
    flags, after_heading = [], False
    for cell in cells:
        after_heading = after_heading or is_solutions_heading(cell)
        flags.append(after_heading or "solution" in cell.metadata.get("tags", []))
    return flags


def for_edition(notebook: Any, edition: str) -> Any:
    """The notebook a given edition shows (a copy): the student's has no solution cells."""
    import copy

    edition = check_choice("edition", edition, EDITIONS)
    notebook = copy.deepcopy(notebook)
    if edition == "student":
        flags = solution_flags(notebook.cells)
        notebook.cells = [cell for cell, flag in zip(notebook.cells, flags) if not flag]
    return notebook


def read_lesson(path: Path) -> Any:
    """The lesson file as a notebook (jupytext reads the percent format)."""
    import jupytext

    return jupytext.read(path)


def execute(notebook: Any, *, cwd: Path, env: dict[str, str]) -> Any:
    """Run every cell in a fresh Python kernel (the notebook is changed in place and returned).

    ``env`` adds variables to this process's environment for the kernel (e.g.
    ``MINITRAIN_PLOTS_DIR``); ``cwd`` is the kernel's working directory.

    A cell that raises stops the build with nbclient's CellExecutionError, naming the cell.
    """
    from jupyter_client import KernelManager
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory(prefix="minitrain-kernel-") as sockets:
        # IPC sockets in a private folder: no TCP port, and no warning about one in the output
        manager = KernelManager(kernel_name="python3", transport="ipc", ip=f"{sockets}/kernel")
        client = NotebookClient(
            notebook, km=manager, timeout=TIMEOUT, resources={"metadata": {"path": str(cwd)}}
        )
        try:
            client.execute(env={**os.environ, **env})  # env adds to this process's
        finally:  # the client leaves a kernel it did not start running
            if manager.has_kernel:
                manager.shutdown_kernel(now=True)
    return notebook


def lesson_question(notebook: Any) -> str:
    """The lesson's question: the first markdown paragraph that starts with **The question.**,
    or else the first paragraph after the title."""
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        paragraphs = [p.strip() for p in cell.source.split("\n\n") if p.strip()]
        for paragraph in paragraphs:
            if paragraph.startswith("**The question.**"):
                return " ".join(paragraph.removeprefix("**The question.**").split())
        body = [p for p in paragraphs if not p.startswith("#")]
        if body:
            return " ".join(body[0].split())
    return ""


def build_lesson(
    number: int, source: Path, out: Path, edition: str, env: dict[str, str], pages: list[str]
) -> tuple[Lesson, str]:
    """Execute one lesson and render its page; return the Lesson and the page's HTML."""
    import nbformat

    from ..cli import lesson_title

    start = time.perf_counter()
    notebook = for_edition(read_lesson(source), edition)
    execute(notebook, cwd=source.parent, env=env)
    lesson = Lesson(
        number=number,
        source=source,
        title=lesson_title(source),
        question=lesson_question(notebook),
        page=f"{source.stem}.html",
    )
    html = lesson_page(notebook, lesson, out, edition=edition, pages=pages)
    download = notebook
    if edition == "student":  # a student runs the notebook: it arrives without outputs
        download = for_edition(notebook, "student")
        for cell in download.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    nbformat.write(download, out / "notebooks" / f"{source.stem}.ipynb")
    lesson.seconds = time.perf_counter() - start
    return lesson, html


def build(
    out: str | Path,
    *,
    edition: str = "teacher",
    lessons: Iterable[int] | None = None,
    fast: bool = False,
    jobs: int = 1,
    lessons_dir: Path | None = None,
    plots_dir: Path | None = None,
    report: Callable[[str], None] | None = print,
) -> Book:
    """Execute the lessons (all, or the numbers in ``lessons``) and write the site to ``out``.

    ``fast=True`` runs each lesson in its quick mode (``MINITRAIN_FAST=1``, as the test suite
    does); ``jobs`` lessons run at once, each in its own kernel. ``plots_dir`` is the gallery
    folder shown on the gallery page (default: ``plots/`` beside the lessons). The figures the
    lessons save go to a temporary folder; the site shows the ones they display.
    """
    from ..cli import find_lessons

    check_tools()
    if not isinstance(out, str | Path):
        raise TypeError(f"out must be a folder path (str or Path); got {describe(out)}.")
    edition = check_choice("edition", edition, EDITIONS)
    jobs = check_int("jobs", jobs, minimum=1)
    found = find_lessons(lessons_dir)
    chosen = sorted(found) if lessons is None else sorted(set(lessons))
    unknown = [n for n in chosen if n not in found]
    if unknown or not chosen:
        raise ValueError(
            f"lessons must be numbers among {sorted(found)}; got {sorted(set(lessons or []))}."
        )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    plots_dir = found[chosen[0]].parent.parent / "plots" if plots_dir is None else plots_dir
    start = time.perf_counter()
    clear(out)
    write_static(out)
    pages = [found[n].stem + ".html" for n in chosen]
    with tempfile.TemporaryDirectory(prefix="minitrain-book-") as figures:
        env = {**os.environ, "MINITRAIN_PLOTS_DIR": figures, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        if fast:
            env["MINITRAIN_FAST"] = "1"

        def one(number: int) -> tuple[Lesson, str]:
            lesson, html = build_lesson(number, found[number], out, edition, env, pages)
            if report is not None:
                report(f"{lesson.page:<36} {lesson.seconds:6.1f} s")
            return lesson, html

        with ThreadPoolExecutor(max_workers=jobs) as pool:
            built = list(pool.map(one, chosen))
    written = []
    for lesson, html in built:
        written.append(out / lesson.page)
        written[-1].write_text(html, encoding="utf-8")
    lessons_built = [lesson for lesson, _ in built]
    index = plain_page("The minitrain course", index_body(lessons_built, edition), edition, pages)
    (out / "index.html").write_text(index, encoding="utf-8")
    gallery = plain_page("The plot gallery", gallery_body(out, plots_dir), edition, pages)
    (out / "gallery.html").write_text(gallery, encoding="utf-8")
    written = [out / "index.html", *written, out / "gallery.html"]
    images = len(list((out / "images").glob("*.png"))) + len(list((out / "gallery").glob("*.png")))
    book = Book(out, edition, lessons_built, written, images, time.perf_counter() - start)
    if report is not None:
        report(f"{len(written)} pages, {images} images in {book.seconds:.0f} s: {out}")
    return book


def clear(out: Path) -> None:
    """Remove a previous build's pages, images and notebooks (other files are left alone)."""
    for name in ("images", "gallery", "notebooks", "static"):
        shutil.rmtree(out / name, ignore_errors=True)
    for page in out.glob("*.html"):
        page.unlink()


__all__ = ["EDITIONS", "Book", "Lesson", "build", "for_edition", "read_lesson", "solution_flags"]
