"""Drift detectors on a stream of numbers: Page-Hinkley and DDM here, ADWIN in ``adwin.py``.

Every detector follows river's contract, names, defaults and decisions (river 0.26), so a
stream gives the same alarms in both:

    detector.update(x)              # one number of the stream
    detector.drift_detected         # True right after the update that raised the alarm
    detector.warning_detected       # DDM only: in the warning zone

After an alarm, the next ``update`` first resets the detector (it starts learning the new
concept from scratch), as river does. ``detect(detector, values)`` runs a fresh copy over an
array and returns the indices of the alarms.

Statistics are plain attributes ending in ``_`` (``mean_``, ``sum_increase_``, ``p_min_``...),
so a learner can print and plot what the detector is looking at.
"""

from __future__ import annotations

import copy
import math
from numbers import Real
from typing import Any

import numpy as np

from .._validate import (
    check_choice,
    check_float_dtype,
    check_in_range,
    check_instance,
    check_int,
    check_positive,
    describe,
)

__all__ = ["DDM", "DriftDetector", "PageHinkley", "detect"]


def check_value(name: str, x: Any) -> float:
    """One finite number of a stream, as a float; arrays, strings, complex numbers, float16
    (the package's low-precision policy) and NaN are refused."""
    if type(x) is float or type(x) is int:  # the common case, checked cheaply
        value = float(x)
    elif isinstance(x, (np.generic, np.ndarray)) and x.ndim == 0 and x.dtype.kind in "fiub":
        if x.dtype.kind == "f":
            check_float_dtype(name, x.dtype)
        value = float(x)
    elif isinstance(x, Real) and not isinstance(x, np.generic):
        value = float(x)
    elif isinstance(x, np.ndarray):
        raise ValueError(
            f"{name} must be one number; got {describe(x)}. A detector takes the stream one "
            "value at a time; use adapt.detect(detector, values) for a whole 1-D array."
        )
    else:
        raise TypeError(f"{name} must be a real number; got {describe(x)}.")
    if not math.isfinite(value):
        raise ValueError(
            f"{name} must be finite; got {x!r}. A NaN error value means the model's output "
            "was not finite: fix the model or skip that sample."
        )
    return value


class DriftDetector:
    """Base class: ``update`` validates and calls ``_update`` (the detector's rule on a float).

    Subclasses define ``reset`` (the state of a fresh detector) and ``_update``.
    """

    drift_detected: bool

    def reset(self) -> None:
        raise NotImplementedError

    def _update(self, x: float) -> None:
        raise NotImplementedError

    def update(self, x: float) -> DriftDetector:
        """Feed one value of the stream; ``drift_detected`` then says whether it raised an alarm."""
        self._update(check_value("x", x))
        return self

    def _check_stream(self, values: np.ndarray) -> None:
        """Hook for detectors that accept only some values (DDM: 0/1)."""


