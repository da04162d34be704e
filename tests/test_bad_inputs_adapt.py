"""Bad input to minitrain.adapt is refused by name: every public callable, as a careless user
calls it. Each case checks the exception type, that the message names the argument, that every
input is bit-identical afterwards and that no warning was emitted (tests/bad_inputs.py); for a
method of a learner, detector, reservoir or penalty, the object's whole state (parameters,
optimizer state, counters, buffers, statistics) is bit-identical too."""

import pickle

import numpy as np
import pytest
from bad_inputs import Case, assert_refused, cases

import minitrain as mt
from minitrain import adapt

rng = np.random.default_rng(0)
MODEL = mt.Sequential([mt.Dense(3, 4), mt.Tanh(), mt.Dense(4, 2)])
LOSS = mt.losses.CrossEntropy()
OPT = mt.optim.SGD(lr=0.1, momentum=0.9)
PARAMS = MODEL.init(0)
X = rng.normal(size=(16, 3))
Y = (X[:, 0] > 0).astype(np.int64)
X32 = X.astype(np.float32)
XNAN = X.copy()
XNAN[2, 1] = np.nan
FISHER = {k: np.ones_like(v) for k, v in PARAMS.items()}
REGRESSION = mt.Sequential([mt.Dense(3, 1)])
REG_PARAMS = REGRESSION.init(0)


def learner(**kwargs):
    """A learner that has already learned (so its optimizer, buffer and detector hold state)."""
    made = adapt.OnlineLearner(MODEL, LOSS, OPT, PARAMS, **kwargs)
    made.learn_many(X[:6], Y[:6])
    return made


LEARNER = learner(buffer=adapt.Reservoir(4, seed=0), detector=adapt.DDM(warm_start=1),
                  on_drift=adapt.Retrain(window=4, epochs=1, batch_size=2))
PLAIN = adapt.OnlineLearner(MODEL, LOSS, OPT, PARAMS)
REG_LEARNER = adapt.OnlineLearner(REGRESSION, mt.losses.MSE(), OPT, REG_PARAMS)
FILLED = adapt.Reservoir(3, seed=0)
FILLED.add(X32[:5], Y[:5])
PH = adapt.PageHinkley()
for value in (0.1, 0.4, 0.2):
    PH.update(value)
DDM = adapt.DDM()
ADWIN = adapt.ADWIN()
PENALTY = adapt.EWC(PARAMS, FISHER, 0.5)


class Cluster:
    """A stand-in with the two attributes personalize reads from a distributed.Cluster."""

    def __init__(self, X_shards, y_shards):
        self.X_shards, self.y_shards = X_shards, y_shards


CLUSTER = Cluster([X[:8], X[8:]], [Y[:8], Y[8:]])
TEST = [(X[:4], Y[:4]), (X[4:8], Y[4:8])]


def personalize(**changes):
    kwargs = {"test": TEST, "epochs": 1, **changes}
    args = [kwargs.pop(k, v) for k, v in (("model", MODEL), ("loss", LOSS), ("opt", OPT),
                                           ("params", PARAMS), ("cluster", CLUSTER))]  # fmt: skip
    return Case("", adapt.personalize, tuple(args), kwargs)


def named(case, id, error, names):
    case.id, case.error, case.names = id, error, names
    return case


def learner_kwargs(**kwargs):
    return Case("", adapt.OnlineLearner, (MODEL, LOSS, OPT, PARAMS), kwargs)


