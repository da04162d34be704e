"""Does cleaning the training data matter? The same models trained on a dirty sensor fleet.

Run:  .venv/bin/python benchmarks/bench_cleaning.py [--quick]

Data: ``mt.data.make_sensor_fleet(12 nodes x 1000 hourly readings)``, regression of power (W)
on temperature, humidity, vibration and pressure, with the fleet's default faults (random
and burst missing values, spikes, stuck sensors, duplicates, one node in degF, one in kPa).
Split: the last quarter of every node's stream is the test set. Training rows are dirty;
test rows are the ground truth (``X_clean``, true ``y``), so every variant is scored on the
same rows and targets, and only the quality of the training data differs. Every statistic
(imputation, scaling, unit diagnosis, detector thresholds) is fitted on the training rows.
The target is standardized with the training mean and std for every variant (so one
learning rate suits all), and errors are reported in W.

Variants of the training data:
  raw, NaN rows dropped          rows with a NaN removed; features in their raw units
  + standardized                 the same rows, features standardized
  imputed + standardized         gaps interpolated in time per node, median imputation
  + anomalies removed            duplicates, out-of-bounds rows, MAD spikes, stuck runs dropped
  + units fixed                  nodes in degF / kPa detected and converted back
  + units fixed, gaps dropped    the same cleaning, but rows with a NaN dropped, not imputed
  ground truth                   X_clean of the training rows (the best cleaning can do)

Models: linear (Dense 4 -> 1) and an MLP (4 -> 32 -> 1, ReLU), MSE, Adam with a cosine decay
of the learning rate from 0.01 to 0 (so runs end converged, not mid-step), batch 64.
Table 1: test RMSE in W, mean (and min..max) over fleet seeds. Tables 2 and 3: each
detector and check against the injected anomalies of the training rows, with the default
spikes (8 fleet standard deviations and more) and with subtle ones (3 and more).
Tables 4 and 5: the cleaning reports of the two fullest cleanings.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import minitrain as mt
from minitrain import clean

N_NODES, N_PER_NODE, TEST_FRACTION = 12, 1000, 0.25


def split(fleet: mt.data.SensorFleet) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks of the training rows (dirty) and test rows (last quarter per node,
    duplicates excluded)."""
    last = np.array([fleet.time[fleet.node == k].max() for k in range(N_NODES)])
    test = fleet.time >= (1 - TEST_FRACTION) * (last[fleet.node] + 1)
    return ~test, test & ~fleet.duplicate_mask


def steps(fleet: mt.data.SensorFleet, *, anomalies: bool, units: bool, impute: bool = True
          ) -> list:
    found = []
    if anomalies:
        found += [("duplicates", clean.DropDuplicates())]
    if units:
        found += [("units", clean.FixUnits())]
    if anomalies:
        found += [("bounds", clean.DropOutOfBounds(fleet.bounds)),
                  ("spikes", clean.MAD(threshold=5.0)),
                  ("stuck", clean.DropStuck())]
    if not impute:
        return [*found, ("incomplete", clean.DropIncomplete())]
    fills = [("gaps", clean.Interpolate()), ("edges", clean.ForwardFill()),
             ("impute", clean.Imputer("median"))]
    return [*found, *fills]


def training_sets(fleet, train):
    """(name, X_train, y_train, feature scaler or None, report or None) per variant."""
    X, y = fleet.X[train], fleet.y[train]
    node, time_ = fleet.node[train], fleet.time[train]
    complete = ~np.isnan(X).any(axis=1)
    yield "raw, NaN rows dropped", X[complete], y[complete], None, None
    yield "+ standardized", X[complete], y[complete], clean.Standardizer(), None
    for name, anomalies, units, impute in (("imputed + standardized", False, False, True),
                                           ("+ anomalies removed", True, False, True),
                                           ("+ units fixed", True, True, True),
                                           ("+ units fixed, gaps dropped", True, True, False)):
        cleaned = clean.Pipeline(
            steps(fleet, anomalies=anomalies, units=units, impute=impute)
        ).fit_transform(X, y, node=node, time=time_)
        yield name, cleaned.X, cleaned.y, clean.Standardizer(), cleaned.report
    truth = ~fleet.duplicate_mask[train]
    yield "ground truth", fleet.X_clean[train][truth], y[truth], clean.Standardizer(), None


def models() -> dict[str, mt.Sequential]:
    return {
        "linear": mt.Sequential([mt.Dense(4, 1)]),
        "MLP 32": mt.Sequential([mt.Dense(4, 32, init="he"), mt.ReLU(), mt.Dense(32, 1)]),
    }


