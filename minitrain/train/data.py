"""What ``fit`` and the distributed workers share about data: the checks of a data set against
a model and a loss (run once, at the public entry point), and the minibatches of an epoch.

    X, target = check_data(model, loss, params, X, y)          # params, X and y checked
    X, target = check_dataset(model, loss, X, y, dtype=...)    # params already checked
    for rows in epoch_batches(len(X), batch_size, rng): ...    # X[rows], take_rows(target, rows)

What these return is what the inner loops trust: they check nothing again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._types import Params
from .._validate import check_instance, check_int, describe
from ..layers import Sequential, params_dtype
from ..losses import Loss

Target = Any  # an ndarray, or a tuple of ndarrays indexed by the same rows


def check_model_and_loss(model: Any, loss: Any) -> None:
    """Check that ``model`` is a ``Sequential`` and ``loss`` a minitrain loss (instances: a
    class is refused with the call to make)."""
    check_instance("model", model, Sequential, "mt.Sequential([mt.Dense(4, 1)])")
    check_instance("loss", loss, Loss, "mt.losses.MSE()")


def check_dataset(
    model: Sequential,
    loss: Loss,
    X: Any,
    y: Any,
    names: tuple[str, str] = ("X", "y"),
    *,
    dtype: Any = None,
) -> tuple[np.ndarray, Target]:
    """Check (X, y) against the model and the loss; return (X, the target the loss expects).

    X: finite, 2-D, the model's input width and, when given, ``dtype`` (the parameters').
    y: an ndarray, or a tuple of ndarrays (``Distillation``), with X's number of rows and what
    ``loss.check_target`` accepts for outputs of shape (N, n_out) in X's dtype. Each array is
    scanned once.
    """
    check_model_and_loss(model, loss)
    x_name, y_name = names
    X = model.check_input(X, x_name, dtype)
    if isinstance(y, list):
        raise TypeError(f"{y_name} must be an ndarray (or a tuple of ndarrays); got a list.")
    for part in y if isinstance(y, tuple) else (y,):
        if not isinstance(part, np.ndarray):
            raise TypeError(f"{y_name} must be an ndarray; got {describe(part)}.")
        if len(part) != len(X):
            raise ValueError(
                f"{x_name} has {len(X)} rows but {y_name} has {len(part)}; they must match "
                "one target per sample."
            )
    shape = (len(X), model.n_out if model.n_out is not None else X.shape[1])
    try:
        target = loss.check_target(y, shape, X.dtype, name=y_name)
    except (TypeError, ValueError) as error:  # say what the target was checked against
        raise type(error)(
            f"{y_name} is not a valid target for {loss!r} with model outputs of shape "
            f"{shape} ({X.dtype}): {error}"
        ) from None
    if isinstance(y, tuple) and not isinstance(target, tuple):  # stacked into one array
        raise TypeError(
            f"{y_name} is a tuple of {len(y)} arrays but {loss!r} takes one target array; "
            f"pass the array itself (a tuple is for losses such as Distillation)."
        )
    return X, target


def check_data(
    model: Sequential,
    loss: Loss,
    params: Params,
    X: Any,
    y: Any,
    names: tuple[str, str] = ("X", "y"),
) -> tuple[np.ndarray, Target]:
    """Check params against the model, then (X, y) as ``check_dataset`` does in their dtype."""
    check_model_and_loss(model, loss)
    model.check_params(params)
    return check_dataset(model, loss, X, y, names, dtype=params_dtype(params))


def check_validation(
    model: Sequential, loss: Loss, validation: Any, *, dtype: Any = None
) -> tuple[np.ndarray, Target] | None:
    """A validation set ``(X_val, y_val)`` checked as ``check_dataset`` does (None stays None)."""
    if validation is None:
        return None
    if not (isinstance(validation, tuple) and len(validation) == 2):
        raise TypeError(f"validation must be a tuple (X_val, y_val); got {describe(validation)}.")
    return check_dataset(model, loss, *validation, ("X_val", "y_val"), dtype=dtype)


def take_rows(y: Target, rows: Any) -> Target:
    """``y[rows]``, for each array of a tuple target."""
    return tuple(part[rows] for part in y) if isinstance(y, tuple) else y[rows]


def epoch_batches(n: int, batch_size: int | None, rng: np.random.Generator) -> list[Any]:
    """The row selections of one epoch's minibatches, each row once.

    ``batch_size`` None or >= n: one batch, ``slice(None)`` (every row, in order; ``rng`` is not
    used). Otherwise ``rng.permutation(n)`` cut into batches of ``batch_size`` rows, the last
    holding the rest. ``fit`` draws epoch e's with ``default_rng([seed, e])``; a worker's
    local epochs draw theirs one after another from its generator, and a synchronous worker's
    minibatch is the first of them.
    """
    if not (
        type(n) is int and n >= 1 and isinstance(rng, np.random.Generator)
        and (batch_size is None or (type(batch_size) is int and batch_size >= 1))
    ):  # fmt: skip
        check_int("n", n, minimum=1)
        if batch_size is not None:
            check_int("batch_size", batch_size, minimum=1)
        check_instance("rng", rng, np.random.Generator, "np.random.default_rng(0)")
    if batch_size is None or batch_size >= n:
        return [slice(None)]
    order = rng.permutation(n)
    return [order[start : start + batch_size] for start in range(0, n, batch_size)]
