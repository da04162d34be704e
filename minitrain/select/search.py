r"""Model selection under a device budget: grid and random search by cross-validation.

A configuration is a dict of hyperparameters. ``build(**config) -> (model, opt)`` turns it
into a model and a stepper (width, depth, learning rate, weight decay: whatever ``build``
takes); two keys are the search's own and are not passed to ``build``: ``"epochs"`` (training
epochs, default the search's ``epochs``) and ``"sparsity"`` (prune each fold's trained
weights to this fraction and fine-tune, see ``cross_validate``). Each configuration is
cross-validated with the same folds and seed, then sized by ``compress.footprint`` on its
first fold's trained parameters: parameters, float32 bytes (sparse storage where smaller),
multiply-adds per sample (zero weights skipped) and training memory for the batch size.

Choosing from the table (``SearchResult``), with error = 1 - accuracy or RMSE:

- ``best()``: the smallest mean validation error.
- ``best(within=device)``: the smallest mean error among the configurations whose bytes fit
  the device's storage (and, with ``training=True``, whose training memory fits its RAM).
- ``one_se()``: the one-standard-error rule (Breiman et al., 1984; Hastie, Tibshirani and
  Friedman, 7.10): among configurations whose mean error is within one standard error of
  the best one's, ``error <= error_best + se_best``, the smallest (fewest bytes, then fewest
  multiply-adds): the data cannot tell it apart from the best, and it is cheaper.
- ``pareto()``: the configurations no other beats on both error and bytes (a row is on the
  front when every smaller-or-equal row has a larger error), sorted by bytes.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validate import (
    check_flag,
    check_in_range,
    check_int,
    check_positive,
    check_seed,
    describe,
)
from ..layers import Sequential
from . import budget as budgets
from .cv import CVResult, check_setup, cross_validate

__all__ = ["Candidate", "SearchResult", "grid_search", "log_uniform", "random_search"]

OWN_KEYS = ("epochs", "sparsity")


@dataclass(frozen=True)
class Candidate:
    """One searched configuration: its ``config``, cross-validation ``cv`` and size."""

    config: dict[str, Any]
    cv: CVResult
    n_params: int
    bytes: int
    macs: int
    training_bytes: int

    @property
    def error(self) -> float:
        return self.cv.mean_error

    @property
    def se(self) -> float:
        return self.cv.se

    def fits(self, device: Any, *, training: bool = False) -> bool:
        """True if the bytes fit the device's storage (and training memory its RAM)."""
        training = check_flag("training", training)
        budget = budgets.budget(device)
        return self.bytes <= budget.storage_bytes and (
            not training or self.training_bytes <= budget.ram_bytes
        )


@dataclass(frozen=True)
class SearchResult:
    """The searched configurations, one ``Candidate`` per row, in search order."""

    rows: tuple[Candidate, ...]
    metric: str

    def _fitting(self, within: Any, training: bool) -> list[Candidate]:
        training = check_flag("training", training)
        if within is None:
            return list(self.rows)
        budget = budgets.budget(within, name="within")
        rows = [row for row in self.rows if row.fits(budget, training=training)]
        if not rows:
            smallest = min(self.rows, key=lambda r: r.bytes)
            raise ValueError(
                f"no configuration fits {budget.name} (storage {budget.storage_bytes:,} B"
                + (f", RAM {budget.ram_bytes:,} B" if training else "")
                + f"); the smallest needs {smallest.bytes:,} B storage and "
                f"{smallest.training_bytes:,} B to train. Search smaller models."
            )
        return rows

    def best(self, within: Any = None, *, training: bool = False) -> Candidate:
        """The configuration of smallest mean validation error (among those that fit
        ``within``, a device name or object, when given; ``training=True`` also checks the
        training memory against its RAM). Ties: the first in search order."""
        return min(self._fitting(within, training), key=lambda r: r.error)

    def one_se(self, within: Any = None, *, training: bool = False) -> Candidate:
        """The one-standard-error rule (module docstring), among the rows that fit."""
        rows = self._fitting(within, training)
        best = min(rows, key=lambda r: r.error)
        close = [r for r in rows if r.error <= best.error + best.se]
        return min(close, key=lambda r: (r.bytes, r.macs, r.error))

    def pareto(self) -> list[Candidate]:
        """Rows on the error-against-bytes front, by increasing bytes (module docstring)."""
        front, lowest = [], np.inf
        for row in sorted(self.rows, key=lambda r: (r.bytes, r.error)):
            if row.error < lowest:
                front.append(row)
                lowest = row.error
        return front

    def __str__(self) -> str:
        keys = list(dict.fromkeys(k for row in self.rows for k in row.config))
        head = [*keys, f"mean {self.metric}", "se", "params", "bytes", "MACs", "train bytes"]
        lines = [head]
        for row in self.rows:
            lines.append([*(f"{row.config.get(k, '')}" for k in keys), f"{row.cv.mean:.4f}",
                          f"{row.se:.4f}", f"{row.n_params:,}", f"{row.bytes:,}",
                          f"{row.macs:,}", f"{row.training_bytes:,}"])  # fmt: skip
        widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
        return "\n".join("  ".join(c.rjust(w) for c, w in zip(line, widths)) for line in lines)


