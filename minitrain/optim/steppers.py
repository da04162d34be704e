"""The update rules of GD, SGD, Adagrad, RMSprop, Adam and AdamW, as torch.optim defines them.

Notation of the docstrings (as in the PyTorch documentation): theta the parameters, g_t the
gradient at the 1-based step t, gamma the learning rate, lambda the weight decay. Every
operation is elementwise, so every quantity has the shape of its parameter array.

``step`` is pure yet light on memory: each new array is allocated once and the rest of the
formula is computed into it with in-place ufuncs. The scalars of a step are computed once in
Python floats, then handed to NumPy as 0-d arrays of the parameters' dtype, so a float32 model
computes, and stores its state, in float32.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validate import check_in_range, check_params, check_positive, check_same_keys
from .schedules import Schedule, _set

Params = dict[str, np.ndarray]
State = dict[str, Any]


def _check_lr(lr: Any) -> float | Schedule:
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


def _descend(p: np.ndarray, direction: np.ndarray, minus_lr: Any, owned: bool) -> np.ndarray:
    """``p - lr * direction`` in two passes, reusing ``direction``'s memory when we own it."""
    out = np.multiply(direction, minus_lr, out=direction) if owned else direction * minus_lr
    out += p
    return out


def _plus_decay(g: np.ndarray, p: np.ndarray, weight_decay: Any) -> np.ndarray:
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


@dataclass(frozen=True)
class GD(Stepper):
    """Plain gradient descent ``theta_t = theta_{t-1} - gamma g_t``. State: step and lr only."""

    lr: float | Schedule

    def __post_init__(self) -> None:
        _set(self, lr=_check_lr(self.lr))

    def _update(self, p, g, slots, k):
        return _descend(p, g, k["minus_lr"], owned=False), {}


@dataclass(frozen=True)
class SGD(Stepper):
    r"""Stochastic gradient descent with momentum mu and dampening tau (torch.optim.SGD):

        g_t <- -g_t                                  if maximize
        g_t <- g_t + lambda theta_{t-1}              if lambda != 0
        if mu != 0:
            b_t = g_t                                if t = 1
            b_t = mu b_{t-1} + (1 - tau) g_t         if t > 1
            g_t <- g_t + mu b_t  if nesterov, else  b_t
        theta_t = theta_{t-1} - gamma g_t

    Slot "momentum_buffer" b when mu != 0. Nesterov needs mu > 0 and tau = 0. With mu = 0
    and lambda = 0 the update is bit-for-bit GD's.
    """

    lr: float | Schedule = 1e-3
    momentum: float = 0.0
    dampening: float = 0.0
    nesterov: bool = False
    weight_decay: float = 0.0
    maximize: bool = False

    def __post_init__(self) -> None:
        _set(
            self,
            lr=_check_lr(self.lr),
            momentum=check_positive("momentum", self.momentum, allow_zero=True),
            dampening=check_in_range("dampening", self.dampening, 0, 1, high_inclusive=True),
            weight_decay=check_positive("weight_decay", self.weight_decay, allow_zero=True),
        )
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError(
                "nesterov=True needs momentum > 0 and dampening == 0; got "
                f"momentum={self.momentum}, dampening={self.dampening}."
            )

    def _slots(self) -> dict[str, float]:
        return {"momentum_buffer": 0.0} if self.momentum else {}

    def _constants(self, t: int, lr: float) -> dict[str, Any]:
        return {
            "minus_lr": -lr,
            "momentum": self.momentum,
            "undamped": 1 - self.dampening,
            "weight_decay": self.weight_decay,
            "first_step": t == 1,
        }

    def _update(self, p, g, slots, k):
        owned = self.maximize or self.weight_decay != 0  # then g_t is a new array of our own
        if self.weight_decay:
            g_t = np.multiply(p, k["weight_decay"])  # lambda theta + g   (- g when maximizing)
            g_t = np.subtract(g_t, g, out=g_t) if self.maximize else np.add(g_t, g, out=g_t)
        else:
            g_t = np.negative(g) if self.maximize else g
        if not self.momentum:
            return _descend(p, g_t, k["minus_lr"], owned), {}
        if k["first_step"]:
            buffer = g_t if owned else g_t.copy()  # b_1 = g_1
        else:
            buffer = np.multiply(slots["momentum_buffer"], k["momentum"])  # mu b + (1 - tau) g
            buffer += g_t if self.dampening == 0 else g_t * k["undamped"]
        if not self.nesterov:
            return _descend(p, buffer, k["minus_lr"], owned=False), {"momentum_buffer": buffer}
        direction = np.multiply(buffer, k["momentum"])  # g + mu b
        direction += g_t
        return _descend(p, direction, k["minus_lr"], owned=True), {"momentum_buffer": buffer}


