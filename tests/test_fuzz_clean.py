"""Fuzzing minitrain.clean: arbitrary values into every argument of every public callable.

One hypothesis test per public module (impute, scale, detect, checks, pipeline). Each draws an
argument slot (a constructor parameter, or an argument of fit/transform/predict/score or of a
function) and a ``junk()`` value for it, the other arguments being valid; the call must return
or raise ``ValueError``/``TypeError`` (``NotFittedError`` is a ``ValueError``), with every input
bit-identical afterwards (``assert_fails_cleanly``). Never an IndexError, a ZeroDivisionError,
a NumPy internal error or a silently mutated input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from bad_inputs import assert_fails_cleanly, junk
from hypothesis import given, settings
from hypothesis import strategies as st

from minitrain import clean

Slot = Callable[..., Any]


def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Valid X (12, 3) with a few NaN, node ids (3 nodes) and non-decreasing time per node."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 3)) + 20.0
    X[[1, 5, 9], [0, 1, 2]] = np.nan
    node = np.repeat(np.arange(3), 4)
    time = np.tile(np.arange(4.0), 3)
    return X, node, time


def complete() -> np.ndarray:
    return np.random.default_rng(1).normal(size=(12, 3))


def fuzz(slots: dict[str, Slot]) -> Callable[..., None]:
    """A hypothesis test feeding junk into each named slot ``slot(value, X, node, time)``."""

    @settings(max_examples=150, deadline=None)
    @given(name=st.sampled_from(sorted(slots)), value=junk())
    def test(name: str, value: Any) -> None:
        X, node, time = data()
        assert_fails_cleanly(slots[name], value, X, node, time)

    return test


IMPUTE: dict[str, Slot] = {
    "Imputer(strategy)": lambda v, X, n, t: clean.Imputer(strategy=v).fit_transform(X),
    "Imputer(fill_value)": lambda v, X, n, t: clean.Imputer("constant", fill_value=v).fit(X),
    "Imputer(all_missing)": lambda v, X, n, t: clean.Imputer(all_missing=v).fit(X),
    "Imputer.fit(X)": lambda v, X, n, t: clean.Imputer().fit(v),
    "Imputer.transform(X)": lambda v, X, n, t: clean.Imputer().fit(X).transform(v),
    "Imputer.fit_transform(X)": lambda v, X, n, t: clean.Imputer("median").fit_transform(v),
    "Imputer.fit(y)": lambda v, X, n, t: clean.Imputer().fit(X, v).transform(X),
    "forward_fill(X)": lambda v, X, n, t: clean.forward_fill(v),
    "forward_fill(node)": lambda v, X, n, t: clean.forward_fill(X, v),
    "forward_fill(limit)": lambda v, X, n, t: clean.forward_fill(X, n, limit=v),
    "interpolate(X)": lambda v, X, n, t: clean.interpolate(v, n, t),
    "interpolate(node)": lambda v, X, n, t: clean.interpolate(X, v, t),
    "interpolate(time)": lambda v, X, n, t: clean.interpolate(X, n, v),
    "drop_missing(X)": lambda v, X, n, t: clean.drop_missing(v),
    "drop_missing(axis)": lambda v, X, n, t: clean.drop_missing(X, axis=v),
    "drop_missing(max_fraction)": lambda v, X, n, t: clean.drop_missing(X, max_fraction=v),
}

SCALERS = {"Standardizer": clean.Standardizer, "MinMaxScaler": clean.MinMaxScaler,
           "RobustScaler": clean.RobustScaler}
SCALE: dict[str, Slot] = {
    "MinMaxScaler(feature_range)": lambda v, X, n, t: clean.MinMaxScaler(v).fit_transform(X),
    "RobustScaler(quantile_range)": lambda v, X, n, t: clean.RobustScaler(v).fit_transform(X),
}
for _name, _cls in SCALERS.items():
    SCALE |= {
        f"{_name}.fit(X)": lambda v, X, n, t, c=_cls: c().fit(v),
        f"{_name}.transform(X)": lambda v, X, n, t, c=_cls: c().fit(X).transform(v),
        f"{_name}.inverse_transform(X)": lambda v, X, n, t, c=_cls: c().fit(X).inverse_transform(v),
        f"{_name}.fit_transform(X)": lambda v, X, n, t, c=_cls: c().fit_transform(v),
    }

DETECTORS = {
    "ZScore": (clean.ZScore, "threshold"),
    "MAD": (clean.MAD, "threshold"),
    "IQR": (clean.IQR, "k"),
    "Mahalanobis": (clean.Mahalanobis, "alpha"),
    "PCAReconstruction": (clean.PCAReconstruction, "n_components"),
}
DETECT: dict[str, Slot] = {
    "PCAReconstruction(quantile)":
        lambda v, X, n, t: clean.PCAReconstruction(quantile=v).fit(complete()),
    "chi2_quantile(q)": lambda v, X, n, t: clean.chi2_quantile(v, 3),
    "chi2_quantile(dof)": lambda v, X, n, t: clean.chi2_quantile(0.99, v),
    "score_detector(pred_mask)":
        lambda v, X, n, t: clean.score_detector(v, np.zeros(12, dtype=bool)),
    "score_detector(true_mask)":
        lambda v, X, n, t: clean.score_detector(np.zeros(12, dtype=bool), v),
    "ZScore.score_columns(X)": lambda v, X, n, t: clean.ZScore().fit(X).score_columns(v),
}
for _name, (_cls, _param) in DETECTORS.items():
    DETECT |= {
        f"{_name}({_param})": lambda v, X, n, t, c=_cls, p=_param: c(**{p: v}).fit(complete()),
        f"{_name}.fit(X)": lambda v, X, n, t, c=_cls: c().fit(v),
        f"{_name}.score(X)": lambda v, X, n, t, c=_cls: c().fit(complete()).score(v),
        f"{_name}.predict(X)": lambda v, X, n, t, c=_cls: c().fit(complete()).predict(v),
        f"{_name}.fit_predict(X)": lambda v, X, n, t, c=_cls: c().fit_predict(v),
    }


def _report(X: np.ndarray, node: np.ndarray) -> clean.UnitMismatchReport:
    shifted = X.copy()
    shifted[node == 2] *= 10.0
    return clean.unit_mismatch(shifted, node)


CHECKS: dict[str, Slot] = {
    "find_duplicates(X)": lambda v, X, n, t: clean.find_duplicates(v, n, t),
    "find_duplicates(node)": lambda v, X, n, t: clean.find_duplicates(X, v, t),
    "find_duplicates(time)": lambda v, X, n, t: clean.find_duplicates(X, n, v),
    "constant_columns(X)": lambda v, X, n, t: str(clean.constant_columns(v)),
    "constant_columns(columns)": lambda v, X, n, t: str(clean.constant_columns(X, v)),
    "check_bounds(X)": lambda v, X, n, t: str(clean.check_bounds(v, [(0, 1)] * 3)),
    "check_bounds(bounds)": lambda v, X, n, t: str(clean.check_bounds(X, v)),
    "check_bounds(bounds[j])": lambda v, X, n, t: str(clean.check_bounds(X, [(0, 1), v, None])),
    "check_bounds(low)": lambda v, X, n, t: str(clean.check_bounds(X, [(v, 1)] * 3)),
    "check_bounds(columns)": lambda v, X, n, t: str(clean.check_bounds(X, [(0, 1)] * 3, v)),
    "find_stuck(X)": lambda v, X, n, t: str(clean.find_stuck(v, n)),
    "find_stuck(node)": lambda v, X, n, t: str(clean.find_stuck(X, v)),
    "find_stuck(min_run)": lambda v, X, n, t: str(clean.find_stuck(X, n, min_run=v)),
    "unit_mismatch(X)": lambda v, X, n, t: str(clean.unit_mismatch(v, n)),
    "unit_mismatch(node)": lambda v, X, n, t: str(clean.unit_mismatch(X, v)),
    "unit_mismatch(threshold)": lambda v, X, n, t: str(clean.unit_mismatch(X, n, threshold=v)),
    "unit_mismatch(columns)": lambda v, X, n, t: str(clean.unit_mismatch(X, n, columns=v)),
    "unit_mismatch(conversions)":
        lambda v, X, n, t: str(clean.unit_mismatch(X, n, conversions=v)),
    "fix_units(X)": lambda v, X, n, t: clean.fix_units(v, n, _report(X, n)),
    "fix_units(node)": lambda v, X, n, t: clean.fix_units(X, v, _report(X, n)),
    "fix_units(report)": lambda v, X, n, t: clean.fix_units(X, n, v),
}


def _pipeline() -> clean.Pipeline:
    return clean.Pipeline([
        ("duplicates", clean.DropDuplicates()),
        ("units", clean.FixUnits()),
        ("spikes", clean.MAD(threshold=5.0)),
        ("stuck", clean.DropStuck()),
        ("gaps", clean.Interpolate()),
        ("impute", clean.Imputer("median")),
    ])  # fmt: skip


PIPELINE: dict[str, Slot] = {
    "Pipeline(steps)": lambda v, X, n, t: clean.Pipeline(v).fit_transform(X, node=n, time=t),
    "Pipeline(steps[0])": lambda v, X, n, t: clean.Pipeline([("a", v)]).fit_transform(X),
    "Pipeline(step name)": lambda v, X, n, t: clean.Pipeline([(v, clean.Imputer())]).fit(X),
    "Pipeline.fit(X)": lambda v, X, n, t: _pipeline().fit(v, node=n, time=t),
    "Pipeline.fit(y)": lambda v, X, n, t: _pipeline().fit(X, v, node=n, time=t),
    "Pipeline.fit(node)": lambda v, X, n, t: _pipeline().fit(X, node=v, time=t),
    "Pipeline.fit(time)": lambda v, X, n, t: _pipeline().fit(X, node=n, time=v),
    "Pipeline.transform(X)":
        lambda v, X, n, t: _pipeline().fit(X, node=n, time=t).transform(v, node=n, time=t),
    "Pipeline.transform(node)":
        lambda v, X, n, t: _pipeline().fit(X, node=n, time=t).transform(X, node=v, time=t),
    "Pipeline.transform(drop_rows)": lambda v, X, n, t: _pipeline().fit(
        X, node=n, time=t).transform(X, node=n, time=t, drop_rows=v),
    "DropDuplicates.predict(X)": lambda v, X, n, t: clean.DropDuplicates().predict(v, n, t),
    "DropIncomplete(max_fraction)": lambda v, X, n, t: clean.DropIncomplete(v).predict(X),
    "DropIncomplete.predict(X)": lambda v, X, n, t: clean.DropIncomplete().predict(v),
    "DropStuck(min_run)": lambda v, X, n, t: clean.DropStuck(v).predict(X, n),
    "DropStuck.predict(node)": lambda v, X, n, t: clean.DropStuck().predict(X, v),
    "DropOutOfBounds(bounds)": lambda v, X, n, t: clean.DropOutOfBounds(v).predict(X),
    "DropOutOfBounds.predict(X)":
        lambda v, X, n, t: clean.DropOutOfBounds([(0, 1)] * 3).predict(v),
    "FixUnits(threshold)": lambda v, X, n, t: clean.FixUnits(v).fit(X, n),
    "FixUnits.fit(X)": lambda v, X, n, t: clean.FixUnits().fit(v, n),
    "FixUnits.transform(X)": lambda v, X, n, t: clean.FixUnits().fit(X, n).transform(v, n),
    "FixUnits.transform(node)": lambda v, X, n, t: clean.FixUnits().fit(X, n).transform(X, v),
    "ForwardFill(limit)": lambda v, X, n, t: clean.ForwardFill(v).transform(X, n),
    "ForwardFill.transform(X)": lambda v, X, n, t: clean.ForwardFill().transform(v, n),
    "Interpolate.transform(time)": lambda v, X, n, t: clean.Interpolate().transform(X, n, v),
}

test_impute_module_fails_cleanly_on_junk = fuzz(IMPUTE)
test_scale_module_fails_cleanly_on_junk = fuzz(SCALE)
test_detect_module_fails_cleanly_on_junk = fuzz(DETECT)
test_checks_module_fails_cleanly_on_junk = fuzz(CHECKS)
test_pipeline_module_fails_cleanly_on_junk = fuzz(PIPELINE)
