"""fit's two ways of stepping (minitrain.train.steps): any stepper's ``step`` on the per-key
dicts, and minitrain's steppers' ``step`` once on all parameters laid end to end in one vector.
The second must give the first's numbers, and those of a loop of ``opt.step`` calls, bit for
bit."""

from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
from minitrain.train import Callback, Steps, epoch_batches, steps_flat


class PureOnly:
    """A stepper that only forwards to another: fit cannot see inside it, so it steps it per key."""

    def __init__(self, opt):
        self.opt = opt
        self.lr = opt.lr

    def init(self, params):
        return self.opt.init(params)

    def step(self, params, grads, state):
        return self.opt.step(params, grads, state)


STEPPERS = [
    mt.optim.GD(lr=0.1),
    mt.optim.SGD(lr=0.05, momentum=0.9),
    mt.optim.SGD(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    mt.optim.SGD(lr=0.05, momentum=0.5, dampening=0.3, maximize=True),
    mt.optim.SGD(lr=0.05, weight_decay=0.1),
    mt.optim.Adagrad(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1),
    mt.optim.RMSprop(lr=0.01),
    mt.optim.RMSprop(lr=0.01, centered=True, momentum=0.9, weight_decay=0.01),
    mt.optim.Adam(lr=0.01),
    mt.optim.Adam(lr=0.01, amsgrad=True, weight_decay=0.01),
    mt.optim.AdamW(lr=0.01, amsgrad=True),
    mt.optim.Adam(lr=mt.optim.cosine(0.01, total_steps=20)),
]


# Flat, Steps copies each new parameter vector into a kept one up to Steps.COPY_BYTES and keeps
# the rule's own vector above: with 0, these small models take the second way.
COPY_BYTES = [Steps.COPY_BYTES, 0]


def keeping(copy_bytes):
    """Steps with the given ``COPY_BYTES`` while the context lasts."""
    return mock.patch.object(Steps, "COPY_BYTES", copy_bytes)


def problem(seed, dtype, n=60):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5)).astype(dtype)
    y = rng.integers(0, 3, size=n)
    model = mt.Sequential([mt.Dense(5, 7), mt.ReLU(), mt.Dense(7, 3)])
    return model, X, y


def assert_same_history(a, b):
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
    assert a.opt_state.keys() == b.opt_state.keys()
    for name, value in a.opt_state.items():
        if isinstance(value, dict):
            for key in value:
                np.testing.assert_array_equal(value[key], b.opt_state[name][key])
        else:
            assert value == b.opt_state[name]
    for field in ("step_loss", "grad_norm", "lr", "loss", "metric", "val_loss"):
        assert getattr(a, field) == getattr(b, field), field
    assert a.diverged_at_step == b.diverged_at_step


@given(
    stepper=st.sampled_from(STEPPERS),
    dtype=st.sampled_from([np.float32, np.float64]),
    batch_size=st.sampled_from([None, 7, 32]),
    seed=st.integers(0, 2**16),
    copy_bytes=st.sampled_from(COPY_BYTES),
)
def test_flat_fit_equals_the_per_key_steps_bit_for_bit(
    stepper, dtype, batch_size, seed, copy_bytes
):
    model, X, y = problem(seed, dtype)
    options = dict(epochs=3, batch_size=batch_size, seed=seed, progress=False,
                   validation=(X[:20], y[:20]))  # fmt: skip
    loss = mt.losses.CrossEntropy()
    with keeping(copy_bytes):
        flat = mt.fit(model, loss, stepper, X, y, **options)
    per_key = mt.fit(model, loss, PureOnly(stepper), X, y, **options)
    # Same operations in the same order on every element: equal to the last bit.
    assert_same_history(flat, per_key)
    assert flat.params["0.W"].dtype == dtype


