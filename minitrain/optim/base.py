"""The stepper contract shared by every update rule: ``init``, ``step`` and their checks.

    state = opt.init(params)                                  # step 0, slots filled
    new_params, new_state = opt.step(params, grads, state)    # inputs are never modified

A stepper subclasses ``Stepper`` and supplies its rule for one array, ``update``, and the names
and initial values of its state slots, ``slots``. ``step`` checks its arguments, takes the
step's learning rate once and applies ``update`` to each parameter array.

Every rule here is elementwise: element i of what ``update`` returns depends only on element i
of its arrays. So ``update`` gives the same numbers, bit for bit, on each array apart or on all
parameters laid end to end in one vector, which is how ``fit`` calls it (``elementwise``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np

from .._types import Params
from .._validate import (
    FLOAT_DTYPES,
    check_params,
    check_positive,
    check_same_keys,
    describe,
    refuse_class,
)
from .schedules import Schedule

State = dict[str, Any]


def check_lr(lr: Any) -> float | Schedule:
    """A float lr must be finite and > 0; a schedule must give a valid rate at step 1."""
    refuse_class("lr", lr, "a number or a schedule such as mt.optim.cosine(1e-3, total_steps=100)")
    if callable(lr):
        scheduled_lr(lr, 1)
        return lr
    return check_positive("lr", lr)


def scheduled_lr(lr: float | Schedule, t: int) -> float:
    """The learning rate of step t: ``lr`` itself, or ``lr(t)`` checked to be finite and >= 0."""
    if not callable(lr):
        return lr
    value = lr(t)
    if type(value) is float and 0 <= value < math.inf:  # the common case, checked cheaply
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real) or not (
        0 <= value < math.inf
    ):
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
            type(g) is np.ndarray and type(p) is np.ndarray and g.shape == p.shape
            and g.dtype == p.dtype and p.dtype in FLOAT_DTYPES
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


def _slots_match(params: Params, slots: list[Any]) -> bool:
    """Whether every slot is keyed like params with ndarrays of their shapes and dtypes."""
    keys = params.keys()
    if not all(slot.keys() == keys for slot in slots):
        return False
    for key, p in params.items():
        if type(p) is not np.ndarray:
            return False
        for slot in slots:
            s = slot[key]
            if type(s) is not np.ndarray or s.shape != p.shape or s.dtype != p.dtype:
                return False
    return True


class Stepper:
    """What every stepper shares: ``init``, ``step`` and their checks.

    A subclass (a frozen dataclass of hyper-parameters) gives:

    - ``slots()``: the names of its state slots and their initial values;
    - ``update(param, grad, slots, t, lr)``: its rule on one array, from theta_{t-1}, g_t and
      the slots at step t - 1 to ``(theta_t, {slot: value at step t})``, as plain NumPy
      expressions that make new arrays: the inputs are never written to, and nothing returned
      is ``grad`` itself or a view of it (``fit`` reuses its gradient vector);
    - optionally ``rate(t)``, the learning rate step t applies (Adagrad decays it).

    ``elementwise`` says that ``update`` treats each element on its own and never looks at
    keys or shapes, so that ``fit`` may call it once on all parameters laid end to end. A
    subclass whose rule mixes elements (a norm per layer, say) sets it to False.
    """

    lr: float | Schedule
    elementwise: ClassVar[bool] = True

    def slots(self) -> dict[str, float]:
        """The names of the state slots and the value each starts at (none for GD)."""
        return {}

    def rate(self, t: int) -> float:
        """The learning rate that step t applies: ``lr``, or ``lr(t)`` for a schedule."""
        return scheduled_lr(self.lr, t)

    def update(
        self, param: np.ndarray, grad: np.ndarray, slots: Params, t: int, lr: float
    ) -> tuple[np.ndarray, Params]:
        """The rule on one array: ``(theta_t, {slot: value at step t})``."""
        raise NotImplementedError

    def init(self, params: Params) -> State:
        """Step 0: each slot filled with its initial value, with the shapes and dtype of params.

        ``state["lr"]`` is the rate the first step will apply.
        """
        check_params("params", params)
        state: State = {"step": 0, "lr": self.rate(1)}
        for name, value in self.slots().items():
            state[name] = {key: np.full_like(p, value) for key, p in params.items()}
        return state

    def check_state(self, params: Params, state: Any, name: str = "state") -> None:
        """Check that ``state`` could come from ``self.init(params)`` (or later steps): an int
        ``step`` >= 0 and this stepper's slots, each keyed like ``params`` with arrays of their
        shapes and dtype. A state of another stepper, or of other params, is refused by name.

        One cheap pass when all is well (``step`` runs it every call); the detailed checks
        run only to say what is wrong.
        """
        names = tuple(self.slots())
        if (
            type(state) is dict and type(params) is dict
            and all(type(state.get(n)) is dict for n in names)
        ):  # fmt: skip
            step = state.get("step")
            if (
                type(step) is int and step >= 0
                and sum(type(v) is dict for v in state.values()) == len(names)
                and _slots_match(params, [state[n] for n in names])
            ):  # fmt: skip
                return
        self._explain_state(params, state, name, names)

    def _explain_state(self, params: Params, state: Any, name: str, names: tuple) -> None:
        """Raise the error that says what is wrong with ``state``, if anything is (the cheap
        pass of ``check_state`` also sends here a valid state it does not recognise at once:
        a NumPy int ``step``, say)."""
        check_params("params", params)
        made_by = f"{name} must come from {type(self).__name__}.init(params)"
        if not isinstance(state, Mapping):
            raise TypeError(f"{made_by}, a dict; got {describe(state)}.")
        step = state.get("step")
        if isinstance(step, (bool, np.bool_)) or not isinstance(step, Integral):
            raise TypeError(f"{made_by}: its 'step' must be an int; got {describe(step)}.")
        if step < 0:
            raise ValueError(f"{made_by}: its 'step' must be >= 0; got {step}.")
        missing = [n for n in names if not isinstance(state.get(n), Mapping)]
        foreign = [k for k, v in state.items() if isinstance(v, Mapping) and k not in names]
        if missing or foreign:
            raise ValueError(
                f"{made_by}: {type(self).__name__} keeps the slots {list(names)}; missing "
                f"{missing}, unexpected {foreign} (a state of another stepper?)."
            )
        for n in names:
            slot_name = f"{name}[{n!r}]"
            check_same_keys(slot_name, state[n], params)  # keys and shapes: of these params?
            check_params(slot_name, state[n])
            for key, p in params.items():
                if state[n][key].dtype != p.dtype:
                    raise TypeError(
                        f"{slot_name}[{key!r}] has dtype {state[n][key].dtype} but "
                        f"params[{key!r}] has {p.dtype}; minitrain does not cast silently: "
                        "build the state with opt.init(params)."
                    )

    def step(self, params: Params, grads: Params, state: State) -> tuple[Params, State]:
        """One update. Returns new dicts of new arrays; params, grads and state are unchanged."""
        check_grads(params, grads)
        self.check_state(params, state)
        names = tuple(self.slots())
        t = int(state["step"]) + 1
        lr = self.rate(t)
        new_params: Params = {}
        new_state: State = {"step": t, "lr": lr, **{name: {} for name in names}}
        for key, param in params.items():
            slots = {name: state[name][key] for name in names}
            new_params[key], new_slots = self.update(param, grads[key], slots, t, lr)
            for name in names:
                new_state[name][key] = new_slots[name]
        return new_params, new_state
