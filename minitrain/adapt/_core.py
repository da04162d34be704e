"""Every call adapt makes into parts of minitrain whose names may still change, in one place.

The rest of the package calls these small functions, never the framework's names directly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._types import Params
from ..layers import params_dtype


def layer_params(params: Params, i: int) -> Params:
    """Layer i's parameters under their local keys: ``"<i>.W"`` -> ``"W"`` (the public key
    scheme of ``Sequential``)."""
    prefix = f"{i}."
    return {key[len(prefix):]: value for key, value in params.items() if key.startswith(prefix)}


def check_input(model: Any, params: Params, X: Any) -> np.ndarray:
    """X validated against the model and its params (shape, dtype, finiteness)."""
    return model.check_input(X, dtype=params_dtype(params))


def fine_tune(model: Any, loss: Any, opt: Any, params: Params, X: np.ndarray, y: Any, *,
              frozen_keys: tuple[str, ...], epochs: int, batch_size: int | None,
              seed: int) -> Params:
    """``mt.fit`` from ``params`` with ``frozen_keys`` held fixed; the trained parameters."""
    from .. import optim
    from ..train import fit

    stepper = optim.frozen(opt, frozen_keys) if frozen_keys else opt
    history = fit(model, loss, stepper, X, y, epochs=epochs, batch_size=batch_size, seed=seed,
                  params=params, progress=False)
    return history.params


def shards(cluster: Any) -> list[tuple[np.ndarray, Any]]:
    """Each worker's (X, y) of a ``distributed.Cluster``."""
    return list(zip(cluster.X_shards, cluster.y_shards))
