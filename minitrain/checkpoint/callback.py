"""The ``fit`` callback that writes a checkpoint every few epochs, so a run can resume.

    saver = CheckpointCallback("run-{epoch:03d}.npz", every=5)
    history = fit(model, loss, opt, X, y, epochs=20, callbacks=[saver])
    ckpt = load(saver.last_path, like=model)
    fit(..., params=ckpt.params, opt_state=ckpt.state, initial_epoch=ckpt.meta["epoch"])
"""

from __future__ import annotations

import os
import string
import tempfile
from pathlib import Path
from typing import Any

from .._validate import check_int, describe
from ..train import Callback, TrainingRun
from .format import check_meta, encode, save

__all__ = ["CheckpointCallback"]

PLACEHOLDERS = ("epoch",)  # what a path template may contain
RESERVED_META = ("epoch", "step", "loss")  # what the callback records itself


def check_template(name: str, template: Any) -> str:
    """Return ``template`` as a str if it formats with ``epoch=`` alone, in its file name only.

    Refused: a misspelt or unknown placeholder (``{epoc}``, ``{0}``), a format the epoch (an
    int) cannot take (``{epoch:.2s}``), unbalanced braces, and a placeholder in the folder
    part (each save would need a folder that does not exist yet).
    """
    if isinstance(template, bytes) or not isinstance(template, (str, os.PathLike)):
        raise TypeError(f"{name} must be a str or pathlib.Path; got {describe(template)}.")
    text = os.fspath(template)
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(text) if field is not None]
    except ValueError as error:  # unbalanced braces
        raise ValueError(
            f"{name} {text!r} is not a valid template ({error}); write a literal brace as "
            "{{ or }}."
        ) from None
    unknown = [f for f in fields if f.split(".")[0].split("[")[0].split("!")[0] not in PLACEHOLDERS]
    if unknown:
        raise ValueError(
            f"{name} {text!r} has the placeholder(s) {['{' + f + '}' for f in unknown]}; the "
            "only one it may contain is {epoch} (e.g. 'run-{epoch:03d}.npz')."
        )
    try:
        first = text.format(epoch=1)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        raise ValueError(
            f"{name} {text!r} cannot be formatted with the epoch number ({error}); use "
            "{epoch} or a numeric format such as {epoch:03d}."
        ) from None
    if fields and text.format(epoch=2) == first:
        raise ValueError(f"{name} {text!r} gives the same file name for every epoch.")
    if fields and Path(first).parent != Path(text.format(epoch=2)).parent:
        raise ValueError(
            f"{name} {text!r} puts {{epoch}} in the folder; put it in the file name, e.g. "
            "'checkpoints/run-{epoch:03d}.npz'."
        )
    if not Path(first).name:
        raise ValueError(f"{name} {text!r} names a folder; name a file, e.g. 'run.npz'.")
    return text


def check_folder(name: str, path: str) -> Path:
    """The folder of ``path``: it must exist, be a folder, and accept a new file."""
    folder = Path(path).parent
    if Path(path).is_dir():
        raise IsADirectoryError(f"{name} {path!r} is a folder; name a file in it, e.g. run.npz.")
    if not folder.exists():
        raise FileNotFoundError(
            f"the folder of {name} {path!r} ({folder}) does not exist; create it first, e.g. "
            f"Path({str(folder)!r}).mkdir(parents=True)."
        )
    if not folder.is_dir():
        raise NotADirectoryError(
            f"the folder of {name} {path!r} ({folder}) is a file, not a folder."
        )
    try:  # the one reliable test of writability (permissions, read-only mounts, quotas)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise PermissionError(
            f"the folder of {name} {path!r} ({folder}) is not writable: {error.strerror}."
        ) from None
    return folder


class CheckpointCallback(Callback):
    """Save params and optimizer state every ``every`` epochs during ``fit``.

    ``path`` may contain ``{epoch}`` (e.g. ``"ckpt-{epoch:03d}.npz"``) to keep one file per
    save; otherwise each save replaces the last (atomically). ``meta`` records ``epoch`` (the
    number of completed epochs: pass it as ``initial_epoch`` to resume), ``step`` and ``loss``
    (the epoch's mean training loss), plus ``extra_meta``. The last path written is ``last_path``.

    Everything is checked when the callback is built, not after the first epoch: the template
    (``{epoch}`` is the only placeholder, in the file name), its folder (exists, is a folder,
    is writable: FileNotFoundError, NotADirectoryError, PermissionError), ``every`` and
    ``extra_meta`` (what ``save`` accepts as meta, without the keys the callback writes). At
    the start of training, the optimizer state is checked to be storable.
    """

    def __init__(
        self, path: str | os.PathLike, every: int = 1, extra_meta: dict[str, Any] | None = None
    ) -> None:
        self.path = check_template("path", path)
        self.every = check_int("every", every, minimum=1)
        self.extra_meta = check_meta("extra_meta", extra_meta)
        clashing = [key for key in RESERVED_META if key in self.extra_meta]
        if clashing:
            raise ValueError(
                f"extra_meta has the key(s) {clashing}, which the callback records itself; "
                "rename them."
            )
        check_folder("path", self.path.format(epoch=1))
        self.last_path: Path | None = None

    def on_train_begin(self, run: TrainingRun) -> None:
        """Fail before the first epoch if the params or optimizer state cannot be saved."""
        encode(run.params, run.opt_state, None, self.extra_meta)

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
