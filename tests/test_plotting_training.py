"""Properties of the training figures: loss curves and convergence against a bound."""

import numpy as np
import pytest

from minitrain import plotting

STEPS = np.arange(40)


def test_gd_vs_bound_draws_each_bound_in_its_curve_colour():
    fig = plotting.gd_vs_bound(
        {"a": 0.9**STEPS, "b": 0.5**STEPS}, {"a": 0.95**STEPS, "b": 0.6**STEPS}
    )
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    for key in ("a", "b"):
        assert lines[key].get_color() == lines[f"{key}: bound"].get_color()
        assert lines[f"{key}: bound"].get_linestyle() == "--"


# ----- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: plotting.convergence({"a": [1.0]}, bound={"b": [1.0]}), ValueError, "not curves"),
        (lambda: plotting.gd_vs_bound({"a": [1.0]}, {"b": [1.0]}), ValueError, "keys of observed"),
        (lambda: plotting.loss_curves({"a": 3}), TypeError, "History"),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
