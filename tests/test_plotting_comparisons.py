"""Properties of the comparison figures: what is drawn is exactly the data given, every figure
is complete, scales follow the data, bad input is refused and the caller's data is untouched."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from matplotlib.patches import Rectangle

from minitrain.plotting.comparisons import (
    grouped_bars,
    legend_below,
    resource_curves,
    schedule_timeline,
)

positive = st.floats(min_value=0.1, max_value=9.0, allow_nan=False)  # within one decade


def bars_of(fig):
    return [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]


def assert_complete(fig):
    ax = fig.axes[0]
    title = ax.get_title() or fig.get_suptitle()
    assert title and ax.get_xlabel() and ax.get_ylabel()
    legend = ax.get_legend() or (fig.legends[0] if fig.legends else None)
    assert legend is not None and legend.get_texts()


@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 5)), elements=positive))
def test_bar_lengths_are_the_values_first_variant_on_top(table):
    values = {f"series {i}": {f"row {j}": v for j, v in enumerate(row)}
              for i, row in enumerate(table)}  # fmt: skip
    fig = grouped_bars(values)
    assert_complete(fig)
    widths = np.array([bar.get_width() for bar in bars_of(fig)]).reshape(table.shape)
    np.testing.assert_array_equal(widths, table)  # drawn lengths are the numbers, not rounded
    heights = np.array([bar.get_y() for bar in bars_of(fig)]).reshape(table.shape)
    assert np.all(np.diff(heights, axis=1) < 0)  # row 0 is drawn highest, then downwards
    assert fig.axes[0].get_xscale() == "linear"  # values within one decade


def test_bars_spanning_two_decades_get_a_log_axis_and_say_so():
    fig = grouped_bars({"linear": {"raw": 500.0, "clean": 3.4}}, xlabel="RMSE (W)")
    assert fig.axes[0].get_xscale() == "log"
    assert fig.axes[0].get_xlabel() == "RMSE (W), log scale"


def test_bar_reference_line_is_drawn_at_its_value_with_its_label():
    fig = grouped_bars({"a": {"x": 3.0, "y": 5.0}}, reference=(2.0, "noise floor"))
    lines = [line for line in fig.axes[0].lines if line.get_label() == "noise floor"]
    assert len(lines) == 1 and list(lines[0].get_xdata()) == [2.0, 2.0]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["noise floor", "a"]


@pytest.mark.parametrize(
    "values, error, message",
    [
        ({"a": {"x": 1.0}, "b": {"y": 1.0}}, ValueError, "same rows in the same order"),
        ({"a": {"x": 1.0, "y": 2.0}, "b": {"y": 1.0, "x": 2.0}}, ValueError, "same order"),
        ({"a": {"x": -1.0, "y": 2.0}}, ValueError, "must be >= 0"),
        ({"a": {"x": np.nan}}, ValueError, "NaN"),
        ({"a": [1.0, 2.0]}, TypeError, "must be a dict"),
        ({}, ValueError, "is empty"),
    ],
)
def test_bad_bar_values_are_refused_with_a_message(values, error, message):
    with pytest.raises(error, match=message):
        grouped_bars(values)


def test_bad_reference_is_refused():
    with pytest.raises(TypeError, match="reference must be a pair"):
        grouped_bars({"a": {"x": 1.0}}, reference=2.0)


@given(hnp.arrays(np.float64, st.integers(2, 20), elements=positive))
def test_curves_draw_the_given_points_and_formula_dashed_in_the_same_colour(y):
    x = np.arange(1.0, y.size + 1)
    x_copy, y_copy = x.copy(), y.copy()
    fig = resource_curves({"measured": (x, y)}, formula={"measured": (x, 2 * y)})
    assert_complete(fig)
    measured, predicted = fig.axes[0].lines
    np.testing.assert_array_equal(measured.get_xdata(), x)
    np.testing.assert_array_equal(measured.get_ydata(), y)
    np.testing.assert_array_equal(predicted.get_ydata(), 2 * y)
    assert predicted.get_linestyle() == "--" and predicted.get_color() == measured.get_color()
    np.testing.assert_array_equal(x, x_copy)  # the caller's arrays are untouched
    np.testing.assert_array_equal(y, y_copy)


def test_curves_spanning_decades_get_log_axes_each_on_its_own():
    x = np.array([1e0, 1e1, 1e2, 1e3])
    fig = resource_curves({"a": (x, np.array([1.0, 2.0, 3.0, 4.0]))}, xlabel="bytes (B)")
    assert fig.axes[0].get_xscale() == "log" and fig.axes[0].get_yscale() == "linear"
    assert fig.axes[0].get_xlabel() == "bytes (B), log scale"


def test_curves_with_a_unit_write_ticks_with_si_prefixes():
    x = np.array([1e3, 1e6])
    fig = resource_curves({"a": (x, np.array([2.0, 1.0]))}, x_unit="B")
    formatter = fig.axes[0].xaxis.get_major_formatter()
    assert formatter(1e6) == "1 MB" and formatter(2e3) == "2 kB"


def test_curves_refuse_mismatched_lengths_and_integer_arrays():
    with pytest.raises(ValueError, match="x values but"):
        resource_curves({"a": (np.arange(3.0), np.arange(4.0))})
    with pytest.raises(TypeError, match="floating-point"):
        resource_curves({"a": (np.arange(3), np.arange(3.0))})


def test_timeline_boxes_span_each_task_and_each_kind_is_named_once():
    tasks = {
        "stage 0": [(0.0, 1.0, "forward", "0"), (1.0, 2.0, "forward", "1"),
                    (5.0, 7.0, "backward", "1")],
        "stage 1": [(1.0, 2.0, "forward", "0"), (3.0, 5.0, "backward", "1")],
    }  # fmt: skip
    fig = schedule_timeline(tasks, xlabel="time (ms)")
    assert_complete(fig)
    boxes = [(b.get_x(), b.get_x() + b.get_width(), b.get_y() + b.get_height() / 2)
             for b in bars_of(fig)]  # fmt: skip
    expected = [(s, e, 1.0) for s, e, _, _ in tasks["stage 0"]] + [
        (s, e, 0.0) for s, e, _, _ in tasks["stage 1"]
    ]
    assert boxes == expected  # first row on top (y = 1), each box from start to end
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["forward", "backward"]


@pytest.mark.parametrize(
    "tasks, error, message",
    [
        ({"s": [(2.0, 1.0, "forward", "")]}, ValueError, "ends"),
        ({"s": [(0.0, 1.0, "forward")]}, TypeError, r"\(start, end, kind, text\)"),
        ({"s": "forward"}, TypeError, "must be a list"),
        ({"s": [(0.0, np.inf, "forward", "")]}, ValueError, "inf"),
    ],
)
def test_bad_tasks_are_refused_with_a_message(tasks, error, message):
    with pytest.raises(error, match=message):
        schedule_timeline(tasks)


def test_legend_below_keeps_every_entry_and_moves_it_under_the_axes():
    x = np.arange(3.0)
    fig = resource_curves({"a": (x, x), "b": (x, -x)})
    before = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    legend = legend_below(fig).axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == before
    anchor = legend.get_bbox_to_anchor().transformed(fig.axes[0].transAxes.inverted())
    assert anchor.y0 < 0  # below the bottom of the axes


def test_legend_below_refuses_what_is_not_a_figure():
    with pytest.raises(TypeError, match="matplotlib Figure"):
        legend_below("figure.png")
