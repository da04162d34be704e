"""On-device learners: frozen keys never move, trainable gradients are backprop's, EWC and the
Fisher diagonal against finite differences, reservoir sampling is uniform, test-then-train
never trains before it predicts, and bad input is refused."""

import math
import pickle
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitrain as mt
from minitrain import adapt

MODEL = mt.Sequential([mt.Dense(3, 5), mt.Tanh(), mt.Dense(5, 4), mt.LeakyReLU(0.1),
                       mt.Dense(4, 2)])
KEYS = tuple(MODEL.param_shapes())


def data(seed, n=12, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1, (n, 3)).astype(dtype)
    return X, rng.integers(0, 2, n)


@settings(max_examples=15)
@given(seed=st.integers(0, 2**31), keys=st.sets(st.sampled_from(KEYS)),
       steps=st.integers(1, 6), replay=st.booleans())
def test_frozen_keys_are_bit_identical_after_any_number_of_updates(seed, keys, steps, replay):
    params = MODEL.init(seed)
    loss = mt.losses.CrossEntropy()
    fisher = {k: np.ones_like(v) for k, v in params.items()}
    learner = adapt.OnlineLearner(
        MODEL, loss, mt.optim.Adam(lr=0.1), params, trainable=sorted(keys),
        buffer=adapt.Reservoir(5, seed) if replay else None,
        penalty=adapt.EWC({k: v + 1 for k, v in params.items()}, fisher, 0.5),
        detector=adapt.PageHinkley(threshold=0.1, min_instances=1),
        on_drift=adapt.Retrain(window=4, epochs=1, batch_size=2))
    X, y = data(seed)
    for t in range(steps):
        learner.learn_many(X[2 * t:2 * t + 2], y[2 * t:2 * t + 2])
    for key in KEYS:
        if key not in keys:
            assert learner.params[key] is params[key]  # passed through, never copied
            np.testing.assert_array_equal(learner.params[key], MODEL.init(seed)[key])


@settings(max_examples=15)
@given(seed=st.integers(0, 2**31), keys=st.sets(st.sampled_from(KEYS), min_size=1))
def test_trainable_gradients_are_backprops_for_those_keys(seed, keys):
    # One SGD step with lr 1 moves each trainable key by exactly minus its gradient, which
    # must be mt.value_and_grad's (the core's full backward pass) for that key.
    params = MODEL.init(seed)
    loss = mt.losses.CrossEntropy()
    X, y = data(seed)
    _, full = mt.value_and_grad(MODEL, loss, params, X, y)
    learner = adapt.OnlineLearner(MODEL, loss, mt.optim.GD(lr=1.0), params,
                                  trainable=sorted(keys))
    learner.learn_many(X, y)
    for key in keys:
        # Same products in another order (the restricted pass skips unneeded ones): float64
        # rounding, a few ulps of values of order 1.
        np.testing.assert_allclose(params[key] - learner.params[key], full[key],
                                   rtol=1e-12, atol=1e-14)


@settings(max_examples=20)
@given(seed=st.integers(0, 2**31), strength=st.floats(0.0, 10.0))
def test_ewc_gradient_matches_central_differences_and_vanishes_at_the_anchor(seed, strength):
    rng = np.random.default_rng(seed)
    anchor = {"a": rng.normal(size=(2, 3)), "b": rng.normal(size=3)}
    fisher = {k: rng.random(v.shape) for k, v in anchor.items()}
    ewc = adapt.EWC(anchor, fisher, strength)
    theta = {k: v + rng.normal(size=v.shape) for k, v in anchor.items()}
    grad = ewc.grad(theta)
    h = 1e-6
    for key, value in theta.items():
        for idx in np.ndindex(value.shape):
            up = {k: v.copy() for k, v in theta.items()}
            down = {k: v.copy() for k, v in theta.items()}
            up[key][idx] += h
            down[key][idx] -= h
            numeric = (ewc.value(up) - ewc.value(down)) / (2 * h)
            # A quadratic: central differences are exact up to rounding of values <= ~100,
            # eps * 100 / h ~ 2e-8.
            assert grad[key][idx] == pytest.approx(numeric, abs=1e-6)
    assert all(not g.any() for g in ewc.grad(anchor).values())
    assert ewc.value(anchor) == 0.0


