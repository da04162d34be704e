"""Properties of the plotting functions: every figure is complete, scales follow the data, bad
input is refused, and nothing the caller passed is modified."""

from pathlib import Path

import matplotlib.image
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.figure import Figure

from minitrain import plotting
from minitrain.train import History

STEPS = np.arange(40)
ROUNDS = np.arange(1, 31)


def rising(scale):
    """An accuracy curve rising from 10% towards 100% with time constant ``scale``."""
    return 1 - 0.9 * np.exp(-ROUNDS / scale)


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def example_calls():
    """One valid call of every plotting function (name, function, args, kwargs)."""
    t = np.linspace(0, 1, 20)
    scores = np.abs(np.random.default_rng(0).normal(size=50))
    truth = np.zeros(50, dtype=bool)
    truth[::10] = True
    scores[truth] += 4
    residual = np.linspace(-2, 2, 41)
    sparsity = np.array([0.0, 0.5, 0.9])
    history = History(loss=[1.0, 0.5, 0.2], val_loss=[1.1, 0.6, 0.3])
    return [
        ("loss_curves", plotting.loss_curves, ({"SGD": history},), {}),
        ("convergence", plotting.convergence, ({"GD": 0.9**STEPS},), {"bound": 0.95**STEPS}),
        (
            "gd_vs_bound",
            plotting.gd_vs_bound,
            ({"lr = 1/L": 0.9**STEPS}, {"lr = 1/L": 0.95**STEPS}),
            {},
        ),
        (
            "trajectories_on_contours",
            plotting.trajectories_on_contours,
            (rosenbrock, {"GD": np.c_[t - 1, t]}),
            {"xlim": (-2, 2), "ylim": (-1, 3), "minimum": (1.0, 1.0), "resolution": 40},
        ),
        (
            "lr_sensitivity",
            plotting.lr_sensitivity,
            ([1e-3, 1e-2, 1e-1], {"GD": [1.0, 0.1, np.nan]}),
            {},
        ),
        (
            "losses_and_gradients",
            plotting.losses_and_gradients,
            (residual, {"MSE": residual**2}, {"MSE": 2 * residual}),
            {},
        ),
        ("gradient_errors", plotting.gradient_errors, ({"0.W": [1e-9, 0.0]},), {"tolerance": 1e-6}),
        ("detector_scores", plotting.detector_scores, (scores, scores > 3, truth, 3.0), {}),
        (
            "sparsity_vs_accuracy",
            plotting.sparsity_vs_accuracy,
            ({"gradual": (sparsity, [0.97, 0.96, 0.95])},),
            {"dense_accuracy": 0.97},
        ),
        (
            "accuracy_vs_bytes",
            plotting.accuracy_vs_bytes,
            ({"dense": (2e5, 0.97), "int8": (5e4, 0.965), "pruned": ([2e4, 1e4], [0.96, 0.9])},),
            {"budgets": {"MCU": 256e3}},
        ),
        (
            "rounds_to_accuracy",
            plotting.rounds_to_accuracy,
            ({"IID": {"FedAvg": rising(3)}, "non-IID": {"FedAvg": rising(9)}},),
            {"target": 0.8},
        ),
        (
            "time_to_accuracy",
            plotting.time_to_accuracy,
            ({"no deadline": (ROUNDS * 2.0, rising(3))},),
            {"target": 0.8},
        ),
        (
            "bytes_under_compression",
            plotting.bytes_under_compression,
            ({"dense": (ROUNDS * 1e6, rising(3)), "top-k": (ROUNDS * 1e4, rising(4))},),
            {"target": 0.8},
        ),
    ]


CALLS = example_calls()


def figure_title(fig):
    return fig.get_suptitle() or fig.axes[0].get_title()


def test_every_public_plotting_function_has_an_example_here():
    public = {
        name for name in plotting.__all__ if name not in ("save", "pareto_front", "spans_decades")
    }
    assert public == {name for name, *_ in CALLS}


