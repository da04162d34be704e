"""The README's examples are the API as it is: every ```python block runs, in order, in one
namespace (as a reader pasting them one after the other would), and its own checks pass.
Every other code block says what it is (bash, text), and every file it links to exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\]\(([^)#\s]+)\)")
NON_PYTHON = {"bash", "text"}


def code_blocks(text: str) -> list[tuple[str, int, str]]:
    """(language, line of the first code line, code) of every fenced block, in order."""
    return [
        (m.group(1), text.count("\n", 0, m.start(2)) + 1, m.group(2)) for m in FENCE.finditer(text)
    ]


def test_every_code_block_is_python_or_says_what_it_is():
    languages = [language for language, _, _ in code_blocks(README.read_text(encoding="utf-8"))]
    assert "python" in languages
    assert set(languages) <= {"python"} | NON_PYTHON, languages


def test_every_python_block_runs_in_order_in_one_namespace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the examples write checkpoints to the working directory
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace: dict = {"__name__": "__readme__"}
    text = README.read_text(encoding="utf-8")
    for language, line, code in code_blocks(text):
        if language != "python":
            continue
        # Padding with newlines makes a traceback name the README's own line numbers.
        exec(compile("\n" * (line - 1) + code, str(README), "exec"), namespace)


def test_every_relative_link_points_to_a_file_of_the_repository():
    targets = LINK.findall(README.read_text(encoding="utf-8"))
    relative = [t for t in targets if "://" not in t]
    assert any(t.startswith("plots/") and t.endswith(".png") for t in relative)
    missing = [t for t in relative if not (ROOT / t).is_file()]
    assert not missing, missing
