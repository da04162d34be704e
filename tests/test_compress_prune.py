"""Properties of magnitude pruning and of the masked stepper."""

import inspect
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
import minitrain.strategies as mts
from minitrain.compress import (
    apply_masks,
    magnitude_masks,
    mask_state,
    masked,
    zero_fraction,
)

MODEL = mt.Sequential([mt.Dense(3, 5), mt.ReLU(), mt.Dense(5, 4), mt.ReLU(), mt.Dense(4, 2)])
WEIGHTS = ["0.W", "2.W", "4.W"]
# Few distinct magnitudes, so ties are frequent and the tie-breaking rule is exercised.
TIED = st.sampled_from([-1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0])
params_st = st.one_of(mts.params_for(MODEL), mts.params_for(MODEL, elements=TIED))
sparsities = st.floats(0.0, 0.999)


def copy_of(params):
    return {k: v.copy() for k, v in params.items()}


@given(params_st, sparsities, st.sampled_from(["layer", "global"]))
def test_exactly_round_s_times_n_entries_are_pruned_per_scope(params, s, scope):
    masks = magnitude_masks(params, s, scope)
    assert list(masks) == WEIGHTS  # weights only; biases are not masked
    pruned = {k: int((~m).sum()) for k, m in masks.items()}
    if scope == "layer":
        assert pruned == {k: round(s * params[k].size) for k in WEIGHTS}
    else:
        assert sum(pruned.values()) == round(s * sum(params[k].size for k in WEIGHTS))


@given(params_st, sparsities)
def test_survivors_are_the_largest_magnitudes_in_each_layer(params, s):
    masks = magnitude_masks(params, s, "layer")
    for k, m in masks.items():
        magnitude = np.abs(params[k])
        if m.any() and (~m).any():
            assert magnitude[~m].max() <= magnitude[m].min()


@given(params_st, sparsities)
def test_global_scope_prunes_by_one_threshold_across_layers(params, s):
    masks = magnitude_masks(params, s, "global")
    kept = np.concatenate([np.abs(params[k])[masks[k]] for k in WEIGHTS])
    pruned = np.concatenate([np.abs(params[k])[~masks[k]] for k in WEIGHTS])
    if kept.size and pruned.size:
        assert pruned.max() <= kept.min()


def test_the_default_scope_is_global_in_every_pruning_entry_point():
    # Weights of very different sizes per layer: the two scopes give different masks.
    params = {"0.W": np.arange(1.0, 7.0).reshape(2, 3), "1.W": np.arange(10.0, 16.0)[:, None]}
    assert not np.array_equal(magnitude_masks(params, 0.5, "layer")["1.W"],
                              magnitude_masks(params, 0.5, "global")["1.W"])  # fmt: skip
    default = magnitude_masks(params, 0.5)
    for key, mask in magnitude_masks(params, 0.5, "global").items():
        assert np.array_equal(default[key], mask)
    assert mt.compress.GradualPruning(0.5).scope == "global"
    for entry_point in (mt.compress.prune_then_finetune, mt.compress.iterative_pruning):
        assert inspect.signature(entry_point).parameters["scope"].default == "global"

def test_ties_are_broken_by_lower_flat_index_first():
    params = {"0.W": np.array([[0.5, 0.1, 0.1], [0.1, 0.9, 0.1]])}
    masks = magnitude_masks(params, 0.5, "layer")  # prune 3 of the four 0.1s
    expected = np.array([[True, False, False], [False, True, True]])
    np.testing.assert_array_equal(masks["0.W"], expected)
    two_layers = {"0.W": np.array([[0.1, 0.2]]), "1.W": np.array([[0.1, 0.2]])}
    masks = magnitude_masks(two_layers, 0.25, "global")  # one 0.1 pruned: the one of "0.W"
    np.testing.assert_array_equal(masks["0.W"], [[False, True]])
    np.testing.assert_array_equal(masks["1.W"], [[True, True]])


@given(params_st, st.sampled_from(["layer", "global"]))
def test_zero_sparsity_changes_nothing(params, scope):
    masks = magnitude_masks(params, 0.0, scope)
    assert all(m.all() for m in masks.values())
    pruned = apply_masks(params, masks)
    for k in params:
        np.testing.assert_array_equal(pruned[k], params[k])