@pytest.mark.parametrize(("name", "function", "args", "kwargs"), CALLS, ids=[c[0] for c in CALLS])
def test_every_figure_has_a_title_axis_labels_and_a_legend(name, function, args, kwargs):
    fig = function(*args, **kwargs)
    assert isinstance(fig, Figure)
    assert figure_title(fig)
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel()
        legend = ax.get_legend()
        assert legend is not None and legend.get_texts()
        # Units: every axis label names them in parentheses, or is a percentage axis.
        assert "(" in ax.get_xlabel() and "(" in ax.get_ylabel()


def curve_pairs():
    """Positive curves with a chosen ratio between their largest and smallest value."""
    return st.tuples(
        st.floats(1e-3, 1e3),  # smallest value
        st.floats(1.0, 1e6),  # ratio max / min
        st.integers(2, 30),
    )


@given(curve_pairs())
def test_log_scale_is_chosen_exactly_when_values_span_two_decades(case):
    low, ratio, n = case
    values = np.geomspace(low, low * ratio, n)[::-1]
    expected = "log" if np.log10(values.max() / values.min()) >= 2 else "linear"
    assert plotting.convergence({"run": values}).axes[0].get_yscale() == expected
    assert plotting.loss_curves({"run": {"loss": values}}).axes[0].get_yscale() == expected
    assert plotting.spans_decades(values) == (expected == "log")


def test_values_touching_zero_keep_a_linear_axis_unless_log_is_asked_and_then_refused():
    values = np.array([1.0, 1e-3, 0.0])
    assert plotting.convergence({"run": values}).axes[0].get_yscale() == "linear"
    with pytest.raises(ValueError, match="log scale cannot show"):
        plotting.convergence({"run": values}, log=True)
    assert plotting.convergence({"run": [1.0, 0.9]}, log=True).axes[0].get_yscale() == "log"


def test_plotting_never_modifies_the_callers_arrays():
    for _, function, args, kwargs in CALLS:
        copies = [_deep_copy(a) for a in args]
        function(*args, **kwargs)
        for original, copy in zip(args, copies):
            _assert_same(original, copy)


def _deep_copy(value):
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return type(value)(_deep_copy(v) for v in value)
    return value.copy() if isinstance(value, np.ndarray) else value


def _assert_same(a, b):
    if isinstance(a, dict):
        for key in a:
            _assert_same(a[key], b[key])
    elif isinstance(a, tuple | list):
        for x, y in zip(a, b):
            _assert_same(x, y)
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)


def test_save_creates_folders_and_writes_a_png_with_content(tmp_path):
    fig = plotting.convergence({"GD": 0.9**STEPS})
    path = plotting.save(fig, tmp_path / "a" / "b" / "convergence.png")
    assert path.exists() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = matplotlib.image.imread(path)
    assert pixels.std() > 0  # not a blank canvas


# ----- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: plotting.convergence([1.0, 0.5]), TypeError, "curves must be a dict"),
        (lambda: plotting.convergence({}), ValueError, "curves is empty"),
        (lambda: plotting.convergence({1: [1.0]}), TypeError, "keys must be strings"),
        (lambda: plotting.convergence({"a": [1.0, np.nan]}), ValueError, "NaN"),
        (lambda: plotting.convergence({"a": np.ones((2, 2))}), ValueError, "dimension"),
        (lambda: plotting.convergence({"a": [1.0]}, log="yes"), TypeError, "log must be"),
        (lambda: plotting.convergence({"a": [1.0]}, title=3), TypeError, "title must be"),
        (lambda: plotting.save("figure", "x.png"), TypeError, "Figure"),
        (lambda: plotting.save(Figure(), "x.jpeg"), ValueError, ".png"),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_save_does_not_write_when_the_suffix_is_refused(tmp_path):
    with pytest.raises(ValueError):
        plotting.save(Figure(), tmp_path / "new" / "x.bmp")
    assert not Path(tmp_path / "new").exists()
