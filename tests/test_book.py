"""The book: lessons executed as notebooks into an offline site, checked in headless Chromium.

The site is built once per session from two lessons in their quick mode (lesson 1, the
shortest, and lesson 3, the one with the most math and figures) plus a student edition of
lesson 1, which keeps the suite's time in bounds; a lesson written into a temporary folder
shows that any ``NN_name.py`` file joins the book. The browser tests need Debian's
``chromium`` and ``chromium-driver`` (``.ci/run`` installs them): without them they skip on a
developer's machine and fail under CI.
"""

import base64
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

pytest.importorskip("nbclient", reason="the book's tools come with pip install 'minitrain[book]'")

from minitrain import book, cli

LESSONS = [1, 3]
SCREENSHOTS = Path(tempfile.gettempdir()) / "minitrain-book-screenshots"


@pytest.fixture(scope="session")
def teacher_book(tmp_path_factory):
    return book.build(
        tmp_path_factory.mktemp("teacher"), lessons=LESSONS, fast=True, jobs=2, report=None
    )


@pytest.fixture(scope="session")
def student_book(tmp_path_factory):
    out = tmp_path_factory.mktemp("student")
    return book.build(out, edition="student", lessons=[1], fast=True, report=None)


def page_text(path):
    return path.read_text(encoding="utf-8")


# ----- the site's contents --------------------------------------------------------------------


def test_each_lesson_page_shows_every_figure_the_lesson_saves(teacher_book):
    for lesson in teacher_book.lessons:
        saved = set(re.findall(r"lesson\d\d_\w+\.png", page_text(lesson.source)))
        html = page_text(teacher_book.out / lesson.page)
        shown = set(re.findall(r'alt="(lesson\d\d_\w+\.png)"', html))
        assert saved and shown == saved, lesson.page
        assert len(lesson.figures) == len(saved)


def test_no_page_points_at_a_network_address(teacher_book):
    for page in teacher_book.pages:
        links = re.findall(r'(?:src|href)="([^"]+)"', page_text(page))
        assert links and not [link for link in links if re.match(r"[a-z]+://", link)], page.name


def test_the_teacher_edition_folds_each_solution_under_a_summary(teacher_book):
    for lesson in teacher_book.lessons:
        html = page_text(teacher_book.out / lesson.page)
        summaries = re.findall(r"<summary>(Solution \d+)</summary>", html)
        assert summaries == ["Solution 1", "Solution 2", "Solution 3"], lesson.page


def test_the_student_edition_drops_solutions_and_keeps_exercises_and_checks(
    teacher_book, student_book
):
    student = page_text(student_book.out / student_book.lessons[0].page)
    teacher = page_text(teacher_book.out / student_book.lessons[0].page)
    assert "<details" not in student and 'id="Solutions"' not in student
    assert 'id="Exercises"' in student
    # Every check a solution calls is defined in the student's page, so answers can be checked.
    called = set(re.findall(r'<span class="n">(check_\w+)</span><span class="p">\(', teacher))
    defined = set(re.findall(r'<span class="nf">(check_\w+)</span>', student))
    assert called and called <= defined
    notebook = json.loads(page_text(student_book.out / "notebooks" / "01_linear_regression.ipynb"))
    assert not any("solution" in c["metadata"].get("tags", []) for c in notebook["cells"])
    assert all(not c.get("outputs") for c in notebook["cells"] if c["cell_type"] == "code")


def test_for_edition_keeps_everything_for_teachers_and_drops_solution_cells_for_students():
    notebook = book.read_lesson(cli.find_lessons()[3])
    flags = book.solution_flags(notebook.cells)
    assert sum(flags) >= 3 and not any(flags[:10])
    assert book.for_edition(notebook, "teacher").cells == notebook.cells
    student = book.for_edition(notebook, "student").cells
    assert student == [cell for cell, flag in zip(notebook.cells, flags) if not flag]
    with pytest.raises(ValueError, match="edition must be one of 'teacher', 'student'"):
        book.for_edition(notebook, "parent")


def test_a_lesson_joins_the_book_by_being_a_file_in_the_lessons_folder(tmp_path):
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    (lessons / "12_new.py").write_text(
        "# %% [markdown]\n# # Lesson 12: a new lesson\n#\n# **The question.** Is $x^2 \\ge 0$?\n"
        "\n# %%\nimport numpy as np\n\nfrom minitrain import plotting\n\n"
        "fig = plotting.convergence({'GD': np.geomspace(1, 1e-3, 20)}, title='GD')\n"
        "plotting.save(fig, 'lesson12_gd.png')\n",
        encoding="utf-8",
    )
    built = book.build(tmp_path / "site", lessons_dir=lessons, plots_dir=tmp_path, report=None)
    assert [lesson.page for lesson in built.lessons] == ["12_new.html"]
    index = page_text(tmp_path / "site" / "index.html")
    assert 'href="12_new.html"' in index and "Is $x^2 \\ge 0$?" in index
    assert 'alt="lesson12_gd.png"' in page_text(tmp_path / "site" / "12_new.html")


