r"""A deployed model that keeps learning from the stream it sees, within a memory budget.

One ``learn_many(X, y)`` on a batch of B new rows:

1. **test**: the current model's errors on the new rows feed the ``detector`` (0/1
   misclassifications for a classification loss, squared errors otherwise);
2. **react**: on an alarm, the ``on_drift`` action runs (``ResetOptimizer``, ``Retrain``);
3. **learn** (unless ``online=False``, where only ``on_drift`` trains): one step of the
   stepper on the mean loss over the new rows and ``replay_size`` rows drawn from the
   ``buffer`` (rehearsal), plus the ``penalty`` (EWC):

       theta_T <- step(theta_T, dL/dtheta_T + dP/dtheta_T)    for the trainable keys T only,

   every other key is passed through untouched (bit for bit) and gets no gradient array;
4. the new rows are offered to the buffer and to the recent window (for ``Retrain``).

The learner measures the arrays it holds during the step (``measured_bytes_``: parameters,
gradients, optimizer slots, kept activations, buffers, penalty; shared arrays counted once)
and accumulates the multiply-adds of its training (``macs_``), both to compare with
``compress.training_memory``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._types import Params
from .._validate import check_int, check_params, describe
from ..compress.training_memory import (
    TrainingMemory,
    backward_plan,
    state_nbytes,
    training_memory,
)
from ..layers import Dense
from ._core import check_input
from .backprop import backward_trainable, forward_kept, forward_output
from .detectors import DriftDetector
from .ewc import EWC, check_penalty
from .replay import Reservoir

__all__ = ["OnlineLearner", "ResetOptimizer", "Retrain", "biases", "last_layer",
           "sample_errors"]


def last_layer(model: Any) -> tuple[str, ...]:
    """The keys of the model's last Dense layer (``("<i>.W", "<i>.b")``)."""
    i = max(i for i, layer in enumerate(model.layers) if isinstance(layer, Dense))
    return (f"{i}.W", f"{i}.b")


def biases(model: Any) -> tuple[str, ...]:
    """The bias keys of every Dense layer (bias-only updates, as in TinyTL)."""
    return tuple(f"{i}.b" for i, layer in enumerate(model.layers) if isinstance(layer, Dense))


