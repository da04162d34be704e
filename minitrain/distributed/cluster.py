"""A simulated cluster: the data of every worker (its shard) and the devices of the topology.

Worker k holds the rows ``shards[k]`` of (X, y), copied out of X once when the cluster is
built and never again: each round hands the workers references to their shards. When all
shards have the same size n, they are stored as one (K, n, d) array and each shard is a view
of it, so that a round can run all K workers in one stacked matmul.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._validate import as_float_array, check_int, check_seed, describe
from .devices import Topology, make_topology

__all__ = ["Cluster", "make_cluster"]


def _check_shards(shards: Any, n_rows: int) -> list[np.ndarray]:
    if isinstance(shards, np.ndarray) or not isinstance(shards, Sequence):
        raise TypeError(
            f"shards must be a list of index arrays (e.g. from mt.data.partition); "
            f"got {describe(shards)}."
        )
    if len(shards) < 1:
        raise ValueError("shards must hold at least one shard (n_workers >= 1); got none.")
    out = []
    for k, shard in enumerate(shards):
        try:
            shard = np.asarray(shard)
        except ValueError:  # ragged nested lists
            shard = np.asarray(None)
        if shard.ndim != 1 or shard.dtype.kind not in "iu":
            raise TypeError(
                f"shards[{k}] must be a 1-D array of integer row indices; got {describe(shard)}."
            )
        if shard.size == 0:
            raise ValueError(
                f"shards[{k}] is empty: worker {k} holds no data. Every worker needs at least "
                "one row; use fewer workers or a partition with a minimum size."
            )
        if shard.min() < 0 or shard.max() >= n_rows:
            raise ValueError(
                f"shards[{k}] must index rows in [0, {n_rows}); got values from {shard.min()} "
                f"to {shard.max()}."
            )
        out.append(shard)
    return out


class Cluster:
    """K workers, each with its shard of (X, y) and a ``Device`` in a ``Topology``.

    Attributes:
        X, y: the whole data set, (N, d) and (N, ...), as given (never modified).
        shards: K index arrays into the rows of X.
        topology: devices and links; defaults to ``make_topology(K)``.
        X_shards, y_shards: K arrays, worker k's rows (views of X_stack/y_stack when stacked).
        sizes: (K,) int, n_k = rows of each shard.
        X_stack, y_stack: (K, n, d) and (K, n, ...) when all shards have n rows, else None.
    """

    def __init__(self, X: Any, y: Any, shards: Any, topology: Topology | None = None) -> None:
        self.X = as_float_array("X", X, ndim=2)
        if not isinstance(y, np.ndarray) or y.ndim == 0:
            raise TypeError(f"y must be an ndarray of targets, one per row; got {describe(y)}.")
        if len(y) != len(self.X):
            raise ValueError(f"X has {len(self.X)} rows but y has {len(y)}; they must match.")
        self.y = y
        self.shards = _check_shards(shards, len(self.X))
        if topology is None:
            topology = make_topology(len(self.shards))
        if not isinstance(topology, Topology):
            raise TypeError(
                f"topology must be a Topology (see make_topology); got {describe(topology)}."
            )
        if topology.n_workers != len(self.shards):
            raise ValueError(
                f"topology has {topology.n_workers} workers but there are {len(self.shards)} "
                "shards; give one device per shard."
            )
        self.topology = topology
        self.sizes = np.array([s.size for s in self.shards], dtype=np.int64)
        self.X_stack = self.y_stack = None
        if np.all(self.sizes == self.sizes[0]):
            rows = np.stack(self.shards)
            self.X_stack, self.y_stack = self.X[rows], y[rows]
            self.X_shards, self.y_shards = list(self.X_stack), list(self.y_stack)
        else:
            self.X_shards = [self.X[s] for s in self.shards]
            self.y_shards = [y[s] for s in self.shards]

    @property
    def n_workers(self) -> int:
        return len(self.shards)

    def __repr__(self) -> str:
        return (
            f"Cluster({self.n_workers} workers, {len(self.topology.gateways)} gateway(s), "
            f"{int(self.sizes.sum())} rows, shard sizes {self.sizes.min()}..{self.sizes.max()})"
        )


def make_cluster(
    X: Any,
    y: Any,
    n_workers: int,
    *,
    scheme: str = "iid",
    seed: int = 0,
    devices: Any = "raspberry-pi",
    n_gateways: int = 1,
    **partition_options: Any,
) -> Cluster:
    """Partition (X, y) over ``n_workers`` workers with ``mt.data.partition`` and build a cluster.

    ``scheme`` and ``partition_options`` (alpha, min_size, shards_per_part, node) go to
    ``mt.data.partition``; ``devices`` and ``n_gateways`` to ``make_topology``.
    """
    from ..data import partition

    n_workers = check_int("n_workers", n_workers, minimum=1)
    check_seed("seed", seed)
    if not isinstance(y, np.ndarray) or y.ndim == 0:
        raise TypeError(f"y must be an ndarray of targets, one per row; got {describe(y)}.")
    as_float_array("X", X, ndim=2)
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}; they must match.")
    n_rows = len(y)
    if n_workers > n_rows:
        raise ValueError(
            f"n_workers must be <= the number of samples; got n_workers={n_workers} for "
            f"{n_rows} samples. Every worker needs at least one row: use fewer workers."
        )
    labels = y
    if np.ndim(y) != 1:
        if scheme in ("dirichlet", "shards"):
            raise ValueError(
                f"scheme={scheme!r} splits by class label and needs 1-D integer labels y; got "
                f"y of shape {np.shape(y)}. Use scheme='iid' or 'by_node' for other targets."
            )
        labels = np.zeros(len(y))  # "iid" and "by_node" only use the number of rows
    shards = partition(labels, n_workers, scheme, seed, **partition_options)
    topology = make_topology(n_workers, devices, n_gateways=n_gateways)
    return Cluster(X, y, shards, topology)