def log_uniform(low: float, high: float) -> Callable[[np.random.Generator], float]:
    """A distribution for ``random_search``: exp(U(log low, log high)), 0 < low < high
    (finite numbers)."""
    low, high = check_positive("low", low), check_positive("high", high)
    if not low < high:
        raise ValueError(f"log_uniform needs 0 < low < high; got low={low}, high={high}.")

    def draw(rng: np.random.Generator) -> float:
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator, e.g. "
                            f"np.random.default_rng(0); got {describe(rng)}.")  # fmt: skip
        return float(np.exp(rng.uniform(np.log(low), np.log(high))))

    return draw


def _check_build(build: Any) -> None:
    if not callable(build):
        raise TypeError(
            f"build must be a function build(**config) -> (model, opt); got {describe(build)}."
        )


def _choices(name: str, values: Any) -> list[Any]:
    """A grid's (or space's) list of values: a non-empty list, tuple or 1-D array."""
    if isinstance(values, np.ndarray) and values.ndim == 1:
        values = values.tolist()
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"{name} must be a non-empty list of values; got {describe(values)}.")
    if len(values) == 0:
        raise ValueError(f"{name} must be a non-empty list of values; got an empty one.")
    return list(values)


def _check_configs(build: Callable[..., Any], configs: list[dict[str, Any]], what: str) -> None:
    """Refuse, before anything trains, a configuration ``build`` cannot take (a misspelt
    key) and a bad value of the search's own keys (``epochs``, ``sparsity``)."""
    for key in configs[0]:
        if not isinstance(key, str):
            raise TypeError(f"{what} keys must be argument names (str); got {describe(key)}.")
    try:
        signature = inspect.signature(build)
    except (TypeError, ValueError):  # a builtin or C function: nothing to check against
        signature = None
    for config in configs:
        if "epochs" in config:
            check_int(f"{what}['epochs']", config["epochs"], minimum=1)
        if "sparsity" in config:
            check_in_range(f"{what}['sparsity']", config["sparsity"], 0.0, 1.0)
        hyper = {k: v for k, v in config.items() if k not in OWN_KEYS}
        if signature is not None:
            try:
                signature.bind(**hyper)
            except TypeError as error:
                raise TypeError(
                    f"{what} keys {sorted(hyper)} must be arguments of build{signature} (or "
                    f"the search's own {list(OWN_KEYS)}): {error}."
                ) from None


