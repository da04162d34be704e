"""Fuzzing minitrain.adapt: arbitrary values (``junk()``: None, strings, nested lists, NaN/inf,
float16/int/bool/complex/object arrays, empty and 0-d arrays, classes) into each argument of
each public callable, one public module per test. The call returns or raises ValueError or
TypeError, and every input stays bit-identical. Counts that set how much work a call does get
junk with small integers only, so a valid draw stays cheap."""

import numpy as np
from bad_inputs import fuzz_argument, junk, targets
from hypothesis import HealthCheck, given, settings

import minitrain as mt
from minitrain import adapt

rng = np.random.default_rng(0)
MODEL = mt.Sequential([mt.Dense(3, 4), mt.Tanh(), mt.Dense(4, 2)])
LOSS = mt.losses.CrossEntropy()
OPT = mt.optim.SGD(lr=0.1)
PARAMS = MODEL.init(0)
FISHER = {k: np.ones_like(v) for k, v in PARAMS.items()}
X = rng.normal(size=(8, 3))
Y = (X[:, 0] > 0).astype(np.int64)


class Cluster:
    """A stand-in with the two attributes personalize reads from a distributed.Cluster."""

    def __init__(self, X_shards, y_shards):
        self.X_shards, self.y_shards = X_shards, y_shards


CLUSTER = Cluster([X[:4], X[4:]], [Y[:4], Y[4:]])
TEST = [(X[:2], Y[:2]), (X[2:4], Y[2:4])]
COUNTS = {"epochs", "capacity", "replay_size", "max_bytes"}








# Finite but huge junk (1e300) can overflow a model that learns from it: the learner then
# raises FloatingPointError, its documented divergence error, and keeps its parameters.
LEARNS = (ValueError, TypeError, FloatingPointError)


def fuzz(call, args, kwargs, argument, value, allowed=(ValueError, TypeError)):
    fuzz_argument(call, args, kwargs, argument, value, counts=COUNTS, allowed=allowed)


FAST = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
TRAINS = settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))


def learner(**kwargs):
    return adapt.OnlineLearner(MODEL, LOSS, OPT, PARAMS, **kwargs)


def update(detector, x):
    return detector.update(x)


@targets(
    ("PageHinkley", adapt.PageHinkley, (), {}, ("min_instances", "delta", "threshold", "alpha",
                                                "mode")),
    ("PageHinkley.update", update, (adapt.PageHinkley(),), {}, ("x",)),
    ("DDM", adapt.DDM, (), {}, ("warm_start", "warning_threshold", "drift_threshold")),
    ("DDM.update", update, (adapt.DDM(),), {}, ("x",)),
    ("detect", adapt.detect, (adapt.PageHinkley(), np.zeros(5)), {}, (0, 1)),
)
@FAST
@given(value=junk())
def test_detectors_survive_junk(call, args, kwargs, argument, value):
    fuzz(call, args, kwargs, argument, value)


@targets(
    ("ADWIN", adapt.ADWIN, (), {}, ("delta", "clock", "max_buckets", "min_window_length",
                                    "grace_period")),
    ("ADWIN.update", update, (adapt.ADWIN(clock=1, grace_period=0),), {}, ("x",)),
)
@FAST
@given(value=junk())
def test_adwin_survives_junk(call, args, kwargs, argument, value):
    fuzz(call, args, kwargs, argument, value)


def learn_many(X, y, **kwargs):
    return learner(**kwargs).learn_many(X, y)


def learn_one(x, y):
    return learner(buffer=adapt.Reservoir(3)).learn_one(x, y)


def step(X, y):
    return learner().step(X, y)


def memory(batch_size):
    return learner().memory(batch_size)


def predict(X):
    return learner().predict(X)


