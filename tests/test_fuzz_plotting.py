"""Fuzzing minitrain.plotting: arbitrary values (``junk``) in each argument of each public
plotting function, the others valid. The only exceptions allowed are ValueError and TypeError,
and the inputs stay bit-identical. Figures drawn from values that happen to be valid are
cleared at once."""

from __future__ import annotations

import os

import numpy as np
import pytest
from bad_inputs import assert_fails_cleanly, junk
from hypothesis import given, settings
from matplotlib.figure import Figure

from minitrain import plotting
from minitrain.plotting import comparisons

CURVE = np.array([1.0, 0.5, 0.25])
FRACTIONS = np.array([0.2, 0.5, 0.9])
STEPS = np.array([0.0, 1.0, 2.0])
SCORES = np.array([0.1, 0.2, 5.0, 0.3])
FLAGS = np.array([False, False, True, False])


def bowl(x1, x2):
    return x1**2 + x2**2


def figure_with_legend() -> Figure:
    fig = Figure()
    fig.subplots().plot([0, 1], [0, 1], label="a")
    fig.axes[0].legend()
    return fig


#: function -> its valid keyword arguments; each argument in turn gets junk.
VALID = {
    plotting.loss_curves: {"histories": {"a": {"loss": [1.0, 0.5]}}, "log": None, "title": "t"},
    plotting.convergence: {"curves": {"a": CURVE}, "bound": CURVE, "bound_label": "b",
                           "log": None, "xlabel": "x"},
    plotting.gd_vs_bound: {"observed": {"a": CURVE}, "bounds": {"a": CURVE}, "log": None},
    plotting.trajectories_on_contours: {
        "f": bowl, "trajectories": {"a": np.array([[1.0, 1.0], [0.0, 0.1]])},
        "xlim": (-1.0, 1.0), "ylim": (-1.0, 1.0), "minimum": (0.0, 0.0), "levels": 4,
        "resolution": 12,
    },
    plotting.lr_sensitivity: {"learning_rates": STEPS + 1, "final_values": {"a": CURVE},
                              "log": None},
    plotting.losses_and_gradients: {"x": STEPS, "values": {"a": CURVE},
                                    "gradients": {"a": CURVE}},
    plotting.gradient_errors: {"errors": {"a": CURVE}, "tolerance": 0.5},
    plotting.detector_scores: {"scores": SCORES, "flags": FLAGS, "truth": FLAGS,
                               "threshold": 1.0, "log": None},
    plotting.sparsity_vs_accuracy: {"curves": {"a": (FRACTIONS, FRACTIONS)},
                                    "dense_accuracy": 0.95},
    plotting.pareto_front: {"sizes": CURVE, "accuracies": FRACTIONS},
    plotting.accuracy_vs_bytes: {"points": {"a": (CURVE + 1, FRACTIONS)},
                                 "budgets": {"mcu": 2.0}, "log": None},
    plotting.rounds_to_accuracy: {"curves": {"a": FRACTIONS}, "target": 0.5},
    plotting.time_to_accuracy: {"curves": {"a": (STEPS, FRACTIONS)}, "target": 0.5,
                                "log": None},
    plotting.bytes_under_compression: {"curves": {"a": (STEPS, FRACTIONS)}, "target": 0.5,
                                       "log": None},
    plotting.save: {"fig": Figure(), "path": "figure.png", "dpi": 20},
    comparisons.grouped_bars: {"values": {"a": {"x": 1.0, "y": 2.0}}, "log": None,
                               "value_format": "{:.2g}", "reference": (1.0, "floor")},
    comparisons.resource_curves: {"curves": {"a": (STEPS + 1, CURVE)}, "formula": None,
                                  "log_x": None, "log_y": None, "markers": True,
                                  "x_unit": "B"},
    comparisons.legend_below: {"fig": figure_with_legend(), "columns": 2},
    comparisons.schedule_timeline: {"tasks": {"s": [(0.0, 1.0, "forward", "0")]},
                                    "title": "t"},
}  # fmt: skip
TARGETS = [(function, name) for function, kwargs in VALID.items() for name in kwargs]


@pytest.fixture(scope="module", autouse=True)
def _work_in_a_temporary_folder(tmp_path_factory):
    """``save`` given a junk string as its path writes there, not into the repository."""
    previous = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("fuzz-plots"))
    yield
    os.chdir(previous)


def draw_and_clear(function, **kwargs):
    result = function(**kwargs)
    if isinstance(result, Figure) and function is not comparisons.legend_below:
        result.clear()  # made without pyplot: nothing registers it; free its artists now


@pytest.mark.parametrize(
    "function, name", TARGETS, ids=[f"{f.__name__}-{n}" for f, n in TARGETS]
)
@settings(max_examples=12)  # each target is one argument; 12 junk values cover its kinds
@given(value=junk())
def test_junk_in_any_argument_fails_cleanly(function, name, value):
    kwargs = {**VALID[function], name: value}
    assert_fails_cleanly(draw_and_clear, function, **kwargs)


@settings(max_examples=12)
@given(first=junk(), second=junk())
def test_junk_arrays_for_spans_decades_fail_cleanly(first, second):
    assert_fails_cleanly(plotting.spans_decades, first, second)
    assert_fails_cleanly(plotting.spans_decades, CURVE, decades=first)
