"""What the Flower adapter's modules share (internal to ``minitrain.distributed.flower``).

- ``load_flwr``: import Flower, the optional dependency, only when an adapter function runs,
  with its telemetry off;
- ``to_arrays`` / ``from_arrays``: minitrain's parameters (``Params``, named NumPy arrays) to
  and from Flower's ``ArrayRecord``, the form in which they travel between server and nodes.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ..._types import Params

__all__ = ["from_arrays", "load_flwr", "to_arrays"]


def load_flwr() -> Any:
    """Import Flower (optional dependency) with its telemetry off."""
    os.environ.setdefault("FLWR_TELEMETRY_ENABLED", "0")
    # CPU-only simulation: keep Ray from rewriting CUDA_VISIBLE_DEVICES (and warning about it).
    os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")
    try:
        import flwr
    except ImportError as error:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "minitrain.distributed.flower needs Flower; install it with "
            "pip install 'minitrain[flower]' (flwr[simulation])."
        ) from error
    return flwr


def to_arrays(params: Params) -> Any:
    """``params`` as a Flower ``ArrayRecord``: one named ``Array`` per key, each a C-contiguous
    view or copy of the parameter (dtype and shape kept), in ``params``'s key order."""
    from flwr.app import Array, ArrayRecord

    return ArrayRecord({key: Array(np.ascontiguousarray(p)) for key, p in params.items()})


def from_arrays(record: Any, keys: list[str]) -> Params:
    """The parameters ``keys`` (the model's, in its order) read back from a message's
    ``ArrayRecord`` as NumPy arrays; a key the record lacks is refused by name."""
    missing = [key for key in keys if key not in record]
    if missing:
        raise ValueError(f"the message's arrays lack the model's keys {missing}.")
    return {key: record[key].numpy() for key in keys}
