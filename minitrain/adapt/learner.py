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

A step whose loss, gradients or updated parameters are not finite is not applied: it raises
FloatingPointError and the learner keeps the parameters and stepper state of its last finite
step (as ``mt.fit(..., on_divergence="raise")``), so a stream never trains a model to NaN.

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
from .._validate import (
    as_float_array,
    check_flag,
    check_instance,
    check_int,
    check_keys,
    check_seed,
    check_stepper,
    describe,
)
from ..compress.training_memory import (
    TrainingMemory,
    backward_plan,
    state_nbytes,
    training_memory,
)
from ..layers import Dense
from ..losses import BinaryCrossEntropy
from ._core import (
    check_batch,
    check_input,
    check_loss,
    check_model,
    check_model_params,
)
from .backprop import backward_trainable, forward_kept, forward_output
from .detectors import DriftDetector
from .ewc import EWC, check_penalty
from .replay import Reservoir

__all__ = ["OnlineLearner", "ResetOptimizer", "Retrain", "biases", "last_layer",
           "sample_errors"]


def _dense_layers(model: Any) -> list[int]:
    """Indices of the model's Dense layers; a model without any is refused."""
    dense = [i for i, layer in enumerate(check_model(model).layers) if isinstance(layer, Dense)]
    if not dense:
        raise ValueError(f"model has no Dense layer, so no trainable keys; got {model!r}.")
    return dense


def last_layer(model: Any) -> tuple[str, ...]:
    """The keys of the model's last Dense layer (``("<i>.W", "<i>.b")``)."""
    i = _dense_layers(model)[-1]
    return (f"{i}.W", f"{i}.b")


def biases(model: Any) -> tuple[str, ...]:
    """The bias keys of every Dense layer (bias-only updates, as in TinyTL)."""
    return tuple(f"{i}.b" for i in _dense_layers(model))


def sample_errors(loss: Any, pred: Any, y: Any) -> np.ndarray:
    """Per-row error (B,) in pred's dtype: 1/0 misclassification for a loss whose metric is
    accuracy (the largest logit against the label; for ``BinaryCrossEntropy``, a row is wrong
    when any output's logit > 0 disagrees with its target > 1/2, the rule of its accuracy, so
    soft targets count right), else the row's mean squared error.

    pred (B, n_out) float; y the target ``loss`` takes for it (B rows), checked by the loss
    (so a (B,) target against (B, 1) outputs is refused, not broadcast to (B, B))."""
    check_loss(loss)
    pred = as_float_array("pred", pred, ndim=2)
    if isinstance(y, tuple):
        raise TypeError("y must be one array of targets; got a tuple (Distillation's targets "
                        "are not supported).")  # fmt: skip
    y = loss.check_target(y if isinstance(y, np.ndarray) else np.asarray(y), pred.shape,
                          pred.dtype, name="y")  # fmt: skip
    return sample_errors_unchecked(loss, pred, y)


