"""Model parallelism: a Sequential split by layer ranges over devices, GPipe micro-batches.

Stage s holds layers ``[start_s, stop_s)`` on device s. The batch of N rows is cut into M
micro-batches of n_m rows; each flows forward through the stages (the activation crossing
each boundary is sent to the next device), then backward (the gradient dL/dx crossing it is
sent back). The loss is the mean over all N rows, so micro-batch m's output gradient is
scaled by n_m / N and the parameter gradients summed over micro-batches:

    L = sum_m (n_m / N) L_m,       dL/dtheta = sum_m (n_m / N) dL_m/dtheta

the single-device gradient (bit for bit with M = 1; to rounding otherwise).

Clock (GPipe, Huang et al. 2019): forward f_{s,m} = MACs_s(n_m) / macs_per_second_s, backward
b_{s,m} = 2 f_{s,m} (dL/dW and dL/dx each cost a forward matmul), transfers as ``clock``
with bandwidth min(sender uplink, receiver downlink) and both latencies. A stage runs its
micro-batches in order, forward 0..M-1, then (after the flush) backward M-1..0. A link carries
one transfer at a time, for the whole of its time c (latency included), in order, so
micro-batches ready together queue:

    A[s,m] = max(F[s-1,m], A[s,m-1]) + c[s-1,m]          arrival at stage s of micro-batch m
    F[s,m] = max(F[s,m-1], A[s,m]) + f[s,m]
    B[s,m] = max(B[s,m+1], A'[s,m]) + b[s,m]     (B[s,M] = F[s,M-1]; A' likewise, backward)
    time   = B[0,0];   bubble = 1 - sum_s busy_s / (S time)

With equal stages and free links, time = (M + S - 1)(f + b) and bubble = (S-1)/(M+S-1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._types import Params
from .._validate import check_int, describe
from ..layers import Sequential
from ..train import check_data, check_model_and_loss
from ._common import check_amounts
from .clock import transfer_time
from .devices import Device, linked_device

__all__ = ["PipelineReport", "check_stages", "gpipe_schedule", "pipeline_value_and_grad"]


@dataclass(frozen=True, kw_only=True)
class PipelineReport:
    """What a pipelined step moved and how long it took.

    ``activation_bytes``/``gradient_bytes``: (S-1,) bytes sent forward / backward over each
    stage boundary (all micro-batches). ``stage_param_bytes`` (S,). ``stage_busy`` (S,)
    seconds each stage computed; ``time`` the simulated step; ``bubble`` the idle fraction.
    """

    stages: tuple[tuple[int, int], ...]
    micro_batches: int
    activation_bytes: tuple[int, ...]
    gradient_bytes: tuple[int, ...]
    stage_param_bytes: tuple[int, ...]
    stage_busy: tuple[float, ...]
    time: float
    bubble: float


def check_stages(model: Any, stages: Any) -> list[tuple[int, int]]:
    """Stages as [(start, stop), ...]: non-empty ranges that tile ``range(len(model.layers))``."""
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a mt.Sequential; got {describe(model)}.")
    n_layers = len(model.layers)
    if isinstance(stages, (str, bytes)) or not isinstance(stages, Sequence) or not stages:
        raise ValueError(
            f"stages must be a non-empty list of (start, stop) layer ranges, e.g. "
            f"[(0, 2), (2, {n_layers})]; got {stages!r}."
        )
    out, expected = [], 0
    for s, stage in enumerate(stages):
        if not (isinstance(stage, Sequence) and len(stage) == 2):
            raise ValueError(f"stages[{s}] must be a (start, stop) pair; got {stage!r}.")
        start = check_int(f"stages[{s}] start", stage[0])
        stop = check_int(f"stages[{s}] stop", stage[1])
        if stop <= start:
            raise ValueError(f"stages[{s}] = {stage!r} is empty: stop must be > start.")
        if start != expected or stop > n_layers:
            raise ValueError(
                f"stages[{s}] = {stage!r} is out of range: stages must tile layers 0..{n_layers} "
                f"in order, so this one must start at {expected} and stop at <= {n_layers}."
            )
        out.append((start, stop))
        expected = stop
    if expected != n_layers:
        raise ValueError(f"stages end at layer {expected} but the model has {n_layers} layers.")
    return out


def gpipe_schedule(forward: np.ndarray, backward: np.ndarray, send_forward: np.ndarray,
                   send_backward: np.ndarray) -> tuple[float, np.ndarray]:  # fmt: skip
    """(time, busy per stage) of the GPipe schedule; inputs (S, M) and (S-1, M) seconds."""
    forward = check_amounts("forward", forward, ndim=2)
    S, M = forward.shape
    if S == 0 or M == 0:
        raise ValueError(f"forward must have at least one stage and micro-batch; got {(S, M)}.")
    backward = check_amounts("backward", backward, ndim=2)
    send_forward = check_amounts("send_forward", send_forward, ndim=2)
    send_backward = check_amounts("send_backward", send_backward, ndim=2)
    for name, arr, shape in (("backward", backward, (S, M)),
                             ("send_forward", send_forward, (S - 1, M)),
                             ("send_backward", send_backward, (S - 1, M))):  # fmt: skip
        if arr.shape != shape:
            raise ValueError(f"{name} must have shape {shape} (forward is {(S, M)}); got "
                             f"{arr.shape}.")  # fmt: skip
    F = np.zeros((S, M))
    for s in range(S):
        arrival = 0.0  # A[s, m]: the link into stage s is free again at the previous arrival
        for m in range(M):
            if s:
                arrival = max(F[s - 1, m], arrival) + send_forward[s - 1, m]
            F[s, m] = max(F[s, m - 1] if m else 0.0, arrival) + forward[s, m]
    B = np.zeros((S, M))
    for s in range(S - 1, -1, -1):
        arrival = 0.0
        for m in range(M - 1, -1, -1):
            free = B[s, m + 1] if m < M - 1 else F[s, M - 1]
            if s < S - 1:
                arrival = max(B[s + 1, m], arrival) + send_backward[s, m]
            B[s, m] = max(free, arrival) + backward[s, m]
    return float(B[0, 0]), forward.sum(axis=1) + backward.sum(axis=1)


def _link(a: Device, b: Device, nbytes: np.ndarray) -> np.ndarray:
    return transfer_time(nbytes, min(a.uplink_bps, b.downlink_bps), a.latency_s + b.latency_s)


def pipeline_value_and_grad(
    model: Any,
    loss: Any,
    params: Params,
    X: Any,
    y: Any,
    *,
    stages: Any,
    micro_batches: int = 1,
    devices: Any = "raspberry-pi",
) -> tuple[float, Params, PipelineReport]:
    """(mean loss, grads, report) of ``model`` split into ``stages`` on ``devices`` (one
    preset name or Device for all stages, or one per stage), with M = ``micro_batches``."""
    check_model_and_loss(model, loss)
    ranges = check_stages(model, stages)
    X, target = check_data(model, loss, params, X, y, ("X", "y"))
    n = len(X)
    M = check_int("micro_batches", micro_batches, minimum=1, maximum=n)
    S = len(ranges)
    if isinstance(devices, (str, Device)):
        on = [linked_device(devices, "devices")] * S
    elif not isinstance(devices, (Sequence, np.ndarray)):
        raise TypeError(
            "devices must be a device name such as 'raspberry-pi', a Device, or a list of one "
            f"per stage; got {describe(devices)}."
        )
    else:
        on = [linked_device(d, f"devices[{s}]") for s, d in enumerate(devices)]
        if len(on) != S:
            raise ValueError(f"devices must give one device per stage ({S}); got {len(on)}.")
    sizes = np.full(M, n // M) + (np.arange(M) < n % M)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    act_bytes, grad_bytes = np.zeros((max(S - 1, 0), M)), np.zeros((max(S - 1, 0), M))
    value, grads = 0.0, {}
    for m in range(M):
        rows = slice(int(starts[m]), int(starts[m + 1]))
        out, caches = X[rows], []
        for s, (a, b) in enumerate(ranges):
            out, stage_caches = model.forward(params, out, start=a, stop=b)
            caches.append(stage_caches)
            if s < S - 1:
                act_bytes[s, m] = out.nbytes
        part = target[rows]
        v, d = loss.value_and_grad(out, part)
        share = sizes[m] / n
        value += v * share
        d = d * d.dtype.type(share)
        for s in range(S - 1, -1, -1):
            a, b = ranges[s]
            d, stage_grads = model.backward(params, caches[s], d, need_dx=a > 0, start=a,
                                            stop=b)  # fmt: skip
            for key, g in stage_grads.items():
                grads[key] = g if key not in grads else grads[key] + g
            if s > 0:
                grad_bytes[s - 1, m] = d.nbytes
    grads = {key: grads[key] for key in params}
    macs = np.array([[sum(model.layers[i].macs(int(k)) for i in range(a, b)) for k in sizes]
                     for a, b in ranges], dtype=np.float64)  # fmt: skip
    forward = macs / np.array([device.macs_per_second for device in on])[:, None]
    send_f = np.array([_link(on[s], on[s + 1], act_bytes[s]) for s in range(S - 1)])
    send_b = np.array([_link(on[s + 1], on[s], grad_bytes[s]) for s in range(S - 1)])
    time, busy = gpipe_schedule(forward, 2 * forward, send_f.reshape(-1, M), send_b.reshape(-1, M))
    param_bytes = [sum(w.nbytes for i in range(a, b)
                       for w in model.layer_params(params, i).values())
                   for a, b in ranges]  # fmt: skip
    report = PipelineReport(
        stages=tuple(ranges),
        micro_batches=M,
        activation_bytes=tuple(int(x) for x in act_bytes.sum(axis=1)),
        gradient_bytes=tuple(int(x) for x in grad_bytes.sum(axis=1)),
        stage_param_bytes=tuple(param_bytes),
        stage_busy=tuple(float(x) for x in busy),
        time=time,
        bubble=1.0 - float(busy.sum()) / (S * time) if time else 0.0,
    )
    return float(value), grads, report
