"""The helpers the distributed modules share (``minitrain.distributed._common``): layer ranges
compose to the whole model, minibatches cover the shard, metric directions, checks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
from minitrain.distributed import _common

ACTIVATIONS = [mt.ReLU, mt.Tanh, mt.Sigmoid, mt.LeakyReLU]


@st.composite
def models_and_cuts(draw):
    widths = draw(st.lists(st.integers(1, 5), min_size=2, max_size=5))
    layers = []
    for n_in, n_out in itertools.pairwise(widths):
        layers += [mt.Dense(n_in, n_out), draw(st.sampled_from(ACTIVATIONS))()]
    model = mt.Sequential(layers)
    return model, draw(st.integers(0, len(layers)))


@given(models_and_cuts(), st.integers(1, 6), st.integers(0, 2**16))
def test_forward_and_backward_over_two_ranges_are_the_whole_model_bit_for_bit(case, n, seed):
    model, cut = case
    rng = np.random.default_rng(seed)
    params, L = model.init(seed), len(model.layers)
    X = rng.normal(size=(n, model.n_in))
    whole, caches = model.forward(params, X)
    middle, first = _common.forward_range(model, params, X, 0, cut)
    out, second = _common.forward_range(model, params, middle, cut, L)
    assert np.array_equal(out, whole)
    dout = rng.normal(size=whole.shape)
    _, expected = model.backward(params, caches, dout)
    d, late = _common.backward_range(model, params, second, dout, cut, L, need_dx=cut > 0)
    _, early = _common.backward_range(model, params, first, d, 0, cut)
    grads = {**late, **early}
    assert list(expected) == [key for key in params]
    assert set(grads) == set(params)
    for key in params:
        assert np.array_equal(grads[key], expected[key])


def test_layer_keys_map_each_layers_names_to_the_models_keys():
    model = mt.Sequential([mt.Dense(2, 3), mt.ReLU(), mt.Dense(3, 1)])
    assert _common.layer_keys(model) == [{"W": "0.W", "b": "0.b"}, {}, {"W": "2.W", "b": "2.b"}]


@given(st.integers(1, 60), st.integers(1, 70), st.integers(0, 2**16))
def test_an_epochs_batches_hold_every_row_exactly_once(n, batch_size, seed):
    batches = _common.epoch_batches(np.random.default_rng(seed), n, batch_size)
    assert np.array_equal(np.sort(np.concatenate(batches)), np.arange(n))
    assert all(len(b) == batch_size for b in batches[:-1]) and 1 <= len(batches[-1]) <= batch_size


@given(st.integers(1, 60), st.integers(1, 70), st.integers(0, 2**16))
def test_a_minibatch_is_min_of_b_and_n_distinct_rows(n, batch_size, seed):
    rows = _common.minibatch_rows(np.random.default_rng(seed), n, batch_size)
    picked = np.arange(n)[rows]
    assert len(picked) == min(n, batch_size) == len(np.unique(picked))
    sizes = np.array([n, 2 * n])
    expected = np.minimum(sizes, batch_size)
    assert np.array_equal(_common.rows_per_step(sizes, batch_size), expected)
    assert _common.rows_per_step(sizes, None) is sizes


def test_an_error_is_reached_from_above_and_a_score_from_below():
    assert _common.lower_is_better("rmse") and not _common.lower_is_better("accuracy")
    assert _common.reached("rmse", 0.1, 0.2) and not _common.reached("rmse", 0.3, 0.2)
    assert _common.reached("accuracy", 0.9, 0.8) and not _common.reached("accuracy", 0.7, 0.8)
    assert not _common.reached("accuracy", 1.0, None)


def test_bad_shared_arguments_are_refused_with_the_argument_named():
    model = mt.Sequential([mt.Dense(2, 1)])
    with pytest.raises(TypeError, match=r"validation must be a tuple \(X_val, y_val\)"):
        _common.check_validation(model, mt.losses.MSE(), model.init(0), [np.zeros((2, 2))])
    with pytest.raises(TypeError, match="opt must be a stepper"):
        _common.check_stepper("opt", "adam")
    with pytest.raises(TypeError, match="hierarchical must be True or False"):
        _common.check_flag("hierarchical", 1)
