"""Bad input to minitrain.clean, case by case: every public callable refuses what it cannot use.

Each case asserts (``assert_refused``) the exception type, that the message names the argument
(and, where it matters, what arrived or the fix), that every input array is bit-identical
afterwards and that no warning was emitted on the way. Parameters of cleaners and detectors
are checked in ``fit`` (scikit-learn's contract: constructors only store them).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from bad_inputs import Case, assert_refused, cases

from minitrain import clean
from minitrain.clean import (
    IQR,
    MAD,
    DropIncomplete,
    DropOutOfBounds,
    DropStuck,
    FixUnits,
    ForwardFill,
    Imputer,
    Interpolate,
    Mahalanobis,
    MinMaxScaler,
    NotFittedError,
    PCAReconstruction,
    Pipeline,
    RobustScaler,
    Standardizer,
    ZScore,
)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(12, 3)) + 20.0
X[[1, 5], [0, 2]] = np.nan
X32 = X.astype(np.float32)
X16 = X.astype(np.float16)
COMPLETE = RNG.normal(size=(12, 3))
NODE = np.repeat(np.arange(3), 4)
TIME = np.tile(np.arange(4.0), 3)
ALL_NAN_COLUMN = np.column_stack([np.ones(4), np.full(4, np.nan)])
WITH_INF = np.array([[1.0, np.inf], [2.0, 3.0]])
OFF_BY_TEN = X.copy()
OFF_BY_TEN[NODE == 2] *= 10.0
REPORT = clean.unit_mismatch(OFF_BY_TEN, NODE)
FLEET = clean.Pipeline([("units", FixUnits()), ("gaps", Interpolate())]).fit(
    OFF_BY_TEN, node=NODE, time=TIME
)


def fit(estimator: Any, data: np.ndarray = X) -> Any:
    return estimator.fit(data)


def fitted(estimator: Any, data: np.ndarray = X) -> Any:
    return estimator.fit(data)


class SignDetector:
    """A filter in scikit-learn's outlier convention: -1 outlier, +1 inlier."""

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.where(np.nan_to_num(X[:, 0]) > 20.0, -1, 1)


class ShortFlags:
    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.zeros(X.shape[0] - 1, dtype=bool)


class DropsRows:
    def transform(self, X: np.ndarray) -> np.ndarray:
        return X[1:]


