"""Properties of the steppers and schedules in minitrain.optim.

Each stepper is checked against an independent transcription of the PyTorch pseudocode (the
``reference_*`` functions below, written in the plain textbook order of operations), against
closed forms (Adam's first step, Adagrad on a constant gradient, schedules) and against
invariants (purity, dtype, freezing, GD = SGD without momentum).
"""

from __future__ import annotations

import copy
import itertools
import math
import pickle

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minitrain import optim

# Float64 tolerances for stepper vs reference. Both compute the same formula, but in a
# different order (e.g. sqrt(v)/sqrt(1-beta2^t) vs sqrt(v/(1-beta2^t))), so they differ by a few
# ulps per operation, at most amplified by cancellation in the moment averages: RTOL = 1e-10 is
# far above that and far below any formula error, which is O(lr |g|). A parameter can also
# cancel to ~0 (|theta_0| <= 10 minus steps of similar size), where only an absolute bound
# makes sense: a few ulps of 10 is ~1e-15, so ATOL = 1e-12.
RTOL, ATOL = 1e-10, 1e-12

finite = st.floats(-10, 10, allow_subnormal=False)
learning_rates = st.floats(1e-4, 1.0)
decays = st.sampled_from([0.0, 0.0, 1e-3, 0.1, 0.5])


@st.composite
def problems(draw, max_steps=3):
    """(params, [grads_1, ..., grads_T]): two float64 arrays keyed like a Dense layer."""
    shapes = {
        "0.W": draw(hnp.array_shapes(min_dims=2, max_dims=2, max_side=4)),
        "0.b": draw(hnp.array_shapes(min_dims=1, max_dims=1, max_side=4)),
    }

    def tree():
        return {k: draw(hnp.arrays(np.float64, s, elements=finite)) for k, s in shapes.items()}

    params = tree()
    return params, [tree() for _ in range(draw(st.integers(1, max_steps)))]


def run(opt, params, grad_sequence):
    """Apply ``opt`` to each grads of the sequence; return the final params and state."""
    state = opt.init(params)
    for grads in grad_sequence:
        params, state = opt.step(params, grads, state)
    return params, state


def per_key(reference, params, grad_sequence, **hyper):
    return {k: reference(p, [g[k] for g in grad_sequence], **hyper) for k, p in params.items()}


def assert_trees_close(actual, expected, rtol=RTOL, atol=ATOL):
    assert actual.keys() == expected.keys()
    for key in expected:
        np.testing.assert_allclose(actual[key], expected[key], rtol=rtol, atol=atol, err_msg=key)


# ----- independent transcriptions of torch.optim's pseudocode (one array, T steps) -------------


def reference_sgd(p, grads, lr, momentum, dampening, nesterov, weight_decay, maximize):
    b = None
    for g in grads:
        if maximize:
            g = -g
        g = g + weight_decay * p
        if momentum != 0:
            b = g if b is None else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        p = p - lr * g
    return p


def reference_adagrad(p, grads, lr, lr_decay, weight_decay, initial_accumulator_value, eps):
    s = np.full_like(p, initial_accumulator_value)
    for t, g in enumerate(grads, start=1):
        g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g**2
        p = p - clr * g / (np.sqrt(s) + eps)
    return p


def reference_rmsprop(p, grads, lr, alpha, eps, weight_decay, momentum, centered):
    v, a, b = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for g in grads:
        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g**2
        w = v
        if centered:
            a = alpha * a + (1 - alpha) * g
            w = v - a**2
        u = g / (np.sqrt(w) + eps)
        if momentum > 0:
            b = momentum * b + u
            p = p - lr * b
        else:
            p = p - lr * u
    return p