@given(
    stepper=st.sampled_from(STEPPERS),
    dtype=st.sampled_from([np.float32, np.float64]),
    batch_size=st.sampled_from([None, 16]),
    seed=st.integers(0, 2**16),
)
def test_fit_equals_a_loop_of_public_calls_bit_for_bit(stepper, dtype, batch_size, seed):
    model, X, y = problem(seed, dtype)
    loss = mt.losses.CrossEntropy()
    history = mt.fit(model, loss, stepper, X, y, epochs=2, batch_size=batch_size, seed=seed,
                     progress=False)  # fmt: skip
    params = model.init(seed, dtype=dtype)
    state = stepper.init(params)
    for epoch in range(2):
        for rows in epoch_batches(len(X), batch_size, np.random.default_rng([seed, epoch])):
            _, grads = mt.value_and_grad(model, loss, params, X[rows], y[rows])
            params, state = stepper.step(params, grads, state)
    for key in params:
        np.testing.assert_array_equal(history.params[key], params[key])
    assert history.opt_state["step"] == state["step"]


@pytest.mark.parametrize("copy_bytes", COPY_BYTES)
def test_divergence_keeps_the_same_last_finite_params_either_way(copy_bytes):
    X, y = mt.data.make_linear(n=64, seed=0)
    model, loss = mt.Sequential([mt.Dense(1, 1)]), mt.losses.MSE()
    runs = []
    sgd = mt.optim.SGD(lr=30.0, momentum=0.5)
    for opt in (sgd, PureOnly(sgd)):
        with pytest.warns(RuntimeWarning, match="diverged"), keeping(copy_bytes):
            runs.append(mt.fit(model, loss, opt, X, y, epochs=500, progress=False))
    assert runs[0].diverged_at_step is not None
    assert_same_history(*runs)
    # The kept parameters are those whose (finite) loss was recorded last.
    assert loss(model.predict(runs[0].params, X), y) == runs[0].step_loss[-1]


def test_divergence_at_the_first_step_keeps_the_initial_params():
    X, y = mt.data.make_linear(n=8, seed=0)
    X[0, 0] = 1e200  # finite data whose loss overflows at once
    model = mt.Sequential([mt.Dense(1, 1, init="torch")])
    with pytest.warns(RuntimeWarning, match="step 0"):
        history = mt.fit(model, mt.losses.MSE(), mt.optim.Adam(lr=0.1), X, y, epochs=3,
                         progress=False)  # fmt: skip
    for key, value in model.init(0).items():
        np.testing.assert_array_equal(history.params[key], value)
    assert history.opt_state["step"] == 0


class Recorder(Callback):
    """Keeps run.params after every step and shrinks them every third step."""

    def __init__(self):
        self.seen = []

    def on_step_end(self, run):
        self.seen.append(run.params)
        if run.step % 3 == 0:
            run.params = {key: value * 0.5 for key, value in run.params.items()}
            state = run.opt_state
            run.opt_state = {**state, "exp_avg": {k: v * 0 for k, v in state["exp_avg"].items()}}


@pytest.mark.parametrize("copy_bytes", COPY_BYTES)
def test_callbacks_keep_copies_and_their_assignments_take_effect(copy_bytes):
    model, X, y = problem(3, np.float64)
    kept = {}
    adam = mt.optim.Adam(lr=0.05)
    for name, opt in (("flat", adam), ("per key", PureOnly(adam))):
        recorder = Recorder()
        with keeping(copy_bytes):
            history = mt.fit(model, mt.losses.CrossEntropy(), opt, X, y, epochs=2, batch_size=10,
                             callbacks=[recorder], progress=False)  # fmt: skip
        kept[name] = (recorder.seen, history)
    seen, pure_seen = kept["flat"][0], kept["per key"][0]
    assert len(seen) == len(pure_seen) == 12
    # What a callback kept is not overwritten by later steps: it equals the pure run's.
    for ours, theirs in zip(seen, pure_seen):
        for key in ours:
            np.testing.assert_array_equal(ours[key], theirs[key])
    assert_same_history(kept["flat"][1], kept["per key"][1])


def test_assigning_params_of_another_shape_or_dtype_is_refused():
    model, X, y = problem(0, np.float64)

    class Breaker(Callback):
        def __init__(self, params):
            self.params = params

        def on_step_end(self, run):
            run.params = self.params

    wrong_shape = {**model.init(0), "0.W": np.zeros((2, 2))}
    wrong_dtype = model.init(0, dtype=np.float32)
    for params, error, message in ((wrong_shape, ValueError, r"shape \(2, 2\)"),
                                   (wrong_dtype, TypeError, "float32")):  # fmt: skip
        with pytest.raises(error, match=message):
            mt.fit(model, mt.losses.CrossEntropy(), mt.optim.SGD(lr=0.1), X, y, epochs=1,
                   callbacks=[Breaker(params)], progress=False)  # fmt: skip


