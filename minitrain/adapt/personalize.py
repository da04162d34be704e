r"""Personalization after federated training: each device fine-tunes the global model.

FedAvg finds one model w for the mean loss over devices, ``sum_k (n_k / N) L_k(w)``; on
non-IID shards no single w is best for every k. Personalization starts each device from the
global w and takes a few epochs of its own minibatch steps on ``L_k`` alone, training only
the ``trainable`` keys (the last layer, or the biases: cheap enough for the device):

    w_k = w - eta sum_steps dL_k/dw_T      (T the trainable keys; the others stay w's)

and compares, on each device's own held-out rows, the metric of w with that of w_k. The
mean over devices says whether personalization pays on average; the worst device says
whether it leaves anyone behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._types import Params
from .._validate import as_float_array, check_int, check_keys, check_seed, check_stepper, describe
from ..compress.training_memory import backward_plan
from ._core import (
    check_batch,
    check_loss,
    check_model,
    check_model_params,
    fine_tune,
    shards,
)

__all__ = ["PersonalizationResult", "personalize"]


@dataclass(frozen=True)
class PersonalizationResult:
    """Per-device metric of the global and the personalized models on held-out rows.

    Attributes:
        params: each device's personalized parameters.
        global_metric, personal_metric: (K,) the loss's metric (accuracy or RMSE) per device.
        metric: its name; ``higher_is_better`` is True for accuracy.
    """

    params: tuple[Params, ...]
    global_metric: np.ndarray
    personal_metric: np.ndarray
    metric: str

    @property
    def higher_is_better(self) -> bool:
        return self.metric == "accuracy"

    def worst(self, values: Any) -> float:
        """The worst device's value (lowest accuracy, highest RMSE) of ``values`` (K,), e.g.
        ``global_metric`` or ``personal_metric``."""
        values = as_float_array("values", values, ndim=1)
        return float(values.min() if self.higher_is_better else values.max())

    def __str__(self) -> str:
        g, p = self.global_metric, self.personal_metric
        return (f"{self.metric} over {g.size} devices: global mean {g.mean():.3f}, worst "
                f"{self.worst(g):.3f}; personalized mean {p.mean():.3f}, worst {self.worst(p):.3f}")


def personalize(
    model: Any,
    loss: Any,
    opt: Any,
    params: Params,
    cluster: Any,
    *,
    test: Sequence[tuple[Any, Any]],
    trainable: Iterable[str] | None = None,
    epochs: int = 5,
    batch_size: int | None = 16,
    seed: int = 0,
) -> PersonalizationResult:
    """Fine-tune ``params`` on each device's shard of ``cluster`` (``trainable`` keys only;
    None: all) and score global and personalized models on ``test[k]``, device k's held-out
    (X, y). Everything is checked before the first device trains."""
    check_model_params(check_model(model), params)
    check_loss(loss)
    check_stepper("opt", opt)
    if trainable is not None:
        trainable = check_keys("trainable", trainable, params)
    plan = backward_plan(model, params, trainable)
    frozen_keys = tuple(k for k in params if k not in set(plan.trainable))
    epochs = check_int("epochs", epochs, minimum=1)
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, minimum=1)
    seed = check_seed("seed", seed)
    data = shards(cluster)
    if not data:
        raise ValueError("cluster has no devices; personalize needs at least one shard.")
    if isinstance(test, (str, bytes)) or not isinstance(test, Sequence):
        raise TypeError(f"test must be a list of one (X, y) per device; got {describe(test)}.")
    if len(test) != len(data):
        raise ValueError(
            f"test must hold one (X, y) per device ({len(data)}); got {len(test)} of them."
        )
    for k, pair in enumerate(test):
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise TypeError(f"test[{k}] must be a pair (X_test, y_test); got {describe(pair)}.")
    data = [check_batch(model, loss, params, X, y, (f"cluster.X_shards[{k}]",
                                                     f"cluster.y_shards[{k}]"))
            for k, (X, y) in enumerate(data)]  # fmt: skip
    test = [check_batch(model, loss, params, X, y, (f"test[{k}][0]", f"test[{k}][1]"))
            for k, (X, y) in enumerate(test)]  # fmt: skip
    personal, before, after = [], [], []
    for k, ((X, y), (X_test, y_test)) in enumerate(zip(data, test)):
        p = fine_tune(model, loss, opt, dict(params), X, y, frozen_keys=frozen_keys,
                      epochs=epochs, batch_size=batch_size, seed=seed + k)
        personal.append(p)
        before.append(loss.metric_value(model.predict(params, X_test), y_test))
        after.append(loss.metric_value(model.predict(p, X_test), y_test))
    return PersonalizationResult(tuple(personal), np.array(before), np.array(after),
                                 getattr(loss, "metric", "metric"))
