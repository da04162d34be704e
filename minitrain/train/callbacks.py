"""Callbacks: hooks that ``fit`` calls with the ``TrainingRun`` (e.g. ``EarlyStopping``, the
checkpointing and pruning callbacks of ``minitrain.checkpoint`` and ``minitrain.compress``)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._types import Params
from .._validate import check_choice, check_flag, check_int, check_methods, check_positive, describe
from ..layers import Sequential
from ..losses import Loss
from .history import History
from .steps import Steps


@dataclass
class TrainingRun:
    """The state of a run that callbacks see. ``run.params`` and ``run.opt_state`` give the
    current parameters and optimizer state (as copies: keep them as long as you like); assign
    new dicts to them to change the run. ``run.stop = True`` ends it after this epoch.
    ``started`` is the ``time.perf_counter()`` of the run's start."""

    model: Sequential
    loss: Loss
    opt: Any
    history: History
    steps: Steps = field(repr=False)  # the run's parameters and how it steps them
    epoch: int = 0
    step: int = 0
    stop: bool = False
    started: float = field(default_factory=time.perf_counter)

    @property
    def params(self) -> Params:
        return self.steps.params

    @params.setter
    def params(self, params: Params) -> None:
        self.steps.params = params

    @property
    def opt_state(self) -> Any:
        return self.steps.opt_state

    @opt_state.setter
    def opt_state(self, state: Any) -> None:
        self.steps.opt_state = state


HOOKS = ("on_train_begin", "on_step_end", "on_epoch_end", "on_train_end")


def check_callbacks(name: str, callbacks: object) -> tuple[Callback, ...]:
    """Return ``callbacks`` as a tuple if it is a list or tuple of callback instances (objects
    with ``fit``'s four hooks), else raise naming the entry. A tuple, so that a generator is
    not used up by the first hook; a callback class is refused with the call to make."""
    if not isinstance(callbacks, (list, tuple)):
        single = isinstance(callbacks, Callback) or isinstance(callbacks, type)
        raise TypeError(
            f"{name} must be a list of callbacks such as [mt.EarlyStopping(patience=3)]; got "
            f"{describe(callbacks)}{' (put it in a list)' if single else ''}."
        )
    for i, callback in enumerate(callbacks):
        expected = "a callback such as mt.EarlyStopping() (a subclass of mt.Callback)"
        check_methods(f"{name}[{i}]", callback, HOOKS, expected)
    return tuple(callbacks)


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
        self.monitor = check_choice("monitor", monitor, ("val_loss", "loss"))
        self.restore_best = check_flag("restore_best", restore_best)

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
