"""Training memory for a trainable set: the count equals the bytes of the arrays a learner
really holds, hand counts for the three classic choices, and the device verdicts."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitrain as mt
from minitrain import adapt
from minitrain.compress import training_fits, training_memory

MODEL = mt.Sequential([mt.Dense(3, 4), mt.ReLU(), mt.Dense(4, 5), mt.LeakyReLU(),
                       mt.Dense(5, 2)])
KEYS = tuple(MODEL.param_shapes())
OPTS = [mt.optim.SGD(lr=0.1), mt.optim.SGD(lr=0.1, momentum=0.9), mt.optim.Adam()]


@settings(max_examples=25)
@given(seed=st.integers(0, 2**31), keys=st.sets(st.sampled_from(KEYS)),
       opt=st.sampled_from(OPTS), batch=st.integers(1, 6), capacity=st.sampled_from([0, 7]),
       ewc=st.booleans(), dtype=st.sampled_from([np.float32, np.float64]))
def test_training_memory_equals_the_bytes_of_the_arrays_the_learner_holds(
        seed, keys, opt, batch, capacity, ewc, dtype):
    params = MODEL.init(seed, dtype=dtype)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(40, 3)).astype(dtype)
    y = rng.integers(0, 2, 40)
    penalty = adapt.EWC(params, {k: np.ones_like(v) for k, v in params.items()}) if ewc else None
    learner = adapt.OnlineLearner(
        MODEL, mt.losses.CrossEntropy(), opt, params, trainable=sorted(keys),
        buffer=adapt.Reservoir(capacity, seed) if capacity else None, replay_size=3,
        penalty=penalty)
    for start in range(0, 20, batch):  # the buffer fills up, then every step replays 3 rows
        learner.learn_many(X[start:start + batch], y[start:start + batch])
    learner.learn_many(X[20:20 + batch], y[20:20 + batch])
    counted = learner.memory(batch)
    if not keys:
        assert counted.grad_bytes == counted.activation_bytes == counted.slot_bytes == 0
        return
    measured = learner.measured_bytes_
    assert measured["activations"] == counted.activation_bytes
    assert measured["grads"] == counted.grad_bytes
    assert measured["slots"] == counted.slot_bytes
    assert measured["penalty"] == counted.penalty_bytes
    assert measured["buffer"] == counted.buffer_bytes
    assert sum(measured.values()) == counted.total_bytes


def test_hand_counts_for_all_weights_last_layer_and_biases_only():
    # Dense(3,4) ReLU Dense(4,5) LeakyReLU Dense(5,2), float32, batch 10, plain SGD.
    params = MODEL.init(0, dtype=np.float32)
    n_params = 12 + 4 + 20 + 5 + 10 + 2  # 53
    every = training_memory(MODEL, params, mt.optim.SGD(lr=0.1), 10)
    # kept: inputs of the three Dense layers (3 + 4 + 5 values; ReLU's output is Dense 2's
    # input, one array) + LeakyReLU's bool mask (5 bytes per row)
    assert every.activation_bytes == 10 * (4 * (3 + 4 + 5) + 5)
    assert every.params_bytes == every.grad_bytes == 4 * n_params
    assert every.slot_bytes == 0
    assert every.forward_macs == 12 + 20 + 10
    assert every.backward_macs == (12 + 20 + 10) + (20 + 10)  # dW everywhere, dx above 0
    last = training_memory(MODEL, params, mt.optim.SGD(lr=0.1), 10,
                           trainable=adapt.last_layer(MODEL))
    assert last.activation_bytes == 10 * 4 * 5  # Dense 4's input only
    assert last.grad_bytes == 4 * 12 and last.backward_macs == 10
    bias = training_memory(MODEL, params, mt.optim.Adam(), 10, trainable=adapt.biases(MODEL))
    # no Dense input; ReLU's output (4) and LeakyReLU's mask (5 bytes) above layer 0
    assert bias.activation_bytes == 10 * (4 * 4 + 5)
    assert bias.grad_bytes == 4 * (4 + 5 + 2) and bias.slot_bytes == 2 * bias.grad_bytes
    assert bias.backward_macs == 20 + 10  # dx through layers 2 and 4, no dW
    assert bias.total_bytes < last.total_bytes + 4 * n_params < every.total_bytes * 2


def test_each_strategy_is_checked_against_each_device():
    model = mt.Sequential([mt.Dense(64, 256), mt.ReLU(), mt.Dense(256, 10)])
    params = model.init(0, dtype=np.float32)
    memories = {
        "all weights, Adam": training_memory(model, params, mt.optim.Adam(), 32),
        "biases, SGD": training_memory(model, params, mt.optim.SGD(lr=0.1), 32,
                                       trainable=adapt.biases(model)),
    }
    report = training_fits(memories)
    # 19,210 params of 4 B. All weights with Adam: 4 copies (params, grads, 2 slots) = 307 KB
    # + activations 32 x (64 + 256) x 4 B = 41 KB: 348 KB > 256 KB. Biases with SGD: params
    # 77 KB + bias grads 1 KB + ReLU's output 32 x 256 x 4 B = 33 KB: 112 KB.
    assert memories["all weights, Adam"].total_bytes == 4 * (4 * 19_210 + 32 * (64 + 256))
    assert memories["biases, SGD"].total_bytes == 4 * (19_210 + 266 + 32 * 256)
    assert not report.fits("all weights, Adam", "cortex-m4")
    assert report.fits("all weights, Adam", "raspberry-pi")
    assert report.fits("biases, SGD", "cortex-m4")
    assert "cortex-m4" in str(report)


def test_bad_arguments_are_refused_by_name():
    params = MODEL.init(0)
    with pytest.raises(ValueError, match=re.escape("trainable keys ['7.b']")):
        training_memory(MODEL, params, trainable=["7.b"])
    with pytest.raises(ValueError, match="batch_size"):
        training_memory(MODEL, params, batch_size=0)
    with pytest.raises(ValueError, match="device"):
        training_fits({"x": training_memory(MODEL, params)}, "toaster")


def test_footprint_with_a_trainable_set_is_its_training_memory_and_fits_tells_where_it_trains():
    model = mt.Sequential([mt.Dense(64, 256), mt.ReLU(), mt.Dense(256, 128), mt.ReLU(),
                           mt.Dense(128, 10)])  # fmt: skip
    params, opt = model.init(0, dtype=np.float32), mt.optim.Adam()
    for keys in (list(params), ["4.W", "4.b"], ["0.b", "2.b", "4.b"]):
        counted = mt.compress.footprint(model, params, opt, 16, trainable=keys)
        expected = mt.compress.training_memory(model, params, opt, 16, trainable=keys)
        assert counted.training_bytes == expected.total_bytes
    m4 = mt.compress.DEVICES["cortex-m4"]
    everything = mt.compress.footprint(model, params, opt, 16, trainable=list(params))
    last_layer = mt.compress.footprint(model, params, mt.optim.SGD(lr=0.1), 16,
                                       trainable=["4.W", "4.b"])  # fmt: skip
    assert everything.training_bytes > m4.ram_bytes >= last_layer.training_bytes
    with pytest.raises(ValueError, match="trainable needs batch_size"):
        mt.compress.footprint(model, params, opt, trainable=["4.b"])
