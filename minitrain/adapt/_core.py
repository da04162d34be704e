"""Every call adapt makes into parts of minitrain whose names may still change, in one place.

The rest of the package calls these small functions, never the framework's names directly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._types import Params
from .._validate import check_instance, describe
from ..layers import Sequential, params_dtype
from ..losses import Loss


def layer_params(params: Params, i: int) -> Params:
    """Layer i's parameters under their local keys: ``"<i>.W"`` -> ``"W"`` (the public key
    scheme of ``Sequential``)."""
    prefix = f"{i}."
    return {key[len(prefix):]: value for key, value in params.items() if key.startswith(prefix)}


def check_input(model: Any, params: Params, X: Any, name: str = "X") -> np.ndarray:
    """X validated against the model and its params (shape, dtype, finiteness)."""
    return model.check_input(X, name, dtype=params_dtype(params))


def check_model(model: Any) -> Sequential:
    """``model``: a ``Sequential`` instance (a class or anything else is refused)."""
    return check_instance("model", model, Sequential, "mt.Sequential([mt.Dense(4, 2)])")


def check_loss(loss: Any) -> Loss:
    """``loss``: a minitrain loss instance."""
    return check_instance("loss", loss, Loss, "mt.losses.CrossEntropy()")


def check_model_params(model: Any, params: Any, name: str = "params") -> Params:
    """``params`` are ``model``'s: its keys and shapes, one floating dtype (float32/64)."""
    return model.check_params(params, name)


def check_batch(model: Any, loss: Any, params: Params, X: Any, y: Any,
                names: tuple[str, str] = ("X", "y")) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) checked against the model, its params' dtype and the loss: X (B, n_in) finite
    in the params' dtype, y one target array with B rows that ``loss`` accepts for outputs
    (B, n_out). Lists become arrays; a tuple target (``Distillation``) is refused."""
    from ..train.data import check_dataset

    x_name, y_name = names
    if isinstance(y, tuple):
        raise TypeError(
            f"{y_name} must be one array of targets; got a tuple (the learner does not take "
            "Distillation's (labels, teacher_logits) targets)."
        )
    given = y
    if not isinstance(y, np.ndarray):
        try:
            y = np.asarray(y)
        except ValueError:  # ragged nested lists
            raise TypeError(f"{y_name} must be an array of targets; got ragged input.") from None
    X = check_input(model, params, X, x_name)
    if y.ndim == 0:
        raise ValueError(
            f"{y_name} must have {len(X)} rows like {x_name}; got {describe(given)}."
        )
    return check_dataset(model, loss, X, y, names, dtype=params_dtype(params))


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
    if isinstance(cluster, type) or not all(
        isinstance(getattr(cluster, attr, None), (list, tuple)) for attr in ("X_shards", "y_shards")
    ):
        raise TypeError(
            "cluster must be a distributed.Cluster (with X_shards and y_shards), e.g. from "
            f"mt.distributed.make_cluster(X, y, 4); got {describe(cluster)}."
        )
    return list(zip(cluster.X_shards, cluster.y_shards))
