"""Feature and model selection on edge data: how optimistic random folds are, what sensors
are worth their bytes, minitrain.select's speed against scikit-learn, and the device pick.

Run:  .venv/bin/python benchmarks/bench_selection.py [--quick]

Table 1, the optimism of random folds. ``make_sensor_fleet(20 nodes x 200 hourly readings)``
with the true readings (``X_clean``: cleaning is another benchmark's subject). Six nodes,
drawn by the fleet seed, are held out: the error on them of the model trained on the other
14 is the **truth**, the error on nodes never seen in training. On the 14 development nodes
the same model is cross-validated by shuffled ``KFold(5)`` (rows of a node on both sides),
``GroupKFold(5)`` over the nodes and ``LeaveOneGroupOut``. Model: MLP d -> 32 -> 32 -> out
(ReLU), Adam lr 3e-3, 15 epochs of batch 64, seed 0; features standardized with the
development rows' statistics (the same for every estimate). Regression: power (W), error =
RMSE in W (the target standardized for training, errors converted back). Classification:
fault 0/1, error = 1 - accuracy. Two sensor sets: all four, and without the vibration sensor
(the costly one, ``mt.data.SENSOR_COSTS``). Each cell: mean over 5 fleet seeds (min..max);
"optimism" = truth - estimate (positive: the estimate promised too much), and how many of
the seeds the estimate was below the truth.

Table 2, sensors against bytes. Fleet regression (16 nodes x 200, ``X_clean``); for each
number k of sensors kept, the columns chosen by the F filter (``SelectKBest(f_regression)``),
by L1 (the first k to enter the ``lasso_path`` on standardized columns) and by ``RFE``
(ridge, alpha 1e-3); the error is the ``GroupKFold(4)`` RMSE (W) of ridge (closed form) on
the chosen columns, and the bytes are the chosen sensors' payload per reading.

Table 3, speed against scikit-learn (median of 5 alternating runs, one process, BLAS threads
as found): ``lasso_path`` on digits (1797 x 64, target = the digit, 100 alphas of the
LassoCV grid, tol 1e-4) against ``sklearn.linear_model.lasso_path`` on the centred data
(centring included in its time); ``cross_validate`` of a digits MLP 64 -> 64 -> 10 (Adam lr
1e-3, batch 32, 10 epochs, float32, ``StratifiedKFold(5)``) against scikit-learn's
``cross_validate(MLPClassifier(...))`` with the same folds (checked), epochs, batch size and
no L2 penalty or early stopping.

Table 4, the device pick: ``grid_search`` on digits (float32, pixels / 16) over width {32,
128} x depth {1, 2} x sparsity {0, 0.8}, 5 stratified folds, 10 epochs of batch 32; the
table, the best overall, the best that fits a Cortex-M4 (storage, and training memory for
batch 32 in its RAM), and the one-standard-error choice within it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings

import numpy as np

import minitrain as mt
from minitrain import select

# ----- table 1: the optimism of random folds ----------------------------------------------------

N_NODES, N_PER_NODE, N_HELD_OUT = 20, 200, 6
SENSOR_SETS = {"all four sensors": [0, 1, 2, 3], "without vibration": [0, 1, 3]}
ESTIMATES = ("KFold (shuffled)", "GroupKFold", "LeaveOneGroupOut")


def optimism_run(seed: int, task: str, columns: list[int]) -> dict[str, float]:
    """The three CV estimates on the development nodes and the truth on held-out nodes."""
    fleet = mt.data.make_sensor_fleet(N_NODES, N_PER_NODE, seed=seed, task=task)
    held_out = np.random.default_rng(seed).permutation(N_NODES)[:N_HELD_OUT]
    test = np.isin(fleet.node, held_out)
    X = fleet.X_clean[:, columns]
    X = (X - X[~test].mean(axis=0)) / X[~test].std(axis=0)
    if task == "regression":
        scale = float(fleet.y[~test].std())
        y = (fleet.y - fleet.y[~test].mean()) / scale
        loss, n_out = mt.losses.MSE(), 1
    else:
        scale, y, loss, n_out = 1.0, fleet.y, mt.losses.CrossEntropy(), 2
    model = mt.Sequential([mt.Dense(len(columns), 32), mt.ReLU(), mt.Dense(32, 32), mt.ReLU(),
                           mt.Dense(32, n_out)])  # fmt: skip
    opt = mt.optim.Adam(lr=3e-3)
    train = {"epochs": 15, "batch_size": 64, "seed": 0}
    X_dev, y_dev, node_dev = X[~test], y[~test], fleet.node[~test]
    splitters = (select.KFold(5, shuffle=True, seed=0), select.GroupKFold(5),
                 select.LeaveOneGroupOut())  # fmt: skip
    out = {}
    for name, cv in zip(ESTIMATES, splitters):
        result = select.cross_validate(model, loss, opt, X_dev, y_dev, cv, node_dev, **train)
        out[name] = result.mean_error * scale
    params = mt.fit(model, loss, opt, X_dev, y_dev, progress=False, **train).params
    metric = loss.metric_value(model.predict(params, X[test]), y[test])
    out["truth"] = metric * scale if task == "regression" else 1 - metric
    return out


def optimism_table(seeds: list[int]) -> None:
    print("\nTable 1. Estimated error against the truth on held-out nodes "
          f"({N_NODES} nodes x {N_PER_NODE}, {N_HELD_OUT} held out; {len(seeds)} fleet seeds)")
    for task, unit in (("regression", "RMSE, W"), ("classification", "error rate")):
        for sensors, columns in SENSOR_SETS.items():
            runs = [optimism_run(seed, task, columns) for seed in seeds]
            truth = np.array([r["truth"] for r in runs])
            print(f"\n  {task} ({unit}), {sensors}")
            print(f"  {'estimate':<20}{'mean (min..max)':>24}{'optimism mean (min..max)':>30}"
                  f"{'below truth':>13}")
            for name in (*ESTIMATES, "truth"):
                values = np.array([r[name] for r in runs])
                gap = truth - values
                cells = f"{values.mean():.4g} ({values.min():.4g}..{values.max():.4g})"
                gaps = ("" if name == "truth" else
                        f"{gap.mean():+.3g} ({gap.min():+.3g}..{gap.max():+.3g})")
                below = "" if name == "truth" else f"{int((gap > 0).sum())}/{len(seeds)}"
                print(f"  {name:<20}{cells:>24}{gaps:>30}{below:>13}")


# ----- table 2: sensors against bytes ---------------------------------------------------------


def ridge_group_rmse(X: np.ndarray, y: np.ndarray, node: np.ndarray) -> float:
    errors = []
    for train, test in select.GroupKFold(4).split(X, y, node):
        w, b = select.ridge_coef(X[train], y[train], 1e-3)
        errors.append(np.mean((y[test] - X[test] @ w - b) ** 2))
    return float(np.sqrt(np.mean(errors)))


def sensors_table() -> None:
    fleet = mt.data.make_sensor_fleet(16, 200, seed=0)
    X, y, node = fleet.X_clean, fleet.y[:, 0], fleet.node
    nbytes, energy = mt.data.sensor_costs(fleet.columns)
    standardized = (X - X.mean(axis=0)) / X.std(axis=0)
    path = select.lasso_path(standardized, y, n_alphas=200, eps=1e-4)
    entry = [int(np.argmax(path.coefs[:, j] != 0)) if np.any(path.coefs[:, j] != 0)
             else len(path.alphas) for j in range(X.shape[1])]  # fmt: skip
    l1_order = list(np.argsort(entry, kind="stable"))
    print("\nTable 2. Fleet regression: GroupKFold(4) RMSE of ridge (W) on the sensors each "
          "method keeps")
    print(f"  {'k':>2}  {'method':<8}{'sensors':<42}{'bytes/reading':>14}{'mJ/reading':>12}"
          f"{'RMSE, W':>9}")
    for k in range(1, X.shape[1] + 1):
        choices = {
            "filter": select.SelectKBest("f_regression", k=k).fit(X, y).get_support(indices=True),
            "L1": np.sort(l1_order[:k]),
            "RFE": select.RFE(k, alpha=1e-3).fit(standardized, y).get_support(indices=True),
        }
        for method, kept in choices.items():
            names = ", ".join(fleet.columns[j] for j in kept)
            print(f"  {k:>2}  {method:<8}{names:<42}{int(nbytes[kept].sum()):>14}"
                  f"{energy[kept].sum():>12.3f}{ridge_group_rmse(X[:, kept], y, node):>9.3f}")


# ----- table 3: speed against scikit-learn ------------------------------------------------


def median_seconds(calls: dict[str, object], repeats: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeats):
        for name, call in calls.items():  # alternate, so load shifts both alike
            start = time.perf_counter()
            call()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def speed_table(repeats: int) -> None:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import lasso_path as sk_lasso_path
    from sklearn.model_selection import StratifiedKFold as SkStratifiedKFold
    from sklearn.model_selection import cross_validate as sk_cross_validate
    from sklearn.neural_network import MLPClassifier

    X, labels = mt.data.load_digits()
    y = labels.astype(np.float64)

    def ours_path():
        return select.lasso_path(X, y, n_alphas=100)

    def sklearn_path():
        Xc, yc = X - X.mean(axis=0), y - y.mean()
        return sk_lasso_path(Xc, yc, alphas=select.alpha_grid(X, y, n_alphas=100))

    mine, theirs = ours_path(), sklearn_path()
    # the same problem: same grid, and supports that agree at the loose default tol
    agree = np.mean((mine.coefs != 0) == (theirs[1].T != 0))
    path_times = median_seconds({"minitrain": ours_path, "scikit-learn": sklearn_path}, repeats)

    X32 = (X / 16).astype(np.float32)
    epochs, batch = 10, 32
    model = mt.Sequential([mt.Dense(64, 64), mt.ReLU(), mt.Dense(64, 10)])
    folds = list(select.StratifiedKFold(5).split(X32, labels))
    sk_folds = list(SkStratifiedKFold(5).split(X32, labels))
    same_folds = all(np.array_equal(a[1], b[1]) for a, b in zip(folds, sk_folds))

    def ours_cv():
        return select.cross_validate(model, mt.losses.CrossEntropy(), mt.optim.Adam(lr=1e-3),
                                     X32, labels, select.StratifiedKFold(5), epochs=epochs,
                                     batch_size=batch)  # fmt: skip

    def sklearn_cv():
        clf = MLPClassifier((64,), solver="adam", alpha=0.0, batch_size=batch,
                            learning_rate_init=1e-3, max_iter=epochs, tol=0.0,
                            n_iter_no_change=epochs + 1, random_state=0)  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return sk_cross_validate(clf, X32, labels, cv=SkStratifiedKFold(5))

    cv_ours, cv_theirs = ours_cv(), sklearn_cv()
    cv_times = median_seconds({"minitrain": ours_cv, "scikit-learn": sklearn_cv}, repeats)
    print(f"\nTable 3. Speed against scikit-learn (median of {repeats} alternating runs)")
    print(f"  {'task':<58}{'minitrain':>11}{'sklearn':>10}{'ratio':>8}")
    rows = [
        ("lasso_path, digits, 100 alphas, tol 1e-4", path_times),
        ("cross_validate, digits MLP 64-64-10, 5 folds x 10 epochs", cv_times),
    ]
    for name, times in rows:
        print(f"  {name:<58}{times['minitrain'] * 1e3:>9.1f}ms{times['scikit-learn'] * 1e3:>8.1f}"
              f"ms{times['minitrain'] / times['scikit-learn']:>7.2f}x")
    print(f"  lasso_path supports agree on {agree:.1%} of (alpha, column) cells; folds identical: "
          f"{same_folds}; CV accuracy minitrain {cv_ours.mean:.3f}, scikit-learn "
          f"{np.mean(cv_theirs['test_score']):.3f}")


# ----- table 4: the device pick ----------------------------------------------------------


def mlp(width: int = 64, depth: int = 1) -> tuple[mt.Sequential, object]:
    layers, n_in = [], 64
    for _ in range(depth):
        layers += [mt.Dense(n_in, width, init="he"), mt.ReLU()]
        n_in = width
    return mt.Sequential([*layers, mt.Dense(n_in, 10)]), mt.optim.Adam(lr=1e-3)


def device_table(quick: bool) -> None:
    X, y = mt.data.load_digits(dtype=np.float32)
    X = X / np.float32(16)
    grid = {"width": [32, 128], "depth": [1, 2], "sparsity": [0.0, 0.8]}
    if quick:
        grid = {"width": [32, 128], "depth": [1, 2], "sparsity": [0.0]}
    start = time.perf_counter()
    result = select.grid_search(mlp, grid, mt.losses.CrossEntropy(), X, y, cv=5, epochs=10,
                                batch_size=32)  # fmt: skip
    seconds = time.perf_counter() - start
    print(f"\nTable 4. Digits: {len(result.rows)} configurations, 5-fold CV accuracy, "
          f"footprints for batch 32 ({seconds:.0f} s)")
    print("  " + str(result).replace("\n", "\n  "))
    m4 = mt.compress.DEVICES["cortex-m4"]
    print(f"  cortex-m4: {m4.storage_bytes:,} B flash, {m4.ram_bytes:,} B RAM")
    picks = {
        "best overall": result.best(),
        "best that stores on the cortex-m4": result.best(within="cortex-m4"),
        "best that trains on the cortex-m4": result.best(within="cortex-m4", training=True),
        "one-SE rule, trains on the cortex-m4": result.one_se(within="cortex-m4", training=True),
    }
    for name, row in picks.items():
        print(f"  {name:<38} {row.config}: accuracy {row.cv.mean:.3f} ± {row.se:.3f}, "
              f"{row.bytes:,} B, training RAM {row.training_bytes:,} B")
    print("  Pareto front (error vs bytes): " + "; ".join(
        f"{r.config} {r.bytes:,} B {r.cv.mean:.3f}" for r in result.pareto()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 fleet seeds, a smaller grid")
    args = parser.parse_args()
    print(f"numpy {np.__version__}; cpus {os.cpu_count()}; load average "
          f"{os.getloadavg()[0]:.2f}")
    optimism_table(list(range(2 if args.quick else 5)))
    sensors_table()
    speed_table(repeats=3 if args.quick else 5)
    device_table(args.quick)


if __name__ == "__main__":
    main()
