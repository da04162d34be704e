"""The helpers only the distributed modules share (``minitrain.distributed._common``): the
model's keys per layer, the rows of a local step, the checks of the entry points."""

from __future__ import annotations

import numpy as np
import pytest

import minitrain as mt
from minitrain import distributed as dist
from minitrain.distributed import _common


def test_layer_keys_map_each_layers_names_to_the_models_keys():
    model = mt.Sequential([mt.Dense(2, 3), mt.ReLU(), mt.Dense(3, 1)])
    assert _common.layer_keys(model) == [{"W": "0.W", "b": "0.b"}, {}, {"W": "2.W", "b": "2.b"}]


def test_rows_of_a_local_step_are_min_of_b_and_the_shard():
    sizes = np.array([5, 10])
    assert np.array_equal(_common.rows_per_step(sizes, 7), [5, 7])
    assert _common.rows_per_step(sizes, None) is sizes


def test_bad_shared_arguments_are_refused_with_the_argument_named():
    model = mt.Sequential([mt.Dense(2, 1)])
    with pytest.raises(TypeError, match=r"validation must be a tuple \(X_val, y_val\)"):
        _common.check_validation(model, mt.losses.MSE(), model.init(0), [np.zeros((2, 2))])
    with pytest.raises(TypeError, match="hierarchical must be True or False"):
        dist.SyncSGD(opt=mt.optim.SGD(lr=0.1), hierarchical=1)
