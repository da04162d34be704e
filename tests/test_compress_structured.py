"""Properties of structured pruning: removing Dense units gives a smaller, equivalent model."""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import minitrain as mt
import minitrain.strategies as mts
from minitrain.compress import apply_masks, prunable_layers, prune_units

ACTIVATIONS = [mt.ReLU, mt.Tanh, mt.Sigmoid, lambda: mt.LeakyReLU(0.1)]


@st.composite
def models_params_inputs(draw):
    """A 3-Dense-layer MLP with random activations, its params and inputs (N, 3)."""
    acts = [draw(st.sampled_from(ACTIVATIONS))() for _ in range(2)]
    h1, h2 = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    model = mt.Sequential([mt.Dense(3, h1), acts[0], mt.Dense(h1, h2), acts[1], mt.Dense(h2, 2)])
    params = draw(mts.params_for(model))
    X = draw(mts.finite_arrays((draw(st.integers(1, 5)), 3), min_value=-3.0, max_value=3.0))
    return model, params, X


@given(models_params_inputs(), st.floats(0.0, 0.99), st.sampled_from([None, [0], [2]]))
def test_smaller_model_predicts_what_the_masked_model_predicts(problem, fraction, layers):
    model, params, X = problem
    widths = {0: params["0.W"].shape[1], 2: params["2.W"].shape[1]}
    chosen = [0, 2] if layers is None else layers
    assume(all(round(fraction * widths[i]) < widths[i] for i in chosen))  # else refused
    result = prune_units(model, params, fraction, layers=layers)
    masked_out = model.predict(apply_masks(params, result.masks), X)
    small_out = result.model.predict(result.params, X)
    # Equal in exact arithmetic; the folded bias b_j + c W_j[removed] sums in another order
    # than the masked matmul, so float64 results differ by a few ulps of the terms (|terms|
    # <= ~20 here): 1e-12 absolute.
    np.testing.assert_allclose(small_out, masked_out, rtol=1e-12, atol=1e-12)
    for i in chosen:
        n_removed = round(fraction * widths[i])
        assert result.params[f"{i}.W"].shape[1] == widths[i] - n_removed
        assert len(result.kept[i]) == widths[i] - n_removed


@given(models_params_inputs(), st.floats(0.0, 0.99))
def test_removed_units_have_the_smallest_column_norms(problem, fraction):
    model, params, _ = problem
    width = params["0.W"].shape[1]
    assume(round(fraction * width) < width)
    result = prune_units(model, params, fraction, layers=[0])
    norms = np.linalg.norm(params["0.W"], axis=0)
    removed = np.setdiff1d(np.arange(width), result.kept[0])
    if removed.size:
        assert norms[removed].max() <= norms[result.kept[0]].min()


def test_sigmoid_units_fold_their_constant_half_into_the_next_bias():
    model = mt.Sequential([mt.Dense(2, 2), mt.Sigmoid(), mt.Dense(2, 1)])
    params = {
        "0.W": np.array([[1.0, 0.01], [1.0, 0.01]]),  # unit 1 has the smaller norm
        "0.b": np.array([0.0, 5.0]),
        "2.W": np.array([[2.0], [4.0]]),
        "2.b": np.array([1.0]),
    }
    result = prune_units(model, params, 0.5)
    # masked unit 1 outputs sigmoid(0) = 1/2, times W[1] = 4: the new bias is 1 + 2 = 3
    np.testing.assert_array_equal(result.params["2.b"], [3.0])
    np.testing.assert_array_equal(result.params["2.W"], [[2.0]])
    assert repr(result.model) == "Sequential([Dense(2, 1), Sigmoid(), Dense(1, 1)])"


def test_structured_pruning_does_not_modify_params():
    model = mt.Sequential([mt.Dense(3, 6), mt.ReLU(), mt.Dense(6, 2)])
    params = model.init(seed=0)
    before = {k: v.copy() for k, v in params.items()}
    prune_units(model, params, 0.5)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])


def test_only_hidden_dense_layers_are_prunable():
    model = mt.Sequential([mt.Dense(3, 6), mt.ReLU(), mt.Dense(6, 4), mt.Tanh(), mt.Dense(4, 2)])
    assert prunable_layers(model) == [0, 2]
    with pytest.raises(ValueError, match=r"layers \[4\] cannot be pruned"):
        prune_units(model, model.init(0), 0.5, layers=[4])


def test_structured_bad_input_is_refused():
    model = mt.Sequential([mt.Dense(3, 2), mt.ReLU(), mt.Dense(2, 2)])
    params = model.init(0)
    with pytest.raises(ValueError, match="fraction"):
        prune_units(model, params, 1.0)
    with pytest.raises(ValueError, match="removes all 2 units"):
        prune_units(model, params, 0.9)
    with pytest.raises(ValueError, match="missing"):
        prune_units(model, {"0.W": params["0.W"]}, 0.5)
    with pytest.raises(TypeError, match="Sequential"):
        prune_units("model", params, 0.5)
