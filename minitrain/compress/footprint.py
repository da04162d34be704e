"""Footprint of a model: parameters, storage bytes, multiply-adds and training memory, checked
against the budgets of classes of edge devices.

Storage formats (bytes; n entries of which nnz are non-zero, v bytes per value: 4 for float32,
1 for int8):
    dense      n v
    bitmap     ceil(n / 8) + nnz v                       (one bit per entry says "non-zero")
    CSR        nnz (v + i(cols)) + (rows + 1) i(nnz)     (column index per value, row pointers;
               i(m) = 1, 2 or 4 bytes: the smallest unsigned int holding m; a 1-D array is 1 row)
The "sparse" size of an array is the smallest of the three, so sparse storage is never larger
than dense. int8 storage adds one float32 scale per array (per-tensor symmetric quantization).

Training memory, in the params' dtype: params + grads (one value per parameter each) + the
optimizer's slots (Adam 2 per parameter, SGD with momentum 1, ...; counted from the stepper's
own state) + activations: every layer's output for the batch, kept for backprop,
batch * (n_in + sum of the layers' output widths) values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from .._validate import check_int, check_same_keys, describe
from ..layers import Dense, Sequential
from .prune import Masked, check_finite_params

__all__ = ["DEVICES", "Device", "FitReport", "Footprint", "fits", "footprint", "sparse_nbytes"]

KB, MB, GB = 1024, 1024**2, 1024**3


@dataclass(frozen=True)
class Device:
    """A class of edge device: working memory ``ram_bytes``, non-volatile ``storage_bytes`` and
    a *rough* sustained compute rate ``macs_per_second`` (multiply-adds per second, one core or
    SIMD unit doing float32 work; real rates vary by a factor of several with the kernel)."""

    name: str
    ram_bytes: int
    storage_bytes: int
    macs_per_second: float
    example: str


# Memory sizes from the vendors' public datasheets; compute rates are order-of-magnitude
# figures (clock x multiply-adds per cycle), for comparing designs, not for promising latency.
DEVICES: dict[str, Device] = {
    "cortex-m4": Device(
        "cortex-m4", 256 * KB, 1 * MB, 64e6,
        "Cortex-M4F MCU, e.g. nRF52840: 64 MHz, 256 KB SRAM, 1 MB flash; ~1 MAC/cycle",
    ),
    "cortex-m7": Device(
        "cortex-m7", 512 * KB, 2 * MB, 4e8,
        "Cortex-M7 MCU, e.g. STM32F767: 216 MHz, 512 KB SRAM, 2 MB flash; ~2 MAC/cycle",
    ),
    "raspberry-pi": Device(
        "raspberry-pi", 1 * GB, 16 * GB, 5e9,
        "Raspberry Pi 3 B class: 4x Cortex-A53 1.2 GHz with NEON, 1 GB RAM, 16 GB microSD",
    ),
    "phone": Device(
        "phone", 4 * GB, 64 * GB, 5e10,
        "mid-range phone class: 8-core ARM CPU, 4 GB RAM, 64 GB storage (NPU not counted)",
    ),
}  # fmt: skip


def _index_bytes(largest: int) -> int:
    """Bytes of the smallest unsigned integer type that holds ``largest``."""
    return 1 if largest < 2**8 else 2 if largest < 2**16 else 4


def sparse_nbytes(array: np.ndarray, value_bytes: int) -> int:
    """Bytes of ``array`` in the smallest of dense, bitmap and CSR storage (module docstring)."""
    n, nnz = array.size, int(np.count_nonzero(array))
    rows, cols = array.shape if array.ndim == 2 else (1, n)
    dense = n * value_bytes
    bitmap = math.ceil(n / 8) + nnz * value_bytes
    csr = nnz * (value_bytes + _index_bytes(cols - 1)) + (rows + 1) * _index_bytes(nnz)
    return min(dense, bitmap, csr)


@dataclass(frozen=True)
class Footprint:
    """Sizes of a model (see the module docstring for every formula). Bytes are integers;
    multiply-adds are per input sample; training fields are None without a batch size."""

    n_params: int
    n_nonzero: int
    dense_bytes: int
    sparse_bytes: int
    int8_bytes: int
    sparse_int8_bytes: int
    macs_dense: int
    macs_sparse: int
    inference_ram_bytes: int
    optimizer_slots: int
    batch_size: int | None
    activation_values: int | None
    training_bytes: int | None

    @property
    def smallest_bytes(self) -> int:
        return min(self.dense_bytes, self.sparse_bytes, self.int8_bytes, self.sparse_int8_bytes)

    def __str__(self) -> str:
        rows = [
            ("parameters", f"{self.n_params:,} ({self.n_nonzero:,} non-zero)"),
            ("dense float32", _bytes(self.dense_bytes)),
            ("sparse float32", _bytes(self.sparse_bytes)),
            ("int8", _bytes(self.int8_bytes)),
            ("sparse int8", _bytes(self.sparse_int8_bytes)),
            ("multiply-adds / sample", f"{self.macs_dense:,} dense, {self.macs_sparse:,} sparse"),
            ("inference RAM / sample", _bytes(self.inference_ram_bytes)),
        ]
        if self.training_bytes is not None:
            rows.append(
                (f"training memory, batch {self.batch_size}",
                 f"{_bytes(self.training_bytes)} ({self.optimizer_slots} optimizer slots)")
            )  # fmt: skip
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)


def _bytes(n: float) -> str:
    for unit, size in (("GB", GB), ("MB", MB), ("KB", KB)):
        if abs(n) >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:.0f} B"


def _optimizer_slot_values(opt: Any, params: Mapping[str, np.ndarray]) -> tuple[int, int]:
    """(slots per parameter, slot values) from the stepper's state after one zero-grad step, so
    slots a stepper creates lazily are counted; plus the masks of a ``masked`` stepper."""
    state = opt.init(dict(params))
    zeros = {k: np.zeros_like(v) for k, v in params.items()}
    _, state = opt.step(dict(params), zeros, state)
    slots = [v for v in state.values() if isinstance(v, Mapping)]
    values = sum(int(np.size(a)) for slot in slots for a in slot.values())
    return len(slots), values


def footprint(
    model: Sequential,
    params: Mapping[str, np.ndarray],
    opt: Any = None,
    batch_size: int | None = None,
) -> Footprint:
    """Parameter count, storage, multiply-adds and (with ``batch_size``) training memory.

    n_params = sum of array sizes; macs_dense = sum over Dense layers of n_in * n_out;
    macs_sparse = sum over Dense layers of nnz(W) (a zero weight's product is skipped; biases
    are additions). inference_ram_bytes = 4 * max over layers of (input + output width): the
    two float32 buffers a layer-by-layer forward pass needs for one sample.
    training_bytes = itemsize * (2 n_params + slot values + batch * (n_in + sum widths))
    (+ 1 byte per masked entry for a ``masked`` stepper); ``opt=None`` counts no slots.
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a mt.Sequential; got {describe(model)}.")
    check_finite_params("params", params)
    check_same_keys(
        "params", params, {k: np.broadcast_to(0.0, s) for k, s in model.param_shapes().items()}
    )
    if opt is not None and not (callable(getattr(opt, "init", None))
                                and callable(getattr(opt, "step", None))):  # fmt: skip
        raise TypeError(f"opt must be a stepper such as mt.optim.Adam(); got {describe(opt)}.")
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, minimum=1)
    if model.n_in is None:
        raise ValueError(f"model {model!r} has no Dense layer; its input width is unknown.")

    arrays = list(params.values())
    n_params = sum(a.size for a in arrays)
    widths = [model.n_in]
    for layer in model.layers:
        widths.append(layer.output_width(widths[-1]))
    dense_w = [params[f"{i}.W"] for i, la in enumerate(model.layers) if isinstance(la, Dense)]
    slots, slot_values = (0, 0) if opt is None else _optimizer_slot_values(opt, params)
    activation_values = None if batch_size is None else batch_size * sum(widths)
    training_bytes = None
    if activation_values is not None:
        itemsize = max(a.dtype.itemsize for a in arrays)
        mask_bytes = sum(m.size for m in opt.masks.values()) if isinstance(opt, Masked) else 0
        training_bytes = itemsize * (2 * n_params + slot_values + activation_values) + mask_bytes
    return Footprint(
        n_params=n_params,
        n_nonzero=sum(int(np.count_nonzero(a)) for a in arrays),
        dense_bytes=4 * n_params,
        sparse_bytes=sum(sparse_nbytes(a, 4) for a in arrays),
        int8_bytes=n_params + 4 * len(arrays),
        sparse_int8_bytes=sum(sparse_nbytes(a, 1) + 4 for a in arrays),
        macs_dense=model.macs(1),
        macs_sparse=sum(int(np.count_nonzero(W)) for W in dense_w),
        inference_ram_bytes=4 * max(map(sum, pairwise(widths))),
        optimizer_slots=slots,
        batch_size=batch_size,
        activation_values=activation_values,
        training_bytes=training_bytes,
    )


