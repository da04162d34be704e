"""The ``fit`` callback that writes a checkpoint every few epochs, so a run can resume.

    saver = CheckpointCallback("run-{epoch:03d}.npz", every=5)
    history = fit(model, loss, opt, X, y, epochs=20, callbacks=[saver])
    ckpt = load(saver.last_path, like=model)
    fit(..., params=ckpt.params, opt_state=ckpt.state, initial_epoch=ckpt.meta["epoch"])
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .._validate import check_int
from ..train import Callback, TrainingRun
from .format import save

__all__ = ["CheckpointCallback"]


class CheckpointCallback(Callback):
    """Save params and optimizer state every ``every`` epochs during ``fit``.

    ``path`` may contain ``{epoch}`` (e.g. ``"ckpt-{epoch:03d}.npz"``) to keep one file per
    save; otherwise each save replaces the last (atomically). ``meta`` records ``epoch`` (the
    number of completed epochs: pass it as ``initial_epoch`` to resume), ``step`` and ``loss``
    (the epoch's mean training loss), plus ``extra_meta``. The last path written is ``last_path``.
    """

    def __init__(
        self, path: str | os.PathLike, every: int = 1, extra_meta: dict[str, Any] | None = None
    ) -> None:
        self.path = str(path)
        self.every = check_int("every", every, minimum=1)
        self.extra_meta = dict(extra_meta or {})
        self.last_path: Path | None = None

    def on_epoch_end(self, run: TrainingRun) -> None:
        completed = run.epoch + 1
        if completed % self.every:
            return
        meta = {
            **self.extra_meta,
            "epoch": completed,
            "step": run.step,
            "loss": run.history.loss[-1] if run.history.loss else None,
        }
        self.last_path = save(
            self.path.format(epoch=completed), run.params, run.opt_state, meta=meta
        )