class PageHinkley(DriftDetector):
    r"""Page-Hinkley test: a cumulative sum of deviations from the running mean (river's rule).

    For the stream x_1, x_2, ... the running mean is updated incrementally,
    ``mean_t = mean_{t-1} + (1/t) (x_t - mean_{t-1})``, and two discounted cumulative sums
    follow the deviations from it, with allowed slack ``delta`` and forgetting ``alpha``:

        U_t = alpha U_{t-1} + (x_t - mean_t - delta)      (sum_increase_, U_0 = 0)
        L_t = alpha L_{t-1} + (x_t - mean_t + delta)      (sum_decrease_, L_0 = 0)

    so with ``alpha = 1``, ``U_t = sum_{i<=t} (x_i - mean_i - delta)``: it drifts down while
    the mean is stable (by delta per step) and climbs when the mean rises. The alarm compares
    each sum with its extreme so far, ``m_t = min(U_1..U_t)`` and ``M_t = max(-1, L_1..L_t)``
    (river starts M at -1):

        increase:  U_t - m_t > threshold           decrease:  M_t - L_t > threshold

    tested once ``t >= min_instances``; ``mode`` is "up", "down" or "both" (either);
    ``alpha`` in (0, 1] (1: no forgetting; above 1 the sums would grow without bound).
    A mean shift of size ``s`` makes ``U_t - m_t`` grow by about ``s - delta`` per reading, so
    the delay after a shift is about ``threshold / (s - delta)`` readings.

    Shapes: ``update`` takes one number. After an alarm, the next update starts afresh.
    """

    def __init__(
        self,
        min_instances: int = 30,
        delta: float = 0.005,
        threshold: float = 50.0,
        alpha: float = 1 - 0.0001,
        mode: str = "both",
    ) -> None:
        self.min_instances = check_int("min_instances", min_instances, minimum=1)
        self.delta = check_positive("delta", delta, allow_zero=True)
        self.threshold = check_positive("threshold", threshold)
        self.alpha = check_in_range("alpha", alpha, 0.0, 1.0, low_inclusive=False,
                                    high_inclusive=True)  # fmt: skip
        self.mode = check_choice("mode", mode, ("up", "down", "both"))
        self.reset()

    def reset(self) -> None:
        """Forget the stream: the state of a new detector."""
        self.drift_detected = False
        self.n_ = 0.0
        self.mean_ = 0.0
        self.sum_increase_ = 0.0
        self.sum_decrease_ = 0.0
        self.min_increase_ = math.inf
        self.max_decrease_ = -1.0

    def _update(self, x: float) -> None:
        if self.drift_detected:
            self.reset()
        self.n_ += 1.0
        self.mean_ += (1.0 / self.n_) * (x - self.mean_)
        deviation = x - self.mean_
        self.sum_increase_ = self.alpha * self.sum_increase_ + deviation - self.delta
        self.sum_decrease_ = self.alpha * self.sum_decrease_ + deviation + self.delta
        self.min_increase_ = min(self.min_increase_, self.sum_increase_)
        self.max_decrease_ = max(self.max_decrease_, self.sum_decrease_)
        if self.n_ >= self.min_instances:
            up = self.sum_increase_ - self.min_increase_ > self.threshold
            down = self.max_decrease_ - self.sum_decrease_ > self.threshold
            self.drift_detected = (
                up if self.mode == "up" else down if self.mode == "down" else up or down
            )

    def __repr__(self) -> str:
        return (
            f"PageHinkley(min_instances={self.min_instances}, delta={self.delta}, "
            f"threshold={self.threshold}, alpha={self.alpha}, mode={self.mode!r})"
        )


