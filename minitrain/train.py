"""Training: ``value_and_grad`` (one backprop) and ``fit`` (the minibatch loop).

    value, grads = value_and_grad(model, loss, params, X, y)
    history = fit(model, loss, opt, X, y, epochs=20, batch_size=32, seed=0)

``fit`` validates everything once, then runs a loop that reads like the algorithm:

    for each epoch e:   shuffle the rows with default_rng([seed, e])
        for each minibatch B:  L, g = value_and_grad(params, X[B], y[B])
                               stop if L is not finite (keep the last finite params)
                               params, state = opt.step(params, g, state)

Deriving the shuffle from (seed, epoch) makes a run resumed at ``initial_epoch`` identical, bit
for bit, to the uninterrupted run.

With minitrain's own steppers, ``fit`` applies the same update rule to buffers it owns and
reuses (``minitrain._updates``): all parameters end to end in one vector, so each operation of
the rule is one NumPy call, and nothing is allocated per step. The numbers are those of
``opt.step``, bit for bit; the time is less (``benchmarks/bench_core.py``: "fit" against "loop").
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from ._updates import updates_for
from ._validate import as_float_array, check_int, check_params, check_positive, describe
from .layers import Params, Sequential
from .losses import Loss

Target = Any  # an ndarray, or a tuple of ndarrays indexed by the same rows


def _take(y: Target, rows: Any) -> Target:
    return tuple(part[rows] for part in y) if isinstance(y, tuple) else y[rows]


def _n_rows(y: Target) -> int:
    return len(y[0]) if isinstance(y, tuple) else len(y)


def _check_model_and_loss(model: Any, loss: Any) -> None:
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a mt.Sequential; got {describe(model)}.")
    if not isinstance(loss, Loss):
        raise TypeError(
            f"loss must be a minitrain loss such as mt.losses.MSE(); got {describe(loss)}."
        )


def check_data(
    model: Sequential, loss: Loss, params: Params, X: Any, y: Any, names: tuple[str, str]
) -> tuple[np.ndarray, Target]:
    """Validate a data set against the model and loss; return (X, checked target)."""
    x_name, y_name = names
    X = model.check_input(params, X, x_name)
    if isinstance(y, list):
        raise TypeError(f"{y_name} must be an ndarray (or a tuple of ndarrays); got a list.")
    parts = y if isinstance(y, tuple) else (y,)
    for part in parts:
        if not isinstance(part, np.ndarray):
            raise TypeError(f"{y_name} must be an ndarray; got {describe(part)}.")
        if len(part) != len(X):
            raise ValueError(
                f"{x_name} has {len(X)} rows but {y_name} has {len(part)}; they must match "
                "one target per sample."
            )
        if part.dtype.kind == "f" and not np.isfinite(part).all():
            raise ValueError(
                f"{y_name} contains NaN or infinite values; clean or impute it first, "
                "e.g. with minitrain.clean.Imputer."
            )
    n_out = model.n_out if model.n_out is not None else X.shape[1]
    output = np.zeros((len(X), n_out), dtype=X.dtype)  # only its shape and dtype are checked
    try:
        _, target = loss.check(output, y)
    except (TypeError, ValueError) as error:  # the loss says "target" and "pred": name ours
        raise type(error)(
            f"{y_name} is not a valid target for {loss!r} with model outputs of shape "
            f"{output.shape} ({output.dtype}): {error}"
        ) from None
    return X, target


def _value_and_grad(
    model: Sequential, loss: Loss, params: Params, X: np.ndarray, y: Target
) -> tuple[float, Params, np.ndarray]:
    """Unvalidated backprop: (loss value, grads, model output)."""
    out, caches = model.forward(params, X)
    value, dout = loss._value_and_grad(out, y)
    return value, model.backward(params, caches, dout)[1], out


def value_and_grad(
    model: Sequential, loss: Loss, params: Params, X: Any, y: Any
) -> tuple[float, Params]:
    """The mean loss of ``model`` on (X, y) and its gradient with respect to every parameter.

    Backpropagation: the loss gives dL/d(output); each layer's ``backward`` maps dL/dy to
    dL/dx and dL/dparams, from the last layer to the first. ``grads`` has the keys, shapes and
    dtype of ``params``.
    """
    _check_model_and_loss(model, loss)
    X, target = check_data(model, loss, params, X, y, ("X", "y"))
    value, grads, _ = _value_and_grad(model, loss, params, X, target)
    return value, grads


# ----- callbacks ----------------------------------------------------------------------------


@dataclass
class History:
    """What a training run did. ``params`` are the trained (or last finite) parameters.

    Per epoch: ``loss`` (the sample-weighted mean of the epoch's minibatch losses, each taken
    before its update), ``metric`` (accuracy or RMSE, likewise), ``val_loss``/``val_metric``
    (on the validation set after the epoch), ``wall_time`` (seconds since the start).
    Per step: ``step_loss``, ``grad_norm`` (global L2 norm of the gradient), ``lr``.
    """

    params: Params = field(default_factory=dict)
    opt_state: dict[str, Any] = field(default_factory=dict)
    metric_name: str = ""
    loss: list[float] = field(default_factory=list)
    metric: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_metric: list[float] = field(default_factory=list)
    wall_time: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    epochs_run: int = 0
    stopped_reason: str = ""
    diverged_at_step: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """Everything but the arrays, as plain Python values (JSON-serialisable)."""
        out = asdict(self)
        del out["params"], out["opt_state"]
        return out

    def __repr__(self) -> str:
        """One line: epochs run, the last epoch's values, why the run stopped, the size of
        ``params``. The arrays and per-step lists stay one attribute away (``as_dict()``)."""
        metric = self.metric_name or "metric"
        series = [("loss", self.loss), (metric, self.metric)]
        series += [("val_loss", self.val_loss), (f"val_{metric}", self.val_metric)]
        parts = [f"epochs_run={self.epochs_run}"]
        parts += [f"{name}={values[-1]:.4g}" for name, values in series if values]
        if self.stopped_reason:
            parts.append(f"stopped_reason={self.stopped_reason!r}")
        if self.diverged_at_step is not None:
            parts.append(f"diverged_at_step={self.diverged_at_step}")
        values = sum(int(array.size) for array in self.params.values())
        parts.append(f"params=<{len(self.params)} arrays, {values} values>")
        return f"History({', '.join(parts)})"


@dataclass
class TrainingRun:
    """The state of a run that callbacks see. ``run.params`` and ``run.opt_state`` give the
    current parameters and optimizer state (as copies: keep them as long as you like); assign
    new dicts to them to change the run. ``run.stop = True`` ends it after this epoch."""

    model: Sequential
    loss: Loss
    opt: Any
    history: History
    updates: Any = field(repr=False)  # the run's parameters and steps (minitrain._updates)
    epoch: int = 0
    step: int = 0
    stop: bool = False

    @property
    def params(self) -> Params:
        return self.updates.params

    @params.setter
    def params(self, params: Params) -> None:
        self.updates.params = params

    @property
    def opt_state(self) -> Any:
        return self.updates.opt_state

    @opt_state.setter
    def opt_state(self, state: Any) -> None:
        self.updates.opt_state = state


class Callback:
    """Hooks called by ``fit``. Override the ones you need; each receives the TrainingRun."""

    def on_train_begin(self, run: TrainingRun) -> None:
        pass

    def on_step_end(self, run: TrainingRun) -> None:
        pass

    def on_epoch_end(self, run: TrainingRun) -> None:
        pass

    def on_train_end(self, run: TrainingRun) -> None:
        pass


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    ``monitor`` is "val_loss" (falls back to "loss" without validation data). With
    ``restore_best`` the run ends with the parameters of the best epoch.
    """

    def __init__(
        self,
        patience: int = 5,
        min_delta: float = 0.0,
        restore_best: bool = True,
        monitor: str = "val_loss",
    ) -> None:
        self.patience = check_int("patience", patience, minimum=1)
        self.min_delta = check_positive("min_delta", min_delta, allow_zero=True)
        if monitor not in ("val_loss", "loss"):
            raise ValueError(f"monitor must be 'val_loss' or 'loss'; got {monitor!r}.")
        self.restore_best = restore_best
        self.monitor = monitor

    def on_train_begin(self, run: TrainingRun) -> None:
        self.best = np.inf
        self.best_params: Params | None = None
        self.best_state: dict[str, Any] | None = None
        self.best_epoch = -1
        self.waited = 0

    def on_epoch_end(self, run: TrainingRun) -> None:
        values = getattr(run.history, self.monitor) or run.history.loss
        current = values[-1]
        if current < self.best - self.min_delta:
            self.best, self.best_epoch, self.waited = current, run.epoch, 0
            self.best_params, self.best_state = run.params, run.opt_state
            return
        self.waited += 1
        if self.waited >= self.patience:
            run.stop = True
            run.history.stopped_reason = (
                f"early stopping: {self.monitor} did not improve by more than {self.min_delta} "
                f"for {self.patience} epochs (best {self.best:.6g} at epoch {self.best_epoch})"
            )
            if self.restore_best and self.best_params is not None:
                run.params, run.opt_state = self.best_params, self.best_state


