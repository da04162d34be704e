"""Executed notebook -> HTML page: markdown with TeX left for MathJax, highlighted code, outputs.

Each cell becomes one ``<section>``: markdown through nbconvert's mistune renderer (which keeps
``$...$`` and ``$$...$$`` intact for MathJax), code through pygments, and each output by its
richest type: a PNG is written to ``images/`` and shown with its caption, text is escaped into
``<pre>``. In the teacher edition the solution cells are folded under a "Solution" summary.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path
from typing import Any

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
SAVED_PATH = re.compile(r"([\w-]+\.png)'?\)?$")
SOLUTION_NUMBER = re.compile(r"^\*\*(\d+)\.\*\*")
MATHJAX = "static/mathjax/tex-svg-full.js"


def captions() -> dict[str, str]:
    """Figure file name -> caption, for the gallery's and the lessons' figures."""
    from ..gallery import FIGURES
    from ..gallery.lessons import LESSON_FIGURES

    return {name: entry[1] for name, entry in FIGURES.items()} | dict(LESSON_FIGURES)


def terminal_text(text: str) -> str:
    """What a terminal would show: colour codes removed, each line's last ``\\r`` rewrite kept
    (a text progress bar redraws its line with carriage returns)."""
    text = ANSI.sub("", text)
    return "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))


def markdown(source: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(source)


def code(source: str) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return highlight(source, PythonLexer(), HtmlFormatter(cssclass="highlight"))


class OutputWriter:
    """Turns a code cell's outputs into HTML, writing PNGs to ``out/images``."""

    def __init__(self, out: Path, prefix: str, figures: list[str]) -> None:
        self.images = out / "images"
        self.images.mkdir(parents=True, exist_ok=True)
        self.prefix, self.figures, self.count = prefix, figures, 0
        self.captions = captions()

    def image(self, data: str, plain: str) -> str:
        self.count += 1
        name = f"{self.prefix}-{self.count}.png"
        (self.images / name).write_bytes(base64.b64decode(data))
        saved = SAVED_PATH.search(plain.strip())
        figure = saved.group(1) if saved else name
        self.figures.append(f"images/{name}")
        caption = self.captions.get(figure, "")
        text = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
        return (
            f'<figure><img src="images/{name}" alt="{html.escape(figure)}" loading="eager">'
            f"{text}</figure>"
        )

    def output(self, output: Any) -> str:
        kind = output.output_type
        if kind == "stream":
            text = terminal_text(output.text)
            return f'<pre class="output {output.name}">{html.escape(text)}</pre>' if text else ""
        if kind == "error":
            text = terminal_text("\n".join(output.traceback))
            return f'<pre class="output error">{html.escape(text)}</pre>'
        data = output.get("data", {})
        plain = data.get("text/plain", "")
        if "image/png" in data:
            return self.image(data["image/png"], plain)
        if "image/svg+xml" in data:
            return f"<figure>{data['image/svg+xml']}</figure>"
        if "text/html" in data:
            return f'<div class="output html">{data["text/html"]}</div>'
        return f'<pre class="output result">{html.escape(plain)}</pre>' if plain else ""


def cell_html(cell: Any, writer: OutputWriter) -> str:
    if cell.cell_type == "markdown":
        return f'<section class="markdown">{markdown(cell.source)}</section>'
    if cell.cell_type != "code":
        return ""
    outputs = "".join(writer.output(output) for output in cell.get("outputs", []))
    return f'<section class="code">{code(cell.source)}{outputs}</section>'


def lesson_body(notebook: Any, writer: OutputWriter, edition: str) -> str:
    """The cells in order; in the teacher edition, each solution (its explanation and code)
    inside one ``<details class="solution">``."""
    from . import is_solutions_heading, solution_flags

    parts: list[str] = []
    folded: list[str] = []
    summary = ""

    def fold() -> None:
        if folded:
            parts.append(
                f'<details class="solution"><summary>{summary}</summary>{"".join(folded)}</details>'
            )
            folded.clear()

    for cell, is_solution in zip(notebook.cells, solution_flags(notebook.cells)):
        rendered = cell_html(cell, writer)
        if not is_solution or edition == "student" or is_solutions_heading(cell):
            fold()
            parts.append(rendered)
            continue
        is_markdown = cell.cell_type == "markdown"
        number = SOLUTION_NUMBER.match(cell.source.strip()) if is_markdown else None
        if number:  # a new solution starts at its numbered explanation
            fold()
        summary = f"Solution {number.group(1)}" if number else (summary or "Solution")
        folded.append(rendered)
    fold()
    return "\n".join(parts)


def navigation(pages: list[str], current: str) -> str:
    links = ['<a href="index.html">Lessons</a>', '<a href="gallery.html">Gallery</a>']
    if current in pages:
        at = pages.index(current)
        if at > 0:
            links.append(f'<a href="{pages[at - 1]}" rel="prev">&larr; previous</a>')
        if at + 1 < len(pages):
            links.append(f'<a href="{pages[at + 1]}" rel="next">next &rarr;</a>')
    return "<nav>" + " · ".join(links) + "</nav>"


def plain_page(title: str, body: str, edition: str, pages: list[str], current: str = "") -> str:
    """A whole HTML page: the local stylesheet and MathJax, navigation, ``body``."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="static/book.css">
<script>
window.MathJax = {{
  tex: {{inlineMath: [["$", "$"], ["\\\\(", "\\\\)"]], processEscapes: true}},
  svg: {{fontCache: "global"}},
  options: {{skipHtmlTags: ["script", "noscript", "style", "textarea", "pre", "code"]}}
}};
</script>
<script defer src="{MATHJAX}"></script>
</head>
<body>
<header>{navigation(pages, current)}<span class="edition">{edition} edition</span></header>
<main>
{body}
</main>
</body>
</html>
"""


def lesson_page(notebook: Any, lesson: Any, out: Path, *, edition: str, pages: list[str]) -> str:
    writer = OutputWriter(out, Path(lesson.page).stem, lesson.figures)
    body = lesson_body(notebook, writer, edition)
    download = (
        f'<p class="download"><a href="notebooks/{lesson.source.stem}.ipynb" download>'
        f"Download this lesson as a notebook</a></p>"
    )
    return plain_page(lesson.title, download + body + navigation(pages, lesson.page), edition,
                      pages, lesson.page)  # fmt: skip
