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
from collections.abc import Iterable, Mapping
from dataclasses import KW_ONLY, dataclass
from itertools import pairwise
from typing import Any

import numpy as np

from .._validate import (
    check_in_range,
    check_int,
    check_positive,
    check_same_keys,
    check_stepper,
    describe,
)
from ..layers import Dense, Sequential
from .prune import Masked, check_finite_params

__all__ = [
    "DEVICES",
    "Device",
    "FitReport",
    "Footprint",
    "fits",
    "footprint",
    "get_device",
    "packed_nbytes",
    "sparse_nbytes",
]

KB, MB, GB = 1024, 1024**2, 1024**3


@dataclass(frozen=True)
class Device:
    """A class of device: what the footprint check and the simulated clock know about it.

    Memory: working memory ``ram_bytes`` and non-volatile ``storage_bytes``. Compute: a *rough*
    sustained rate ``macs_per_second`` (multiply-adds per second, one core or SIMD unit doing
    float32 work; real rates vary by a factor of several with the kernel). Network (keywords;
    what ``minitrain.distributed.make_cluster(devices=...)`` needs): access-link bandwidth
    ``uplink_bps`` (device -> network) and ``downlink_bps`` in bits per second, one-way
    ``latency_s``, and ``availability``, the probability of taking part in a round.
    """

    name: str
    ram_bytes: int
    storage_bytes: int
    macs_per_second: float
    example: str = ""
    _: KW_ONLY
    uplink_bps: float | None = None
    downlink_bps: float | None = None
    latency_s: float | None = None
    availability: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(
                f"name must be a non-empty str such as 'my-mcu'; got {describe(self.name)}."
            )
        if not isinstance(self.example, str):
            raise TypeError(f"example must be a str (a description); got {describe(self.example)}.")
        check_int("ram_bytes", self.ram_bytes, minimum=1)
        check_int("storage_bytes", self.storage_bytes, minimum=0)
        check_positive("macs_per_second", self.macs_per_second)
        for link in ("uplink_bps", "downlink_bps"):
            if getattr(self, link) is not None:
                check_positive(link, getattr(self, link))
        if self.latency_s is not None:
            check_positive("latency_s", self.latency_s, allow_zero=True)
        check_in_range(
            "availability", self.availability, 0.0, 1.0, low_inclusive=False, high_inclusive=True
        )

    @property
    def has_link(self) -> bool:
        """True when the network figures a simulated clock needs are all given."""
        return None not in (self.uplink_bps, self.downlink_bps, self.latency_s)


# Memory sizes from the vendors' public datasheets; compute rates are order-of-magnitude
# figures (clock x multiply-adds per cycle), for comparing designs, not for promising latency.
# Links, as rough: Bluetooth LE 5 carries a few hundred kbit/s of application data; a
# Raspberry Pi 3's 2.4 GHz 802.11n Wi-Fi some 20 Mbit/s; median LTE some 10 Mbit/s up and 30
# down with ~50 ms latency; a gateway's wired or fibre backhaul ~100 Mbit/s; a data-centre NIC
# 10 Gbit/s. Availability: a battery MCU sleeps sometimes, a phone takes part only when idle,
# charging and on Wi-Fi (the usual federated eligibility rule).
_BLE = {"uplink_bps": 250e3, "downlink_bps": 250e3, "latency_s": 0.030, "availability": 0.9}
DEVICES: dict[str, Device] = {
    "cortex-m4": Device(
        "cortex-m4", 256 * KB, 1 * MB, 64e6,
        "Cortex-M4F MCU, e.g. nRF52840: 64 MHz, 256 KB SRAM, 1 MB flash; ~1 MAC/cycle", **_BLE,
    ),
    "cortex-m7": Device(
        "cortex-m7", 512 * KB, 2 * MB, 4e8,
        "Cortex-M7 MCU, e.g. STM32F767: 216 MHz, 512 KB SRAM, 2 MB flash; ~2 MAC/cycle", **_BLE,
    ),
    "raspberry-pi": Device(
        "raspberry-pi", 1 * GB, 16 * GB, 5e9,
        "Raspberry Pi 3 B class: 4x Cortex-A53 1.2 GHz with NEON, 1 GB RAM, 16 GB microSD",
        uplink_bps=20e6, downlink_bps=20e6, latency_s=0.005, availability=1.0,
    ),
    "phone": Device(
        "phone", 4 * GB, 64 * GB, 5e10,
        "mid-range phone class: 8-core ARM CPU, 4 GB RAM, 64 GB storage (NPU not counted)",
        uplink_bps=10e6, downlink_bps=30e6, latency_s=0.050, availability=0.8,
    ),
    "gateway": Device(
        "gateway", 8 * GB, 64 * GB, 5e10, "an edge gateway or small server on a wired backhaul",
        uplink_bps=100e6, downlink_bps=100e6, latency_s=0.020, availability=1.0,
    ),
    "cloud": Device(
        "cloud", 64 * GB, 1024 * GB, 5e12, "a data-centre server with a 10 Gbit/s NIC",
        uplink_bps=10e9, downlink_bps=10e9, latency_s=0.001, availability=1.0,
    ),
}  # fmt: skip


