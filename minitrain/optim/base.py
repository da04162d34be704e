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


def descend(p: np.ndarray, direction: np.ndarray, minus_lr: Any, out: Any) -> np.ndarray:
    """``p - lr * direction`` in two passes, into ``out`` (which may be ``direction`` itself;
    None allocates)."""
    out = np.multiply(direction, minus_lr, out=out)
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
    of step t in ``_constants(t, lr)`` and computes one parameter array's update in
    ``_update(p, g, slots, k, new)``: ``slots`` maps slot names to that parameter's arrays at
    step t - 1, ``k`` holds the scalars as 0-d arrays of the parameter's dtype, and the rule
    sets ``new["param"]`` to theta_t and ``new[slot]`` to each slot's step-t value, computing
    into the arrays that ``new`` holds (``out=new[name]``; distinct from the inputs, and
    ``new["param"]`` is free working memory until theta_t goes there). ``fit`` gives arrays it
    owns and reuses (see ``minitrain.train``); ``step`` gives None, so ufuncs allocate.
    """

    lr: float | Schedule

    def _slots(self) -> dict[str, float]:
        return {}

    def _lr_used(self, t: int, lr: float) -> float:
        """The rate step t applies (Adagrad decays it); recorded as ``state["lr"]``."""
        return lr

    def _constants(self, t: int, lr: float) -> dict[str, float]:
        return {"minus_lr": -lr}

    def _update(self, p, g, slots, k, new) -> None:
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

    def check_state(self, params: Params, state: Any) -> None:
        """Check that ``state`` could come from ``self.init(params)`` (or later steps)."""
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

    def _step_scalars(self, t: int) -> tuple[float, dict[str, Any]]:
        """The rate that step t applies and the scalars of its rule (floats, bools)."""
        lr = scheduled_lr(self.lr, t)
        return self._lr_used(t, lr), self._constants(t, lr)

    def step(self, params: Params, grads: Params, state: State) -> tuple[Params, State]:
        """One update. Returns new dicts of new arrays; params, grads and state are unchanged."""
        check_grads(params, grads)
        self.check_state(params, state)
        names = tuple(self._slots())
        t = int(state["step"]) + 1
        lr_used, constants = self._step_scalars(t)
        typed: dict[np.dtype, dict[str, Any]] = {}
        new_params: Params = {}
        new_state: State = {"step": t, "lr": lr_used, **{n: {} for n in names}}
        for key, p in params.items():
            k = typed.get(p.dtype)
            if k is None:
                k = typed[p.dtype] = typed_scalars(constants, p.dtype)
            new = dict.fromkeys(("param", *names))  # None: each output is a fresh array
            self._update(p, grads[key], {name: state[name][key] for name in names}, k, new)
            new_params[key] = new["param"]
            for name in names:
                new_state[name][key] = new[name]
        return new_params, new_state


def typed_scalars(constants: Mapping[str, Any], dtype: np.dtype) -> dict[str, Any]:
    """The floats of ``constants`` as 0-d arrays of ``dtype``: NumPy folds those into a ufunc
    in about half the time it takes for Python floats (and a float32 model stays float32)."""
    return {
        name: np.array(value, dtype) if isinstance(value, float) else value
        for name, value in constants.items()
    }
