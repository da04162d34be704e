"""Callbacks built on ``fit``'s hooks (``train.Callback``), beside ``train.EarlyStopping``.

``KeepBest`` ends a run with the parameters of its best epoch. After a divergence ``fit`` keeps
the parameters of the last finite step, which can be finite and useless (entries of 1e152 on
the way to overflow); with ``KeepBest`` the run returns the best ones it saw instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validate import check_choice
from .train import Callback, TrainingRun


class KeepBest(Callback):
    """Keep the parameters (and optimizer state) of the epoch with the lowest ``monitor``, and
    end the run with them, whether it finished, stopped early or diverged.

    ``monitor`` is "val_loss" (the loss on the validation data of the parameters after the
    epoch; falls back to "loss" without validation data) or "loss" (the epoch's mean minibatch
    loss, each taken before its update). After the run, ``best_epoch`` and ``best`` say which
    epoch was kept and its value; ``history.params`` are its parameters.
    """

    def __init__(self, monitor: str = "val_loss") -> None:
        self.monitor = check_choice("monitor", monitor, ("val_loss", "loss"))

    def on_train_begin(self, run: TrainingRun) -> None:
        self.best = np.inf
        self.best_epoch = -1
        self.best_params: dict[str, np.ndarray] | None = None
        self.best_state: dict[str, Any] | None = None

    def on_epoch_end(self, run: TrainingRun) -> None:
        values = getattr(run.history, self.monitor) or run.history.loss
        if np.isfinite(values[-1]) and values[-1] < self.best:
            self.best, self.best_epoch = float(values[-1]), run.epoch
            self.best_params, self.best_state = run.params, run.opt_state  # copies

    def on_train_end(self, run: TrainingRun) -> None:
        if self.best_params is not None:
            run.params, run.opt_state = self.best_params, self.best_state


__all__ = ["KeepBest"]
