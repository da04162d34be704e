"""Learning-rate schedules: functions of the 1-based step t returning the rate for step t.

Each is a small frozen dataclass with ``__call__``, so it can be printed, compared and pickled
(distributed workers receive their stepper pickled). Any stepper accepts one as ``lr``::

    Adam(lr=linear_warmup(cosine(1e-3, total_steps=900), warmup_steps=100))

The classes are spelled in lower case, as the functions of the step they stand for; their
``repr`` is the call that builds them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from .._validate import check_in_range, check_int, check_positive, refuse_class, store_checked

Schedule = Callable[[int], float]


def check_step(t: object) -> int:
    """The 1-based step a schedule is called with: an int >= 1 (checked cheaply when it is)."""
    if type(t) is not int or t < 1:
        return check_int("t", t, minimum=1)
    return t


def power(base: float, exponent: int) -> float:
    """``base ** exponent``, or inf where that overflows a float (a rate that grows without
    bound, which the steppers then refuse with the step it happened at)."""
    try:
        return base**exponent
    except OverflowError:
        return math.inf


@dataclass(frozen=True)
class constant:
    """``lr_t = lr``."""

    lr: float

    def __post_init__(self) -> None:
        store_checked(self, lr=check_positive("lr", self.lr))

    def __call__(self, t: int) -> float:
        check_step(t)
        return self.lr


@dataclass(frozen=True)
class step_decay:
    """``lr_t = lr * gamma ** floor((t - 1) / step_size)``: torch's StepLR, counted in steps."""

    lr: float
    step_size: int
    gamma: float = 0.1

    def __post_init__(self) -> None:
        lr, gamma = check_positive("lr", self.lr), check_positive("gamma", self.gamma)
        store_checked(self, lr=lr, gamma=gamma)
        check_int("step_size", self.step_size, minimum=1)

    def __call__(self, t: int) -> float:
        return self.lr * power(self.gamma, (check_step(t) - 1) // self.step_size)


@dataclass(frozen=True)
class exponential:
    """``lr_t = lr * gamma ** (t - 1)``: torch's ExponentialLR, counted in steps."""

    lr: float
    gamma: float

    def __post_init__(self) -> None:
        lr, gamma = check_positive("lr", self.lr), check_positive("gamma", self.gamma)
        store_checked(self, lr=lr, gamma=gamma)

    def __call__(self, t: int) -> float:
        return self.lr * power(self.gamma, check_step(t) - 1)


@dataclass(frozen=True)
class cosine:
    """Cosine annealing from ``lr`` at t = 1 down to ``min_lr`` at t = T = total_steps:

        lr_t = min_lr + (lr - min_lr) (1 + cos(pi s_t)) / 2,    s_t = min(t - 1, T - 1) / (T - 1)

    and ``min_lr`` from T on (s_t = 1 when T = 1). Monotone non-increasing in t.
    """

    lr: float
    total_steps: int
    min_lr: float = 0.0

    def __post_init__(self) -> None:
        store_checked(self, lr=check_positive("lr", self.lr))
        check_int("total_steps", self.total_steps, minimum=1)
        min_lr = check_in_range("min_lr", self.min_lr, 0, self.lr, high_inclusive=True)
        store_checked(self, min_lr=min_lr)

    def __call__(self, t: int) -> float:
        span = self.total_steps - 1
        progress = min(check_step(t) - 1, span) / span if span else 1.0
        return self.min_lr + (self.lr - self.min_lr) * 0.5 * (1.0 + math.cos(math.pi * progress))


@dataclass(frozen=True)
class linear_warmup:
    """Linear warm-up over W = ``warmup_steps`` steps, then ``schedule`` from its start:

        lr_t = schedule(1) * t / W    for t <= W,        lr_t = schedule(t - W)    for t > W

    ``schedule`` may be a number (warm up to that constant rate).
    """

    schedule: Schedule | float
    warmup_steps: int

    def __post_init__(self) -> None:
        expected = "a number or a schedule such as cosine(1e-3, total_steps=100)"
        refuse_class("schedule", self.schedule, expected)
        if not callable(self.schedule):
            store_checked(self, schedule=constant(check_positive("schedule", self.schedule)))
        check_int("warmup_steps", self.warmup_steps, minimum=1)

    def __call__(self, t: int) -> float:
        if check_step(t) <= self.warmup_steps:
            return self.schedule(1) * t / self.warmup_steps
        return self.schedule(t - self.warmup_steps)

