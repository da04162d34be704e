"""Footprint accounting checked against hand counts, and the device-budget report."""

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
import minitrain.strategies as mts
from minitrain.compress import (
    DEVICES,
    Device,
    fits,
    footprint,
    get_device,
    magnitude_masks,
    masked,
    sparse_nbytes,
)

MODEL = mt.Sequential([mt.Dense(3, 4), mt.ReLU(), mt.Dense(4, 2)])


def hand_params():
    """float32 params with 7 non-zeros: 3 in 0.W, none in 0.b, 2 in 2.W, 2 in 2.b."""
    W0 = np.zeros((3, 4), dtype=np.float32)
    W0[0, 0], W0[1, 2], W0[2, 3] = 1.0, -2.0, 0.5
    W2 = np.zeros((4, 2), dtype=np.float32)
    W2[0, 1], W2[3, 0] = 0.25, -1.0
    return {
        "0.W": W0,
        "0.b": np.zeros(4, dtype=np.float32),
        "2.W": W2,
        "2.b": np.array([0.1, -0.2], dtype=np.float32),
    }


def test_footprint_of_a_small_model_equals_the_hand_count():
    f = footprint(MODEL, hand_params(), mt.optim.Adam(), batch_size=5)
    assert f.n_params == 26  # 3*4 + 4 + 4*2 + 2
    assert f.n_nonzero == 7  # 3 + 0 + 2 + 2
    assert f.dense_bytes == 104  # 26 * 4
    # sparse float32, per array min(dense, bitmap, CSR):
    #   0.W (3x4, nnz 3): dense 48, bitmap 2 + 12 = 14, CSR 3*(4+1) + 4*1 = 19  -> 14
    #   0.b (4, nnz 0):   dense 16, bitmap 1 + 0 = 1,   CSR 0 + 2*1 = 2          -> 1
    #   2.W (4x2, nnz 2): dense 32, bitmap 1 + 8 = 9,   CSR 2*5 + 5*1 = 15       -> 9
    #   2.b (2, nnz 2):   dense 8,  bitmap 1 + 8 = 9,   CSR 2*5 + 2*1 = 12       -> 8
    assert f.sparse_bytes == 14 + 1 + 9 + 8
    assert f.int8_bytes == 26 + 4 * 4  # one byte each + a float32 scale per array
    # sparse int8 (+4 for the scale): 0.W min(12, 2+3, 3*2+4) = 5; 0.b min(4, 1, 2) = 1;
    #   2.W min(8, 1+2, 2*2+5) = 3; 2.b min(2, 1+2, 2*2+2) = 2
    assert f.sparse_int8_bytes == (5 + 4) + (1 + 4) + (3 + 4) + (2 + 4)
    assert f.macs_dense == 3 * 4 + 4 * 2
    assert f.macs_sparse == 3 + 2  # non-zero weights
    # widths 3 -> 4 -> 4 -> 2; the largest input+output pair is ReLU's 4 + 4, float32
    assert f.inference_ram_bytes == 4 * 8
    assert f.optimizer_slots == 2  # Adam: exp_avg, exp_avg_sq
    assert f.activation_values == 5 * (3 + 4 + 4 + 2)
    # params 26 + grads 26 + slots 52 + activations 65 values of 4 bytes
    assert f.training_bytes == 4 * (26 + 26 + 52 + 65)


@pytest.mark.parametrize(
    ("opt", "slots"),
    [
        (mt.optim.SGD(lr=0.1), 0),
        (mt.optim.SGD(lr=0.1, momentum=0.9), 1),
        (mt.optim.RMSprop(lr=0.1), 1),
        (mt.optim.RMSprop(lr=0.1, momentum=0.9, centered=True), 3),
        (mt.optim.Adagrad(lr=0.1), 1),
        (mt.optim.Adam(lr=0.1, amsgrad=True), 3),
    ],
)
def test_training_memory_counts_the_steppers_slots(opt, slots):
    f = footprint(MODEL, hand_params(), opt, batch_size=1)
    assert f.optimizer_slots == slots
    assert f.training_bytes == 4 * (2 * 26 + slots * 26 + (3 + 4 + 4 + 2))


def test_masked_stepper_adds_one_byte_per_masked_entry():
    params = hand_params()
    masks = magnitude_masks(params, 0.5, "layer")  # masks for 0.W (12) and 2.W (8)
    plain = footprint(MODEL, params, mt.optim.Adam(), batch_size=2)
    wrapped = footprint(MODEL, params, masked(mt.optim.Adam(), masks), batch_size=2)
    assert wrapped.training_bytes == plain.training_bytes + 12 + 8


def test_training_memory_follows_the_params_dtype():
    params = MODEL.init(0, dtype=np.float64)
    f = footprint(MODEL, params, None, batch_size=1)
    assert f.training_bytes == 8 * (2 * 26 + 13)
    assert f.dense_bytes == 4 * 26  # storage is counted as float32 whatever the training dtype


@given(mts.finite_arrays(st.sampled_from([(5,), (3, 7), (16, 16), (1, 300)])), st.integers(1, 4))
def test_sparse_storage_is_never_larger_than_dense_and_shrinks_with_zeros(w, value_bytes):
    dense = w.size * value_bytes
    assert sparse_nbytes(w, value_bytes) <= dense
    zeroed = np.where(np.abs(w) < np.median(np.abs(w)), 0.0, w)
    assert sparse_nbytes(zeroed, value_bytes) <= sparse_nbytes(w, value_bytes)