@pytest.mark.parametrize("loss", [mt.losses.CrossEntropy(), mt.losses.MSE()])
def test_fisher_diagonal_is_the_mean_squared_per_example_finite_difference_gradient(loss):
    params = MODEL.init(3)
    X, labels = data(4, n=6)
    y = labels if isinstance(loss, mt.losses.CrossEntropy) else np.random.default_rng(1).normal(
        size=(6, 2))
    fisher = adapt.fisher_diagonal(MODEL, loss, params, X, y)
    h = 1e-6
    for key, value in params.items():
        for idx in np.ndindex(value.shape):
            squares = []
            for n in range(X.shape[0]):
                up = {k: v.copy() for k, v in params.items()}
                down = {k: v.copy() for k, v in params.items()}
                up[key][idx] += h
                down[key][idx] -= h
                row = slice(n, n + 1)
                diff = loss(MODEL.predict(up, X[row]), y[row]) - loss(
                    MODEL.predict(down, X[row]), y[row])
                squares.append((diff / (2 * h)) ** 2)
            # Central differences of smooth losses: error O(h^2) + rounding eps/h ~ 1e-10 on
            # gradients of order 1, so squares agree to ~1e-9 (LeakyReLU's kink is not hit by
            # these continuous inputs).
            assert fisher[key][idx] == pytest.approx(np.mean(squares), abs=1e-8)


def test_reservoir_keeps_each_item_with_probability_capacity_over_n():
    # Chi-square over the n items of how often each was kept in R independent reservoirs:
    # each count ~ Binomial(R, c/n) (sum of counts = R c, so n - 1 degrees of freedom). The
    # statistic with the binomial variance R (c/n)(1 - c/n) is compared with the chi-square
    # quantile at p = 1e-4 (Wilson-Hilferty): a correct sampler fails once in 10,000 seeds,
    # while keeping the first c items, or the last c, gives a statistic in the thousands.
    n, c, runs = 40, 8, 1500
    counts = np.zeros(n)
    items = np.arange(n, dtype=np.float64)[:, None]
    for seed in range(runs):
        buffer = adapt.Reservoir(c, seed)
        buffer.add(items, np.arange(n))
        counts[buffer.y_] += 1
    p = c / n
    chi2 = np.sum((counts - runs * p) ** 2 / (runs * p * (1 - p)))
    k, z = n - 1, 3.719  # z: the normal quantile at 1 - 1e-4
    critical = k * (1 - 2 / (9 * k) + z * math.sqrt(2 / (9 * k))) ** 3
    assert chi2 < critical
    assert counts.sum() == runs * c


def test_reservoir_capacity_in_bytes_and_in_samples():
    buffer = adapt.Reservoir.within(1000, row_bytes=4 * 4 + 8)
    assert buffer.capacity == 41
    buffer.add(np.zeros((3, 4), dtype=np.float32), np.zeros(3, dtype=np.int64))
    assert buffer.nbytes == 41 * 24 and buffer.size == 3
    with pytest.raises(ValueError, match="capacity"):
        adapt.Reservoir(0)


