"""Sensor costs: one per fleet column, in the fleet's order, positive, and looked up by name."""

import numpy as np
import pytest

import minitrain as mt


def test_every_fleet_column_has_a_positive_cost_in_the_fleets_order():
    fleet = mt.data.make_sensor_fleet(n_nodes=2, n_per_node=10, seed=0)
    assert tuple(mt.data.SENSOR_COSTS) == fleet.columns
    nbytes, energy = mt.data.sensor_costs(fleet.columns)
    assert nbytes.dtype == np.int64 and np.all(nbytes > 0) and np.all(energy > 0)
    subset = mt.data.sensor_costs(["pressure", "temperature"])
    np.testing.assert_array_equal(subset[0], [mt.data.SENSOR_COSTS["pressure"].bytes,
                                              mt.data.SENSOR_COSTS["temperature"].bytes])


def test_unknown_columns_are_refused():
    with pytest.raises(ValueError, match=r"columns has unknown key\(s\) \['co2'\]"):
        mt.data.sensor_costs(["co2"])
    with pytest.raises(TypeError, match="columns must be a list"):  # not read letter by letter
        mt.data.sensor_costs("temperature")
    with pytest.raises(ValueError, match="columns names \\['humidity'\\] more than once"):
        mt.data.sensor_costs(["humidity", "humidity"])  # it would be paid twice
