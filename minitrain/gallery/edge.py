"""Gallery figures of the edge concerns: anomaly detection on a sensor fleet, pruning and
quantization of a digits MLP, and federated training across simulated edge devices.

Each function computes its data from fixed seeds and returns a Figure. Runs shared by two
figures are computed once (cached: they are deterministic).
"""

from __future__ import annotations

from functools import cache

import numpy as np
from matplotlib.figure import Figure

import minitrain as mt

from .. import plotting
from .._types import Params
from ..plotting.comparisons import legend_below

SPARSITIES = np.array([0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.97])
FINE_TUNE_EPOCHS = 5
FED_CLIENTS, FED_FRACTION, FED_ROUNDS = 50, 0.1, 100
TARGET_ACCURACY = 0.9


# ----- detectors ------------------------------------------------------------------------------


def detector_scores() -> Figure:
    fleet = mt.data.make_sensor_fleet(n_nodes=6, n_per_node=250, seed=0)
    # Units first: a node reporting degF would otherwise be "anomalous" as a whole.
    X = mt.clean.FixUnits().fit(fleet.X, node=fleet.node).transform(fleet.X, node=fleet.node)
    detector = mt.clean.MAD(threshold=3.5).fit(X)
    scores = detector.score(X)
    observed = ~np.isnan(scores)  # rows with every column missing have no score
    return plotting.detector_scores(
        scores[observed],
        detector.predict(X)[observed],
        fleet.spike_mask[observed],
        detector.threshold_,
        title="MAD detector on a 6-node sensor fleet vs the injected spikes",
        xlabel="reading (rows ordered by node, then hour)",
        ylabel="modified z-score, largest over columns (MADs)",
    )


# ----- compression ----------------------------------------------------------------------------


def _digits32() -> tuple[np.ndarray, ...]:
    X, y = mt.data.load_digits(dtype=np.float32)
    return mt.data.train_test_split(
        X / np.float32(16), y, test_fraction=0.25, seed=0, stratify=True
    )


def _train_mlp(hidden: int) -> tuple[mt.Sequential, Params]:
    X_train, _, y_train, _ = _digits32()
    model = mt.Sequential([mt.Dense(64, hidden, init="he"), mt.ReLU(), mt.Dense(hidden, 10)])
    history = mt.fit(
        model, mt.losses.CrossEntropy(), mt.optim.Adam(lr=2e-3), X_train, y_train,
        epochs=20, batch_size=32, seed=0, progress=False,
    )  # fmt: skip
    return model, history.params


def _accuracy(model: mt.Sequential, params: Params) -> float:
    _, X_test, _, y_test = _digits32()
    return float(np.mean(model.predict(params, X_test).argmax(axis=1) == y_test))


@cache
def _pruning() -> dict[str, np.ndarray]:
    """Accuracy and bytes of the 64-128-10 MLP pruned one-shot to each of SPARSITIES."""
    X_train, _, y_train, _ = _digits32()
    model, dense = _train_mlp(128)
    rows = {key: [] for key in ("no_ft", "ft", "ft_int8", "sparse_bytes", "sparse_int8_bytes")}
    for sparsity in SPARSITIES:
        masks = mt.compress.magnitude_masks(dense, float(sparsity), scope="global")
        tuned = mt.compress.prune_then_finetune(
            model, mt.losses.CrossEntropy(), mt.optim.Adam(lr=1e-3), X_train, y_train, dense,
            float(sparsity), epochs=FINE_TUNE_EPOCHS, batch_size=32, seed=0, progress=False,
        ).params  # fmt: skip
        size = mt.compress.footprint(model, tuned)
        rows["no_ft"].append(_accuracy(model, mt.compress.apply_masks(dense, masks)))
        rows["ft"].append(_accuracy(model, tuned))
        rows["ft_int8"].append(_accuracy(model, mt.compress.fake_quantize(tuned)))
        rows["sparse_bytes"].append(size.sparse_bytes)
        rows["sparse_int8_bytes"].append(size.sparse_int8_bytes)
    dense_size = mt.compress.footprint(model, dense)
    rows["dense"] = [_accuracy(model, dense), dense_size.dense_bytes]
    rows["int8"] = [_accuracy(model, mt.compress.fake_quantize(dense)), dense_size.int8_bytes]
    return {key: np.array(values, dtype=float) for key, values in rows.items()}


def sparsity_vs_accuracy() -> Figure:
    results = _pruning()
    return plotting.sparsity_vs_accuracy(
        {
            "one-shot magnitude pruning, no fine-tuning": (SPARSITIES, results["no_ft"]),
            f"one-shot + {FINE_TUNE_EPOCHS} epochs fine-tuning (masked Adam)": (
                SPARSITIES,
                results["ft"],
            ),
        },
        dense_accuracy=float(results["dense"][0]),
        title="Digits MLP 64-128-10: test accuracy as weights are pruned (global)",
    )


