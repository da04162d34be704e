"""The update rules of GD, SGD, Adagrad, RMSprop, Adam and AdamW, as torch.optim defines them.

Notation of the docstrings (as in the PyTorch documentation): theta the parameters, g_t the
gradient at the 1-based step t, gamma the learning rate, lambda the weight decay. Every
operation is elementwise, so every quantity has the shape of its parameter array.

``step`` is pure yet light on memory: each rule computes into the arrays it is given in ``new``
(``fit`` gives arrays it reuses; ``step`` gives None, so the first ufunc writing each one
allocates it) with in-place ufuncs, and allocates nothing else on its common paths. The
scalars of a step are computed once in Python floats, then handed to NumPy as 0-d arrays of
the parameters' dtype, so a float32 model computes, and stores its state, in float32.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validate import check_in_range, check_positive
from .base import Stepper, check_lr, descend, plus_decay
from .schedules import Schedule, _set


@dataclass(frozen=True)
class GD(Stepper):
    """Plain gradient descent ``theta_t = theta_{t-1} - gamma g_t``. State: step and lr only."""

    lr: float | Schedule

    def __post_init__(self) -> None:
        _set(self, lr=check_lr(self.lr))

    def _update(self, p, g, slots, k, new):
        new["param"] = descend(p, g, k["minus_lr"], out=new["param"])


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
            lr=check_lr(self.lr),
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

    def _update(self, p, g, slots, k, new):
        if self.weight_decay:
            g_t = np.multiply(p, k["weight_decay"])  # lambda theta + g   (- g when maximizing)
            g_t = np.subtract(g_t, g, out=g_t) if self.maximize else np.add(g_t, g, out=g_t)
        else:
            g_t = np.negative(g) if self.maximize else g
        if not self.momentum:
            new["param"] = descend(p, g_t, k["minus_lr"], out=new["param"])
            return
        name = "momentum_buffer"
        if k["first_step"]:  # b_1 = g_1
            buffer = new[name] = np.positive(g_t, out=new[name])
        else:  # b = mu b + (1 - tau) g
            buffer = np.multiply(slots[name], k["momentum"], out=new[name])
            buffer += g_t if self.dampening == 0 else g_t * k["undamped"]
            new[name] = buffer
        if not self.nesterov:
            new["param"] = descend(p, buffer, k["minus_lr"], out=new["param"])
            return
        direction = np.multiply(buffer, k["momentum"], out=new["param"])  # g + mu b
        direction += g_t
        new["param"] = descend(p, direction, k["minus_lr"], out=direction)


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
            lr=check_lr(self.lr),
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

    def _update(self, p, g, slots, k, new):
        g_t = plus_decay(g, p, k["decay"]) if self.weight_decay else g
        total = np.multiply(g_t, g_t, out=new["sum"])  # s + g^2
        total += slots["sum"]
        new["sum"] = total
        scaled = np.sqrt(total, out=new["param"])  # g / (sqrt(s) + eps)
        scaled += k["eps"]
        np.divide(g_t, scaled, out=scaled)
        new["param"] = descend(p, scaled, k["minus_clr"], out=scaled)


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
            lr=check_lr(self.lr),
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

    def _update(self, p, g, slots, k, new):
        g_t = plus_decay(g, p, k["decay"]) if self.weight_decay else g
        scratch = np.multiply(g_t, g_t, out=new["param"])  # v = alpha v + (1 - alpha) g^2
        scratch *= k["one_minus_alpha"]
        square_avg = np.multiply(slots["square_avg"], k["alpha"], out=new["square_avg"])
        square_avg += scratch
        new["square_avg"] = square_avg
        if self.centered:
            np.multiply(g_t, k["one_minus_alpha"], out=scratch)  # a = alpha a + (1 - alpha) g
            average = np.multiply(slots["grad_avg"], k["alpha"], out=new["grad_avg"])
            average += scratch
            new["grad_avg"] = average
            np.multiply(average, average, out=scratch)  # w = v - a^2
            np.subtract(square_avg, scratch, out=scratch)
            np.sqrt(scratch, out=scratch)
        else:
            np.sqrt(square_avg, out=scratch)
        scratch += k["eps"]  # u = g / (sqrt(w) + eps)
        np.divide(g_t, scratch, out=scratch)
        if not self.momentum:
            new["param"] = descend(p, scratch, k["minus_lr"], out=scratch)
            return
        buffer = np.multiply(slots["momentum_buffer"], k["momentum"], out=new["momentum_buffer"])
        buffer += scratch  # b = mu b + u
        new["momentum_buffer"] = buffer
        new["param"] = descend(p, buffer, k["minus_lr"], out=scratch)


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
            lr=check_lr(self.lr),
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

    def _update(self, p, g, slots, k, new):
        coupled_decay = self.weight_decay and not self.decoupled
        g_t = plus_decay(g, p, k["decay"]) if coupled_decay else g
        scratch = np.multiply(g_t, k["one_minus_beta1"], out=new["param"])
        m = np.multiply(slots["exp_avg"], k["beta1"], out=new["exp_avg"])
        m += scratch  # m = beta1 m + (1 - beta1) g
        new["exp_avg"] = m
        np.multiply(g_t, g_t, out=scratch)
        scratch *= k["one_minus_beta2"]
        v = np.multiply(slots["exp_avg_sq"], k["beta2"], out=new["exp_avg_sq"])
        v += scratch  # v = beta2 v + (1 - beta2) g^2
        new["exp_avg_sq"] = v
        if self.amsgrad:
            v = np.maximum(slots["max_exp_avg_sq"], v, out=new["max_exp_avg_sq"])
            new["max_exp_avg_sq"] = v
        np.sqrt(v, out=scratch)  # m / (sqrt(v) + e_t)
        scratch += k["eps_hat"]
        np.divide(m, scratch, out=scratch)
        if not (self.weight_decay and self.decoupled):
            new["param"] = descend(p, scratch, k["minus_step"], out=scratch)
            return
        scratch *= k["minus_step"]  # theta (1 - gamma lambda) - s_t m / (sqrt(v) + e_t)
        scratch += np.multiply(p, k["kept"])
        new["param"] = scratch


@dataclass(frozen=True)
class AdamW(Adam):
    r"""AdamW: Adam with decoupled weight decay, default lambda = 1e-2 (torch.optim.AdamW):

        theta'_{t-1} = theta_{t-1} (1 - gamma lambda)
        then Adam's step from theta'_{t-1}, with g_t unchanged (no lambda theta added)
    """

    weight_decay: float = 1e-2
    decoupled = True