def sample_errors(loss: Any, pred: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-row error (B,): 1.0/0.0 misclassification for a loss whose metric is accuracy
    (largest logit, or logit > 0 for one output), else the row's mean squared error."""
    if getattr(loss, "metric", None) == "accuracy":
        guess = pred.argmax(axis=1) if pred.shape[1] > 1 else (pred[:, 0] > 0).astype(np.int64)
        truth = y if y.ndim == 1 else (y.argmax(axis=1) if y.shape[1] > 1 else y[:, 0])
        return (guess != truth).astype(np.float64)
    return np.mean((pred - y) ** 2, axis=1).astype(np.float64)


@dataclass(frozen=True)
class ResetOptimizer:
    """On drift: a fresh stepper state (step counter 0, so a learning-rate schedule restarts
    from its first, largest rate; momentum and Adam moments forgotten)."""

    window: int = 0

    def __call__(self, learner: OnlineLearner) -> None:
        learner.opt_state = learner.opt.init(learner.trainable_params())


@dataclass(frozen=True)
class Retrain:
    """On drift: ``epochs`` passes of minibatch steps (``batch_size``) over the last ``window``
    samples, from a fresh stepper state; the window is kept in memory all along."""

    window: int = 200
    epochs: int = 3
    batch_size: int = 16

    def __post_init__(self) -> None:
        check_int("window", self.window, minimum=1)
        check_int("epochs", self.epochs, minimum=1)
        check_int("batch_size", self.batch_size, minimum=1)

    def __call__(self, learner: OnlineLearner) -> None:
        X, y = learner.recent()
        learner.opt_state = learner.opt.init(learner.trainable_params())
        for _ in range(self.epochs):
            order = learner.rng.permutation(X.shape[0])
            for start in range(0, order.size, self.batch_size):
                rows = order[start:start + self.batch_size]
                learner.step(X[rows], y[rows])


class OnlineLearner:
    """A model that learns after deployment (module docstring).

    Args:
        model, loss, opt: a ``Sequential``, a loss and a stepper (``init``/``step``).
        params: the deployed parameters (not modified; the learner's are ``params``).
        trainable: keys that learn (None: all; ``()``: none, a frozen model);
            ``last_layer(model)`` and ``biases(model)`` give the usual sparse choices.
        buffer: a ``Reservoir`` for rehearsal; ``replay_size`` rows of it join each step.
        penalty: an ``EWC`` whose anchor has the keys and shapes of ``params``.
        detector: a drift detector fed the errors of each new row before learning it.
        on_drift: None (do nothing), ``ResetOptimizer()`` or ``Retrain(window, epochs)``.
        online: learn every batch (True) or only when ``on_drift`` acts (False: a deployed
            model that stays fixed between alarms, "detect and retrain").
        seed: randomness of ``Retrain``'s shuffles.
    """

    def __init__(
        self,
        model: Any,
        loss: Any,
        opt: Any,
        params: Params,
        *,
        trainable: Iterable[str] | None = None,
        buffer: Reservoir | None = None,
        replay_size: int = 8,
        penalty: EWC | None = None,
        detector: DriftDetector | None = None,
        on_drift: ResetOptimizer | Retrain | None = None,
        online: bool = True,
        seed: int = 0,
    ) -> None:
        check_params("params", params)
        if not all(callable(getattr(opt, m, None)) for m in ("init", "step")):
            raise TypeError(f"opt must be a stepper such as mt.optim.SGD(); got {describe(opt)}.")
        if buffer is not None and not isinstance(buffer, Reservoir):
            raise TypeError(f"buffer must be an adapt.Reservoir; got {describe(buffer)}.")
        if detector is not None and not isinstance(detector, DriftDetector):
            raise TypeError(f"detector must be an adapt detector; got {describe(detector)}.")
        if on_drift is not None and not isinstance(on_drift, (ResetOptimizer, Retrain)):
            raise TypeError(
                f"on_drift must be None, adapt.ResetOptimizer() or adapt.Retrain(...); got "
                f"{describe(on_drift)}."
            )
        self.model, self.loss, self.opt = model, loss, opt
        self.plan = backward_plan(model, params, trainable)
        self.params = dict(params)
        self.penalty = check_penalty(penalty)
        if self.penalty is not None:
            self.penalty.check_params(params)
            self.penalty = self.penalty.restricted(self.plan.trainable)
        self.buffer, self.detector, self.on_drift = buffer, detector, on_drift
        self.replay_size = check_int("replay_size", replay_size, minimum=0)
        if not isinstance(online, bool):
            raise TypeError(f"online must be True or False; got {describe(online)}.")
        self.online = online
        self.rng = np.random.default_rng(check_int("seed", seed))
        self.opt_state = opt.init(self.trainable_params())
        window = 0 if on_drift is None else on_drift.window
        self._recent: deque[tuple[np.ndarray, Any]] = deque(maxlen=max(window, 1))
        self._keep_recent = window > 0
        self.n_seen_ = 0
        self.macs_ = 0
        self.detections_: list[int] = []
        self.adaptations_: list[int] = []
        self.measured_bytes_: dict[str, int] = {}
        self.peak_bytes_ = 0
        self.last_errors_ = np.zeros(0)
        self._macs_per_row: int | None = None

    # ----- what the learner holds ---------------------------------------------------------
    def trainable_params(self) -> Params:
        return {k: self.params[k] for k in self.plan.trainable}

    def recent(self) -> tuple[np.ndarray, np.ndarray]:
        """The last ``on_drift.window`` samples (X, y)."""
        X = np.stack([x for x, _ in self._recent])
        return X, np.stack([y for _, y in self._recent])

    def memory(self, batch_size: int) -> TrainingMemory:
        """``compress.training_memory`` of a step on ``batch_size`` new rows (+ replay rows),
        with the buffers as full as they are now."""
        rows = batch_size + (self.replay_size if self.buffer is not None else 0)
        recent = sum(int(x.nbytes + np.asarray(y).nbytes) for x, y in self._recent)
        buffer = (self.buffer.nbytes if self.buffer is not None else 0) + recent
        return training_memory(self.model, self.params, self.opt, rows,
                               trainable=self.plan.trainable, buffer_bytes=buffer,
                               penalty=self.penalty is not None)

    # ----- predicting and learning ---------------------------------------------------------
    def predict(self, X: Any) -> np.ndarray:
        """Model output for X (N, n_in) with the current parameters."""
        X = check_input(self.model, self.params, X)
        return forward_output(self.model, self.params, X)

    def learn_one(self, x: Any, y: Any) -> OnlineLearner:
        """``learn_many`` on one row: x (n_in,), y a label or a target row."""
        return self.learn_many(np.asarray(x)[None], np.asarray(y)[None])

    def learn_many(self, X: Any, y: Any) -> OnlineLearner:
        """Test on, react to, then learn the rows of X (B, n_in) and y (B, ...)."""
        X = check_input(self.model, self.params, X)
        y = np.asarray(y)
        if y.shape[:1] != X.shape[:1]:
            raise ValueError(f"y must have {X.shape[0]} rows like X; got shape {y.shape}.")
        if self.detector is not None:
            out = forward_output(self.model, self.params, X)
            self.last_errors_ = sample_errors(self.loss, out, y)
            alarm = False
            for j, e in enumerate(self.last_errors_.tolist()):
                self.detector._update(e)
                if self.detector.drift_detected:
                    self.detections_.append(self.n_seen_ + j)
                    alarm = True
            if alarm and self.on_drift is not None and (self.on_drift.window == 0
                                                        or self._recent):
                self.on_drift(self)
                self.adaptations_.append(self.n_seen_ + X.shape[0] - 1)
        if not self.online:
            pass
        elif self.buffer is not None and self.buffer.size and self.replay_size:
            X_old, y_old = self.buffer.sample(self.replay_size)
            self.step(np.concatenate([X, X_old]), np.concatenate([y, y_old]))
        else:
            self.step(X, y)
        if self.buffer is not None:
            self.buffer.add(X, y)
        if self._keep_recent:
            self._recent.extend((x.copy(), np.array(t)) for x, t in zip(X, y))
        self.n_seen_ += X.shape[0]
        return self

    def step(self, X: np.ndarray, y: np.ndarray) -> None:
        """One stepper update of the trainable keys on (X, y) (unvalidated), measured."""
        if self.plan.first is None:
            return
        out, caches = forward_kept(self.model, self.params, X, self.plan)
        _, dout = self.loss.value_and_grad(out, y)
        grads = backward_trainable(self.model, self.params, caches, dout, self.plan)
        if self.penalty is not None:
            extra = self.penalty.grad(self.params)
            grads = {k: g + extra[k] for k, g in grads.items()}
        new, self.opt_state = self.opt.step(self.trainable_params(), grads, self.opt_state)
        self.params = {k: new.get(k, v) for k, v in self.params.items()}
        self._measure(caches, grads)
        self.macs_ += X.shape[0] * self.macs_per_row

    @property
    def macs_per_row(self) -> int:
        """Training multiply-adds per row of a step (forward + backward)."""
        if self._macs_per_row is None:
            self._macs_per_row = self.memory(1).macs_per_sample
        return self._macs_per_row

    def _measure(self, caches: list[Any], grads: Params) -> None:
        """Bytes of the distinct arrays held at the end of a step."""
        seen: set[int] = set()

        def nbytes(arrays: Iterable[Any]) -> int:
            total = 0
            for a in arrays:
                if isinstance(a, np.ndarray) and id(a) not in seen:
                    seen.add(id(a))
                    total += int(a.nbytes)
            return total

        recent = [a for pair in self._recent for a in pair]
        buffer = [] if self.buffer is None else [self.buffer.X_, self.buffer.y_]
        penalty = [] if self.penalty is None else [*self.penalty.anchor.values(),
                                                   *self.penalty.fisher.values()]
        self.measured_bytes_ = {
            "params": nbytes(self.params.values()),
            "grads": nbytes(grads.values()),
            "slots": state_nbytes(self.opt_state),
            "activations": nbytes(caches),
            "buffer": nbytes(buffer) + nbytes(recent),
            "penalty": nbytes(penalty),
        }
        self.peak_bytes_ = max(self.peak_bytes_, sum(self.measured_bytes_.values()))
