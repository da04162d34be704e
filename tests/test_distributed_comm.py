"""Communication: compressors against their definitions, bytes against hand counts."""

from __future__ import annotations

import math
from fractions import Fraction

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
import minitrain.strategies as mts
from minitrain import distributed as dist

stacks = mts.finite_arrays(hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=6))


def rngs(m: int, seed: int = 0) -> list[np.random.Generator]:
    return [np.random.default_rng([seed, k]) for k in range(m)]


@given(stacks)
def test_topk_keeping_everything_is_the_dense_update(x):
    top_all = dist.TopK(1.0)
    assert np.array_equal(top_all.encode(x, rngs(len(x))), x)
    dense = dist.Uncompressed()
    shape = x.shape[1:]
    assert top_all.nbytes(shape, x.dtype) == dense.nbytes(shape, x.dtype) == x[0].nbytes


@given(stacks, st.floats(0.01, 1.0))
def test_topk_keeps_the_k_largest_magnitudes_of_each_worker(x, fraction):
    top = dist.TopK(fraction)
    out = top.encode(x, rngs(len(x)))
    n = x[0].size
    k = min(n, max(1, math.ceil(fraction * n)))
    for row, sent in zip(x.reshape(len(x), -1), out.reshape(len(x), -1)):
        kept = sent != 0
        assert kept.sum() <= k  # fewer when some of the k largest are 0
        assert np.array_equal(sent[kept], row[kept])
        if kept.any() and (~kept).any():
            assert np.abs(row[kept]).min() >= np.abs(row[~kept]).max()


@given(st.integers(1, 4), st.integers(1, 6), st.integers(1, 20), st.floats(0.05, 0.9),
       st.integers(0, 2**16))  # fmt: skip
def test_error_feedback_conserves_mass(m, steps, n, fraction, seed):
    """sum_t sent_t + e_T = sum_t u_t: what compression drops is only delayed."""
    rng = np.random.default_rng(seed)
    top = dist.TopK(fraction, error_feedback=True)
    residual, sent_total, raw_total = None, np.zeros((m, n)), np.zeros((m, n))
    for _ in range(steps):
        update = {"w": rng.normal(size=(m, n))}
        sent, residual = dist.compress_stacked(top, update, residual, [])
        sent_total += sent["w"]
        raw_total += update["w"]
    # Each step adds u + e (one rounding) and splits it exactly into sent + e': the sums
    # differ by a few ulps of the running totals, |.| <= steps * 4 here.
    np.testing.assert_allclose(sent_total + residual["w"], raw_total, rtol=0, atol=1e-13)


def test_error_feedback_sends_what_it_held_back():
    top = dist.TopK(0.5, error_feedback=True)
    sent, residual = dist.compress_stacked(top, {"w": np.array([[3.0, 1.0]])}, None, [])
    assert sent["w"].tolist() == [[3.0, 0.0]] and residual["w"].tolist() == [[0.0, 1.0]]
    sent, residual = dist.compress_stacked(top, {"w": np.array([[0.5, 0.0]])}, residual, [])
    assert sent["w"].tolist() == [[0.0, 1.0]] and residual["w"].tolist() == [[0.5, 0.0]]


@given(stacks)
def test_int8_codes_are_within_half_a_step(x):
    out = dist.Int8().encode(x, [])
    m = len(x)
    scale = np.abs(x.reshape(m, -1)).max(axis=1) / 127
    error = np.abs(out - x).reshape(m, -1).max(axis=1)
    # rounding to the nearest code: |error| <= scale / 2, plus ~1 ulp of |x| from x / s * s
    assert np.all(error <= scale / 2 + 4 * np.finfo(x.dtype).eps * np.abs(x).max())
    codes = np.rint(out.reshape(m, -1) / np.where(scale > 0, scale, 1)[:, None])
    assert np.abs(codes).max() <= 127


@given(mts.finite_arrays(st.integers(2, 12), min_value=-5, max_value=5), st.integers(1, 8),
       st.integers(0, 2**16))  # fmt: skip
def test_qsgd_is_unbiased_within_its_variance_bound(x, levels, seed):
    draws = 4000
    qsgd = dist.QSGD(levels)
    stream = np.random.default_rng(seed)  # one stream for all draws: independent rows
    out = qsgd.encode(np.broadcast_to(x, (draws, x.size)), [stream] * draws)
    norm = np.linalg.norm(x)
    # Each coordinate is norm/s times a Bernoulli(p) offset: variance <= norm^2 / (4 s^2).
    # The mean of 4000 draws is within 6 standard deviations with probability 1 - 2e-9.
    std_of_mean = norm / (2 * levels * math.sqrt(draws))
    np.testing.assert_allclose(out.mean(axis=0), x, rtol=0, atol=6 * std_of_mean + 1e-12)
    # E||Q(x) - x||^2 = (norm/s)^2 sum_i p_i (1 - p_i), p_i = frac(s |x_i| / norm), which is
    # <= min(n / s^2, sqrt(n) / s) ||x||^2 (Alistarh et al. 2017, Lemma 3.1). Each term
    # (B_i - p_i)^2 has variance <= 1/16, so the mean over the draws has standard deviation
    # <= (norm/s)^2 sqrt(n / 16 / draws); again 6 of them.
    r = levels * np.abs(x) / (norm if norm > 0 else 1)
    p = r - np.floor(r)
    expected = (norm / levels) ** 2 * np.sum(p * (1 - p))
    assert expected <= min(x.size / levels**2, math.sqrt(x.size) / levels) * norm**2 + 1e-12
    spread = (norm / levels) ** 2 * math.sqrt(x.size / 16 / draws)
    observed = np.mean(np.sum((out - x) ** 2, axis=1))
    assert abs(observed - expected) <= 6 * spread + 1e-12
    # every decoded entry is a multiple of norm / s with the sign of x
    levels_hit = out * levels / np.where(norm > 0, norm, 1)
    np.testing.assert_allclose(levels_hit, np.rint(levels_hit), atol=1e-9)
    assert np.all(out * np.sign(x) >= 0)


