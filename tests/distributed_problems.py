"""Problems shared by the distributed test modules: small classification sets, the model they
train, clusters over them, and the tolerance of a reordered sum."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import minitrain as mt
import minitrain.strategies as mts
from minitrain import distributed as dist

problems = mts.classification_problems(n_classes=st.integers(2, 4), n_samples=st.integers(8, 40),
                                       n_features=st.integers(1, 4))  # fmt: skip

# Float64, same formula in a different summation order (per-shard sums then a weighted sum,
# vs one sum over all rows): the difference is a few ulps of the largest partial sum. With at
# most 40 rows of gradients of order 10, that is ~1e-13; 1e-12 leaves room and is far below
# any formula error (a wrong weight changes the result by O(1e-2)).
ATOL = 1e-12


def mlp(n_in: int, n_out: int) -> mt.Sequential:
    return mt.Sequential([mt.Dense(n_in, 5), mt.Tanh(), mt.Dense(5, n_out)])


def cluster_of(X, y, n_workers, seed=0, **kwargs) -> dist.Cluster:
    return dist.make_cluster(X, y, n_workers, seed=seed, **kwargs)


def gd_step(params, grads, lr):
    return {k: p - lr * grads[k] for k, p in params.items()}


def unequal_problem(seed=0, n=30, d=3, classes=3):
    """30 rows over 5 shards of 4, 6, 7, 8 and 5 rows, with the model and loss."""
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(n, d)), rng.integers(0, classes, n)
    shards = [np.arange(0, 4), np.arange(4, 10), np.arange(10, 17), np.arange(17, 25),
              np.arange(25, 30)]  # fmt: skip
    return X, y, shards, mlp(d, classes), mt.losses.CrossEntropy()
