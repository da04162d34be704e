"""Partitions across devices: disjoint, complete, deterministic, and skewed as documented."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
from minitrain.data import partition, partition_report


def labels(n: int, n_classes: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n_classes, n)


def assert_disjoint_and_complete(parts: list[np.ndarray], n: int) -> None:
    everything = np.concatenate(parts)
    assert everything.dtype == np.int64
    assert np.array_equal(np.sort(everything), np.arange(n))  # each index exactly once
    assert all(np.array_equal(p, np.sort(p)) for p in parts)


@given(
    n=st.integers(20, 400),
    n_classes=st.integers(1, 6),
    n_parts=st.integers(1, 8),
    scheme=st.sampled_from(["iid", "dirichlet", "shards"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_parts_are_disjoint_cover_every_index_once_and_repeat_from_seed(
    n, n_classes, n_parts, scheme, seed
):
    y = labels(n, n_classes, seed)
    parts = partition(y, n_parts, scheme, seed, min_size=1)
    assert len(parts) == n_parts
    assert_disjoint_and_complete(parts, n)
    again = partition(y, n_parts, scheme, seed, min_size=1)
    assert all(np.array_equal(a, b) for a, b in zip(parts, again, strict=True))


@given(n=st.integers(10, 500), n_parts=st.integers(1, 10), seed=st.integers(0, 2**32 - 1))
def test_iid_parts_differ_in_size_by_at_most_one(n, n_parts, seed):
    sizes = partition_report(partition(np.zeros(n), n_parts, "iid", seed)).sizes
    assert sizes.max() - sizes.min() <= 1


@given(
    n=st.integers(100, 600),
    n_parts=st.integers(2, 6),
    alpha=st.floats(0.3, 100.0),
    seed=st.integers(0, 2**32 - 1),
    data=st.data(),
)
def test_dirichlet_parts_respect_min_size(n, n_parts, alpha, seed, data):
    min_size = data.draw(st.integers(0, n // (4 * n_parts)))
    y = labels(n, 4, seed)
    parts = partition(y, n_parts, "dirichlet", seed, alpha=alpha, min_size=min_size)
    assert_disjoint_and_complete(parts, n)
    assert min(p.size for p in parts) >= min_size


@given(seed=st.integers(0, 2**32 - 1))
def test_dirichlet_with_huge_alpha_approaches_iid_label_histograms(seed):
    y = np.repeat(np.arange(10), 1000)
    report = partition_report(partition(y, 10, "dirichlet", seed, alpha=1e5), y)
    # Dealing 1000 rows per class by shares within ~0.003 of 1/10 leaves each part's label mix
    # within a few rows of the global one (TV <= 0.004 over 100 seeds); an IID sample of 1000
    # rows has TV about 0.04, and alpha=1 about 0.3.
    assert report.label_skew.max() < 0.02
    assert report.sizes.min() > 900 and report.sizes.max() < 1100


@given(seed=st.integers(0, 2**32 - 1))
def test_dirichlet_with_tiny_alpha_leaves_most_parts_with_few_labels(seed):
    y = np.repeat(np.arange(10), 500)
    report = partition_report(partition(y, 10, "dirichlet", seed, alpha=0.01), y)
    top_two_share = np.sort(report.counts, axis=1)[:, -2:].sum(axis=1) / report.sizes
    # Dirichlet(0.01) puts nearly all of a class on one part; balancing strays aside, most
    # parts are made of at most two labels (>= 90% of their rows): over 2000 seeds the share
    # of such parts was >= 0.9 in 99% of draws and never below 0.5.
    assert np.mean(top_two_share >= 0.9) >= 0.5
    assert report.label_skew.mean() > 0.6  # vs about 0.03 for alpha=1e5


@given(shards_per_part=st.integers(1, 3), seed=st.integers(0, 2**32 - 1))
def test_shards_give_each_part_at_most_shards_per_part_labels(shards_per_part, seed):
    n_parts = 5
    per_class = 60 * shards_per_part  # shards of 60 rows never straddle two classes
    y = np.random.default_rng(seed).permutation(np.repeat(np.arange(5), per_class))
    parts = partition(y, n_parts, "shards", seed, shards_per_part=shards_per_part)
    report = partition_report(parts, y)
    assert np.all(report.labels_per_part() <= shards_per_part)
    assert np.all(report.sizes == 60 * shards_per_part)


@given(n_nodes=st.integers(2, 8), n_parts=st.integers(1, 8), seed=st.integers(0, 2**32 - 1))
def test_by_node_keeps_each_node_whole(n_nodes, n_parts, seed):
    n_parts = min(n_parts, n_nodes)
    node = np.random.default_rng(seed).integers(0, n_nodes, 200)
    node[:n_nodes] = np.arange(n_nodes)  # every node present
    parts = partition(np.zeros(200), n_parts, "by_node", seed, node=node)
    assert_disjoint_and_complete(parts, 200)
    owners = [set(node[p]) for p in parts]
    assert sum(len(o) for o in owners) == n_nodes  # no node split across parts
    if n_parts == n_nodes:
        assert [o.pop() for o in owners] == list(range(n_nodes))


def test_report_counts_table_and_skew_by_hand():
    y = np.array([0, 0, 1, 1, 2, 2])
    report = partition_report([np.array([0, 1]), np.array([2, 3, 4, 5])], y)
    assert np.array_equal(report.counts, [[2, 0, 0], [0, 2, 2]])
    # part 0: (1, 0, 0) vs (1/3, 1/3, 1/3): TV = (2/3 + 1/3 + 1/3) / 2 = 2/3
    np.testing.assert_allclose(report.label_skew, [2 / 3, 1 / 3], rtol=1e-15)  # exact fractions
    assert np.array_equal(report.labels_per_part(), [1, 2])
    text = str(report).splitlines()
    assert text[0].split() == ["part", "rows", "labels", "TV", "0", "1", "2"]
    assert text[2].split() == ["1", "4", "2", "0.33", "0", "2", "2"]


def test_report_without_labels_gives_sizes_only():
    report = partition_report([np.arange(3), np.arange(3, 5)])
    assert np.array_equal(report.sizes, [3, 2]) and report.counts.shape == (2, 0)


def test_inputs_are_not_modified():
    y = labels(100, 3, 0)
    node = np.repeat(np.arange(4), 25)
    y_before, node_before = y.copy(), node.copy()
    for scheme in ("iid", "dirichlet", "shards", "by_node"):
        partition(y, 4, scheme, 0, node=node, min_size=1)
    assert np.array_equal(y, y_before) and np.array_equal(node, node_before)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"scheme": "random"}, ValueError, r"scheme must be one of 'iid', .*got 'random'"),
        ({"n_parts": 11}, ValueError, r"n_parts must be <= the number of samples; got n_parts=11"),
        ({"n_parts": 0}, ValueError, r"n_parts must be >= 1; got 0"),
        ({"n_parts": 2.0}, TypeError, r"n_parts must be an integer"),
        ({"scheme": "dirichlet", "alpha": 0.0}, ValueError, r"alpha must be a finite number > 0"),
        ({"scheme": "dirichlet", "alpha": -1}, ValueError, r"alpha must be .*> 0; got -1"),
        ({"scheme": "dirichlet", "min_size": 6}, ValueError, r"min_size must be <= N / n_parts"),
        ({"scheme": "shards", "shards_per_part": 6}, ValueError, r"n_parts \* shards_per_part"),
        ({"scheme": "by_node"}, ValueError, r"needs node="),
        ({"scheme": "by_node", "node": np.arange(9)}, ValueError,
         r"node must have one entry per row of y \(10\); got 9"),
        ({"scheme": "by_node", "node": np.zeros(10, int)}, ValueError, r"distinct nodes"),
    ],
)
def test_bad_arguments_are_refused_by_name(kwargs, error, message):
    call = {"y": np.arange(10) % 2, "n_parts": 2, "scheme": "iid", "seed": 0, **kwargs}
    with pytest.raises(error, match=message):
        partition(**call)


@pytest.mark.parametrize(
    ("y", "error", "message"),
    [
        (np.array(["a", "b"] * 5, dtype=object), TypeError, r"y must be a 1-D array of numbers"),
        ([[0, 1], [1]], TypeError, r"y must be a 1-D array of numbers"),  # ragged
        (np.zeros((5, 2)), TypeError, r"y must be a 1-D array"),
        (np.linspace(0, 1, 10), TypeError, r"y must hold integer class labels for scheme"),
        (np.array([], dtype=int), ValueError, r"y is empty"),
    ],
)
def test_bad_labels_are_refused(y, error, message):
    with pytest.raises(error, match=message):
        partition(y, 1, "dirichlet", 0, min_size=0)


def test_partition_is_exported_from_data():
    assert mt.data.partition is partition and "dirichlet" in mt.data.SCHEMES
