"""Freezing: train some parameters while others stay exactly as they are (e.g. fine-tuning)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .._types import Params
from .._validate import check_keys, check_params, check_stepper, describe, store_checked
from .base import State, check_grads
from .schedules import Schedule


@dataclass(frozen=True)
class Frozen:
    """A stepper that leaves the parameters named in ``keys`` unchanged, bit for bit.

        new_params[k] = params[k],  new_state[slot][k] = state[slot][k]     for k in keys

    Every other key gets exactly the update ``opt`` alone would give it; the step counter and
    the schedule advance as usual. Unchanged arrays are passed through, not copied.
    """

    opt: Any
    keys: tuple[str, ...]

    def __post_init__(self) -> None:
        check_stepper("opt", self.opt)
        keys = [self.keys] if isinstance(self.keys, str) else self.keys  # one name, or several
        store_checked(self, keys=tuple(check_keys("keys", keys)))

    @property
    def lr(self) -> float | Schedule:
        return self.opt.lr

    def _check_keys(self, params: Params) -> None:
        unknown = [key for key in self.keys if key not in params]
        if unknown:
            raise ValueError(f"keys {unknown} are not parameters; the params have {list(params)}.")

    def init(self, params: Params) -> State:
        """``opt.init(params)``, after checking that every frozen key is a parameter."""
        check_params("params", params)
        self._check_keys(params)
        return self.opt.init(params)

    def check_state(self, params: Params, state: Any, name: str = "state") -> None:
        """Check that ``state`` could come from ``self.init(params)``: ``opt.check_state`` when
        ``opt`` has one (every key's slots, frozen or not), else that it is a dict."""
        check = getattr(self.opt, "check_state", None)
        if callable(check):
            check(params, state, name)
        elif not isinstance(state, Mapping):
            raise TypeError(
                f"{name} must come from opt.init(params), a dict; got {describe(state)}."
            )

    def step(self, params: Params, grads: Params, state: State) -> tuple[Params, State]:
        """``opt.step`` on the trainable keys; the frozen keys' params and state are kept."""
        check_grads(params, grads)
        self._check_keys(params)
        self.check_state(params, state)
        keep = set(self.keys)

        def trainable(tree: Mapping[str, Any]) -> dict[str, Any]:
            return {key: value for key, value in tree.items() if key not in keep}

        def merge(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
            return {key: old[key] if key in keep else new[key] for key in old}

        inner = {name: trainable(v) if isinstance(v, Mapping) else v for name, v in state.items()}
        new_params, new_inner = self.opt.step(trainable(params), trainable(grads), inner)
        new_state = {
            name: merge(state[name], value) if isinstance(value, Mapping) else value
            for name, value in new_inner.items()
        }
        return merge(params, new_params), new_state


def frozen(opt: Any, keys: str | Iterable[str]) -> Frozen:
    """``opt`` with the parameters named in ``keys`` (one name or several) kept fixed."""
    return Frozen(opt, keys)
