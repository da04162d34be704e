"""The ``minitrain`` command: ``minitrain demo``, and the entry points of the course."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

LESSONS_DIR = Path(__file__).resolve().parents[1] / "lessons"
LESSON_FILE = re.compile(r"^(\d\d)_\w+\.py$")


def linear_demo(epochs: int = 100, learning_rate: float = 0.1, seed: int = 0) -> dict[str, float]:
    """The classic first example: learn y = 2x + 1 from noisy samples with one Dense unit.

    Sequential([Dense(1, 1)]) trained by minibatch SGD on the MSE loss, then compared with the
    closed-form least-squares solution. Returns the learned and exact coefficients.
    """
    import minitrain as mt

    X, y = mt.data.make_linear(n=100, coef=2.0, intercept=1.0, noise=0.5, seed=seed)
    model = mt.Sequential([mt.Dense(1, 1)])
    history = mt.fit(
        model,
        mt.losses.MSE(),
        mt.optim.SGD(lr=learning_rate),
        X,
        y,
        epochs=epochs,
        batch_size=16,
        seed=seed,
        progress=False,
    )
    exact = mt.closed_form.ols(X, y)
    exact_w = float(np.ravel(exact.coef)[0])
    exact_b = float(np.ravel(exact.intercept)[0])
    exact_loss = mt.losses.MSE()(X * exact_w + exact_b, y)
    learned_w = float(history.params["0.W"][0, 0])
    learned_b = float(history.params["0.b"][0])
    final_loss = mt.losses.MSE()(model.predict(history.params, X), y)
    print("Linear regression y = 2x + 1 + noise, 100 samples, Dense(1, 1), SGD, MSE")
    print(f"{'':22}{'w':>10}{'b':>10}{'MSE':>10}")
    print(f"{'true generator':22}{2.0:>10.4f}{1.0:>10.4f}{'':>10}")
    print(f"{'closed form (OLS)':22}{exact_w:>10.4f}{exact_b:>10.4f}{exact_loss:>10.4f}")
    print(f"{f'SGD, {epochs} epochs':22}{learned_w:>10.4f}{learned_b:>10.4f}{final_loss:>10.4f}")
    return {
        "w": learned_w,
        "b": learned_b,
        "exact_w": exact_w,
        "exact_b": exact_b,
        "loss": final_loss,
        "exact_loss": exact_loss,
    }


# ----- the course: lessons and the plot gallery ---------------------------------------------


def find_lessons(folder: Path | None = None) -> dict[int, Path]:
    """Lesson number -> file, for the files ``NN_name.py`` of the lessons folder."""
    folder = LESSONS_DIR if folder is None else folder
    if not folder.is_dir():
        raise FileNotFoundError(
            f"no lessons folder at {folder}: the lessons live in the lessons/ folder of the "
            "minitrain source repository, beside the package; run from a clone of it."
        )
    found = (LESSON_FILE.match(path.name) for path in sorted(folder.iterdir()))
    return {int(m.group(1)): folder / m.group(0) for m in found if m}


def lesson_title(path: Path) -> str:
    """The first markdown heading of a lesson (``# # Title`` in a jupytext percent file)."""
    in_markdown = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# %%"):
            in_markdown = "[markdown]" in line
        elif in_markdown and line.lstrip("# ").strip():
            return line.lstrip("# ").strip()
    return "(no title)"


def list_lessons() -> int:
    lessons = find_lessons()
    if not lessons:
        print(f"no lessons (files NN_name.py) in {LESSONS_DIR}")
    for number, path in lessons.items():
        print(f"{number:>2}  {path.name:<32} {lesson_title(path)}")
    print("\nRun one with `minitrain lessons N`; open one as a notebook with jupytext; build "
          "them all into an offline site with `minitrain book`.")
    return 0


def run_lesson(number: int) -> int:
    """Run lesson ``number`` as a script with this interpreter; return its exit code."""
    lessons = find_lessons()
    if number not in lessons:
        raise ValueError(
            f"there is no lesson {number}; the lessons are {sorted(lessons)} "
            "(`minitrain lessons` lists them)."
        )
    path = lessons[number]
    print(f"running {path.name} ...", flush=True)
    return subprocess.run([sys.executable, str(path)], cwd=path.parent.parent).returncode


def run_demo(args: argparse.Namespace) -> int:
    """``minitrain demo``: the edge story (default) or, with ``--linear``, the first example.
    ``check_options`` has checked the options (and built ``args.settings``) before."""
    if args.linear:
        linear_demo(epochs=100 if args.epochs is None else args.epochs, seed=args.seed)
        return 0
    from . import demo  # the subsystems load only for the story

    demo.run(args.settings)
    return 0


def make_plots(out: str, only: str | None) -> int:
    """The gallery's figures and the lessons' figures (all, or the one named ``only``)."""
    from . import gallery  # matplotlib and the figures' data only when asked for

    lesson = LESSON_FIGURE.match(only or "")
    if only is not None and lesson is None:
        gallery.generate(out, only=only)  # refuses a name that is neither kind
        return 0
    if only is None:
        gallery.generate(out)
    return lesson_figures(out, None if lesson is None else int(lesson.group(1)))


LESSON_FIGURE = re.compile(r"^lesson(\d\d)_\w+\.png$")


def lesson_figures(out: str, number: int | None = None) -> int:
    """Run the lessons (all, or lesson ``number``) as scripts writing their figures to ``out``:
    the one command that regenerates the committed lesson figures (a plain lesson run writes
    them to the ignored build/figures/)."""
    lessons = find_lessons()
    chosen = sorted(lessons) if number is None else [number]
    if number is not None and number not in lessons:
        raise ValueError(f"there is no lesson {number}; the lessons are {sorted(lessons)}.")
    env = {**os.environ, "MINITRAIN_PLOTS_DIR": str(Path(out).resolve())}
    for n in chosen:
        print(f"running {lessons[n].name} -> {out}", flush=True)
        code = subprocess.run([sys.executable, str(lessons[n])], cwd=lessons[n].parent.parent,
                              env=env, stdout=subprocess.DEVNULL).returncode  # fmt: skip
        if code:
            print(f"minitrain plots: {lessons[n].name} failed (exit {code})", file=sys.stderr)
            return code
    return 0


def make_book(args: argparse.Namespace) -> int:
    """``minitrain book``: execute the lessons as notebooks and write the static site."""
    from . import book  # jupytext, nbclient and MathJax only when a book is built

    try:
        built = book.build(args.out, edition=args.edition, lessons=args.lessons, fast=args.fast,
                           jobs=args.jobs)  # fmt: skip
    except ImportError as error:
        print(f"minitrain book: {error}", file=sys.stderr)
        return 2
    print(f"open {built.out.resolve() / 'index.html'} in a browser (it works offline)")
    return 0


# ----- options: every bad one is a usage message and exit status 2, before any work ------------


def _integer(text: str, minimum: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {what}; got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be {what}; got {value}")
    return value


def positive_int(text: str) -> int:
    """An argparse type: an integer >= 1 (epochs, jobs)."""
    return _integer(text, 1, "an integer >= 1")


def folder_path(text: str) -> str:
    """An argparse type: a folder to write into. It may not exist yet, but it may not be a file,
    nor lie under a file, and the nearest folder that exists must be writable."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must name a folder; got an empty string")
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a file, not a folder; name a folder")
    existing = next((p for p in (path, *path.parents) if p.exists()), Path.cwd())
    if not existing.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} lies under the file {str(existing)!r}")
    try:  # permissions and read-only mounts alike
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as error:
        raise argparse.ArgumentTypeError(
            f"cannot write in {str(existing)!r} ({error.strerror}); choose another folder"
        ) from None
    return text


def lesson_numbers(text: str) -> list[int]:
    """An argparse type: distinct lesson numbers separated by commas, e.g. ``1,3``."""
    try:
        numbers = [int(n) for n in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--lessons takes numbers like 1,3; got {text!r}"
        ) from None
    if len(set(numbers)) != len(numbers):
        raise argparse.ArgumentTypeError(f"--lessons names a lesson twice: {text!r}")
    return numbers


STORY_OPTIONS = ("optimizer", "nodes", "sparsity", "rounds")  # the story's, not --linear's


def _lessons_or_error(parser: argparse.ArgumentParser) -> dict[int, Path]:
    try:
        return find_lessons()
    except FileNotFoundError as error:
        parser.error(str(error))


def _check_demo(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    from . import demo

    ignored = [f"--{name}" for name in STORY_OPTIONS if getattr(args, name) is not None]
    ignored += ["--out"] if args.out is not None else []
    if args.linear and ignored:
        parser.error(
            f"--linear prints a table and writes no figures: {', '.join(ignored)} belong to "
            "the story; drop them"
        )
    if not args.linear and args.epochs is not None:
        parser.error("argument --epochs: applies only with --linear (the story trains by rounds)")
    given = {name: getattr(args, name) for name in (*STORY_OPTIONS, "seed")}
    try:  # the story's ranges live in one place, DemoSettings
        args.settings = demo.DemoSettings(
            **{k: v for k, v in given.items() if v is not None}, out=args.out or "demo_output"
        )
    except (TypeError, ValueError) as error:
        name = next((n for n in given if str(error).startswith(n)), None)
        parser.print_usage(sys.stderr)
        print(f"minitrain demo: bad option: {error}" + (f" (--{name})" if name else ""),
              file=sys.stderr)  # fmt: skip
        raise SystemExit(2) from None


def _check_plots(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.only is None:
        return
    lesson = LESSON_FIGURE.match(args.only)
    if lesson is not None:
        lessons = _lessons_or_error(parser)
        number = int(lesson.group(1))
        if number not in lessons:
            parser.error(
                f"argument --only: there is no lesson {number}; the lessons are {sorted(lessons)}"
            )
        return
    from .gallery import FIGURES  # matplotlib only when a figure is named

    if args.only not in FIGURES:
        parser.error(
            f"argument --only: unknown figure {args.only!r}; the gallery's figures are "
            f"{', '.join(FIGURES)}, and lessonNN_name.png for a lesson's"
        )


def check_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """The checks argparse's types cannot make alone (options that exclude each other, lesson
    numbers that must exist); each failure is the subcommand's usage and exit status 2."""
    if args.command == "demo":
        _check_demo(parser, args)
    elif args.command == "plots":
        _check_plots(parser, args)
    elif args.command == "lessons" and args.number is not None:
        lessons = _lessons_or_error(parser)
        if args.number not in lessons:
            parser.error(
                f"there is no lesson {args.number}; the lessons are {sorted(lessons)} "
                "(`minitrain lessons` lists them)"
            )
    elif args.command == "book" and args.lessons is not None:
        found = _lessons_or_error(parser)
        unknown = [n for n in args.lessons if n not in found]
        if unknown:
            parser.error(
                f"argument --lessons: lessons must be numbers among {sorted(found)}; "
                f"got {unknown}"
            )


def build_parser() -> argparse.ArgumentParser:
    from .demo import OPTIMIZERS

    parser = argparse.ArgumentParser(
        prog="minitrain",
        description="Train and simulate models on edge devices, in NumPy.",
        allow_abbrev=False,  # options are spelled in full: "--node" is not taken as "--nodes"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        """A subcommand that reports bad options through its own usage (``check_options``)."""
        sub = commands.add_parser(name, allow_abbrev=False, help=summary)
        sub.set_defaults(parser=sub)
        return sub

    demo = command(
        "demo",
        "the whole story: dirty sensor fleet -> cleaning -> federated training -> "
        "pruning and int8 -> a final table and figures",
    )
    demo.add_argument(
        "--linear", action="store_true", help="the first example instead: y = 2x + 1 by SGD"
    )
    demo.add_argument(
        "--epochs", type=positive_int, help="with --linear: training epochs (default 100)"
    )
    demo.add_argument("--seed", type=int, default=0, help="random seed, >= 0 (default 0)")
    demo.add_argument(
        "--optimizer",
        help=f"the stepper each node runs locally: {', '.join(OPTIMIZERS)} (default sgd, "
        "with momentum 0.9)",
    )
    demo.add_argument("--nodes", type=int, help="sensor nodes, 3 to 64 (default 8)")
    demo.add_argument(
        "--sparsity", type=float, help="fraction of the hidden weights to prune, in [0, 1) "
        "(default 0.8)",
    )  # fmt: skip
    demo.add_argument("--rounds", type=int, help="federated rounds, >= 1 (default 30)")
    demo.add_argument(
        "--out", type=folder_path, help="folder for the story's figures (default demo_output/)"
    )
    lessons = command("lessons", "list the lessons, or run lesson N")
    lessons.add_argument("number", type=int, nargs="?", help="the lesson to run (e.g. 3)")
    plots = command(
        "plots", "regenerate the plot gallery and the lessons' figures (the committed PNGs)"
    )
    plots.add_argument(
        "--out", type=folder_path, default="plots", help="folder for the PNGs (default plots/)"
    )
    plots.add_argument(
        "--only",
        metavar="NAME",
        help="one figure, e.g. gd_vs_rate_bound.png or lesson01_gd_vs_bound.png",
    )
    book = command("book", "execute every lesson as a notebook and build the offline course site")
    book.add_argument(
        "--out", type=folder_path, default="build/book", help="site folder (default build/book/)"
    )
    book.add_argument(
        "--edition",
        choices=("teacher", "student"),
        default="teacher",
        help="teacher: with folded solutions (default); student: exercises and checks only",
    )
    book.add_argument(
        "--lessons", type=lesson_numbers, metavar="N,M", help="only these lessons, e.g. 1,3"
    )
    book.add_argument("--fast", action="store_true", help="the lessons' quick mode (smaller runs)")
    book.add_argument(
        "--jobs", type=positive_int, default=1, help="lessons run at once (default 1)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (2: a bad option, with the usage message)."""
    try:
        args = build_parser().parse_args(argv)
        check_options(args.parser, args)
    except SystemExit as stop:  # argparse's usage and message are already on stderr
        return stop.code if isinstance(stop.code, int) else 2
    if args.command == "demo":
        return run_demo(args)
    if args.command == "book":
        try:
            return make_book(args)
        except (FileNotFoundError, ValueError) as error:
            print(f"minitrain book: {error}", file=sys.stderr)
            return 2
    try:
        if args.command == "lessons":
            return list_lessons() if args.number is None else run_lesson(args.number)
        return make_plots(args.out, args.only)
    except (FileNotFoundError, ValueError) as error:
        print(f"minitrain {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