def _search(
    build: Callable[..., tuple[Sequential, Any]],
    configs: list[dict[str, Any]],
    loss: Any,
    X: Any,
    y: Any,
    cv: Any,
    groups: Any,
    epochs: int,
    batch_size: int | None,
    seed: int,
    executor: Any,
) -> SearchResult:
    built = []  # every configuration built and checked before the first one trains
    for config in configs:
        hyper = {k: v for k, v in config.items() if k not in OWN_KEYS}
        pair = build(**hyper)
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise TypeError(f"build(**{hyper}) must return (model, opt); got {describe(pair)}.")
        try:
            check_setup(*pair[:1], loss, pair[1], X, y)
        except (TypeError, ValueError) as error:
            raise type(error)(f"configuration {hyper}: {error}") from None
        built.append(pair)
    rows = []
    for config, (model, opt) in zip(configs, built):
        result = cross_validate(
            model, loss, opt, X, y, cv, groups, epochs=config.get("epochs", epochs),
            batch_size=batch_size, seed=seed, executor=executor,
            sparsity=config.get("sparsity", 0.0),
        )  # fmt: skip
        rows_in_batch = batch_size or len(result.folds[0][0])
        size = budgets.size(model, result.params[0], opt, rows_in_batch)
        rows.append(Candidate(dict(config), result, size.n_params, size.bytes, size.macs,
                              int(size.training_bytes)))  # fmt: skip
    return SearchResult(tuple(rows), rows[0].cv.metric)


def grid_search(
    build: Callable[..., tuple[Sequential, Any]],
    grid: Mapping[str, Sequence[Any]],
    loss: Any,
    X: Any,
    y: Any,
    cv: Any = 5,
    groups: Any = None,
    *,
    epochs: int = 10,
    batch_size: int | None = None,
    seed: int = 0,
    executor: Any = None,
) -> SearchResult:
    """Cross-validate every combination of ``grid``'s values (the product, in the order of
    its keys, the last key varying fastest); see the module docstring."""
    _check_build(build)
    if not isinstance(grid, Mapping) or not grid:
        raise TypeError(f"grid must be a non-empty dict name -> list of values; got "
                        f"{describe(grid)}.")  # fmt: skip
    choices = [_choices(f"grid[{key!r}]", values) for key, values in grid.items()]
    epochs = check_int("epochs", epochs, minimum=1)
    seed = check_seed("seed", seed)
    configs = [dict(zip(grid, values)) for values in itertools.product(*choices)]
    _check_configs(build, configs, "grid")
    return _search(build, configs, loss, X, y, cv, groups, epochs, batch_size, seed, executor)


def random_search(
    build: Callable[..., tuple[Sequential, Any]],
    space: Mapping[str, Any],
    loss: Any,
    X: Any,
    y: Any,
    cv: Any = 5,
    groups: Any = None,
    *,
    n_iter: int = 10,
    epochs: int = 10,
    batch_size: int | None = None,
    seed: int = 0,
    executor: Any = None,
) -> SearchResult:
    """Cross-validate ``n_iter`` configurations drawn from ``space``: each value is a list
    (one element drawn uniformly) or a function of a ``numpy.random.Generator`` (such as
    ``log_uniform(1e-4, 1e-1)``). Draws come from ``default_rng(seed)``, key by key in the
    order of ``space``, configuration after configuration."""
    _check_build(build)
    if not isinstance(space, Mapping) or not space:
        raise TypeError(f"space must be a non-empty dict; got {describe(space)}.")
    draws = {key: values if callable(values) and not isinstance(values, type) else
             _choices(f"space[{key!r}] (a list, or a function of a Generator)", values)
             for key, values in space.items()}  # fmt: skip
    n_iter = check_int("n_iter", n_iter, minimum=1)
    epochs = check_int("epochs", epochs, minimum=1)
    seed = check_seed("seed", seed)
    rng = np.random.default_rng(seed)
    configs = []
    for _ in range(n_iter):
        config = {}
        for key, values in draws.items():
            if callable(values):
                config[key] = values(rng)
            else:
                config[key] = values[int(rng.integers(len(values)))]
        configs.append(config)
    _check_configs(build, configs, "space")
    return _search(build, configs, loss, X, y, cv, groups, epochs, batch_size, seed, executor)
