"""Device profiles and the topology of a simulated fleet: edge nodes -> gateways -> cloud.

A ``DeviceProfile`` holds what the simulated clock needs about one device: its sustained
compute speed, the bandwidth and latency of its access link, the probability that it is
available in a round, and its memory. The presets in ``PROFILES`` are *rough*, order-of-magnitude
figures from public specifications, good for comparing designs and never a latency promise:

=================  =========  ==========  ==========  =======  =====  ==========================
preset             FLOP/s     uplink      downlink    latency  avail  memory
=================  =========  ==========  ==========  =======  =====  ==========================
``mcu``            1.3e8      250 kbit/s  250 kbit/s  30 ms    0.9    256 KB (``cortex-m4``)
``raspberry-pi``   1e10       20 Mbit/s   20 Mbit/s   5 ms     1.0    1 GB   (``raspberry-pi``)
``phone``          1e11       10 Mbit/s   30 Mbit/s   50 ms    0.8    4 GB   (``phone``)
``gateway``        1e11       100 Mbit/s  100 Mbit/s  20 ms    1.0    8 GB
``cloud``          1e13       10 Gbit/s   10 Gbit/s   1 ms     1.0    64 GB
=================  =========  ==========  ==========  =======  =====  ==========================

Memory and compute of the three edge classes are ``minitrain.compress.DEVICES`` (compute there
is in multiply-adds per second; one multiply-add is 2 FLOPs). Links: Bluetooth LE 5 carries
a few hundred kbit/s of application data; a Raspberry Pi 3's 2.4 GHz 802.11n Wi-Fi some
20 Mbit/s; median LTE some 10 Mbit/s up and 30 down with ~50 ms latency; a gateway's wired or
fibre backhaul ~100 Mbit/s; a data-centre NIC 10 Gbit/s. Availability: a battery MCU sleeps
sometimes, a phone takes part only when idle, charging and on Wi-Fi (the usual federated
eligibility rule).

A ``Topology`` assigns each worker (edge node) to a gateway; every gateway talks to the cloud.
A worker's link is its own access link (its ``uplink_bps``/``downlink_bps``/``latency_s``); a
gateway's link to the cloud is the gateway's access link (the backhaul).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from .._validate import check_in_range, check_int, check_positive, describe
from ..compress import DEVICES

__all__ = ["PROFILES", "DeviceProfile", "Topology", "get_profile", "make_topology"]

FLOPS_PER_MAC = 2  # one multiply-add = one multiplication + one addition


@dataclass(frozen=True)
class DeviceProfile:
    """One class of device as the simulated clock sees it.

    Attributes:
        name: a label, e.g. "phone".
        flops_per_second: sustained compute speed (FLOP/s, > 0).
        uplink_bps, downlink_bps: access-link bandwidth up (device -> network) and down, in
            bits per second (> 0).
        latency_s: one-way latency of the access link in seconds (>= 0).
        availability: probability of being available in a round, in (0, 1].
        memory_bytes: working memory (RAM) in bytes (>= 1).
    """

    name: str
    flops_per_second: float
    uplink_bps: float
    downlink_bps: float
    latency_s: float
    availability: float = 1.0
    memory_bytes: int = 2**30

    def __post_init__(self) -> None:
        check_positive("flops_per_second", self.flops_per_second)
        check_positive("uplink_bps", self.uplink_bps)
        check_positive("downlink_bps", self.downlink_bps)
        check_positive("latency_s", self.latency_s, allow_zero=True)
        check_in_range(
            "availability", self.availability, 0.0, 1.0, low_inclusive=False, high_inclusive=True
        )
        check_int("memory_bytes", self.memory_bytes, minimum=1)


def _from_compress(name: str, preset: str, **link: Any) -> DeviceProfile:
    """A profile whose memory and compute are ``minitrain.compress.DEVICES[preset]``'s."""
    device = DEVICES[preset]
    flops = FLOPS_PER_MAC * device.macs_per_second
    return DeviceProfile(name, flops, memory_bytes=device.ram_bytes, **link)


_GB = 2**30
PROFILES: dict[str, DeviceProfile] = {
    "mcu": _from_compress("mcu", "cortex-m4", uplink_bps=250e3, downlink_bps=250e3,
                          latency_s=0.030, availability=0.9),
    "raspberry-pi": _from_compress("raspberry-pi", "raspberry-pi", uplink_bps=20e6,
                                   downlink_bps=20e6, latency_s=0.005, availability=1.0),
    "phone": _from_compress("phone", "phone", uplink_bps=10e6, downlink_bps=30e6,
                            latency_s=0.050, availability=0.8),
    "gateway": DeviceProfile("gateway", 1e11, 100e6, 100e6, 0.020, 1.0, 8 * _GB),
    "cloud": DeviceProfile("cloud", 1e13, 10e9, 10e9, 0.001, 1.0, 64 * _GB),
}  # fmt: skip


