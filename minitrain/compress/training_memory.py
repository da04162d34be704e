r"""What learning costs a device: training memory and multiply-adds for a ``trainable`` set.

Training a few keys of a ``Sequential`` (the last layer, the biases: the sparse updates of
tiny on-device training, Lin et al. 2022) costs less than training all of them, and the
saving is mostly in **activations**. Backprop runs from the last layer down to the first
layer ``f`` that holds a trainable key, and layer i needs, for a batch of B rows:

    Dense i (y = x W + b):   dL/dW = x^T dy   needs its input x       (B n_in values)
                             dL/db = sum dy   needs nothing kept
                             dL/dx = dy W^T   needs W only (stored anyway), only if i > f
    elementwise layer i:     dL/dx = dy * phi'(.)  needs its cache (ReLU, Tanh, Sigmoid keep
                             their output, LeakyReLU a bool mask), only if i > f

so the activations kept are those of the Dense layers whose **W** trains, plus those of the
elementwise layers above f (one array, counted once, when an elementwise layer's cache is its
output and the Dense layer above keeps that output as its input). Bias-only training keeps no
Dense input at all, only the elementwise caches above the first layer: that is why it needs a
fraction of the memory of weight updates, though its gradient still travels down the whole
network (and costs the same dL/dx multiply-adds). The bytes:

    params       sum over all keys of size * itemsize      (stored for inference anyway)
    grads        sum over trainable keys of size * itemsize
    slots        the stepper's state for the trainable keys (Adam 2 per value, SGD with
                 momentum 1, ...), measured from ``opt.init`` and one ``opt.step``
    activations  B * (sum over kept Dense inputs of n_in * itemsize
                      + sum over kept elementwise caches of their bytes per row)
    buffer       a replay buffer or a window of recent samples (``buffer_bytes``)
    penalty      EWC's anchor and Fisher diagonal for the trainable keys: 2 * grads

Multiply-adds per learned sample: the forward pass (sum over Dense of n_in n_out), plus for
each Dense layer i >= f, n_in n_out for dL/dW if W_i trains and n_in n_out for dL/dx if
i > f (bias gradients and elementwise layers are additions and products of vectors: none).
Transient buffers (the output and the gradient in flight, at most 2 B max-width values) and
the optimizer's scalars are not counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validate import (
    check_flag,
    check_int,
    check_keys,
    check_params,
    check_same_keys,
    check_stepper,
    describe,
)
from ..layers import Dense, Sequential

__all__ = ["TrainingFitReport", "TrainingMemory", "backward_plan", "training_fits",
           "training_memory"]


@dataclass(frozen=True)
class BackwardPlan:
    """Which layers backprop visits and what they keep (module docstring).

    ``first``: the lowest layer with a trainable key (None: nothing trains); ``keep[i]``:
    layer i's forward cache is kept for the backward pass; ``need_dx[i]``: layer i passes the
    gradient down (i > first); ``trainable``: the trainable keys, in the params' order.
    """

    first: int | None
    keep: tuple[bool, ...]
    need_dx: tuple[bool, ...]
    trainable: tuple[str, ...]


def backward_plan(model: Sequential, params: Mapping[str, np.ndarray],
                  trainable: Iterable[str] | None) -> BackwardPlan:
    """The ``BackwardPlan`` for training ``trainable`` (None: every key) of ``model``."""
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a mt.Sequential; got {describe(model)}.")
    check_params("params", params)
    check_same_keys(
        "params", params, {k: np.broadcast_to(0.0, s) for k, s in model.param_shapes().items()}
    )
    if model.n_in is None:
        raise ValueError(f"model {model!r} has no Dense layer; its input width is unknown.")
    keys = tuple(params) if trainable is None else _check_trainable(trainable, params)
    layers = model.layers
    for i, layer in enumerate(layers):
        if not isinstance(layer, Dense) and layer.param_shapes():
            raise TypeError(
                f"layer {i} ({layer!r}) has parameters but is not Dense; training-memory "
                "accounting knows Dense and parameter-free layers only."
            )
    owners = sorted({int(key.split(".", 1)[0]) for key in keys})
    first = owners[0] if owners else None
    need_dx = tuple(first is not None and i > first for i in range(len(layers)))
    keep = tuple(
        (f"{i}.W" in keys) if isinstance(layer, Dense) else need_dx[i]
        for i, layer in enumerate(layers)
    )
    return BackwardPlan(first, keep, need_dx, tuple(k for k in params if k in set(keys)))


def _check_trainable(trainable: Iterable[str], params: Mapping[str, np.ndarray]) -> tuple:
    """Distinct key names (a bare string or a repeated key is refused), each a key of params."""
    keys = check_keys("trainable", trainable)
    unknown = [k for k in keys if k not in params]
    if unknown:
        raise ValueError(
            f"trainable keys {unknown} are not parameters; the params have {list(params)}."
        )
    return tuple(keys)


@dataclass(frozen=True)
class TrainingMemory:
    """Bytes a training step keeps and multiply-adds per learned sample (module docstring)."""

    batch_size: int
    params_bytes: int
    grad_bytes: int
    slot_bytes: int
    activation_bytes: int
    buffer_bytes: int
    penalty_bytes: int
    forward_macs: int
    backward_macs: int

    @property
    def total_bytes(self) -> int:
        return (self.params_bytes + self.grad_bytes + self.slot_bytes + self.activation_bytes
                + self.buffer_bytes + self.penalty_bytes)

    @property
    def macs_per_sample(self) -> int:
        """Forward plus backward multiply-adds of one learned sample."""
        return self.forward_macs + self.backward_macs

    def __str__(self) -> str:
        parts = ("params", "grad", "slot", "activation", "buffer", "penalty")
        detail = ", ".join(f"{p} {getattr(self, p + '_bytes'):,}" for p in parts)
        return (f"training memory {self.total_bytes:,} B (batch {self.batch_size}: {detail}); "
                f"{self.macs_per_sample:,} multiply-adds per sample")


def _slot_bytes(opt: Any, params: Mapping[str, np.ndarray]) -> int:
    """Bytes of the arrays in the stepper's state after one zero-gradient step."""
    if opt is None or not params:
        return 0
    state = opt.init(dict(params))
    _, state = opt.step(dict(params), {k: np.zeros_like(v) for k, v in params.items()}, state)
    return state_nbytes(state)


