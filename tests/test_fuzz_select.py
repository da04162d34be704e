"""Fuzzing minitrain.select: arbitrary values (``junk()``: None, strings, nested lists, NaN/inf,
float16/int/bool/complex/object arrays, empty and 0-d arrays, classes) into each argument of
each public callable, one public module per test. The call returns or raises ValueError or
TypeError (the package's NotFittedError is a ValueError), and every input stays bit-identical.
Counts that set how much work a call does (epochs, iterations, grid sizes) get junk with small
integers only, so a valid draw stays cheap."""

import numpy as np
from bad_inputs import assert_fails_cleanly, fuzz_argument, junk, targets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minitrain as mt
from minitrain import select
from minitrain.select import budget, special

rng = np.random.default_rng(0)
X = rng.normal(size=(12, 4))
y = X[:, 0] + 0.1 * rng.normal(size=12)
labels = (X[:, 0] > 0).astype(np.int64)
node = np.repeat(np.arange(4), 3)
MODEL = mt.Sequential([mt.Dense(4, 2), mt.ReLU(), mt.Dense(2, 1)])
LOSS = mt.losses.MSE()
OPT = mt.optim.SGD(lr=0.05)
Y = y.reshape(-1, 1)
PARAMS = MODEL.init(0)


def build(width=2):
    return mt.Sequential([mt.Dense(4, width), mt.ReLU(), mt.Dense(width, 1)]), OPT


RESULT = select.grid_search(build, {"width": [2, 3]}, LOSS, X, Y, cv=2, epochs=1)





COUNTS = {"epochs", "n_iter", "n_alphas", "max_iter", "n_features"}





def fuzz(call, args, kwargs, argument, value):
    fuzz_argument(call, args, kwargs, argument, value, counts=COUNTS)


FAST = settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
TRAINS = settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))


@targets(
    ("f_regression", select.f_regression, (X, y), {}, (0, 1)),
    ("f_classif", select.f_classif, (X, labels), {}, (0, 1)),
)
@FAST
@given(value=junk())
def test_scores_survive_junk(call, args, kwargs, argument, value):
    fuzz(call, args, kwargs, argument, value)


@targets(
    ("betainc", special.betainc, (2.0, 3.0, 0.5), {}, (0, 1, 2)),
    ("f_sf", special.f_sf, (np.ones(3), 1, 5), {}, (0, 1, 2)),
)
@FAST
@given(value=junk())
def test_special_functions_survive_junk(call, args, kwargs, argument, value):
    fuzz(call, args, kwargs, argument, value)


@targets(
    ("soft_threshold", select.soft_threshold, (X, 0.1), {}, (0, 1)),
    ("lasso", select.lasso, (X, y, 0.1), {"max_iter": 50},
     (0, 1, 2, "fit_intercept", "max_iter", "tol", "coef_init")),
    ("duality_gap", select.duality_gap, (X, y, np.zeros(4), 0.1), {}, (0, 1, 2, 3,
                                                                        "fit_intercept")),
    ("alpha_grid", select.alpha_grid, (X, y), {"n_alphas": 3},
     (0, 1, "n_alphas", "eps", "fit_intercept")),
    ("lasso_path", select.lasso_path, (X, y), {"n_alphas": 3, "max_iter": 50},
     (0, 1, 2, "n_alphas", "eps", "fit_intercept", "tol", "max_iter")),
)
@FAST
@given(value=junk())
def test_lasso_survives_junk(call, args, kwargs, argument, value):
    fuzz(call, args, kwargs, argument, value)


@targets(
    ("ridge_coef", select.ridge_coef, (X, y, 1.0), {}, (0, 1, 2)),
    ("RFE", select.RFE, (2,), {}, (0, "step", "alpha")),
    ("RFE.fit", select.RFE(2).fit, (X, y), {}, (0, 1)),
    ("SequentialSelector", select.SequentialSelector, (2,), {}, (0, "cv", "alpha")),
    ("SequentialSelector.fit", select.SequentialSelector(1, cv=select.GroupKFold(2)).fit,
     (X, y, node), {}, (0, 1, 2)),
)
@FAST
@given(value=junk())
def test_wrappers_survive_junk(call, args, kwargs, argument, value):
    fuzz(call, args, kwargs, argument, value)


def split(splitter, *args):
    return list(splitter.split(*args))


@targets(
    ("KFold", select.KFold, (3,), {}, (0, "shuffle", "seed")),
    ("KFold.split", split, (select.KFold(3), X), {}, (1,)),
    ("StratifiedKFold.split", split, (select.StratifiedKFold(2), X, labels), {}, (1, 2)),
    ("GroupKFold.split", split, (select.GroupKFold(2), X, None, node), {}, (1, 3)),
    ("LeaveOneGroupOut.split", split, (select.LeaveOneGroupOut(), X, None, node), {}, (1, 3)),
    ("LeaveOneGroupOut.get_n_splits", select.LeaveOneGroupOut().get_n_splits,
     (None, None, node), {}, (0, 2)),
    ("TimeSeriesSplit", select.TimeSeriesSplit, (3,), {}, (0, "gap", "test_size",
                                                          "max_train_size")),
    ("TimeSeriesSplit.split", split, (select.TimeSeriesSplit(3), X), {}, (1,)),
)
@FAST
@given(value=junk())
def test_splitters_survive_junk(call, args, kwargs, argument, value):
    fuzz(call, args, kwargs, argument, value)


@targets(
    ("cross_validate", select.cross_validate, (MODEL, LOSS, OPT, X, Y), {"cv": 2, "epochs": 1},
     (0, 1, 2, 3, 4, "cv", "groups", "epochs", "batch_size", "seed", "executor", "sparsity")),
)
@TRAINS
@given(value=junk())
def test_cross_validation_survives_junk(call, args, kwargs, argument, value):
    fuzz(call, args, kwargs, argument, value)


@targets(
    ("grid_search", select.grid_search, (build, {"width": [2]}, LOSS, X, Y),
     {"cv": 2, "epochs": 1}, (0, 1, 2, 3, 4, "cv", "groups", "epochs", "seed")),
    ("random_search", select.random_search, (build, {"width": [2]}, LOSS, X, Y),
     {"cv": 2, "epochs": 1, "n_iter": 1}, (1, "n_iter", "seed")),
    ("log_uniform", select.log_uniform, (0.1, 1.0), {}, (0, 1)),
    ("best", RESULT.best, (), {}, ("within", "training")),
    ("one_se", RESULT.one_se, (), {}, ("within", "training")),
    ("fits", RESULT.rows[0].fits, ("phone",), {}, (0, "training")),
)
@TRAINS
@given(value=junk())
def test_search_survives_junk(call, args, kwargs, argument, value):
    fuzz(call, args, kwargs, argument, value)


@targets(
    ("budget", budget.budget, ("phone",), {}, (0,)),
    ("size", budget.size, (MODEL, PARAMS, OPT, 4), {}, (0, 1, 3)),
    ("prune_and_finetune", budget.prune_and_finetune,
     (MODEL, LOSS, OPT, X, Y, PARAMS, 0.5, {"epochs": 1}), {}, (3, 4, 5, 6, 7)),
)
@TRAINS
@given(value=junk())
def test_budget_survives_junk(call, args, kwargs, argument, value):
    fuzz(call, args, kwargs, argument, value)


@given(st.lists(st.integers(-3, 3), min_size=12, max_size=12))
@FAST
def test_any_integer_labels_split_or_are_refused_cleanly(groups):
    assert_fails_cleanly(split, select.GroupKFold(2), X, None, np.array(groups))
