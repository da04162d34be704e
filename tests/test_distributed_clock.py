"""The simulated clock: transfer and compute times, arrival and round times against hand counts."""

from __future__ import annotations

import numpy as np
import pytest

import minitrain as mt
from minitrain import distributed as dist


def device(name, macs_per_second, uplink_bps, downlink_bps, latency_s):
    return dist.Device(name, 2**30, 2**30, macs_per_second, uplink_bps=uplink_bps,
                       downlink_bps=downlink_bps, latency_s=latency_s)  # fmt: skip


def test_transfer_time_is_latency_plus_bits_over_bandwidth():
    # 1000 bytes = 8000 bits over 8000 bit/s is 1 s, plus 10 ms; nothing sent takes no time
    # (pytest.approx here and below: hand values vs float arithmetic, default 1e-6 relative)
    assert dist.transfer_time(1000, 8000.0, 0.01) == pytest.approx(1.01)
    assert dist.transfer_time(0, 8000.0, 0.01) == 0.0
    assert np.allclose(dist.transfer_time(np.array([500, 0]), 8000.0, 0.0), [0.5, 0.0])


def test_round_time_is_the_slowest_path_through_the_topology():
    slow = device("slow", macs_per_second=500, uplink_bps=8e3, downlink_bps=16e3, latency_s=0.1)
    fast = device("fast", 5e5, 8e6, 8e6, 0.0)
    gateway = device("gw", 5e8, 80e3, 160e3, 0.05)
    topology = dist.Topology((slow, fast), (0, 0), (gateway,), fast)
    workers, macs = np.array([0, 1]), np.array([1000.0, 1000.0])
    arrival = dist.arrival_times(topology, workers, 1000, np.array([500, 500]), macs)
    # gateway down 0.05 + 8000/160e3 = 0.1; slow: down 0.1 + 8000/16e3 = 0.6, compute 2 s,
    # up 0.1 + 4000/8e3 = 0.6 -> 3.3. fast: 0.1 + 0.001 + 0.002 + 0.0005 = 0.1035.
    np.testing.assert_allclose(arrival, [3.3, 0.1035], rtol=1e-12)
    backhaul = np.array([1000])  # forwards both updates: 0.05 + 8000 / 80e3 = 0.15
    late = np.array([False, False])
    assert dist.round_time(topology, workers, arrival, late, backhaul, None) == pytest.approx(3.45)
    # a 1 s deadline cuts the slow worker: the gateway waits until 1 s, then forwards
    late = arrival > 1.0
    assert dist.round_time(topology, workers, arrival, late, backhaul // 2, 1.0) == pytest.approx(
        1.0 + 0.05 + 4000 / 80e3
    )


def test_training_macs_are_three_forward_passes_per_row():
    model = mt.Sequential([mt.Dense(3, 2), mt.ReLU(), mt.Dense(2, 1)])
    # forward multiply-adds per row 3*2 + 2*1 = 8; x3 for forward + backward (dL/dW, dL/dx)
    assert dist.training_macs(model, 5) == 3 * 8 * 5
    np.testing.assert_array_equal(dist.training_macs(model, np.array([1, 4])), [24.0, 96.0])
