"""Consistency checks find exactly the faults the sensor fleet injected, and read well."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minitrain.clean import (
    check_bounds,
    constant_columns,
    find_duplicates,
    find_stuck,
    fix_units,
    unit_mismatch,
)
from minitrain.data import make_sensor_fleet

seeds = st.integers(0, 2**32 - 1)


@given(seed=seeds)
def test_duplicates_found_are_exactly_the_injected_ones(seed):
    fleet = make_sensor_fleet(4, 150, seed, duplicate_rate=0.05)
    report = find_duplicates(fleet.X, fleet.node, fleet.time)
    assert np.array_equal(report.mask, fleet.duplicate_mask)
    dup = np.flatnonzero(report.mask)
    assert np.array_equal(report.first[dup], dup - 1)  # each copy follows its original
    # without time, a stuck sensor whose other columns dropped out can repeat a whole row
    # at a later hour: those rows are equal too, so they are reported as well
    by_values = find_duplicates(fleet.X, fleet.node).mask
    assert np.all(by_values[fleet.duplicate_mask])
    extra = by_values & ~fleet.duplicate_mask
    assert np.all(fleet.stuck_mask[extra] | fleet.missing_mask[extra].all(axis=1))


def test_duplicates_by_hand_nan_rows_match_and_nodes_separate():
    X = np.array([[1.0, np.nan], [1.0, np.nan], [2.0, 3.0], [1.0, np.nan], [2.0, 3.0]])
    assert np.array_equal(find_duplicates(X).mask, [False, True, False, True, True])
    report = find_duplicates(X, node=np.array([0, 1, 0, 1, 1]))
    assert np.array_equal(report.mask, [False, False, False, True, False])
    assert np.array_equal(report.first, [0, 1, 2, 1, 4])
    assert str(report) == "1 duplicate row(s) of 5, e.g. rows [3]"
    at_times = find_duplicates(X, time=np.array([0.0, 0.0, 1.0, 2.0, 1.0]))
    assert np.array_equal(at_times.mask, [False, True, False, False, True])
    with pytest.raises(ValueError, match=r"time must have one entry per row of X \(5\); got 4"):
        find_duplicates(X, time=np.zeros(4))


def test_constant_and_empty_columns_by_hand():
    X = np.array([[1.0, 5.0, np.nan, 0.0], [np.nan, 5.0, np.nan, 1.0], [1.0, 5.0, np.nan, 0.0]])
    report = constant_columns(X, columns=["a", "b", "c", "d"])
    assert np.array_equal(report.constant, [0, 1]) and np.array_equal(report.values, [1.0, 5.0])
    assert np.array_equal(report.all_missing, [2])
    assert str(report).splitlines() == [
        "column 0 (a) is constant at 1", "column 1 (b) is constant at 5",
        "column 2 (c) is entirely missing",
    ]


def test_bounds_by_hand_with_open_sides_and_nan():
    X = np.array([[-1.0, 5.0], [0.5, np.nan], [2.0, -7.0]])
    report = check_bounds(X, [(0.0, 1.0), (None, 0.0)], columns=["level", "depth"])
    assert np.array_equal(report.below, [[True, False], [False, False], [False, False]])
    assert np.array_equal(report.above, [[False, True], [False, False], [True, False]])
    assert np.array_equal(report.rows, [True, False, True])
    assert str(report).splitlines() == [
        "2 row(s) out of bounds", "column 0 (level): 1 below 0, 1 above 1",
        "column 1 (depth): 0 below -inf, 1 above 0",
    ]


def test_fleet_spikes_far_below_zero_break_physical_bounds():
    fleet = make_sensor_fleet(8, 500, 1, n_fahrenheit_nodes=0, n_kpa_nodes=0)
    report = check_bounds(fleet.X, fleet.bounds)
    assert not check_bounds(fleet.X_clean, fleet.bounds).rows.any()
    assert np.all(fleet.spike_mask[report.rows])  # every violation is an injected spike


@given(seed=seeds)
def test_stuck_runs_found_are_injected_ones(seed):
    fleet = make_sensor_fleet(3, 300, seed, stuck_rate=0.005, missing_rate=0.0,
                              dropout_rate=0.0, duplicate_rate=0.0)
    report = find_stuck(fleet.X, fleet.node, min_run=5)
    # every repeat reported is an injected stuck entry (continuous readings never repeat),
    # and every injected run of >= 5 equal readings is found
    assert not (report.entries & ~fleet.anomaly_entries).any()
    assert np.array_equal(report.entries, fleet.anomaly_entries & _in_long_runs(fleet.X, 5))


def _in_long_runs(X, min_run):
    out = np.zeros(X.shape, bool)
    for j in range(X.shape[1]):
        start = 0
        for i in range(1, X.shape[0] + 1):
            if i == X.shape[0] or X[i, j] != X[start, j]:
                if i - start >= min_run:
                    out[start + 1 : i, j] = True
                start = i
    return out


def test_stuck_runs_by_hand_break_at_nan_and_node_boundaries():
    X = np.array([[1.0], [1.0], [1.0], [np.nan], [1.0], [1.0], [1.0], [1.0]])
    report = find_stuck(X, min_run=3)
    assert np.array_equal(report.entries[:, 0], [0, 1, 1, 0, 0, 1, 1, 1])
    assert report.n_runs == 2
    split = find_stuck(X, node=np.array([0, 0, 0, 0, 0, 0, 1, 1]), min_run=3)
    assert np.array_equal(split.entries[:, 0], [0, 1, 1, 0, 0, 0, 0, 0])
    assert str(split) == "1 stuck run(s) of >= 3 equal readings; 2 repeated entries in 2 rows"


@given(seed=seeds)
def test_unit_mismatch_names_the_injected_units_and_fix_restores_the_truth(seed):
    fleet = make_sensor_fleet(6, 200, seed, n_fahrenheit_nodes=1, n_kpa_nodes=1)
    report = unit_mismatch(fleet.X, fleet.node, columns=fleet.columns)
    explained = {(m.node, m.column, m.conversion) for m in report.mismatches if m.conversion}
    assert explained == {(f.node, f.column, "degC -> degF" if f.unit == "degF"
                          else "x 0.1 (e.g. hPa -> kPa)") for f in fleet.unit_faults}
    fixed = fix_units(fleet.X, fleet.node, report)
    clean = ~fleet.anomaly_mask[:, None] & ~fleet.missing_mask
    # (1.8 x + 32 - 32) / 1.8 and 0.1 x / 0.1 round twice: 1e-13 relative to |x| <= 1100
    np.testing.assert_allclose(fixed[clean], fleet.X_clean[clean], rtol=1e-13, atol=0)
    assert "looks like degC -> degF" in str(report)


def test_unit_mismatch_by_hand_and_without_mismatch():
    node = np.repeat(np.arange(5), 3)
    site = 20.0 + np.array([0.0, 1.0, -1.0, 0.5, 0.2])  # medians 21, 22, 20, 21.5, 21.2
    X = (site[node] + np.tile([0.0, 1.0, 2.0], 5))[:, None]
    assert str(unit_mismatch(X, node)) == "no unit or scale mismatch between nodes"
    X[node == 2] = X[node == 2] * 1.8 + 32
    (m,) = unit_mismatch(X, node).mismatches
    assert (m.node, m.column, m.conversion, m.scale, m.offset) == (2, 0, "degC -> degF", 1.8, 32.0)
    assert m.node_median == pytest.approx(21.0 * 1.8 + 32 - 1.8, rel=1e-15)


def test_checks_do_not_modify_input():
    fleet = make_sensor_fleet(4, 100, 0)
    X = fleet.X.copy()
    find_duplicates(X, fleet.node)
    constant_columns(X)
    check_bounds(X, fleet.bounds)
    find_stuck(X, fleet.node)
    fix_units(X, fleet.node, unit_mismatch(X, fleet.node))
    assert np.array_equal(X, fleet.X, equal_nan=True)


def test_bad_check_arguments_are_refused_by_name():
    X = np.zeros((6, 2))
    with pytest.raises(ValueError, match=r"bounds must give one \(low, high\) per column"):
        check_bounds(X, [(0, 1)])
    with pytest.raises(ValueError, match=r"bounds must have low <= high"):
        check_bounds(X, [(0, 1), (2, 1)])
    with pytest.raises(ValueError, match=r"min_run must be >= 2; got 1"):
        find_stuck(X, min_run=1)
    with pytest.raises(ValueError, match=r"node must hold >= 3 distinct nodes"):
        unit_mismatch(X, np.array([0, 0, 0, 1, 1, 1]))
    with pytest.raises(ValueError, match=r"threshold must be a finite number > 0"):
        unit_mismatch(X, np.arange(6), threshold=0.0)
    with pytest.raises(ValueError, match=r"node must have one entry per row of X \(6\); got 5"):
        unit_mismatch(X, np.arange(5))
    with pytest.raises(TypeError, match=r"X must be a floating-point array"):
        find_duplicates(np.array([["a"]], dtype=object))
