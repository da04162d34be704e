"""Losses: the mean over samples of a per-sample loss, with its analytic gradient.

Every loss is called as ``loss(pred, target) -> float`` and differentiated as
``loss.grad(pred, target)``, the gradient of that *mean* with respect to ``pred`` (same shape as
``pred``); both check their arguments. ``loss.value_and_grad(pred, target)`` returns both from
one pass *without* checking them (``fit`` checks its data once, then calls it every step): give
it arrays that ``loss.check`` accepts. Each loss also names the metric that ``fit`` reports,
``metric`` (``"accuracy"`` or ``"rmse"``), with its direction ``higher_is_better`` and its value
``metric_value(pred, target)``, unchecked like ``value_and_grad`` (``fit`` calls it every step;
check first with ``pred, target = loss.check(pred, target)``). ``softmax`` and ``log_softmax``
check their logits.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validate import as_float_array, check_in_range, check_positive, describe
from .layers import sigmoid_unchecked


class Loss:
    """Base class of the losses, with the RMSE as metric (regression).

    A subclass implements ``value_and_grad`` and, unless its target is shaped like pred,
    ``check_target``.
    """

    metric = "rmse"
    higher_is_better = False  # of the metric: a lower RMSE is better
    pred_ndim: int | None = None  # the number of dimensions pred must have (None: any)

    def check(self, pred: Any, target: Any) -> tuple[np.ndarray, Any]:
        """Return (pred, target) as the arrays ``value_and_grad`` expects, or raise."""
        pred = as_float_array("pred", pred, ndim=self.pred_ndim)
        return pred, self.check_target(target, pred.shape, pred.dtype)

    def check_target(
        self, target: Any, shape: tuple[int, ...], dtype: np.dtype, name: str = "target"
    ) -> Any:
        """Return ``target`` checked against predictions of ``shape`` and ``dtype``, or raise
        naming it ``name``. Here: a finite float array of that shape and dtype."""
        target = as_float_array(name, target)
        if target.shape != shape:
            raise ValueError(
                f"{name} has shape {target.shape} but pred has shape {shape}; they must be "
                "equal (for one output use y.reshape(-1, 1))."
            )
        _check_same_dtype(name, target, dtype)
        return target

    def value_and_grad(self, pred: np.ndarray, target: Any) -> tuple[float, np.ndarray]:
        """(mean loss, d mean / d pred) in one pass, unchecked; the gradient has pred's shape
        and dtype. Override it to change a loss (its checks stay those of ``check``)."""
        raise NotImplementedError

    def __call__(self, pred: Any, target: Any) -> float:
        return self.value_and_grad(*self.check(pred, target))[0]

    def grad(self, pred: Any, target: Any) -> np.ndarray:
        return self.value_and_grad(*self.check(pred, target))[1]

    def metric_value(self, pred: np.ndarray, target: Any) -> float:
        """Root-mean-square error ``sqrt(mean((p - t)^2))`` (regression losses)."""
        return float(np.sqrt(np.mean((pred - target) ** 2)))

    def metric_for_average(self, pred: np.ndarray, target: Any) -> float:
        """The metric in the form whose sample-weighted mean over batches is exact: the RMSE
        squared (``metric_from_average`` takes the root of that mean)."""
        value = self.metric_value(pred, target)
        return value * value

    def metric_from_average(self, mean: float) -> float:
        """The metric of the whole set from the sample-weighted mean of ``metric_for_average``."""
        return float(np.sqrt(mean))

    def reaches(self, value: float, target: float) -> bool:
        """Whether a metric ``value`` is at least as good as ``target`` (<= for the RMSE)."""
        return value >= target if self.higher_is_better else value <= target

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ClassificationLoss(Loss):
    """Base class of the losses whose metric is the accuracy (higher is better)."""

    metric = "accuracy"
    higher_is_better = True

    def metric_for_average(self, pred: np.ndarray, target: Any) -> float:
        """The accuracy itself: its sample-weighted mean over batches is the set's accuracy."""
        return self.metric_value(pred, target)

    def metric_from_average(self, mean: float) -> float:
        return mean


