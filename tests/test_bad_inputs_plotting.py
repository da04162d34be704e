"""Bad input to minitrain.plotting, case by case: every public plotting function refuses a bad
argument (None, strings, float16, NaN where a value is needed, wrong lengths and shapes, values
out of range) with a ValueError or TypeError naming it, leaves its inputs bit-identical and
emits no warning."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from bad_inputs import Case, assert_refused, cases
from matplotlib.figure import Figure

from minitrain import plotting
from minitrain.plotting import comparisons

F16 = np.array([1.0, 0.5, 0.25], dtype=np.float16)
CURVE = np.array([1.0, 0.5, 0.25])
FRACTIONS = np.array([0.2, 0.5, 0.9])
STEPS = np.array([0.0, 1.0, 2.0])
PATH2D = np.array([[1.0, 1.0], [0.5, 0.5], [0.0, 0.1]])
SCORES = np.array([0.1, 0.2, 5.0, 0.3])
FLAGS = np.array([False, False, True, False])
FOLDER = Path(tempfile.mkdtemp(prefix="minitrain-bad-plots-"))
A_FILE = FOLDER / "a-file.txt"
A_FILE.write_text("not a folder\n", encoding="utf-8")


@pytest.fixture(scope="module", autouse=True)
def _remove_folder():
    yield
    shutil.rmtree(FOLDER, ignore_errors=True)


def bowl(x1, x2):
    return x1**2 + x2**2


def contours(**changes):
    """trajectories_on_contours with valid arguments except ``changes``."""
    kwargs = {"xlim": (-1.5, 1.5), "ylim": (-1.5, 1.5), **changes}
    f = kwargs.pop("f", bowl)
    trajectories = kwargs.pop("trajectories", {"GD": PATH2D})
    return plotting.trajectories_on_contours(f, trajectories, **kwargs)


def timeline(task):
    return comparisons.schedule_timeline({"stage 0": [task]})


LOSS = {"loss": [1.0, 0.5, 0.2]}
PAIR = (STEPS, FRACTIONS)

CASES = [
    # loss_curves
    Case("loss_curves None", plotting.loss_curves, (None,), names=("histories",)),
    Case("loss_curves list", plotting.loss_curves, ([LOSS],), names=("histories",)),
    Case("loss_curves empty", plotting.loss_curves, ({},), names=("histories",)),
    Case("loss_curves int label", plotting.loss_curves, ({1: LOSS},), names=("histories",)),
    Case(
        "loss_curves string history",
        plotting.loss_curves,
        ({"a": "loss"},),
        names=("histories['a']",),
    ),
    Case(
        "loss_curves float16",
        plotting.loss_curves,
        ({"a": {"loss": F16}},),
        error=TypeError,
        names=("histories['a'].loss", "float16"),
    ),
    Case(
        "loss_curves NaN",
        plotting.loss_curves,
        ({"a": {"loss": [1.0, np.nan]}},),
        error=ValueError,
        names=("histories['a'].loss",),
    ),
    Case(
        "loss_curves loss int",
        plotting.loss_curves,
        ({"a": {"loss": 5}},),
        names=("histories['a'].loss",),
    ),
    Case(
        "loss_curves loss string",
        plotting.loss_curves,
        ({"a": {"loss": "0.5"}},),
        names=("histories['a'].loss",),
    ),
    Case(
        "loss_curves val_loss 2-D",
        plotting.loss_curves,
        ({"a": {"loss": [1.0], "val_loss": [[1.0]]}},),
        names=("histories['a'].val_loss",),
    ),
    Case(
        "loss_curves log string",
        plotting.loss_curves,
        ({"a": LOSS},),
        {"log": "yes"},
        error=TypeError,
        names=("log",),
    ),
    Case(
        "loss_curves title None",
        plotting.loss_curves,
        ({"a": LOSS},),
        {"title": None},
        error=TypeError,
        names=("title",),
    ),
    # convergence and gd_vs_bound
    Case("convergence None", plotting.convergence, (None,), names=("curves",)),
    Case("convergence None curve", plotting.convergence, ({"a": None},), names=("curves['a']",)),
    Case(
        "convergence float16",
        plotting.convergence,
        ({"a": F16},),
        error=TypeError,
        names=("curves['a']", "float16"),
    ),
    Case(
        "convergence bound string",
        plotting.convergence,
        ({"a": CURVE},),
        {"bound": "x"},
        names=("bound",),
    ),
    Case(
        "convergence bound NaN",
        plotting.convergence,
        ({"a": CURVE},),
        {"bound": np.array([1.0, np.nan])},
        error=ValueError,
        names=("bound",),
    ),
    Case(
        "convergence bound unknown key",
        plotting.convergence,
        ({"a": CURVE},),
        {"bound": {"b": CURVE}},
        error=ValueError,
        names=("bound",),
    ),
    Case(
        "convergence bound_label int",
        plotting.convergence,
        ({"a": CURVE},),
        {"bound": CURVE, "bound_label": 3},
        error=TypeError,
        names=("bound_label",),
    ),
    Case(
        "convergence log of negatives",
        plotting.convergence,
        ({"a": -CURVE},),
        {"log": True},
        error=ValueError,
        names=("curves",),
    ),
    Case(
        "gd_vs_bound bounds list",
        plotting.gd_vs_bound,
        ({"a": CURVE}, [CURVE]),
        error=ValueError,
        names=("bounds",),
    ),
    Case(
        "gd_vs_bound bounds other keys",
        plotting.gd_vs_bound,
        ({"a": CURVE}, {"b": CURVE}),
        error=ValueError,
        names=("bounds",),
    ),
    # trajectories_on_contours
    Case("contours f not callable", contours, (), {"f": "x**2"}, error=TypeError, names=("f",)),
    Case(
        "contours three columns",
        contours,
        (),
        {"trajectories": {"a": np.ones((3, 3))}},
        error=ValueError,
        names=("trajectories['a']",),
    ),
    Case(
        "contours 1-D path",
        contours,
        (),
        {"trajectories": {"a": CURVE}},
        error=ValueError,
        names=("trajectories['a']",),
    ),
    Case(
        "contours xlim reversed",
        contours,
        (),
        {"xlim": (1.0, 0.0)},
        error=ValueError,
        names=("xlim",),
    ),
    Case("contours xlim None", contours, (), {"xlim": None}, error=TypeError, names=("xlim",)),
    Case(
        "contours ylim NaN",
        contours,
        (),
        {"ylim": (0.0, np.nan)},
        error=ValueError,
        names=("ylim",),
    ),
    Case("contours levels one", contours, (), {"levels": 1}, error=ValueError, names=("levels",)),
    Case(
        "contours resolution huge",
        contours,
        (),
        {"resolution": 10**6},
        error=ValueError,
        names=("resolution",),
    ),
    Case(
        "contours resolution float",
        contours,
        (),
        {"resolution": 50.0},
        error=TypeError,
        names=("resolution",),
    ),
    Case(
        "contours minimum string",
        contours,
        (),
        {"minimum": "ab"},
        error=TypeError,
        names=("minimum",),
    ),
    Case(
        "contours minimum three",
        contours,
        (),
        {"minimum": (1.0, 2.0, 3.0)},
        error=ValueError,
        names=("minimum",),
    ),
    Case(
        "contours f returns strings",
        contours,
        (),
        {"f": lambda x1, x2: np.full(x1.shape, "a")},
        error=TypeError,
        names=("f(x1, x2)",),
    ),
    Case(
        "contours f returns float16",
        contours,
        (),
        {"f": lambda x1, x2: (x1**2).astype(np.float16)},
        error=TypeError,
        names=("f(x1, x2)", "float16"),
    ),
    # lr_sensitivity
    Case(
        "lr negative",
        plotting.lr_sensitivity,
        (-STEPS, {"a": CURVE}),
        error=ValueError,
        names=("learning_rates",),
    ),
    Case(
        "lr float16",
        plotting.lr_sensitivity,
        (F16, {"a": CURVE}),
        error=TypeError,
        names=("learning_rates",),
    ),
    Case(
        "lr wrong length",
        plotting.lr_sensitivity,
        (STEPS + 1, {"a": CURVE[:2]}),
        error=ValueError,
        names=("final_values['a']",),
    ),
    Case(
        "lr all diverged",
        plotting.lr_sensitivity,
        (STEPS + 1, {"a": np.full(3, np.nan)}),
        error=ValueError,
        names=("final_values",),
    ),
    # losses_and_gradients, gradient_errors
    Case(
        "losses x None",
        plotting.losses_and_gradients,
        (None, {"a": CURVE}, {"a": CURVE}),
        names=("x",),
    ),
    Case(
        "losses wrong length",
        plotting.losses_and_gradients,
        (STEPS, {"a": CURVE[:2]}, {"a": CURVE}),
        error=ValueError,
        names=("values['a']",),
    ),
    Case(
        "losses gradients string",
        plotting.losses_and_gradients,
        (STEPS, {"a": CURVE}, "grad"),
        error=TypeError,
        names=("gradients",),
    ),
    Case(
        "errors negative",
        plotting.gradient_errors,
        ({"a": -CURVE},),
        error=ValueError,
        names=("errors['a']",),
    ),
    Case(
        "errors tolerance zero",
        plotting.gradient_errors,
        ({"a": CURVE},),
        {"tolerance": 0.0},
        error=ValueError,
        names=("tolerance",),
    ),
    Case(
        "errors tolerance string",
        plotting.gradient_errors,
        ({"a": CURVE},),
        {"tolerance": "1e-6"},
        error=TypeError,
        names=("tolerance",),
    ),
    # detector_scores
    Case("scores None", plotting.detector_scores, (None, FLAGS, FLAGS), names=("scores",)),
    Case(
        "scores float16",
        plotting.detector_scores,
        (SCORES.astype(np.float16), FLAGS, FLAGS),
        error=TypeError,
        names=("scores", "float16"),
    ),
    Case(
        "scores NaN",
        plotting.detector_scores,
        (np.array([0.1, np.nan, 1, 2]), FLAGS, FLAGS),
        error=ValueError,
        names=("scores",),
    ),
    Case(
        "flags int",
        plotting.detector_scores,
        (SCORES, FLAGS.astype(int), FLAGS),
        error=TypeError,
        names=("flags",),
    ),
    Case(
        "flags list",
        plotting.detector_scores,
        (SCORES, list(FLAGS), FLAGS),
        error=TypeError,
        names=("flags",),
    ),
    Case(
        "truth wrong length",
        plotting.detector_scores,
        (SCORES, FLAGS, FLAGS[:3]),
        error=ValueError,
        names=("truth",),
    ),
    Case(
        "threshold negative",
        plotting.detector_scores,
        (SCORES, FLAGS, FLAGS, -1.0),
        error=ValueError,
        names=("threshold",),
    ),
    Case(
        "threshold string",
        plotting.detector_scores,
        (SCORES, FLAGS, FLAGS, "high"),
        error=TypeError,
        names=("threshold",),
    ),
    # sparsity_vs_accuracy, pareto_front, accuracy_vs_bytes
    Case(
        "sparsity triple",
        plotting.sparsity_vs_accuracy,
        ({"a": (STEPS, CURVE, CURVE)},),
        error=TypeError,
        names=("curves['a']",),
    ),
    Case(
        "sparsity accuracy above one",
        plotting.sparsity_vs_accuracy,
        ({"a": (FRACTIONS, FRACTIONS + 1)},),
        error=ValueError,
        names=("accuracies",),
    ),
    Case(
        "sparsity lengths differ",
        plotting.sparsity_vs_accuracy,
        ({"a": (FRACTIONS, FRACTIONS[:2])},),
        error=ValueError,
        names=("curves['a']",),
    ),
    Case(
        "sparsity dense_accuracy two",
        plotting.sparsity_vs_accuracy,
        ({"a": (FRACTIONS, FRACTIONS)},),
        {"dense_accuracy": 2.0},
        error=ValueError,
        names=("dense_accuracy",),
    ),
    Case("pareto sizes None", plotting.pareto_front, (None, FRACTIONS), names=("sizes",)),
    Case(
        "pareto lengths differ",
        plotting.pareto_front,
        (CURVE, FRACTIONS[:2]),
        error=ValueError,
        names=("sizes",),
    ),
    Case(
        "pareto accuracies NaN",
        plotting.pareto_front,
        (CURVE, np.array([0.1, np.nan, 1])),
        error=ValueError,
        names=("accuracies",),
    ),
    Case(
        "bytes size zero",
        plotting.accuracy_vs_bytes,
        ({"a": (0.0, 0.5)},),
        error=ValueError,
        names=("points['a']",),
    ),
    Case(
        "bytes budget negative",
        plotting.accuracy_vs_bytes,
        ({"a": (10.0, 0.5)},),
        {"budgets": {"mcu": -1.0}},
        error=ValueError,
        names=("budgets['mcu']",),
    ),
    Case(
        "bytes budgets list",
        plotting.accuracy_vs_bytes,
        ({"a": (10.0, 0.5)},),
        {"budgets": [1.0]},
        error=TypeError,
        names=("budgets",),
    ),
    # rounds_to_accuracy, time_to_accuracy, bytes_under_compression
    Case(
        "rounds target zero",
        plotting.rounds_to_accuracy,
        ({"a": FRACTIONS},),
        {"target": 0.0},
        error=ValueError,
        names=("target",),
    ),
    Case(
        "rounds target string",
        plotting.rounds_to_accuracy,
        ({"a": FRACTIONS},),
        {"target": "0.9"},
        error=TypeError,
        names=("target",),
    ),
    Case(
        "rounds empty panel",
        plotting.rounds_to_accuracy,
        ({"IID": {}},),
        error=ValueError,
        names=("curves['IID']",),
    ),
    Case(
        "rounds float16",
        plotting.rounds_to_accuracy,
        ({"a": F16},),
        error=TypeError,
        names=("curves['a']", "float16"),
    ),
    Case(
        "time decreasing",
        plotting.time_to_accuracy,
        ({"a": (STEPS[::-1], FRACTIONS)},),
        error=ValueError,
        names=("curves['a']",),
    ),
    Case(
        "time negative",
        plotting.time_to_accuracy,
        ({"a": (STEPS - 5, FRACTIONS)},),
        error=ValueError,
        names=("curves['a']",),
    ),
    Case(
        "compression accuracy NaN",
        plotting.bytes_under_compression,
        ({"a": (STEPS, np.array([0.1, np.nan, 0.5]))},),
        error=ValueError,
        names=("curves['a']",),
    ),
    # save and spans_decades
    Case("save fig None", plotting.save, (None, FOLDER / "f.png"), error=TypeError, names=("fig",)),
    Case(
        "save jpg", plotting.save, (Figure(), FOLDER / "f.jpg"), error=ValueError, names=("path",)
    ),
    Case("save path None", plotting.save, (Figure(), None), error=TypeError, names=("path",)),
    Case(
        "save dpi tiny",
        plotting.save,
        (Figure(), FOLDER / "f.png"),
        {"dpi": 5},
        error=ValueError,
        names=("dpi",),
    ),
    Case(
        "save dpi huge",
        plotting.save,
        (Figure(), FOLDER / "f.png"),
        {"dpi": 10**6},
        error=ValueError,
        names=("dpi",),
    ),
    Case(
        "save path folder",
        plotting.save,
        (Figure(), FOLDER / "x.png"),
        {},
        error=(IsADirectoryError,),
        names=("path",),
    ),
    Case(
        "save under a file",
        plotting.save,
        (Figure(), A_FILE / "f.png"),
        error=NotADirectoryError,
        names=("path",),
    ),
    Case("spans no arrays", plotting.spans_decades, (), error=TypeError, names=("arrays",)),
    Case("spans string", plotting.spans_decades, ("abc",), error=TypeError, names=("arrays[0]",)),
    Case("spans float16", plotting.spans_decades, (F16,), error=TypeError, names=("arrays[0]",)),
    Case(
        "spans decades zero",
        plotting.spans_decades,
        (CURVE,),
        {"decades": 0},
        error=ValueError,
        names=("decades",),
    ),
    # comparisons
    Case("bars None", comparisons.grouped_bars, (None,), names=("values",)),
    Case(
        "bars rows differ",
        comparisons.grouped_bars,
        ({"a": {"x": 1.0, "y": 2.0}, "b": {"x": 1.0}},),
        error=ValueError,
        names=("values['b']",),
    ),
    Case(
        "bars value None",
        comparisons.grouped_bars,
        ({"a": {"x": None}},),
        error=TypeError,
        names=("values['a']",),
    ),
    Case(
        "bars negative",
        comparisons.grouped_bars,
        ({"a": {"x": -1.0, "y": 1.0}},),
        {"log": False},
        error=ValueError,
        names=("values",),
    ),
    Case(
        "bars value_format int code",
        comparisons.grouped_bars,
        ({"a": {"x": 1.0}},),
        {"value_format": "{:d}"},
        error=ValueError,
        names=("value_format",),
    ),
    Case(
        "bars value_format None",
        comparisons.grouped_bars,
        ({"a": {"x": 1.0}},),
        {"value_format": None},
        error=TypeError,
        names=("value_format",),
    ),
    Case(
        "bars reference list",
        comparisons.grouped_bars,
        ({"a": {"x": 1.0}},),
        {"reference": [1.0, "floor"]},
        error=TypeError,
        names=("reference",),
    ),
    Case(
        "bars reference NaN",
        comparisons.grouped_bars,
        ({"a": {"x": 1.0}},),
        {"reference": (np.nan, "floor")},
        error=ValueError,
        names=("reference",),
    ),
    Case(
        "curves markers string",
        comparisons.resource_curves,
        ({"a": PAIR},),
        {"markers": "no"},
        error=TypeError,
        names=("markers",),
    ),
    Case(
        "curves x_unit int",
        comparisons.resource_curves,
        ({"a": PAIR},),
        {"x_unit": 5},
        error=TypeError,
        names=("x_unit",),
    ),
    Case(
        "curves formula lengths",
        comparisons.resource_curves,
        ({"a": PAIR},),
        {"formula": {"a": (STEPS, CURVE[:2])}},
        error=ValueError,
        names=("formula['a']",),
    ),
    Case("legend_below None", comparisons.legend_below, (None,), error=TypeError, names=("fig",)),
    Case(
        "legend_below columns zero",
        comparisons.legend_below,
        (Figure(),),
        {"columns": 0},
        error=ValueError,
        names=("columns",),
    ),
    Case(
        "timeline kind None",
        timeline,
        ((0.0, 1.0, None, "0"),),
        error=TypeError,
        names=("tasks['stage 0']",),
    ),
    Case(
        "timeline text int",
        timeline,
        ((0.0, 1.0, "forward", 0),),
        error=TypeError,
        names=("tasks['stage 0']",),
    ),
    Case(
        "timeline ends first",
        timeline,
        ((2.0, 1.0, "forward", "0"),),
        error=ValueError,
        names=("tasks['stage 0']",),
    ),
    Case(
        "timeline task list",
        timeline,
        ([0.0, 1.0, "forward", "0"],),
        error=TypeError,
        names=("tasks['stage 0']",),
    ),
    Case(
        "timeline row string",
        comparisons.schedule_timeline,
        ({"s": "forward"},),
        error=TypeError,
        names=("tasks['s']",),
    ),
    Case(
        "timeline NaN time",
        timeline,
        ((np.nan, 1.0, "forward", "0"),),
        error=ValueError,
        names=("tasks['stage 0']",),
    ),
]


@pytest.fixture(scope="module", autouse=True)
def _a_folder_named_like_a_figure():
    (FOLDER / "x.png").mkdir()


@cases(*CASES)
def test_each_bad_argument_is_refused_by_name(case):
    assert_refused(case)