@targets(
    ("OnlineLearner", adapt.OnlineLearner, (MODEL, LOSS, OPT, PARAMS), {},
     (0, 1, 2, 3, "trainable", "buffer", "replay_size", "penalty", "detector", "on_drift",
      "online", "seed")),
    ("learn_many", learn_many, (X[:4], Y[:4]), {"buffer": adapt.Reservoir(3),
                                                "detector": adapt.DDM(warm_start=0)}, (0, 1)),
    ("learn_one", learn_one, (X[0], Y[0]), {}, (0, 1)),
    ("step", step, (X[:4], Y[:4]), {}, (0, 1)),
    ("memory", memory, (4,), {}, (0,)),
    ("predict", predict, (X,), {}, (0,)),
    ("ResetOptimizer", adapt.ResetOptimizer, (), {}, ("window",)),
    ("Retrain", adapt.Retrain, (), {}, ("window", "epochs", "batch_size")),
    ("biases", adapt.biases, (MODEL,), {}, (0,)),
    ("last_layer", adapt.last_layer, (MODEL,), {}, (0,)),
    ("sample_errors", adapt.sample_errors, (LOSS, np.zeros((4, 2)), Y[:4]), {}, (0, 1, 2)),
)
@FAST
@given(value=junk())
def test_learner_survives_junk(call, args, kwargs, argument, value):
    fuzz(call, args, kwargs, argument, value, LEARNS)


def add(X, y):
    filled = adapt.Reservoir(3, seed=0)
    filled.add(np.zeros((2, 3)), np.zeros(2, dtype=np.int64))
    return filled.add(X, y)


def sample(k):
    filled = adapt.Reservoir(3, seed=0)
    filled.add(np.zeros((2, 3)), np.zeros(2, dtype=np.int64))
    return filled.sample(k)


@targets(
    ("Reservoir", adapt.Reservoir, (3,), {}, (0, "seed")),
    ("Reservoir.within", adapt.Reservoir.within, (64, 8), {}, (0, 1, "seed")),
    ("Reservoir.add", add, (X[:2], Y[:2]), {}, (0, 1)),
    ("Reservoir.sample", sample, (1,), {}, (0,)),
)
@FAST
@given(value=junk())
def test_replay_survives_junk(call, args, kwargs, argument, value):
    fuzz(call, args, kwargs, argument, value)


PENALTY = adapt.EWC(PARAMS, FISHER, 0.5)


@targets(
    ("EWC", adapt.EWC, (PARAMS, FISHER), {}, (0, 1, "strength")),
    ("EWC.value", PENALTY.value, (PARAMS,), {}, (0,)),
    ("EWC.grad", PENALTY.grad, (PARAMS,), {}, (0,)),
    ("EWC.restricted", PENALTY.restricted, (("0.W",),), {}, (0,)),
    ("EWC.check_params", PENALTY.check_params, (PARAMS,), {}, (0,)),
    ("fisher_diagonal", adapt.fisher_diagonal, (MODEL, LOSS, PARAMS, X, Y), {}, (0, 1, 2, 3, 4)),
)
@FAST
@given(value=junk())
def test_ewc_survives_junk(call, args, kwargs, argument, value):
    fuzz(call, args, kwargs, argument, value)


@targets(
    ("personalize", adapt.personalize, (MODEL, LOSS, OPT, PARAMS, CLUSTER),
     {"test": TEST, "epochs": 1}, (0, 1, 2, 3, 4, "test", "trainable", "epochs", "batch_size",
                                   "seed")),
    ("PersonalizationResult.worst", adapt.PersonalizationResult(
        (), np.array([0.5]), np.array([0.6]), "accuracy").worst, (np.array([0.5]),), {}, (0,)),
)
@TRAINS
@given(value=junk())
def test_personalize_survives_junk(call, args, kwargs, argument, value):
    fuzz(call, args, kwargs, argument, value, LEARNS)


def prequential(X, y, **kwargs):
    return adapt.prequential(learner(), X, y, **kwargs)


@targets(
    ("prequential", adapt.prequential, (learner(), X, Y), {}, (0, 1, 2, "batch_size",
                                                               "window")),
    ("prequential fresh", prequential, (X, Y), {}, (0, 1)),
    ("rolling_mean", adapt.rolling_mean, (np.zeros(5), 3), {}, (0, 1)),
)
@TRAINS
@given(value=junk())
def test_prequential_survives_junk(call, args, kwargs, argument, value):
    fuzz(call, args, kwargs, argument, value, LEARNS)


@targets(
    ("score_drift", adapt.score_drift, (np.array([3, 40]), [1, 30], 10), {}, (0, 1, 2)),
)
@FAST
@given(value=junk())
def test_scoring_survives_junk(call, args, kwargs, argument, value):
    fuzz(call, args, kwargs, argument, value)
