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
so both give the numbers of a loop of ``opt.step`` calls, bit for bit (tested). The rule never
writes into its inputs, so the parameters and state of the step before survive a step and
``rollback`` returns to them when a loss is not finite; what a callback gets is a copy, never
overwritten.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._types import Params
from .._validate import check_params, check_same_keys, check_stepper
from ..layers import Sequential
from ..losses import Loss
from ..optim import Frozen, Stepper
from .data import check_model_and_loss

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
        # key -> (dtype name, start, stop, shape): its slice of that dtype's vector
        self.where: dict[str, tuple[str, int, int, tuple[int, ...]]] = {}
        for name, keys in self.groups.items():
            start = 0
            for key in keys:
                stop = start + math.prod(self.shapes[key])
                self.where[key] = (name, start, stop, self.shapes[key])
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
            for key, (name, start, stop, shape) in self.where.items()
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

    ``current``: the parameters now, per key, to use at once (views when flat).
    ``params`` / ``opt_state``: what callbacks get, as ``opt.step`` would return them (new
    dicts; flat vectors are copied); assigning them checks and replaces the run's.

    Flat, the slot vectors that the rule returns are kept as they are. The new parameter
    vector needs views for the layers (per-layer dicts, as the model's ``forward`` and
    ``backward`` take them), which cost about 2 us whatever the size. Up to ``COPY_BYTES``
    (the model of a device) it is cheaper to copy the vector into the spare of two kept sets,
    whose views are built once: the set that held theta_{t-2}, so theta_{t-1} survives for
    ``rollback``. Above it the rule's vector is kept and viewed anew: copying 1 MB costs more,
    and freeing the rule's result at once lets the allocator hand its memory back to the
    system and page-fault it in again at the next step (measured: about 450 minor faults per
    step for 784-256-256-10, none when the result is kept).
    """

    COPY_BYTES = 128 * 1024

    def __init__(self, model: Sequential, loss: Loss, opt: Any, params: Params, state: Any):
        check_model_and_loss(model, loss)  # once per run, at its start
        check_stepper("opt", opt)
        model.check_params(params)
        self.model, self.loss, self.opt = model, loss, opt
        self.layout = FlatLayout(params)
        self.flat = steps_flat(opt)
        self.slots = tuple(opt.slots()) if self.flat else ()
        self._before: tuple[Any, ...] | None = None  # what ``rollback`` returns to
        self._grads: Any = None
        if self.flat:
            # Per layer, local key -> (dtype name, start, stop, shape) and -> model key.
            self._layer_where = model.per_layer(self.layout.where)
            self._layer_keys = model.per_layer({key: key for key in self.layout.where})
            # The layers write each step's gradient into one vector per dtype, kept for the run
            # (the rules never keep their grad argument). Per key: a new vector every step,
            # since a stepper of your own may keep the gradients it is given.
            self._grad_vectors = self.layout.empty()
            self._grad_layers = self._layer_views(self._grad_vectors)
        # The spare parameter set and its views, when the rule's result is copied into it.
        self._spare: tuple[Vectors, list[Params]] | None = None
        if self.flat and sum(v.nbytes for v in self._grad_vectors.values()) <= self.COPY_BYTES:
            spare = self.layout.empty()
            self._spare = (spare, self._layer_views(spare))
        self._set_params(params)
        self.opt_state = state

    def _layer_views(self, vectors: Vectors) -> list[Params]:
        """``model.per_layer`` of the views of ``vectors``, made in one pass."""
        return [
            {local: vectors[name][start:stop].reshape(shape)
             for local, (name, start, stop, shape) in layer.items()}
            for layer in self._layer_where
        ]  # fmt: skip

    # ----- what the stepper sees: one vector per dtype (flat), or the per-key dicts -------------
    def _set_params(self, params: Params) -> None:
        self._theta: Any = self.layout.flatten(params) if self.flat else dict(params)
        self._layers = self._layer_views(self._theta) if self.flat else None

    @property
    def current(self) -> Params:
        """The parameters now, per key, to use at once (views of the vectors when flat)."""
        if not self.flat:
            return self._theta
        return {
            keys[local]: view
            for keys, layer in zip(self._layer_keys, self._layers)
            for local, view in layer.items()
        }

    @property
    def params(self) -> Params:
        if not self.flat:
            return dict(self._theta)
        return self.layout.unflatten({name: v.copy() for name, v in self._theta.items()})

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
            if isinstance(self.opt, (Stepper, Frozen)):
                self.opt.check_state(self.current, state, "opt_state")
            self._state = state
            return
        self.opt.check_state(self.current, state, "opt_state")
        self._state = {key: value for key, value in state.items() if key not in self.slots}
        self._slots: dict[str, Params] = {name: {} for name in self.layout.groups}
        for slot in self.slots:  # dtype name -> slot -> vector, as the rule takes them
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
            params, vectors, grads = self._layers, self._grad_vectors, self._grad_layers
        else:
            params, vectors = self._theta, self.layout.empty()
            grads = self.layout.unflatten(vectors)
        out, caches = self.model.forward(params, X)
        value, dout = self.loss.value_and_grad(out, y)
        self.model.backward(params, caches, dout, out=grads)
        norm = math.sqrt(sum([float(np.vdot(v, v)) for v in vectors.values()]))
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
        self._before = (self._theta, self._state, self._layers, self._slots if self.flat else None)
        if not self.flat:
            self._theta, self._state = self.opt.step(self._theta, self._grads, self._state)
            return
        t = self._state["step"] + 1  # the rule once per dtype, on the whole vector
        lr = self.opt.rate(t)
        theta: Vectors = {}
        slots: dict[str, Params] = {}
        for name, vector in self._theta.items():
            theta[name], slots[name] = self.opt.update(
                vector, self._grads[name], self._slots[name], t, lr
            )
        self._state, self._slots = {"step": t, "lr": lr}, slots
        if self._spare is None:
            self._theta, self._layers = theta, self._layer_views(theta)
            return
        spare, spare_layers = self._spare  # it holds theta_{t-2}
        for name, vector in theta.items():
            np.copyto(spare[name], vector)
        self._spare = (self._theta, self._layers)
        self._theta, self._layers = spare, spare_layers

    def rollback(self) -> None:
        """Back to the parameters and state before the last step (of which there is one)."""
        if self._before is not None:
            if self._spare is not None:  # the set of the step undone becomes the spare
                self._spare = (self._theta, self._layers)
            self._theta, self._state, self._layers, slots = self._before
            if self.flat:
                self._slots = slots
            self._before = None
