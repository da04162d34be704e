"""The topology of a simulated fleet: edge nodes -> gateways -> cloud, on named devices.

Devices come from the one registry ``minitrain.compress.DEVICES`` (also ``DEVICES`` here), the
same names that ``compress.fits`` checks budgets against; a ``Device`` there holds what the
simulated clock needs: its sustained compute rate, the bandwidth and latency of its access
link, the probability that it is available in a round, and its memory. The presets are
*rough*, order-of-magnitude figures from public specifications, good for comparing designs and
never a latency promise:

=================  ==========  ==========  ==========  =======  =====  ======
preset             MAC/s       uplink      downlink    latency  avail  memory
=================  ==========  ==========  ==========  =======  =====  ======
``cortex-m4``      6.4e7       250 kbit/s  250 kbit/s  30 ms    0.9    256 KB
``cortex-m7``      4e8         250 kbit/s  250 kbit/s  30 ms    0.9    512 KB
``raspberry-pi``   5e9         20 Mbit/s   20 Mbit/s   5 ms     1.0    1 GB
``phone``          5e10        10 Mbit/s   30 Mbit/s   50 ms    0.8    4 GB
``gateway``        5e10        100 Mbit/s  100 Mbit/s  20 ms    1.0    8 GB
``cloud``          5e12        10 Gbit/s   10 Gbit/s   1 ms     1.0    64 GB
=================  ==========  ==========  ==========  =======  =====  ======

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

from .._validate import check_int, describe
from ..compress.footprint import DEVICES, Device, get_device

__all__ = ["DEVICES", "Device", "Topology", "linked_device", "make_topology"]


def linked_device(device: Any, name: str = "device") -> Device:
    """``get_device(device)``, refused unless it has the link figures the clock needs."""
    device = get_device(device, name)
    if not device.has_link:
        raise ValueError(
            f"{name} {device.name!r} has no network link: give its Device uplink_bps, "
            "downlink_bps and latency_s to simulate it in a fleet."
        )
    return device


@dataclass(frozen=True)
class Topology:
    """Edge workers -> gateways -> cloud.

    Attributes:
        workers: one device per worker (edge node), K >= 1.
        gateway_of: (K,) the gateway index of each worker, in [0, G).
        gateways: one device per gateway, G >= 1.
        cloud: the server's device.
    """

    workers: tuple[Device, ...]
    gateway_of: tuple[int, ...]
    gateways: tuple[Device, ...]
    cloud: Device

    def __post_init__(self) -> None:
        for name in ("workers", "gateway_of", "gateways"):
            value = getattr(self, name)
            if not isinstance(value, Sequence) or isinstance(value, str):
                raise TypeError(
                    f"{name} must be a tuple (one entry per worker or gateway); got "
                    f"{describe(value)}."
                )
        if len(self.workers) < 1:
            raise ValueError("workers must hold at least one Device; got none.")
        if len(self.gateways) < 1:
            raise ValueError("gateways must hold at least one Device; got none.")
        if len(self.gateway_of) != len(self.workers):
            raise ValueError(
                f"gateway_of must give one gateway per worker ({len(self.workers)}); "
                f"got {len(self.gateway_of)} entries."
            )
        for k, g in enumerate(self.gateway_of):
            check_int(f"gateway_of[{k}]", g, minimum=0, maximum=len(self.gateways) - 1)
        for k, device in enumerate(self.workers):
            linked_device(device, f"workers[{k}]")
        for g, device in enumerate(self.gateways):
            linked_device(device, f"gateways[{g}]")
        linked_device(self.cloud, "cloud")

    @property
    def n_workers(self) -> int:
        return len(self.workers)

    @cached_property
    def arrays(self) -> dict[str, np.ndarray]:
        """Per-worker (K,) and per-gateway (G,) figures as arrays, for vectorised clocks."""

        def column(devices: Sequence[Device], attribute: str) -> np.ndarray:
            return np.array([getattr(p, attribute) for p in devices], dtype=np.float64)

        out = {"gateway_of": np.array(self.gateway_of, dtype=np.int64)}
        for attribute in ("macs_per_second", "uplink_bps", "downlink_bps", "latency_s",
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

    ``devices`` is one preset name or Device for all workers, or a sequence of K of them (a
    mixed fleet, e.g. ``["cortex-m4"] * 4 + ["phone"] * 4``).
    """
    n_workers = check_int("n_workers", n_workers, minimum=1)
    n_gateways = check_int("n_gateways", n_gateways, minimum=1, maximum=n_workers)
    if isinstance(devices, (str, Device)):
        workers = (linked_device(devices, "devices"),) * n_workers
    else:
        if not isinstance(devices, (Sequence, np.ndarray)):
            raise TypeError(
                "devices must be a device name such as 'raspberry-pi', a Device, or a list of "
                f"one per worker; got {describe(devices)}."
            )
        devices = list(devices)
        if len(devices) != n_workers:
            raise ValueError(
                f"devices must name one device or give one per worker ({n_workers}); "
                f"got {len(devices)}."
            )
        workers = tuple(linked_device(d, f"devices[{k}]") for k, d in enumerate(devices))
    gateway_of = tuple(k * n_gateways // n_workers for k in range(n_workers))
    gateways = (linked_device(gateway, "gateway"),) * n_gateways
    return Topology(workers, gateway_of, gateways, linked_device(cloud, "cloud"))
