"""Properties of the plotting functions: every figure is complete, scales follow the data, bad
input is refused, and nothing the caller passed is modified."""

from pathlib import Path

import matplotlib.image
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
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


def test_bytes_spanning_decades_get_a_log_axis_and_a_narrow_range_does_not():
    wide = plotting.bytes_under_compression({"dense": ([1e3, 1e5, 1e7], [0.1, 0.5, 0.9])})
    narrow = plotting.bytes_under_compression({"dense": ([1e3, 2e3, 3e3], [0.1, 0.5, 0.9])})
    assert wide.axes[0].get_xscale() == "log"
    assert narrow.axes[0].get_xscale() == "linear"


def test_detector_scores_use_a_log_axis_when_outliers_lie_decades_above_the_median():
    truth = np.zeros(6, dtype=bool)
    spiky = np.array([1.0, 1.2, 0.8, 1.1, 0.9, 500.0])
    calm = np.array([1.0, 1.2, 0.8, 1.1, 0.9, 5.0])
    assert plotting.detector_scores(spiky, spiky > 3, truth).axes[0].get_yscale() == "log"
    assert plotting.detector_scores(calm, calm > 3, truth).axes[0].get_yscale() == "linear"


@given(
    st.integers(1, 60).flatmap(
        lambda n: st.tuples(
            hnp.arrays(np.float64, n, elements=st.floats(0.0, 10.0)),
            hnp.arrays(bool, n),
            hnp.arrays(bool, n),
        )
    )
)
def test_detector_legend_counts_the_four_outcomes(case):
    scores, flags, truth = case
    fig = plotting.detector_scores(scores, flags, truth, 5.0)
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    counts = {text.split(":")[0]: int(text.split(": ")[1]) for text in texts if ": " in text}
    assert counts["caught (flagged, true anomaly)"] == int((flags & truth).sum())
    assert counts["false alarm (flagged, normal)"] == int((flags & ~truth).sum())
    assert counts["missed (not flagged, anomaly)"] == int((~flags & truth).sum())
    assert counts["normal"] == int((~flags & ~truth).sum())


@given(
    st.integers(1, 25).flatmap(
        lambda n: st.tuples(
            hnp.arrays(np.float64, n, elements=st.integers(1, 8).map(float)),
            hnp.arrays(np.float64, n, elements=st.integers(0, 8).map(lambda a: a / 8)),
        )
    )
)
def test_pareto_front_holds_exactly_the_undominated_points(case):
    sizes, accuracies = case

    def dominated(i):
        no_worse = (sizes <= sizes[i]) & (accuracies >= accuracies[i])
        better = (sizes < sizes[i]) | (accuracies > accuracies[i])
        return bool((no_worse & better).any())

    front = plotting.pareto_front(sizes, accuracies)
    assert all(not dominated(i) for i in front)
    # Every undominated size/accuracy pair is on the front (duplicates appear once).
    undominated = {(sizes[i], accuracies[i]) for i in range(sizes.size) if not dominated(i)}
    assert {(sizes[i], accuracies[i]) for i in front} == undominated
    assert np.all(np.diff(sizes[front]) > 0) and np.all(np.diff(accuracies[front]) > 0)


@given(st.floats(1.5, 20.0), st.floats(0.2, 0.95))
def test_rounds_to_accuracy_names_the_first_round_reaching_the_target(scale, target):
    curve = rising(scale)
    fig = plotting.rounds_to_accuracy({"FedAvg": curve}, target=target)
    label = fig.axes[0].get_legend().get_texts()[0].get_text()
    reached = np.flatnonzero(curve >= target)
    expected = f"round {reached[0] + 1}" if reached.size else "not reached"
    assert label.endswith(expected)