@given(params_st, sparsities, st.sampled_from(["layer", "global"]))
def test_pruning_twice_at_the_same_sparsity_changes_nothing(params, s, scope):
    once = apply_masks(params, magnitude_masks(params, s, scope))
    masks_again = magnitude_masks(once, s, scope)
    twice = apply_masks(once, masks_again)
    for k in params:
        np.testing.assert_array_equal(twice[k], once[k])
    # and with the masks passed on, the masks themselves are unchanged
    first = magnitude_masks(params, s, scope)
    for k, m in magnitude_masks(once, s, scope, masks=first).items():
        np.testing.assert_array_equal(m, first[k])


SCOPE = st.sampled_from(["layer", "global"])


@given(params_st, st.lists(sparsities, min_size=2, max_size=4), SCOPE)
def test_masks_are_nested_as_sparsity_grows(params, levels, scope):
    levels = sorted(levels)
    fresh = [magnitude_masks(params, s, scope) for s in levels]
    for small, large in pairwise(fresh):
        for k in WEIGHTS:
            assert not (large[k] & ~small[k]).any()  # kept at higher s => kept at lower s


@given(params_st, sparsities, sparsities, st.sampled_from(["layer", "global"]))
def test_repruning_a_pruned_tensor_prunes_only_survivors(params, s1, s2, scope):
    low, high = sorted((s1, s2))
    first = magnitude_masks(params, low, scope)
    pruned = apply_masks(params, first)
    second = magnitude_masks(pruned, high, scope, masks=first)
    for k in WEIGHTS:
        assert not (second[k] & ~first[k]).any()  # nothing revived
    total = sum(params[k].size for k in WEIGHTS)
    counted = {k: int((~m).sum()) for k, m in second.items()}
    if scope == "global":  # the already-pruned entries count towards round(s * n)
        assert sum(counted.values()) == round(high * total)
    else:
        assert counted == {k: round(high * params[k].size) for k in WEIGHTS}


@given(params_st, sparsities)
def test_pruning_never_modifies_params_in_place(params, s):
    before = copy_of(params)
    masks = magnitude_masks(params, s, "global")
    out = apply_masks(params, masks)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
        assert out[k].dtype == params[k].dtype
    assert zero_fraction(out) >= s - 0.5 / sum(params[k].size for k in WEIGHTS)


def test_pruned_entries_are_positive_zero_and_dtype_follows_params():
    params = {"0.W": np.array([[-1e-3, 2.0]], dtype=np.float32)}
    out = apply_masks(params, magnitude_masks(params, 0.5, "layer"))
    assert out["0.W"].dtype == np.float32
    assert not np.signbit(out["0.W"][0, 0])


# ----- masked stepper: pruned weights stay exactly 0 under any stepper -----------------------

STEPPERS = {
    "adam": lambda: mt.optim.Adam(lr=1e-2),
    "adamw": lambda: mt.optim.AdamW(lr=1e-2, weight_decay=0.1),
    "sgd-momentum": lambda: mt.optim.SGD(lr=1e-2, momentum=0.9, nesterov=True),
    "rmsprop": lambda: mt.optim.RMSprop(lr=1e-3, momentum=0.5),
    "adagrad": lambda: mt.optim.Adagrad(lr=1e-2),
}


@pytest.mark.parametrize("name", STEPPERS)
def test_pruned_weights_are_exactly_zero_after_200_masked_steps(name):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = rng.integers(0, 2, size=40)
    loss = mt.losses.CrossEntropy()
    params = MODEL.init(seed=1)
    masks = magnitude_masks(params, 0.6, "global")
    opt = masked(STEPPERS[name](), masks)
    state = opt.init(params)
    for _ in range(200):
        _, grads = mt.value_and_grad(MODEL, loss, params, X, y)
        params, state = opt.step(params, grads, state)
    for k, m in masks.items():
        assert np.all(params[k][~m] == 0)
        assert np.any(params[k][m] != 0)  # the kept weights did train
        for slot in (v for v in state.values() if isinstance(v, dict)):
            assert np.all(slot[k][~m] == 0)