def _check_same_dtype(name: str, target: np.ndarray, dtype: np.dtype) -> None:
    """Refuse a float target of another dtype: pred - target would silently change dtype."""
    if target.dtype != dtype:
        raise TypeError(
            f"{name} has dtype {target.dtype} but pred has {dtype}; minitrain does not cast "
            f"silently (the gradient would become {np.result_type(dtype, target)}): convert "
            f"it, e.g. {name}.astype(np.{dtype})."
        )


class MSE(Loss):
    r"""Mean squared error over all M elements of pred (any shape):

        L = (1/M) sum_i (p_i - t_i)^2,        dL/dp = (2/M) (p - t)
    """

    def value_and_grad(self, pred: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
        residual = pred - target
        return float(np.mean(residual * residual)), residual * (2 / residual.size)


class Huber(Loss):
    r"""Huber loss (torch.nn.HuberLoss), quadratic near 0 and linear beyond ``delta``:

        l(r) = r^2 / 2               if |r| <= delta
               delta (|r| - delta/2) otherwise,          r = p - t
        L = (1/M) sum_i l(r_i),      dL/dp = clip(r, -delta, delta) / M

    A large residual (an outlier) contributes a gradient of at most delta / M.
    """

    def __init__(self, delta: float = 1.0) -> None:
        self.delta = check_positive("delta", delta)

    def value_and_grad(self, pred: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
        r = pred - target
        a = np.abs(r)
        d = self.delta
        per_element = np.where(a <= d, 0.5 * r * r, d * (a - 0.5 * d))
        return float(per_element.mean()), np.clip(r, -d, d) / r.size

    def __repr__(self) -> str:
        return f"Huber(delta={self.delta})"


def log_softmax(logits: Any) -> np.ndarray:
    """Row-wise ``z - logsumexp(z)``, shifted by the row maximum so exp never overflows.
    (N, C) -> (N, C), finite float32 or float64 logits (checked), in their dtype."""
    return log_softmax_unchecked(as_float_array("logits", logits, ndim=2))


def softmax(logits: Any) -> np.ndarray:
    """Row-wise ``exp(z) / sum exp(z)``, shifted by the row maximum (stable). (N, C) -> (N, C),
    finite float32 or float64 logits (checked), in their dtype."""
    return softmax_unchecked(as_float_array("logits", logits, ndim=2))


def log_softmax_unchecked(logits: np.ndarray) -> np.ndarray:
    """``log_softmax`` unchecked (the losses call it at every step)."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax_unchecked(logits: np.ndarray) -> np.ndarray:
    """``softmax`` unchecked (the losses call it at every step)."""
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def check_labels(name: str, labels: Any, n_rows: int, n_classes: int) -> np.ndarray:
    """Validate integer class labels (n_rows,) with values in [0, n_classes)."""
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise TypeError(
            f"{name} must hold integer class labels; got {describe(labels)}. "
            "Convert with y.astype(int) if the values are whole numbers."
        )
    if labels.shape != (n_rows,):
        raise ValueError(f"{name} must have shape ({n_rows},); got {labels.shape}.")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"{name} must lie in [0, {n_classes}) for {n_classes} classes; "
            f"got values from {labels.min()} to {labels.max()}."
        )
    return labels


def check_probabilities(name: str, target: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Validate a (N, C) array of probability rows (non-negative, each summing to 1)."""
    target = as_float_array(name, target, ndim=2)
    if target.shape != shape:
        raise ValueError(f"{name} must have shape {shape} like the logits; got {target.shape}.")
    # Sums of C float32 values near 1 carry about C * 6e-8 rounding error; 1e-4 covers C <= 1000.
    tolerance = 1e-4 if target.dtype == np.float32 else 1e-8
    sums = target.sum(axis=1)
    if target.min() < 0 or not np.allclose(sums, 1.0, rtol=0, atol=tolerance):
        worst = int(np.argmax(np.abs(sums - 1)))
        raise ValueError(
            f"{name} rows must be probabilities (>= 0, summing to 1); row {worst} sums to "
            f"{float(sums[worst])!r} and the minimum entry is {float(target.min())!r}."
        )
    return target


class CrossEntropy(ClassificationLoss):
    r"""Softmax cross-entropy on logits, mean over the N rows.

    pred: logits z (N, C). target: integer labels y (N,) or probabilities T (N, C).

        p = softmax(z),   L = -(1/N) sum_n sum_c T[n,c] log p[n,c]      (T = one-hot(y) for labels)
        dL/dz = (p - T) / N

    Each gradient row sums to 0 and L is unchanged by adding a constant to a row of z. The
    log-softmax is shifted by the row maximum, so logits of any size give finite values.
    """

    pred_ndim = 2

    def check_target(
        self, target: Any, shape: tuple[int, ...], dtype: np.dtype, name: str = "target"
    ) -> np.ndarray:
        target_array = np.asarray(target)
        if target_array.ndim == 2 and target_array.dtype.kind == "f":
            target_array = check_probabilities(name, target_array, shape)
            _check_same_dtype(name, target_array, dtype)
            return target_array
        if target_array.ndim == 2 and target_array.shape == shape:  # one-hot rows as integers
            raise TypeError(
                f"{name} has shape {shape} like the logits but holds {target_array.dtype} "
                f"values; CrossEntropy takes integer labels of shape ({shape[0]},) or "
                f"probabilities of shape {shape} as floats: pass {name}.argmax(axis=1) or "
                f"{name}.astype(logits.dtype)."
            )
        return check_labels(name, target_array, shape[0], shape[1])

    def value_and_grad(self, pred: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
        n = pred.shape[0]
        shifted = pred - pred.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        log_total = np.log(total)
        probabilities = exp / total
        if target.ndim == 1:
            rows = np.arange(n)
            value = (log_total[:, 0] - shifted[rows, target]).sum() / n
            probabilities[rows, target] -= 1
            return float(value), probabilities / pred.dtype.type(n)
        value = -np.sum(target * (shifted - log_total)) / n
        return float(value), (probabilities - target) / pred.dtype.type(n)

    def metric_value(self, pred: np.ndarray, target: np.ndarray) -> float:
        """Accuracy: the fraction of rows whose largest logit is the (most likely) label."""
        labels = target if target.ndim == 1 else target.argmax(axis=1)
        return float(np.count_nonzero(pred.argmax(axis=1) == labels) / len(labels))


class BinaryCrossEntropy(ClassificationLoss):
    r"""Binary cross-entropy on logits z (any shape) with targets t in [0, 1] (same shape):

        l(z, t) = -t log s(z) - (1 - t) log(1 - s(z)) = max(z, 0) - z t + log(1 + exp(-|z|))
        L = (1/M) sum_i l(z_i, t_i),      dL/dz = (s(z) - t) / M,      s = sigmoid

    The right-hand form (as torch.nn.BCEWithLogitsLoss) is finite for logits of any size.
    """

    def check_target(
        self, target: Any, shape: tuple[int, ...], dtype: np.dtype, name: str = "target"
    ) -> np.ndarray:
        target = super().check_target(target, shape, dtype, name)
        if target.min() < 0 or target.max() > 1:
            raise ValueError(
                f"{name} must lie in [0, 1]; got values from {target.min()} to {target.max()}."
            )
        return target

    def value_and_grad(self, pred: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
        per_element = np.maximum(pred, 0) - pred * target + np.log1p(np.exp(-np.abs(pred)))
        grad = (sigmoid_unchecked(pred) - target) / pred.dtype.type(pred.size)
        return float(per_element.mean()), grad

    def metric_value(self, pred: np.ndarray, target: np.ndarray) -> float:
        """Accuracy: the fraction of elements where (z > 0) agrees with (t > 1/2)."""
        return float(np.mean((pred > 0) == (target > 0.5)))


class Distillation(ClassificationLoss):
    r"""Knowledge distillation (Hinton et al. 2015): hard-label cross-entropy plus cross-entropy
    against the teacher's softened probabilities, on the student's logits.

    pred: student logits z (N, C). target: a tuple (labels y (N,) int, teacher logits t (N, C)).
    With temperature T > 0 and alpha in [0, 1] (the weight of the *hard* term):

        p = softmax(z),   p_T = softmax(z / T),   q = softmax(t / T)        (soft targets)
        L = alpha * (1/N) sum_n -log p[n, y_n]
            + (1 - alpha) * T^2 * (1/N) sum_n sum_c -q[n,c] log p_T[n,c]
        dL/dz = alpha (p - onehot(y)) / N + (1 - alpha) T (p_T - q) / N

    The soft term's gradient is (p_T - q) / (N T); the T^2 factor makes it T (p_T - q) / N, so
    its size does not shrink as T grows. alpha = 1 is ``CrossEntropy`` on the labels; alpha = 0
    learns from the teacher only. The soft term is a cross-entropy, not a KL divergence: they
    differ by the teacher's entropy, a constant, so the gradients are equal. Metric: accuracy
    on the labels. ``fit`` takes the tuple as y and slices both parts per minibatch.
    """

    pred_ndim = 2

    def __init__(self, temperature: float = 4.0, alpha: float = 0.5) -> None:
        self.temperature = check_positive("temperature", temperature)
        self.alpha = check_in_range("alpha", alpha, 0.0, 1.0, high_inclusive=True)

    def soft_targets(self, teacher_logits: np.ndarray) -> np.ndarray:
        """q = softmax(t / T), row-wise: (N, C) -> (N, C); uniform in the limit T -> inf.
        Unchecked (``value_and_grad`` calls it every step): pass logits ``check`` accepts."""
        return softmax_unchecked(teacher_logits / teacher_logits.dtype.type(self.temperature))

    def check_target(
        self, target: Any, shape: tuple[int, ...], dtype: np.dtype, name: str = "target"
    ) -> tuple[np.ndarray, np.ndarray]:
        if not (isinstance(target, tuple) and len(target) == 2):
            raise TypeError(
                f"{name} must be a tuple (labels, teacher_logits): integer labels (N,) and the "
                f"teacher's logits (N, C), e.g. (y, teacher.predict(X)); got {describe(target)}."
            )
        labels = check_labels(f"{name} labels", target[0], shape[0], shape[1])
        teacher = as_float_array("teacher_logits", target[1], ndim=2)
        if teacher.shape != shape:
            raise ValueError(
                f"teacher_logits must have the shape of the student logits {shape} "
                f"(N rows, C classes); got {teacher.shape}."
            )
        if teacher.dtype != dtype:
            raise TypeError(
                f"teacher_logits have dtype {teacher.dtype} but the student logits {dtype}; "
                f"minitrain does not cast silently: use teacher_logits.astype(np.{dtype})."
            )
        return labels, teacher

    def value_and_grad(
        self, pred: np.ndarray, target: tuple[np.ndarray, np.ndarray]
    ) -> tuple[float, np.ndarray]:
        labels, teacher = target
        n, T, alpha = pred.shape[0], pred.dtype.type(self.temperature), self.alpha
        rows = np.arange(n)
        log_p = log_softmax_unchecked(pred)
        log_p_T = log_softmax_unchecked(pred / T)
        q = self.soft_targets(teacher)
        hard = -np.mean(log_p[rows, labels])
        soft = -np.sum(q * log_p_T) / n
        value = alpha * hard + (1 - alpha) * float(T * T) * soft
        hard_grad = np.exp(log_p)
        hard_grad[rows, labels] -= 1
        grad = pred.dtype.type(alpha) * hard_grad + pred.dtype.type(1 - alpha) * T * (
            np.exp(log_p_T) - q
        )
        return float(value), grad / pred.dtype.type(n)

    def metric_value(self, pred: np.ndarray, target: tuple[np.ndarray, np.ndarray]) -> float:
        """Accuracy on the labels: the fraction of rows whose largest logit is the label."""
        return float(np.mean(pred.argmax(axis=1) == target[0]))

    def __repr__(self) -> str:
        return f"Distillation(temperature={self.temperature}, alpha={self.alpha})"