def sample_errors_unchecked(loss: Any, pred: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``sample_errors`` on arrays already checked (the learner's and ``prequential``'s own
    calls, every step)."""
    if isinstance(loss, BinaryCrossEntropy):  # its metric's rule: (z > 0) against (t > 1/2)
        return ((pred > 0) != (y > 0.5)).any(axis=1).astype(pred.dtype)
    if getattr(loss, "metric", None) == "accuracy":
        guess = pred.argmax(axis=1) if pred.shape[1] > 1 else (pred[:, 0] > 0).astype(np.int64)
        truth = y if y.ndim == 1 else (y.argmax(axis=1) if y.shape[1] > 1 else y[:, 0])
        return (guess != truth).astype(pred.dtype)
    return np.mean((pred - y) ** 2, axis=1)


@dataclass(frozen=True)
class ResetOptimizer:
    """On drift: a fresh stepper state (step counter 0, so a learning-rate schedule restarts
    from its first, largest rate; momentum and Adam moments forgotten)."""

    window: int = 0

    def __post_init__(self) -> None:
        check_int("window", self.window, minimum=0)

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
                learner._step(X[rows], y[rows])


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
        check_model_params(check_model(model), params)
        check_loss(loss)
        check_stepper("opt", opt)
        if trainable is not None:
            trainable = check_keys("trainable", trainable, params)
        if buffer is not None:
            check_instance("buffer", buffer, Reservoir, "adapt.Reservoir(200, seed=0)")
        if detector is not None:
            check_instance("detector", detector, DriftDetector, "adapt.DDM()")
        if on_drift is not None:
            check_instance("on_drift", on_drift, (ResetOptimizer, Retrain),
                           "adapt.ResetOptimizer() or adapt.Retrain(window=200)")  # fmt: skip
        if on_drift is not None and detector is None:
            raise ValueError(
                "on_drift acts on a detector's alarm, and detector is None: it would never run. "
                "Pass a detector too (detector=adapt.DDM(), adapt.ADWIN() or "
                "adapt.PageHinkley()), or drop on_drift."
            )
        penalty = check_penalty(penalty)
        replay_size = check_int("replay_size", replay_size, minimum=0)
        online = check_flag("online", online)
        seed = check_seed("seed", seed)
        plan = backward_plan(model, params, trainable)
        if penalty is not None:
            penalty.check_params(params)
            penalty = penalty.restricted(plan.trainable)
        self.model, self.loss, self.opt, self.plan = model, loss, opt, plan
        self.params = dict(params)
        self.penalty = penalty
        self.buffer, self.detector, self.on_drift = buffer, detector, on_drift
        self.replay_size = replay_size
        self.online = online
        self.rng = np.random.default_rng(seed)
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
        if not self._recent:
            raise ValueError(
                "the learner keeps no recent samples yet: they are kept once it has learned "
                "rows with on_drift=adapt.Retrain(window=...)."
            )
        X = np.stack([x for x, _ in self._recent])
        return X, np.stack([y for _, y in self._recent])

    def memory(self, batch_size: int) -> TrainingMemory:
        """``compress.training_memory`` of a step on ``batch_size`` new rows (+ replay rows),
        with the buffers as full as they are now."""
        batch_size = check_int("batch_size", batch_size, minimum=1)
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
        x = as_float_array("x", x, ndim=1)
        if isinstance(y, tuple):
            raise TypeError(f"y must be one label or one target row; got {describe(y)}.")
        return self._learn(*self.check_rows(x[None], np.asarray(y)[None], ("x", "y")))

    def learn_many(self, X: Any, y: Any) -> OnlineLearner:
        """Test on, react to, then learn the rows of X (B, n_in) and y (B, ...).

        Everything is checked before anything changes: a refused batch leaves the learner,
        its detector and its buffer as they were."""
        return self._learn(*self.check_rows(X, y, ("X", "y")))

    def check_rows(
        self, X: Any, y: Any, names: tuple[str, str] = ("X", "y")
    ) -> tuple[np.ndarray, np.ndarray]:
        """(X, y) checked as ``learn_many`` checks them (against the model, the loss and the
        replay buffer's stored rows), without learning; ``names`` name them in messages.
        ``prequential`` checks a whole stream with it before the first row is learned."""
        X, y = check_batch(self.model, self.loss, self.params, X, y, names)
        if self.buffer is not None:
            self.buffer.check_rows(X, y)
        return X, y

    def _learn(self, X: np.ndarray, y: np.ndarray) -> OnlineLearner:
        if self.detector is not None:
            with np.errstate(over="ignore", invalid="ignore"):  # reported below, by name
                pred = forward_output(self.model, self.params, X)
                errors = sample_errors_unchecked(self.loss, pred, y)
            if not np.isfinite(errors).all():
                raise FloatingPointError(
                    f"the errors on {int((~np.isfinite(errors)).sum())} of the {len(errors)} "
                    f"new rows are not finite (after {self.n_seen_} rows learned: the model's "
                    "output or its squared error overflows), so the detector cannot be fed; "
                    "nothing was learned from them. Check the rows' scale."
                )
            self.last_errors_ = errors
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
            self._step(np.concatenate([X, X_old]), np.concatenate([y, y_old]))
        else:
            self._step(X, y)
        if self.buffer is not None:
            self.buffer.add(X, y)
        if self._keep_recent:
            self._recent.extend((x.copy(), np.array(t)) for x, t in zip(X, y))
        self.n_seen_ += X.shape[0]
        return self

    def step(self, X: Any, y: Any) -> None:
        """One stepper update of the trainable keys on (X, y), measured (no test, no buffer)."""
        self._step(*check_batch(self.model, self.loss, self.params, X, y))

    def _step(self, X: np.ndarray, y: np.ndarray) -> None:
        """``step`` on checked arrays."""
        if self.plan.first is None:
            return
        # Overflow on the way to a non-finite step is reported below, by name, as in mt.fit.
        with np.errstate(over="ignore", invalid="ignore"):
            out, caches = forward_kept(self.model, self.params, X, self.plan)
            value, dout = self.loss.value_and_grad(out, y)
            grads = backward_trainable(self.model, self.params, caches, dout, self.plan)
            if self.penalty is not None:
                extra = self.penalty._gradient(self.params)
                grads = {k: g + extra[k] for k, g in grads.items()}
            new, state = self.opt.step(self.trainable_params(), grads, self.opt_state)
        finite = np.isfinite(value) and all(np.isfinite(a).all() for d in (grads, new)
                                            for a in d.values())  # fmt: skip
        if not finite:
            raise FloatingPointError(
                f"learning diverged after {self.n_seen_} rows: the loss, a gradient or an "
                f"updated parameter is not finite (loss {value:.4g}). The step was not applied: "
                "the parameters and stepper state of the last finite step are kept; try a "
                "smaller learning rate."
            )
        self.params = {k: new.get(k, v) for k, v in self.params.items()}
        self.opt_state = state
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