class DDM(DriftDetector):
    r"""Drift Detection Method (Gama et al. 2004) on a stream of 0/1 errors (river's rule).

    While a model's error rate is stable, the errors are Bernoulli(p). After t errors-or-not,
    the estimate and its standard deviation are

        p_t = mean of the first t values,      s_t = sqrt(p_t (1 - p_t) / t),

    and, once ``t > warm_start``, DDM remembers the best moment, the t where ``p_t + s_t`` was
    smallest (``p_min_``, ``s_min_``; ties move the minimum to the later t). A rising error rate
    pushes ``p_t + s_t`` above it:

        warning:  p_t + s_t > p_min + warning_threshold * s_min      (about 95%: 2 sigma)
        drift:    p_t + s_t > p_min + drift_threshold * s_min        (about 99%: 3 sigma)

    A drift clears the warning, so ``warning_threshold < drift_threshold``. Input: 1 for an
    error, 0 for a correct prediction (bools too).
    """

    def __init__(
        self, warm_start: int = 30, warning_threshold: float = 2.0, drift_threshold: float = 3.0
    ) -> None:
        self.warm_start = check_int("warm_start", warm_start, minimum=0)
        self.warning_threshold = check_positive("warning_threshold", warning_threshold)
        self.drift_threshold = check_positive("drift_threshold", drift_threshold)
        if self.warning_threshold >= self.drift_threshold:
            raise ValueError(
                f"warning_threshold={warning_threshold} must be below drift_threshold="
                f"{drift_threshold}: the warning zone lies between them (river's 2 and 3)."
            )
        self.reset()

    def reset(self) -> None:
        """Forget the stream: the state of a new detector."""
        self.drift_detected = False
        self.warning_detected = False
        self.n_ = 0.0
        self.p_ = 0.0
        self.s_ = 0.0
        self.p_min_: float | None = None
        self.s_min_: float | None = None
        self.ps_min_ = math.inf

    def update(self, x: float) -> DDM:
        """Feed one 0/1 error; ``drift_detected`` and ``warning_detected`` then say what it did."""
        value = check_value("x", x)
        if value not in (0.0, 1.0):
            raise ValueError(
                f"x must be 0 (correct) or 1 (error) for DDM; got {x!r}. Feed it the "
                "misclassifications, e.g. int(prediction != label)."
            )
        self._update(value)
        return self

    def _check_stream(self, values: np.ndarray) -> None:
        bad = values[(values != 0) & (values != 1)]
        if bad.size:
            raise ValueError(
                f"values must be 0 (correct) or 1 (error) for DDM; got {bad.size} other "
                f"value(s), e.g. {bad[0]!r}. Feed it misclassifications (prediction != label)."
            )

    def _update(self, x: float) -> None:
        if self.drift_detected:
            self.reset()
        self.n_ += 1.0
        self.p_ += (1.0 / self.n_) * (x - self.p_)
        p, n = self.p_, self.n_
        self.s_ = s = math.sqrt(p * (1 - p) / n)
        if n > self.warm_start:
            if p + s <= self.ps_min_:
                self.p_min_, self.s_min_ = p, s
                self.ps_min_ = p + s
            self.warning_detected = p + s > self.p_min_ + self.warning_threshold * self.s_min_
            if p + s > self.p_min_ + self.drift_threshold * self.s_min_:
                self.drift_detected = True
                self.warning_detected = False

    def __repr__(self) -> str:
        return (
            f"DDM(warm_start={self.warm_start}, warning_threshold={self.warning_threshold}, "
            f"drift_threshold={self.drift_threshold})"
        )


def as_stream(name: str, values: Any) -> np.ndarray:
    """A finite 1-D stream as float64 (integer and bool streams, e.g. 0/1 errors, included;
    float16 is refused, the package's low-precision policy)."""
    try:
        arr = np.asarray(values) if not isinstance(values, np.ndarray) else values
    except ValueError:  # ragged nested lists
        raise TypeError(f"{name} must be a 1-D array of numbers; got ragged input.") from None
    if arr.dtype.kind not in "fiub":
        shown = arr if isinstance(values, (list, tuple, np.ndarray)) else values
        raise TypeError(f"{name} must be a 1-D array of numbers; got {describe(shown)}.")
    if arr.dtype.kind == "f":
        check_float_dtype(name, arr.dtype)
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D (one value per time step); got shape {arr.shape}. "
            "Run one detector per stream, e.g. per node or per column."
        )
    if not np.isfinite(arr).all():
        raise ValueError(
            f"{name} contains {int(np.size(arr) - np.isfinite(arr).sum())} NaN or infinite "
            "value(s); drop them or clean the stream with minitrain.clean first."
        )
    return arr.astype(np.float64, copy=False)


def detect(detector: DriftDetector, values: Any) -> np.ndarray:
    """Run a fresh copy of ``detector`` over ``values`` (N,); return the alarm indices (int64).

    ``detector`` itself is not changed: a deep copy is reset and fed ``values[0], values[1],
    ...``; index i is returned when ``drift_detected`` is True right after ``values[i]``.
    """
    check_instance("detector", detector, DriftDetector, "adapt.ADWIN()")
    stream = as_stream("values", values)
    detector._check_stream(stream)
    fresh = copy.deepcopy(detector)
    fresh.reset()
    alarms = []
    update = fresh._update
    for i, x in enumerate(stream.tolist()):
        update(x)
        if fresh.drift_detected:
            alarms.append(i)
    return np.array(alarms, dtype=np.int64)