def test_byte_counts_of_a_small_model_equal_the_hand_count():
    model = mt.Sequential([mt.Dense(3, 2), mt.ReLU(), mt.Dense(2, 1)])
    params = model.init(0, dtype=np.float32)  # W0 (3,2), b0 (2,), W2 (2,1), b2 (1,): 11 values
    assert dist.dense_nbytes(params) == 11 * 4
    # TopK(0.25): k = ceil(0.25 n) per tensor as (float32 value, int32 index) = 8 bytes;
    # W0 k=2 -> 16, b0 k=1 -> 8, W2 k=1 -> 8, b2 k=1=n -> dense 4. Total 36.
    assert dist.update_nbytes(dist.TopK(0.25), params) == 16 + 8 + 8 + 4
    # Int8: one byte per value + a float32 scale per tensor: (6+4) + (2+4) + (2+4) + (1+4).
    assert dist.update_nbytes(dist.Int8(), params) == 27
    # QSGD(3): 1 sign bit + ceil(log2 4) = 2 level bits per value, bytes rounded up per
    # tensor, + a float32 norm: ceil(18/8)+4 + ceil(6/8)+4 + ceil(6/8)+4 + ceil(3/8)+4 = 22.
    assert dist.update_nbytes(dist.QSGD(3), params) == 7 + 5 + 5 + 5
    # float64 doubles values and scales, not indices: TopK 2*12 + 12 + 12 + 8 = 56.
    assert dist.update_nbytes(dist.TopK(0.25), model.init(0)) == 56


@pytest.mark.parametrize("hierarchical", [False, True])
def test_bytes_per_link_of_a_round_equal_the_hand_count(hierarchical):
    model = mt.Sequential([mt.Dense(3, 2), mt.ReLU(), mt.Dense(2, 1)])
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(9, 3)).astype(np.float32), rng.normal(size=(9, 1)).astype(np.float32)
    cluster = dist.make_cluster(X, y, 3)
    history = dist.sync_sgd(model, mt.losses.MSE(), cluster, opt=mt.optim.SGD(lr=0.1), rounds=1,
                            compression=dist.TopK(0.25), hierarchical=hierarchical)  # fmt: skip
    # Down: 44 dense bytes to the gateway once, then to each of the 3 workers.
    assert history.bytes_down_by_link[0] == {"worker 0": 44, "worker 1": 44, "worker 2": 44,
                                             "gateway 0": 44}  # fmt: skip
    # Up: 36 bytes from each worker; the gateway forwards 3 x 36 (flat) or one dense average.
    backhaul = 44 if hierarchical else 3 * 36
    assert history.bytes_up_by_link[0] == {"worker 0": 36, "worker 1": 36, "worker 2": 36,
                                           "gateway 0": backhaul}  # fmt: skip
    assert history.total_bytes == [4 * 44 + 3 * 36 + backhaul]


# ----- the clock ------------------------------------------------------------------------------


@pytest.mark.parametrize("fraction", [0.0, -0.5, 1.5])
def test_topk_with_a_fraction_outside_zero_one_is_refused(fraction):
    with pytest.raises(ValueError, match="fraction must lie in"):
        dist.TopK(fraction)


def test_qsgd_needs_at_least_one_level():
    with pytest.raises(ValueError, match="levels must be >= 1"):
        dist.QSGD(0)


# ----- TopK's k: the fraction as written --------------------------------------------------------


@given(st.integers(1, 6), st.data(), st.integers(1, 10**6), st.sampled_from([float, np.float32]))
def test_topk_k_is_the_ceiling_of_the_decimal_fraction_written(digits, data, n, kind):
    """k = min(n, max(1, ceil(m n / 10^d))) for the fraction written "m e-d", in integers.

    m <= 10^d has at most 6 significant digits, so the fraction reads back exactly from a
    float64 (15 digits) and from a float32 (6 digits) alike."""
    m = data.draw(st.integers(1, 10**digits))
    fraction = kind(f"{m}e-{digits}")
    expected = min(n, max(1, -(-m * n // 10**digits)))
    top = dist.TopK(fraction)
    assert top.k_of(n) == expected
    itemsize = 4
    dense = n * itemsize
    assert top.nbytes((n,), np.float32) == (dense if expected == n else expected * (itemsize + 4))


@pytest.mark.parametrize("percent", range(1, 101))
def test_topk_of_p_percent_of_100_entries_keeps_p(percent):
    x = np.arange(1.0, 101.0)[None, :]  # distinct magnitudes, so exactly k entries survive
    top = dist.TopK(percent / 100)
    assert top.k_of(100) == percent
    assert np.count_nonzero(top.encode(x, rngs(1))) == percent


def test_topk_reads_float32_and_exact_fractions_as_written():
    assert dist.TopK(0.07).k_of(100) == 7  # floating point: ceil(7.000000000000001) = 8
    assert dist.TopK(np.float32(0.07)).k_of(100) == 7
    assert dist.TopK(Fraction(1, 3)).k_of(3) == 1
    assert dist.TopK(0.07).nbytes((100,), np.float64) == 7 * (8 + 4)