def get_device(device: Any, name: str = "device") -> Device:
    """A ``Device`` from a preset name of ``DEVICES`` or a ``Device`` itself."""
    if isinstance(device, Device):
        return device
    if isinstance(device, str) and device in DEVICES:
        return DEVICES[device]
    raise ValueError(
        f"{name} must be one of the presets {list(DEVICES)} or a Device(...); "
        f"got {describe(device)}."
    )


def _index_bytes(largest: int) -> int:
    """Bytes of the smallest unsigned integer type that holds ``largest``."""
    return 1 if largest < 2**8 else 2 if largest < 2**16 else 4


def _check_stored(array: Any) -> None:
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "biuf":
        raise TypeError(f"array must be a numeric ndarray; got {describe(array)}.")


def sparse_nbytes(array: np.ndarray, value_bytes: int) -> int:
    """Bytes of ``array`` in the smallest of dense, bitmap and CSR storage (module docstring)."""
    _check_stored(array)
    check_int("value_bytes", value_bytes, minimum=1)
    n, nnz = array.size, int(np.count_nonzero(array))
    rows, cols = array.shape if array.ndim == 2 else (1, n)
    dense = n * value_bytes
    bitmap = math.ceil(n / 8) + nnz * value_bytes
    csr = nnz * (value_bytes + _index_bytes(cols - 1)) + (rows + 1) * _index_bytes(nnz)
    return min(dense, bitmap, csr)


