"""Properties of the optimizer figures: trajectories over contours and learning-rate
sensitivity."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minitrain import plotting


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


@given(
    hnp.arrays(
        np.float64,
        st.integers(2, 12).map(lambda n: (3, n)),
        elements=st.one_of(st.floats(1e-3, 1e3), st.just(np.nan), st.just(np.inf)),
    ).filter(lambda v: np.isfinite(v).any())
)
def test_each_diverged_run_is_an_x_in_a_band_above_every_finite_value_and_every_tick(finals):
    rates = np.geomspace(1e-4, 1.0, finals.shape[1])
    runs = {f"run {i}": row for i, row in enumerate(finals)}
    fig = plotting.lr_sensitivity(rates, runs)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    top = finals[np.isfinite(finals)].max()
    # the highest finite value, in axes coordinates (the band's marks are placed in those)
    data_top = ax.transAxes.inverted().transform(ax.transData.transform((rates[0], top)))[1]
    for label, values in runs.items():
        diverged = ~np.isfinite(values)
        assert np.array_equal(lines[label].get_xdata(), rates[~diverged])
        if diverged.any():
            marks = lines[f"{label}: diverged"]
            assert marks.get_marker() == "x" and marks.get_transform() != ax.transData
            assert np.array_equal(marks.get_xdata(), rates[diverged])
            assert np.all((data_top < np.asarray(marks.get_ydata())) & (marks.get_ydata() <= 1))
        else:
            assert f"{label}: diverged" not in lines
    if not np.isfinite(finals).all():  # no tick label inside the band suggests a height
        assert max(ax.get_yticks()) <= ax.get_ylim()[1]


@given(st.integers(1, 4), st.integers(2, 60))
def test_every_path_is_drawn_through_all_its_iterates_and_starts_are_marked(n_paths, steps):
    rng = np.random.default_rng(n_paths * 100 + steps)
    paths = {f"path {i}": rng.uniform(-1, 1, size=(steps + 1, 2)) for i in range(n_paths)}
    fig = plotting.trajectories_on_contours(
        rosenbrock, paths, xlim=(-2, 2), ylim=(-1, 3), resolution=20
    )
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    for label, path in paths.items():
        assert np.array_equal(lines[label].get_xydata(), path)
    starts = np.unique(np.array([p[0] for p in paths.values()]), axis=0)
    assert np.array_equal(np.unique(lines["start"].get_xydata(), axis=0), starts)


# ----- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
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
    ],
)
def test_bad_input_is_refused_with_a_message_naming_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