IMPUTE = [
    Case("Imputer-strategy-unknown", lambda X: Imputer("mode").fit(X), (X,),
         error=ValueError, names=("strategy", "'mode'", "'median'")),
    Case("Imputer-all_missing-unknown", lambda X: Imputer(all_missing="skip").fit(X), (X,),
         error=ValueError, names=("all_missing", "'drop'")),
    Case("Imputer-fill_value-without-constant",
         lambda X: Imputer("mean", fill_value=1.0).fit(X), (X,),
         error=ValueError, names=("fill_value", "strategy='constant'")),
    Case("Imputer-fill_value-nan", lambda X: Imputer("constant", fill_value=np.nan).fit(X),
         (X,), error=TypeError, names=("fill_value", "finite")),
    Case("Imputer-fill_value-string", lambda X: Imputer("constant", fill_value="0").fit(X),
         (X,), error=TypeError, names=("fill_value", "'0'")),
    Case("Imputer-fill_value-overflows-float32",
         lambda X: Imputer("constant", fill_value=1e300).fit(X), (X32,),
         error=ValueError, names=("fill_value", "float32")),
    Case("Imputer-fit-float16", lambda X: Imputer().fit(X), (X16,),
         error=TypeError, names=("X", "float16", "X.astype(np.float32)")),
    Case("Imputer-fit-int-array", lambda X: Imputer().fit(X), (np.ones((3, 2), int),),
         error=TypeError, names=("X", "int64", "astype")),
    Case("Imputer-fit-1d", lambda X: Imputer().fit(X), (np.ones(3),),
         error=ValueError, names=("X", "(3,)", "reshape(-1, 1)")),
    Case("Imputer-fit-inf", lambda X: Imputer().fit(X), (WITH_INF,),
         error=ValueError, names=("X", "infinite", "np.isinf")),
    Case("Imputer-fit-column-never-observed", lambda X: Imputer().fit(X), (ALL_NAN_COLUMN,),
         error=ValueError, names=("X", "[1]", "all_missing='drop'")),
    Case("Imputer-fit-zero-columns", lambda X: Imputer().fit(X), (np.ones((3, 0)),),
         error=ValueError, names=("X", "0 feature(s)")),
    Case("Imputer-fit-None", lambda X: Imputer().fit(X), (None,),
         error=TypeError, names=("X", "floating-point")),
    Case("Imputer-transform-before-fit", lambda X: Imputer().transform(X), (X,),
         error=NotFittedError, names=("Imputer", "fit(X_train)")),
    Case("Imputer-transform-other-columns", lambda X: fitted(Imputer()).transform(X[:, :2]),
         (X,), error=ValueError, names=("X has 2 features", "expecting 3")),
    Case("Imputer-transform-float16", lambda X: fitted(Imputer()).transform(X), (X16,),
         error=TypeError, names=("X", "float16")),
    Case("Imputer-fit_transform-ragged", lambda X: Imputer().fit_transform(X),
         ([[1.0, 2.0], [3.0]],), error=TypeError, names=("X", "ragged")),
    Case("forward_fill-limit-zero", lambda X: clean.forward_fill(X, limit=0), (X,),
         error=ValueError, names=("limit", ">= 1")),
    Case("forward_fill-limit-bool", lambda X: clean.forward_fill(X, limit=True), (X,),
         error=TypeError, names=("limit", "integer")),
    Case("forward_fill-node-wrong-length", clean.forward_fill, (X, NODE[:-1]),
         error=ValueError, names=("node", "one entry per row of X (12)", "11")),
    Case("forward_fill-node-float", clean.forward_fill, (X, NODE.astype(float)),
         error=ValueError, names=("node", "integer or string labels", "float64")),
    Case("forward_fill-float16", clean.forward_fill, (X16, NODE),
         error=TypeError, names=("X", "float16")),
    Case("interpolate-time-backwards", clean.interpolate, (X, NODE, TIME[::-1].copy()),
         error=ValueError, names=("time", "non-decreasing")),
    Case("interpolate-time-wrong-length", clean.interpolate, (X, NODE, TIME[:5]),
         error=ValueError, names=("time", "one entry per row of X (12)")),
    Case("interpolate-time-float16", clean.interpolate, (X, NODE, TIME.astype(np.float16)),
         error=TypeError, names=("time", "float16")),
    Case("interpolate-time-nan", clean.interpolate, (X, NODE, np.full(12, np.nan)),
         error=ValueError, names=("time", "NaN")),
    Case("interpolate-node-2d", clean.interpolate, (X, NODE[:, None]),
         error=ValueError, names=("node", "1-D")),
    Case("drop_missing-axis-2", lambda X: clean.drop_missing(X, axis=2), (X,),
         error=ValueError, names=("axis", "<= 1")),
    Case("drop_missing-max_fraction-above-1", lambda X: clean.drop_missing(X, 0, 1.5), (X,),
         error=ValueError, names=("max_fraction", "1.5")),
    Case("drop_missing-max_fraction-string", lambda X: clean.drop_missing(X, 0, "0.5"), (X,),
         error=TypeError, names=("max_fraction", "number")),
]

SCALE = [
    Case("MinMaxScaler-feature_range-empty", lambda X: MinMaxScaler((1.0, 1.0)).fit(X), (X,),
         error=ValueError, names=("feature_range[1]", "(1.0, inf)")),
    Case("MinMaxScaler-feature_range-not-a-pair", lambda X: MinMaxScaler(1.0).fit(X), (X,),
         error=TypeError, names=("feature_range", "(low, high)")),
    Case("MinMaxScaler-feature_range-nan", lambda X: MinMaxScaler((np.nan, 1.0)).fit(X), (X,),
         error=ValueError, names=("feature_range[0]", "nan")),
    Case("RobustScaler-quantile_range-reversed", lambda X: RobustScaler((75, 25)).fit(X), (X,),
         error=ValueError, names=("quantile_range[1]", "25")),
    Case("RobustScaler-quantile_range-negative", lambda X: RobustScaler((-1, 50)).fit(X), (X,),
         error=ValueError, names=("quantile_range[0]", "[0.0, 100.0)")),
    Case("Standardizer-fit-float16", lambda X: Standardizer().fit(X), (X16,),
         error=TypeError, names=("X", "float16", "astype(np.float32)")),
    Case("Standardizer-fit-column-never-observed", lambda X: Standardizer().fit(X),
         (ALL_NAN_COLUMN,), error=ValueError, names=("X", "column(s) [1]", "Standardizer")),
    Case("Standardizer-transform-before-fit", lambda X: Standardizer().transform(X), (X,),
         error=NotFittedError, names=("Standardizer", "not fitted")),
    Case("Standardizer-fit-object-array", lambda X: Standardizer().fit(X),
         (np.array([[1.0, "a"]], dtype=object),), error=TypeError, names=("X", "object")),
    Case("Standardizer-fit-3d", lambda X: Standardizer().fit(X), (np.ones((2, 2, 2)),),
         error=ValueError, names=("X", "2 dimensions", "(2, 2, 2)")),
    Case("MinMaxScaler-inverse_transform-other-columns",
         lambda X: fitted(MinMaxScaler()).inverse_transform(X[:, :1]), (X,),
         error=ValueError, names=("X has 1 features", "MinMaxScaler")),
    Case("RobustScaler-transform-float16", lambda X: fitted(RobustScaler()).transform(X),
         (X16,), error=TypeError, names=("X", "float16")),
    Case("RobustScaler-fit-inf", lambda X: RobustScaler().fit(X), (WITH_INF,),
         error=ValueError, names=("X", "infinite")),
]