def packed_nbytes(array: np.ndarray, bits: int) -> int:
    """Bytes of ``array``'s ``bits``-bit integers in the smallest of dense, bitmap and CSR
    storage, the values packed (ceil(count bits / 8) bytes); at 8 bits, sparse_nbytes(a, 1)."""
    _check_stored(array)
    check_int("bits", bits, minimum=1, maximum=32)
    n, nnz = array.size, int(np.count_nonzero(array))
    rows, cols = array.shape if array.ndim == 2 else (1, n)
    values = -(-nnz * bits // 8)
    dense = -(-n * bits // 8)
    bitmap = math.ceil(n / 8) + values
    csr = values + nnz * _index_bytes(cols - 1) + (rows + 1) * _index_bytes(nnz)
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
    bits: int = 8  # the integer width int8_bytes and sparse_int8_bytes count (packed below 8)

    @property
    def smallest_bytes(self) -> int:
        return min(self.dense_bytes, self.sparse_bytes, self.int8_bytes, self.sparse_int8_bytes)

    def __str__(self) -> str:
        rows = [
            ("parameters", f"{self.n_params:,} ({self.n_nonzero:,} non-zero)"),
            ("dense float32", _bytes(self.dense_bytes)),
            ("sparse float32", _bytes(self.sparse_bytes)),
            (f"int{self.bits}", _bytes(self.int8_bytes)),
            (f"sparse int{self.bits}", _bytes(self.sparse_int8_bytes)),
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


def macs_per_sample(model: Sequential) -> int:
    """Multiply-adds of one sample's forward pass, sum over Dense layers of n_in * n_out: the
    one place ``compress`` asks the model for them (``model.macs``, or ``model.flops`` of
    releases that named multiply-adds so)."""
    count = getattr(model, "macs", None) or model.flops
    return int(count(1))


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
    *,
    bits: int = 8,
    trainable: Iterable[str] | None = None,
) -> Footprint:
    """Parameter count, storage, multiply-adds and (with ``batch_size``) training memory.

    n_params = sum of array sizes; macs_dense = sum over Dense layers of n_in * n_out;
    macs_sparse = sum over Dense layers of nnz(W) (a zero weight's product is skipped; biases
    are additions). inference_ram_bytes = 4 * max over layers of (input + output width): the
    two float32 buffers a layer-by-layer forward pass needs for one sample.
    training_bytes = itemsize * (2 n_params + slot values + batch * (n_in + sum widths))
    (+ 1 byte per masked entry for a ``masked`` stepper); ``opt=None`` counts no slots.
    ``bits`` (2..8) is the width of the quantized integers: int8_bytes and sparse_int8_bytes
    count them packed, ceil(n bits / 8) bytes per array (see ``packed_nbytes``).
    ``trainable`` (keys; needs ``batch_size``): the training memory of learning only those
    keys on the device (last layer, biases), as ``training_memory`` derives it layer by layer
    (keeping only the activations backprop needs; the formula above keeps every layer's
    output); ``fits`` then says where that strategy trains.
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a mt.Sequential; got {describe(model)}.")
    check_finite_params("params", params)
    check_same_keys(
        "params", params, {k: np.broadcast_to(0.0, s) for k, s in model.param_shapes().items()}
    )
    if opt is not None:
        check_stepper("opt", opt)
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, minimum=1)
    bits = check_int("bits", bits, minimum=2, maximum=8)
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
    if trainable is not None:
        if batch_size is None:
            raise ValueError("trainable needs batch_size: training memory is per batch of rows.")
        from .training_memory import training_memory

        training_bytes = training_memory(model, params, opt, batch_size,
                                         trainable=trainable).total_bytes  # fmt: skip
    return Footprint(
        n_params=n_params,
        n_nonzero=sum(int(np.count_nonzero(a)) for a in arrays),
        dense_bytes=4 * n_params,
        sparse_bytes=sum(sparse_nbytes(a, 4) for a in arrays),
        int8_bytes=sum(-(-a.size * bits // 8) for a in arrays) + 4 * len(arrays),
        sparse_int8_bytes=sum(packed_nbytes(a, bits) + 4 for a in arrays),
        macs_dense=macs_per_sample(model),
        macs_sparse=sum(int(np.count_nonzero(W)) for W in dense_w),
        inference_ram_bytes=4 * max(map(sum, pairwise(widths))),
        optimizer_slots=slots,
        batch_size=batch_size,
        activation_values=activation_values,
        training_bytes=training_bytes,
        bits=bits,
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
        """Whether ``item`` (a row's requirement, e.g. "RAM: inference, one sample") fits
        ``device`` (a device name in the report)."""
        return _lookup(self.rows, device, item).fits

    def __str__(self) -> str:
        lines = [f"{'device':<13} {'what':<34} {'needs':>9} {'has':>9}  verdict"]
        for r in self.rows:
            verdict = (
                f"fits, {r.budget / max(r.needed, 1):.1f}x headroom"
                if r.fits
                else f"over by {_bytes(-r.margin)}"
                + (f" ({r.needed / r.budget:.1f}x)" if r.budget else " (no budget)")
            )
            lines.append(
                f"{r.device:<13} {r.item:<34} {_bytes(r.needed):>9} {_bytes(r.budget):>9}  "
                f"{verdict}"
            )
        lines.append("rough inference time per sample (dense / sparse multiply-adds):")
        lines += [f"  {d:<13} {dense * 1e3:.3g} ms / {sparse * 1e3:.3g} ms"
                  for d, dense, sparse in self.latency]  # fmt: skip
        return "\n".join(lines)


def _lookup(rows: tuple[FitRow, ...], device: Any, item: Any) -> FitRow:
    """The row of ``device`` and ``item``, or a ValueError listing the ones there are."""
    devices = list(dict.fromkeys(r.device for r in rows))
    if device not in devices:
        raise ValueError(f"device must be one of the report's devices {devices}; got {device!r}.")
    items = [r.item for r in rows if r.device == device]
    if item not in items:
        raise ValueError(f"item must be one of the report's items {items}; got {item!r}.")
    return next(r for r in rows if r.device == device and r.item == item)


def fits(footprint: Footprint, device: str | Device | None = None) -> FitReport:
    """Check a ``Footprint`` against a device (a preset name or a ``Device``; None: every
    preset). Storage formats are checked against storage (flash), inference and training
    memory against RAM; the report's ``str`` is a readable table."""
    if not isinstance(footprint, Footprint):
        raise TypeError(
            f"footprint must come from footprint(model, params); got {describe(footprint)}."
        )
    devices = list(DEVICES.values()) if device is None else [get_device(device)]
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
