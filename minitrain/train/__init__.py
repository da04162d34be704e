"""Training: ``value_and_grad`` (one backprop) and ``fit`` (the minibatch loop).

    value, grads = value_and_grad(model, loss, params, X, y)
    history = fit(model, loss, opt, X, y, epochs=20, batch_size=32, seed=0)

Modules: ``loop`` (``fit``), ``steps`` (a run's parameters and steps: one flat vector per dtype
for minitrain's steppers), ``data`` (the checks of a data set and an epoch's minibatches, shared
with ``minitrain.distributed``), ``history`` and ``callbacks``.
"""

from .callbacks import Callback, EarlyStopping, TrainingRun
from .data import check_data, check_model_and_loss, check_validation, epoch_batches
from .history import History, RunHistory
from .loop import backprop, fit, value_and_grad
from .steps import Steps, steps_flat

__all__ = [
    "Callback", "EarlyStopping", "History", "RunHistory", "Steps", "TrainingRun", "backprop",
    "check_data", "check_model_and_loss", "check_validation", "epoch_batches", "fit",
    "steps_flat", "value_and_grad",
]  # fmt: skip
