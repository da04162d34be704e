"""What a configuration costs a device, for ``minitrain.select``'s search: budgets and sizes.

``budget(device)`` is a device's storage and RAM (a name of ``compress.DEVICES`` or a device
object), ``size(model, params, opt, batch_size)`` a trained model's parameters, stored bytes,
multiply-adds and training memory, ``prune_and_finetune`` the search's sparsity option. They
are the one place where ``minitrain.select`` calls the device and compression API
(``minitrain.compress``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import compress
from .._types import Params
from .._validate import check_in_range, check_int, describe


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


def budget(device: Any, *, name: str = "device") -> Budget:
    """The budget of a device preset name or device object (``compress.DEVICES``), whose
    ``storage_bytes`` and ``ram_bytes`` are ints >= 0. ``name``: the argument's name in the
    caller's signature, for the error messages (``within`` in ``SearchResult.best``)."""
    if isinstance(device, str):
        if device not in compress.DEVICES:
            raise ValueError(
                f"{name} must be one of {device_names()} or a device object with "
                f"storage_bytes and ram_bytes; got {device!r}."
            )
        device = compress.DEVICES[device]
    if isinstance(device, type) or not (
        hasattr(device, "storage_bytes") and hasattr(device, "ram_bytes")
    ):
        raise TypeError(
            f"{name} must be a name in {device_names()} or a device object with storage_bytes "
            f"and ram_bytes; got {describe(device)}."
        )
    return Budget(str(getattr(device, "name", "device")),
                  check_int(f"{name}.storage_bytes", device.storage_bytes, minimum=0),
                  check_int(f"{name}.ram_bytes", device.ram_bytes, minimum=0))  # fmt: skip


def size(model: Any, params: Params, opt: Any, batch_size: int | None) -> Size:
    """The footprint of trained ``params`` (``compress.footprint``)."""
    counts = compress.footprint(model, params, opt, batch_size=batch_size)
    return Size(counts.n_params, counts.sparse_bytes, counts.macs_sparse, counts.training_bytes)


def prune_and_finetune(
    model: Any, loss: Any, opt: Any, X: np.ndarray, y: Any, params: Params, sparsity: float,
    fit_kwargs: dict[str, Any],
) -> Params:
    """Global magnitude pruning of the weights to ``sparsity`` in [0, 1), then fine-tuning
    under the mask (``compress.prune_then_finetune``) with ``fit_kwargs``, a dict of
    ``mt.fit``'s keyword arguments (``epochs``, ``batch_size``, ``seed``...)."""
    if not isinstance(fit_kwargs, Mapping):
        raise TypeError(f"fit_kwargs must be a dict of mt.fit's keyword arguments, such as "
                        f"{{'epochs': 5}}; got {describe(fit_kwargs)}.")  # fmt: skip
    sparsity = check_in_range("sparsity", sparsity, 0.0, 1.0)
    return compress.prune_then_finetune(
        model, loss, opt, X, y, params, sparsity, scope="global", **fit_kwargs
    ).params