class SpyLearner(adapt.OnlineLearner):
    """Records the order of predictions and learning, by row id (the first feature)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.events = []

    def predict(self, X):
        self.events.append(("predict", X[:, 0].tolist(), self.params))
        return super().predict(X)

    def learn_many(self, X, y):
        self.events.append(("learn", X[:, 0].tolist(), None))
        return super().learn_many(X, y)


@settings(max_examples=10)
@given(seed=st.integers(0, 2**31), batch_size=st.integers(1, 7))
def test_prequential_never_trains_on_a_row_before_predicting_it(seed, batch_size):
    X, y = data(seed, n=20)
    X[:, 0] = np.arange(20)  # the row id
    model = mt.Sequential([mt.Dense(3, 2)])
    loss = mt.losses.CrossEntropy()
    spy = SpyLearner(model, loss, mt.optim.SGD(lr=0.5), model.init(seed))
    run = adapt.prequential(spy, X, y, batch_size=batch_size)
    predicted, learned = set(), set()
    for kind, ids, params in spy.events:
        if kind == "predict":
            assert not learned & set(ids)
            predicted |= set(ids)
            rows = np.array(ids, dtype=int)
            # the recorded loss is the one of the parameters held before learning the row
            np.testing.assert_allclose(
                run.loss[rows], [loss(model.predict(params, X[r:r + 1]), y[r:r + 1])
                                 for r in rows], rtol=1e-12)
        else:
            assert set(ids) <= predicted
            learned |= set(ids)
    assert learned == set(range(20))


def test_errors_and_their_rolling_mean_follow_the_datas_dtype():
    # float32 data: per-row errors, the prequential record and its rolling mean stay float32
    # (the rolling sums run in float64 and are rounded once); float64 data stays float64.
    for dtype in (np.float32, np.float64):
        params = MODEL.init(0, dtype=dtype)
        X, y = data(0, n=10, dtype=dtype)
        learner = adapt.OnlineLearner(MODEL, mt.losses.CrossEntropy(), mt.optim.SGD(lr=0.1),
                                      params)
        run = adapt.prequential(learner, X, y, window=3)
        errors = adapt.sample_errors(mt.losses.CrossEntropy(), MODEL.predict(params, X), y)
        assert errors.dtype == run.error.dtype == run.loss.dtype == run.rolling.dtype == dtype
        expected = [run.error[max(0, t - 2):t + 1].astype(np.float64).mean() for t in range(10)]
        np.testing.assert_array_equal(run.rolling, np.array(expected).astype(dtype))


def test_rolling_mean_is_the_trailing_window_mean():
    values = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    np.testing.assert_allclose(adapt.rolling_mean(values, 2), [1.0, 0.5, 0.5, 1.0, 0.5])


def test_retrain_on_drift_adapts_and_reset_restarts_the_stepper():
    rng = np.random.default_rng(0)
    model = mt.Sequential([mt.Dense(2, 2)])
    X = rng.normal(size=(400, 2))
    y = (X[:, 0] > 0).astype(np.int64)
    y[200:] = 1 - y[200:]  # the concept flips at row 200
    learner = adapt.OnlineLearner(model, mt.losses.CrossEntropy(), mt.optim.SGD(lr=0.1),
                                  model.init(0), detector=adapt.DDM(),
                                  on_drift=adapt.Retrain(window=50, epochs=5))
    run = adapt.prequential(learner, X, y)
    assert run.detections.size and 200 <= run.detections[0] < 300
    assert run.adaptations.tolist() == run.detections.tolist()
    assert run.error[-100:].mean() < 0.2  # learnt the flipped concept
    reset = adapt.OnlineLearner(model, mt.losses.CrossEntropy(), mt.optim.Adam(lr=0.1),
                                model.init(0), on_drift=adapt.ResetOptimizer(),
                                detector=adapt.DDM())
    adapt.prequential(reset, X, y)
    assert reset.adaptations_  # the last reset restarted the step counter from 0
    assert reset.opt_state["step"] == 400 - reset.adaptations_[-1]


def test_bad_learner_input_is_refused_by_name():
    params = MODEL.init(0)
    loss, opt = mt.losses.CrossEntropy(), mt.optim.SGD(lr=0.1)
    with pytest.raises(ValueError, match=re.escape("trainable has unknown key(s) ['9.W']")):
        adapt.OnlineLearner(MODEL, loss, opt, params, trainable=["9.W"])
    with pytest.raises(TypeError, match="trainable"):
        adapt.OnlineLearner(MODEL, loss, opt, params, trainable="0.W")
    wrong = {k: v for k, v in params.items() if k != "0.b"}
    with pytest.raises(ValueError, match="anchor"):
        adapt.OnlineLearner(MODEL, loss, opt, params, penalty=adapt.EWC(
            wrong, {k: np.ones_like(v) for k, v in wrong.items()}))
    with pytest.raises(ValueError, match="fisher"):
        adapt.EWC(params, {k: -np.ones_like(v) for k, v in params.items()})
    single = {k: v.astype(np.float32) for k, v in params.items()}
    with pytest.raises(TypeError, match="dtype"):
        adapt.OnlineLearner(MODEL, loss, opt, single, penalty=adapt.EWC(
            params, {k: np.ones_like(v) for k, v in params.items()}))
    with pytest.raises(TypeError, match="on_drift"):
        adapt.OnlineLearner(MODEL, loss, opt, params, on_drift="retrain")
    learner = adapt.OnlineLearner(MODEL, loss, opt, params)
    with pytest.raises(ValueError, match="columns"):
        learner.learn_many(np.zeros((2, 4)), np.zeros(2, dtype=int))
    with pytest.raises(ValueError, match="NaN"):
        adapt.prequential(learner, np.full((2, 3), np.nan), np.zeros(2, dtype=int))


def test_personalization_fits_each_device_and_leaves_frozen_keys_alone():
    # Two devices whose labels are mirror images: one global model cannot serve both, the
    # last layer fine-tuned per device can.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2))
    device = np.repeat([0, 1], 200)
    y = ((X[:, 0] > 0) ^ (device == 1)).astype(np.int64)
    train = np.r_[0:150, 200:350]
    cluster = mt.distributed.make_cluster(X[train], y[train], 2, scheme="by_node",
                                          node=device[train])
    test = [(X[150:200], y[150:200]), (X[350:400], y[350:400])]
    model = mt.Sequential([mt.Dense(2, 8), mt.Tanh(), mt.Dense(8, 2)])
    loss = mt.losses.CrossEntropy()
    params = mt.fit(model, loss, mt.optim.Adam(lr=0.01), X[train], y[train], epochs=5,
                    progress=False).params
    result = adapt.personalize(model, loss, mt.optim.Adam(lr=0.05), params, cluster,
                               test=test, trainable=adapt.last_layer(model), epochs=20)
    assert result.global_metric.mean() < 0.7  # about chance on one device at least
    assert result.worst(result.personal_metric) > 0.85
    for personal in result.params:
        assert personal["0.W"] is params["0.W"] or np.array_equal(personal["0.W"], params["0.W"])
    with pytest.raises(ValueError, match="test"):
        adapt.personalize(model, loss, mt.optim.SGD(lr=0.1), params, cluster, test=test[:1])


@pytest.mark.parametrize("detector", [None, adapt.PageHinkley()], ids=["step", "detector"])
def test_a_diverging_step_is_refused_and_the_last_finite_parameters_are_kept(detector):
    # Targets of 1e200 make the squared error overflow: the learner must raise (in the step,
    # or before feeding the detector) and keep the parameters and stepper state it had, bit
    # for bit, instead of training to NaN.
    model = mt.Sequential([mt.Dense(3, 1)])
    learner = adapt.OnlineLearner(model, mt.losses.MSE(), mt.optim.SGD(lr=0.1, momentum=0.9),
                                  model.init(0), detector=detector)
    X, _ = data(0)
    learner.learn_many(X[:4], np.ones((4, 1)))
    before = pickle.dumps(learner)
    with pytest.raises(FloatingPointError, match="not finite"):
        learner.learn_many(X[4:8], np.full((4, 1), 1e200))
    kept = pickle.loads(before)
    for key in learner.params:
        np.testing.assert_array_equal(learner.params[key], kept.params[key])
    assert pickle.dumps(learner.opt_state) == pickle.dumps(kept.opt_state)
    assert all(np.isfinite(v).all() for v in learner.params.values())


@settings(max_examples=25)
@given(seed=st.integers(0, 2**31), n=st.integers(1, 12), classes=st.integers(2, 4))
def test_per_row_errors_average_to_one_minus_the_losss_accuracy(seed, n, classes):
    # The detector sees what the loss's metric counts: for cross-entropy the argmax against
    # the label, for binary cross-entropy on one output (z > 0) against (t > 1/2), soft
    # targets included (a target of 0.7 with a positive logit is right, not wrong).
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(n, classes))
    labels = rng.integers(0, classes, n)
    one = rng.normal(size=(n, 1))
    soft = rng.random((n, 1))
    for loss, pred, y in ((mt.losses.CrossEntropy(), logits, labels),
                          (mt.losses.BinaryCrossEntropy(), one, soft)):
        errors = adapt.sample_errors(loss, pred, y)
        assert set(np.unique(errors)) <= {0.0, 1.0}
        # 1e-12: a mean of n 0/1 values against a count divided by n
        assert errors.mean() == pytest.approx(1 - loss.metric_value(pred, y), abs=1e-12)