DETECT = [
    Case("ZScore-threshold-zero", lambda X: ZScore(0).fit(X), (X,),
         error=ValueError, names=("threshold", "> 0", "0")),
    Case("ZScore-threshold-string", lambda X: ZScore("3").fit(X), (X,),
         error=TypeError, names=("threshold", "'3'")),
    Case("MAD-threshold-negative", lambda X: MAD(-3.5).fit(X), (X,),
         error=ValueError, names=("threshold", "-3.5")),
    Case("IQR-k-inf", lambda X: IQR(np.inf).fit(X), (X,),
         error=ValueError, names=("k", "inf")),
    Case("Mahalanobis-alpha-one", lambda X: Mahalanobis(1.0).fit(X), (COMPLETE,),
         error=ValueError, names=("alpha", "(0.0, 1.0)")),
    Case("Mahalanobis-fit-nan", lambda X: Mahalanobis().fit(X), (X,),
         error=ValueError, names=("X", "NaN", "Imputer")),
    Case("Mahalanobis-fit-one-row", lambda X: Mahalanobis().fit(X), (COMPLETE[:1],),
         error=ValueError, names=("X", ">= 2 rows")),
    Case("PCAReconstruction-n_components-zero",
         lambda X: PCAReconstruction(n_components=0).fit(X), (COMPLETE,),
         error=ValueError, names=("n_components", ">= 1")),
    Case("PCAReconstruction-n_components-all-columns",
         lambda X: PCAReconstruction(n_components=3).fit(X), (COMPLETE,),
         error=ValueError, names=("n_components", "(3)")),
    Case("PCAReconstruction-n_components-float",
         lambda X: PCAReconstruction(n_components=1.0).fit(X), (COMPLETE,),
         error=TypeError, names=("n_components", "integer")),
    Case("PCAReconstruction-quantile-one", lambda X: PCAReconstruction(quantile=1).fit(X),
         (COMPLETE,), error=ValueError, names=("quantile", "(0.0, 1.0)")),
    Case("PCAReconstruction-score-nan",
         lambda C, X: fitted(PCAReconstruction(), C).score(X), (COMPLETE, X),
         error=ValueError, names=("X", "NaN")),
    Case("ZScore-predict-before-fit", lambda X: ZScore().predict(X), (X,),
         error=NotFittedError, names=("ZScore", "fit(X_train)")),
    Case("ZScore-score-other-columns", lambda X: fitted(ZScore()).score(X[:, :2]), (X,),
         error=ValueError, names=("X has 2 features", "ZScore is expecting 3")),
    Case("MAD-fit-float16", lambda X: MAD().fit(X), (X16,),
         error=TypeError, names=("X", "float16")),
    Case("IQR-score_columns-int", lambda X: fitted(IQR()).score_columns(X),
         (np.ones((2, 3), np.int32),), error=TypeError, names=("X", "int32")),
    Case("ZScore-fit_predict-1d", lambda X: ZScore().fit_predict(X), (X[:, 0].copy(),),
         error=ValueError, names=("X", "Reshape")),
    Case("ZScore-score-with-a-target-as-model-selection-calls-it",
         lambda X, y: fitted(ZScore()).score(X, y), (X, np.zeros(12, bool)),
         error=TypeError, names=("ZScore.score(X)", "scoring='f1'")),
    Case("chi2_quantile-q-zero", clean.chi2_quantile, (0.0, 3),
         error=ValueError, names=("q", "(0.0, 1.0)")),
    Case("chi2_quantile-dof-zero", clean.chi2_quantile, (0.5, 0),
         error=ValueError, names=("dof", ">= 1")),
    Case("chi2_quantile-dof-huge", clean.chi2_quantile, (0.5, 2**40),
         error=ValueError, names=("dof", "<= 1000000")),
    Case("score_detector-sklearn-signs", clean.score_detector,
         (np.array([1, -1, 1]), np.array([False, True, False])),
         error=TypeError, names=("pred_mask", "-1", "pred_mask == -1")),
    Case("score_detector-float-truth", clean.score_detector,
         (np.zeros(3, bool), np.array([0.0, 1.0, 0.0])),
         error=TypeError, names=("true_mask", "boolean")),
    Case("score_detector-shapes-differ", clean.score_detector,
         (np.zeros(3, bool), np.zeros(4, bool)),
         error=ValueError, names=("pred_mask and true_mask", "(3,)", "(4,)")),
]