@dataclass(frozen=True)
class Adagrad(Stepper):
    r"""Adagrad with learning-rate decay eta = ``lr_decay`` (torch.optim.Adagrad):

        g_t <- g_t + lambda theta_{t-1}              if lambda != 0
        clr_t = gamma / (1 + (t - 1) eta)
        s_t = s_{t-1} + g_t^2                        s_0 = initial_accumulator_value
        theta_t = theta_{t-1} - clr_t g_t / (sqrt(s_t) + eps)

    Slot "sum" s. ``state["lr"]`` records clr_t, the rate actually applied.
    """

    lr: float | Schedule = 1e-2
    lr_decay: float = 0.0
    weight_decay: float = 0.0
    initial_accumulator_value: float = 0.0
    eps: float = 1e-10

    def __post_init__(self) -> None:
        _set(
            self,
            lr=_check_lr(self.lr),
            lr_decay=check_positive("lr_decay", self.lr_decay, allow_zero=True),
            weight_decay=check_positive("weight_decay", self.weight_decay, allow_zero=True),
            initial_accumulator_value=check_positive(
                "initial_accumulator_value", self.initial_accumulator_value, allow_zero=True
            ),
            eps=check_positive("eps", self.eps, allow_zero=True),
        )

    def _slots(self) -> dict[str, float]:
        return {"sum": self.initial_accumulator_value}

    def _lr_used(self, t: int, lr: float) -> float:
        return lr / (1 + (t - 1) * self.lr_decay)

    def _constants(self, t: int, lr: float) -> dict[str, float]:
        return {"minus_clr": -self._lr_used(t, lr), "eps": self.eps, "decay": self.weight_decay}

    def _update(self, p, g, slots, k):
        g_t = _plus_decay(g, p, k["decay"]) if self.weight_decay else g
        total = np.multiply(g_t, g_t)  # s + g^2
        total += slots["sum"]
        scaled = np.sqrt(total)  # g / (sqrt(s) + eps)
        scaled += k["eps"]
        np.divide(g_t, scaled, out=scaled)
        return _descend(p, scaled, k["minus_clr"], owned=True), {"sum": total}


@dataclass(frozen=True)
class RMSprop(Stepper):
    r"""RMSprop with smoothing alpha and momentum mu (torch.optim.RMSprop):

        g_t <- g_t + lambda theta_{t-1}              if lambda != 0
        v_t = alpha v_{t-1} + (1 - alpha) g_t^2
        w_t = v_t - a_t^2,  a_t = alpha a_{t-1} + (1 - alpha) g_t       if centered
        w_t = v_t                                                        otherwise
        u_t = g_t / (sqrt(w_t) + eps)
        b_t = mu b_{t-1} + u_t,   theta_t = theta_{t-1} - gamma b_t     if mu > 0
        theta_t = theta_{t-1} - gamma u_t                                otherwise

    Slots "square_avg" v, "grad_avg" a (centered), "momentum_buffer" b (mu > 0).
    """

    lr: float | Schedule = 1e-2
    alpha: float = 0.99
    eps: float = 1e-8
    weight_decay: float = 0.0
    momentum: float = 0.0
    centered: bool = False

    def __post_init__(self) -> None:
        _set(
            self,
            lr=_check_lr(self.lr),
            alpha=check_in_range("alpha", self.alpha, 0, 1),
            eps=check_positive("eps", self.eps, allow_zero=True),
            weight_decay=check_positive("weight_decay", self.weight_decay, allow_zero=True),
            momentum=check_positive("momentum", self.momentum, allow_zero=True),
        )

    def _slots(self) -> dict[str, float]:
        names = ["square_avg", *["grad_avg"] * self.centered]
        return dict.fromkeys(names + ["momentum_buffer"] * (self.momentum > 0), 0.0)

    def _constants(self, t: int, lr: float) -> dict[str, float]:
        return {
            "minus_lr": -lr,
            "alpha": self.alpha,
            "one_minus_alpha": 1 - self.alpha,
            "eps": self.eps,
            "momentum": self.momentum,
            "decay": self.weight_decay,
        }

    def _update(self, p, g, slots, k):
        g_t = _plus_decay(g, p, k["decay"]) if self.weight_decay else g
        scratch = np.multiply(g_t, g_t)  # v = alpha v + (1 - alpha) g^2
        scratch *= k["one_minus_alpha"]
        new = {"square_avg": np.multiply(slots["square_avg"], k["alpha"])}
        new["square_avg"] += scratch
        if self.centered:
            np.multiply(g_t, k["one_minus_alpha"], out=scratch)  # a = alpha a + (1 - alpha) g
            average = new["grad_avg"] = np.multiply(slots["grad_avg"], k["alpha"])
            average += scratch
            np.multiply(average, average, out=scratch)  # w = v - a^2
            np.subtract(new["square_avg"], scratch, out=scratch)
            np.sqrt(scratch, out=scratch)
        else:
            np.sqrt(new["square_avg"], out=scratch)
        scratch += k["eps"]  # u = g / (sqrt(w) + eps)
        np.divide(g_t, scratch, out=scratch)
        if not self.momentum:
            return _descend(p, scratch, k["minus_lr"], owned=True), new
        buffer = np.multiply(slots["momentum_buffer"], k["momentum"])  # b = mu b + u
        buffer += scratch
        new["momentum_buffer"] = buffer
        return _descend(p, buffer, k["minus_lr"], owned=False), new


