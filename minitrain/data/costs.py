"""What each sensor column of the fleet costs per reading: payload bytes and energy.

Every feature of ``make_sensor_fleet`` is a sensor that must be powered, read and sent on
every reading, so dropping a column saves bytes on the radio and energy in the battery.
The figures are order-of-magnitude values for the sensor classes named, from typical
datasheets (3.3 V supply); they are for comparing choices, not for a power budget:

    column       bytes  energy/reading  how it is read
    temperature  2      0.007 mJ        digital sensor (TMP117 class): 16-bit result,
                                        ~15 ms conversion at ~0.14 mA
    humidity     2      0.04 mJ         digital RH sensor (SHT3x class): 16-bit result,
                                        ~15 ms at ~0.8 mA
    vibration    4      1.0 mJ          MEMS accelerometer sampled 1 s at 1 kHz, RMS
                                        velocity computed on the MCU, sent as float32
    pressure     3      0.005 mJ        barometer (BMP3xx class): 24-bit raw result,
                                        a few ms at ~0.7 mA

``energy_mj`` counts the sensor and its read-out only; sending a byte costs the radio's
energy per byte on top (see ``minitrain.distributed`` for link models).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._validate import check_int, check_keys, check_positive, describe
from .sensors import COLUMNS

__all__ = ["SENSOR_COSTS", "SensorCost", "sensor_costs"]


@dataclass(frozen=True)
class SensorCost:
    """The cost of one reading of one column: payload ``bytes`` and ``energy_mj``
    (millijoules), with the sensor class the figures describe."""

    column: str
    bytes: int
    energy_mj: float
    sensor: str

    def __post_init__(self) -> None:
        for name in ("column", "sensor"):
            if not isinstance(getattr(self, name), str):
                raise TypeError(f"{name} must be a str; got {describe(getattr(self, name))}.")
        check_int("bytes", self.bytes, minimum=1)
        check_positive("energy_mj", self.energy_mj, allow_zero=True)


SENSOR_COSTS: dict[str, SensorCost] = {
    "temperature": SensorCost("temperature", 2, 0.007, "digital temperature sensor, TMP117 class"),
    "humidity": SensorCost("humidity", 2, 0.04, "digital humidity sensor, SHT3x class"),
    "vibration": SensorCost("vibration", 4, 1.0, "MEMS accelerometer, 1 s at 1 kHz, RMS on MCU"),
    "pressure": SensorCost("pressure", 3, 0.005, "barometric sensor, BMP3xx class"),
}
assert tuple(SENSOR_COSTS) == COLUMNS  # one cost per fleet column, in the fleet's order


def sensor_costs(columns: Sequence[str] = COLUMNS) -> tuple[np.ndarray, np.ndarray]:
    """(bytes, energy_mj) per reading of each named column, as (k,) int64 and float64 arrays.

    ``columns``: distinct names of fleet columns (a repeated column would be paid twice).
    """
    columns = check_keys("columns", columns, SENSOR_COSTS)
    costs = [SENSOR_COSTS[c] for c in columns]
    return (np.array([c.bytes for c in costs], dtype=np.int64),
            np.array([c.energy_mj for c in costs]))  # fmt: skip