def get_profile(device: Any, name: str = "device") -> DeviceProfile:
    """A ``DeviceProfile`` from a preset name of ``PROFILES`` or a profile itself."""
    if isinstance(device, DeviceProfile):
        return device
    if isinstance(device, str) and device in PROFILES:
        return PROFILES[device]
    raise ValueError(
        f"{name} must be a DeviceProfile or one of the presets {list(PROFILES)}; "
        f"got {describe(device)}."
    )


@dataclass(frozen=True)
class Topology:
    """Edge workers -> gateways -> cloud.

    Attributes:
        workers: one profile per worker (edge node), K >= 1.
        gateway_of: (K,) the gateway index of each worker, in [0, G).
        gateways: one profile per gateway, G >= 1.
        cloud: the server's profile.
    """

    workers: tuple[DeviceProfile, ...]
    gateway_of: tuple[int, ...]
    gateways: tuple[DeviceProfile, ...]
    cloud: DeviceProfile

    def __post_init__(self) -> None:
        if len(self.workers) < 1:
            raise ValueError("workers must hold at least one DeviceProfile; got none.")
        if len(self.gateways) < 1:
            raise ValueError("gateways must hold at least one DeviceProfile; got none.")
        if len(self.gateway_of) != len(self.workers):
            raise ValueError(
                f"gateway_of must give one gateway per worker ({len(self.workers)}); "
                f"got {len(self.gateway_of)} entries."
            )
        for k, g in enumerate(self.gateway_of):
            check_int(f"gateway_of[{k}]", g, minimum=0, maximum=len(self.gateways) - 1)
        for k, profile in enumerate(self.workers):
            get_profile(profile, f"workers[{k}]")
        for g, profile in enumerate(self.gateways):
            get_profile(profile, f"gateways[{g}]")
        get_profile(self.cloud, "cloud")

    @property
    def n_workers(self) -> int:
        return len(self.workers)

    @cached_property
    def arrays(self) -> dict[str, np.ndarray]:
        """Per-worker (K,) and per-gateway (G,) figures as arrays, for vectorised clocks."""

        def column(profiles: Sequence[DeviceProfile], attribute: str) -> np.ndarray:
            return np.array([getattr(p, attribute) for p in profiles], dtype=np.float64)

        out = {"gateway_of": np.array(self.gateway_of, dtype=np.int64)}
        for attribute in ("flops_per_second", "uplink_bps", "downlink_bps", "latency_s",
                          "availability"):  # fmt: skip
            out[attribute] = column(self.workers, attribute)
            out[f"gateway_{attribute}"] = column(self.gateways, attribute)
        return out

    @cached_property
    def link_names(self) -> tuple[list[str], list[str]]:
        """Names of the edge links ("worker 3") and backhaul links ("gateway 0")."""
        return (
            [f"worker {k}" for k in range(self.n_workers)],
            [f"gateway {g}" for g in range(len(self.gateways))],
        )


def make_topology(
    n_workers: int,
    devices: Any = "raspberry-pi",
    *,
    n_gateways: int = 1,
    gateway: Any = "gateway",
    cloud: Any = "cloud",
) -> Topology:
    """K workers in ``n_gateways`` contiguous groups: worker k belongs to gateway floor(k G / K).

    ``devices`` is one preset name or profile for all workers, or a sequence of K of them (a
    mixed fleet, e.g. ``["mcu"] * 4 + ["phone"] * 4``).
    """
    n_workers = check_int("n_workers", n_workers, minimum=1)
    n_gateways = check_int("n_gateways", n_gateways, minimum=1, maximum=n_workers)
    if isinstance(devices, (str, DeviceProfile)):
        workers = (get_profile(devices, "devices"),) * n_workers
    else:
        devices = list(devices)
        if len(devices) != n_workers:
            raise ValueError(
                f"devices must name one device or give one per worker ({n_workers}); "
                f"got {len(devices)}."
            )
        workers = tuple(get_profile(d, f"devices[{k}]") for k, d in enumerate(devices))
    gateway_of = tuple(k * n_gateways // n_workers for k in range(n_workers))
    gateways = (get_profile(gateway, "gateway"),) * n_gateways
    return Topology(workers, gateway_of, gateways, get_profile(cloud, "cloud"))