CATALOGUE = [
    # ----- detectors -----------------------------------------------------------------------
    Case("PageHinkley alpha above one", adapt.PageHinkley, (), {"alpha": 5.0}, ValueError,
         ("alpha", "(0.0, 1.0]")),
    Case("PageHinkley threshold zero", adapt.PageHinkley, (), {"threshold": 0}, ValueError,
         ("threshold",)),
    Case("PageHinkley mode misspelt", adapt.PageHinkley, (), {"mode": "Both"}, ValueError,
         ("mode", "'both'")),
    Case("PageHinkley min_instances float", adapt.PageHinkley, (), {"min_instances": 2.5},
         TypeError, ("min_instances",)),
    Case("PageHinkley update None", PH.update, (None,), {}, TypeError, ("x", "real number")),
    Case("PageHinkley update string", PH.update, ("0.5",), {}, TypeError, ("x",)),
    Case("PageHinkley update complex", PH.update, (np.complex128(1 + 1j),), {}, TypeError,
         ("x",)),
    Case("PageHinkley update float16", PH.update, (np.float16(0.5),), {}, TypeError,
         ("x", "float16")),
    Case("PageHinkley update NaN", PH.update, (float("nan"),), {}, ValueError, ("x", "finite")),
    Case("PageHinkley update array", PH.update, (np.ones(3),), {}, ValueError,
         ("x", "adapt.detect")),
    Case("DDM update one half", DDM.update, (0.5,), {}, ValueError, ("x", "0 (correct)")),
    Case("DDM warm_start negative", adapt.DDM, (), {"warm_start": -1}, ValueError,
         ("warm_start",)),
    Case("DDM drift_threshold string", adapt.DDM, (), {"drift_threshold": "3"}, TypeError,
         ("drift_threshold",)),
    Case("DDM warning above drift", adapt.DDM, (), {"warning_threshold": 3.0,
                                                   "drift_threshold": 2.0}, ValueError,
         ("warning_threshold", "drift_threshold")),
    Case("ADWIN delta zero", adapt.ADWIN, (), {"delta": 0.0}, ValueError, ("delta",)),
    Case("ADWIN max_buckets one", adapt.ADWIN, (), {"max_buckets": 1}, ValueError,
         ("max_buckets",)),
    Case("ADWIN clock None", adapt.ADWIN, (), {"clock": None}, TypeError, ("clock",)),
    Case("ADWIN update infinite", ADWIN.update, (np.inf,), {}, ValueError, ("x",)),
    Case("detect detector class", adapt.detect, (adapt.ADWIN, np.zeros(5)), {}, TypeError,
         ("detector", "call it")),
    Case("detect detector None", adapt.detect, (None, np.zeros(5)), {}, TypeError,
         ("detector",)),
    Case("detect values None", adapt.detect, (adapt.ADWIN(), None), {}, TypeError, ("values",)),
    Case("detect values float16", adapt.detect, (adapt.ADWIN(), np.zeros(5, np.float16)), {},
         TypeError, ("values", "float16")),
    Case("detect values complex", adapt.detect, (adapt.ADWIN(), np.zeros(5, complex)), {},
         TypeError, ("values",)),
    Case("detect values 2-D", adapt.detect, (adapt.ADWIN(), np.zeros((5, 2))), {}, ValueError,
         ("values", "1-D")),
    Case("detect values NaN", adapt.detect, (adapt.ADWIN(), np.array([0.0, np.nan])), {},
         ValueError, ("values", "NaN")),
    Case("detect values ragged", adapt.detect, (adapt.ADWIN(), [[1.0], [1.0, 2.0]]), {},
         TypeError, ("values",)),
    Case("detect DDM values not 0/1", adapt.detect, (adapt.DDM(), [0, 1, 2]), {}, ValueError,
         ("values", "0 (correct)")),
    # ----- learner: building ----------------------------------------------------------------
    Case("learner model None", adapt.OnlineLearner, (None, LOSS, OPT, PARAMS), {}, TypeError,
         ("model",)),
    Case("learner loss None", adapt.OnlineLearner, (MODEL, None, OPT, PARAMS), {}, TypeError,
         ("loss",)),
    Case("learner loss class", adapt.OnlineLearner, (MODEL, mt.losses.CrossEntropy, OPT, PARAMS),
         {}, TypeError, ("loss", "call it")),
    Case("learner opt class", adapt.OnlineLearner, (MODEL, LOSS, mt.optim.SGD, PARAMS), {},
         TypeError, ("opt", "call it")),
    Case("learner params of another model", adapt.OnlineLearner, (MODEL, LOSS, OPT, REG_PARAMS),
         {}, ValueError, ("params", "missing")),
    Case("learner params float16", adapt.OnlineLearner,
         (MODEL, LOSS, OPT, {k: v.astype(np.float16) for k, v in PARAMS.items()}), {}, TypeError,
         ("params", "float16")),
    named(learner_kwargs(trainable="2.W"), "learner trainable string", TypeError,
          ("trainable", "list")),
    named(learner_kwargs(trainable=["2.W", "2.W"]), "learner trainable repeated", ValueError,
          ("trainable", "more than once")),
    named(learner_kwargs(trainable=["2.w"]), "learner trainable misspelt", ValueError,
          ("trainable", "'2.w'")),
    named(learner_kwargs(buffer=adapt.Reservoir), "learner buffer class", TypeError,
          ("buffer", "call it")),
    named(learner_kwargs(detector=adapt.DDM), "learner detector class", TypeError,
          ("detector", "call it")),
    named(learner_kwargs(on_drift=adapt.ResetOptimizer), "learner on_drift class", TypeError,
          ("on_drift", "call it")),
    named(learner_kwargs(on_drift="retrain"), "learner on_drift string", TypeError,
          ("on_drift",)),
    named(learner_kwargs(on_drift=adapt.Retrain(window=10)), "learner on_drift without detector",
          ValueError, ("on_drift", "detector")),
    named(learner_kwargs(penalty=adapt.EWC), "learner penalty class", TypeError,
          ("penalty", "call it")),
    named(learner_kwargs(penalty=adapt.EWC({"0.W": PARAMS["0.W"]}, {"0.W": FISHER["0.W"]})),
          "learner penalty of other keys", ValueError, ("anchor",)),
    named(learner_kwargs(online="no"), "learner online string", TypeError,
          ("online", "True or False")),
    named(learner_kwargs(online=1), "learner online int", TypeError, ("online",)),
    named(learner_kwargs(seed=-1), "learner seed negative", ValueError, ("seed", ">= 0")),
    named(learner_kwargs(seed=None), "learner seed None", TypeError, ("seed",)),
    named(learner_kwargs(replay_size=-1), "learner replay_size negative", ValueError,
          ("replay_size",)),
    Case("ResetOptimizer window string", adapt.ResetOptimizer, ("a",), {}, TypeError,
         ("window",)),
    Case("Retrain window zero", adapt.Retrain, (0,), {}, ValueError, ("window",)),
    Case("Retrain batch_size float", adapt.Retrain, (10, 1, 2.5), {}, TypeError,
         ("batch_size",)),
    # ----- learner: learning ----------------------------------------------------------------
    Case("learn_many y None", LEARNER.learn_many, (X[:4], None), {}, ValueError,
         ("y", "4 rows")),
    Case("learn_many y float labels", LEARNER.learn_many, (X[:4], np.zeros(4)), {}, TypeError,
         ("y", "integer class labels")),
    Case("learn_many label out of range", LEARNER.learn_many, (X[:4], np.array([0, 1, 5, 0])),
         {}, ValueError, ("y", "[0, 2)")),
    Case("learn_many y short", LEARNER.learn_many, (X[:4], Y[:3]), {}, ValueError,
         ("y", "rows")),
    Case("learn_many y tuple", LEARNER.learn_many, (X[:4], (Y[:4], X[:4])), {}, TypeError,
         ("y", "tuple")),
    Case("learn_many X float32 for float64 params", LEARNER.learn_many, (X32[:4], Y[:4]), {},
         TypeError, ("X", "float32")),
    Case("learn_many X NaN", LEARNER.learn_many, (XNAN[:4], Y[:4]), {}, ValueError,
         ("X", "NaN")),
    Case("learn_many X wrong width", LEARNER.learn_many, (X[:4, :2], Y[:4]), {}, ValueError,
         ("X", "columns")),
    Case("learn_many regression y NaN", REG_LEARNER.learn_many,
         (X[:4], np.full((4, 1), np.nan)), {}, ValueError, ("y", "NaN")),
    Case("learn_many regression y broadcast", REG_LEARNER.learn_many, (X[:4], np.zeros(4)), {},
         ValueError, ("y", "reshape(-1, 1)")),
    Case("learn_one x None", LEARNER.learn_one, (None, 1), {}, TypeError, ("x",)),
    Case("learn_one x a batch", LEARNER.learn_one, (X[:2], 1), {}, ValueError,
         ("x", "1 dimension")),
    Case("learn_one x wrong width", LEARNER.learn_one, (X[0, :2], 1), {}, ValueError,
         ("x", "columns")),
    Case("learn_one y None", LEARNER.learn_one, (X[0], None), {}, TypeError, ("y",)),
    Case("predict X None", LEARNER.predict, (None,), {}, TypeError, ("X",)),
    Case("step y float labels", LEARNER.step, (X[:4], np.zeros(4)), {}, TypeError, ("y",)),
    Case("step X None", LEARNER.step, (None, Y[:4]), {}, TypeError, ("X",)),
    Case("memory batch_size zero", LEARNER.memory, (0,), {}, ValueError, ("batch_size",)),
    Case("memory batch_size None", LEARNER.memory, (None,), {}, TypeError, ("batch_size",)),
    Case("recent before any row", PLAIN.recent, (), {}, ValueError, ("Retrain(window",)),
    Case("biases model None", adapt.biases, (None,), {}, TypeError, ("model",)),
    Case("biases model class", adapt.biases, (mt.Sequential,), {}, TypeError,
         ("model", "call it")),
    Case("last_layer without Dense", adapt.last_layer, (mt.Sequential([mt.ReLU()]),), {},
         ValueError, ("model", "Dense")),
    Case("sample_errors pred 1-D", adapt.sample_errors, (LOSS, np.zeros(4), Y[:4]), {},
         ValueError, ("pred",)),
    Case("sample_errors y None", adapt.sample_errors, (LOSS, np.zeros((4, 2)), None), {},
         TypeError, ("y",)),
    Case("sample_errors y short", adapt.sample_errors, (LOSS, np.zeros((4, 2)), Y[:2]), {},
         ValueError, ("y",)),
    Case("sample_errors loss None", adapt.sample_errors, (None, np.zeros((4, 2)), Y[:4]), {},
         TypeError, ("loss",)),
    Case("sample_errors regression broadcast", adapt.sample_errors,
         (mt.losses.MSE(), np.zeros((4, 1)), np.ones(4)), {}, ValueError, ("y", "(4, 1)")),
    Case("PersonalizationResult.worst None", adapt.PersonalizationResult(
        (), np.array([0.5]), np.array([0.6]), "accuracy").worst, (None,), {}, TypeError,
         ("values",)),
    # ----- replay --------------------------------------------------------------------------
    Case("Reservoir seed negative", adapt.Reservoir, (3,), {"seed": -1}, ValueError, ("seed",)),
    Case("Reservoir capacity zero", adapt.Reservoir, (0,), {}, ValueError, ("capacity",)),
    Case("Reservoir within too small", adapt.Reservoir.within, (10, 64), {}, ValueError,
         ("max_bytes",)),
    Case("Reservoir within seed negative", adapt.Reservoir.within, (100, 8), {"seed": -2},
         ValueError, ("seed",)),
    Case("Reservoir add X NaN", FILLED.add, (np.full((2, 3), np.nan, np.float32), Y[:2]), {},
         ValueError, ("X", "NaN")),
    Case("Reservoir add X float16", FILLED.add, (X[:2].astype(np.float16), Y[:2]), {},
         TypeError, ("X", "float16")),
    Case("Reservoir add float64 rows into float32", FILLED.add, (X[:2], Y[:2]), {}, TypeError,
         ("X", "float32")),
    Case("Reservoir add float labels into int", FILLED.add, (X32[:2], np.array([0.5, 1.0])),
         {}, TypeError, ("y", "int64")),
    Case("Reservoir add other width", FILLED.add, (X32[:2, :2], Y[:2]), {}, ValueError,
         ("X and y rows",)),
    Case("Reservoir add y objects", FILLED.add, (X32[:2], np.array([1, "a"], dtype=object)),
         {}, TypeError, ("y",)),
    Case("Reservoir check_rows y NaN", FILLED.check_rows, (X32[:2], np.array([np.nan, 1.0])),
         {}, ValueError, ("y", "NaN")),
    Case("Reservoir sample negative", FILLED.sample, (-1,), {}, ValueError, ("k",)),
    Case("Reservoir sample empty", adapt.Reservoir(2).sample, (1,), {}, ValueError,
         ("reservoir is empty",)),
    # ----- EWC -----------------------------------------------------------------------------
    Case("EWC anchor None", adapt.EWC, (None, FISHER), {}, TypeError, ("anchor",)),
    Case("EWC anchor NaN", adapt.EWC, ({k: v * np.nan for k, v in PARAMS.items()}, FISHER), {},
         ValueError, ("anchor", "NaN")),
    Case("EWC fisher negative", adapt.EWC, (PARAMS, {k: -v for k, v in FISHER.items()}), {},
         ValueError, ("fisher", ">= 0")),
    Case("EWC fisher other keys", adapt.EWC, (PARAMS, {"0.W": FISHER["0.W"]}), {}, ValueError,
         ("fisher", "missing")),
    Case("EWC strength string", adapt.EWC, (PARAMS, FISHER, "1"), {}, TypeError, ("strength",)),
    Case("EWC strength negative", adapt.EWC, (PARAMS, FISHER, -1.0), {}, ValueError,
         ("strength",)),
    Case("EWC value missing keys", PENALTY.value, ({"0.W": PARAMS["0.W"]},), {}, ValueError,
         ("params", "'0.b'")),
    Case("EWC value None", PENALTY.value, (None,), {}, TypeError, ("params",)),
    Case("EWC grad wrong shape", PENALTY.grad, ({**PARAMS, "0.W": np.ones(3)},), {}, ValueError,
         ("params['0.W']",)),
    Case("EWC restricted misspelt", PENALTY.restricted, (("2.w",),), {}, ValueError,
         ("keys", "'2.w'")),
    Case("EWC restricted string", PENALTY.restricted, ("2.W",), {}, TypeError, ("keys",)),
    Case("EWC check_params None", PENALTY.check_params, (None,), {}, TypeError, ("params",)),
    Case("fisher_diagonal model None", adapt.fisher_diagonal, (None, LOSS, PARAMS, X, Y), {},
         TypeError, ("model",)),
    Case("fisher_diagonal loss None", adapt.fisher_diagonal, (MODEL, None, PARAMS, X, Y), {},
         TypeError, ("loss",)),
    Case("fisher_diagonal params of another model", adapt.fisher_diagonal,
         (MODEL, LOSS, REG_PARAMS, X, Y), {}, ValueError, ("params",)),
    Case("fisher_diagonal y short", adapt.fisher_diagonal, (MODEL, LOSS, PARAMS, X, Y[:3]), {},
         ValueError, ("y", "16")),
    Case("fisher_diagonal y float", adapt.fisher_diagonal, (MODEL, LOSS, PARAMS, X, X[:, 0]), {},
         TypeError, ("y", "integer class labels")),
    # ----- personalize ---------------------------------------------------------------------
    named(personalize(cluster=None), "personalize cluster None", TypeError, ("cluster",)),
    named(personalize(test=None), "personalize test None", TypeError, ("test",)),
    named(personalize(test=TEST[:1]), "personalize one test set for two devices", ValueError,
          ("test", "2")),
    named(personalize(test=[None, None]), "personalize test entries None", TypeError,
          ("test[0]",)),
    named(personalize(test=[TEST[0], (X[:4, :2], Y[:4])]), "personalize test X wrong width",
          ValueError, ("test[1][0]", "columns")),
    named(personalize(test=[TEST[0], (X[:4], Y[:3])]), "personalize test y short", ValueError,
          ("test[1][1]",)),
    named(personalize(cluster=Cluster([X[:8], X[8:]], [Y[:8], Y[8:] + 5])),
          "personalize shard labels out of range", ValueError, ("cluster.y_shards[1]",)),
    named(personalize(trainable=["9.W"]), "personalize trainable misspelt", ValueError,
          ("trainable", "'9.W'")),
    named(personalize(seed=-1), "personalize seed negative", ValueError, ("seed",)),
    named(personalize(seed="0"), "personalize seed string", TypeError, ("seed",)),
    named(personalize(batch_size=0), "personalize batch_size zero", ValueError, ("batch_size",)),
    named(personalize(opt=mt.optim.SGD), "personalize opt class", TypeError, ("opt", "call it")),
    # ----- prequential ---------------------------------------------------------------------
    Case("prequential learner None", adapt.prequential, (None, X, Y), {}, TypeError,
         ("learner",)),
    Case("prequential learner class", adapt.prequential, (adapt.OnlineLearner, X, Y), {},
         TypeError, ("learner", "call it")),
    Case("prequential window zero", adapt.prequential, (LEARNER, X, Y), {"window": 0},
         ValueError, ("window",)),
    Case("prequential label out of range mid-stream", adapt.prequential,
         (LEARNER, X, np.where(np.arange(16) == 9, 7, Y)), {}, ValueError, ("y", "[0, 2)")),
    Case("prequential batch_size zero", adapt.prequential, (LEARNER, X, Y), {"batch_size": 0},
         ValueError, ("batch_size",)),
    Case("prequential X float32", adapt.prequential, (LEARNER, X32, Y), {}, TypeError,
         ("X", "float32")),
    Case("rolling_mean values None", adapt.rolling_mean, (None, 3), {}, TypeError,
         ("values",)),
    Case("rolling_mean values 2-D", adapt.rolling_mean, (np.ones((2, 2)), 3), {}, ValueError,
         ("values",)),
    Case("rolling_mean values complex", adapt.rolling_mean, (np.ones(3) * 1j, 3), {}, TypeError,
         ("values",)),
    Case("rolling_mean window zero", adapt.rolling_mean, (np.ones(3), 0), {}, ValueError,
         ("window",)),
    # ----- scoring -------------------------------------------------------------------------
    Case("score_drift detections None", adapt.score_drift, (None, [3], 10), {}, TypeError,
         ("detections",)),
    Case("score_drift detections negative", adapt.score_drift, ([-3], [3], 10), {}, ValueError,
         ("detections", ">= 0")),
    Case("score_drift detections float", adapt.score_drift, ([3.5], [3], 10), {}, TypeError,
         ("detections",)),
    Case("score_drift events None", adapt.score_drift, ([3], None, 10), {}, TypeError,
         ("events",)),
    Case("score_drift events string", adapt.score_drift, ([3], "12", 10), {}, TypeError,
         ("events",)),
    Case("score_drift event negative", adapt.score_drift, ([3], [-1], 10), {}, ValueError,
         ("events[0]",)),
    Case("score_drift max_delay zero", adapt.score_drift, ([3], [1], 0), {}, ValueError,
         ("max_delay",)),
]


