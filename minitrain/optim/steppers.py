"""The update rules of GD, SGD, Adagrad, RMSprop, Adam and AdamW, as torch.optim defines them.

Notation of the docstrings (as in the PyTorch documentation): theta the parameters, g_t the
gradient at the 1-based step t, gamma the learning rate, lambda the weight decay. Every
operation is elementwise, so every quantity has the shape of its parameter array.

Each ``update`` is the pseudocode of its docstring in plain NumPy expressions on one parameter
array, its gradient and its slots; each expression makes new arrays, so the inputs are never
written to. Scalars stay Python floats, which NumPy applies in the arrays' dtype: a float32
model computes, and stores its state, in float32.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._types import Params
from .._validate import check_flag, check_in_range, check_positive, store_checked
from .base import Stepper, check_lr
from .schedules import Schedule

Array = np.ndarray


@dataclass(frozen=True)
class GD(Stepper):
    """Plain gradient descent ``theta_t = theta_{t-1} - gamma g_t``. State: step and lr only."""

    lr: float | Schedule

    def __post_init__(self) -> None:
        store_checked(self, lr=check_lr(self.lr))

    def update(self, param: Array, grad: Array, slots: Params, t: int, lr: float):
        return param - lr * grad, {}


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
        store_checked(
            self,
            lr=check_lr(self.lr),
            momentum=check_positive("momentum", self.momentum, allow_zero=True),
            dampening=check_in_range("dampening", self.dampening, 0, 1, high_inclusive=True),
            weight_decay=check_positive("weight_decay", self.weight_decay, allow_zero=True),
            nesterov=check_flag("nesterov", self.nesterov),
            maximize=check_flag("maximize", self.maximize),
        )
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError(
                "nesterov=True needs momentum > 0 and dampening == 0; got "
                f"momentum={self.momentum}, dampening={self.dampening}."
            )

    def slots(self) -> dict[str, float]:
        return {"momentum_buffer": 0.0} if self.momentum else {}

    def update(self, param: Array, grad: Array, slots: Params, t: int, lr: float):
        if self.maximize:
            grad = -grad
        if self.weight_decay:
            grad = grad + self.weight_decay * param
        if not self.momentum:
            return param - lr * grad, {}
        if t == 1:
            buffer = np.copy(grad)
        else:
            buffer = self.momentum * slots["momentum_buffer"] + (1 - self.dampening) * grad
        direction = grad + self.momentum * buffer if self.nesterov else buffer
        return param - lr * direction, {"momentum_buffer": buffer}


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
        store_checked(
            self,
            lr=check_lr(self.lr),
            lr_decay=check_positive("lr_decay", self.lr_decay, allow_zero=True),
            weight_decay=check_positive("weight_decay", self.weight_decay, allow_zero=True),
            initial_accumulator_value=check_positive(
                "initial_accumulator_value", self.initial_accumulator_value, allow_zero=True
            ),
            eps=check_positive("eps", self.eps, allow_zero=True),
        )

    def slots(self) -> dict[str, float]:
        return {"sum": self.initial_accumulator_value}

    def rate(self, t: int) -> float:
        return super().rate(t) / (1 + (t - 1) * self.lr_decay)  # clr_t

    def update(self, param: Array, grad: Array, slots: Params, t: int, lr: float):
        if self.weight_decay:
            grad = grad + self.weight_decay * param
        total = slots["sum"] + grad * grad
        return param - lr * grad / (np.sqrt(total) + self.eps), {"sum": total}


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
        store_checked(
            self,
            lr=check_lr(self.lr),
            alpha=check_in_range("alpha", self.alpha, 0, 1),
            eps=check_positive("eps", self.eps, allow_zero=True),
            weight_decay=check_positive("weight_decay", self.weight_decay, allow_zero=True),
            momentum=check_positive("momentum", self.momentum, allow_zero=True),
            centered=check_flag("centered", self.centered),
        )

    def slots(self) -> dict[str, float]:
        names = ["square_avg", *["grad_avg"] * self.centered]
        return dict.fromkeys(names + ["momentum_buffer"] * (self.momentum > 0), 0.0)

    def update(self, param: Array, grad: Array, slots: Params, t: int, lr: float):
        alpha = self.alpha
        if self.weight_decay:
            grad = grad + self.weight_decay * param
        square_avg = alpha * slots["square_avg"] + (1 - alpha) * grad * grad
        new = {"square_avg": square_avg}
        if self.centered:
            grad_avg = new["grad_avg"] = alpha * slots["grad_avg"] + (1 - alpha) * grad
            denom = np.sqrt(square_avg - grad_avg * grad_avg) + self.eps
        else:
            denom = np.sqrt(square_avg) + self.eps
        if not self.momentum:
            return param - lr * grad / denom, new
        buffer = new["momentum_buffer"] = self.momentum * slots["momentum_buffer"] + grad / denom
        return param - lr * buffer, new


@dataclass(frozen=True)
class Adam(Stepper):
    r"""Adam, and AMSGrad with ``amsgrad=True`` (torch.optim.Adam):

        g_t <- g_t + lambda theta_{t-1}              if lambda != 0 (L2 penalty)
        m_t = beta1 m_{t-1} + (1 - beta1) g_t        first moment
        v_t = beta2 v_{t-1} + (1 - beta2) g_t^2      second moment
        vmax_t = max(vmax_{t-1}, v_t)                if amsgrad; it then replaces v_t below
        theta_t = theta_{t-1} - gamma mhat_t / (sqrt(vhat_t) + eps),   with the bias corrections
                  mhat_t = m_t / (1 - beta1^t),      vhat_t = v_t / (1 - beta2^t)

    computed as torch computes it: step_size = gamma / (1 - beta1^t) and
    denom = sqrt(v_t) / sqrt(1 - beta2^t) + eps, then theta_t = theta_{t-1} - step_size m_t / denom.
    At t = 1 the corrections cancel: theta_1 = theta_0 - gamma g_1 / (|g_1| + eps).
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
        store_checked(
            self,
            lr=check_lr(self.lr),
            betas=(beta1, beta2),
            eps=check_positive("eps", self.eps, allow_zero=True),
            weight_decay=check_positive("weight_decay", self.weight_decay, allow_zero=True),
            amsgrad=check_flag("amsgrad", self.amsgrad),
        )

    def slots(self) -> dict[str, float]:
        return dict.fromkeys(["exp_avg", "exp_avg_sq", *["max_exp_avg_sq"] * self.amsgrad], 0.0)

    def update(self, param: Array, grad: Array, slots: Params, t: int, lr: float):
        beta1, beta2 = self.betas
        if self.weight_decay and self.decoupled:  # AdamW: theta (1 - gamma lambda)
            param = param * (1 - lr * self.weight_decay)
        elif self.weight_decay:
            grad = grad + self.weight_decay * param
        exp_avg = beta1 * slots["exp_avg"] + (1 - beta1) * grad
        exp_avg_sq = beta2 * slots["exp_avg_sq"] + (1 - beta2) * grad * grad
        new = {"exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
        if self.amsgrad:
            exp_avg_sq = new["max_exp_avg_sq"] = np.maximum(slots["max_exp_avg_sq"], exp_avg_sq)
        bias_correction1 = 1 - beta1**t
        bias_correction2 = 1 - beta2**t
        step_size = lr / bias_correction1
        denom = np.sqrt(exp_avg_sq) / math.sqrt(bias_correction2) + self.eps
        return param - step_size * exp_avg / denom, new


@dataclass(frozen=True)
class AdamW(Adam):
    r"""AdamW: Adam with decoupled weight decay, default lambda = 1e-2 (torch.optim.AdamW):

        theta'_{t-1} = theta_{t-1} (1 - gamma lambda)
        then Adam's step from theta'_{t-1}, with g_t unchanged (no lambda theta added)
    """

    weight_decay: float = 1e-2
    decoupled = True
