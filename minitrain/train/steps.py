"""How ``fit`` (and a worker's local training) holds a run's parameters and optimizer state,
and takes one step at a time: one backprop, one update, and a way back to the last parameters
with a finite loss.

Two ways of stepping, with the same numbers:

- flat, for minitrain's steppers (their rules are elementwise, ``Stepper.elementwise``): the
  parameters, their gradients and every optimizer slot are laid end to end in one vector per
  dtype (``FlatLayout``). The per-key arrays the layers see are views of those vectors, and
  each step is one call of the stepper's public rule, ``opt.update(param, grad, slots, t,
  lr)``, on the whole vector of each dtype, as ``opt.step`` calls it on each array (without
  the checks that ``fit`` made once): each operation of the rule is one NumPy call for the
  whole model instead of one per array;
- per key, for any other stepper (``optim.frozen``, masked steppers, your own):
  ``params, state = opt.step(params, grads, state)``, exactly the stepper contract.

An elementwise rule meets each element with the same operations in the same order either way,
so both give the numbers of a loop of ``opt.step`` calls, bit for bit (tested). Steps are pure:
the arrays of the step before are left as they were, so ``rollback`` returns to them when a
loss is not finite, and what a callback keeps is never overwritten.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._types import Params
from .._validate import check_params, check_same_keys
from ..layers import Sequential
from ..losses import Loss
from ..optim import Stepper

Vectors = dict[str, np.ndarray]  # dtype name -> one vector holding every array of that dtype


def steps_flat(opt: Any) -> bool:
    """Whether ``fit`` steps ``opt`` on flat vectors: a ``Stepper`` whose rule is elementwise."""
    return isinstance(opt, Stepper) and opt.elementwise


class FlatLayout:
    """Where each array of a params-like dict lives in the flat vectors: its dtype's vector,
    in key order, end to end."""

    def __init__(self, params: Params) -> None:
        self.shapes = {key: p.shape for key, p in params.items()}
        self.dtypes = {key: p.dtype for key, p in params.items()}
        self.groups: dict[str, list[str]] = {}
        for key, p in params.items():
            self.groups.setdefault(p.dtype.name, []).append(key)
        self._where: dict[str, tuple[str, int, int, tuple[int, ...]]] = {}
        for name, keys in self.groups.items():
            start = 0
            for key in keys:
                stop = start + math.prod(self.shapes[key])
                self._where[key] = (name, start, stop, self.shapes[key])
                start = stop

    def flatten(self, tree: Params) -> Vectors:
        """New vectors holding the arrays of ``tree`` (keyed like the params) end to end."""
        return {
            name: np.concatenate([tree[key].reshape(-1) for key in keys])
            for name, keys in self.groups.items()
        }

    def empty(self) -> Vectors:
        """New uninitialised vectors, one per dtype."""
        return {
            name: np.empty(sum(math.prod(self.shapes[key]) for key in keys), self.dtypes[keys[0]])
            for name, keys in self.groups.items()
        }

    def unflatten(self, vectors: Vectors) -> Params:
        """Views of ``vectors``: one array per key, with its shape, in the params' key order."""
        return {
            key: vectors[name][start:stop].reshape(shape)
            for key, (name, start, stop, shape) in self._where.items()
        }

    def check(self, name: str, tree: Any) -> Params:
        """Check that ``tree`` has the keys, shapes and dtypes of the params."""
        check_params(name, tree)
        check_same_keys(name, tree, self.shapes, check_shapes=False)
        for key, array in tree.items():
            if array.shape != self.shapes[key]:
                raise ValueError(
                    f"{name}[{key!r}] has shape {array.shape} but the params have "
                    f"{self.shapes[key]}."
                )
            if array.dtype != self.dtypes[key]:
                raise TypeError(
                    f"{name}[{key!r}] has dtype {array.dtype} but the run trains it in "
                    f"{self.dtypes[key]}; minitrain does not cast silently: convert it first."
                )
        return tree


