"""The stepper contract shared by every update rule: ``init``, ``step`` and their validation.

    state = opt.init(params)                                  # step 0, slots filled
    new_params, new_state = opt.step(params, grads, state)    # inputs are never modified

A stepper subclasses ``Stepper`` and supplies only its update rule for one parameter array
(see ``steppers.py``). ``step`` validates cheaply (it runs every step), computes the step's
scalars once, and applies the rule to each array.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .._validate import check_params, check_positive, check_same_keys
from .schedules import Schedule

Params = dict[str, np.ndarray]
State = dict[str, Any]


def check_lr(lr: Any) -> float | Schedule:
    """A float lr must be finite and > 0; a schedule must give a valid rate at step 1."""
    if callable(lr):
        scheduled_lr(lr, 1)
        return lr
    return check_positive("lr", lr)


def scheduled_lr(lr: float | Schedule, t: int) -> float:
    """The learning rate of step t: ``lr`` itself, or ``lr(t)`` checked to be finite and >= 0."""
    if not callable(lr):
        return lr
    value = lr(t)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < math.inf:
        raise ValueError(
            f"the lr schedule {lr!r} gave {value!r} at step {t}; expected a finite number >= 0."
        )
    return float(value)


def check_grads(params: Any, grads: Any) -> None:
    """Check that grads have the keys, shapes and dtype of params, in one cheap pass per step.

    Only when something is wrong do the shared validators run, to say exactly what.
    """
    try:
        if grads.keys() == params.keys() and all(
            type(g) is np.ndarray and g.shape == p.shape and g.dtype == p.dtype
            and p.dtype.kind == "f"
            for p, g in zip(params.values(), map(grads.__getitem__, params))
        ):  # fmt: skip
            return
    except (AttributeError, TypeError):
        pass
    check_params("params", params)
    check_same_keys("grads", grads, params)
    check_params("grads", grads)
    for key, p in params.items():
        if grads[key].dtype != p.dtype:
            raise TypeError(
                f"grads[{key!r}] has dtype {grads[key].dtype} but params[{key!r}] has "
                f"{p.dtype}; minitrain does not cast silently: compute grads in {p.dtype}."
            )


def descend(p: np.ndarray, direction: np.ndarray, minus_lr: Any, owned: bool) -> np.ndarray:
    """``p - lr * direction`` in two passes, reusing ``direction``'s memory when we own it."""
    out = np.multiply(direction, minus_lr, out=direction) if owned else direction * minus_lr
    out += p
    return out


def plus_decay(g: np.ndarray, p: np.ndarray, weight_decay: Any) -> np.ndarray:
    """``g + lambda theta`` (the L2 penalty's gradient added), as a new array."""
    out = np.multiply(p, weight_decay)
    out += g
    return out


class Stepper:
    """What every stepper shares: ``init``, ``step`` and their validation.

    A subclass names its state slots and their initial values in ``_slots``, gives the scalars
    of step t in ``_constants(t, lr)`` and updates one parameter array in
    ``_update(p, g, slots, k) -> (new_p, new_slots)``, where ``slots`` maps slot names to that
    parameter's arrays and ``k`` holds the scalars as 0-d arrays of the parameter's dtype.
    """

    lr: float | Schedule

    def _slots(self) -> dict[str, float]:
        return {}

    def _lr_used(self, t: int, lr: float) -> float:
        """The rate step t applies (Adagrad decays it); recorded as ``state["lr"]``."""
        return lr

    def _constants(self, t: int, lr: float) -> dict[str, float]:
        return {"minus_lr": -lr}

    def _update(self, p, g, slots, k) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        raise NotImplementedError

    def init(self, params: Params) -> State:
        """Step 0: each slot filled with its initial value, with the shapes and dtype of params.

        ``state["lr"]`` is the rate the first step will apply.
        """
        check_params("params", params)
        state: State = {"step": 0, "lr": self._lr_used(1, scheduled_lr(self.lr, 1))}
        for name, value in self._slots().items():
            state[name] = {key: np.full_like(p, value) for key, p in params.items()}
        return state

    def step(self, params: Params, grads: Params, state: State) -> tuple[Params, State]:
        """One update. Returns new dicts of new arrays; params, grads and state are unchanged."""
        check_grads(params, grads)
        names = tuple(self._slots())
        if not (
            isinstance(state, Mapping)
            and isinstance(state.get("step"), (int, np.integer))
            and all(isinstance(state.get(n), Mapping) and state[n].keys() == params.keys()
                    for n in names)
        ):  # fmt: skip
            got = list(state) if isinstance(state, Mapping) else type(state).__name__
            raise ValueError(
                f"state must come from {type(self).__name__}.init(params): a dict with an int "
                f"'step' and slots {list(names)} keyed like the params; got {got}."
            )
        t = int(state["step"]) + 1
        lr = scheduled_lr(self.lr, t)
        constants = self._constants(t, lr)
        # The scalars as 0-d arrays of each parameter dtype: NumPy folds those into a ufunc in
        # about half the time it takes for Python floats, which matters for small layers.
        typed: dict[np.dtype, dict[str, np.ndarray]] = {}
        new_params: Params = {}
        new_state: State = {"step": t, "lr": self._lr_used(t, lr), **{n: {} for n in names}}
        for key, p in params.items():
            k = typed.get(p.dtype)
            if k is None:
                k = typed[p.dtype] = {
                    n: np.array(v, p.dtype) if isinstance(v, float) else v
                    for n, v in constants.items()
                }
            slots = {name: state[name][key] for name in names}
            new_params[key], new_slots = self._update(p, grads[key], slots, k)
            for name, value in new_slots.items():
                new_state[name][key] = value
        return new_params, new_state
