"""Quantized storage counts the bit width: b-bit integers packed, ceil(n b / 8) bytes."""

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
from minitrain import compress

MODEL = mt.Sequential([mt.Dense(64, 32), mt.ReLU(), mt.Dense(32, 10)])


@given(bits=st.integers(2, 8), seed=st.integers(0, 2**16))
def test_quantized_nbytes_packs_b_bit_integers(bits, seed):
    params = MODEL.init(seed=seed)
    q = compress.quantize(params, bits=bits)
    packed = sum(math.ceil(a.size * bits / 8) for a in params.values())
    assert compress.quantized_nbytes(q) == packed + 4 * len(params)  # one float32 scale each


def test_fewer_bits_take_fewer_bytes_and_eight_bits_are_one_byte_each():
    params = MODEL.init(seed=0)
    sizes = [compress.quantized_nbytes(compress.quantize(params, bits=b)) for b in (8, 4, 2)]
    # 2048 + 32 + 320 + 10 integers; at 2 bits the 10 biases take ceil(20 / 8) = 3 bytes
    assert sizes == [2410 + 16, 1024 + 16 + 160 + 5 + 16, 512 + 8 + 80 + 3 + 16]


@given(bits=st.integers(2, 8), sparsity=st.floats(0.0, 0.95))
def test_footprint_counts_the_bits_and_agrees_with_quantized_nbytes(bits, sparsity):
    params = compress.apply_masks(
        MODEL.init(seed=0), compress.magnitude_masks(MODEL.init(seed=0), sparsity)
    )
    counts = compress.footprint(MODEL, params, bits=bits)
    assert counts.bits == bits
    assert counts.int8_bytes == compress.quantized_nbytes(compress.quantize(params, bits=bits))
    assert counts.sparse_int8_bytes <= counts.int8_bytes
    eight = compress.footprint(MODEL, params)
    assert counts.sparse_int8_bytes <= eight.sparse_int8_bytes
    # At 8 bits the packed count is the byte count minitrain always used.
    assert eight.sparse_int8_bytes == sum(compress.sparse_nbytes(a, 1) + 4 for a in params.values())


def test_footprint_refuses_a_bit_width_outside_2_to_8():
    import pytest

    with pytest.raises((ValueError, TypeError), match="bits"):
        compress.footprint(MODEL, MODEL.init(seed=0), bits=16)
    assert f"int{4}" in str(compress.footprint(MODEL, MODEL.init(seed=0), bits=4))
    assert np.isfinite(compress.footprint(MODEL, MODEL.init(seed=0), bits=2).int8_bytes)
