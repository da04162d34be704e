"""Steppers (GD, SGD, Adagrad, RMSprop, Adam, AdamW), learning-rate schedules and freezing.

A stepper is a frozen dataclass of hyper-parameters with two pure functions:

    state = opt.init(params)
    new_params, new_state = opt.step(params, grads, state)     # inputs are never modified

``params`` and ``grads`` are dicts of arrays with the same keys, shapes and dtype. ``state`` is
plain data: ``{"step": t, "lr": the rate step t applied, <slot>: {key: array like params[key]}}``.
Names, defaults and update rules are torch.optim's, so a model trained here and in PyTorch
follows the same numbers. Each rule is ``opt.update(param, grad, slots, t, lr)`` on one array
(``base.Stepper``); ``step`` applies it to every array of the dict.

``lr`` is a float or a schedule, a function of the 1-based step (``schedules``), e.g.
``Adam(lr=cosine(1e-3, total_steps=1000))``. ``frozen(opt, keys)`` keeps some parameters fixed.
"""

from .base import Stepper
from .freeze import Frozen, frozen
from .schedules import constant, cosine, exponential, linear_warmup, step_decay
from .steppers import GD, SGD, Adagrad, Adam, AdamW, RMSprop

__all__ = [
    "GD",
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Frozen",
    "RMSprop",
    "Stepper",
    "constant",
    "cosine",
    "exponential",
    "frozen",
    "linear_warmup",
    "step_decay",
]
