"""``value_and_grad`` (one backprop, checked), ``backprop`` (the same, unchecked) and ``fit``."""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._types import Params
from .._validate import check_choice, check_flag, check_int, check_seed, check_stepper
from ..layers import Sequential, params_dtype
from ..losses import Loss
from ..progress import tqdm
from .callbacks import Callback, TrainingRun, check_callbacks
from .data import (
    Target,
    check_data,
    check_dataset,
    check_model_and_loss,
    check_validation,
    epoch_batches,
    take_rows,
)
from .history import History
from .steps import Steps


def backprop(
    model: Sequential, loss: Loss, params: Params, X: np.ndarray, y: Target
) -> tuple[float, Params, np.ndarray]:
    """One forward and backward pass, unchecked: (loss value, grads, model output)."""
    out, caches = model.forward(params, X)
    value, dout = loss.value_and_grad(out, y)
    return value, model.backward(params, caches, dout)[1], out


def value_and_grad(
    model: Sequential, loss: Loss, params: Params, X: Any, y: Any
) -> tuple[float, Params]:
    """The mean loss of ``model`` on (X, y) and its gradient with respect to every parameter.

    Backpropagation: the loss gives dL/d(output); each layer's ``backward`` maps dL/dy to
    dL/dx and dL/dparams, from the last layer to the first. ``grads`` has the keys, shapes and
    dtype of ``params``.
    """
    check_model_and_loss(model, loss)
    X, target = check_data(model, loss, params, X, y)
    value, grads, _ = backprop(model, loss, params, X, target)
    return value, grads


def fit(
    model: Sequential,
    loss: Loss,
    opt: Any,
    X: Any,
    y: Any,
    *,
    epochs: int,
    batch_size: int | None = None,
    seed: int = 0,
    validation: tuple[Any, Any] | None = None,
    callbacks: Sequence[Callback] = (),
    progress: bool = True,
    params: Params | None = None,
    opt_state: dict[str, Any] | None = None,
    initial_epoch: int = 0,
    on_divergence: str = "stop",
) -> History:
    """Train ``model`` on (X, y) by minibatch gradient descent with stepper ``opt``.

    X: (N, n_in); y: targets for ``loss`` (N rows), or a tuple of arrays with N rows each.
    ``batch_size=None`` is full-batch gradient descent. ``params`` default to
    ``model.init(seed, dtype=X.dtype)``. Epochs run from ``initial_epoch`` to ``epochs - 1``
    (as Keras): to resume a checkpoint written after epoch k, pass its params and opt_state
    with ``initial_epoch=k``. A non-finite loss or gradient stops training (``on_divergence=
    "stop"``, with a warning) or raises FloatingPointError (``"raise"``); either way the
    update is not applied and ``History.params`` are the last parameters with a finite loss.

    The loop reads like the algorithm::

        for each epoch e:   shuffle the rows with default_rng([seed, e])
            for each minibatch B:  L, g = value_and_grad(params, X[B], y[B])
                                   stop if L is not finite (keep the last finite params)
                                   params, state = opt.step(params, g, state)

    Deriving the shuffle from (seed, epoch) makes a run resumed at ``initial_epoch`` identical,
    bit for bit, to the uninterrupted run. With minitrain's steppers each step is one
    ``opt.step`` on all parameters laid end to end in one vector (``minitrain.train.steps``):
    the numbers of a loop of per-key ``opt.step`` calls, in less time.

    ``callbacks``: objects with ``on_train_begin``, ``on_step_end``, ``on_epoch_end`` and
    ``on_train_end`` methods taking the ``TrainingRun`` (``run.params``, ``run.opt_state``,
    ``run.history``, ``run.epoch``, ``run.step``; set ``run.stop = True`` to end training).
    ``mt.EarlyStopping(patience=3)`` stops when the validation loss stops improving and can
    restore the best parameters; ``mt.callbacks.KeepBest`` keeps the best epoch's parameters
    (useful after a divergence); ``mt.checkpoint.CheckpointCallback`` saves every epoch::

        history = mt.fit(model, loss, opt, X, y, epochs=50, validation=(X_val, y_val),
                         callbacks=[mt.EarlyStopping(patience=3, restore_best=True)])
    """
    data = _check(model, loss, opt, X, y, epochs=epochs, batch_size=batch_size, seed=seed,
                  validation=validation, params=params, opt_state=opt_state,
                  initial_epoch=initial_epoch, on_divergence=on_divergence)  # fmt: skip
    callbacks = check_callbacks("callbacks", callbacks)
    check_flag("progress", progress)
    history = History(metric_name=loss.metric, higher_is_better=loss.higher_is_better)
    steps = Steps(model, loss, opt, data.params, data.opt_state)
    run = TrainingRun(model, loss, opt, history, steps, epoch=initial_epoch)
    run.step = int(data.opt_state.get("step", 0)) if isinstance(data.opt_state, dict) else 0
    for callback in callbacks:
        callback.on_train_begin(run)
    bar = tqdm(total=epochs - initial_epoch, desc="fit", unit="epoch", disable=not progress)
    # Overflow on the way to a non-finite loss is expected and reported with its step, so
    # NumPy's own warnings about it are silenced (once for the loop: it runs every step).
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(initial_epoch, epochs):
            run.epoch = epoch
            batches = epoch_batches(len(data.X), batch_size, np.random.default_rng([seed, epoch]))
            seen = _train_epoch(run, data, batches, callbacks, on_divergence)
            if seen:
                for callback in callbacks:
                    callback.on_epoch_end(run)
                shown = {"loss": f"{history.loss[-1]:.4g}"}
                if history.val_loss:
                    shown["val_loss"] = f"{history.val_loss[-1]:.4g}"
                bar.set_postfix(shown, refresh=False)
            bar.update(1)
            if run.stop:
                break
    bar.close()
    for callback in callbacks:
        callback.on_train_end(run)
    history.params, history.opt_state = run.params, run.opt_state
    return history