def test_unknown_lessons_and_editions_are_refused_before_any_work(tmp_path):
    with pytest.raises(ValueError, match=r"lessons must be numbers among \[1, 2, 3"):
        book.build(tmp_path, lessons=[99], report=None)
    with pytest.raises(ValueError, match="edition must be one of"):
        book.build(tmp_path, edition="parent", report=None)
    assert not any(tmp_path.iterdir())


# ----- in a real browser ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium():
    """Headless Chromium driven by chromedriver, logging the console and the network."""
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if binary is None or driver is None:
        message = "needs Debian's chromium and chromium-driver (apt-get install chromium "
        message += "chromium-driver; .ci/run installs them)"
        if os.environ.get("CI"):
            pytest.fail(f"the browser test {message}")
        pytest.skip(message)
    if not os.environ.get("CI"):
        pytest.importorskip("selenium", reason="selenium comes with the test extra")
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,1600"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    browser = webdriver.Chrome(options=options, service=webdriver.ChromeService(driver))
    yield browser
    browser.quit()


def visit(browser, path):
    """Open ``path``; return (console errors, requested URLs) once MathJax has finished."""
    browser.get_log("browser"), browser.get_log("performance")  # forget the previous page
    browser.get(path.as_uri())
    browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "MathJax.startup.promise.then(() => done(true), () => done(false));"
    )
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    requests = [
        event["params"]["request"]["url"]
        for event in (json.loads(e["message"])["message"] for e in browser.get_log("performance"))
        if event["method"] == "Network.requestWillBeSent"
    ]
    return errors, requests


def test_every_page_loads_offline_with_its_images_and_math_rendered(teacher_book, chromium):
    equations = 0
    for page in teacher_book.pages:
        errors, requests = visit(chromium, page)
        assert not errors, (page.name, errors)
        remote = [url for url in requests if not url.startswith(("file:", "data:"))]
        assert requests and not remote, (page.name, remote)
        images = chromium.execute_script(
            "return [...document.images].map(i => [i.getAttribute('src'), i.naturalWidth])"
        )
        assert images and all(width > 0 for _, width in images), (page.name, images)
        if page.name[:2].isdigit():
            rendered = chromium.execute_script(
                "return document.querySelectorAll('mjx-container').length"
            )
            failed = chromium.execute_script(
                "return document.querySelectorAll('mjx-merror').length"
            )
            text = chromium.execute_script("return document.querySelector('main').innerText")
            assert rendered > 10 and failed == 0, (page.name, rendered, failed)
            assert "$$" not in text and "\\frac" not in text, page.name  # no TeX left as text
            equations += rendered
    print(f"{len(teacher_book.pages)} pages, {equations} equations rendered")


def test_the_index_links_every_lesson_and_screenshots_are_kept(teacher_book, chromium):
    visit(chromium, teacher_book.out / "index.html")
    links = set(
        chromium.execute_script("return [...document.links].map(a => a.getAttribute('href'))")
    )
    assert {lesson.page for lesson in teacher_book.lessons} <= links
    assert {"gallery.html", "index.html"} <= links
    SCREENSHOTS.mkdir(exist_ok=True)
    for page in (teacher_book.out / "index.html", teacher_book.out / "03_optimizers.html"):
        visit(chromium, page)
        # The whole page, not just the window: Chrome's own capture beyond the viewport.
        width, height = chromium.execute_script(
            "return [document.body.scrollWidth, Math.min(document.body.scrollHeight, 6000)]"
        )
        clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
        shot = chromium.execute_cdp_cmd(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
        )
        path = SCREENSHOTS / f"{page.stem}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        assert path.stat().st_size > 20_000  # a blank page of this size compresses to ~5 kB


def test_a_students_notebook_tells_a_right_answer_from_a_wrong_one(student_book, tmp_path):
    import nbformat
    from nbclient.exceptions import CellExecutionError

    path = student_book.out / "notebooks" / "01_linear_regression.ipynb"
    source = cli.find_lessons()[1]
    for answer, right in (("2 / rate.L", True), ("1 / rate.L", False)):
        notebook = nbformat.read(path, as_version=4)
        notebook.cells.append(nbformat.v4.new_code_cell(f"check_edge({answer})"))
        env = {"MINITRAIN_FAST": "1", "MINITRAIN_PLOTS_DIR": str(tmp_path)}
        if right:
            book.execute(notebook, cwd=source.parent, env=env)
            assert "check_edge: correct" in notebook.cells[-1].outputs[0].text
        else:
            with pytest.raises(CellExecutionError, match="converges iff lr < 2/L"):
                book.execute(notebook, cwd=source.parent, env=env)
