"""Building a cluster: shards checked with the argument named, label splits of regression
targets refused."""

from __future__ import annotations

import numpy as np
import pytest
from distributed_problems import unequal_problem

from minitrain import distributed as dist


def test_bad_cluster_arguments_are_refused_with_the_argument_named():
    X, y, _, _, _ = unequal_problem()
    with pytest.raises(ValueError, match="n_workers must be >= 1"):
        dist.make_cluster(X, y, 0)
    with pytest.raises(ValueError, match="n_workers must be <= the number of samples"):
        dist.make_cluster(X[:5], y[:5], 6)
    with pytest.raises(ValueError, match=r"shards\[1\] is empty"):
        dist.Cluster(X, y, [np.arange(30), np.array([], dtype=np.int64)])
    with pytest.raises(ValueError, match="shards must hold at least one shard"):
        dist.Cluster(X, y, [])
    with pytest.raises(ValueError, match=r"shards\[0\] must index rows in \[0, 30\)"):
        dist.Cluster(X, y, [np.arange(25, 31)])


def test_label_splits_of_regression_targets_are_refused():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)), rng.normal(size=(20, 1))
    with pytest.raises(ValueError, match="scheme='shards' splits by class label"):
        dist.make_cluster(X, y, 4, scheme="shards")
    assert dist.make_cluster(X, y, 4).sizes.tolist() == [5, 5, 5, 5]