@dataclass(frozen=True)
class FitRow:
    """One requirement on one device: ``needed`` against ``budget`` (bytes)."""

    device: str
    item: str
    needed: int
    budget: int

    @property
    def fits(self) -> bool:
        return self.needed <= self.budget

    @property
    def margin(self) -> int:
        """Bytes to spare (positive) or missing (negative)."""
        return self.budget - self.needed


@dataclass(frozen=True)
class FitReport:
    """What fits where: ``rows`` of requirements and ``latency`` (device, dense seconds per
    sample, sparse seconds per sample) from the devices' rough compute rates."""

    rows: tuple[FitRow, ...]
    latency: tuple[tuple[str, float, float], ...]

    def fits(self, device: str, item: str) -> bool:
        return next(r.fits for r in self.rows if r.device == device and r.item == item)

    def __str__(self) -> str:
        lines = [f"{'device':<13} {'what':<34} {'needs':>9} {'has':>9}  verdict"]
        for r in self.rows:
            verdict = (
                f"fits, {r.budget / max(r.needed, 1):.1f}x headroom"
                if r.fits
                else f"over by {_bytes(-r.margin)} ({r.needed / r.budget:.1f}x)"
            )
            lines.append(
                f"{r.device:<13} {r.item:<34} {_bytes(r.needed):>9} {_bytes(r.budget):>9}  "
                f"{verdict}"
            )
        lines.append("rough inference time per sample (dense / sparse multiply-adds):")
        lines += [f"  {d:<13} {dense * 1e3:.3g} ms / {sparse * 1e3:.3g} ms"
                  for d, dense, sparse in self.latency]  # fmt: skip
        return "\n".join(lines)