def accuracy_vs_bytes() -> Figure:
    results = _pruning()
    pruned = SPARSITIES > 0
    small = {}
    for hidden in (8, 16, 32):
        model, params = _train_mlp(hidden)
        small[hidden] = (mt.compress.footprint(model, params).dense_bytes, _accuracy(model, params))
    points = {
        "dense float32 (64-128-10)": (results["dense"][1], results["dense"][0]),
        "int8 (per-tensor)": (results["int8"][1], results["int8"][0]),
        "pruned 50-97% + fine-tuned, sparse float32": (
            results["sparse_bytes"][pruned],
            results["ft"][pruned],
        ),
        "pruned + fine-tuned + int8, sparse int8": (
            results["sparse_int8_bytes"][pruned],
            results["ft_int8"][pruned],
        ),
        "smaller dense MLPs (8, 16, 32 hidden units)": (
            np.array([b for b, _ in small.values()], dtype=float),
            np.array([a for _, a in small.values()]),
        ),
    }
    return plotting.accuracy_vs_bytes(
        points, title="Digits MLP: test accuracy against storage, and the Pareto front"
    )


# ----- federated training ---------------------------------------------------------------------


def _digits64() -> tuple[np.ndarray, ...]:
    X, y = mt.data.load_digits()
    return mt.data.train_test_split(X / 16.0, y, test_fraction=0.2, seed=0, stratify=True)


def _federated_model() -> mt.Sequential:
    return mt.Sequential([mt.Dense(64, 32, init="he"), mt.ReLU(), mt.Dense(32, 10)])


@cache
def _federated(
    algorithm: str, scheme: str, compression: str = "dense", devices: str = "raspberry-pi",
    deadline: float | None = None, rounds: int = FED_ROUNDS, float32: bool = False,
) -> mt.distributed.DistributedHistory:  # fmt: skip
    """One deterministic run on digits over FED_CLIENTS clients (C = 0.1 per round).

    FedSGD: one full-batch gradient step per client, local GD(lr 0.5). FedAvg: E = 5 local
    epochs of minibatches of 10, local SGD(lr 0.2). Each rate is the best of a small grid
    ({0.5, 1, 2} and {0.05, 0.1, 0.2}) on both splits.
    """
    X_train, X_test, y_train, y_test = _digits32() if float32 else _digits64()
    fleet = (
        ["raspberry-pi"] * (FED_CLIENTS - FED_CLIENTS // 5) + ["cortex-m4"] * (FED_CLIENTS // 5)
        if devices == "mixed"
        else devices
    )
    cluster = mt.distributed.make_cluster(
        X_train, y_train, FED_CLIENTS, scheme=scheme, seed=0, devices=fleet
    )
    if algorithm == "FedSGD":
        local = {"local_opt": mt.optim.GD(lr=0.5), "epochs": 1, "batch_size": None}
    else:
        local = {"local_opt": mt.optim.SGD(lr=0.2), "epochs": 5, "batch_size": 10}
    codecs = {
        "dense": None,
        "top-1%": mt.distributed.TopK(0.01),
        "int8": mt.distributed.Int8(),
    }
    return mt.distributed.fedavg(
        _federated_model(),
        mt.losses.CrossEntropy(),
        cluster,
        rounds=rounds,
        fraction=FED_FRACTION,
        seed=0,
        validation=(X_test, y_test),
        compression=codecs[compression],
        faults=None if deadline is None else mt.distributed.Faults(deadline=deadline),
        **local,
    )


def fedavg_vs_fedsgd_rounds() -> Figure:
    panels = {
        title: {
            name: np.array(_federated(name, scheme).val_metric) for name in ("FedSGD", "FedAvg")
        }
        for title, scheme in (
            ("IID (shuffled)", "iid"),
            ("non-IID (2 label shards per client)", "shards"),
        )
    }
    return plotting.rounds_to_accuracy(
        panels,
        target=TARGET_ACCURACY,
        title=f"Digits on {FED_CLIENTS} clients, {FED_FRACTION:.0%} per round: FedSGD vs "
        "FedAvg (E = 5, B = 10)",
    )


STRAGGLER_DEADLINE = 0.25  # s: every Raspberry Pi path fits, no MCU path does


def time_to_accuracy_stragglers() -> Figure:
    curves = {}
    for name, deadline in (
        ("wait for every client", None),
        (f"deadline {STRAGGLER_DEADLINE} s (late clients dropped)", STRAGGLER_DEADLINE),
    ):
        history = _federated("FedAvg", "iid", devices="mixed", deadline=deadline, rounds=60)
        curves[name] = (np.array(history.elapsed), np.array(history.val_metric))
    figure = plotting.time_to_accuracy(
        curves,
        target=TARGET_ACCURACY,
        title="FedAvg on 40 Raspberry Pis + 10 MCUs (250 kbit/s links)",
    )
    return legend_below(figure)  # the curves' first segments fill the lower right corner


def bytes_under_compression() -> Figure:
    curves = {}
    for name, codec in (
        ("dense float32 updates", "dense"),
        ("8-bit updates", "int8"),
        ("top-1% updates with error feedback", "top-1%"),
    ):  # float32, as a device's updates travel: the baseline is not inflated by float64
        history = _federated("FedAvg", "iid", compression=codec, float32=True)
        uploaded = np.cumsum(np.array(history.bytes_up, dtype=float))
        curves[name] = (uploaded, np.array(history.val_metric))
    return plotting.bytes_under_compression(
        curves,
        target=TARGET_ACCURACY,
        title="FedAvg on digits: accuracy against bytes uploaded, by update encoding",
        xlabel="bytes sent upstream, cumulative (B, clients → gateway → cloud)",
    )
