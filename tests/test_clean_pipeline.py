"""The cleaning pipeline: steps in order, rows carried along, an honest report of each step."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
from minitrain.clean import (
    MAD,
    DropDuplicates,
    DropIncomplete,
    DropOutOfBounds,
    DropStuck,
    FixUnits,
    ForwardFill,
    Imputer,
    Interpolate,
    NotFittedError,
    Pipeline,
    Standardizer,
)
from minitrain.data import make_sensor_fleet


def full_pipeline(bounds):
    return Pipeline([
        ("duplicates", DropDuplicates()),
        ("units", FixUnits()),
        ("bounds", DropOutOfBounds(bounds)),
        ("spikes", MAD(threshold=5.0)),
        ("stuck", DropStuck()),
        ("gaps", Interpolate()),
        ("edges", ForwardFill()),
        ("impute", Imputer("median")),
        ("scale", Standardizer()),
    ])


@given(seed=st.integers(0, 2**32 - 1))
def test_report_accounts_for_every_row_and_every_missing_value(seed):
    fleet = make_sensor_fleet(4, 150, seed, duplicate_rate=0.05)
    X_before = fleet.X.copy()
    out = full_pipeline(fleet.bounds).fit_transform(fleet.X, fleet.y, node=fleet.node,
                                                      time=fleet.time)
    steps = out.report.steps
    for before, after in itertools.pairwise(steps):
        assert after.rows_in == before.rows_in - before.rows_dropped
    assert steps[-1].rows_in - steps[-1].rows_dropped == out.X.shape[0] == out.rows.size
    kept_nan = int(np.isnan(fleet.X[out.rows]).sum())
    assert sum(s.values_imputed for s in steps) == kept_nan  # every kept NaN was filled once
    assert not np.isnan(out.X).any()
    assert steps[0].rows_dropped == int(fleet.duplicate_mask.sum())
    # y, node and time follow the kept rows
    assert np.array_equal(out.y, fleet.y[out.rows])
    assert np.array_equal(out.node, fleet.node[out.rows])
    assert np.array_equal(out.time, fleet.time[out.rows])
    assert np.array_equal(fleet.X, X_before, equal_nan=True)  # input untouched


def test_cleaning_removes_most_anomalies_and_restores_units_on_the_default_fleet():
    fleet = make_sensor_fleet(seed=4)
    pipeline = full_pipeline(fleet.bounds)
    out = pipeline.fit_transform(fleet.X, fleet.y, node=fleet.node, time=fleet.time)
    left = fleet.anomaly_mask[out.rows].sum()
    assert left <= 0.1 * fleet.anomaly_mask.sum()  # spikes and long stuck runs are caught
    assert not fleet.duplicate_mask[out.rows].any()
    fixed = {(m.node, m.column) for m in pipeline.steps[1][1].report_.mismatches if m.conversion}
    assert fixed == {(f.node, f.column) for f in fleet.unit_faults}
    text = str(out.report).splitlines()
    assert text[0].split() == ["step", "kind", "rows", "in", "flagged", "dropped", "imputed",
                               "changed", "cols", "dropped"]
    assert text[1].split()[:5] == ["duplicates", "filter", str(fleet.X.shape[0]),
                                   str(fleet.duplicate_mask.sum()), str(fleet.duplicate_mask.sum())]


def test_transform_reuses_fitted_statistics_and_can_keep_every_row():
    train = make_sensor_fleet(4, 200, 1)
    test = make_sensor_fleet(4, 100, 2)
    pipeline = full_pipeline(train.bounds)
    fitted = pipeline.fit_transform(train.X, node=train.node, time=train.time)
    scaler = pipeline.steps[-1][1]
    mean = scaler.mean_.copy()
    again = pipeline.transform(train.X, node=train.node, time=train.time)
    assert np.array_equal(again.X, fitted.X) and np.array_equal(again.rows, fitted.rows)
    kept = pipeline.transform(test.X, node=test.node, time=test.time, drop_rows=False)
    assert np.array_equal(scaler.mean_, mean)  # nothing refitted on the test rows
    assert np.array_equal(kept.rows, np.arange(test.X.shape[0]))
    assert kept.X.shape == test.X.shape
    assert all(s.rows_dropped == 0 for s in kept.report.steps)
    assert any(s.rows_flagged > 0 for s in kept.report.steps)


def test_drop_incomplete_then_impute_by_hand():
    X = np.array([[1.0, np.nan], [np.nan, np.nan], [3.0, 4.0], [5.0, 8.0]])
    out = Pipeline([("incomplete", DropIncomplete(max_fraction=0.5)),
                    ("impute", Imputer("mean"))]).fit_transform(X, y=np.arange(4))
    assert np.array_equal(out.rows, [0, 2, 3]) and np.array_equal(out.y, [0, 2, 3])
    assert np.array_equal(out.X, [[1.0, 6.0], [3.0, 4.0], [5.0, 8.0]])
    first, second = out.report.steps
    assert (first.rows_flagged, first.rows_dropped, second.values_imputed) == (1, 1, 1)
    assert second.values_changed == 0


def test_bad_pipelines_are_refused():
    with pytest.raises(TypeError, match=r"steps must be a non-empty list of \(name, step\)"):
        Pipeline([])
    with pytest.raises(TypeError, match=r"each step must be a \(name, step\) tuple"):
        Pipeline([Imputer()])
    with pytest.raises(TypeError, match=r"step 'sum' must have transform\(\) or predict\(\)"):
        Pipeline([("sum", sum)])
    with pytest.raises(ValueError, match=r"step names must be unique"):
        Pipeline([("a", Imputer()), ("a", Standardizer())])
    pipeline = Pipeline([("impute", Imputer())])
    with pytest.raises(ValueError, match=r"y must have one entry per row of X \(2\)"):
        pipeline.fit_transform(np.zeros((2, 1)), y=np.zeros(3))
    with pytest.raises(NotFittedError, match=r"this Imputer is not fitted yet"):
        pipeline.transform(np.zeros((2, 1)))
    with pytest.raises(ValueError, match=r"FixUnits needs node="):
        Pipeline([("units", FixUnits())]).fit(np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"threshold must be a finite number > 0"):
        FixUnits(threshold=-1.0).fit(np.zeros((3, 1)), node=np.arange(3))


def test_clean_is_reachable_from_the_top_level_package():
    assert mt.clean.Pipeline is Pipeline and "score_detector" in mt.clean.__all__


def _float_outputs(X: np.ndarray, node: np.ndarray, time: np.ndarray) -> dict[str, np.ndarray]:
    """Every floating array minitrain.clean returns for X, by the callable that returned it."""
    clean = mt.clean
    complete = clean.Imputer("median").fit_transform(X)
    report = clean.unit_mismatch(X, node)
    out = {
        "Imputer": complete,
        "forward_fill": clean.forward_fill(X, node),
        "interpolate": clean.interpolate(X, node, time),
        "drop_missing": clean.drop_missing(X)[0],
        "fix_units": clean.fix_units(X, node, report),
        "Pipeline": full_pipeline([(None, None)] * X.shape[1]).fit_transform(
            X, node=node, time=time).X,
    }
    for scaler in (clean.Standardizer(), clean.MinMaxScaler(), clean.RobustScaler()):
        scaled = scaler.fit_transform(X)
        out[type(scaler).__name__] = scaled
        out[f"{type(scaler).__name__}.inverse"] = scaler.inverse_transform(scaled)
    for detector in (clean.ZScore(), clean.MAD(), clean.IQR()):
        out[type(detector).__name__] = detector.fit(X).score(X)
        out[f"{type(detector).__name__}.columns"] = detector.score_columns(X)
    for detector in (clean.Mahalanobis(), clean.PCAReconstruction()):
        out[type(detector).__name__] = detector.fit(complete).score(complete)
    return out


def test_float32_in_gives_float32_out_from_every_cleaner_and_detector():
    fleet = make_sensor_fleet(n_nodes=4, n_per_node=60, seed=1)
    X = fleet.X.astype(np.float32)
    outputs = _float_outputs(X, fleet.node, fleet.time)
    wrong = {name: str(out.dtype) for name, out in outputs.items() if out.dtype != np.float32}
    assert wrong == {}
    assert fleet.X.dtype == np.float64 and all(
        out.dtype == np.float64 for out in _float_outputs(fleet.X, fleet.node, fleet.time).values()
    )
