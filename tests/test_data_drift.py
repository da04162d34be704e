"""Drift after deployment in the sensor fleet: each change moves exactly what it documents, and
its events are the true ones."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
from minitrain.data import make_sensor_fleet

seeds = st.integers(0, 2**32 - 1)

Drift = mt.data.Drift


@given(seed=seeds, start=st.integers(0, 300), size=st.floats(-3.0, 3.0))
def test_concept_drift_moves_only_the_target_by_its_documented_amount(seed, start, size):
    # power = 20 + 25 (vibration - c_t) + ...: with c_t = size * w_t the power drops by exactly
    # 25 size w_t; the readings (and every fault) are those of the fleet without drift, since
    # drift draws no random numbers.
    kwargs = dict(n_nodes=3, n_per_node=300, seed=seed)
    plain = make_sensor_fleet(**kwargs)
    drift = [Drift("gradual", start, size=size, duration=50, nodes=(1,))]
    drifted = make_sensor_fleet(**kwargs, drift=drift)
    np.testing.assert_array_equal(drifted.X, plain.X)
    np.testing.assert_array_equal(drifted.X_clean, plain.X_clean)
    weight = np.where(plain.node == 1, np.clip((plain.time - start) / 50, 0, 1), 0.0)
    # Tolerance: the two powers are sums of five terms near 100 W, each rounded once.
    np.testing.assert_allclose(drifted.y[:, 0] - plain.y[:, 0], -25 * size * weight,
                               rtol=0, atol=1e-10)
    assert np.array_equal(drifted.y[weight == 0], plain.y[weight == 0])


def test_recurring_drift_alternates_regimes_and_lists_every_switch():
    fleet = make_sensor_fleet(2, 1000, seed=0, task="classification", duplicate_rate=0.0,
                              drift=[Drift("recurring", 400, size=2.0, period=150)])
    plain = make_sensor_fleet(2, 1000, seed=0, task="classification", duplicate_rate=0.0)
    starts = [e.start for e in fleet.drift_events if e.node == 0]
    assert starts == [400, 550, 700, 850]
    t = fleet.time
    new_regime = (t >= 400) & ((t - 400) // 150 % 2 == 0)
    assert np.array_equal(fleet.y[~new_regime], plain.y[~new_regime])  # the old concept returns
    # Moving the fault threshold from 5 to 7 mm/s clears faults and never creates one.
    assert (fleet.y[new_regime] <= plain.y[new_regime]).all()
    assert fleet.y[new_regime].mean() < plain.y[new_regime].mean()


def test_covariate_shift_moves_the_inputs_after_its_start_only():
    kwargs = dict(n_nodes=2, n_per_node=400, seed=5, duplicate_rate=0.0)
    plain = make_sensor_fleet(**kwargs)
    fleet = make_sensor_fleet(**kwargs, drift=[Drift("covariate", 200, size=0.3)])
    before = fleet.time < 200
    np.testing.assert_array_equal(fleet.X_clean[before], plain.X_clean[before])
    # load + 0.3 (clipped to 1) adds up to 6 * 0.3 mm/s of vibration.
    gain = fleet.X_clean[~before, 2] - plain.X_clean[~before, 2]
    assert gain.mean() > 0.5 and (gain <= 1.8 + 1e-9).all()
    assert fleet.drift_events == (mt.data.DriftEvent(0, 200, 201, "covariate"),
                                  mt.data.DriftEvent(1, 200, 201, "covariate"))


def test_drift_events_are_per_node_and_within_each_stream():
    fleet = make_sensor_fleet(3, [300, 600, 900], seed=1, drift=[
        Drift("abrupt", 500, nodes=(1, 2)), Drift("gradual", 100, duration=400)])
    assert [(e.node, e.start, e.end, e.kind) for e in fleet.drift_events] == [
        (0, 100, 500, "gradual"), (1, 100, 500, "gradual"), (1, 500, 500, "abrupt"),
        (2, 100, 500, "gradual"), (2, 500, 500, "abrupt")]
    rows = fleet.stream(2)
    assert (fleet.node[rows] == 2).all() and (np.diff(fleet.time[rows]) >= 0).all()


@pytest.mark.parametrize("drift, error, message", [
    (lambda: [Drift("sudden", 10)], ValueError, "Drift.kind"),
    (lambda: [Drift("abrupt", 10, nodes=(7,))], ValueError, "drift\\[0\\].nodes"),
    (lambda: [Drift("recurring", 10)], ValueError, "Drift.period"),
    (lambda: [Drift("gradual", 10, duration=0)], ValueError, "Drift.duration"),
    (lambda: [Drift("abrupt", 10, nodes=3)], TypeError, "Drift.nodes"),
    (lambda: Drift("abrupt", 10), TypeError, "list of Drift"),
    (lambda: ["abrupt"], TypeError, "drift\\[0\\]"),
])
def test_bad_drift_is_refused_by_name(drift, error, message):
    """A change that is wrong by itself fails where it is written (Drift(...)); one that does
    not fit the fleet (a node it does not have) when the fleet is simulated."""
    with pytest.raises(error, match=message):
        make_sensor_fleet(3, 100, drift=drift())