class Steps:
    """A run's parameters and optimizer state, stepped one minibatch at a time.

    ``current``: the parameters now, per key, to use at once (views when flat: a later step
    writes over them). ``params`` / ``opt_state``: what callbacks get, as ``opt.step`` would
    return them (new dicts; flat vectors are copied); assigning them checks and replaces the
    run's.

    Flat, the parameters live in two sets of vectors that take turns: step t's rule returns
    theta_t as a new vector, which is copied over theta_{t-2}, so theta_{t-1} survives for
    ``rollback``. The per-key views of both sets, and the per-layer dicts that the model's
    ``forward`` and ``backward`` take, are built once for the run. The slots are the vectors
    the rule returns, kept as they are.
    """

    def __init__(self, model: Sequential, loss: Loss, opt: Any, params: Params, state: Any):
        self.model, self.loss, self.opt = model, loss, opt
        self.layout = FlatLayout(params)
        self.flat = steps_flat(opt)
        self.slots = tuple(opt.slots()) if self.flat else ()
        self._before: tuple[Any, ...] | None = None  # what ``rollback`` returns to
        self._grads: Any = None
        if self.flat:
            self._theta = [self.layout.empty(), self.layout.empty()]
            views = [self.layout.unflatten(theta) for theta in self._theta]
            self._views = views
            self._layer_views = [model.per_layer(v) for v in views]
            self._now = 0  # which of the two sets holds the parameters now
            # The layers write each step's gradient into one vector per dtype, kept for the run
            # (the rules never keep their grad argument). Per key: a new vector every step,
            # since a stepper of your own may keep the gradients it is given.
            self._grad_vectors = self.layout.empty()
            self._grad_layers = model.per_layer(self.layout.unflatten(self._grad_vectors))
        self._set_params(params)
        self.opt_state = state

    # ----- what the stepper sees: one vector per dtype (flat), or the per-key dicts -------------
    def _set_params(self, params: Params) -> None:
        if self.flat:
            for name, vector in self.layout.flatten(params).items():
                np.copyto(self._theta[self._now][name], vector)
            self.current = self._views[self._now]
        else:
            self._theta = self.current = dict(params)

    @property
    def params(self) -> Params:
        if not self.flat:
            return dict(self._theta)
        theta = self._theta[self._now]
        return self.layout.unflatten({name: v.copy() for name, v in theta.items()})

    @params.setter
    def params(self, params: Params) -> None:
        self._set_params(self.layout.check("params", params))

    @property
    def opt_state(self) -> Any:
        if not self.flat:
            return self._state
        state = dict(self._state)
        for slot in self.slots:
            copies = {name: slots[slot].copy() for name, slots in self._slots.items()}
            state[slot] = self.layout.unflatten(copies)
        return state

    @opt_state.setter
    def opt_state(self, state: Any) -> None:
        if not self.flat:
            self._state = state
            return
        self.opt.check_state(self.layout.shapes, state)
        self._state = {key: value for key, value in state.items() if key not in self.slots}
        self._slots = {name: {} for name in self.layout.groups}  # dtype -> slot -> vector
        for slot in self.slots:
            vectors = self.layout.flatten(self.layout.check(f"opt_state[{slot!r}]", state[slot]))
            for name, vector in vectors.items():
                self._slots[name][slot] = vector

    @property
    def lr(self) -> float | None:
        """The rate of the last step, when the state records one."""
        state = self._state
        return float(state["lr"]) if isinstance(state, dict) and "lr" in state else None

    # ----- one step -----------------------------------------------------------------------------
    def gradient(self, X: np.ndarray, y: Any) -> tuple[float, float, np.ndarray]:
        """(loss, global gradient norm, model output) at the current parameters; the gradient
        is kept for ``apply``. Unvalidated: X and y are checked by the caller."""
        if self.flat:
            params, vectors, grads = (
                self._layer_views[self._now],
                self._grad_vectors,
                self._grad_layers,
            )
        else:
            params, vectors = self.current, self.layout.empty()
            grads = self.layout.unflatten(vectors)
        out, caches = self.model.forward(params, X)
        value, dout = self.loss.value_and_grad(out, y)
        self.model.backward(params, caches, dout, out=grads)
        norm = math.sqrt(sum(float(np.vdot(v, v)) for v in vectors.values()))
        self._grads = vectors if self.flat else grads
        return value, norm, out

    def add_to_gradient(self, extra: Params) -> None:
        """g <- g + extra, keyed like the params (e.g. FedProx's proximal term)."""
        if self.flat:
            extra_vectors = self.layout.flatten(extra)
            self._grads = {name: g + extra_vectors[name] for name, g in self._grads.items()}
        else:
            self._grads = {key: g + extra[key] for key, g in self._grads.items()}

    def apply(self) -> None:
        """One step with the last gradient; the step before is kept for ``rollback``."""
        if not self.flat:
            self._before = (self._theta, self._state)
            self._theta, self._state = self.opt.step(self._theta, self._grads, self._state)
            self.current = self._theta
            return
        # The rule once per dtype, on the whole vector; theta_t copied over theta_{t-2}.
        t = self._state["step"] + 1
        lr = self.opt.rate(t)
        now, after = self._now, 1 - self._now
        slots: dict[str, Params] = {}
        for name, theta in self._theta[now].items():
            new_theta, slots[name] = self.opt.update(
                theta, self._grads[name], self._slots[name], t, lr
            )
            np.copyto(self._theta[after][name], new_theta)
        self._before = (now, self._state, self._slots)
        self._now, self._state, self._slots = after, {"step": t, "lr": lr}, slots
        self.current = self._views[after]

    def rollback(self) -> None:
        """Back to the parameters and state before the last step (of which there is one)."""
        if self._before is None:
            return
        if self.flat:
            self._now, self._state, self._slots = self._before
            self.current = self._views[self._now]
        else:
            self._theta, self._state = self._before
            self.current = self._theta
        self._before = None
