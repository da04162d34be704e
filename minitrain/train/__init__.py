"""Training: ``value_and_grad`` (one backprop) and ``fit`` (the minibatch loop).

    value, grads = value_and_grad(model, loss, params, X, y)
    history = fit(model, loss, opt, X, y, epochs=20, batch_size=32, seed=0)

Modules: ``loop`` (``fit``), ``steps`` (how a run holds its parameters and steps them: one
flat vector per dtype for minitrain's steppers), ``data`` (the checks of a data set and the
minibatches of an epoch, shared with ``minitrain.distributed``), ``history`` (what a run
records) and ``callbacks`` (hooks into the loop).
"""

from .callbacks import Callback, EarlyStopping, TrainingRun
from .data import (
    check_data,
    check_dataset,
    check_model_and_loss,
    check_validation,
    epoch_batches,
    take_rows,
)
from .history import History, RunHistory
from .loop import backprop, fit, value_and_grad
from .steps import FlatLayout, Steps, steps_flat

# Former private names, kept until every caller uses backprop and check_model_and_loss.
_value_and_grad = backprop
_check_model_and_loss = check_model_and_loss

__all__ = [
    "Callback",
    "EarlyStopping",
    "FlatLayout",
    "History",
    "RunHistory",
    "Steps",
    "TrainingRun",
    "backprop",
    "check_data",
    "check_dataset",
    "check_model_and_loss",
    "check_validation",
    "epoch_batches",
    "fit",
    "steps_flat",
    "take_rows",
    "value_and_grad",
]
