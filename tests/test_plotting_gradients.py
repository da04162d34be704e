"""Properties of the gradient figures: loss shapes beside their derivatives, and
gradient-check errors against a tolerance."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minitrain import plotting

FLOOR = 1e-17  # where the figure documents that an exact 0 is drawn


def green_and_red(fig):
    """The (x, y) points drawn in each colour."""
    points = {"tab:green": [], "tab:red": []}
    for line in fig.axes[0].get_lines():
        if line.get_color() in points and line.get_linestyle() == "None":
            points[line.get_color()] += [tuple(p) for p in line.get_xydata()]
    return points


@given(
    hnp.arrays(
        np.float64,
        st.integers(1, 30),
        elements=st.one_of(st.just(0.0), st.floats(1e-15, 1e-2)),
    ),
    st.sampled_from([1e-12, 1e-8, 1e-6]),
)
def test_errors_above_the_tolerance_are_red_the_rest_green_and_zeros_sit_on_the_floor(
    errors, tolerance
):
    fig = plotting.gradient_errors({"0.W": errors}, tolerance=tolerance)
    points = green_and_red(fig)
    assert sorted(y for _, y in points["tab:red"]) == sorted(errors[errors > tolerance])
    drawn = np.maximum(errors[errors <= tolerance], FLOOR)
    assert sorted(y for _, y in points["tab:green"]) == sorted(drawn)
    assert fig.axes[0].get_yscale() == "log"


def test_each_loss_and_its_derivative_are_drawn_side_by_side_as_given():
    r = np.linspace(-2, 2, 41)
    values = {"MSE": r**2, "absolute": np.abs(r)}
    gradients = {"MSE": 2 * r, "absolute": np.sign(r)}
    fig = plotting.losses_and_gradients(r, values, gradients)
    left, right = fig.axes
    for ax, expected in ((left, values), (right, gradients)):
        drawn = {line.get_label(): line for line in ax.get_lines()}
        for label, curve in expected.items():
            assert np.array_equal(drawn[label].get_xdata(), r)
            assert np.array_equal(drawn[label].get_ydata(), curve)


# ----- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: plotting.gradient_errors({"a": [-1.0]}), ValueError, ">= 0"),
        (
            lambda: plotting.losses_and_gradients([0.0, 1.0], {"a": [1.0]}, {"a": [1.0, 2.0]}),
            ValueError,
            "x has 2",
        ),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
