r"""Test-then-train (prequential) evaluation of a learner on a stream (river's
``progressive_val_score``, with the device's costs).

For each batch of rows t..t+B-1 in stream order: predict them with the current model, score
each row (its loss and its error), and only then learn them. Every score is therefore on
rows the model has never trained on, and the per-row error curve shows both how well the
model does and how fast it recovers after a drift. The rolling error is the trailing mean

    rolling_t = (1 / w_t) sum_{s = t - w_t + 1}^{t} error_s,      w_t = min(window, t + 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._types import Params
from .._validate import check_instance, check_int
from .detectors import as_stream
from .learner import OnlineLearner, sample_errors_unchecked

__all__ = ["PrequentialResult", "prequential", "rolling_mean"]


@dataclass(frozen=True)
class PrequentialResult:
    """A test-then-train run over N rows.

    Attributes:
        loss, error: (N,) each row's loss and error (0/1 misclassification, or squared error)
            under the model *before* it learned that row, in X's dtype.
        rolling: (N,) trailing mean of ``error`` over ``window`` rows.
        detections, adaptations: row indices of the learner's drift alarms and of the
            ``on_drift`` actions it took.
        macs: multiply-adds spent training (forward and backward of every learned row,
            replayed rows and retraining included); ``macs_per_sample`` = macs / N.
        peak_bytes: the largest training memory the learner measured during the run.
        params: the learner's parameters at the end.
    """

    loss: np.ndarray
    error: np.ndarray
    rolling: np.ndarray
    detections: np.ndarray
    adaptations: np.ndarray
    macs: int
    macs_per_sample: float
    peak_bytes: int
    params: Params


def rolling_mean(values: Any, window: int) -> np.ndarray:
    """Trailing mean over the last ``window`` values (fewer at the start), as in the module
    docstring. values (N,) finite numbers (0/1 errors as ints or bools too) -> (N,), in
    values' dtype when it is float32, else float64 (summed in float64 either way)."""
    stream = as_stream("values", values)
    window = check_int("window", window, minimum=1)
    total = np.cumsum(np.concatenate([[0.0], stream]))
    t = np.arange(1, total.size)
    start = np.maximum(t - window, 0)
    dtype = values.dtype if isinstance(values, np.ndarray) and values.dtype == np.float32 else (
        np.float64)  # fmt: skip
    return ((total[t] - total[start]) / (t - start)).astype(dtype, copy=False)


def prequential(learner: OnlineLearner, X: Any, y: Any, *, batch_size: int = 1,
                window: int = 100) -> PrequentialResult:
    """Predict, score, then learn each batch of ``batch_size`` rows of (X, y) in order.

    The whole stream and the arguments are checked before the first row is learned, so a
    refused call leaves the learner as it was."""
    check_instance("learner", learner, OnlineLearner, "adapt.OnlineLearner(model, loss, opt, "
                   "params)")  # fmt: skip
    X, y = learner.check_rows(X, y)
    batch_size = check_int("batch_size", batch_size, minimum=1)
    window = check_int("window", window, minimum=1)
    n = X.shape[0]
    losses, errors = np.empty(n, dtype=X.dtype), np.empty(n, dtype=X.dtype)
    for start in range(0, n, batch_size):
        rows = slice(start, min(start + batch_size, n))
        pred = learner.predict(X[rows])
        errors[rows] = sample_errors_unchecked(learner.loss, pred, y[rows])
        losses[rows] = [learner.loss(pred[j:j + 1], y[rows][j:j + 1])
                        for j in range(pred.shape[0])]
        learner.learn_many(X[rows], y[rows])
    return PrequentialResult(
        loss=losses,
        error=errors,
        rolling=rolling_mean(errors, window),
        detections=np.array(learner.detections_, dtype=np.int64),
        adaptations=np.array(learner.adaptations_, dtype=np.int64),
        macs=int(learner.macs_),
        macs_per_sample=learner.macs_ / n,
        peak_bytes=int(learner.peak_bytes_),
        params=learner.params,
    )