def state_nbytes(state: Mapping[str, Any]) -> int:
    """Bytes of the arrays held in a stepper's state (its slots; scalars not counted)."""
    return sum(int(a.nbytes) for slot in state.values() if isinstance(slot, Mapping)
               for a in slot.values() if isinstance(a, np.ndarray))


def _cache_bytes_per_row(layer: Any, width: int, dtype: np.dtype) -> tuple[int, bool]:
    """Bytes per row of what an elementwise layer's forward returns as its cache, and whether
    that cache is the layer's output itself (then the Dense layer above keeps the same array)."""
    out, cache = layer.forward({}, np.zeros((1, width), dtype=dtype))
    return int(cache.nbytes), cache is out


def training_memory(
    model: Sequential,
    params: Mapping[str, np.ndarray],
    opt: Any = None,
    batch_size: int = 1,
    *,
    trainable: Iterable[str] | None = None,
    buffer_bytes: int = 0,
    penalty: bool = False,
) -> TrainingMemory:
    """Training memory and multiply-adds of one step on ``batch_size`` rows, training only
    the ``trainable`` keys (None: all), with a replay ``buffer_bytes`` and, with ``penalty``,
    EWC's anchor and Fisher for the trainable keys (see the module docstring)."""
    plan = backward_plan(model, params, trainable)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    buffer_bytes = check_int("buffer_bytes", buffer_bytes, minimum=0)
    penalty = check_flag("penalty", penalty)
    if opt is not None:
        check_stepper("opt", opt)
    train = {k: params[k] for k in plan.trainable}
    grad_bytes = sum(int(a.nbytes) for a in train.values())
    dtype = next(iter(params.values())).dtype
    activation_bytes, forward, backward = 0, 0, 0
    width = model.n_in
    for i, layer in enumerate(model.layers):
        if isinstance(layer, Dense):
            macs = layer.n_in * layer.n_out
            forward += macs
            backward += macs * ((f"{i}.W" in train) + plan.need_dx[i])
            activation_bytes += plan.keep[i] * batch_size * layer.n_in * dtype.itemsize
            width = layer.n_out
        elif plan.keep[i]:
            row_bytes, is_output = _cache_bytes_per_row(layer, width, dtype)
            above = model.layers[i + 1] if i + 1 < len(model.layers) else None
            shared = is_output and isinstance(above, Dense) and plan.keep[i + 1]
            activation_bytes += 0 if shared else batch_size * row_bytes
    return TrainingMemory(
        batch_size=batch_size,
        params_bytes=sum(int(a.nbytes) for a in params.values()),
        grad_bytes=grad_bytes,
        slot_bytes=_slot_bytes(opt, train),
        activation_bytes=activation_bytes,
        buffer_bytes=buffer_bytes,
        penalty_bytes=2 * grad_bytes if penalty else 0,
        forward_macs=forward,
        backward_macs=backward,
    )


