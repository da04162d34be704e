"""Bad input to minitrain.select is refused by name: every public callable, as a careless user
calls it. Each case checks the exception type, that the message names the argument, that every
input is bit-identical afterwards and that no warning was emitted (tests/bad_inputs.py)."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from bad_inputs import Case, assert_refused, cases

import minitrain as mt
from minitrain import select
from minitrain.select import budget
from minitrain.select.special import betainc, f_sf

rng = np.random.default_rng(0)
X = rng.normal(size=(24, 4))
y = X[:, 0] - X[:, 1] + 0.1 * rng.normal(size=24)
labels = (X[:, 0] > 0).astype(np.int64)
node = np.repeat(np.arange(4), 6)
X16 = X.astype(np.float16)
XNAN = X.copy()
XNAN[3, 2] = np.nan

MODEL = mt.Sequential([mt.Dense(4, 3), mt.ReLU(), mt.Dense(3, 1)])
LOSS = mt.losses.MSE()
OPT = mt.optim.SGD(lr=0.05)
Y = y.reshape(-1, 1)
PARAMS = MODEL.init(0)


def build(width=3, lr=0.05):
    return mt.Sequential([mt.Dense(4, width), mt.ReLU(), mt.Dense(width, 1)]), mt.optim.SGD(lr=lr)


def cross_validate(**changes):
    kwargs = {"cv": 3, "epochs": 1, **changes}
    args = [kwargs.pop(k, v) for k, v in (("model", MODEL), ("loss", LOSS), ("opt", OPT),
                                           ("X", X), ("y", Y))]  # fmt: skip
    return Case("", select.cross_validate, tuple(args), kwargs)


def with_id(case, id, error=(ValueError, TypeError), names=()):
    case.id, case.error, case.names = id, error, names
    return case


RESULT = select.grid_search(build, {"width": [2, 3]}, LOSS, X, Y, cv=2, epochs=1)


def splits(splitter, *args, **kwargs):
    return list(splitter.split(*args, **kwargs))


class NegativeDevice:
    name, storage_bytes, ram_bytes = "broken", -1, 10


CATALOGUE = [
    # ----- scores ------------------------------------------------------------------------
    Case("f_regression X float16", select.f_regression, (X16, y), error=TypeError,
         names=("X", "float16", "astype(np.float32)")),
    Case("f_regression X None", select.f_regression, (None, y), error=TypeError, names=("X",)),
    Case("f_regression X NaN", select.f_regression, (XNAN, y), error=ValueError,
         names=("X", "NaN")),
    Case("f_regression y short", select.f_regression, (X, y[:-1]), error=ValueError,
         names=("y", "rows")),
    Case("f_regression y two columns", select.f_regression, (X, X[:, :2]), error=ValueError,
         names=("y", "one target")),
    Case("f_regression y int", select.f_regression, (X, labels), error=TypeError, names=("y",)),
    Case("f_regression two rows", select.f_regression, (X[:2], y[:2]), error=ValueError,
         names=("X", "at least 3")),
    Case("f_classif y float", select.f_classif, (X, y), error=TypeError,
         names=("y", "integer class labels")),
    Case("f_classif y None", select.f_classif, (X, None), error=TypeError, names=("y",)),
    Case("f_classif one class", select.f_classif, (X, np.zeros(24, dtype=int)),
         error=ValueError, names=("y", "single class")),
    Case("f_classif X float16", select.f_classif, (X16, labels), error=TypeError,
         names=("X", "float16")),
    Case("f_classif X 1-D", select.f_classif, (X[:, 0], labels), error=ValueError,
         names=("X", "reshape(-1, 1)")),
    # ----- special -----------------------------------------------------------------------
    Case("betainc a None", betainc, (None, 1.0, 0.5), error=TypeError, names=("a",)),
    Case("betainc b string", betainc, (1.0, "2", 0.5), error=TypeError, names=("b",)),
    Case("betainc x complex", betainc, (1.0, 2.0, np.array([0.5 + 1j])), error=TypeError,
         names=("x", "complex")),
    Case("betainc a float16", betainc, (np.float16(1), 2.0, 0.5), error=TypeError,
         names=("a", "float16")),
    Case("betainc a bool", betainc, (True, 2.0, 0.5), error=TypeError, names=("a",)),
    Case("betainc b zero", betainc, (1.0, np.array([1.0, 0.0]), 0.5), error=ValueError,
         names=("b > 0",)),
    Case("betainc x above one", betainc, (1.0, 1.0, 1.5), error=ValueError, names=("x", "[0, 1]")),
    Case("betainc shapes", betainc, (np.ones(2), np.ones(3), 0.5), error=ValueError,
         names=("broadcast", "(2,)", "(3,)")),
    Case("f_sf d1 zero", f_sf, (np.ones(3), 0, 5), error=ValueError, names=("d1",)),
    Case("f_sf d2 None", f_sf, (np.ones(3), 1, None), error=TypeError, names=("d2",)),
    Case("f_sf d1 string", f_sf, (np.ones(3), "1", 5), error=TypeError, names=("d1",)),
    Case("f_sf d2 infinite", f_sf, (np.ones(3), 1, np.inf), error=ValueError, names=("d2",)),
    Case("f_sf F string", f_sf, ("3", 1, 5), error=TypeError, names=("F",)),
    Case("f_sf F complex", f_sf, (np.ones(2) * 1j, 1, 5), error=TypeError, names=("F",)),
    # ----- lasso -------------------------------------------------------------------------
    Case("soft_threshold v None", select.soft_threshold, (None, 0.1), error=TypeError,
         names=("v",)),
    Case("soft_threshold tau negative", select.soft_threshold, (X, -0.1), error=ValueError,
         names=("tau",)),
    Case("lasso fit_intercept string", select.lasso, (X, y, 0.1), {"fit_intercept": "no"},
         error=TypeError, names=("fit_intercept", "True or False")),
    Case("lasso fit_intercept int", select.lasso, (X, y, 0.1), {"fit_intercept": 0},
         error=TypeError, names=("fit_intercept",)),
    Case("lasso alpha None", select.lasso, (X, y, None), error=TypeError, names=("alpha",)),
    Case("lasso alpha negative", select.lasso, (X, y, -1.0), error=ValueError, names=("alpha",)),
    Case("lasso y None", select.lasso, (X, None, 0.1), error=TypeError, names=("y",)),
    Case("lasso X float16", select.lasso, (X16, y, 0.1), error=TypeError, names=("X", "float16")),
    Case("lasso coef_init shape", select.lasso, (X, y, 0.1), {"coef_init": np.ones(3)},
         error=ValueError, names=("coef_init", "(4,)")),
    Case("lasso coef_init NaN", select.lasso, (X, y, 0.1), {"coef_init": np.full(4, np.nan)},
         error=ValueError, names=("coef_init", "NaN")),
    Case("lasso max_iter zero", select.lasso, (X, y, 0.1), {"max_iter": 0}, error=ValueError,
         names=("max_iter",)),
    Case("duality_gap coef None", select.duality_gap, (X, y, None, 0.1), error=TypeError,
         names=("coef",)),
    Case("duality_gap fit_intercept string", select.duality_gap, (X, y, np.zeros(4), 0.1),
         {"fit_intercept": "yes"}, error=TypeError, names=("fit_intercept",)),
    Case("alpha_grid eps above one", select.alpha_grid, (X, y), {"eps": 2.0}, error=ValueError,
         names=("eps", "(0.0, 1.0]")),
    Case("alpha_grid n_alphas zero", select.alpha_grid, (X, y), {"n_alphas": 0},
         error=ValueError, names=("n_alphas",)),
    Case("alpha_grid fit_intercept int", select.alpha_grid, (X, y), {"fit_intercept": 1},
         error=TypeError, names=("fit_intercept",)),
    Case("lasso_path alphas string", select.lasso_path, (X, y, "0.1"), error=TypeError,
         names=("alphas",)),
    Case("lasso_path alphas empty", select.lasso_path, (X, y, []), error=ValueError,
         names=("alphas", "empty")),
    Case("lasso_path alphas negative", select.lasso_path, (X, y, [0.1, -0.1]), error=ValueError,
         names=("alphas", ">= 0")),
    Case("lasso_path fit_intercept string", select.lasso_path, (X, y), {"fit_intercept": "no"},
         error=TypeError, names=("fit_intercept",)),
    Case("lasso_path eps zero", select.lasso_path, (X, y), {"eps": 0.0}, error=ValueError,
         names=("eps",)),
    # ----- wrappers ----------------------------------------------------------------------
    Case("ridge_coef X None", select.ridge_coef, (None, y, 1.0), error=TypeError, names=("X",)),
    Case("ridge_coef alpha negative", select.ridge_coef, (X, y, -1.0), error=ValueError,
         names=("alpha",)),
    Case("ridge_coef y short", select.ridge_coef, (X, y[:5], 1.0), error=ValueError,
         names=("y",)),
    Case("RFE n_features None", select.RFE, (None,), error=TypeError, names=("n_features",)),
    Case("RFE step zero", select.RFE, (2,), {"step": 0}, error=ValueError, names=("step",)),
    Case("RFE alpha string", select.RFE, (2,), {"alpha": "1"}, error=TypeError, names=("alpha",)),
    Case("RFE fit y None", select.RFE(2).fit, (X, None), error=TypeError, names=("y",)),
    Case("RFE fit too many features", select.RFE(9).fit, (X, y), error=ValueError,
         names=("n_features=9", "4")),
    Case("RFE fit X float16", select.RFE(2).fit, (X16, y), error=TypeError, names=("X",)),
    Case("RFE transform other width", select.RFE(2).fit(X, y).transform, (X[:, :3],),
         error=ValueError, names=("X", "3 features")),
    Case("SequentialSelector get_support before fit", select.SequentialSelector(2).get_support,
         error=select.NotFittedError, names=("SequentialSelector", "fit")),
    Case("SequentialSelector cv None", select.SequentialSelector, (2,), {"cv": None},
         error=TypeError, names=("cv",)),
    Case("SequentialSelector cv class", select.SequentialSelector, (2,), {"cv": select.KFold},
         error=TypeError, names=("cv", "call it")),
    Case("SequentialSelector cv one fold", select.SequentialSelector, (2,), {"cv": 1},
         error=ValueError, names=("cv",)),
    Case("SequentialSelector cv bool", select.SequentialSelector, (2,), {"cv": True},
         error=TypeError, names=("cv",)),
    Case("SequentialSelector groups short", select.SequentialSelector(2, cv=3).fit,
         (X, y, node[:5]), error=ValueError, names=("groups", "one entry per row of X")),
    Case("SequentialSelector groups for GroupKFold missing",
         select.SequentialSelector(2, cv=select.GroupKFold(2)).fit, (X, y), error=ValueError,
         names=("groups", "required")),
    Case("SequentialSelector n_features all", select.SequentialSelector(4).fit, (X, y),
         error=ValueError, names=("n_features",)),
    # ----- splitters ---------------------------------------------------------------------
    Case("KFold shuffle string", select.KFold, (3,), {"shuffle": "no"}, error=TypeError,
         names=("shuffle", "True or False")),
    Case("KFold shuffle int", select.KFold, (3, 1), error=TypeError, names=("shuffle",)),
    Case("KFold seed negative", select.KFold, (3,), {"shuffle": True, "seed": -1},
         error=ValueError, names=("seed", ">= 0")),
    Case("KFold seed float", select.KFold, (3,), {"shuffle": True, "seed": 1.5},
         error=TypeError, names=("seed",)),
    Case("KFold seed without shuffle", select.KFold, (3,), {"seed": 0}, error=ValueError,
         names=("seed", "shuffle=True")),
    Case("KFold n_splits one", select.KFold, (1,), error=ValueError, names=("n_splits",)),
    Case("KFold split X None", select.KFold(3).split, (None,), error=ValueError, names=("X",)),
    Case("KFold split X string", select.KFold(3).split, ("abcdef",), error=TypeError,
         names=("X",)),
    Case("KFold split X scalar", select.KFold(3).split, (5,), error=TypeError, names=("X",)),
    Case("KFold split too few rows", select.KFold(5).split, (X[:3],), error=ValueError,
         names=("n_splits=5", "3")),
    Case("StratifiedKFold y None", select.StratifiedKFold(3).split, (X,), error=ValueError,
         names=("y", "required")),
    Case("StratifiedKFold y continuous", select.StratifiedKFold(3).split, (X, y),
         error=ValueError, names=("y", "KFold")),
    Case("StratifiedKFold y mixed objects", select.StratifiedKFold(2).split,
         (X, np.array([1, "a"] * 12, dtype=object)), error=TypeError, names=("y", "one type")),
    Case("StratifiedKFold y complex", select.StratifiedKFold(2).split, (X, labels + 0j),
         error=TypeError, names=("y",)),
    Case("GroupKFold groups short", select.GroupKFold(2).split, (X, None, node[:5]),
         error=ValueError, names=("groups", "24")),
    Case("GroupKFold groups NaN", select.GroupKFold(2).split, (X, None, np.full(24, np.nan)),
         error=ValueError, names=("groups", "NaN")),
    Case("GroupKFold groups None", select.GroupKFold(2).split, (X,), error=ValueError,
         names=("groups", "required")),
    Case("GroupKFold more splits than groups", select.GroupKFold(5).split, (X, None, node),
         error=ValueError, names=("n_splits=5", "4")),
    Case("LeaveOneGroupOut groups 2-D", select.LeaveOneGroupOut().get_n_splits,
         (None, None, np.ones((3, 3))), error=ValueError, names=("groups",)),
    Case("LeaveOneGroupOut groups NaN", select.LeaveOneGroupOut().get_n_splits,
         (None, None, [np.nan, 1.0]), error=ValueError, names=("groups", "NaN")),
    Case("LeaveOneGroupOut groups mixed", select.LeaveOneGroupOut().get_n_splits,
         (None, None, np.array([1, "a"], dtype=object)), error=TypeError, names=("groups",)),
    Case("LeaveOneGroupOut one group", select.LeaveOneGroupOut().split,
         (X, None, np.zeros(24)), error=ValueError, names=("groups", "at least 2")),
    Case("TimeSeriesSplit gap negative", select.TimeSeriesSplit, (3,), {"gap": -1},
         error=ValueError, names=("gap",)),
    Case("TimeSeriesSplit test_size zero", select.TimeSeriesSplit, (3,), {"test_size": 0},
         error=ValueError, names=("test_size",)),
    Case("TimeSeriesSplit too few rows", select.TimeSeriesSplit(5).split, (X[:4],),
         error=ValueError, names=("n_splits=5", "4 rows")),
    Case("TimeSeriesSplit no training rows", select.TimeSeriesSplit(3, test_size=8).split,
         (X,), error=ValueError, names=("test_size",)),
    # ----- cross-validation ----------------------------------------------------------------
    with_id(cross_validate(model=mt.Sequential), "cross_validate model class", TypeError,
            ("model", "call it")),
    with_id(cross_validate(loss=mt.losses.MSE), "cross_validate loss class", TypeError,
            ("loss", "call it")),
    with_id(cross_validate(opt=mt.optim.SGD), "cross_validate opt class", TypeError,
            ("opt", "call it")),
    with_id(cross_validate(opt="sgd"), "cross_validate opt string", TypeError, ("opt",)),
    with_id(cross_validate(y=None), "cross_validate y None", TypeError, ("y",)),
    with_id(cross_validate(y=list(y)), "cross_validate y list", TypeError, ("y",)),
    with_id(cross_validate(y=Y[:-1]), "cross_validate y short", ValueError, ("y", "24")),
    with_id(cross_validate(y=np.full((24, 1), np.nan)), "cross_validate y NaN", ValueError,
            ("y", "NaN")),
    with_id(cross_validate(y=y), "cross_validate y 1-D for one output", ValueError,
            ("y", "reshape(-1, 1)")),
    with_id(cross_validate(X=X16), "cross_validate X float16", TypeError, ("X", "float16")),
    with_id(cross_validate(groups=node[:5]), "cross_validate groups short", ValueError,
            ("groups", "one entry per row of X")),
    with_id(cross_validate(cv=select.GroupKFold), "cross_validate cv class", TypeError,
            ("cv", "call it")),
    with_id(cross_validate(cv="5"), "cross_validate cv string", TypeError, ("cv",)),
    with_id(cross_validate(seed=-1), "cross_validate seed negative", ValueError, ("seed",)),
    with_id(cross_validate(seed=True), "cross_validate seed bool", TypeError, ("seed",)),
    with_id(cross_validate(batch_size=0), "cross_validate batch_size zero", ValueError,
            ("batch_size",)),
    with_id(cross_validate(epochs=None), "cross_validate epochs None", TypeError, ("epochs",)),
    with_id(cross_validate(sparsity=1.0), "cross_validate sparsity one", ValueError,
            ("sparsity",)),
    with_id(cross_validate(executor="threads"), "cross_validate executor string", TypeError,
            ("executor",)),
    with_id(cross_validate(executor=ThreadPoolExecutor), "cross_validate executor class",
            TypeError, ("executor",)),
    # ----- search ------------------------------------------------------------------------
    Case("grid_search misspelt key", select.grid_search, (build, {"widht": [2]}, LOSS, X, Y),
         error=TypeError, names=("grid", "widht")),
    Case("grid_search key not a string", select.grid_search, (build, {1: [2]}, LOSS, X, Y),
         error=TypeError, names=("grid", "str")),
    Case("grid_search values string", select.grid_search, (build, {"width": "23"}, LOSS, X, Y),
         error=TypeError, names=("grid['width']",)),
    Case("grid_search values empty", select.grid_search, (build, {"width": []}, LOSS, X, Y),
         error=ValueError, names=("grid['width']", "non-empty")),
    Case("grid_search grid None", select.grid_search, (build, None, LOSS, X, Y), error=TypeError,
         names=("grid",)),
    Case("grid_search build None", select.grid_search, (None, {"width": [2]}, LOSS, X, Y),
         error=TypeError, names=("build",)),
    Case("grid_search epochs in grid zero", select.grid_search,
         (build, {"epochs": [0]}, LOSS, X, Y), error=ValueError, names=("grid['epochs']",)),
    Case("grid_search sparsity in grid", select.grid_search,
         (build, {"sparsity": [2.0]}, LOSS, X, Y), error=ValueError, names=("grid['sparsity']",)),
    Case("grid_search seed negative", select.grid_search, (build, {"width": [2]}, LOSS, X, Y),
         {"seed": -1}, error=ValueError, names=("seed",)),
    Case("grid_search build returns one thing", select.grid_search,
         (lambda width: MODEL, {"width": [2]}, LOSS, X, Y), {"epochs": 1}, error=TypeError,
         names=("build", "(model, opt)")),
    Case("grid_search a configuration's model too narrow", select.grid_search,
         (lambda width: (mt.Sequential([mt.Dense(width, 1)]), OPT), {"width": [4, 3]}, LOSS,
          X, Y), {"epochs": 1}, error=ValueError, names=("configuration {'width': 3}", "X")),
    Case("grid_search X None", select.grid_search, (build, {"width": [2]}, LOSS, None, Y),
         error=TypeError, names=("X",)),
    Case("random_search misspelt key", select.random_search,
         (build, {"widht": [2]}, LOSS, X, Y), error=TypeError, names=("space", "widht")),
    Case("random_search value not a list", select.random_search,
         (build, {"width": 3}, LOSS, X, Y), error=TypeError, names=("space['width']",)),
    Case("random_search seed negative", select.random_search,
         (build, {"width": [2]}, LOSS, X, Y), {"seed": -1}, error=ValueError, names=("seed",)),
    Case("random_search seed float", select.random_search,
         (build, {"width": [2]}, LOSS, X, Y), {"seed": 0.5}, error=TypeError, names=("seed",)),
    Case("random_search n_iter zero", select.random_search,
         (build, {"width": [2]}, LOSS, X, Y), {"n_iter": 0}, error=ValueError, names=("n_iter",)),
    Case("log_uniform low None", select.log_uniform, (None, 1.0), error=TypeError,
         names=("low",)),
    Case("log_uniform high infinite", select.log_uniform, (0.1, np.inf), error=ValueError,
         names=("high",)),
    Case("log_uniform reversed", select.log_uniform, (1.0, 0.1), error=ValueError,
         names=("low < high",)),
    Case("log_uniform draw from a seed", select.log_uniform(0.1, 1.0), (0,), error=TypeError,
         names=("rng", "Generator")),
    Case("best within misspelt", RESULT.best, (), {"within": "cortex-m44"}, error=ValueError,
         names=("within", "cortex-m4")),
    Case("best within a class", RESULT.best, (), {"within": NegativeDevice}, error=TypeError,
         names=("within",)),
    Case("best training string", RESULT.best, (), {"within": "cortex-m4", "training": "no"},
         error=TypeError, names=("training", "True or False")),
    Case("one_se training int", RESULT.one_se, (), {"training": 1}, error=TypeError,
         names=("training",)),
    Case("fits training string", RESULT.rows[0].fits, ("phone",), {"training": "yes"},
         error=TypeError, names=("training",)),
    Case("fits device None", RESULT.rows[0].fits, (None,), error=TypeError, names=("device",)),
    # ----- budget ------------------------------------------------------------------------
    Case("budget device misspelt", budget.budget, ("raspberry_pi",), error=ValueError,
         names=("device", "raspberry-pi")),
    Case("budget negative storage", budget.budget, (NegativeDevice(),), error=ValueError,
         names=("device.storage_bytes",)),
    Case("size params None", budget.size, (MODEL, None, OPT, 4), error=TypeError,
         names=("params",)),
    Case("prune_and_finetune fit_kwargs None", budget.prune_and_finetune,
         (MODEL, LOSS, OPT, X, Y, PARAMS, 0.5, None), error=TypeError, names=("fit_kwargs",)),
    Case("prune_and_finetune sparsity one", budget.prune_and_finetune,
         (MODEL, LOSS, OPT, X, Y, PARAMS, 1.0, {"epochs": 1}), error=ValueError,
         names=("sparsity",)),
    # ----- filters: fit/transform input checks only ----------------------------------------
    Case("SelectKBest fit X float16", select.SelectKBest("f_regression", k=2).fit, (X16, y),
         error=TypeError, names=("X", "float16")),
    Case("VarianceThreshold fit X NaN", select.VarianceThreshold().fit, (XNAN,),
         error=ValueError, names=("X", "NaN")),
]


@cases(*CATALOGUE)
def test_bad_input_is_refused_by_name_leaving_inputs_intact(case):
    assert_refused(case)


def test_the_catalogue_covers_at_least_sixty_cases():
    assert len(CATALOGUE) >= 60


@pytest.mark.parametrize("splitter", [select.KFold(3), select.StratifiedKFold(3),
                                      select.GroupKFold(3), select.TimeSeriesSplit(3)],
                         ids=lambda s: type(s).__name__)  # fmt: skip
def test_a_splitter_refuses_bad_arguments_when_split_is_called_not_at_the_first_fold(splitter):
    # scikit-learn's splitters are generators that check at the first next(); minitrain's
    # check when split is called, so a bad call fails where it is written.
    with pytest.raises(ValueError, match="X"):
        splitter.split(None)