def test_without_the_wrapper_momentum_revives_pruned_weights():
    """The reason for ``masked``: masking the gradient alone is not enough under momentum."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 2, size=40)
    loss = mt.losses.CrossEntropy()
    params = MODEL.init(seed=1)
    opt = mt.optim.SGD(lr=1e-2, momentum=0.9)
    state = opt.init(params)
    for _ in range(3):  # momentum built up before pruning
        _, grads = mt.value_and_grad(MODEL, loss, params, X, y)
        params, state = opt.step(params, grads, state)
    masks = magnitude_masks(params, 0.6, "global")
    params = apply_masks(params, masks)
    _, grads = mt.value_and_grad(MODEL, loss, params, X, y)
    revived, _ = opt.step(params, apply_masks(grads, masks), state)
    assert any(np.any(revived[k][~m] != 0) for k, m in masks.items())
    kept_zero, _ = masked(opt, masks).step(params, grads, mask_state(state, masks))
    assert all(np.all(kept_zero[k][~m] == 0) for k, m in masks.items())


def test_masked_stepper_trains_within_fit_and_reads_inner_hyperparameters():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 3)), rng.integers(0, 2, size=60)
    params = MODEL.init(seed=2)
    masks = magnitude_masks(params, 0.5, "global")
    opt = masked(mt.optim.Adam(lr=1e-2), masks)
    assert opt.lr == 1e-2
    history = mt.fit(MODEL, mt.losses.CrossEntropy(), opt, X, y, epochs=3, batch_size=16,
                     params=params, progress=False)  # fmt: skip
    for k, m in masks.items():
        assert np.all(history.params[k][~m] == 0)
    assert history.loss[-1] < history.loss[0]


# ----- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("s", [-0.1, 1.0, 1.5, float("nan")])
def test_sparsity_outside_zero_one_is_refused(s):
    with pytest.raises(ValueError, match="sparsity"):
        magnitude_masks(MODEL.init(0), s)


def test_sparsity_of_wrong_type_is_refused():
    with pytest.raises(TypeError, match="sparsity"):
        magnitude_masks(MODEL.init(0), "0.5")


def test_unknown_scope_and_keys_are_refused():
    params = MODEL.init(0)
    with pytest.raises(ValueError, match="scope"):
        magnitude_masks(params, 0.5, scope="network")
    with pytest.raises(ValueError, match="keys"):
        magnitude_masks(params, 0.5, keys=["9.W"])
    with pytest.raises(TypeError, match="keys"):
        magnitude_masks(params, 0.5, keys="0.W")


def test_masks_with_unknown_keys_are_refused():
    params = MODEL.init(0)
    with pytest.raises(ValueError, match=r"masks has keys \['7.W'\]"):
        apply_masks(params, {"7.W": np.ones((3, 5), dtype=bool)})


def test_masks_of_the_wrong_shape_are_refused():
    params = MODEL.init(0)
    with pytest.raises(ValueError, match=r"masks\['0.W'\] has shape \(5, 3\)"):
        apply_masks(params, {"0.W": np.ones((5, 3), dtype=bool)})
    with pytest.raises(ValueError, match="shape"):
        masked(mt.optim.SGD(lr=0.1), {"0.W": np.ones((5, 3), dtype=bool)}).init(params)
    with pytest.raises(ValueError, match="shape"):
        magnitude_masks(params, 0.5, masks={"0.W": np.ones((5, 3), dtype=bool)})


def test_masks_that_are_not_boolean_are_refused():
    params = MODEL.init(0)
    with pytest.raises(TypeError, match="boolean"):
        apply_masks(params, {"0.W": np.ones((3, 5))})


def test_params_with_nan_are_refused_with_a_pointer_to_clean():
    params = MODEL.init(0)
    params["0.W"] = params["0.W"].copy()
    params["0.W"][0, 0] = np.nan
    with pytest.raises(ValueError, match=r"minitrain\.clean"):
        magnitude_masks(params, 0.5)


def test_masked_refuses_a_non_stepper():
    with pytest.raises(TypeError, match="opt"):
        masked("adam", {"0.W": np.ones((3, 5), dtype=bool)})


def test_masked_step_modifies_neither_params_grads_nor_state():
    params = MODEL.init(seed=0, dtype=np.float32)
    grads = {k: np.ones_like(v) for k, v in params.items()}
    opt = masked(mt.optim.Adam(lr=0.1), magnitude_masks(params, 0.5, "layer"))
    state = opt.init(params)
    params0, grads0, exp_avg0 = copy_of(params), copy_of(grads), copy_of(state["exp_avg"])
    new_params, new_state = opt.step(params, grads, state)
    for k in params:
        np.testing.assert_array_equal(params[k], params0[k])
        np.testing.assert_array_equal(grads[k], grads0[k])
        np.testing.assert_array_equal(state["exp_avg"][k], exp_avg0[k])
        assert new_params[k].dtype == np.float32 and new_state["exp_avg"][k].dtype == np.float32
