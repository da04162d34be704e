"""Properties of uniform quantization (symmetric and affine, per tensor and per channel)."""

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minitrain as mt
import minitrain.strategies as mts
from minitrain.compress import (
    apply_masks,
    dequantize,
    fake_quantize,
    magnitude_masks,
    quantize,
    quantize_array,
    quantized_nbytes,
)

shapes = st.sampled_from([(7,), (3, 4), (5, 2), (1, 6), (6, 1)])
dtypes = st.sampled_from([np.float32, np.float64])
bits_st = st.integers(2, 8)
schemes = st.sampled_from(["symmetric", "affine"])
granularities = st.sampled_from(["tensor", "channel"])
# Few distinct values make exact ties (x.5 after scaling) and all-equal channels likely.
GRID = st.sampled_from([-2.0, -1.0, -0.5, 0.0, 0.25, 1.0, 1.5, 2.0])


@st.composite
def arrays(draw):
    dtype, shape = draw(dtypes), draw(shapes)
    if draw(st.booleans()):
        return draw(mts.finite_arrays(shape, dtype, -3.0, 3.0))
    return draw(hnp.arrays(dtype, shape, elements=GRID))


def slack(w):
    """Rounding of w / s and (q - z) * s: a few ulps of the largest magnitude."""
    return 8 * np.finfo(w.dtype).eps * max(float(np.abs(w).max()), 1e-30)


@given(arrays(), bits_st, schemes, granularities)
def test_dequantization_error_is_at_most_half_a_scale(w, bits, scheme, granularity):
    q = quantize_array(w, bits, scheme, granularity)
    error = np.abs(q.dequantize() - w)
    # error <= s/2 exactly in real arithmetic; slack() covers float rounding of w/s and (q-z)s.
    assert np.all(error <= q.scale / 2 + slack(w))


@given(arrays(), bits_st, schemes, granularities)
def test_integers_lie_in_the_range_of_the_bit_width(w, bits, scheme, granularity):
    q = quantize_array(w, bits, scheme, granularity)
    assert q.values.dtype == np.int8
    low = -(2 ** (bits - 1)) + (1 if scheme == "symmetric" else 0)
    high = 2 ** (bits - 1) - 1
    assert q.values.min() >= low and q.values.max() <= high
    assert np.all(q.zero_point >= low) and np.all(q.zero_point <= high)
    if scheme == "symmetric":
        assert np.all(q.zero_point == 0)


@given(arrays(), bits_st, schemes)
def test_per_channel_error_is_within_the_per_tensor_error_bound(w, bits, scheme):
    """Each channel's range lies inside the tensor's, so its scale (and error bound s/2) is
    never larger. (The realized error of one entry can be larger by luck: an entry that sits on
    the per-tensor grid has error 0 there, so the claim is about the bound.)"""
    per_tensor = quantize_array(w, bits, scheme, "tensor")
    per_channel = quantize_array(w, bits, scheme, "channel")
    assert per_channel.scale.shape == (w.shape[-1],)
    # A channel holding the tensor's extremes gets the same scale up to rounding (4 ulps).
    assert np.all(per_channel.scale <= per_tensor.scale * (1 + 4 * np.finfo(w.dtype).eps))
    error = np.abs(per_channel.dequantize() - w)
    assert np.all(error <= per_tensor.scale / 2 + slack(w))


def test_per_channel_error_is_smaller_when_channels_differ_in_scale():
    w = np.stack([np.linspace(-1, 1, 9), np.linspace(-100, 100, 9)], axis=1)  # (9, 2)
    per_tensor = quantize_array(w, 8, "symmetric", "tensor")
    per_channel = quantize_array(w, 8, "symmetric", "channel")
    small_channel_error = np.abs(per_channel.dequantize() - w)[:, 0].max()
    assert small_channel_error < np.abs(per_tensor.dequantize() - w)[:, 0].max() / 10


@given(arrays(), schemes, granularities)
def test_eight_bit_round_trip_of_quantized_values_is_exact(w, scheme, granularity):
    first = quantize_array(w, 8, scheme, granularity)
    w_hat = first.dequantize()
    second = quantize_array(w_hat, 8, scheme, granularity)
    np.testing.assert_array_equal(second.values, first.values)
    np.testing.assert_array_equal(second.zero_point, first.zero_point)
    # The scale is recomputed from w_hat's range: equal up to the rounding of (q - z) * s and
    # of the range's division (4 ulps), so values agree to that too.
    np.testing.assert_allclose(second.scale, first.scale, rtol=4 * np.finfo(w.dtype).eps)
    np.testing.assert_allclose(second.dequantize(), w_hat, rtol=8 * np.finfo(w.dtype).eps,
                               atol=slack(w))  # fmt: skip


