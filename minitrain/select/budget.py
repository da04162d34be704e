"""What a configuration costs a device, for ``minitrain.select``'s search: budgets and sizes.

``budget(device)`` is a device's storage and RAM (a name of ``compress.DEVICES`` or a device
object), ``size(model, params, opt, batch_size)`` a trained model's parameters, stored bytes,
multiply-adds and training memory, ``prune_and_finetune`` the search's sparsity option. They
are the one place where ``minitrain.select`` calls the device and compression API
(``minitrain.compress``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import compress
from .._types import Params


@dataclass(frozen=True)
class Budget:
    """A device's non-volatile storage and working memory, in bytes."""

    name: str
    storage_bytes: int
    ram_bytes: int


@dataclass(frozen=True)
class Size:
    """What a trained model costs: parameters, float32 storage (sparse where smaller),
    multiply-adds per sample, and training memory (None without a batch size)."""

    n_params: int
    bytes: int
    macs: int
    training_bytes: int | None


def device_names() -> list[str]:
    return list(compress.DEVICES)


def budget(device: Any) -> Budget:
    """The budget of a device preset name or device object (``compress.DEVICES``)."""
    if isinstance(device, str):
        if device not in compress.DEVICES:
            raise ValueError(
                f"device must be one of {device_names()} or a device object with "
                f"storage_bytes and ram_bytes; got {device!r}."
            )
        device = compress.DEVICES[device]
    if not (hasattr(device, "storage_bytes") and hasattr(device, "ram_bytes")):
        raise TypeError(
            f"device must be a name in {device_names()} or have storage_bytes and ram_bytes; "
            f"got {type(device).__name__}."
        )
    return Budget(str(getattr(device, "name", "device")), int(device.storage_bytes),
                  int(device.ram_bytes))  # fmt: skip


def size(model: Any, params: Params, opt: Any, batch_size: int | None) -> Size:
    """The footprint of trained ``params`` (``compress.footprint``)."""
    counts = compress.footprint(model, params, opt, batch_size=batch_size)
    return Size(counts.n_params, counts.sparse_bytes, counts.macs_sparse, counts.training_bytes)


def prune_and_finetune(
    model: Any, loss: Any, opt: Any, X: np.ndarray, y: Any, params: Params, sparsity: float,
    fit_kwargs: dict[str, Any],
) -> Params:
    """Global magnitude pruning of the weights to ``sparsity``, then fine-tuning under the
    mask (``compress.prune_then_finetune``)."""
    return compress.prune_then_finetune(
        model, loss, opt, X, y, params, sparsity, scope="global", **fit_kwargs
    ).params