@dataclass(frozen=True)
class Adam(Stepper):
    r"""Adam, and AMSGrad with ``amsgrad=True`` (torch.optim.Adam):

        g_t <- g_t + lambda theta_{t-1}              if lambda != 0 (L2 penalty)
        m_t = beta1 m_{t-1} + (1 - beta1) g_t        first moment
        v_t = beta2 v_{t-1} + (1 - beta2) g_t^2      second moment
        vmax_t = max(vmax_{t-1}, v_t)                if amsgrad; it then replaces v_t below
        theta_t = theta_{t-1} - gamma mhat_t / (sqrt(vhat_t) + eps),    bias corrections
                  mhat_t = m_t / (1 - beta1^t),   sqrt(vhat_t) = sqrt(v_t) / sqrt(1 - beta2^t)

    At t = 1 the corrections cancel: theta_1 = theta_0 - gamma g_1 / (|g_1| + eps). The code
    evaluates the same number in one pass fewer (Kingma & Ba 2015, Sec. 2) as
        theta_t = theta_{t-1} - s_t m_t / (sqrt(v_t) + e_t),
        s_t = gamma sqrt(1 - beta2^t) / (1 - beta1^t),   e_t = eps sqrt(1 - beta2^t).
    Slots "exp_avg" m, "exp_avg_sq" v and, with amsgrad, "max_exp_avg_sq" vmax: the running
    maximum of the *uncorrected* v, as torch keeps it.
    """

    lr: float | Schedule = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    amsgrad: bool = False
    decoupled = False  # AdamW decays theta instead of adding lambda theta to g

    def __post_init__(self) -> None:
        if not (isinstance(self.betas, (tuple, list)) and len(self.betas) == 2):
            raise TypeError(f"betas must be a pair (beta1, beta2); got {self.betas!r}.")
        beta1 = check_in_range("betas[0]", self.betas[0], 0, 1)
        beta2 = check_in_range("betas[1]", self.betas[1], 0, 1)
        _set(
            self,
            lr=_check_lr(self.lr),
            betas=(beta1, beta2),
            eps=check_positive("eps", self.eps, allow_zero=True),
            weight_decay=check_positive("weight_decay", self.weight_decay, allow_zero=True),
        )

    def _slots(self) -> dict[str, float]:
        return dict.fromkeys(["exp_avg", "exp_avg_sq", *["max_exp_avg_sq"] * self.amsgrad], 0.0)

    def _constants(self, t: int, lr: float) -> dict[str, float]:
        beta1, beta2 = self.betas
        root_correction2 = math.sqrt(1 - beta2**t)
        return {
            "beta1": beta1,
            "one_minus_beta1": 1 - beta1,
            "beta2": beta2,
            "one_minus_beta2": 1 - beta2,
            "minus_step": -lr * root_correction2 / (1 - beta1**t),  # -s_t
            "eps_hat": self.eps * root_correction2,  # e_t
            "decay": self.weight_decay,
            "kept": 1 - lr * self.weight_decay,  # AdamW's theta (1 - gamma lambda)
        }

    def _update(self, p, g, slots, k):
        coupled_decay = self.weight_decay and not self.decoupled
        g_t = _plus_decay(g, p, k["decay"]) if coupled_decay else g
        scratch = np.multiply(g_t, k["one_minus_beta1"])  # m = beta1 m + (1 - beta1) g
        m = np.multiply(slots["exp_avg"], k["beta1"])
        m += scratch
        np.multiply(g_t, g_t, out=scratch)  # v = beta2 v + (1 - beta2) g^2
        scratch *= k["one_minus_beta2"]
        v = np.multiply(slots["exp_avg_sq"], k["beta2"])
        v += scratch
        new = {"exp_avg": m, "exp_avg_sq": v}
        if self.amsgrad:
            v = new["max_exp_avg_sq"] = np.maximum(slots["max_exp_avg_sq"], v)
        np.sqrt(v, out=scratch)  # m / (sqrt(v) + e_t)
        scratch += k["eps_hat"]
        np.divide(m, scratch, out=scratch)
        if not (self.weight_decay and self.decoupled):
            return _descend(p, scratch, k["minus_step"], owned=True), new
        scratch *= k["minus_step"]  # theta (1 - gamma lambda) - s_t m / (sqrt(v) + e_t)
        scratch += np.multiply(p, k["kept"])
        return scratch, new


@dataclass(frozen=True)
class AdamW(Adam):
    r"""AdamW: Adam with decoupled weight decay, default lambda = 1e-2 (torch.optim.AdamW):

        theta'_{t-1} = theta_{t-1} (1 - gamma lambda)
        then Adam's step from theta'_{t-1}, with g_t unchanged (no lambda theta added)
    """

    weight_decay: float = 1e-2
    decoupled = True