def test_rmse(model, X_train, y_train, X_test, y_test, scaler, epochs) -> float:
    if scaler is not None:
        scaler.fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    target = clean.Standardizer().fit(y_train)
    steps_per_epoch = -(-X_train.shape[0] // 64)
    schedule = mt.optim.cosine(0.01, total_steps=epochs * steps_per_epoch)
    history = mt.fit(model, mt.losses.MSE(), mt.optim.Adam(lr=schedule), X_train,
                     target.transform(y_train), epochs=epochs, batch_size=64, seed=0,
                     progress=False)
    pred = target.inverse_transform(model.predict(history.params, X_test))
    return float(np.sqrt(np.mean((pred - y_test) ** 2)))


def detector_table(fleet, train) -> list[tuple[str, clean.DetectorScore, float, float]]:
    """Each detector on the training rows after duplicates and units are handled (and gaps
    filled, for the detectors that need complete rows), against the injected anomalies."""
    pre = clean.Pipeline([("duplicates", clean.DropDuplicates()), ("units", clean.FixUnits())])
    kept = pre.fit_transform(fleet.X[train], node=fleet.node[train], time=fleet.time[train])
    rows = np.flatnonzero(train)[kept.rows]
    filled = clean.Imputer("median").fit_transform(
        clean.interpolate(kept.X, kept.node, kept.time))
    truth, spikes, stuck = fleet.anomaly_mask[rows], fleet.spike_mask[rows], fleet.stuck_mask[rows]
    flagged = {
        "ZScore(3)": clean.ZScore(3.0).fit_predict(kept.X),
        "MAD(3.5)": clean.MAD(3.5).fit_predict(kept.X),
        "MAD(5)": clean.MAD(5.0).fit_predict(kept.X),
        "IQR(1.5)": clean.IQR(1.5).fit_predict(kept.X),
        "Mahalanobis(0.001)": clean.Mahalanobis(0.001).fit_predict(filled),
        "PCAReconstruction(2, 0.99)": clean.PCAReconstruction(2, 0.99).fit_predict(filled),
        "check_bounds": clean.check_bounds(kept.X, fleet.bounds).rows,
        "find_stuck(5)": clean.find_stuck(kept.X, kept.node, min_run=5).rows,
    }
    flagged["bounds | MAD(5) | stuck"] = (flagged["check_bounds"] | flagged["MAD(5)"]
                                          | flagged["find_stuck(5)"])
    return [(name, clean.score_detector(mask, truth),
             mask[spikes].mean(), mask[stuck].mean()) for name, mask in flagged.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, fewer epochs")
    args = parser.parse_args()
    seeds, epochs = ((0,), 10) if args.quick else ((0, 1, 2), 30)
    started = time.perf_counter()

    errors: dict[tuple[str, str], list[float]] = {}
    for seed in seeds:
        fleet = mt.data.make_sensor_fleet(N_NODES, N_PER_NODE, seed)
        train, test = split(fleet)
        for name, X_train, y_train, scaler, _ in training_sets(fleet, train):
            for model_name, model in models().items():
                rmse = test_rmse(model, X_train, y_train, fleet.X_clean[test], fleet.y[test],
                                 scaler, epochs)
                errors.setdefault((name, model_name), []).append(rmse)
        if seed == seeds[0]:
            first_fleet, first_train = fleet, train

    print(first_fleet)
    print(f"\nTest RMSE (W) on ground-truth test rows, mean and range over seeds {seeds}, "
          f"{epochs} epochs; the target noise is 2 W.")
    names = list(dict.fromkeys(name for name, _ in errors))
    print(f"{'training data':<26}" + "".join(f"{m:>22}" for m in models()))
    for name in names:
        cells = []
        for model_name in models():
            values = errors[(name, model_name)]
            cells.append(f"{np.mean(values):8.2f} ({min(values):.2f}..{max(values):.2f})")
        print(f"{name:<26}" + "".join(f"{c:>22}" for c in cells))

    for spike_size in (8.0, 3.0):
        fleet = mt.data.make_sensor_fleet(N_NODES, N_PER_NODE, seeds[0], spike_size=spike_size)
        print(f"\nDetectors on the training rows of seed {seeds[0]}, spike_size={spike_size:g} "
              "(after duplicates dropped and units fixed) vs the injected anomalies; 'spikes' "
              "and 'stuck' are the recall on each kind")
        print(f"{'detector':<28}{'flagged':>8}{'precision':>10}{'recall':>8}{'F1':>7}"
              f"{'spikes':>8}{'stuck':>7}")
        for name, score, spike_recall, stuck_recall in detector_table(fleet, split(fleet)[0]):
            print(f"{name:<28}{score.tp + score.fp:>8}{score.precision:>10.3f}"
                  f"{score.recall:>8.3f}{score.f1:>7.3f}{spike_recall:>8.3f}{stuck_recall:>7.3f}")

    variants = {name: report for name, *_, report in training_sets(first_fleet, first_train)}
    for name in ("+ units fixed", "+ units fixed, gaps dropped"):
        print(f"\nCleaning report of '{name}' on the training rows of seed {seeds[0]}")
        print(variants[name])
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
