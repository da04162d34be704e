"""Bad options to the ``minitrain`` command, case by case: each is the usage message and exit
status 2, with a message naming the option, before any work starts (nothing printed to stdout,
nothing written) and never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from minitrain import cli

REPO = Path(__file__).resolve().parents[1]
FILE = "a-file.txt"  # created in each test's working folder: an --out that is a file

BAD_OPTIONS = {
    # demo, the first example (--linear)
    "linear epochs zero": (["demo", "--linear", "--epochs", "0"], "--epochs"),
    "linear epochs negative": (["demo", "--linear", "--epochs", "-3"], "--epochs"),
    "linear epochs word": (["demo", "--linear", "--epochs", "ten"], "--epochs"),
    "linear epochs float": (["demo", "--linear", "--epochs", "2.5"], "--epochs"),
    "linear seed negative": (["demo", "--linear", "--seed", "-1"], "--seed"),
    "linear with out": (["demo", "--linear", "--out", "figures"], "--out"),
    "linear with nodes": (["demo", "--linear", "--nodes", "5"], "--nodes"),
    "linear with optimizer": (["demo", "--linear", "--optimizer", "adam"], "--optimizer"),
    "linear with rounds": (["demo", "--linear", "--rounds", "3"], "--rounds"),
    # demo, the story
    "epochs without linear": (["demo", "--epochs", "5"], "--epochs"),
    "seed negative": (["demo", "--seed", "-1"], "--seed"),
    "seed word": (["demo", "--seed", "zero"], "--seed"),
    "seed float": (["demo", "--seed", "0.5"], "--seed"),
    "nodes too few": (["demo", "--nodes", "1"], "--nodes"),
    "nodes too many": (["demo", "--nodes", "65"], "--nodes"),
    "nodes word": (["demo", "--nodes", "two"], "--nodes"),
    "sparsity one": (["demo", "--sparsity", "1.0"], "--sparsity"),
    "sparsity negative": (["demo", "--sparsity", "-0.1"], "--sparsity"),
    "sparsity nan": (["demo", "--sparsity", "nan"], "--sparsity"),
    "sparsity word": (["demo", "--sparsity", "most"], "--sparsity"),
    "rounds zero": (["demo", "--rounds", "0"], "--rounds"),
    "rounds float": (["demo", "--rounds", "1.5"], "--rounds"),
    "optimizer unknown": (["demo", "--optimizer", "lbfgs"], "--optimizer"),
    "optimizer capitalised": (["demo", "--optimizer", "Adam"], "--optimizer"),
    "out is a file": (["demo", "--out", FILE], "--out"),
    "out under a file": (["demo", "--out", f"{FILE}/figures"], "--out"),
    "out empty": (["demo", "--out", ""], "--out"),
    "unknown flag": (["demo", "--node", "5"], "--node"),
    # lessons
    "lesson unknown": (["lessons", "99"], "lesson 99"),
    "lesson zero": (["lessons", "0"], "lesson 0"),
    "lesson word": (["lessons", "one"], "number"),
    "lesson twice": (["lessons", "1", "2"], "unrecognized arguments: 2"),
    # plots
    "plots out is a file": (["plots", "--out", FILE], "--out"),
    "plots out under a file": (["plots", "--out", f"{FILE}/plots"], "--out"),
    "plots unknown figure": (["plots", "--only", "nope.png"], "--only"),
    "plots unknown lesson figure": (["plots", "--only", "lesson99_x.png"], "--only"),
    # book
    "book edition unknown": (["book", "--edition", "draft"], "--edition"),
    "book jobs zero": (["book", "--jobs", "0"], "--jobs"),
    "book jobs word": (["book", "--jobs", "all"], "--jobs"),
    "book lessons word": (["book", "--lessons", "one"], "--lessons"),
    "book lessons empty": (["book", "--lessons", ""], "--lessons"),
    "book lessons unknown": (["book", "--lessons", "1,99"], "--lessons"),
    "book lessons repeated": (["book", "--lessons", "1,1"], "--lessons"),
    "book out is a file": (["book", "--out", FILE], "--out"),
    # the command itself
    "no command": ([], "command"),
    "unknown command": (["train"], "train"),
}


@pytest.mark.parametrize("argv, option", BAD_OPTIONS.values(), ids=list(BAD_OPTIONS))
def test_a_bad_option_is_a_usage_message_and_exit_2_before_any_work(
    argv, option, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)  # relative paths (and the demo's default folder) land here
    (tmp_path / FILE).write_text("not a folder\n", encoding="utf-8")
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert "usage: minitrain" in captured.err
    assert option in captured.err, captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""  # nothing ran
    assert sorted(p.name for p in tmp_path.iterdir()) == [FILE]  # nothing was written
    assert (tmp_path / FILE).read_text(encoding="utf-8") == "not a folder\n"


@pytest.mark.parametrize(
    "argv, option",
    [
        (["demo", "--linear", "--epochs", "0"], "--epochs"),
        (["demo", "--seed", "-1"], "--seed"),
        (["plots", "--out", "README.md"], "--out"),
    ],
    ids=["epochs", "seed", "out"],
)
def test_the_installed_command_exits_2_without_a_traceback(argv, option):
    result = subprocess.run(
        [sys.executable, "-m", "minitrain.cli", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,  # README.md is a file there
    )
    assert result.returncode == 2
    assert option in result.stderr and "usage: minitrain" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_help_is_exit_0(capsys):
    assert cli.main(["demo", "--help"]) == 0
    assert "--sparsity" in capsys.readouterr().out