def test_gd_vs_bound_draws_each_bound_in_its_curve_colour():
    fig = plotting.gd_vs_bound(
        {"a": 0.9**STEPS, "b": 0.5**STEPS}, {"a": 0.95**STEPS, "b": 0.6**STEPS}
    )
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    for key in ("a", "b"):
        assert lines[key].get_color() == lines[f"{key}: bound"].get_color()
        assert lines[f"{key}: bound"].get_linestyle() == "--"


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
        (lambda: plotting.convergence({"a": [1.0]}, bound={"b": [1.0]}), ValueError, "not curves"),
        (lambda: plotting.gd_vs_bound({"a": [1.0]}, {"b": [1.0]}), ValueError, "keys of observed"),
        (lambda: plotting.loss_curves({"a": 3}), TypeError, "History"),
        (lambda: plotting.convergence({"a": [1.0]}, title=3), TypeError, "title must be"),
        (
            lambda: plotting.trajectories_on_contours(
                "f", {"a": np.zeros((3, 2))}, xlim=(0, 1), ylim=(0, 1)
            ),
            TypeError,
            "f must be a function",
        ),
        (
            lambda: plotting.trajectories_on_contours(
                rosenbrock, {"a": np.zeros((3, 3))}, xlim=(0, 1), ylim=(0, 1)
            ),
            ValueError,
            r"shape \(T, 2\)",
        ),
        (
            lambda: plotting.trajectories_on_contours(
                rosenbrock, {"a": np.zeros((3, 2))}, xlim=(1, 0), ylim=(0, 1)
            ),
            ValueError,
            "low < high",
        ),
        (
            lambda: plotting.lr_sensitivity([0.1, 0.2], {"a": [1.0]}),
            ValueError,
            "2 learning rates",
        ),
        (lambda: plotting.lr_sensitivity([0.0, 0.2], {"a": [1.0, 2.0]}), ValueError, "> 0"),
        (lambda: plotting.lr_sensitivity([0.1], {"a": [np.nan]}), ValueError, "every run"),
        (
            lambda: plotting.detector_scores([1.0, 2.0], np.array([1, 0]), np.zeros(2, bool)),
            TypeError,
            "flags must be a boolean",
        ),
        (
            lambda: plotting.detector_scores([1.0, 2.0], np.zeros(3, bool), np.zeros(2, bool)),
            ValueError,
            "flags must have shape",
        ),
        (
            lambda: plotting.sparsity_vs_accuracy({"a": ([0.1], [97.0])}),
            ValueError,
            "fractions in",
        ),
        (
            lambda: plotting.sparsity_vs_accuracy({"a": ([0.1, 0.2], [0.9])}),
            ValueError,
            "must match",
        ),
        (lambda: plotting.sparsity_vs_accuracy({"a": [0.1]}), TypeError, "pair"),
        (lambda: plotting.accuracy_vs_bytes({"a": (0.0, 0.5)}), ValueError, "> 0 bytes"),
        (
            lambda: plotting.accuracy_vs_bytes({"a": (1.0, 0.5)}, budgets={"MCU": -1}),
            ValueError,
            "budgets",
        ),
        (
            lambda: plotting.rounds_to_accuracy({"a": [0.5, 0.6]}, target=90),
            ValueError,
            "target",
        ),
        (
            lambda: plotting.time_to_accuracy({"a": ([2.0, 1.0], [0.5, 0.6])}),
            ValueError,
            "non-decreasing",
        ),
        (lambda: plotting.gradient_errors({"a": [-1.0]}), ValueError, ">= 0"),
        (lambda: plotting.pareto_front([1.0, 2.0], [0.5]), ValueError, "accuracies has 1"),
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


def test_lr_sensitivity_draws_diverged_runs_in_a_band_above_every_value_and_every_tick():
    fig = plotting.lr_sensitivity([1e-3, 1e-2, 1e-1, 1.0], {"GD": [1.0, 0.1, np.nan, np.inf]})
    ax = fig.axes[0]
    marks = next(line for line in ax.get_lines() if line.get_label() == "GD: diverged")
    # The x markers are placed in axes coordinates (y in [0, 1]), above the data's height.
    assert marks.get_transform() != ax.transData
    data_top = ax.transAxes.inverted().transform(ax.transData.transform((1.0, 1.0)))[1]
    assert all(data_top < y <= 1 for y in marks.get_ydata())
    assert max(ax.get_yticks()) <= 1.0  # no tick label in the band suggests a height