def reference_adam(p, grads, lr, betas, eps, weight_decay, amsgrad, decoupled):
    beta1, beta2 = betas
    m, v, v_max = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        v_max = np.maximum(v_max, v)
        m_hat = m / (1 - beta1**t)
        v_hat = (v_max if amsgrad else v) / (1 - beta2**t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p


# ----- each stepper equals its reference ---------------------------------------------------------


@given(problems(), learning_rates)
def test_gd_step_is_params_minus_lr_times_grads(problem, lr):
    params, grad_sequence = problem
    new_params, state = run(optim.GD(lr), params, grad_sequence[:1])
    for key, p in params.items():
        # p - lr*g and p + (-lr)*g round identically, so the equality is exact.
        np.testing.assert_array_equal(new_params[key], p - lr * grad_sequence[0][key])
    assert state == {"step": 1, "lr": lr}


@given(
    problems(),
    learning_rates,
    st.sampled_from([0.0, 0.5, 0.9]),
    st.sampled_from([0.0, 0.3]),
    st.booleans(),
    decays,
    st.booleans(),
)
def test_sgd_matches_torch_pseudocode(
    problem, lr, momentum, dampening, nesterov, weight_decay, maximize
):
    if nesterov and (momentum == 0 or dampening != 0):
        nesterov = False  # an invalid combination; its refusal is tested below
    hyper = dict(
        lr=lr,
        momentum=momentum,
        dampening=dampening,
        nesterov=nesterov,
        weight_decay=weight_decay,
        maximize=maximize,
    )
    params, grad_sequence = problem
    actual, _ = run(optim.SGD(**hyper), params, grad_sequence)
    assert_trees_close(actual, per_key(reference_sgd, params, grad_sequence, **hyper))


@given(problems(), learning_rates, decays, decays, st.sampled_from([0.0, 0.1, 1.0]))
def test_adagrad_matches_torch_pseudocode(problem, lr, lr_decay, weight_decay, initial):
    hyper = dict(
        lr=lr,
        lr_decay=lr_decay,
        weight_decay=weight_decay,
        initial_accumulator_value=initial,
        eps=1e-10,
    )
    params, grad_sequence = problem
    actual, state = run(optim.Adagrad(**hyper), params, grad_sequence)
    assert_trees_close(actual, per_key(reference_adagrad, params, grad_sequence, **hyper))
    clr = lr / (1 + (len(grad_sequence) - 1) * lr_decay)
    assert state["lr"] == pytest.approx(clr, rel=1e-15)  # one division: within an ulp or two


@given(
    problems(),
    learning_rates,
    st.floats(0.5, 0.99),
    decays,
    st.sampled_from([0.0, 0.9]),
    st.booleans(),
)
def test_rmsprop_matches_torch_pseudocode(problem, lr, alpha, weight_decay, momentum, centered):
    # alpha >= 0.5 keeps the centered variance v - a^2 well away from cancellation (over <= 3
    # steps it is at least alpha^3 of v), so the tolerance below stays meaningful.
    hyper = dict(
        lr=lr,
        alpha=alpha,
        eps=1e-8,
        weight_decay=weight_decay,
        momentum=momentum,
        centered=centered,
    )
    params, grad_sequence = problem
    actual, _ = run(optim.RMSprop(**hyper), params, grad_sequence)
    assert_trees_close(actual, per_key(reference_rmsprop, params, grad_sequence, **hyper))


@given(
    problems(),
    learning_rates,
    st.tuples(st.floats(0.0, 0.99), st.floats(0.0, 0.999)),
    st.sampled_from([1e-8, 1e-3]),
    decays,
    st.booleans(),
    st.booleans(),
)
def test_adam_and_adamw_match_torch_pseudocode(
    problem, lr, betas, eps, weight_decay, amsgrad, decoupled
):
    stepper = optim.AdamW if decoupled else optim.Adam
    opt = stepper(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
    params, grad_sequence = problem
    actual, state = run(opt, params, grad_sequence)
    hyper = dict(
        lr=lr,
        betas=betas,
        eps=eps,
        weight_decay=weight_decay,
        amsgrad=amsgrad,
        decoupled=decoupled,
    )
    assert_trees_close(actual, per_key(reference_adam, params, grad_sequence, **hyper))
    assert ("max_exp_avg_sq" in state) == amsgrad


# ----- closed forms and invariants ---------------------------------------------------------


def test_adam_first_two_steps_pinned_by_hand():
    # theta_0 = 1, g_1 = 0.5, g_2 = -0.25, lr = 0.1, betas (0.9, 0.999), eps = 1e-8.
    # Step 1: m = 0.05, v = 0.00025; mhat = 0.05/0.1 = 0.5, sqrt(vhat) = sqrt(0.25) = 0.5
    #         theta_1 = 1 - 0.1 * 0.5 / (0.5 + 1e-8) = 1 - 0.1 / (1 + 2e-8)
    # Step 2: m = 0.045 - 0.025 = 0.02, v = 0.00024975 + 0.0000625 = 0.00031225
    #         mhat = 0.02 / 0.19, vhat = 0.00031225 / 0.001999
    #         theta_2 = theta_1 - 0.1 * mhat / (sqrt(vhat) + 1e-8)
    theta_1 = 0.9000000019999999  # 1 - 0.1/(1 + 2e-8), to 16 digits
    theta_2 = 0.8733662987078462  # theta_1 - 0.1 * 0.105263157894737 / (0.395225380701664 + 1e-8)
    opt = optim.Adam(lr=0.1)
    params = {"w": np.array([1.0])}
    state = opt.init(params)
    params, state = opt.step(params, {"w": np.array([0.5])}, state)
    # 1e-15: a correct implementation is within a couple of ulps of the hand-rounded value.
    np.testing.assert_allclose(params["w"], [theta_1], rtol=1e-15)
    np.testing.assert_allclose(state["exp_avg"]["w"], [0.05], rtol=1e-15)
    np.testing.assert_allclose(state["exp_avg_sq"]["w"], [0.00025], rtol=1e-15)
    params, state = opt.step(params, {"w": np.array([-0.25])}, state)
    np.testing.assert_allclose(state["exp_avg"]["w"], [0.02], rtol=1e-14)
    np.testing.assert_allclose(state["exp_avg_sq"]["w"], [0.00031225], rtol=1e-14)
    np.testing.assert_allclose(params["w"], [theta_2], rtol=1e-14)
    assert state["step"] == 2


@given(problems(max_steps=1), learning_rates, st.floats(0, 0.99), st.floats(0, 0.999))
def test_adam_first_step_is_lr_times_g_over_abs_g_plus_eps(problem, lr, beta1, beta2):
    params, (grads,) = problem
    eps = 1e-8
    new_params, _ = run(optim.Adam(lr=lr, betas=(beta1, beta2), eps=eps), params, [grads])
    expected = {k: p - lr * grads[k] / (np.abs(grads[k]) + eps) for k, p in params.items()}
    # The bias corrections cancel up to a few ulps of the step (|step| <= lr <= 1); the default
    # ATOL covers parameters that cancel to ~0.
    assert_trees_close(new_params, expected)


@given(
    st.floats(1e-3, 1e3) | st.floats(-1e3, -1e-3),
    st.floats(-10, 10),
    learning_rates,
    st.integers(1, 40),
)
def test_adagrad_on_constant_gradient_steps_by_inverse_square_roots(c, x0, lr, steps):
    # s_t = t c^2, so with eps = 0 each step is lr * c / (sqrt(t) |c|) = lr sign(c) / sqrt(t).
    opt = optim.Adagrad(lr=lr, eps=0.0)
    params, _ = run(opt, {"x": np.array([x0])}, [{"x": np.array([c])}] * steps)
    expected = x0 - lr * math.copysign(1, c) * sum(i**-0.5 for i in range(1, steps + 1))
    # `steps` roundings of size ulp(|x| + lr * 2 sqrt(steps)) accumulate; 1e-12 relative to that
    # scale bounds 40 steps with room to spare.
    scale = abs(x0) + lr * 2 * math.sqrt(steps)
    np.testing.assert_allclose(params["x"], [expected], rtol=0, atol=1e-12 * scale)


@given(problems(), learning_rates)
def test_sgd_without_momentum_is_bit_identical_to_gd(problem, lr):
    params, grad_sequence = problem
    sgd, _ = run(optim.SGD(lr=lr, momentum=0.0), params, grad_sequence)
    gd, _ = run(optim.GD(lr=lr), params, grad_sequence)
    for key in params:
        np.testing.assert_array_equal(sgd[key], gd[key])


@given(problems(), learning_rates, st.floats(1e-3, 0.5), st.booleans())
def test_adamw_is_adam_on_decayed_weights_and_adam_decay_is_l2_gradient(
    problem, lr, weight_decay, amsgrad
):
    # Decoupled: AdamW's step is plain Adam's step taken from theta (1 - lr lambda).
    # Coupled:   Adam(lambda)'s step is plain Adam's step on the gradient g + lambda theta.
    # Both identities hold bit for bit: the same operations run in the same order.
    params, grad_sequence = problem
    adamw = optim.AdamW(lr=lr, weight_decay=weight_decay, amsgrad=amsgrad)
    adam_l2 = optim.Adam(lr=lr, weight_decay=weight_decay, amsgrad=amsgrad)
    plain = optim.Adam(lr=lr, amsgrad=amsgrad)
    p_w, s_w = params, adamw.init(params)
    p_l2, s_l2 = params, adam_l2.init(params)
    p_a, s_a = params, plain.init(params)
    p_b, s_b = params, plain.init(params)
    for grads in grad_sequence:
        p_w, s_w = adamw.step(p_w, grads, s_w)
        decayed = {k: v * (1 - lr * weight_decay) for k, v in p_a.items()}
        p_a, s_a = plain.step(decayed, grads, s_a)
        p_l2, s_l2 = adam_l2.step(p_l2, grads, s_l2)
        penalised = {k: g + weight_decay * p_b[k] for k, g in grads.items()}
        p_b, s_b = plain.step(p_b, penalised, s_b)
        for key in params:
            np.testing.assert_array_equal(p_w[key], p_a[key])
            np.testing.assert_array_equal(p_l2[key], p_b[key])


CONFIGURATIONS = [
    optim.GD(0.1),
    optim.SGD(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01, maximize=True),
    optim.SGD(lr=0.1, momentum=0.9, nesterov=True),
    optim.Adagrad(lr_decay=0.1, weight_decay=0.01, initial_accumulator_value=0.1),
    optim.RMSprop(weight_decay=0.01, momentum=0.9, centered=True),
    optim.RMSprop(),
    optim.Adam(weight_decay=0.01, amsgrad=True),
    optim.AdamW(amsgrad=True),
    optim.frozen(optim.Adam(), ["0.b"]),
]


def all_arrays(tree):
    if isinstance(tree, np.ndarray):
        return [tree]
    values = tree.values() if isinstance(tree, dict) else tree
    if isinstance(tree, (dict, tuple, list)):
        return [array for value in values for array in all_arrays(value)]
    return []


@pytest.mark.parametrize("opt", CONFIGURATIONS, ids=repr)
@given(problem=problems(max_steps=2))
def test_steppers_never_modify_their_inputs(opt, problem):
    params, grad_sequence = problem
    state = opt.init(params)
    for grads in grad_sequence:
        before = copy.deepcopy((params, grads, state))
        new_params, new_state = opt.step(params, grads, state)
        for old, kept in zip(all_arrays((params, grads, state)), all_arrays(before)):
            np.testing.assert_array_equal(old, kept)
        # Nothing returned is a view of the caller's gradients (they may be reused buffers).
        for new in all_arrays((new_params, new_state)):
            assert not any(np.shares_memory(new, g) for g in grads.values())
        params, state = new_params, new_state


@pytest.mark.parametrize("opt", CONFIGURATIONS, ids=repr)
def test_float32_params_give_float32_params_and_state(opt):
    rng = np.random.default_rng(0)
    params = {"0.W": rng.normal(size=(3, 2)).astype(np.float32), "0.b": np.zeros(2, np.float32)}
    grads = [{k: rng.normal(size=v.shape).astype(np.float32) for k, v in params.items()}] * 3
    new_params, state = run(opt, params, grads)
    assert {a.dtype for a in all_arrays((new_params, state))} == {np.dtype(np.float32)}
    assert type(state["lr"]) is float and type(state["step"]) is int


@pytest.mark.parametrize("opt", CONFIGURATIONS, ids=repr)
def test_steppers_and_schedules_survive_pickling(opt):
    scheduled = optim.Adam(lr=optim.linear_warmup(optim.cosine(1e-3, 100), 10))
    for stepper in (opt, scheduled):
        assert pickle.loads(pickle.dumps(stepper)) == stepper


@pytest.mark.parametrize("opt", CONFIGURATIONS[1:-1], ids=repr)
@given(problem=problems(max_steps=3))
def test_frozen_keys_stay_bit_identical_and_others_train_as_without_freezing(opt, problem):
    params, grad_sequence = problem
    grad_sequence = grad_sequence * 4  # "many" steps: up to 12
    frozen_params, frozen_state = run(optim.frozen(opt, "0.W"), params, grad_sequence)
    free_params, free_state = run(opt, params, grad_sequence)
    initial_state = opt.init(params)
    np.testing.assert_array_equal(frozen_params["0.W"], params["0.W"])
    np.testing.assert_array_equal(frozen_params["0.b"], free_params["0.b"])
    for name, slot in frozen_state.items():
        if isinstance(slot, dict):
            np.testing.assert_array_equal(slot["0.W"], initial_state[name]["0.W"])
            np.testing.assert_array_equal(slot["0.b"], free_state[name]["0.b"])
    assert frozen_state["step"] == free_state["step"] == len(grad_sequence)


# ----- schedules -----------------------------------------------------------------------------


def test_schedules_equal_their_closed_forms_at_chosen_steps():
    step = optim.step_decay(0.1, step_size=3, gamma=0.5)
    assert [step(t) for t in (1, 3, 4, 6, 7)] == [0.1, 0.1, 0.05, 0.05, 0.025]
    exponential = optim.exponential(2.0, gamma=0.5)
    assert [exponential(t) for t in (1, 2, 4)] == [2.0, 1.0, 0.25]
    cosine = optim.cosine(1.0, total_steps=5, min_lr=0.2)
    # s = (t-1)/4: lr = 0.2 + 0.8 (1 + cos(pi s)) / 2; cos(pi/4) = sqrt(2)/2.
    expected = [1.0, 0.2 + 0.4 * (1 + math.sqrt(0.5)), 0.6, 0.2 + 0.4 * (1 - math.sqrt(0.5)), 0.2]
    # 1e-15: one or two roundings of cos and of the affine map.
    assert [cosine(t) for t in range(1, 6)] == pytest.approx(expected, rel=1e-15)
    assert optim.constant(0.3)(1000) == 0.3
    assert optim.cosine(0.5, total_steps=1)(1) == 0.0


@given(st.floats(1e-6, 1.0), st.integers(1, 200), st.floats(0, 1))
def test_cosine_is_non_increasing_and_reaches_min_lr_at_total_steps(lr, total, min_fraction):
    min_lr = lr * min_fraction
    schedule = optim.cosine(lr, total, min_lr=min_lr)
    values = [schedule(t) for t in range(1, total + 3)]
    assert all(later <= earlier for earlier, later in itertools.pairwise(values))
    assert values[total - 1] == pytest.approx(min_lr, rel=1e-12, abs=1e-18)  # cos(pi) rounding
    assert values[-1] == values[total - 1]


@given(st.floats(1e-4, 1.0), st.integers(1, 50), st.integers(1, 50))
def test_linear_warmup_rises_linearly_then_runs_the_schedule(lr, warmup, later):
    base = optim.exponential(lr, gamma=0.9)
    schedule = optim.linear_warmup(base, warmup)
    ramp = [schedule(t) for t in range(1, warmup + 1)]
    # t * lr / W at each warm-up step (1e-15: one multiplication and one division of rounding),
    # and the base schedule, restarted, afterwards (exactly: the same call).
    assert ramp == pytest.approx([lr * t / warmup for t in range(1, warmup + 1)], rel=1e-15)
    assert ramp[-1] == pytest.approx(lr, rel=1e-15)
    assert schedule(warmup + later) == base(later)
    assert optim.linear_warmup(lr, warmup)(warmup + later) == lr


@given(problems(max_steps=3), st.floats(0.1, 0.9))
def test_stepper_applies_the_scheduled_lr_and_records_it(problem, gamma):
    params, grad_sequence = problem
    schedule = optim.exponential(0.5, gamma=gamma)
    opt = optim.GD(lr=schedule)
    state = opt.init(params)
    assert state["lr"] == schedule(1)
    for t, grads in enumerate(grad_sequence, start=1):
        expected = {k: p - schedule(t) * grads[k] for k, p in params.items()}
        params, state = opt.step(params, grads, state)
        assert state["lr"] == schedule(t)
        for key in params:
            np.testing.assert_array_equal(params[key], expected[key])  # same rounding: exact


# ----- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, argument",
    [
        (lambda: optim.GD(float("nan")), "lr"),
        (lambda: optim.SGD(lr=float("inf")), "lr"),
        (lambda: optim.Adam(lr=0.0), "lr"),
        (lambda: optim.Adagrad(lr=-1e-3), "lr"),
        (lambda: optim.Adam(betas=(1.0, 0.999)), r"betas\[0\]"),
        (lambda: optim.AdamW(betas=(0.9, 1.0)), r"betas\[1\]"),
        (lambda: optim.Adam(betas=(-0.1, 0.999)), r"betas\[0\]"),
        (lambda: optim.Adam(eps=-1e-8), "eps"),
        (lambda: optim.RMSprop(eps=-1.0), "eps"),
        (lambda: optim.Adagrad(eps=float("nan")), "eps"),
        (lambda: optim.SGD(nesterov=True), "nesterov"),
        (lambda: optim.SGD(momentum=0.9, dampening=0.1, nesterov=True), "dampening"),
        (lambda: optim.SGD(momentum=-0.9), "momentum"),
        (lambda: optim.RMSprop(momentum=-0.1), "momentum"),
        (lambda: optim.SGD(weight_decay=-1e-4), "weight_decay"),
        (lambda: optim.AdamW(weight_decay=-1e-2), "weight_decay"),
        (lambda: optim.Adagrad(lr_decay=-0.1), "lr_decay"),
        (lambda: optim.Adagrad(initial_accumulator_value=-1), "initial_accumulator_value"),
        (lambda: optim.RMSprop(alpha=1.0), "alpha"),
        (lambda: optim.SGD(dampening=1.5), "dampening"),
        (lambda: optim.GD(lr=lambda t: float("nan")), "schedule"),
        (lambda: optim.cosine(1e-3, total_steps=0), "total_steps"),
        (lambda: optim.cosine(1e-3, total_steps=10, min_lr=1e-2), "min_lr"),
        (lambda: optim.step_decay(1e-3, step_size=0), "step_size"),
        (lambda: optim.exponential(1e-3, gamma=0), "gamma"),
        (lambda: optim.linear_warmup(1e-3, warmup_steps=0), "warmup_steps"),
        (lambda: optim.constant(float("inf")), "lr"),
    ],
)
def test_invalid_hyper_parameters_are_refused_naming_the_argument(make, argument):
    with pytest.raises(ValueError, match=argument):
        make()


def test_hyper_parameters_of_the_wrong_type_are_refused():
    with pytest.raises(TypeError, match="lr"):
        optim.Adam(lr="0.01")
    with pytest.raises(TypeError, match="betas"):
        optim.Adam(betas=0.9)
    with pytest.raises(TypeError, match="opt"):
        optim.frozen("adam", ["0.W"])


PARAMS = {"0.W": np.ones((3, 2)), "0.b": np.zeros(2)}


@pytest.mark.parametrize(
    "grads, error, message",
    [
        ({"0.W": np.ones((3, 2))}, ValueError, r"missing \['0.b'\]"),
        ({**PARAMS, "1.W": np.ones(2)}, ValueError, r"unexpected \['1.W'\]"),
        ({"0.W": np.ones((2, 3)), "0.b": np.zeros(2)}, ValueError, r"grads\['0.W'\] has shape"),
        ({"0.W": np.ones((3, 2), np.float32), "0.b": np.zeros(2)}, TypeError, "float32"),
        ({"0.W": [[1.0] * 2] * 3, "0.b": np.zeros(2)}, TypeError, r"grads\['0.W'\]"),
        ([np.ones((3, 2)), np.zeros(2)], TypeError, "grads must be a dict"),
    ],
)
@pytest.mark.parametrize("opt", [optim.GD(0.1), optim.Adam(), optim.frozen(optim.SGD(), "0.b")])
def test_grads_that_do_not_match_params_are_refused(opt, grads, error, message):
    state = opt.init(PARAMS)
    with pytest.raises(error, match=message):
        opt.step(PARAMS, grads, state)


def test_state_of_another_stepper_or_bad_keys_is_refused():
    with pytest.raises(ValueError, match=r"Adam\.init"):
        optim.Adam().step(PARAMS, PARAMS, optim.SGD().init(PARAMS))
    with pytest.raises(ValueError, match=r"keys \['2.W'\] are not parameters"):
        optim.frozen(optim.Adam(), "2.W").init(PARAMS)
    with pytest.raises(TypeError, match="params"):
        optim.Adam().init({"0.W": np.ones(3, dtype=int)})


def test_schedule_giving_an_invalid_rate_later_is_refused_at_that_step():
    opt = optim.GD(lr=lambda t: 0.1 if t < 3 else float("inf"))
    with pytest.raises(ValueError, match="at step 3"):
        run(opt, PARAMS, [PARAMS] * 3)