@dataclass(frozen=True)
class FitData:
    """What ``fit`` checked once and its loop trusts."""

    X: np.ndarray
    target: Target
    validation: tuple[np.ndarray, Target] | None
    params: Params
    opt_state: Any


def _check(
    model: Any, loss: Any, opt: Any, X: Any, y: Any, *, epochs: int, batch_size: int | None,
    seed: int, validation: Any, params: Params | None, opt_state: Any, initial_epoch: int,
    on_divergence: str,
) -> FitData:  # fmt: skip
    """Every argument of ``fit`` checked once (each array scanned once); the default params and
    optimizer state made."""
    check_model_and_loss(model, loss)
    check_stepper("opt", opt)
    check_seed("seed", seed)
    check_int("epochs", epochs, minimum=1)
    check_int("initial_epoch", initial_epoch, minimum=0, maximum=epochs - 1)
    if batch_size is not None:
        check_int("batch_size", batch_size, minimum=1)
    check_choice("on_divergence", on_divergence, ("stop", "raise"))
    dtype = None if params is None else params_dtype(model.check_params(params))
    X, target = check_dataset(model, loss, X, y, dtype=dtype)
    if params is None:
        params = model.init(seed, dtype=X.dtype)
    validation = check_validation(model, loss, validation, dtype=X.dtype)
    if opt_state is None:
        opt_state = opt.init(params)
    # A state of the user's is checked once, by Steps (it is a state of these params, for this
    # stepper), before the first step.
    return FitData(X, target, validation, params, opt_state)


def _train_epoch(
    run: TrainingRun,
    data: FitData,
    batches: list[Any],
    callbacks: Sequence[Callback],
    on_divergence: str,
) -> int:
    """One epoch of steps; records its means in the history; returns the rows it trained on."""
    steps, loss, history = run.steps, run.loss, run.history
    loss_sum = metric_sum = 0.0
    seen = 0
    for rows in batches:
        X_batch, y_batch = _batch_rows(data.X, rows), take_rows(data.target, rows)
        value, norm, out = steps.gradient(X_batch, y_batch)
        if not (math.isfinite(value) and math.isfinite(norm)):
            steps.rollback()  # to the params of the last finite loss, and their state
            _diverged(run, value, norm, on_divergence)
            break
        steps.apply()
        run.step += 1
        rows_in_batch = len(X_batch)
        loss_sum += value * rows_in_batch
        metric_sum += loss.metric_for_average(out, y_batch) * rows_in_batch
        seen += rows_in_batch
        history.step_loss.append(value)
        history.grad_norm.append(norm)
        lr = steps.lr
        if lr is not None:
            history.lr.append(lr)
        for callback in callbacks:
            callback.on_step_end(run)
    if seen:
        history.loss.append(loss_sum / seen)
        history.metric.append(loss.metric_from_average(metric_sum / seen))
        if data.validation is not None:
            X_val, y_val = data.validation
            val_out = run.model.forward(steps.current, X_val)[0]
            history.val_loss.append(loss.value_and_grad(val_out, y_val)[0])
            history.val_metric.append(loss.metric_value(val_out, y_val))
        history.wall_time.append(time.perf_counter() - run.started)
        history.epochs_run += 1
    return seen


def _batch_rows(X: np.ndarray, rows: Any) -> np.ndarray:
    """``X[rows]``: for an index array, ``X.take(rows, axis=0)``, the same rows in about a
    quarter of the time that fancy indexing takes for a minibatch of 32."""
    return X[rows] if isinstance(rows, slice) else X.take(rows, axis=0)


def _diverged(run: TrainingRun, value: float, norm: float, on_divergence: str) -> None:
    """Stop the run: the update with a non-finite loss or gradient is not applied."""
    history = run.history
    last = f"{history.step_loss[-1]:.4g}" if history.step_loss else "none (the first step)"
    what = f"loss {value:.4g}" if not np.isfinite(value) else f"gradient norm {norm:.4g}"
    message = (
        f"training diverged at step {run.step} (epoch {run.epoch}): {what}; "
        f"last finite loss {last}. The parameters of the last finite step are kept; "
        "try a smaller learning rate."
    )
    history.stopped_reason = message
    history.diverged_at_step = run.step
    run.stop = True
    if on_divergence == "raise":
        run.history.params, run.history.opt_state = run.params, run.opt_state
        raise FloatingPointError(message)
    warnings.warn(message, RuntimeWarning, stacklevel=4)
