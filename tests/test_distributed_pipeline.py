"""Model parallelism: pipelined gradients equal single-device ones; boundary bytes and the
GPipe schedule against hand counts and the closed form of the bubble."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
import minitrain.strategies as mts
from minitrain import distributed as dist

ACTIVATIONS = [mt.ReLU, mt.Tanh, mt.Sigmoid, mt.LeakyReLU]


@st.composite
def split_models(draw):
    """(model, stages): 2-4 Dense layers with activations between, cut at random boundaries."""
    widths = draw(st.lists(st.integers(1, 6), min_size=3, max_size=5))
    layers = []
    for a, b in itertools.pairwise(widths):
        layers.append(mt.Dense(a, b))
        layers.append(draw(st.sampled_from(ACTIVATIONS))())
    layers = layers[:-1]
    cuts = sorted(draw(st.sets(st.integers(1, len(layers) - 1), max_size=3)))
    bounds = [0, *cuts, len(layers)]
    return mt.Sequential(layers), list(itertools.pairwise(bounds))


@given(split_models(), st.integers(8, 30), st.integers(1, 8), st.integers(0, 2**16))
def test_pipelined_gradients_equal_single_device_gradients(split, n, micro_batches, seed):
    model, stages = split
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, model.n_in))
    y = rng.normal(size=(n, model.n_out))
    params = model.init(seed)
    loss = mt.losses.MSE()
    value, grads = mt.value_and_grad(model, loss, params, X, y)
    v1, g1, _ = dist.pipeline_value_and_grad(model, loss, params, X, y, stages=stages)
    assert v1 == value and all(np.array_equal(g1[k], grads[k]) for k in grads)  # M = 1: exact
    vm, gm, report = dist.pipeline_value_and_grad(model, loss, params, X, y, stages=stages,
                                                  micro_batches=micro_batches)  # fmt: skip
    assert report.micro_batches == micro_batches and list(gm) == list(grads)
    # Sum over micro-batches of (n_m / N)-scaled means vs one mean: summation order only,
    # a few ulps of gradients of order 10 over <= 30 rows.
    assert vm == pytest.approx(value, rel=1e-12, abs=1e-12)
    for key in grads:
        np.testing.assert_allclose(gm[key], grads[key], rtol=0, atol=1e-12)


@given(split_models(), st.integers(4, 30), st.integers(1, 4))
def test_bytes_crossing_each_boundary_are_rows_times_width(split, n, micro_batches):
    model, stages = split
    X = np.ones((n, model.n_in), dtype=np.float32)
    y = np.zeros((n, model.n_out), dtype=np.float32)
    params = model.init(0, dtype=np.float32)
    _, _, report = dist.pipeline_value_and_grad(
        model, mt.losses.MSE(), params, X, y, stages=stages, micro_batches=micro_batches
    )
    width = model.n_in
    widths = []
    for layer in model.layers:
        width = layer.output_width(width)
        widths.append(width)
    for s, (_, stop) in enumerate(stages[:-1]):
        # every row crosses once forward (activation) and once backward (its gradient)
        assert report.activation_bytes[s] == n * widths[stop - 1] * 4
        assert report.gradient_bytes[s] == n * widths[stop - 1] * 4
    assert sum(report.stage_param_bytes) == dist.dense_nbytes(params)


@given(st.integers(1, 6), st.integers(1, 12), st.floats(0.1, 10.0), st.floats(0.1, 10.0))
def test_gpipe_schedule_with_equal_stages_and_free_links_matches_the_closed_form(S, M, f, b):
    forward, backward = np.full((S, M), f), np.full((S, M), b)
    no_links = np.zeros((S - 1, M))
    time, busy = dist.gpipe_schedule(forward, backward, no_links, no_links)
    # (M + S - 1) slots of f + b, of which each stage is busy M: bubble (S-1)/(M+S-1)
    # the schedule adds up the same f and b terms in another order: 1e-12 relative
    assert time == pytest.approx((M + S - 1) * (f + b), rel=1e-12)
    bubble = 1 - busy.sum() / (S * time)  # the idle fraction of the stages
    assert bubble == pytest.approx((S - 1) / (M + S - 1), abs=1e-12)


@given(st.integers(2, 4), st.integers(1, 6), st.integers(0, 2**16))
def test_gpipe_time_covers_the_critical_path_and_each_stage_busy_time(S, M, seed):
    rng = np.random.default_rng(seed)
    forward, backward = rng.uniform(0.1, 1, (S, M)), rng.uniform(0.1, 1, (S, M))
    send_f, send_b = rng.uniform(0, 1, (S - 1, M)), rng.uniform(0, 1, (S - 1, M))
    time, busy = dist.gpipe_schedule(forward, backward, send_f, send_b)
    # one micro-batch must go down and back up the whole pipeline, links included
    path = forward[:, 0].sum() + send_f[:, 0].sum() + backward[:, 0].sum() + send_b[:, 0].sum()
    assert time >= path - 1e-12 and time >= busy.max() - 1e-12
    np.testing.assert_allclose(busy, forward.sum(axis=1) + backward.sum(axis=1), rtol=1e-12)


@given(st.integers(1, 8), st.floats(0.1, 10.0), st.floats(0.0, 1e-3))
def test_micro_batches_queue_on_a_link(M, send, compute):
    # Two stages that (almost) do not compute, joined by one link: the M activations cross it
    # one after another, then the M gradients do.
    forward = backward = np.full((2, M), compute)
    time, _ = dist.gpipe_schedule(forward, backward, np.full((1, M), send), np.full((1, M), send))
    queued = 2 * M * send
    # compute adds at most 3 (M + 1) * compute <= 0.03 s to the step; the link part is exact
    assert queued - 1e-12 <= time <= queued + 3 * (M + 1) * compute + 1e-12
    # Were the micro-batches not queued, the link part would be 2 send whatever M.
    assert M == 1 or time > 2 * send + (M - 1) * send


def test_pipeline_report_times_a_split_across_real_devices():
    model = mt.Sequential([mt.Dense(64, 128), mt.ReLU(), mt.Dense(128, 10)])
    X, y = mt.data.load_digits()
    X = X[:256] / 16
    params = model.init(0)
    one, eight = (
        dist.pipeline_value_and_grad(model, mt.losses.CrossEntropy(), params, X, y[:256],
                                     stages=[(0, 2), (2, 3)], devices=["phone", "cloud"],
                                     micro_batches=M)[2]
        for M in (1, 8)
    )  # fmt: skip
    # The phone's link, not its compute, sets the pace, and a link carries one transfer at a
    # time: eight micro-batches pay the link's latencies eight times over, each way.
    phone, cloud = dist.DEVICES["phone"], dist.DEVICES["cloud"]
    latency, nbytes = phone.latency_s + cloud.latency_s, 256 * 128 * 8 / 8
    up = dist.transfer_time(nbytes, min(phone.uplink_bps, cloud.downlink_bps), latency)
    down = dist.transfer_time(nbytes, min(cloud.uplink_bps, phone.downlink_bps), latency)
    assert eight.time >= 8 * (up + down) > one.time
    assert eight.activation_bytes == one.activation_bytes == (256 * 128 * 8,)


def test_bad_stage_splits_are_refused_with_the_argument_named():
    model = mt.Sequential([mt.Dense(3, 4), mt.ReLU(), mt.Dense(4, 2)])
    X, y = np.ones((4, 3)), np.zeros((4, 2))
    params, loss = model.init(0), mt.losses.MSE()
    bad = {
        "stages must be a non-empty list": [],
        r"stages\[0\] = \(0, 0\) is empty": [(0, 0), (0, 3)],
        r"stages\[1\] = \(2, 9\) is out of range": [(0, 2), (2, 9)],
        r"stages\[0\] = \(1, 3\) is out of range": [(1, 3)],
        r"stages\[1\] = \(1, 3\) is out of range": [(0, 2), (1, 3)],
        "stages end at layer 2 but the model has 3 layers": [(0, 2)],
        r"stages\[0\] must be a \(start, stop\) pair": [(0, 1, 3)],
    }
    for message, stages in bad.items():
        with pytest.raises(ValueError, match=message):
            dist.pipeline_value_and_grad(model, loss, params, X, y, stages=stages)
    with pytest.raises(ValueError, match="micro_batches must be <= 4"):
        dist.pipeline_value_and_grad(model, loss, params, X, y, stages=[(0, 3)], micro_batches=5)
    with pytest.raises(ValueError, match="devices must give one device per stage"):
        dist.pipeline_value_and_grad(model, loss, params, X, y, stages=[(0, 3)],
                                     devices=["phone", "cortex-m4"])  # fmt: skip


@given(mts.finite_arrays((5, 3)))
def test_the_pipeline_never_modifies_its_inputs(X):
    model = mt.Sequential([mt.Dense(3, 4), mt.Tanh(), mt.Dense(4, 2)])
    y = np.zeros((5, 2))
    params = model.init(1)
    before = (X.copy(), {k: v.copy() for k, v in params.items()})
    dist.pipeline_value_and_grad(model, mt.losses.MSE(), params, X, y, stages=[(0, 2), (2, 3)],
                                 micro_batches=2)  # fmt: skip
    assert np.array_equal(X, before[0])
    assert all(np.array_equal(params[k], before[1][k]) for k in params)
