"""Properties of the edge figures: detector outcomes, the Pareto front, accuracy against
rounds, time and bytes, and the scales they choose."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minitrain import plotting

ROUNDS = np.arange(1, 31)


def rising(scale):
    """An accuracy curve rising from 10% towards 100% with time constant ``scale``."""
    return 1 - 0.9 * np.exp(-ROUNDS / scale)


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


# ----- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
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
        (lambda: plotting.pareto_front([1.0, 2.0], [0.5]), ValueError, "accuracies has 1"),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
