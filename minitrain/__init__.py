"""minitrain: train and simulate machine-learning models on edge devices, in plain NumPy.

Parameters are plain dicts of arrays; everything that changes them is a function::

    import minitrain as mt
    model = mt.Sequential([mt.Dense(64, 128), mt.ReLU(), mt.Dense(128, 10)])
    params = model.init(seed=0)
    history = mt.fit(model, mt.losses.CrossEntropy(), mt.optim.Adam(lr=1e-3), X, y, epochs=20)

Subsystems are modules, imported on first use: ``mt.losses``, ``mt.optim``, ``mt.data``,
``mt.clean``, ``mt.compress``, ``mt.distributed``, ``mt.closed_form``, ``mt.checkpoint``,
``mt.gradcheck``, ``mt.strategies`` (needs hypothesis) and ``mt.plotting``.
"""

from importlib import import_module
from typing import Any

from . import losses, progress  # noqa: F401  (progress: tqdm.auto without a notebook warning)
from .layers import Dense, LeakyReLU, ReLU, Sequential, Sigmoid, Tanh
from .train import Callback, EarlyStopping, fit, value_and_grad

__version__ = "0.1.0"

_SUBMODULES = (
    "optim",
    "train",
    "data",
    "clean",
    "compress",
    "distributed",
    "select",
    "adapt",
    "closed_form",
    "checkpoint",
    "gradcheck",
    "strategies",
    "plotting",
    "layers",
    "callbacks",
)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module 'minitrain' has no attribute {name!r}")


__all__ = [
    "Callback",
    "Dense",
    "EarlyStopping",
    "LeakyReLU",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "fit",
    "losses",
    "value_and_grad",
    *_SUBMODULES,
]