def test_a_bad_opt_state_is_refused_before_training():
    model, X, y = problem(0, np.float64)
    opt = mt.optim.Adam()
    state = opt.init(model.init(0))
    del state["exp_avg"]
    with pytest.raises(ValueError, match="exp_avg"):
        mt.fit(model, mt.losses.CrossEntropy(), opt, X, y, epochs=1, opt_state=state,
               progress=False)  # fmt: skip


def test_which_steppers_step_flat():
    params = mt.Sequential([mt.Dense(2, 3)]).init(0)
    assert all(steps_flat(opt) for opt in STEPPERS)
    assert not steps_flat(PureOnly(mt.optim.Adam()))
    assert not steps_flat(mt.optim.frozen(mt.optim.Adam(), "0.b"))
    masks = {key: np.ones_like(value, dtype=bool) for key, value in params.items()}
    assert not steps_flat(mt.compress.masked(mt.optim.Adam(), masks))

    class PerLayer(mt.optim.GD):
        elementwise = False  # e.g. a rule that normalises each array by its own norm

    assert not steps_flat(PerLayer(lr=0.1))


@pytest.mark.parametrize("copy_bytes", COPY_BYTES)
def test_flat_steps_keep_every_parameter_a_view_of_one_vector_with_opt_steps_numbers(copy_bytes):
    model, X, y = problem(1, np.float32)
    opt, loss = mt.optim.Adam(lr=0.01), mt.losses.CrossEntropy()
    params = model.init(0, dtype=np.float32)
    with keeping(copy_bytes):
        steps = Steps(model, loss, opt, params, opt.init(params))
    expected, state = params, opt.init(params)
    for _ in range(5):
        steps.gradient(X[:10], y[:10])
        steps.apply()
        _, grads = mt.value_and_grad(model, loss, expected, X[:10], y[:10])
        expected, state = opt.step(expected, grads, state)
    vector = steps.current["0.W"].base
    assert vector.ndim == 1 and vector.size == sum(p.size for p in params.values())
    for key, value in steps.current.items():
        assert value.base is vector
        np.testing.assert_array_equal(value, expected[key])
    assert steps.opt_state["step"] == 5


@given(stepper=st.sampled_from(STEPPERS[:2]), dtype=st.sampled_from([np.float32, np.float64]))
def test_recorded_gradient_norm_is_the_norm_of_value_and_grad(stepper, dtype):
    model, X, y = problem(7, dtype)
    loss = mt.losses.CrossEntropy()
    for opt in (stepper, PureOnly(stepper)):
        history = mt.fit(model, loss, opt, X, y, epochs=1, progress=False)  # one full batch
        _, grads = mt.value_and_grad(model, loss, model.init(0, dtype=dtype), X, y)
        expected = np.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads.values()))
        # One dot product in the data's precision against a float64 sum: float32 carries
        # about 1e-7 relative error per addition over ~80 terms; float64 about 1e-16.
        tolerance = 1e-5 if dtype == np.float32 else 1e-12
        assert history.grad_norm[0] == pytest.approx(expected, rel=tolerance)


def test_divergence_before_any_step_keeps_what_callbacks_set_at_the_start():
    X, y = mt.data.make_linear(n=8, seed=0)
    X[0, 0] = 1e200  # the first loss overflows
    model = mt.Sequential([mt.Dense(1, 1, init="torch")])
    start = {"0.W": np.full((1, 1), 0.25), "0.b": np.full(1, -0.5)}

    class SetAtStart(Callback):
        def on_train_begin(self, run):
            run.params = start

    for opt in (mt.optim.Adam(lr=0.1), PureOnly(mt.optim.Adam(lr=0.1))):
        with pytest.warns(RuntimeWarning, match="step 0"):
            history = mt.fit(model, mt.losses.MSE(), opt, X, y, epochs=2,
                             callbacks=[SetAtStart()], progress=False)  # fmt: skip
        for key in start:
            np.testing.assert_array_equal(history.params[key], start[key])
