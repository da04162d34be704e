"""Properties of weight clipping: by value to [-c, c] and by global L2 norm."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
import minitrain.strategies as mts
from minitrain.compress import WeightClipping, clip_by_global_norm, clip_values, global_norm

MODEL = mt.Sequential([mt.Dense(3, 4), mt.ReLU(), mt.Dense(4, 2)])
params_st = mts.params_for(MODEL, elements=st.floats(-5.0, 5.0, allow_subnormal=False))


@given(params_st, st.floats(0.01, 6.0))
def test_value_clipping_bounds_weights_and_leaves_the_rest(params, c):
    before = {k: v.copy() for k, v in params.items()}
    out = clip_values(params, c)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])  # not modified in place
        if k.endswith(".W"):
            assert np.abs(out[k]).max() <= c
            inside = np.abs(params[k]) <= c
            np.testing.assert_array_equal(out[k][inside], params[k][inside])
        else:
            np.testing.assert_array_equal(out[k], params[k])  # biases are not weights


@given(params_st, st.floats(0.01, 10.0))
def test_global_norm_clipping_scales_to_the_bound_and_keeps_directions(params, c):
    norm = global_norm(params)
    out = clip_by_global_norm(params, c)
    # A rescaled vector's norm is c up to rounding of the sum of squares (1e-12 relative).
    assert global_norm(out) <= c * (1 + 1e-12)
    if norm > c:
        assert global_norm(out) == pytest.approx(c, rel=1e-12)
        for k in ("0.W", "2.W"):  # same direction: out = params * (c / norm)
            np.testing.assert_allclose(out[k], params[k] * (c / norm), rtol=1e-15)
    else:
        for k in params:
            np.testing.assert_array_equal(out[k], params[k])


def test_clipping_callback_keeps_weights_within_bounds_during_training():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 3)), rng.integers(0, 2, size=64)

    class Check(mt.train.Callback):
        def on_step_end(self, run):
            assert max(np.abs(run.params[k]).max() for k in ("0.W", "2.W")) <= 0.3

    history = mt.fit(MODEL, mt.losses.CrossEntropy(), mt.optim.SGD(lr=0.5), X, y, epochs=5,
                     batch_size=16, callbacks=[WeightClipping(0.3), Check()],
                     progress=False)  # fmt: skip
    assert global_norm(history.params) > 0
    norm_clip = WeightClipping(max_norm=0.5)
    history = mt.fit(MODEL, mt.losses.CrossEntropy(), mt.optim.SGD(lr=0.5), X, y, epochs=2,
                     callbacks=[norm_clip], progress=False)  # fmt: skip
    assert global_norm(history.params) <= 0.5 * (1 + 1e-12)  # rounding only


@pytest.mark.parametrize("c", [0.0, -1.0, float("nan")])
def test_clipping_bound_must_be_positive(c):
    params = MODEL.init(0)
    with pytest.raises(ValueError, match="bound"):
        clip_values(params, c)
    with pytest.raises(ValueError, match="max_norm"):
        clip_by_global_norm(params, c)
    with pytest.raises(ValueError, match="bound"):
        WeightClipping(c)


def test_clipping_callback_needs_a_bound():
    with pytest.raises(ValueError, match="bound"):
        WeightClipping()


@given(params_st, st.integers(-300, 300))
def test_global_norm_scales_with_the_weights_without_overflow_or_underflow(params, exponent):
    """||s w|| = s ||w|| for any power of ten s a float64 holds (squares of 1e300 would overflow,
    of 1e-300 underflow, in the plain sqrt(sum w^2))."""
    scale = 10.0**exponent
    scaled = {k: v * scale for k, v in params.items()}
    tiny = np.finfo(np.float64).tiny
    if not all(np.isfinite(v).all() and (np.abs(v[v != 0]) >= tiny).all()
               for v in scaled.values()):  # fmt: skip
        return  # beyond float64 (5e300) or below its normal range: the tree itself is rounded
    # w / max|w| and the sum of squares each round once per entry: 1e-14 relative.
    assert global_norm(scaled) == pytest.approx(scale * global_norm(params), rel=1e-14)


def test_norm_clipping_of_huge_float32_weights_is_not_a_division_by_infinity():
    params = {"0.W": np.array([[3e19, 4e19]], dtype=np.float32)}  # squares overflow float32
    assert global_norm(params) == pytest.approx(5e19, rel=1e-7)  # float32 entries: 1e-7
    out = clip_by_global_norm(params, 1.0)
    np.testing.assert_allclose(out["0.W"], [[0.6, 0.8]], rtol=1e-6)  # float32 rounding
    assert out["0.W"].dtype == np.float32


def test_a_value_bound_beyond_the_dtype_clips_nothing_and_warns_nothing():
    params = {"0.W": np.array([[1.0, -2.0]], dtype=np.float32)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = clip_values(params, 1e300)
    np.testing.assert_array_equal(out["0.W"], params["0.W"])
