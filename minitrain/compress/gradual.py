"""Pruning during and around training: the gradual schedule of Zhu & Gupta (2017), one-shot
prune-then-fine-tune, and iterative magnitude pruning with rewinding (Frankle & Carbin 2019).

    history = mt.fit(model, loss, opt, X, y, epochs=30, batch_size=64,
                     callbacks=[GradualPruning(0.9, begin_step=100, n_events=20, every=50)])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._types import Params
from .._validate import check_choice, check_flag, check_in_range, check_int
from ..layers import Sequential
from ..losses import Loss
from ..train import Callback, History, TrainingRun, fit
from .prune import (
    SCOPES,
    apply_masks,
    check_key_list,
    magnitude_masks,
    mask_state,
    masked,
    select_keys,
    zero_fraction,
)

__all__ = [
    "GradualPruning",
    "PruningResult",
    "iterative_pruning",
    "polynomial_sparsity",
    "prune_then_finetune",
    "round_sparsity",
]


def _check_schedule(
    final_sparsity: float, initial_sparsity: float, begin_step: int, n_events: int, every: int
) -> tuple[float, float, int, int, int]:
    s_f = check_in_range("final_sparsity", final_sparsity, 0.0, 1.0)
    s_i = check_in_range("initial_sparsity", initial_sparsity, 0.0, 1.0)
    if s_i > s_f:
        raise ValueError(
            f"initial_sparsity ({s_i}) must be <= final_sparsity ({s_f}); the schedule only "
            "prunes more over time."
        )
    return (
        s_f,
        s_i,
        check_int("begin_step", begin_step, minimum=0),
        check_int("n_events", n_events, minimum=1),
        check_int("every", every, minimum=1),
    )


def polynomial_sparsity(
    step: int,
    final_sparsity: float,
    *,
    initial_sparsity: float = 0.0,
    begin_step: int = 0,
    n_events: int = 10,
    every: int = 100,
) -> float:
    """The sparsity target at optimizer step t of the cubic schedule of Zhu & Gupta (2017):

        s_t = s_f + (s_i - s_f) (1 - (t - t0) / (n dt))^3      for t0 <= t <= t0 + n dt
        s_t = s_i before t0,    s_t = s_f after t0 + n dt

    with s_i = initial_sparsity, s_f = final_sparsity, t0 = begin_step, n = n_events and
    dt = every. Pruning happens at t = t0, t0 + dt, ..., t0 + n dt (``GradualPruning``); the
    schedule prunes fast at first, while many redundant weights remain, then slowly.
    """
    t = check_int("step", step, minimum=0)
    s_f, s_i, t0, n, dt = _check_schedule(
        final_sparsity, initial_sparsity, begin_step, n_events, every
    )
    if t <= t0:
        return s_i
    if t >= t0 + n * dt:
        return s_f
    return s_f + (s_i - s_f) * (1.0 - (t - t0) / (n * dt)) ** 3


class GradualPruning(Callback):
    """A ``fit`` callback that prunes on the schedule of ``polynomial_sparsity``.

    At every pruning step t in {t0, t0 + dt, ..., t0 + n dt} (t counts optimizer steps; t0 = 0
    prunes before the first step) the masks become ``magnitude_masks(params, s_t, scope,
    masks=previous)`` — nested, so a pruned weight never returns. After every step the masks
    are re-applied to ``run.params`` and the optimizer slots of pruned weights are zeroed
    (``mask_state``), so pruned weights are exactly 0 between pruning events too.

    Attributes after training: ``masks_`` (the current masks), ``events_`` (a list of
    (step, target sparsity) pairs).
    """

    def __init__(
        self,
        final_sparsity: float,
        *,
        initial_sparsity: float = 0.0,
        begin_step: int = 0,
        n_events: int = 10,
        every: int = 100,
        scope: str = "global",
        keys: Iterable[str] | None = None,
    ) -> None:
        (
            self.final_sparsity,
            self.initial_sparsity,
            self.begin_step,
            self.n_events,
            self.every,
        ) = _check_schedule(final_sparsity, initial_sparsity, begin_step, n_events, every)
        self.scope = check_choice("scope", scope, SCOPES)
        self.keys = None if keys is None else check_key_list(keys)
        self.masks_: Params | None = None
        self.events_: list[tuple[int, float]] = []

    def sparsity_at(self, step: int) -> float:
        """s_t of this schedule (see ``polynomial_sparsity``)."""
        return polynomial_sparsity(
            step,
            self.final_sparsity,
            initial_sparsity=self.initial_sparsity,
            begin_step=self.begin_step,
            n_events=self.n_events,
            every=self.every,
        )

    def is_pruning_step(self, step: int) -> bool:
        offset = step - self.begin_step
        return 0 <= offset <= self.n_events * self.every and offset % self.every == 0

    def _update(self, run: TrainingRun) -> None:
        if self.is_pruning_step(run.step):
            target = self.sparsity_at(run.step)
            self.masks_ = magnitude_masks(
                run.params, target, self.scope, self.keys, masks=self.masks_
            )
            self.events_.append((run.step, target))
        if self.masks_ is not None:
            run.params = apply_masks(run.params, self.masks_)
            run.opt_state = mask_state(run.opt_state, self.masks_)

    def on_train_begin(self, run: TrainingRun) -> None:
        select_keys(run.params, self.keys)  # fail before training if keys are wrong
        self._update(run)

    def on_step_end(self, run: TrainingRun) -> None:
        self._update(run)


@dataclass
class PruningResult:
    """Pruned and fine-tuned ``params``, their ``masks``, the measured ``sparsity`` (fraction
    of zeros over the pruned keys) and the ``histories`` of each training run, last one last."""

    params: Params
    masks: Params
    sparsity: float
    histories: list[History] = field(default_factory=list)


def round_sparsity(r: int, rounds: int, final_sparsity: float) -> float:
    """Sparsity after round r of R of iterative pruning that keeps the same fraction of the
    survivors each round: s_r = 1 - (1 - s_f)^(r / R); s_0 = 0 and s_R = s_f exactly."""
    rounds = check_int("rounds", rounds, minimum=1)
    r = check_int("r", r, minimum=0, maximum=rounds)
    s_f = check_in_range("final_sparsity", final_sparsity, 0.0, 1.0)
    return s_f if r == rounds else 1.0 - (1.0 - s_f) ** (r / rounds)


def prune_then_finetune(
    model: Sequential,
    loss: Loss,
    opt: Any,
    X: Any,
    y: Any,
    params: Mapping[str, np.ndarray],
    sparsity: float,
    *,
    scope: str = "global",
    keys: Iterable[str] | None = None,
    **fit_kwargs: Any,
) -> PruningResult:
    """One-shot pruning: prune trained ``params`` to ``sparsity`` at once, then fine-tune.

        m = magnitude_masks(params, sparsity, scope);   fit(masked(opt, m), params * m)

    ``fit_kwargs`` go to ``mt.fit`` (epochs, batch_size, seed, validation, progress, ...).
    """
    masks = magnitude_masks(params, sparsity, scope, keys)
    history = fit(
        model, loss, masked(opt, masks), X, y, params=apply_masks(params, masks), **fit_kwargs
    )
    measured = zero_fraction(history.params, list(masks))
    return PruningResult(history.params, masks, measured, [history])


def iterative_pruning(
    model: Sequential,
    loss: Loss,
    opt: Any,
    X: Any,
    y: Any,
    params: Mapping[str, np.ndarray],
    final_sparsity: float,
    *,
    rounds: int = 3,
    rewind: bool = True,
    scope: str = "global",
    keys: Iterable[str] | None = None,
    **fit_kwargs: Any,
) -> PruningResult:
    """Iterative magnitude pruning: train, prune, restart; ``rounds`` times.

    ``params`` are the initial weights theta_0. Round r = 1..R prunes the trained weights to

        s_r = 1 - (1 - s_f)^(r / R)       (``round_sparsity``: the same fraction of the
                                           survivors is pruned each round)

    with nested masks m_r, then trains again from theta_0 * m_r (``rewind=True``: the
    lottery-ticket procedure of Frankle & Carbin 2019) or from the trained weights * m_r
    (``rewind=False``: iterative prune-and-fine-tune). Training runs under ``masked(opt)``.
    ``fit_kwargs`` go to ``mt.fit``; the result holds one history per training run.
    """
    s_f = check_in_range("final_sparsity", final_sparsity, 0.0, 1.0)
    rounds = check_int("rounds", rounds, minimum=1)
    rewind = check_flag("rewind", rewind)
    magnitude_masks(params, 0.0, scope, keys)  # fail before training: params, keys, scope
    initial = dict(params)
    history = fit(model, loss, opt, X, y, params=initial, **fit_kwargs)
    histories = [history]
    masks: Params = {}
    for r in range(1, rounds + 1):
        s_r = round_sparsity(r, rounds, s_f)
        masks = magnitude_masks(history.params, s_r, scope, keys, masks=masks or None)
        start = apply_masks(initial if rewind else history.params, masks)
        history = fit(model, loss, masked(opt, masks), X, y, params=start, **fit_kwargs)
        histories.append(history)
    measured = zero_fraction(history.params, list(masks))
    return PruningResult(history.params, masks, measured, histories)