CHECKS = [
    Case("find_duplicates-time-wrong-length", clean.find_duplicates, (X, NODE, TIME[:4]),
         error=ValueError, names=("time", "one entry per row of X (12)")),
    Case("find_duplicates-time-float16", clean.find_duplicates,
         (X, NODE, TIME.astype(np.float16)), error=TypeError, names=("time", "float16")),
    Case("find_duplicates-node-2d", clean.find_duplicates, (X, NODE.reshape(3, 4)),
         error=ValueError, names=("node", "1-D")),
    Case("constant_columns-columns-wrong-length", clean.constant_columns, (X, ["a", "b"]),
         error=ValueError, names=("columns", "one name per column of X (3)")),
    Case("constant_columns-columns-bare-string", clean.constant_columns, (X, "abc"),
         error=TypeError, names=("columns", "list")),
    Case("constant_columns-X-float16", clean.constant_columns, (X16,),
         error=TypeError, names=("X", "float16")),
    Case("check_bounds-None", clean.check_bounds, (X, None),
         error=TypeError, names=("bounds", "(low, high)")),
    Case("check_bounds-wrong-count", clean.check_bounds, (X, [(0, 1)]),
         error=ValueError, names=("bounds", "per column of X (3)", "got 1")),
    Case("check_bounds-low-above-high", clean.check_bounds, (X, [(0, 1), (2, 1), (None, 1)]),
         error=ValueError, names=("bounds", "low <= high")),
    Case("check_bounds-nan-bound", clean.check_bounds, (X, [(np.nan, 1), (0, 1), (0, 1)]),
         error=ValueError, names=("bounds[0][0]", "NaN", "None")),
    Case("check_bounds-string-bound", clean.check_bounds, (X, [(0, 1), (0, "5"), (0, 1)]),
         error=TypeError, names=("bounds[1][1]", "'5'")),
    Case("check_bounds-not-a-pair", clean.check_bounds, (X, [(0, 1), 5.0, (0, 1)]),
         error=TypeError, names=("bounds[1]", "(low, high)")),
    Case("check_bounds-columns-duplicates", clean.check_bounds,
         (X, [(0, 1)] * 3, ["a", "a", "b"]), error=ValueError, names=("columns", "'a'")),
    Case("find_stuck-min_run-one", lambda X: clean.find_stuck(X, min_run=1), (X,),
         error=ValueError, names=("min_run", ">= 2")),
    Case("find_stuck-node-wrong-length", clean.find_stuck, (X, NODE[:3]),
         error=ValueError, names=("node", "one entry per row of X (12)", "3")),
    Case("unit_mismatch-two-nodes", clean.unit_mismatch, (X, NODE.clip(0, 1)),
         error=ValueError, names=("node", ">= 3 distinct nodes")),
    Case("unit_mismatch-threshold-zero", lambda X, n: clean.unit_mismatch(X, n, threshold=0),
         (X, NODE), error=ValueError, names=("threshold", "> 0")),
    Case("unit_mismatch-node-None", clean.unit_mismatch, (X, None),
         error=TypeError, names=("node", "None")),
    Case("unit_mismatch-conversion-scale-zero",
         lambda X, n: clean.unit_mismatch(X, n, conversions={"off": (0.0, 1.0)}), (X, NODE),
         error=ValueError, names=("conversions['off']", "scale")),
    Case("unit_mismatch-conversions-list",
         lambda X, n: clean.unit_mismatch(X, n, conversions=[(1.8, 32.0)]), (X, NODE),
         error=TypeError, names=("conversions", "dict")),
    Case("unit_mismatch-columns-too-few",
         lambda X, n: clean.unit_mismatch(X, n, columns=["t"]), (X, NODE),
         error=ValueError, names=("columns", "(3)")),
    Case("fix_units-node-None", clean.fix_units, (OFF_BY_TEN, None, REPORT),
         error=TypeError, names=("node", "None")),
    Case("fix_units-report-dict", clean.fix_units, (OFF_BY_TEN, NODE, {}),
         error=TypeError, names=("report", "unit_mismatch")),
    Case("fix_units-report-class", clean.fix_units, (OFF_BY_TEN, NODE, clean.UnitMismatchReport),
         error=TypeError, names=("report", "call it")),
    Case("fix_units-other-columns", clean.fix_units, (OFF_BY_TEN[:, :2], NODE, REPORT),
         error=ValueError, names=("report", "3 columns", "X has 2")),
    Case("fix_units-string-ids-for-integer-report", clean.fix_units,
         (OFF_BY_TEN, NODE.astype(str), REPORT), error=TypeError, names=("node", "string")),
]