def _device(device: Any) -> Device:
    if isinstance(device, Device):
        return device
    if isinstance(device, str) and device in DEVICES:
        return DEVICES[device]
    raise ValueError(
        f"device must be one of the presets {list(DEVICES)} or a Device(...); got {device!r}."
    )


def fits(footprint: Footprint, device: str | Device | None = None) -> FitReport:
    """Check a ``Footprint`` against a device (a preset name or a ``Device``; None: every
    preset). Storage formats are checked against storage (flash), inference and training
    memory against RAM; the report's ``str`` is a readable table."""
    if not isinstance(footprint, Footprint):
        raise TypeError(
            f"footprint must come from footprint(model, params); got {describe(footprint)}."
        )
    devices = list(DEVICES.values()) if device is None else [_device(device)]
    rows: list[FitRow] = []
    latency = []
    f = footprint
    for d in devices:
        rows += [
            FitRow(d.name, "storage: dense float32", f.dense_bytes, d.storage_bytes),
            FitRow(d.name, "storage: sparse float32", f.sparse_bytes, d.storage_bytes),
            FitRow(d.name, "storage: int8", f.int8_bytes, d.storage_bytes),
            FitRow(d.name, "storage: sparse int8", f.sparse_int8_bytes, d.storage_bytes),
            FitRow(d.name, "RAM: inference, one sample", f.inference_ram_bytes, d.ram_bytes),
        ]
        if f.training_bytes is not None:
            rows.append(
                FitRow(d.name, f"RAM: training, batch {f.batch_size}", f.training_bytes,
                       d.ram_bytes)
            )  # fmt: skip
        rate = d.macs_per_second
        latency.append((d.name, f.macs_dense / rate, f.macs_sparse / rate))
    return FitReport(tuple(rows), tuple(latency))
