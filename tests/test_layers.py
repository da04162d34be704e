"""Properties of the layers and Sequential: hand-written backward passes equal central
differences, forward passes equal their formulas, and bad input is refused clearly.

Gradient tolerance: ``grad_error``/``gradcheck`` < 1e-6. In float64 with eps = 1e-6 the central
difference is off by ~1e-10 |f| (rounding) + eps^2 f'''/6 (truncation); relative to
max(|a|, |n|, 1e-3 max(1, |f|)) that is <~ 1e-7 (see minitrain.gradcheck), while a wrong
formula is off by O(1) relative.
"""

import warnings
from itertools import pairwise

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import minitrain as mt
import minitrain.strategies as mts
from minitrain.gradcheck import grad_error, gradcheck

GRAD_TOLERANCE = 1e-6  # see the module docstring

ACTIVATIONS = {
    "ReLU": mt.ReLU,
    "LeakyReLU": lambda: mt.LeakyReLU(0.1),
    "Tanh": mt.Tanh,
    "Sigmoid": mt.Sigmoid,
}
KINKED = (mt.ReLU, mt.LeakyReLU)  # not differentiable at 0

batch_shapes = st.tuples(st.integers(1, 5), st.integers(1, 5))
# Inputs at least 1e-3 from 0, so a perturbation of eps = 1e-6 never crosses ReLU's kink.
away_from_zero = st.one_of(
    st.floats(-4.0, -1e-3, allow_subnormal=False), st.floats(1e-3, 4.0, allow_subnormal=False)
)


@pytest.mark.parametrize("name", ACTIVATIONS)
@given(data=st.data(), shape=batch_shapes)
def test_activation_backward_equals_central_differences(name, data, shape):
    layer = ACTIVATIONS[name]()
    x = data.draw(hnp.arrays(np.float64, shape, elements=away_from_zero))
    dy = data.draw(mts.finite_arrays(shape, min_value=-2, max_value=2))
    _, cache = layer.forward({}, x)
    dx, grads = layer.backward({}, cache, dy)
    assert grads == {}

    def f(v):  # the scalar whose gradient backward returns: <dy, layer(v)>
        return float(np.sum(dy * layer.forward({}, v)[0]))

    assert grad_error(f, x, dx) < GRAD_TOLERANCE


@given(st.data(), st.integers(1, 5), st.integers(1, 4), st.integers(1, 4))
def test_dense_backward_equals_central_differences(data, n, n_in, n_out):
    layer = mt.Dense(n_in, n_out)
    x = data.draw(mts.finite_arrays((n, n_in), min_value=-2, max_value=2))
    W = data.draw(mts.finite_arrays((n_in, n_out), min_value=-2, max_value=2))
    b = data.draw(mts.finite_arrays((n_out,), min_value=-2, max_value=2))
    dy = data.draw(mts.finite_arrays((n, n_out), min_value=-2, max_value=2))
    y, cache = layer.forward({"W": W, "b": b}, x)
    dx, grads = layer.backward({"W": W, "b": b}, cache, dy)
    np.testing.assert_allclose(y, x @ W + b, rtol=1e-15, atol=0)  # the same operations

    def inner(W_, b_, x_):
        return float(np.sum(dy * layer.forward({"W": W_, "b": b_}, x_)[0]))

    assert grad_error(lambda v: inner(v, b, x), W, grads["W"]) < GRAD_TOLERANCE
    assert grad_error(lambda v: inner(W, v, x), b, grads["b"]) < GRAD_TOLERANCE
    assert grad_error(lambda v: inner(W, b, v), x, dx) < GRAD_TOLERANCE


@st.composite
def models(draw):
    """Sequentials of 1-3 Dense layers with an activation between consecutive ones."""
    widths = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    layers = []
    for i, (n_in, n_out) in enumerate(pairwise(widths)):
        layers.append(mt.Dense(n_in, n_out))
        if i < len(widths) - 2:
            layers.append(ACTIVATIONS[draw(st.sampled_from(sorted(ACTIVATIONS)))]())
    return mt.Sequential(layers)


def kink_distance(model, params, X):
    """Smallest |input| reaching a ReLU or LeakyReLU (inf if there is none)."""
    distance, out = np.inf, X
    for i, layer in enumerate(model.layers):
        if isinstance(layer, KINKED):
            distance = min(distance, float(np.abs(out).min()))
        out = layer.forward(model.layer_params(params, i), out)[0]
    return distance


@st.composite
def model_problems(draw):
    model = draw(models())
    params = draw(mts.params_for(model))
    n = draw(st.integers(1, 5))
    X = draw(mts.finite_arrays((n, model.n_in), min_value=-1, max_value=1))
    y = draw(mts.finite_arrays((n, model.n_out), min_value=-1, max_value=1))
    # A parameter step of 1e-6 moves a pre-activation by < 1e-4 here (|inputs| <= 5 per layer,
    # depth <= 3), so ReLU kinks are avoided by keeping pre-activations 1e-4 away from 0.
    assume(kink_distance(model, params, X) > 1e-4)
    return model, params, X, y