def test_range_ends_map_to_integer_ends_even_at_a_rounding_tie():
    """lo / s = -126.5 rounds (half to even) to -126 and hi / s = 128.5 to 128: without care the
    top code 127 would be lost and a second quantization would change every integer."""
    w = np.array([-126.5, 128.5, 3.0])  # s = 255 / 255 = 1, z = -128 - (-126) = -2
    q = quantize_array(w, 8, "affine")
    np.testing.assert_array_equal(q.values, [-128, 127, 1])
    np.testing.assert_array_equal(q.dequantize(), [-126.0, 129.0, 3.0])  # errors 0.5 = s / 2
    again = quantize_array(q.dequantize(), 8, "affine")
    np.testing.assert_array_equal(again.values, q.values)


@given(arrays(), bits_st, schemes, granularities)
def test_zero_is_represented_exactly(w, bits, scheme, granularity):
    w = w.copy()
    w.flat[0] = 0.0
    w_hat = quantize_array(w, bits, scheme, granularity).dequantize()
    assert w_hat.flat[0] == 0.0


@given(st.data(), bits_st, schemes, granularities)
def test_pruned_weights_stay_exactly_zero_and_dtype_and_keys_follow(data, bits, scheme, gran):
    model = mt.Sequential([mt.Dense(4, 5), mt.ReLU(), mt.Dense(5, 3)])
    dtype = data.draw(dtypes)
    params = data.draw(mts.params_for(model, dtype=dtype))
    masks = magnitude_masks(params, 0.6, "layer")
    pruned = apply_masks(params, masks)
    before = {k: v.copy() for k, v in pruned.items()}
    q = quantize(pruned, bits, scheme, gran)
    restored = dequantize(q)
    assert list(restored) == list(params)
    for k, m in masks.items():
        assert np.all(restored[k][~m] == 0)
    for k in params:
        assert restored[k].dtype == dtype and restored[k].shape == params[k].shape
        np.testing.assert_array_equal(pruned[k], before[k])  # not modified in place
    fake = fake_quantize(pruned, bits, scheme, gran)
    for k in params:
        np.testing.assert_array_equal(fake[k], restored[k])


def test_storage_counts_one_byte_per_integer_plus_scales_and_zero_points():
    params = {"0.W": np.ones((3, 4)), "0.b": np.ones(4)}
    # symmetric per tensor: 12 + 4 integers, one float32 scale per array
    assert quantized_nbytes(quantize(params)) == 16 + 2 * 4
    # affine per channel: 16 integers, 4 + 4 scales of 4 bytes, 4 + 4 zero points of 1 byte
    assert quantized_nbytes(quantize(params, scheme="affine", granularity="channel")) == 16 + 40


def test_fewer_bits_give_larger_errors():
    w = np.random.default_rng(0).normal(size=(50, 20))
    errors = [np.abs(quantize_array(w, b).dequantize() - w).max() for b in range(2, 9)]
    assert all(a > b for a, b in pairwise(errors))


def test_fake_quantized_model_predicts_close_to_the_float_model():
    model = mt.Sequential([mt.Dense(6, 8), mt.Tanh(), mt.Dense(8, 3)])
    params = model.init(seed=0)
    X = np.random.default_rng(1).normal(size=(20, 6))
    out = model.predict(fake_quantize(params, 8, "affine", "channel"), X)
    # 8-bit weights err by <= max|w| / 255 each; through two small layers ~1e-2 at most.
    np.testing.assert_allclose(out, model.predict(params, X), atol=3e-2)


# ----- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("bits", [0, 1, 9, 16])
def test_bits_outside_two_to_eight_are_refused(bits):
    with pytest.raises(ValueError, match="bits"):
        quantize({"0.W": np.ones((2, 2))}, bits=bits)


def test_bits_of_the_wrong_type_are_refused():
    with pytest.raises(TypeError, match="bits"):
        quantize({"0.W": np.ones((2, 2))}, bits=8.0)


def test_unknown_scheme_and_granularity_are_refused():
    with pytest.raises(ValueError, match="scheme"):
        quantize({"0.W": np.ones((2, 2))}, scheme="log")
    with pytest.raises(ValueError, match="granularity"):
        quantize({"0.W": np.ones((2, 2))}, granularity="row")


def test_non_finite_params_are_refused():
    with pytest.raises(ValueError, match="NaN"):
        quantize({"0.W": np.array([[np.inf, 1.0]])})


def test_dequantize_refuses_other_input():
    with pytest.raises(TypeError, match="quantize"):
        dequantize({"0.W": np.ones(3)})
