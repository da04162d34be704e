"""Fuzz minitrain.data: arbitrary values into each argument of each public callable.

Every call either returns or raises ValueError/TypeError, and leaves its inputs bit-identical.
One test per public module; each case is a callable with valid keyword arguments, one of
which hypothesis replaces with a ``junk()`` value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from bad_inputs import fuzz_table, printed

import minitrain as mt
from minitrain import data


def consume(function: Callable[..., Any]) -> Callable[..., Any]:
    """Call ``function`` and run the iterator it returns, so lazy errors surface too."""
    return lambda **kwargs: list(function(**kwargs))


Y_INT = np.arange(40) % 4
NODE = np.repeat(np.arange(4), 10)
FLEET = data.make_sensor_fleet(2, 12, seed=0)
PARTS = data.partition(Y_INT, 4, "iid", 0)

COSTS = {"sensor_costs": (data.sensor_costs, {"columns": ["temperature", "pressure"]})}
DATASETS = {
    "load_iris": (data.load_iris, {"dtype": np.float32, "verify": True}),
    "load_digits": (data.load_digits, {"dtype": np.float64, "verify": False}),
    "array_sha256": (data.array_sha256, {"a": np.arange(6.0)}),
}
PARTITION = {
    "iid": (data.partition, {"y": Y_INT, "n_parts": 4, "scheme": "iid", "seed": 0}),
    "dirichlet": (
        data.partition,
        {"y": Y_INT, "n_parts": 2, "scheme": "dirichlet", "seed": 0, "alpha": 1.0,
         "min_size": 2},
    ),
    "shards": (
        data.partition,
        {"y": Y_INT, "n_parts": 4, "scheme": "shards", "seed": 0, "shards_per_part": 2},
    ),
    "by_node": (
        data.partition, {"y": Y_INT, "n_parts": 2, "scheme": "by_node", "seed": 0, "node": NODE}
    ),
    "partition_report": (printed(data.partition_report), {"parts": PARTS, "y": Y_INT}),
}
SENSORS = {
    "make_sensor_fleet": (
        printed(data.make_sensor_fleet),
        {
            "n_nodes": 3, "n_per_node": 8, "seed": 0, "task": "classification",
            "node_spread": 1.0, "missing_rate": 0.1, "dropout_rate": 0.01,
            "dropout_length": (2, 3), "spike_rate": 0.1, "spike_size": 8.0,
            "stuck_rate": 0.01, "stuck_length": (2, 3), "duplicate_rate": 0.1,
            "n_fahrenheit_nodes": 1, "n_kpa_nodes": 1, "dtype": np.float32,
            "drift": [mt.data.Drift("gradual", 2, 1.0, (0,), duration=3)],
        },
    ),
    "Drift": (
        lambda **kw: data.make_sensor_fleet(2, 6, drift=[data.Drift(**kw)]),
        {"kind": "recurring", "start": 1, "size": 1.0, "nodes": (1,), "duration": 1,
         "period": 2},
    ),
    "stream": (FLEET.stream, {"node": 1}),
}
SYNTHETIC = {
    "make_linear": (
        data.make_linear,
        {"n": 5, "coef": 2.0, "intercept": 1.0, "noise": 0.5, "seed": 0, "dtype": np.float32},
    ),
    "make_blobs": (
        data.make_blobs,
        {"n_samples": 9, "n_classes": 3, "n_features": 2, "spread": 1.0, "seed": 0,
         "dtype": np.float64},
    ),
    "train_test_split": (
        data.train_test_split,
        {"X": np.arange(20.0).reshape(10, 2), "y": np.arange(10) % 2, "test_fraction": 0.3,
         "seed": 0, "stratify": True},
    ),
    "minibatches": (
        consume(data.minibatches),
        {"n_samples": 10, "batch_size": 3, "rng": np.random.default_rng(0), "drop_last": True},
    ),
}


test_costs_fails_cleanly_on_junk = fuzz_table(COSTS)
test_datasets_fail_cleanly_on_junk = fuzz_table(DATASETS)
test_partition_fails_cleanly_on_junk = fuzz_table(PARTITION)
test_sensors_fail_cleanly_on_junk = fuzz_table(SENSORS)
test_synthetic_fails_cleanly_on_junk = fuzz_table(SYNTHETIC)