# ----- the loop -----------------------------------------------------------------------------


def _check_optimizer(opt: Any) -> None:
    if not (callable(getattr(opt, "init", None)) and callable(getattr(opt, "step", None))):
        raise TypeError(
            f"opt must be a stepper with init(params) and step(params, grads, state), such as "
            f"mt.optim.Adam(lr=1e-3); got {describe(opt)}."
        )


def _batches(n: int, batch_size: int | None, rng: np.random.Generator) -> list[Any]:
    if batch_size is None or batch_size >= n:
        return [slice(None)]
    order = rng.permutation(n)
    return [order[start : start + batch_size] for start in range(0, n, batch_size)]


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
    callbacks: tuple[Callback, ...] | list[Callback] = (),
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
    """
    _check_model_and_loss(model, loss)
    _check_optimizer(opt)
    epochs = check_int("epochs", epochs, minimum=1)
    initial_epoch = check_int("initial_epoch", initial_epoch, minimum=0, maximum=epochs - 1)
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, minimum=1)
    if on_divergence not in ("stop", "raise"):
        raise ValueError(f"on_divergence must be 'stop' or 'raise'; got {on_divergence!r}.")
    X_array = as_float_array("X", X, ndim=2)
    if params is None:
        params = model.init(seed, dtype=X_array.dtype)
    check_params("params", params)
    X, target = check_data(model, loss, params, X_array, y, ("X", "y"))
    if validation is not None:
        if not (isinstance(validation, tuple) and len(validation) == 2):
            raise TypeError(
                f"validation must be a tuple (X_val, y_val); got {describe(validation)}."
            )
        X_val, y_val = check_data(model, loss, params, *validation, ("X_val", "y_val"))
    if opt_state is None:
        opt_state = opt.init(params)

    history = History(metric_name=loss.metric)
    updates = updates_for(model, loss, opt, params, opt_state)
    run = TrainingRun(model, loss, opt, history, updates, epoch=initial_epoch)
    run.step = int(opt_state.get("step", 0)) if isinstance(opt_state, dict) else 0
    n = len(X)
    start = time.perf_counter()
    for callback in callbacks:
        callback.on_train_begin(run)
    bar = tqdm(total=epochs - initial_epoch, desc="fit", unit="epoch", disable=not progress)
    # Overflow on the way to a non-finite loss is expected and reported below with its step,
    # so NumPy's own warnings about it are silenced (once for the loop: it runs every step).
    with np.errstate(over="ignore", invalid="ignore"):
        rmse = loss.metric == "rmse"
        step_loss, grad_norm, lr = history.step_loss, history.grad_norm, history.lr
        for epoch in range(initial_epoch, epochs):
            run.epoch = epoch
            loss_sum = metric_sum = 0.0
            seen = 0
            for rows in _batches(n, batch_size, np.random.default_rng([seed, epoch])):
                X_batch = X[rows]
                y_batch = _take(target, rows) if isinstance(target, tuple) else target[rows]
                value, norm, out = updates.gradient(X_batch, y_batch)
                if not (math.isfinite(value) and math.isfinite(norm)):
                    updates.rollback()  # to the params of the last finite loss, and state
                    _diverged(run, value, norm, on_divergence)
                    break
                updates.apply()
                run.step += 1
                rows_in_batch = len(X_batch)
                loss_sum += value * rows_in_batch
                metric = loss.metric_value(out, y_batch)
                metric_sum += (metric * metric if rmse else metric) * rows_in_batch
                seen += rows_in_batch
                step_loss.append(value)
                grad_norm.append(norm)
                step_lr = updates.lr
                if step_lr is not None:
                    lr.append(step_lr)
                for callback in callbacks:
                    callback.on_step_end(run)
            if seen:
                history.loss.append(loss_sum / seen)
                mean_metric = metric_sum / seen  # the mean square error, for "rmse"
                history.metric.append(np.sqrt(mean_metric) if rmse else mean_metric)
                if validation is not None:
                    val_out = model.forward(updates.current(), X_val)[0]
                    history.val_loss.append(loss._value_and_grad(val_out, y_val)[0])
                    history.val_metric.append(loss.metric_value(val_out, y_val))
                history.wall_time.append(time.perf_counter() - start)
                history.epochs_run += 1
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


def _diverged(run: TrainingRun, value: float, norm: float, on_divergence: str) -> None:
    """Stop the run: the update with a non-finite loss or gradient is not applied."""
    history = run.history
    last = history.step_loss[-1] if history.step_loss else None
    what = f"loss {value}" if not np.isfinite(value) else f"gradient norm {norm}"
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
    warnings.warn(message, RuntimeWarning, stacklevel=3)