def test_footprint_without_batch_has_no_training_memory_and_does_not_modify_params():
    params = hand_params()
    before = {k: v.copy() for k, v in params.items()}
    f = footprint(MODEL, params, mt.optim.Adam())
    assert f.training_bytes is None and f.activation_values is None
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
    assert "26 (7 non-zero)" in str(f)


def test_device_presets_are_frozen_and_follow_the_public_specs():
    assert DEVICES["cortex-m4"].ram_bytes == 256 * 1024
    assert DEVICES["cortex-m4"].storage_bytes == 1024**2
    assert DEVICES["cortex-m7"].ram_bytes == 512 * 1024
    assert DEVICES["cortex-m7"].storage_bytes == 2 * 1024**2
    assert DEVICES["raspberry-pi"].ram_bytes == 1024**3
    assert DEVICES["phone"].ram_bytes == 4 * 1024**3
    with pytest.raises(AttributeError):
        DEVICES["phone"].ram_bytes = 1  # frozen dataclass


def test_fits_report_says_what_fits_where_and_by_how_much():
    big = mt.Sequential([mt.Dense(256, 512), mt.ReLU(), mt.Dense(512, 10)])
    f = footprint(big, big.init(0, dtype=np.float32), mt.optim.Adam(), batch_size=32)
    # 136,714 params: dense float32 4 * 136,714 = 546,856 B (534 KB) fits 1 MB of flash;
    # Adam training 4 * (4 * 136,714 + 32 * (256 + 512 + 512 + 10)) = 2,352,544 B > 256 KB
    report = fits(f, "cortex-m4")
    assert report.fits("cortex-m4", "storage: dense float32")
    assert not report.fits("cortex-m4", "RAM: training, batch 32")
    assert f.training_bytes == 2_352_544
    row = next(r for r in report.rows if r.item == "RAM: training, batch 32")
    assert row.margin == 256 * 1024 - f.training_bytes
    text = str(report)
    assert "over by" in text and "headroom" in text and "cortex-m4" in text
    everywhere = fits(f)
    assert {r.device for r in everywhere.rows} == set(DEVICES)
    assert everywhere.fits("phone", "RAM: training, batch 32")
    custom = Device("tiny", 1024, 2048, 1e6, "a made-up device")
    assert not fits(f, custom).fits("tiny", "storage: int8")


def test_latency_is_multiply_adds_over_the_device_rate():
    f = footprint(MODEL, hand_params())
    report = fits(f, "cortex-m4")
    (_, dense, sparse) = report.latency[0]
    assert dense == 20 / DEVICES["cortex-m4"].macs_per_second
    assert sparse == 5 / DEVICES["cortex-m4"].macs_per_second


# ----- bad input -------------------------------------------------------------------------------


def test_unknown_device_preset_is_refused():
    f = footprint(MODEL, hand_params())
    with pytest.raises(ValueError, match=r"device must be one of the presets \['cortex-m4'"):
        fits(f, "arduino-uno")


def test_a_device_is_a_preset_name_or_a_device_and_bad_figures_are_refused():
    custom = Device("tiny", 1024, 2048, 1e6, "a made-up device")
    assert get_device("phone") is DEVICES["phone"] and get_device(custom) is custom
    assert not custom.has_link and DEVICES["cortex-m4"].has_link
    with pytest.raises(ValueError, match=r"stage must be one of the presets \['cortex-m4'"):
        get_device("mcu", "stage")
    with pytest.raises(ValueError, match="ram_bytes must be >= 1"):
        Device("broken", 0, 2048, 1e6)
    with pytest.raises(ValueError, match="availability must lie in"):
        Device("flaky", 1024, 2048, 1e6, availability=0.0)


def test_footprint_bad_input_is_refused():
    with pytest.raises(ValueError, match="missing"):
        footprint(MODEL, {"0.W": hand_params()["0.W"]})
    with pytest.raises(ValueError, match="batch_size"):
        footprint(MODEL, hand_params(), batch_size=0)
    with pytest.raises(TypeError, match="opt"):
        footprint(MODEL, hand_params(), opt="adam")
    with pytest.raises(TypeError, match="footprint"):
        fits({"n_params": 3}, "phone")


@given(st.lists(st.integers(1, 9), min_size=2, max_size=4), st.integers(1, 6), st.data())
def test_activation_count_equals_the_arrays_a_forward_pass_produces(widths, batch, data):
    """Independent count: run the layers one by one and add up every output's size."""
    layers = []
    for n_in, n_out in pairwise(widths):
        layers += [mt.Dense(n_in, n_out), data.draw(st.sampled_from([mt.ReLU, mt.Tanh]))()]
    model = mt.Sequential(layers)
    params = model.init(0)
    out = np.zeros((batch, widths[0]))
    produced = out.size
    for i, layer in enumerate(model.layers):
        out = layer.forward(model.layer_params(params, i), out)[0]
        produced += out.size
    f = footprint(model, params, mt.optim.SGD(lr=0.1, momentum=0.9), batch_size=batch)
    assert f.activation_values == produced
    n = model.num_params()
    assert f.training_bytes == 8 * (n + n + n + produced)  # float64: params, grads, momentum
    assert f.macs_dense == sum(a * b for a, b in pairwise(widths))