PIPELINE = [
    Case("Pipeline-steps-empty", Pipeline, ([],), error=TypeError, names=("steps", "non-empty")),
    Case("Pipeline-steps-string", Pipeline, ("impute",), error=TypeError, names=("steps",)),
    Case("Pipeline-step-is-a-class", Pipeline, ([("impute", Imputer)],),
         error=TypeError, names=("step 'impute'", "call it", "Imputer(...)")),
    Case("Pipeline-step-not-a-tuple", Pipeline, ([Imputer()],),
         error=TypeError, names=("each step", "(name, step)")),
    Case("Pipeline-step-without-methods", Pipeline, ([("sum", sum)],),
         error=TypeError, names=("step 'sum'", "transform() or predict()")),
    Case("Pipeline-step-names-repeat", Pipeline, ([("a", Imputer()), ("a", Standardizer())],),
         error=ValueError, names=("step names", "unique")),
    Case("Pipeline-y-wrong-length",
         lambda X, y: Pipeline([("i", Imputer())]).fit(X, y), (X, np.zeros(5)),
         error=ValueError, names=("y", "one entry per row of X (12)", "5")),
    Case("Pipeline-node-wrong-length",
         lambda X, n: Pipeline([("i", Imputer())]).fit(X, node=n), (X, NODE[:6]),
         error=ValueError, names=("node", "one entry per row of X (12)")),
    Case("Pipeline-time-scalar",
         lambda X: Pipeline([("i", Imputer())]).fit(X, time=3.0), (X,),
         error=ValueError, names=("time", "a scalar")),
    Case("Pipeline-drop_rows-string",
         lambda X: Pipeline([("i", Imputer())]).fit(X).transform(X, drop_rows="no"), (X,),
         error=TypeError, names=("drop_rows", "'no'")),
    Case("Pipeline-drop_rows-int",
         lambda X: Pipeline([("i", Imputer())]).fit(X).transform(X, drop_rows=0), (X,),
         error=TypeError, names=("drop_rows", "True or False")),
    Case("Pipeline-transform-without-node-after-fit-with-node",
         lambda X: FLEET.transform(X), (OFF_BY_TEN,),
         error=ValueError, names=("node is required", "'units'", "node=")),
    Case("Pipeline-transform-before-fit", lambda X: Pipeline([("i", Imputer())]).transform(X),
         (X,), error=NotFittedError, names=("Imputer", "not fitted")),
    Case("Pipeline-FixUnits-fit-without-node",
         lambda X: Pipeline([("units", FixUnits())]).fit(X), (X,),
         error=ValueError, names=("FixUnits needs node=",)),
    Case("Pipeline-filter-in-sklearn-signs",
         lambda X: Pipeline([("signs", SignDetector())]).fit_transform(X), (X,),
         error=TypeError, names=("step 'signs'", "boolean", "pred == -1")),
    Case("Pipeline-filter-too-few-flags",
         lambda X: Pipeline([("short", ShortFlags())]).fit_transform(X), (X,),
         error=ValueError, names=("step 'short'", "one flag per row of X (12)")),
    Case("Pipeline-transform-drops-rows",
         lambda X: Pipeline([("drops", DropsRows())]).fit_transform(X), (X,),
         error=ValueError, names=("step 'drops'", "keeps the rows")),
    Case("Pipeline-fit-float16", lambda X: Pipeline([("i", Imputer())]).fit(X), (X16,),
         error=TypeError, names=("X", "float16")),
    Case("FixUnits-transform-without-node",
         lambda X, n: FixUnits().fit(X, n).transform(X), (OFF_BY_TEN, NODE),
         error=ValueError, names=("FixUnits needs node=", "transform")),
    Case("FixUnits-transform-before-fit", lambda X, n: FixUnits().transform(X, n), (X, NODE),
         error=NotFittedError, names=("FixUnits", "not fitted")),
    Case("FixUnits-threshold-negative", lambda X, n: FixUnits(-1.0).fit(X, n), (X, NODE),
         error=ValueError, names=("threshold", "-1.0")),
    Case("DropDuplicates-node-wrong-length", lambda X, n: clean.DropDuplicates().predict(X, n),
         (X, NODE[:-2]), error=ValueError, names=("node", "one entry per row of X (12)")),
    Case("DropIncomplete-max_fraction-two", lambda X: DropIncomplete(2).predict(X), (X,),
         error=ValueError, names=("max_fraction", "[0.0, 1.0]")),
    Case("DropStuck-min_run-one", lambda X, n: DropStuck(1).predict(X, n), (X, NODE),
         error=ValueError, names=("min_run", ">= 2")),
    Case("DropOutOfBounds-bounds-None", lambda X: DropOutOfBounds(None).predict(X), (X,),
         error=TypeError, names=("bounds",)),
    Case("ForwardFill-limit-zero", lambda X, n: ForwardFill(0).transform(X, n), (X, NODE),
         error=ValueError, names=("limit", ">= 1")),
    Case("Interpolate-time-backwards", lambda X, n, t: Interpolate().transform(X, n, t),
         (X, NODE, TIME[::-1].copy()), error=ValueError, names=("time", "non-decreasing")),
]

