"""Properties of value_and_grad and the training loop."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
from minitrain.train import Callback, EarlyStopping


def classification_data(n=120, n_features=4, n_classes=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features)).astype(dtype)
    y = rng.integers(0, n_classes, size=n)
    return X, y


def small_mlp(n_features=4, n_classes=3):
    return mt.Sequential([mt.Dense(n_features, 8), mt.Tanh(), mt.Dense(8, n_classes)])


def manual_gd(model, loss, params, X, y, lr, steps):
    for _ in range(steps):
        _, grads = mt.value_and_grad(model, loss, params, X, y)
        params = {k: params[k] - lr * grads[k] for k in params}
    return params


def test_value_and_grad_keys_shapes_and_dtypes_follow_params():
    for dtype in (np.float32, np.float64):
        X, y = classification_data(dtype=dtype)
        model = small_mlp()
        params = model.init(seed=1, dtype=dtype)
        value, grads = mt.value_and_grad(model, mt.losses.CrossEntropy(), params, X, y)
        assert isinstance(value, float)
        assert list(grads) == list(params)
        for key in params:
            assert grads[key].shape == params[key].shape
            assert grads[key].dtype == dtype


@given(st.integers(1, 4), st.floats(0.01, 0.5))
def test_full_batch_fit_is_gradient_descent(epochs, lr):
    X, y = classification_data(n=40)
    model = small_mlp()
    loss = mt.losses.CrossEntropy()
    history = mt.fit(model, loss, mt.optim.GD(lr=lr), X, y, epochs=epochs, progress=False)
    expected = manual_gd(model, loss, model.init(0), X, y, lr, epochs)
    for key in expected:
        # Identical operations in the same order: the results must agree to the last bit.
        np.testing.assert_array_equal(history.params[key], expected[key])


def test_sgd_with_one_batch_of_all_rows_equals_gd():
    X, y = classification_data(n=50)
    model, loss = small_mlp(), mt.losses.CrossEntropy()
    full = mt.fit(model, loss, mt.optim.GD(lr=0.1), X, y, epochs=5, progress=False)
    batched = mt.fit(model, loss, mt.optim.SGD(lr=0.1), X, y, epochs=5, batch_size=50,
                     progress=False)
    for key in full.params:
        np.testing.assert_array_equal(full.params[key], batched.params[key])


def test_same_seed_gives_identical_history_and_other_seed_differs():
    X, y = classification_data()
    model, loss = small_mlp(), mt.losses.CrossEntropy()

    def run(seed):
        return mt.fit(model, loss, mt.optim.Adam(lr=1e-2), X, y, epochs=3, batch_size=16,
                      seed=seed, progress=False)

    a, b, c = run(3), run(3), run(4)
    assert a.step_loss == b.step_loss and a.loss == b.loss
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
    assert a.step_loss != c.step_loss


def test_float32_data_gives_float32_params_and_state():
    X, y = classification_data(dtype=np.float32)
    history = mt.fit(small_mlp(), mt.losses.CrossEntropy(), mt.optim.Adam(lr=1e-2), X, y,
                     epochs=2, batch_size=32, progress=False)
    assert {v.dtype for v in history.params.values()} == {np.dtype(np.float32)}
    slots = [v for v in history.opt_state.values() if isinstance(v, dict)]
    assert slots and all(a.dtype == np.float32 for slot in slots for a in slot.values())


def test_resumed_run_equals_uninterrupted_run():
    X, y = classification_data()
    model, loss, opt = small_mlp(), mt.losses.CrossEntropy(), mt.optim.Adam(lr=1e-2)
    whole = mt.fit(model, loss, opt, X, y, epochs=6, batch_size=16, seed=7, progress=False)
    first = mt.fit(model, loss, opt, X, y, epochs=3, batch_size=16, seed=7, progress=False)
    second = mt.fit(model, loss, opt, X, y, epochs=6, batch_size=16, seed=7, progress=False,
                    params=first.params, opt_state=first.opt_state, initial_epoch=3)
    assert first.loss + second.loss == whole.loss
    for key in whole.params:
        np.testing.assert_array_equal(whole.params[key], second.params[key])


def test_epoch_metric_is_accuracy_before_the_update_in_full_batch_mode():
    X, y = classification_data()
    model, loss = small_mlp(), mt.losses.CrossEntropy()
    params = model.init(0)
    history = mt.fit(model, loss, mt.optim.GD(lr=0.1), X, y, epochs=1, progress=False)
    predicted = model.predict(params, X).argmax(axis=1)
    assert history.metric[0] == np.mean(predicted == y)
    assert history.loss[0] == loss(model.predict(params, X), y)
    assert history.metric_name == "accuracy"


def test_regression_metric_is_rmse_over_the_epoch():
    X, y = mt.data.make_linear(n=64, seed=1)
    model, loss = mt.Sequential([mt.Dense(1, 1)]), mt.losses.MSE()
    history = mt.fit(model, loss, mt.optim.SGD(lr=0.05), X, y, epochs=1, batch_size=16,
                     progress=False)
    # Every batch has 16 rows, so the epoch MSE is the mean of the step losses.
    assert history.metric[0] == pytest.approx(np.sqrt(np.mean(history.step_loss)), rel=1e-12)


def test_divergence_stops_with_last_finite_params_and_a_hint():
    X, y = mt.data.make_linear(n=64, seed=0)
    model, loss = mt.Sequential([mt.Dense(1, 1)]), mt.losses.MSE()
    with pytest.warns(RuntimeWarning, match="smaller learning rate"):
        history = mt.fit(model, loss, mt.optim.GD(lr=50.0), X, y, epochs=500, progress=False)
    assert history.diverged_at_step is not None
    assert history.epochs_run < 500
    assert f"step {history.diverged_at_step}" in history.stopped_reason
    # numbers a person reads: four significant digits, not repr's seventeen
    assert f"last finite loss {history.step_loss[-1]:.4g}." in history.stopped_reason
    assert all(np.isfinite(v).all() for v in history.params.values())
    # The kept parameters are those whose (finite) loss was recorded last.
    assert loss(model.predict(history.params, X), y) == history.step_loss[-1]


def test_divergence_can_raise():
    X, y = mt.data.make_linear(n=64, seed=0)
    with pytest.raises(FloatingPointError, match="diverged at step"):
        mt.fit(mt.Sequential([mt.Dense(1, 1)]), mt.losses.MSE(), mt.optim.GD(lr=50.0), X, y,
               epochs=500, progress=False, on_divergence="raise")


def test_early_stopping_restores_best_validation_params():
    X, y = classification_data(n=200, seed=2)
    X_val, y_val = classification_data(n=60, seed=3)  # labels unrelated to X: overfits at once
    model, loss = small_mlp(), mt.losses.CrossEntropy()
    stopper = EarlyStopping(patience=2)
    history = mt.fit(model, loss, mt.optim.Adam(lr=0.05), X, y, epochs=200, batch_size=20,
                     validation=(X_val, y_val), callbacks=[stopper], progress=False)
    assert history.epochs_run < 200 and "early stopping" in history.stopped_reason
    best = int(np.argmin(history.val_loss))
    assert history.epochs_run == best + 1 + 2
    restored = loss(model.predict(history.params, X_val), y_val)
    assert restored == pytest.approx(history.val_loss[best], rel=1e-12)


def test_callbacks_see_every_step_and_can_stop():
    class CountAndStop(Callback):
        def __init__(self):
            self.steps = []

        def on_step_end(self, run):
            self.steps.append(run.step)

        def on_epoch_end(self, run):
            run.stop = run.epoch == 1

    X, y = classification_data(n=100)
    counter = CountAndStop()
    history = mt.fit(small_mlp(), mt.losses.CrossEntropy(), mt.optim.SGD(lr=0.1), X, y,
                     epochs=10, batch_size=30, callbacks=[counter], progress=False)
    assert history.epochs_run == 2
    assert counter.steps == list(range(1, 9))  # ceil(100 / 30) = 4 steps per epoch


def test_fit_never_modifies_its_inputs():
    X, y = classification_data()
    params = small_mlp().init(5)
    copies = (X.copy(), y.copy(), {k: v.copy() for k, v in params.items()})
    mt.fit(small_mlp(), mt.losses.CrossEntropy(), mt.optim.Adam(lr=0.1), X, y, epochs=2,
           batch_size=10, params=params, progress=False)
    np.testing.assert_array_equal(X, copies[0])
    np.testing.assert_array_equal(y, copies[1])
    for key in params:
        np.testing.assert_array_equal(params[key], copies[2][key])


# ----- bad input ----------------------------------------------------------------------------


def fit_with(X, y, **kwargs):
    options = {"epochs": 1, "progress": False, **kwargs}
    return mt.fit(small_mlp(), mt.losses.CrossEntropy(), mt.optim.SGD(lr=0.1), X, y, **options)


def test_nan_in_X_or_y_points_to_clean():
    X, y = classification_data()
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"X contains 1 NaN.*minitrain\.clean"):
        fit_with(bad, y)
    Xr, yr = mt.data.make_linear(n=10)
    yr = yr.copy()
    yr[0, 0] = np.inf
    with pytest.raises(ValueError, match=r"y contains 1 NaN or infinite.*minitrain\.clean"):
        mt.fit(mt.Sequential([mt.Dense(1, 1)]), mt.losses.MSE(), mt.optim.SGD(lr=0.1), Xr, yr,
               epochs=1, progress=False)


@pytest.mark.parametrize(
    ("X", "y", "error", "message"),
    [
        (np.zeros((10, 4)), np.zeros(9, dtype=int), ValueError, "X has 10 rows but y has 9"),
        (np.zeros((0, 4)), np.zeros(0, dtype=int), ValueError, "X is empty"),
        (np.zeros(4), np.zeros(4, dtype=int), ValueError, r"reshape\(-1, 1\)"),
        (np.zeros((10, 5)), np.zeros(10, dtype=int), ValueError, "expects 4"),
        (np.zeros((10, 4)), np.full(10, 3), ValueError, r"\[0, 3\)"),
        (np.zeros((10, 4)), np.zeros(10), TypeError, "integer class labels"),
        (np.zeros((10, 4), dtype=int), np.zeros(10, dtype=int), TypeError, "astype"),
        (np.zeros((10, 4)), [0] * 10, TypeError, "got a list"),
    ],
)
def test_bad_data_is_refused_with_a_message(X, y, error, message):
    with pytest.raises(error, match=message):
        fit_with(X, y)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"epochs": 0}, ValueError, "epochs must be >= 1"),
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
        ({"batch_size": 2.5}, TypeError, "batch_size must be an integer"),
        ({"validation": np.zeros((3, 4))}, TypeError, "validation must be a tuple"),
        ({"on_divergence": "ignore"}, ValueError, "on_divergence"),
        ({"initial_epoch": 1}, ValueError, "initial_epoch must be <= 0"),
    ],
)
def test_bad_options_are_refused(kwargs, error, message):
    X, y = classification_data()
    with pytest.raises(error, match=message):
        fit_with(X, y, **kwargs)


def test_wrong_model_loss_or_stepper_types_are_refused():
    X, y = classification_data()
    with pytest.raises(TypeError, match=r"model must be an instance such as mt\.Sequential"):
        mt.fit([mt.Dense(4, 3)], mt.losses.CrossEntropy(), mt.optim.SGD(lr=0.1), X, y, epochs=1)
    with pytest.raises(TypeError, match=r"loss must be an instance such as mt\.losses\.MSE\(\)"):
        mt.fit(small_mlp(), "mse", mt.optim.SGD(lr=0.1), X, y, epochs=1)
    with pytest.raises(TypeError, match="opt must be a stepper"):
        mt.fit(small_mlp(), mt.losses.CrossEntropy(), 0.1, X, y, epochs=1)


def test_params_of_another_dtype_are_refused_not_cast():
    X, y = classification_data(dtype=np.float32)
    params = small_mlp().init(0, dtype=np.float64)
    with pytest.raises(TypeError, match="does not cast silently"):
        fit_with(X, y, params=params)


# ----- what fit shares with the distributed workers ---------------------------------------


@given(st.integers(1, 60), st.one_of(st.none(), st.integers(1, 70)), st.integers(0, 2**16))
def test_epoch_batches_take_every_row_once_in_the_generators_permutation(n, batch_size, seed):
    batches = mt.train.epoch_batches(n, batch_size, np.random.default_rng(seed))
    if batch_size is None or batch_size >= n:
        assert batches == [slice(None)]  # every row, in order, and the generator is not used
        return
    order = np.random.default_rng(seed).permutation(n)
    np.testing.assert_array_equal(np.concatenate(batches), order)
    assert [len(rows) for rows in batches[:-1]] == [batch_size] * (len(batches) - 1)
    assert 0 < len(batches[-1]) <= batch_size


@pytest.mark.parametrize(
    ("loss", "higher_is_better"),
    [(mt.losses.MSE(), False), (mt.losses.CrossEntropy(), True)],
)
def test_history_first_reaching_follows_the_losss_metric_direction(loss, higher_is_better):
    assert loss.higher_is_better is higher_is_better
    history = mt.train.History(metric_name=loss.metric, higher_is_better=loss.higher_is_better,
                               val_metric=[0.5, 0.3, 0.8, 0.2])  # fmt: skip
    # Accuracy reaches 0.7 first at 0.8 (index 2); an RMSE reaches 0.4 first at 0.3 (index 1).
    expected = 2 if higher_is_better else 1
    assert history.first_reaching(0.7 if higher_is_better else 0.4) == expected
    assert loss.reaches(0.8, 0.7) is higher_is_better
    assert history.first_reaching(2.0 if higher_is_better else -1.0) is None
    assert "params" not in history.as_dict() and history.as_dict()["val_metric"][2] == 0.8