def _device_ram(device: Any) -> tuple[str, int]:
    """(name, RAM bytes) of a device preset name or a ``Device`` (a checked record)."""
    from .footprint import get_device

    checked = get_device(device)
    return checked.name, checked.ram_bytes


@dataclass(frozen=True)
class TrainingFitReport:
    """Which strategy trains on which device: ``rows`` of (strategy, device, needed, budget)."""

    rows: tuple[tuple[str, str, int, int], ...]

    def fits(self, strategy: str, device: str) -> bool:
        """Whether ``strategy`` (a key of the memories) fits ``device`` (a name in the report)."""
        strategies = list(dict.fromkeys(s for s, _, _, _ in self.rows))
        devices = list(dict.fromkeys(d for _, d, _, _ in self.rows))
        if strategy not in strategies:
            raise ValueError(f"strategy must be one of {strategies}; got {strategy!r}.")
        if device not in devices:
            raise ValueError(f"device must be one of {devices}; got {device!r}.")
        return next(n <= b for s, d, n, b in self.rows if s == strategy and d == device)

    def __str__(self) -> str:
        devices = list(dict.fromkeys(d for _, d, _, _ in self.rows))
        strategies = list(dict.fromkeys(s for s, _, _, _ in self.rows))
        needed = {s: n for s, _, n, _ in self.rows}
        width = max(len(s) for s in strategies)
        lines = [f"{'strategy'.ljust(width)}  {'RAM':>10}  " + "  ".join(devices)]
        for s in strategies:
            marks = "  ".join(("yes" if self.fits(s, d) else "no").ljust(len(d)) for d in devices)
            lines.append(f"{s.ljust(width)}  {needed[s]:>10,}  {marks}")
        return "\n".join(lines)


def training_fits(memories: Mapping[str, TrainingMemory],
                  device: Any = None) -> TrainingFitReport:
    """Whether each strategy's training memory fits each device's RAM (None: every preset)."""
    if not isinstance(memories, Mapping) or not all(
        isinstance(name, str) and isinstance(m, TrainingMemory) for name, m in memories.items()
    ):
        raise TypeError(
            "memories must map strategy names to training_memory(...) results; "
            f"got {describe(memories)}."
        )
    if not memories:
        raise ValueError(
            "memories is empty; pass {strategy name: training_memory(...)} for at least one."
        )
    from .footprint import DEVICES

    names = list(DEVICES) if device is None else [device]
    devices = [_device_ram(d) for d in names]
    return TrainingFitReport(tuple(
        (name, dev, m.total_bytes, ram) for name, m in memories.items() for dev, ram in devices
    ))
