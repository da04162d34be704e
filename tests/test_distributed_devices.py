"""Devices and topologies: one registry for budgets and the clock, bad figures refused."""

from __future__ import annotations

import numpy as np
import pytest

import minitrain as mt
from minitrain import distributed as dist


def test_one_registry_serves_both_the_footprint_check_and_the_fleet():
    """Every preset name works in compress.fits and in make_cluster(devices=...)."""
    assert dist.DEVICES is mt.compress.DEVICES and dist.Device is mt.compress.Device
    model = mt.Sequential([mt.Dense(3, 2)])
    counts = mt.compress.footprint(model, model.init(0), batch_size=4)
    X, y = np.zeros((6, 3)), np.zeros(6, dtype=np.int64)
    for name, device in mt.compress.DEVICES.items():
        assert {r.device for r in mt.compress.fits(counts, name).rows} == {name}
        cluster = dist.make_cluster(X, y, 2, devices=name)
        assert cluster.topology.workers == (device, device)
        # the clock's arrays are the registry's figures
        assert cluster.topology.arrays["macs_per_second"][0] == device.macs_per_second


def test_the_presets_keep_the_clocks_figures():
    """Compute as multiply-adds per second (one multiply-add = 2 FLOPs of the old table)."""
    devices = mt.compress.DEVICES
    assert 2 * devices["cortex-m4"].macs_per_second == 1.28e8
    assert 2 * devices["raspberry-pi"].macs_per_second == 1e10
    assert 2 * devices["phone"].macs_per_second == 1e11
    assert 2 * devices["gateway"].macs_per_second == 1e11
    assert 2 * devices["cloud"].macs_per_second == 1e13
    assert devices["cortex-m4"].ram_bytes == 256 * 1024
    assert (devices["phone"].uplink_bps, devices["phone"].downlink_bps) == (10e6, 30e6)
    assert (devices["cortex-m4"].availability, devices["phone"].availability) == (0.9, 0.8)


@pytest.mark.parametrize("field", ["macs_per_second", "uplink_bps", "downlink_bps"])
@pytest.mark.parametrize("value", [0.0, -5.0])
def test_a_device_with_bandwidth_or_speed_at_or_below_zero_is_refused(field, value):
    figures = dict(macs_per_second=1e9, uplink_bps=1e6, downlink_bps=1e6, latency_s=0.01)
    figures[field] = value
    with pytest.raises(ValueError, match=f"{field} must be a finite number > 0"):
        dist.Device("custom", 2**20, 2**20, **figures)


def test_a_device_without_a_link_is_refused_in_a_fleet():
    offline = dist.Device("offline", 2**20, 2**20, 1e6)
    mt.compress.fits(mt.compress.footprint(mt.Sequential([mt.Dense(2, 1)]),
                                           {"0.W": np.zeros((2, 1)), "0.b": np.zeros(1)}),
                     offline)  # fmt: skip
    with pytest.raises(ValueError, match="devices 'offline' has no network link"):
        dist.make_topology(2, offline)


def test_unknown_devices_and_mismatched_topologies_are_refused():
    with pytest.raises(ValueError, match=r"devices must be one of the presets \['cortex-m4'"):
        dist.make_topology(3, "toaster")
    with pytest.raises(ValueError, match="devices must name one device or give one per worker"):
        dist.make_topology(3, ["phone", "cortex-m4"])
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 3)), rng.integers(0, 3, 30)
    shards = np.array_split(np.arange(30), 5)
    with pytest.raises(ValueError, match="topology has 2 workers but there are 5 shards"):
        dist.Cluster(X, y, shards, dist.make_topology(2))