def _owners(case):
    """The stateful objects a case may touch: the object a bound method belongs to and every
    learner, detector, reservoir or penalty among the arguments."""
    kinds = (adapt.OnlineLearner, adapt.DriftDetector, adapt.Reservoir, adapt.EWC)
    found = [getattr(case.call, "__self__", None), *case.args, *case.kwargs.values()]
    return [obj for obj in found if isinstance(obj, kinds)]


@cases(*CATALOGUE)
def test_bad_input_is_refused_by_name_leaving_inputs_and_state_intact(case):
    owners = _owners(case)
    before = [pickle.dumps(obj) for obj in owners]  # every attribute, bit for bit
    assert_refused(case)
    assert [pickle.dumps(obj) for obj in owners] == before, "a refused call changed state"


def test_the_catalogue_covers_at_least_sixty_cases():
    assert len(CATALOGUE) >= 60


def test_a_refused_batch_leaves_a_learner_able_to_learn_as_if_it_never_came():
    # A batch refused half-way (its labels are bad) must not have fed the detector, the
    # buffer or the optimizer: the learner then learns the next batch exactly as a twin that
    # never saw the bad one.
    def make():
        return learner(buffer=adapt.Reservoir(4, seed=0), detector=adapt.DDM(warm_start=1))

    tried, twin = make(), make()
    with pytest.raises(ValueError, match="y"):
        tried.learn_many(X[6:10], np.array([0, 1, 9, 0]))
    tried.learn_many(X[10:14], Y[10:14])
    twin.learn_many(X[10:14], Y[10:14])
    assert pickle.dumps(tried) == pickle.dumps(twin)
