"""The simulated clock: how long compute and transfers take on the devices of a topology.

    compute time   t_c = MACs / macs_per_second
    transfer time  t_x = latency + 8 * bytes / bandwidth_bps        (0 when nothing is sent)
    training MACs        = 3 * (multiply-adds of one forward pass over the samples)

(a backward pass costs two forward passes: dL/dW and dL/dx are each a matmul the size of the
forward one.) Links are not congested: each transfer sees its link's
full bandwidth, and a gateway forwards what it received only once all of it has arrived.

A synchronous round, for worker k behind gateway g:

    arrival_k = t_x(model, cloud -> g) + t_x(model, g -> k) + t_c(k) + t_x(update_k, k -> g)
    collect_g = max(arrival_k of g's on-time workers; deadline if one of them was late)
    round     = max over gateways g of  collect_g + t_x(bytes g forwards, g -> cloud)

so the round lasts as long as its slowest participating path.

``arrival_times`` and ``round_time`` check their arguments; ``arrival_times_unchecked`` and
``round_time_unchecked`` are the same formulas on inputs already checked, which the
simulator's rounds (``minitrain.distributed.rounds``) call every round.
"""

from __future__ import annotations

import numpy as np

from .._validate import describe
from ..layers import Sequential
from ._common import check_amounts, check_workers
from .devices import Topology

__all__ = ["arrival_times", "round_time", "training_macs", "transfer_time"]


def transfer_time(
    nbytes: np.ndarray | float, bandwidth_bps: np.ndarray | float, latency_s: np.ndarray | float
) -> np.ndarray:
    """``latency + 8 bytes / bandwidth`` seconds, 0 where nothing is sent; broadcasts."""
    nbytes = check_amounts("nbytes", nbytes)
    bandwidth_bps = check_amounts("bandwidth_bps", bandwidth_bps, positive=True)
    latency_s = check_amounts("latency_s", latency_s)
    return _transfer_time(nbytes, bandwidth_bps, latency_s)


def _transfer_time(nbytes, bandwidth_bps, latency_s) -> np.ndarray:
    """``transfer_time`` on checked numbers (the simulator's own calls)."""
    nbytes = np.asarray(nbytes, dtype=np.float64)
    return np.where(nbytes > 0, latency_s + 8.0 * nbytes / bandwidth_bps, 0.0)


def training_macs(model: Sequential, n_samples: np.ndarray | int) -> np.ndarray:
    """Multiply-adds of forward + backward over ``n_samples`` rows: ``3 * MACs(1 row) * n``."""
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a mt.Sequential; got {describe(model)}.")
    return 3.0 * model.macs(1) * check_amounts("n_samples", n_samples)


def _check_topology(topology: object) -> None:
    if not isinstance(topology, Topology):
        raise TypeError(
            f"topology must be a Topology (see make_topology); got {describe(topology)}."
        )


def arrival_times(
    topology: Topology,
    workers: np.ndarray,
    model_bytes: int,
    update_bytes: np.ndarray,
    macs: np.ndarray,
) -> np.ndarray:
    """(m,) seconds from the round's start until each worker's update reaches its gateway.

    ``workers`` (m,) worker ids; ``update_bytes`` and ``macs`` (m,) per worker.
    """
    _check_topology(topology)
    workers = check_workers("workers", workers, topology.n_workers)
    check_amounts("model_bytes", model_bytes, ndim=0)
    for name, values in (("update_bytes", update_bytes), ("macs", macs)):
        if np.shape(check_amounts(name, values)) != workers.shape:
            raise ValueError(
                f"{name} must have one entry per worker in workers ({workers.size}); got shape "
                f"{np.shape(values)}."
            )
    return arrival_times_unchecked(topology, workers, model_bytes, update_bytes, macs)


def arrival_times_unchecked(topology, workers, model_bytes, update_bytes, macs) -> np.ndarray:
    """``arrival_times`` on checked inputs (the simulator's own calls)."""
    a = topology.arrays
    g = a["gateway_of"][workers]
    to_gateway = _transfer_time(model_bytes, a["gateway_downlink_bps"][g],
                                a["gateway_latency_s"][g])  # fmt: skip
    to_worker = _transfer_time(model_bytes, a["downlink_bps"][workers], a["latency_s"][workers])
    compute = np.asarray(macs, dtype=np.float64) / a["macs_per_second"][workers]
    upload = _transfer_time(update_bytes, a["uplink_bps"][workers], a["latency_s"][workers])
    return to_gateway + to_worker + compute + upload


def round_time(
    topology: Topology,
    workers: np.ndarray,
    arrival: np.ndarray,
    late: np.ndarray,
    backhaul_bytes: np.ndarray,
    deadline: float | None,
) -> float:
    """Seconds until the cloud holds every on-time update (see the module docstring).

    ``workers`` (m,) the workers sent the model, ``arrival`` (m,) their arrival times, ``late``
    (m,) True for those cut by the deadline; ``backhaul_bytes`` (G,) what each gateway forwards.
    """
    _check_topology(topology)
    workers = check_workers("workers", workers, topology.n_workers)
    if np.shape(check_amounts("arrival", arrival)) != workers.shape:
        raise ValueError(f"arrival must have one time per worker ({workers.size}); got shape "
                         f"{np.shape(arrival)}.")  # fmt: skip
    if not (isinstance(late, np.ndarray) and late.dtype == bool and late.shape == workers.shape):
        raise TypeError(f"late must be a boolean array of shape {workers.shape}; got "
                        f"{describe(late)}.")  # fmt: skip
    if np.shape(check_amounts("backhaul_bytes", backhaul_bytes)) != (len(topology.gateways),):
        raise ValueError(f"backhaul_bytes must have one entry per gateway "
                         f"({len(topology.gateways)}); got shape {np.shape(backhaul_bytes)}.")
    if deadline is not None:
        check_amounts("deadline", deadline, positive=True, ndim=0)
    return round_time_unchecked(topology, workers, arrival, late, backhaul_bytes, deadline)


def round_time_unchecked(topology, workers, arrival, late, backhaul_bytes, deadline) -> float:
    """``round_time`` on checked inputs (the simulator's own calls)."""
    a = topology.arrays
    gateways = a["gateway_of"][workers]
    collect = np.zeros(len(topology.gateways))
    np.maximum.at(collect, gateways[~late], arrival[~late])
    if deadline is not None and late.any():
        np.maximum.at(collect, gateways[late], deadline)
    active = np.zeros(len(topology.gateways), dtype=bool)
    active[gateways] = True
    forward = _transfer_time(backhaul_bytes, a["gateway_uplink_bps"], a["gateway_latency_s"])
    return float(np.max(np.where(active, collect + forward, 0.0), initial=0.0))