@given(model_problems())
def test_sequential_parameter_gradients_equal_central_differences(problem):
    model, params, X, y = problem
    errors = gradcheck(model, mt.losses.MSE(), params, X, y)
    assert max(errors.values()) < GRAD_TOLERANCE


@given(model_problems())
def test_sequential_input_gradient_equals_central_differences(problem):
    model, params, X, y = problem
    loss = mt.losses.MSE()
    out, caches = model.forward(params, X)
    dX, _ = model.backward(params, caches, loss.grad(out, y), need_dx=True)
    assert grad_error(lambda v: loss(model.forward(params, v)[0], y), X, dX) < GRAD_TOLERANCE


@given(model_problems())
def test_sequential_gradients_have_the_keys_shapes_and_order_of_params(problem):
    model, params, X, _ = problem
    out, caches = model.forward(params, X)
    dX, grads = model.backward(params, caches, np.ones_like(out))
    assert dX is None  # not requested
    assert list(grads) == list(params)
    assert all(grads[k].shape == params[k].shape for k in params)


class DenseWithoutOut(mt.Dense):
    """A layer written before ``out`` existed: its backward returns arrays of its own."""

    def backward(self, params, cache, dy, need_dx=True):
        return super().backward(params, cache, dy, need_dx)


@given(model_problems(), st.booleans())
def test_backward_into_given_arrays_equals_the_fresh_gradients(problem, old_style_first_layer):
    model, params, X, _ = problem
    if old_style_first_layer:
        first = model.layers[0]
        model = mt.Sequential([DenseWithoutOut(first.n_in, first.n_out), *model.layers[1:]])
    out, caches = model.forward(params, X)
    dout = np.cos(out)  # any upstream gradient
    _, fresh = model.backward(params, caches, dout)
    into = {key: np.full_like(value, np.nan) for key, value in params.items()}
    _, written = model.backward(params, caches, dout, out=into)
    assert written is into
    for key in params:
        # The same matrix products and sums, only stored elsewhere: equal to the last bit.
        np.testing.assert_array_equal(into[key], fresh[key])


@given(model_problems(), st.data())
def test_chaining_layer_ranges_equals_the_whole_chain(problem, data):
    model, params, X, _ = problem
    cut = data.draw(st.integers(0, len(model.layers)), label="cut")
    out, caches = model.forward(params, X)
    dout = np.cos(out)  # any upstream gradient
    dX, grads = model.backward(params, caches, dout, need_dx=True)
    # Layers [0, cut) then [cut, L): the same products in the same order, to the last bit.
    middle, first_caches = model.forward(params, X, stop=cut)
    split_out, last_caches = model.forward(params, middle, start=cut)
    np.testing.assert_array_equal(split_out, out)
    d_middle, last_grads = model.backward(params, last_caches, dout, need_dx=True, start=cut)
    split_dX, first_grads = model.backward(params, first_caches, d_middle, need_dx=True,
                                           stop=cut)  # fmt: skip
    np.testing.assert_array_equal(split_dX, dX)
    assert list(first_grads) + list(last_grads) == list(grads)
    for key, g in {**first_grads, **last_grads}.items():
        np.testing.assert_array_equal(g, grads[key])


@given(mts.finite_arrays(batch_shapes, min_value=-30, max_value=30))
def test_activation_forward_passes_equal_their_formulas(x):
    np.testing.assert_array_equal(mt.ReLU().forward({}, x)[0], np.where(x > 0, x, 0.0))
    np.testing.assert_array_equal(mt.LeakyReLU(0.1).forward({}, x)[0], np.where(x > 0, x, 0.1 * x))
    np.testing.assert_array_equal(mt.Tanh().forward({}, x)[0], np.tanh(x))
    # The tanh form of the logistic function differs from 1/(1+exp(-x)) by rounding only:
    # a few ulps of values in (0, 1], plus absolute 1e-16 where they underflow towards 0.
    np.testing.assert_allclose(
        mt.Sigmoid().forward({}, x)[0], 1 / (1 + np.exp(-x)), rtol=1e-14, atol=1e-16
    )


