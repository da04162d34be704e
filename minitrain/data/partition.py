"""Partitions of a data set across edge devices: IID, label-skewed and by sensor node.

A partition is a list of ``n_parts`` integer index arrays into the data set, disjoint and
together covering every row exactly once; each part's indices are sorted ascending (so a
part of a time-ordered stream stays in time order). Index the data with them:
``X[parts[k]], y[parts[k]]`` is device ``k``'s local data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validate import (
    check_choice,
    check_int,
    check_length,
    check_positive,
    check_seed,
    describe,
)

__all__ = ["SCHEMES", "PartitionReport", "partition", "partition_report"]

SCHEMES = ("iid", "dirichlet", "shards", "by_node")
MAX_DIRICHLET_TRIES = 1000


def _as_1d(name: str, y: Any) -> np.ndarray:
    try:
        arr = np.asarray(y)
    except ValueError:  # ragged nested sequences
        arr = np.asarray(y, dtype=object)
    if arr.dtype == object or arr.ndim != 1:
        raise TypeError(f"{name} must be a 1-D array of numbers; got {describe(arr)}.")
    if arr.size == 0:
        raise ValueError(f"{name} is empty; pass at least one row.")
    return arr


def _as_labels(name: str, y: Any, why: str) -> np.ndarray:
    arr = _as_1d(name, y)
    if arr.dtype.kind not in "iu":
        raise TypeError(
            f"{name} must hold integer class labels {why}; got {describe(arr)}. "
            f"Convert with {name}.astype(np.int64) if the values are whole class ids."
        )
    return arr


def partition(
    y: np.ndarray,
    n_parts: int,
    scheme: str = "iid",
    seed: int = 0,
    *,
    alpha: float = 0.5,
    min_size: int = 10,
    shards_per_part: int = 2,
    node: np.ndarray | None = None,
) -> list[np.ndarray]:
    """Split the row indices of ``y`` (N,) into ``n_parts`` disjoint parts, one per device.

    Schemes:

    - ``"iid"``: a random permutation cut into near-equal parts (sizes differ by at most 1).
    - ``"dirichlet"``: label skew (Hsu, Qi and Brown, 2019). For each class c, draw the
      shares of the parts ``p_c ~ Dirichlet(alpha * 1_{n_parts})`` and deal that class's
      shuffled rows out in those proportions (cut points ``floor(cumsum(p_c) * N_c)``). A part
      that already holds ``>= N / n_parts`` rows gets share 0 for the remaining classes (the
      balancing rule of the common NIID-Bench / FedLab recipe, Li et al. 2022; should all the
      mass fall on full parts, the class is shared equally by the open ones), and the whole
      draw is repeated until every part holds ``>= min_size`` rows. Small ``alpha`` (0.1)
      gives parts dominated by one or two classes; large ``alpha`` (1000) approaches IID.
    - ``"shards"``: the pathological split of McMahan et al. (2017): sort rows by label
      (ties in random order), cut them into ``n_parts * shards_per_part`` near-equal shards and
      give each part ``shards_per_part`` shards drawn at random, so each part sees at most
      ``shards_per_part`` labels when shards do not straddle classes.
    - ``"by_node"``: rows grouped by ``node`` (e.g. ``SensorFleet.node``): with one part per
      distinct node, part k holds the rows of the k-th smallest node id; with fewer parts,
      the nodes are shuffled and dealt into ``n_parts`` near-equal groups of whole nodes.

    Args:
        y: (N,) labels; integer class labels for "dirichlet" and "shards", any 1-D values
            (only the length is used) for "iid" and "by_node".
        n_parts: number of devices, 1 <= n_parts <= N.
        scheme: one of ``SCHEMES``.
        seed: seed of the ``numpy.random.Generator`` that makes every random choice.
        alpha: Dirichlet concentration (> 0) for "dirichlet".
        min_size: minimum rows per part for "dirichlet" (n_parts * min_size <= N).
        shards_per_part: shards per part for "shards" (n_parts * shards_per_part <= N).
        node: (N,) integer node id of each row, required for "by_node".

    Returns:
        A list of ``n_parts`` sorted int64 index arrays, disjoint, covering ``range(N)``.
    """
    check_choice("scheme", scheme, SCHEMES)
    y = _as_1d("y", y)
    n = y.shape[0]
    n_parts = check_int("n_parts", n_parts, minimum=1)
    if n_parts > n:
        raise ValueError(
            f"n_parts must be <= the number of samples; got n_parts={n_parts} for {n} "
            "samples. Use fewer parts or more data."
        )
    rng = np.random.default_rng(check_seed("seed", seed))
    if scheme == "iid":
        parts = np.array_split(rng.permutation(n), n_parts)
    elif scheme == "dirichlet":
        labels = _as_labels("y", y, 'for scheme="dirichlet"')
        alpha = check_positive("alpha", alpha)
        min_size = check_int("min_size", min_size, minimum=0)
        if n_parts * min_size > n:
            raise ValueError(
                f"min_size must be <= N / n_parts = {n // n_parts}; got min_size={min_size} "
                f"for {n} samples in {n_parts} parts. Lower min_size or n_parts."
            )
        parts = _dirichlet(labels, n_parts, alpha, min_size, rng)
    elif scheme == "shards":
        labels = _as_labels("y", y, 'for scheme="shards"')
        shards_per_part = check_int("shards_per_part", shards_per_part, minimum=1)
        if n_parts * shards_per_part > n:
            raise ValueError(
                f"n_parts * shards_per_part must be <= the number of samples; got "
                f"{n_parts} * {shards_per_part} for {n} samples. Use fewer shards per part."
            )
        parts = _shards(labels, n_parts, shards_per_part, rng)
    else:
        if node is None:
            raise ValueError('scheme="by_node" needs node=, the (N,) node id of each row.')
        node = _as_labels("node", node, 'for scheme="by_node"')
        check_length("node", node, n, "y")
        parts = _by_node(node, n_parts, rng)
    return [np.sort(part).astype(np.int64) for part in parts]


def _dirichlet(
    labels: np.ndarray, n_parts: int, alpha: float, min_size: int, rng: np.random.Generator
) -> list[np.ndarray]:
    n = labels.shape[0]
    classes = np.unique(labels)
    for _ in range(MAX_DIRICHLET_TRIES):
        parts: list[list[np.ndarray]] = [[] for _ in range(n_parts)]
        sizes = np.zeros(n_parts, dtype=np.int64)
        for c in classes:
            rows = rng.permutation(np.flatnonzero(labels == c))
            shares = rng.dirichlet(np.full(n_parts, alpha))
            open_parts = sizes < n / n_parts
            shares = np.where(open_parts, shares, 0.0)
            total = shares.sum()
            shares = shares / total if total > 0 else open_parts / open_parts.sum()
            cuts = (np.cumsum(shares) * rows.size).astype(np.int64)[:-1]
            for k, chunk in enumerate(np.split(rows, cuts)):
                parts[k].append(chunk)
                sizes[k] += chunk.size
        if sizes.min() >= min_size:
            return [np.concatenate(chunks) for chunks in parts]
    raise ValueError(
        f"no Dirichlet draw with alpha={alpha} gave every one of the {n_parts} parts "
        f"min_size={min_size} rows in {MAX_DIRICHLET_TRIES} tries; lower min_size, use "
        "fewer parts or a larger alpha."
    )


def _shards(
    labels: np.ndarray, n_parts: int, shards_per_part: int, rng: np.random.Generator
) -> list[np.ndarray]:
    shuffled = rng.permutation(labels.shape[0])
    by_label = shuffled[np.argsort(labels[shuffled], kind="stable")]
    shards = np.array_split(by_label, n_parts * shards_per_part)
    owners = rng.permutation(len(shards)).reshape(n_parts, shards_per_part)
    return [np.concatenate([shards[s] for s in row]) for row in owners]


def _by_node(node: np.ndarray, n_parts: int, rng: np.random.Generator) -> list[np.ndarray]:
    nodes = np.unique(node)
    if n_parts > nodes.size:
        raise ValueError(
            f"n_parts must be <= the number of distinct nodes for scheme='by_node'; got "
            f"n_parts={n_parts} for {nodes.size} nodes."
        )
    groups = [nodes[i : i + 1] for i in range(nodes.size)]
    if n_parts < nodes.size:
        groups = np.array_split(rng.permutation(nodes), n_parts)
    return [np.flatnonzero(np.isin(node, group)) for group in groups]


@dataclass(frozen=True)
class PartitionReport:
    """Sizes and label histograms of a partition.

    Attributes:
        sizes: (n_parts,) rows per part.
        classes: (C,) the distinct labels of ``y`` (empty when no labels were given).
        counts: (n_parts, C) rows of each class in each part.
        label_skew: (n_parts,) total-variation distance between each part's label
            distribution and the whole data set's, ``TV_k = 1/2 sum_c |p_kc - p_c|``
            (0: same mix as the data; near 1: disjoint labels). NaN for an empty part.
    """

    sizes: np.ndarray
    classes: np.ndarray
    counts: np.ndarray
    label_skew: np.ndarray

    def labels_per_part(self) -> np.ndarray:
        """(n_parts,) number of distinct labels present in each part."""
        return np.count_nonzero(self.counts, axis=1)

    def __str__(self) -> str:
        header = f"{'part':>4} {'rows':>6} {'labels':>6} {'TV':>5}"
        header += "".join(f" {c!s:>6}" for c in self.classes)
        lines = [header]
        for k, size in enumerate(self.sizes):
            line = f"{k:>4} {size:>6} {self.labels_per_part()[k]:>6} {self.label_skew[k]:>5.2f}"
            lines.append(line + "".join(f" {c:>6}" for c in self.counts[k]))
        return "\n".join(lines)


def partition_report(parts: list[np.ndarray], y: np.ndarray | None = None) -> PartitionReport:
    """Report rows per part and, for integer labels ``y`` (N,), each part's label histogram.

    ``str(report)`` is a table: one line per part with its size, number of labels, label skew
    (total-variation distance to the global label mix) and count per class.
    """
    parts = _check_parts(parts)
    sizes = np.array([np.size(part) for part in parts], dtype=np.int64)
    if y is None:
        empty = np.zeros((len(parts), 0), dtype=np.int64)
        return PartitionReport(sizes, np.zeros(0, np.int64), empty, np.full(len(parts), np.nan))
    labels = _as_labels("y", y, "for a label histogram (pass y=None for sizes only)")
    for k, part in enumerate(parts):
        if part.size and not 0 <= part.min() <= part.max() < labels.size:
            raise ValueError(
                f"parts[{k}] holds row indices outside [0, {labels.size}), the rows of y; "
                "pass the partition of this y."
            )
    classes, codes = np.unique(labels, return_inverse=True)
    counts = np.stack([np.bincount(codes[part], minlength=classes.size) for part in parts])
    overall = np.bincount(codes, minlength=classes.size) / labels.size
    with np.errstate(invalid="ignore", divide="ignore"):
        local = counts / sizes[:, None]
    skew = 0.5 * np.abs(local - overall).sum(axis=1)
    return PartitionReport(sizes, classes, counts, skew)


def _check_parts(parts: Any) -> list[np.ndarray]:
    """A list of 1-D integer index arrays (as ``partition`` returns), else raise naming parts."""
    if isinstance(parts, (str, bytes, np.ndarray)) or not isinstance(parts, (list, tuple)):
        raise TypeError(
            f"parts must be a list of index arrays, as partition(...) returns; got "
            f"{describe(parts)}."
        )
    if not parts:
        raise ValueError("parts is empty; pass the list partition(...) returned.")
    checked = []
    for k, part in enumerate(parts):
        try:
            arr = np.asarray(part) if isinstance(part, (list, tuple, np.ndarray)) else None
        except ValueError:  # ragged nested lists
            arr = None
        if arr is None or arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
            raise TypeError(
                f"parts[{k}] must be a 1-D array of integer row indices; got {describe(part)}."
            )
        checked.append(arr.astype(np.int64))
    return checked
