r"""Cross-validation of a minitrain model: every fold trained by ``mt.fit``, scored on its
held-out rows.

For folds f = 1..K with validation metric m_f (accuracy, or RMSE for regression losses), the
estimate and its standard error are

    mean = (1/K) sum_f m_f,        se = s / sqrt(K),   s^2 = (1/(K-1)) sum_f (m_f - mean)^2

(the standard error treats the folds as independent, which they are not quite: their
training sets overlap, so it is a rough yardstick, as in the one-standard-error rule).
``error`` is what selection minimises: 1 - accuracy for classification losses, RMSE for
regression ones.

**Seeds.** Every fold trains with ``mt.fit(..., seed=seed)``: the same initial parameters
``model.init(seed)`` and the same shuffling stream in every fold, so that the folds differ
by their data alone (as scikit-learn's ``cross_validate`` of an estimator with a fixed
``random_state``). ``CVResult.seeds`` records it per fold.

**Where folds run.** ``executor=None`` trains the folds one after the other in this
process; any ``concurrent.futures`` executor or a dask ``Client`` (anything with
``submit(fn, *args)`` returning futures with ``result()``) trains them elsewhere. The
results are gathered in fold order and depend only on the arguments, so every executor
gives the same bits.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import losses
from .._types import Params
from .._validate import (
    as_float_array,
    check_in_range,
    check_instance,
    check_int,
    check_length,
    check_seed,
    check_stepper,
    describe,
)
from ..layers import Sequential
from ..train import fit
from ..train.data import check_dataset
from . import budget as budgets
from .splitters import KFold, Splitter, StratifiedKFold, check_splitter

__all__ = ["CVResult", "cross_validate"]


@dataclass(frozen=True)
class CVResult:
    """Per-fold metrics of a cross-validation (module docstring).

    metric: "accuracy" or "rmse"; train_metric, val_metric (K,): each fold's metric on its
    training and validation rows; val_error (K,): 1 - accuracy or the RMSE; seeds (K,);
    fit_seconds (K,); params: each fold's trained parameters; folds: the (train, test) rows.
    """

    metric: str
    train_metric: np.ndarray
    val_metric: np.ndarray
    val_error: np.ndarray
    seeds: np.ndarray
    fit_seconds: np.ndarray
    params: list[Params]
    folds: list[tuple[np.ndarray, np.ndarray]]

    @property
    def mean(self) -> float:
        """Mean validation metric over the folds."""
        return float(self.val_metric.mean())

    @property
    def se(self) -> float:
        """Standard error of the mean validation metric (of the error too: same spread)."""
        k = self.val_metric.size
        return float(self.val_metric.std(ddof=1) / np.sqrt(k)) if k > 1 else float("nan")

    @property
    def mean_error(self) -> float:
        return float(self.val_error.mean())

    @property
    def mean_train(self) -> float:
        return float(self.train_metric.mean())

    def __str__(self) -> str:
        folds = ", ".join(f"{m:.4g}" for m in self.val_metric)
        return (
            f"{len(self.val_metric)}-fold {self.metric}: {self.mean:.4g} ± {self.se:.2g} "
            f"(train {self.mean_train:.4g}; folds {folds})"
        )


def _is_classification(loss: Any) -> bool:
    return getattr(loss, "metric", None) == "accuracy"


def resolve_cv(cv: Any, loss: Any, y: Any) -> Splitter:
    """``cv`` as a splitter: an int k is ``StratifiedKFold(k)`` for a classification loss
    with 1-D integer labels, else ``KFold(k)`` (scikit-learn's rule); a splitter is kept."""
    cv = check_splitter("cv", cv)
    if isinstance(cv, int):
        labels = isinstance(y, np.ndarray) and y.ndim == 1 and y.dtype.kind in "iu"
        return StratifiedKFold(cv) if _is_classification(loss) and labels else KFold(cv)
    return cv


def _rows(y: Any, rows: np.ndarray) -> Any:
    return tuple(part[rows] for part in y) if isinstance(y, tuple) else y[rows]


def run_fold(
    model: Sequential,
    loss: Any,
    opt: Any,
    data: tuple[np.ndarray, Any, np.ndarray, Any],
    fit_kwargs: dict[str, Any],
    sparsity: float,
) -> tuple[Params, float, float, float]:
    """Train one fold and score it: (params, train metric, validation metric, seconds).

    A top-level function, so that process pools can pickle it. With ``sparsity > 0`` the
    trained weights are pruned globally by magnitude and fine-tuned under their mask for
    half the epochs (at least one).
    """
    X_train, y_train, X_val, y_val = data
    start = time.perf_counter()
    params = fit(model, loss, opt, X_train, y_train, **fit_kwargs).params
    if sparsity > 0:
        tune = {**fit_kwargs, "epochs": max(1, fit_kwargs["epochs"] // 2)}
        params = budgets.prune_and_finetune(model, loss, opt, X_train, y_train, params, sparsity,
                                          tune)  # fmt: skip
    seconds = time.perf_counter() - start
    train_metric = loss.metric_value(model.predict(params, X_train), y_train)
    val_metric = loss.metric_value(model.predict(params, X_val), y_val)
    return params, float(train_metric), float(val_metric), seconds


def check_setup(model: Any, loss: Any, opt: Any, X: Any, y: Any) -> np.ndarray:
    """Check a model, loss and stepper (instances, not classes) and the whole (X, y) against
    them, before any fold is cut or trained; return X as an array."""
    check_instance("model", model, Sequential, "mt.Sequential([mt.Dense(4, 1)])")
    check_instance("loss", loss, losses.Loss, "mt.losses.MSE()")
    check_instance("opt", opt, object, "mt.optim.Adam(lr=1e-3)")
    check_stepper("opt", opt)
    X = as_float_array("X", X, ndim=2)
    n = len(X)
    for part in y if isinstance(y, tuple) else (y,):
        if not isinstance(part, np.ndarray):
            raise TypeError(f"y must be an ndarray (or a tuple of them) with {n} rows, like X; "
                            f"got {describe(part)}.")  # fmt: skip
        check_length("y", part, n, "X")
    return check_dataset(model, loss, X, y)[0]


def cross_validate(
    model: Sequential,
    loss: Any,
    opt: Any,
    X: Any,
    y: Any,
    cv: int | Splitter = 5,
    groups: Any = None,
    *,
    epochs: int,
    batch_size: int | None = None,
    seed: int = 0,
    executor: Any = None,
    sparsity: float = 0.0,
) -> CVResult:
    """Train ``model`` with ``loss`` and stepper ``opt`` on each fold's training rows and
    score it on its validation rows (module docstring: metric, standard error, seeds).

    X (n, d); y: the targets ``loss`` takes (n rows); ``cv``: an int or a splitter (node ids
    go in ``groups=``, as scikit-learn names them); ``epochs``, ``batch_size``, ``seed``: as
    ``mt.fit``; ``executor``: None or anything with ``submit``; ``sparsity`` in [0, 1):
    prune and fine-tune each fold's model (``run_fold``).
    """
    X = check_setup(model, loss, opt, X, y)
    n = len(X)
    if groups is not None:
        check_length("groups", groups, n, "X")
    splitter = resolve_cv(cv, loss, y)
    epochs = check_int("epochs", epochs, minimum=1)
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, minimum=1)
    seed = check_seed("seed", seed)
    sparsity = check_in_range("sparsity", sparsity, 0.0, 1.0)
    if executor is not None and (isinstance(executor, type)
                                 or not callable(getattr(executor, "submit", None))):
        raise TypeError(
            "executor must be None, a concurrent.futures executor or a dask Client; got "
            f"{describe(executor)}."
        )
    labels = y[0] if isinstance(y, tuple) else y
    folds = list(splitter.split(X, labels, groups))
    fit_kwargs = {"epochs": epochs, "batch_size": batch_size, "seed": seed, "progress": False}
    tasks = [
        (model, loss, opt, (X[train], _rows(y, train), X[test], _rows(y, test)), fit_kwargs,
         sparsity)
        for train, test in folds
    ]  # fmt: skip
    if executor is None:
        results = [run_fold(*task) for task in tasks]
    else:
        futures = [executor.submit(run_fold, *task) for task in tasks]
        results = [future.result() for future in futures]
    params, train_metric, val_metric, seconds = (list(column) for column in zip(*results))
    val_metric = np.array(val_metric)
    error = 1.0 - val_metric if _is_classification(loss) else val_metric
    return CVResult(
        metric=loss.metric,
        train_metric=np.array(train_metric),
        val_metric=val_metric,
        val_error=error,
        seeds=np.full(len(folds), seed),
        fit_seconds=np.array(seconds),
        params=params,
        folds=folds,
    )
