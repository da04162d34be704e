"""The site's shared pages and files: the lessons index, the gallery page, CSS and MathJax."""

from __future__ import annotations

import html
import shutil
from pathlib import Path
from typing import Any

from .render import MATHJAX, markdown

CSS = """
body { font: 16px/1.55 system-ui, sans-serif; margin: 0; color: #1d1d1f; background: #fff; }
header { display: flex; justify-content: space-between; align-items: center;
  padding: .6rem 1.5rem; background: #f3f4f6; border-bottom: 1px solid #d8dadf; }
header nav a, nav a { margin-right: .4rem; }
.edition { color: #555; font-size: .9rem; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
a { color: #0b57d0; }
section.code { margin: .8rem 0; }
.highlight { background: #f6f8fa; border: 1px solid #e1e4e8; border-radius: 4px;
  padding: .2rem .8rem; overflow-x: auto; }
.highlight pre { margin: .4rem 0; font-size: .88rem; }
pre.output { margin: .3rem 0 .3rem 1rem; padding: .3rem .6rem; font-size: .85rem;
  border-left: 3px solid #c8ccd2; overflow-x: auto; }
pre.stderr { border-left-color: #d9a400; }
pre.error { border-left-color: #c62828; color: #8b0000; }
figure { margin: .8rem 0; }
figure img { max-width: 100%; height: auto; }
figcaption { font-size: .92rem; color: #444; margin-top: .3rem; }
details.solution { border: 1px solid #c9d7ee; border-radius: 4px; padding: .3rem .8rem;
  margin: .6rem 0; background: #f7faff; }
details.solution summary { cursor: pointer; font-weight: 600; }
table.lessons { border-collapse: collapse; width: 100%; }
table.lessons td { border-top: 1px solid #ddd; padding: .6rem; vertical-align: top; }
table.lessons img { width: 16rem; max-width: 40vw; height: auto; }
.download { font-size: .92rem; }
a.anchor-link { visibility: hidden; margin-left: .3rem; text-decoration: none; }
h1:hover a.anchor-link, h2:hover a.anchor-link, h3:hover a.anchor-link { visibility: visible; }
"""


def mathjax_file() -> Path:
    """The single-file MathJax 3 build (TeX input, SVG output, every TeX extension) shipped by
    the ``django-static-mathjax`` package: no fonts to fetch, no extension loaded later."""
    from importlib.util import find_spec

    spec = find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("MathJax is not installed; pip install 'minitrain[book]'")
    root = Path(next(iter(spec.submodule_search_locations)))
    return root / "static" / "mathjax" / "es5" / "tex-svg-full.js"


def write_static(out: Path) -> None:
    from pygments.formatters import HtmlFormatter

    (out / "static").mkdir(parents=True, exist_ok=True)
    colours = HtmlFormatter(style="default").get_style_defs(".highlight")
    (out / "static" / "book.css").write_text(CSS.lstrip() + colours, encoding="utf-8")
    target = out / MATHJAX
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(mathjax_file(), target)


def index_body(lessons: list[Any], edition: str) -> str:
    """The lessons table: number, title (linked), the lesson's question and its first figure."""
    rows = []
    for lesson in lessons:
        figure = (
            f'<a href="{lesson.page}"><img src="{lesson.figures[0]}" alt="a figure of lesson '
            f'{lesson.number}"></a>'
            if lesson.figures
            else ""
        )
        rows.append(
            f'<tr><td>{lesson.number}</td><td><a href="{lesson.page}">'
            f"<strong>{html.escape(lesson.title)}</strong></a>"
            f"{markdown(lesson.question)}</td><td>{figure}</td></tr>"
        )
    solutions = (
        "Each exercise has a check you can run; the solutions are not included."
        if edition == "student"
        else "Each exercise has a check and a folded solution."
    )
    return (
        "<h1>The minitrain course</h1>\n"
        "<p>Training machine-learning models where the data is made, on edge devices, from "
        "scratch in NumPy: every gradient derived by hand and checked. Each lesson below was "
        f"executed as a notebook to build this page. {solutions} The "
        '<a href="gallery.html">gallery</a> collects the library\'s figures.</p>\n'
        f'<table class="lessons">\n{chr(10).join(rows)}\n</table>'
    )


def gallery_body(out: Path, plots: Path) -> str:
    """The gallery's figures (copied into ``out/gallery``) under headings, with captions."""
    from ..gallery import FIGURES

    (out / "gallery").mkdir(parents=True, exist_ok=True)
    parts = [
        "<h1>The plot gallery</h1>",
        "<p>Figures computed from fixed seeds by <code>minitrain plots</code>; the lessons' own "
        "figures appear in their pages.</p>",
    ]
    for name, (_, caption) in FIGURES.items():
        if not (plots / name).is_file():
            continue
        shutil.copyfile(plots / name, out / "gallery" / name)
        heading = name.removesuffix(".png").replace("_", " ")
        parts.append(
            f'<h2>{html.escape(heading.capitalize())}</h2><figure><img src="gallery/{name}" '
            f'alt="{html.escape(heading)}"><figcaption>{html.escape(caption)}</figcaption></figure>'
        )
    return "\n".join(parts)