# The low-precision policy, everywhere data enters: float16 is refused with the conversion.
TAKES_DATA = {
    "Imputer.fit": lambda X: Imputer().fit(X),
    "drop_missing": clean.drop_missing,
    "interpolate": clean.interpolate,
    "MinMaxScaler.fit": lambda X: MinMaxScaler().fit(X),
    "Standardizer.inverse_transform": lambda X: fitted(Standardizer()).inverse_transform(X),
    "ZScore.fit": lambda X: ZScore().fit(X),
    "IQR.score": lambda X: fitted(IQR()).score(X),
    "Mahalanobis.fit": lambda X: Mahalanobis().fit(X),
    "PCAReconstruction.score": lambda X: fitted(PCAReconstruction(), COMPLETE).score(X),
    "find_duplicates": clean.find_duplicates,
    "check_bounds": lambda X: clean.check_bounds(X, [(0, 1)] * 3),
    "find_stuck": clean.find_stuck,
    "unit_mismatch": lambda X: clean.unit_mismatch(X, NODE),
    "fix_units": lambda X: clean.fix_units(X, NODE, REPORT),
    "DropIncomplete.predict": lambda X: DropIncomplete().predict(X),
    "ForwardFill.transform": lambda X: ForwardFill().transform(X),
    "Pipeline.transform": lambda X: FLEET.transform(X, node=NODE, time=TIME),
}
FLOAT16 = [
    Case(f"{name}-float16", call, (COMPLETE.astype(np.float16),), error=TypeError,
         names=("X", "float16", "X.astype(np.float32)"))
    for name, call in TAKES_DATA.items()
]

CATALOGUE = IMPUTE + SCALE + DETECT + CHECKS + PIPELINE + FLOAT16


@cases(*CATALOGUE)
def test_clean_refuses_bad_input_by_name_and_leaves_inputs_alone(case):
    assert_refused(case)


def test_the_catalogue_covers_every_public_callable_of_clean():
    """Each public function and class of minitrain.clean is called by at least one case."""
    ids = " ".join(case.id for case in CATALOGUE)
    covered = {name for name in clean.__all__ if name in ids}
    data_only = {"CONVERSIONS", "IMPUTE_STRATEGIES", "NotFittedError", "BoundsReport",
                 "ConstantReport", "DuplicateReport", "StuckReport", "UnitMismatch",
                 "UnitMismatchReport", "DetectorScore", "Cleaned", "CleaningReport",
                 "StepReport"}  # constants, exceptions and reports: returned, never called
    assert set(clean.__all__) - data_only - covered == set()
    assert len(CATALOGUE) >= 70