def test_sigmoid_of_huge_logits_is_finite_without_warnings():
    x = np.array([[-1e4, -1e3, 0.0, 1e3, 1e4]])
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        y = mt.Sigmoid().forward({}, x)[0]
        dx = mt.Sigmoid().backward({}, y, np.ones_like(x))[0]
    np.testing.assert_array_equal(y, [[0.0, 0.0, 0.5, 1.0, 1.0]])
    np.testing.assert_array_equal(dx, [[0.0, 0.0, 0.25, 0.0, 0.0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_follows_the_data_through_predict_and_backward(dtype):
    model = mt.Sequential(
        [
            mt.Dense(3, 4),
            mt.LeakyReLU(),
            mt.Dense(4, 4),
            mt.Sigmoid(),
            mt.Dense(4, 2),
            mt.Tanh(),
            mt.ReLU(),
        ]
    )
    params = model.init(seed=0, dtype=dtype)
    X = np.random.default_rng(0).normal(size=(5, 3)).astype(dtype)
    out, caches = model.forward(params, X)
    dX, grads = model.backward(params, caches, np.ones_like(out), need_dx=True)
    assert model.predict(params, X).dtype == dtype and dX.dtype == dtype
    assert all(g.dtype == dtype for g in grads.values())


@given(model_problems())
def test_layers_never_modify_params_inputs_or_upstream_gradients(problem):
    model, params, X, _ = problem
    saved = {k: v.copy() for k, v in params.items()}, X.copy()
    out, caches = model.forward(params, X)
    dout = np.ones_like(out)
    model.backward(params, caches, dout, need_dx=True)
    model.predict(params, X)
    for key in params:
        np.testing.assert_array_equal(params[key], saved[0][key])
    np.testing.assert_array_equal(X, saved[1])
    np.testing.assert_array_equal(dout, np.ones_like(out))


# ----- bad input ------------------------------------------------------------------------------

MODEL = mt.Sequential([mt.Dense(4, 3), mt.ReLU(), mt.Dense(3, 2)])
PARAMS = MODEL.init(seed=0)
X_GOOD = np.random.default_rng(0).normal(size=(6, 4))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_predict_refuses_nan_and_inf_pointing_to_minitrain_clean(bad):
    X = X_GOOD.copy()
    X[2, 1] = bad
    with pytest.raises(ValueError, match=r"X contains 1 NaN or infinite value.*minitrain\.clean"):
        MODEL.predict(PARAMS, X)


def test_predict_refuses_empty_one_dimensional_and_wrong_width_input():
    with pytest.raises(ValueError, match="X is empty"):
        MODEL.predict(PARAMS, np.zeros((0, 4)))
    with pytest.raises(ValueError, match=r"2 dimension\(s\); got shape \(4,\).*reshape"):
        MODEL.predict(PARAMS, X_GOOD[0])
    with pytest.raises(
        ValueError, match=r"X has 3 columns but the model expects 4 \(Dense\(4, 3\) at layer 0\)"
    ):
        MODEL.predict(PARAMS, X_GOOD[:, :3])


def test_predict_refuses_dtype_mismatch_and_non_float_input():
    with pytest.raises(TypeError, match=r"X has dtype float32 but the params have \['float64'\]"):
        MODEL.predict(PARAMS, X_GOOD.astype(np.float32))
    with pytest.raises(TypeError, match="floating-point"):
        MODEL.predict(PARAMS, X_GOOD.astype(np.int64))
    with pytest.raises(TypeError, match="floating-point"):
        MODEL.predict(PARAMS, X_GOOD > 0)


def test_predict_refuses_params_of_another_model_naming_key_and_layer():
    wrong_shape = {**PARAMS, "2.W": np.zeros((3, 5))}
    with pytest.raises(
        ValueError, match=r"params\['2\.W'\] has shape \(3, 5\) but Dense\(3, 2\) at layer 2"
    ):
        MODEL.predict(wrong_shape, X_GOOD)
    missing = {k: v for k, v in PARAMS.items() if k != "0.b"}
    with pytest.raises(ValueError, match=r"missing \['0\.b'\]"):
        MODEL.predict(missing, X_GOOD)
    with pytest.raises(TypeError, match=r"params\['0\.W'\] must be a floating-point ndarray"):
        MODEL.predict({**PARAMS, "0.W": [[1.0]]}, X_GOOD)


def test_model_construction_refuses_bad_layers():
    with pytest.raises(ValueError, match=r"layer 2 \(Dense\(4, 2\)\) expects 4 inputs but layer 0"):
        mt.Sequential([mt.Dense(3, 5), mt.ReLU(), mt.Dense(4, 2)])
    with pytest.raises(TypeError, match=r"layers\[0\] must be an instance such as mt\.Dense"):
        mt.Sequential([lambda x: x])
    with pytest.raises(ValueError, match="at least one layer"):
        mt.Sequential([])
    with pytest.raises(ValueError, match="n_in must be >= 1"):
        mt.Dense(0, 2)
    with pytest.raises(ValueError, match="init must be one of"):
        mt.Dense(2, 2, init="zeros")
    with pytest.raises(
        TypeError, match=r"dtype must be a floating dtype, np\.float32 or np\.float64"
    ):
        MODEL.init(seed=0, dtype=np.int32)
    with pytest.raises(ValueError, match="slope must be a finite number >= 0"):
        mt.LeakyReLU(-0.1)
