"""Checkpoints: parameters, optimizer state, a random generator and metadata in one .npz file
that loads without pickle, and the ``fit`` callback that writes them.

    checkpoint.save("run.npz", params, state=opt_state, rng=rng, meta={"epoch": 3})
    ckpt = checkpoint.load("run.npz", like=model)      # Checkpoint(params, state, rng, meta)
    fit(..., callbacks=[checkpoint.CheckpointCallback("run-{epoch:03d}.npz", every=5)])

- ``format``: the file (``save``, ``load``, ``Checkpoint``, ``CheckpointError``): atomic
  writes, every entry validated on load, no pickle.
- ``callback``: ``CheckpointCallback``, which saves every few epochs of ``fit``.
"""

from .callback import CheckpointCallback
from .format import FORMAT, FORMAT_VERSION, MAX_BYTES, Checkpoint, CheckpointError, load, save

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MAX_BYTES",
    "Checkpoint",
    "CheckpointCallback",
    "CheckpointError",
    "load",
    "save",
]
