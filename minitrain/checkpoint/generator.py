"""A random generator in a checkpoint: its ``bit_generator.state`` as JSON, restored exactly.

A NumPy bit generator's state is a dict of ints, small integer arrays and its name. It is
stored with each array as ``{"__array__": dtype, "data": list}``. On load it is rebuilt only
if it has exactly the layout of a fresh generator of that kind (the same keys, ints where ints
are, arrays of the same dtype and shape), so a tampered state is a ``CheckpointError`` rather
than whatever NumPy's state setter happens to raise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .archive import CheckpointError

__all__ = ["BIT_GENERATORS", "decode_generator", "encode_generator"]

BIT_GENERATORS = ("PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937")


def _to_json(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return {"__array__": str(value.dtype), "data": value.tolist()}
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    return value


def encode_generator(rng: np.random.Generator) -> dict[str, Any]:
    """The JSON form of ``rng.bit_generator.state``."""
    return _to_json(rng.bit_generator.state)


def _like(value: Any, template: Any, where: str) -> Any:
    """``value`` decoded to the layout of ``template`` (a fresh generator's state), or raise."""
    if isinstance(template, dict):
        if not (isinstance(value, dict) and set(value) == set(template)):
            keys = sorted(value) if isinstance(value, dict) else type(value).__name__
            raise CheckpointError(f"{where} should have the keys {sorted(template)}; got {keys}.")
        return {k: _like(value[k], template[k], f"{where}[{k!r}]") for k in template}
    if isinstance(template, np.ndarray):
        if not (
            isinstance(value, dict)
            and value.get("__array__") == str(template.dtype)
            and isinstance(value.get("data"), list)
        ):
            raise CheckpointError(f"{where} should be an array of {template.dtype}.")
        info = np.iinfo(template.dtype)
        data = value["data"]
        if not (
            len(data) == template.size
            and all(type(x) is int and info.min <= x <= info.max for x in data)
        ):
            raise CheckpointError(
                f"{where} should hold {template.size} integers of {template.dtype}."
            )
        return np.array(data, dtype=template.dtype).reshape(template.shape)
    if isinstance(template, str):
        if value != template:
            raise CheckpointError(f"{where} should be {template!r}; got {value!r}.")
        return value
    if type(value) is not int:  # ints: counters, 64- and 128-bit words, flags as 0/1
        raise CheckpointError(f"{where} should be an int; got {type(value).__name__}.")
    if value < 0 or value.bit_length() > 128:
        raise CheckpointError(f"{where} is out of range for a generator state: {value}.")
    return value


def decode_generator(path: Path, encoded: Any) -> np.random.Generator | None:
    """The generator stored as ``encoded`` (None if none was saved), checked before use."""
    if encoded is None:
        return None
    name = encoded.get("bit_generator") if isinstance(encoded, dict) else None
    if not isinstance(name, str) or name not in BIT_GENERATORS:
        raise CheckpointError(f"{path} names an unknown bit generator {name!r}.")
    bit_generator = getattr(np.random, name)()
    state = _like(encoded, bit_generator.state, f"{path}: the {name} generator state")
    try:
        bit_generator.state = state
    except (TypeError, ValueError, KeyError, OverflowError) as error:
        raise CheckpointError(f"{path} has an invalid {name} generator state: {error}") from None
    return np.random.Generator(bit_generator)
