"""How ``fit`` takes its steps: the parameters and optimizer state it holds, one backprop, one
update, and a way back to the last parameters with a finite loss.

``PureUpdates`` works with any stepper: ``params, state = opt.step(params, grads, state)``,
new dicts every step, exactly the stepper contract.

``InPlaceUpdates`` is for minitrain's own steppers (``Stepper`` subclasses). It runs the same
update rule, ``opt._update``, but writes into arrays that ``fit`` owns instead of fresh ones:

- the parameters, the gradients and each optimizer slot are views of one vector (every array
  of the model end to end), so each operation of the rule is one NumPy call for the whole
  model instead of one per array, and the layers write their gradients straight into it;
- there are two vectors of parameters and of each slot, which take turns: step t reads those
  of step t - 1 and writes over those of step t - 2. Nothing is allocated per step, and the
  parameters of step t - 1 survive for ``rollback`` when step t's loss is not finite.

Every operation of a rule is elementwise, so each element meets the same operations in the
same order either way: both give the same numbers, bit for bit (tested). Callbacks reading
``run.params`` get a copy, so nothing they keep is overwritten later.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._validate import check_params, check_same_keys
from .layers import Params, Sequential
from .losses import Loss
from .optim.base import Stepper, typed_scalars


def split(vector: np.ndarray, shapes: dict[str, tuple[int, ...]]) -> Params:
    """Views of the 1-D ``vector``: one array per key with its shape, end to end in key order."""
    views, start = {}, 0
    for key, shape in shapes.items():
        end = start + math.prod(shape)
        views[key] = vector[start:end].reshape(shape)
        start = end
    return views


def global_norm(gradient: np.ndarray) -> float:
    """||g|| = sqrt(g . g) over all gradients laid end to end in one vector."""
    return math.sqrt(float(np.vdot(gradient, gradient)))


class PureUpdates:
    """Steps with ``opt.step``, which returns new dicts (any stepper). Each step's gradients are
    new arrays, views of one new vector (so the gradient norm is computed as in place)."""

    def __init__(self, model: Sequential, loss: Loss, opt: Any, params: Params, state: Any):
        self.model, self.loss, self.opt = model, loss, opt
        self.params, self.opt_state = params, state
        self._before: tuple[Params, Any] | None = None  # params and state before the last step
        self._grads: Params = {}
        dtypes = {p.dtype for p in params.values()}
        self._dtype = dtypes.pop() if len(dtypes) == 1 else None  # None: no common vector
        self._shapes = {key: p.shape for key, p in params.items()}
        self._size = sum(p.size for p in params.values())

    def current(self) -> Params:
        """The parameters now, to use at once (not to keep)."""
        return self.params

    @property
    def lr(self) -> float | None:
        """The rate of the last step, when the state records one."""
        state = self.opt_state
        return float(state["lr"]) if isinstance(state, dict) and "lr" in state else None

    def gradient(self, X: np.ndarray, y: Any) -> tuple[float, float, np.ndarray]:
        """(loss, gradient norm, model output) at the current parameters."""
        out, caches = self.model.forward(self.params, X)
        value, dout = self.loss._value_and_grad(out, y)
        if self._dtype is None:  # parameters of several dtypes: the norm summed per array
            self._grads = self.model.backward(self.params, caches, dout)[1]
            norm = math.sqrt(sum([float(np.vdot(g, g)) for g in self._grads.values()]))
            return value, norm, out
        vector = np.empty(self._size, self._dtype)
        self._grads = split(vector, self._shapes)
        self.model.backward(self.params, caches, dout, out=self._grads)
        return value, global_norm(vector), out

    def add_to_gradient(self, extra: Params) -> None:
        """g <- g + extra, keyed like the params (e.g. FedProx's proximal term)."""
        self._grads = {key: g + extra[key] for key, g in self._grads.items()}

    def apply(self) -> None:
        """One step with the last gradient; the parameters before it are kept for rollback."""
        self._before = (self.params, self.opt_state)
        self.params, self.opt_state = self.opt.step(self.params, self._grads, self.opt_state)

    def rollback(self) -> None:
        """Back to the parameters and state before the last step (of which there is one)."""
        if self._before is not None:
            (self.params, self.opt_state), self._before = self._before, None


def can_update_in_place(opt: Any, params: Params) -> bool:
    """True for a minitrain stepper (its own rule, unwrapped) and parameters of one dtype."""
    return (
        isinstance(opt, Stepper)
        and type(opt).step is Stepper.step
        and bool(params)
        and len({p.dtype for p in params.values()}) == 1
    )


class InPlaceUpdates:
    """Steps with ``opt._update`` written into vectors of this object (see the module text)."""

    def __init__(self, model: Sequential, loss: Loss, opt: Stepper, params: Params, state: Any):
        self.model, self.loss, self.opt = model, loss, opt
        self.shapes = {key: p.shape for key, p in params.items()}
        self.dtype = next(iter(params.values())).dtype
        self.names = tuple(opt._slots())
        size = sum(p.size for p in params.values())
        self._params = [np.empty(size, self.dtype), np.empty(size, self.dtype)]
        self._slots = {name: [np.empty(size, self.dtype), np.empty(size, self.dtype)]
                       for name in self.names}  # fmt: skip
        self._param_views = [split(vector, self.shapes) for vector in self._params]
        self._slot_views = {
            name: [split(vector, self.shapes) for vector in pair]
            for name, pair in self._slots.items()
        }
        self._grad_vector = np.empty(size, self.dtype)
        self._grads = split(self._grad_vector, self.shapes)
        # The same views split per layer once, for the model's per-layer forward and backward.
        self._layer_params = [model.per_layer(views) for views in self._param_views]
        self._layer_grads = model.per_layer(self._grads)
        self._typed: dict[str, Any] = {}  # the step's scalars as 0-d arrays, reused while equal
        self._now = 0  # which of the two vectors holds the current parameters and slots
        self._step = [0, 0]  # the step count, and the rate, that each of the two belongs to
        self._lr: list[float | None] = [None, None]
        self._previous = False  # whether the other vectors hold the step before
        self.params = params
        self.opt_state = state

    def _copy(self, vector: np.ndarray) -> Params:
        return split(vector.copy(), self.shapes)

    def current(self) -> Params:
        """The parameters now, to use at once (not to keep: a later step overwrites them)."""
        return self._param_views[self._now]

    @property
    def params(self) -> Params:
        """A copy of the current parameters."""
        return self._copy(self._params[self._now])

    @params.setter
    def params(self, params: Params) -> None:
        self._check("params", params)
        for key, view in self._param_views[self._now].items():
            view[...] = params[key]

    @property
    def opt_state(self) -> dict[str, Any]:
        """A copy of the current optimizer state, as ``opt.step`` would have returned it."""
        now = self._now
        state: dict[str, Any] = {"step": self._step[now], "lr": self._lr[now]}
        state.update((name, self._copy(pair[now])) for name, pair in self._slots.items())
        return state

    @opt_state.setter
    def opt_state(self, state: Any) -> None:
        self.opt.check_state(self.shapes, state)
        for name in self.names:
            self._check(f"opt_state[{name!r}]", state[name])
            for key, view in self._slot_views[name][self._now].items():
                view[...] = state[name][key]
        self._step[self._now] = int(state["step"])
        self._lr[self._now] = state.get("lr")

    def _check(self, name: str, tree: Any) -> None:
        check_params(name, tree)
        check_same_keys(name, tree, self._param_views[0])
        for key, array in tree.items():
            if array.dtype != self.dtype:
                raise TypeError(
                    f"{name}[{key!r}] has dtype {array.dtype} but the run trains in "
                    f"{self.dtype}; minitrain does not cast silently: convert it first."
                )

    @property
    def lr(self) -> float | None:
        lr = self._lr[self._now]
        return None if lr is None else float(lr)

    def gradient(self, X: np.ndarray, y: Any) -> tuple[float, float, np.ndarray]:
        """(loss, gradient norm, model output) at the current parameters."""
        layer_params = self._layer_params[self._now]
        out, caches = self.model.forward_layers(layer_params, X)
        value, dout = self.loss._value_and_grad(out, y)
        self.model.backward_layers(layer_params, caches, dout, into=self._layer_grads)
        return value, global_norm(self._grad_vector), out

    def add_to_gradient(self, extra: Params) -> None:
        """g <- g + extra, keyed like the params (e.g. FedProx's proximal term)."""
        for key, g in self._grads.items():
            g += extra[key]

    def apply(self) -> None:
        """One step with the last gradient, written over the vectors of the step before last."""
        now, after = self._now, 1 - self._now
        t = self._step[now] + 1
        lr_used, constants = self.opt._step_scalars(t)
        slots = {name: pair[now] for name, pair in self._slots.items()}
        new = {"param": self._params[after], **{n: pair[after] for n, pair in self._slots.items()}}
        self.opt._update(self._params[now], self._grad_vector, slots, self._scalars(constants), new)
        self._step[after], self._lr[after] = t, lr_used
        self._now, self._previous = after, True

    def _scalars(self, constants: dict[str, Any]) -> dict[str, Any]:
        """``typed_scalars(constants)``, reusing last step's 0-d arrays for unchanged values."""
        typed = self._typed
        for name, value in constants.items():
            if name not in typed or not _same(typed[name][0], value):
                typed[name] = (value, typed_scalars({name: value}, self.dtype)[name])
        return {name: typed[name][1] for name in constants}

    def rollback(self) -> None:
        """Back to the parameters and state before the last step (of which there is one)."""
        if self._previous:
            self._now, self._previous = 1 - self._now, False


def _same(a: Any, b: Any) -> bool:
    """Equal, and for floats of the same sign (so -0.0 is not taken for 0.0)."""
    return a == b and (not isinstance(a, float) or math.copysign(1, a) == math.copysign(1, b))


def updates_for(model: Sequential, loss: Loss, opt: Any, params: Params, state: Any) -> Any:
    """``InPlaceUpdates`` when ``opt`` is one of minitrain's steppers, else ``PureUpdates``."""
    kind = InPlaceUpdates if can_update_in_place(opt, params) else PureUpdates
    return kind(model, loss, opt, params, state)
