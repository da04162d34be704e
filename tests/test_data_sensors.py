"""The simulated sensor fleet: reproducible, and its ground truth matches what was injected."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
from minitrain.data import make_sensor_fleet

seeds = st.integers(0, 2**32 - 1)


def reported_truth(fleet: mt.data.SensorFleet) -> np.ndarray:
    """X_clean in the units each node reports (unit faults applied), float64."""
    expected = fleet.X_clean.astype(np.float64)
    for fault in fleet.unit_faults:
        rows = fleet.node == fault.node
        expected[rows, fault.column] = fault.scale * expected[rows, fault.column] + fault.offset
    return expected


@given(seed=seeds, task=st.sampled_from(["regression", "classification"]))
def test_same_seed_gives_bit_identical_fleet(seed, task):
    a = make_sensor_fleet(3, 60, seed, task=task, spike_rate=0.05, duplicate_rate=0.05)
    b = make_sensor_fleet(3, 60, seed, task=task, spike_rate=0.05, duplicate_rate=0.05)
    for field in dataclasses.fields(a):
        left, right = getattr(a, field.name), getattr(b, field.name)
        if isinstance(left, np.ndarray):
            assert left.dtype == right.dtype
            assert left.tobytes() == right.tobytes(), field.name  # bits, NaN payloads included
        else:
            assert left == right, field.name


def test_different_seeds_give_different_readings():
    assert not np.array_equal(make_sensor_fleet(seed=1).X_clean, make_sensor_fleet(seed=2).X_clean)


@given(seed=seeds)
def test_ground_truth_masks_match_what_was_injected(seed):
    fleet = make_sensor_fleet(4, 150, seed, spike_rate=0.05, stuck_rate=0.01,
                              dropout_rate=0.01, duplicate_rate=0.05)
    assert np.array_equal(fleet.missing_mask, np.isnan(fleet.X))
    assert not np.isnan(fleet.X_clean).any()
    expected = reported_truth(fleet)
    observed = ~fleet.missing_mask
    differs = observed & (fleet.X != expected)  # exact: faults are the only changes
    assert np.array_equal(differs, fleet.anomaly_entries)
    assert np.array_equal(fleet.anomaly_mask, differs.any(axis=1))
    assert np.array_equal(fleet.anomaly_mask, fleet.spike_mask | fleet.stuck_mask)
    clean_rows = ~fleet.anomaly_mask
    assert np.array_equal(fleet.X[clean_rows][observed[clean_rows]],
                          expected[clean_rows][observed[clean_rows]])


@given(seed=seeds)
def test_duplicates_repeat_the_row_above_and_removing_them_restores_the_hourly_stream(seed):
    fleet = make_sensor_fleet(3, 100, seed, duplicate_rate=0.1)
    dup = np.flatnonzero(fleet.duplicate_mask)
    assert dup.min(initial=1) >= 1
    for a in (fleet.X, fleet.X_clean, fleet.node, fleet.time, fleet.y, fleet.missing_mask):
        assert a[dup].tobytes() == a[dup - 1].tobytes()
    keep = ~fleet.duplicate_mask
    for k in range(3):
        assert np.array_equal(fleet.time[keep][fleet.node[keep] == k], np.arange(100.0))


@given(seed=seeds)
def test_stuck_entries_repeat_the_previous_reading(seed):
    fleet = make_sensor_fleet(2, 200, seed, stuck_rate=0.02, spike_rate=0.0, missing_rate=0.0,
                              dropout_rate=0.0, duplicate_rate=0.0)
    rows, cols = np.nonzero(fleet.anomaly_entries)
    assert np.all(fleet.stuck_mask[rows])
    assert np.all(fleet.X[rows, cols] == fleet.X[rows - 1, cols])
    assert np.all(fleet.node[rows] == fleet.node[rows - 1])  # runs never cross nodes


def test_spikes_are_at_least_spike_size_fleet_deviations_away():
    fleet = make_sensor_fleet(4, 500, 3, stuck_rate=0.0, missing_rate=0.0, dropout_rate=0.0,
                              duplicate_rate=0.0, n_fahrenheit_nodes=0, n_kpa_nodes=0,
                              spike_size=6.0)
    rows, cols = np.nonzero(fleet.anomaly_entries)
    jump = np.abs(fleet.X[rows, cols] - fleet.X_clean[rows, cols])
    sd = fleet.X_clean.std(axis=0)[cols]
    assert np.all(jump >= 6.0 * sd * (1 - 1e-12))  # U(1, 1.5) * spike_size, rounding slack
    assert np.all(jump <= 9.0 * sd * (1 + 1e-12))
    assert np.array_equal(np.count_nonzero(fleet.anomaly_entries, axis=1)[fleet.spike_mask],
                          np.ones(fleet.spike_mask.sum()))  # one column per spiked row


def test_missing_and_spike_rates_match_their_knobs():
    n_entries = 10 * 1000 * 4
    fleet = make_sensor_fleet(10, 1000, 5, missing_rate=0.05, dropout_rate=0.0,
                              stuck_rate=0.0, duplicate_rate=0.0)
    # binomial: sd = sqrt(p (1 - p) / n) = 0.0011 for entries, 0.0010 for the 10000 rows;
    # 5 sd keeps this a real check of the rate (a rate of 0.04 or 0.06 would fail).
    assert abs(fleet.missing_mask.mean() - 0.05) < 5 * np.sqrt(0.05 * 0.95 / n_entries)
    spiked_rows = fleet.spike_mask.mean() / 0.95  # a spike on a lost entry is invisible
    assert abs(spiked_rows - 0.01) < 5 * np.sqrt(0.01 * 0.99 / 10000)


def test_regression_target_follows_its_documented_formula():
    fleet = make_sensor_fleet(8, 1000, 11)
    temp, hum, vib, pres = fleet.X_clean.T
    formula = (20 + 25 * vib + 3 * np.maximum(temp - 24, 0) + 0.1 * (hum - 50)
               + 0.2 * (pres - 1013))
    residual = fleet.y[:, 0] - formula
    keep = ~fleet.duplicate_mask
    # the residual is the N(0, 2^2) noise: with n = 8000 the sample mean has sd 0.022 and the
    # sample std has sd 2 / sqrt(2 n) = 0.016; tolerances are about 5 sd.
    assert abs(residual[keep].mean()) < 0.11
    assert abs(residual[keep].std() - 2.0) < 0.08


def test_classification_labels_are_binary_and_not_rare():
    fleet = make_sensor_fleet(8, 500, 0, task="classification")
    assert fleet.y.dtype == np.int64 and fleet.y.shape == (fleet.X.shape[0],)
    assert set(np.unique(fleet.y)) == {0, 1}
    assert 0.1 < fleet.y.mean() < 0.5
    assert fleet.target == ("fault", "0/1")


def test_no_faults_when_every_rate_is_zero_and_iid_nodes_without_spread():
    fleet = make_sensor_fleet(3, 50, 0, node_spread=0.0, missing_rate=0.0, dropout_rate=0.0,
                              spike_rate=0.0, stuck_rate=0.0, duplicate_rate=0.0,
                              n_fahrenheit_nodes=0, n_kpa_nodes=0)
    assert np.array_equal(fleet.X, fleet.X_clean)
    assert not (fleet.missing_mask.any() or fleet.anomaly_mask.any()
                or fleet.duplicate_mask.any())
    assert not fleet.node_offset.any() and not fleet.node_drift.any()


def test_unit_faults_are_on_distinct_nodes_and_shift_the_node_median():
    fleet = make_sensor_fleet(6, 300, 2, n_fahrenheit_nodes=2, n_kpa_nodes=1)
    assert len({f.node for f in fleet.unit_faults}) == 3
    assert [f.unit for f in fleet.unit_faults] == ["degF", "degF", "kPa"]
    for fault in fleet.unit_faults:
        rows = fleet.node == fault.node
        ratio = np.nanmedian(fleet.X[rows, fault.column]) / np.median(
            fleet.X_clean[rows, fault.column])
        assert ratio > 2.0 if fault.unit == "degF" else abs(ratio - 0.1) < 1e-3


def test_truth_stays_within_physical_bounds_and_node_sizes_follow_n_per_node():
    fleet = make_sensor_fleet(3, [40, 50, 60], 0, duplicate_rate=0.0)
    low, high = np.array(fleet.bounds).T
    assert np.all((fleet.X_clean >= low) & (fleet.X_clean <= high))
    assert np.array_equal(np.bincount(fleet.node), [40, 50, 60])
    assert "3 nodes" in str(fleet) and "unit faults: node" in str(fleet)


def test_float32_fleet_is_the_float64_fleet_rounded():
    a = make_sensor_fleet(2, 80, 4)
    b = make_sensor_fleet(2, 80, 4, dtype=np.float32)
    assert b.X.dtype == b.X_clean.dtype == b.y.dtype == np.float32
    np.testing.assert_array_equal(b.X, a.X.astype(np.float32))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"task": "ranking"}, ValueError, r"task must be one of 'regression', 'classification'"),
        ({"n_nodes": 0}, ValueError, r"n_nodes must be >= 1; got 0"),
        ({"n_per_node": 1}, ValueError, r"n_per_node must be an int >= 2 or 4 such ints"),
        ({"n_per_node": [10, 10]}, ValueError, r"n_per_node must be"),
        ({"n_per_node": 10.0}, ValueError, r"n_per_node must be"),
        ({"missing_rate": 1.0}, ValueError, r"missing_rate must lie in \[0.0, 1.0\); got 1.0"),
        ({"spike_rate": -0.1}, ValueError, r"spike_rate must lie in"),
        ({"spike_size": 0}, ValueError, r"spike_size must be a finite number > 0"),
        ({"dropout_length": (5, 2)}, ValueError, r"dropout_length\[1\] must be >= 5; got 2"),
        ({"stuck_length": 5}, TypeError, r"stuck_length must be a \(shortest, longest\) tuple"),
        ({"n_fahrenheit_nodes": 3, "n_kpa_nodes": 2}, ValueError,
         r"n_fahrenheit_nodes \+ n_kpa_nodes must be <= n_nodes \(4\)"),
        ({"node_spread": -1.0}, ValueError, r"node_spread must be a finite number >= 0"),
        ({"dtype": np.int32}, TypeError, r"dtype must be a floating dtype, np.float32 or np"),
    ],
)
def test_bad_arguments_are_refused_by_name(kwargs, error, message):
    with pytest.raises(error, match=message):
        make_sensor_fleet(**{"n_nodes": 4, "n_per_node": 10, **kwargs})


@pytest.mark.parametrize("n_nodes", [1, 2, 3])
@pytest.mark.parametrize("n_per_node", [2, 3, 5, 6, 7])
def test_a_fleet_of_very_few_readings_per_node_is_simulated(n_nodes, n_per_node):
    """n_per_node >= 2 is documented; the 6-reading moving average of the machine load must
    not need more readings than that."""
    fleet = make_sensor_fleet(n_nodes, n_per_node, seed=1, n_fahrenheit_nodes=1,
                              n_kpa_nodes=min(1, n_nodes - 1), duplicate_rate=0.0)  # fmt: skip
    assert fleet.X.shape == (n_nodes * n_per_node, 4)
    assert np.array_equal(np.bincount(fleet.node), np.full(n_nodes, n_per_node))
    assert np.isfinite(fleet.X_clean).all()
