"""The whole story in one run (``minitrain demo``): a fleet of edge sensors with dirty, non-IID
data -> cleaning and anomaly detection, scored against the faults the simulator injected ->
federated averaging across simulated edge devices, some of them slow -> magnitude pruning and
int8 quantization -> after deployment, the world of one device drifts and the deployed model
adapts on the device within its memory budget (``demo_drift``) -> one table of error, size,
compute, bytes sent, simulated time and the device classes each model fits, one of the
device classes each adaptation strategy trains on, and figures in a folder.

    from minitrain.demo import DemoSettings, run
    rows = run(DemoSettings(optimizer="adam", nodes=8, sparsity=0.8, out="demo_output"))

Every number comes from seeded generators: the same settings print the same table.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import clean, compress, data, optim
from . import distributed as dist
from ._types import Params
from ._validate import check_choice, check_in_range, check_int
from .demo_drift import adaptation_table, run_drift_stage, story
from .layers import Dense, ReLU, Sequential
from .losses import MSE

__all__ = ["OPTIMIZERS", "DemoSettings", "ResultRow", "device_classes", "run", "straggler_deadline"]

# Local steppers the nodes can run, with learning rates that suit standardized data.
OPTIMIZERS: dict[str, Callable[[], Any]] = {
    "sgd": lambda: optim.SGD(lr=0.02, momentum=0.9),
    "adam": lambda: optim.Adam(lr=3e-3),
    "adamw": lambda: optim.AdamW(lr=3e-3, weight_decay=1e-4),
    "rmsprop": lambda: optim.RMSprop(lr=1e-3),
    "adagrad": lambda: optim.Adagrad(lr=0.05),
    "gd": lambda: optim.GD(lr=0.05),
}
# 64 hidden units: ample for 4 inputs, and 32 x 64 x 64 products stay below the size at which
# OpenBLAS splits a matrix product over threads (slower for small products on a busy machine).
HIDDEN, BATCH, LOCAL_EPOCHS, READINGS_PER_NODE = 64, 32, 2, 600
SHORT = {"cortex-m0+": "M0+", "cortex-m4": "M4", "cortex-m7": "M7", "raspberry-pi": "Pi",
         "phone": "phone"}  # fmt: skip
# The table's device classes: the registry's edge devices, and below them the smallest MCUs,
# where the dense float32 model (18 KB) does not fit in flash and the pruned or int8 ones do,
# so the "runs on" column tells the models apart.
TABLE_DEVICES = (
    compress.Device("cortex-m0+", 2 * 1024, 16 * 1024, 16e6,
                    "smallest Cortex-M0+ MCUs, e.g. STM32L011: 2 KB SRAM, 16 KB flash"),
    *(device for device in compress.DEVICES.values() if device.name in SHORT),
)  # fmt: skip


@dataclass(frozen=True)
class DemoSettings:
    """What ``minitrain demo`` can change: the nodes' local stepper (a key of ``OPTIMIZERS``),
    the number of sensor nodes (3 to 64), the pruning sparsity in [0, 1), the seed (>= 0),
    the number of federated rounds (>= 1) and the output folder for the figures."""

    optimizer: str = "sgd"
    nodes: int = 8
    sparsity: float = 0.8
    seed: int = 0
    rounds: int = 30
    out: str | Path = "demo_output"

    def __post_init__(self) -> None:
        check_choice("optimizer", self.optimizer, tuple(OPTIMIZERS))
        check_int("nodes", self.nodes, minimum=3, maximum=64)
        check_in_range("sparsity", self.sparsity, 0.0, 1.0)
        check_int("seed", self.seed, minimum=0)
        check_int("rounds", self.rounds, minimum=1)


@dataclass(frozen=True)
class ResultRow:
    """One line of the final table (errors in W on the true test readings)."""

    name: str
    rmse: float
    model_bytes: int
    macs: int
    bytes_sent: int
    seconds: float
    runs_on: tuple[str, ...]
    trains_on: tuple[str, ...] | None  # None: not a format one trains in (int8)


@dataclass
class _Prepared:
    """Standardized training rows of one cleaning, their node ids, and the scalers."""

    X: np.ndarray
    y: np.ndarray
    node: np.ndarray
    scale_x: clean.Standardizer
    scale_y: clean.Standardizer
    histories: list = field(default_factory=list)


def section(title: str) -> None:
    print(f"\n{'=' * 78}\n{title}\n{'=' * 78}", flush=True)


def model_for(hidden: int = HIDDEN) -> Sequential:
    return Sequential([Dense(4, hidden, init="he"), ReLU(), Dense(hidden, hidden, init="he"),
                       ReLU(), Dense(hidden, 1)])  # fmt: skip


def _split(fleet: data.SensorFleet) -> tuple[np.ndarray, np.ndarray]:
    """Training rows (the first three quarters of each node's stream, dirty) and test rows
    (the last quarter, duplicates excluded; scored on the true readings)."""
    last = np.array([fleet.time[fleet.node == k].max() for k in np.unique(fleet.node)])
    late = fleet.time >= 0.75 * (last[fleet.node] + 1)
    return ~late, late & ~fleet.duplicate_mask


def _cleaning_steps(bounds: Any) -> list[tuple[str, Any]]:
    return [
        ("duplicates", clean.DropDuplicates()),
        ("units", clean.FixUnits()),
        ("bounds", clean.DropOutOfBounds(bounds)),
        ("spikes", clean.MAD(5.0)),
        ("stuck", clean.DropStuck()),
        ("gaps", clean.Interpolate()),
        ("edges", clean.ForwardFill()),
        ("impute", clean.Imputer("median")),
    ]


def _detector_table(fleet: data.SensorFleet, train: np.ndarray) -> tuple[dict, dict]:
    """Each detector of the pipeline on the training rows (duplicates dropped, units fixed),
    scored against the injected anomalies; also the MAD scores for the figure."""
    first = clean.Pipeline([("duplicates", clean.DropDuplicates()), ("units", clean.FixUnits())])
    kept = first.fit_transform(fleet.X[train], node=fleet.node[train], time=fleet.time[train])
    truth = fleet.anomaly_mask[np.flatnonzero(train)[kept.rows]]
    mad = clean.MAD(5.0).fit(kept.X)
    flags = {
        "out of bounds": clean.check_bounds(kept.X, fleet.bounds).rows,
        "MAD spikes (5 MADs)": mad.predict(kept.X),
        "stuck runs (>= 5)": clean.find_stuck(kept.X, kept.node, min_run=5).rows,
    }
    flags["all three"] = np.logical_or.reduce(list(flags.values()))
    scores = {name: clean.score_detector(mask, truth) for name, mask in flags.items()}
    figure = {"scores": mad.score(kept.X), "flags": flags["MAD spikes (5 MADs)"],
              "truth": truth, "threshold": mad.threshold_}  # fmt: skip
    return scores, figure


def _prepare(cleaned: clean.Cleaned) -> _Prepared:
    scale_x, scale_y = clean.Standardizer().fit(cleaned.X), clean.Standardizer().fit(cleaned.y)
    return _Prepared(scale_x.transform(cleaned.X), scale_y.transform(cleaned.y), cleaned.node,
                     scale_x, scale_y)  # fmt: skip


def device_classes(nodes: int) -> list[str]:
    """Raspberry Pis, phones (unavailable 20% of rounds) and Cortex-M4 microcontrollers on a
    250 kbit/s radio (unavailable 10% of rounds, and the stragglers), in turn."""
    return [("raspberry-pi", "phone", "cortex-m4")[k % 3] for k in range(nodes)]


def _federate(settings: DemoSettings, prepared: _Prepared, test: tuple, **options: Any):
    shards = data.partition(prepared.y[:, 0], settings.nodes, "by_node", node=prepared.node)
    topology = dist.make_topology(settings.nodes, device_classes(settings.nodes))
    cluster = dist.Cluster(prepared.X, prepared.y, shards, topology)
    X_test = prepared.scale_x.transform(test[0])
    y_test = prepared.scale_y.transform(test[1])
    options.setdefault("local_opt", OPTIMIZERS[settings.optimizer]())
    return dist.fedavg(model_for(), MSE(), cluster, epochs=LOCAL_EPOCHS, batch_size=BATCH,
                       fraction=1.0, seed=settings.seed, validation=(X_test, y_test),
                       **options)  # fmt: skip


def _rmse_watts(params: Params, prepared: _Prepared, test: tuple) -> float:
    pred = prepared.scale_y.inverse_transform(
        model_for().predict(params, prepared.scale_x.transform(test[0])))  # fmt: skip
    return float(np.sqrt(np.mean((pred - test[1]) ** 2)))


def _fits(model: Sequential, params: Params, stored_bytes: int, opt: Any) -> tuple:
    """(device classes that store and run it, device classes that can train it or None)."""
    counts = compress.footprint(model, params, opt, batch_size=BATCH)
    runs = tuple(SHORT[d.name] for d in TABLE_DEVICES
                 if stored_bytes <= d.storage_bytes and counts.inference_ram_bytes <= d.ram_bytes)
    trains = tuple(SHORT[d.name] for d in TABLE_DEVICES
                   if counts.training_bytes <= d.ram_bytes)  # fmt: skip
    return runs, trains


def run(settings: DemoSettings | None = None) -> list[ResultRow]:
    """Run the demo, print its sections and final table, write its figures; return the rows."""
    settings = DemoSettings() if settings is None else settings
    out = Path(settings.out)
    started = time.perf_counter()

    section(f"1. A fleet of {settings.nodes} edge sensor nodes (dirty, non-IID data)")
    fleet = data.make_sensor_fleet(settings.nodes, READINGS_PER_NODE, settings.seed,
                                   dtype=np.float32)  # fmt: skip
    print(fleet)
    train, test_rows = _split(fleet)
    test = (fleet.X_clean[test_rows], fleet.y[test_rows])
    print(f"training rows {train.sum()} (dirty); test rows {test_rows.sum()}, the last quarter "
          "of every node, scored on the true readings")  # fmt: skip

    section("2. Cleaning and anomaly detection, scored against the injected faults")
    X, y, node, hour = fleet.X[train], fleet.y[train], fleet.node[train], fleet.time[train]
    cleaned = clean.Pipeline(_cleaning_steps(fleet.bounds)).fit_transform(X, y, node=node,
                                                                          time=hour)  # fmt: skip
    print(cleaned.report)
    scores, detector_figure = _detector_table(fleet, train)
    print("\nThe report counts each step on the rows the steps before it left: a row dropped out "
          "of bounds\nis not flagged again as a spike. The table below runs each detector alone "
          "on the same rows\n(duplicates dropped, units fixed), scored against the injected "
          "faults: a row two detectors\ncatch counts for both, and 'all three' is their union, "
          "so its counts differ from the report's.")  # fmt: skip
    print(f"\n{'detector':<22}{'flagged':>8}{'precision':>11}{'recall':>8}{'F1':>7}")
    for name, s in scores.items():
        print(f"{name:<22}{s.tp + s.fp:>8}{s.precision:>11.3f}{s.recall:>8.3f}{s.f1:>7.3f}")
    dirty = clean.Pipeline([("impute", clean.Imputer("median"))]).fit_transform(
        X, y, node=node, time=hour)  # fmt: skip
    prepared = {"dirty": _prepare(dirty), "clean": _prepare(cleaned)}
    raw_bytes = fleet.X[train].nbytes + fleet.y[train].nbytes

    section(f"3. Federated averaging across {settings.nodes} simulated edge devices")
    devices = device_classes(settings.nodes)
    print("devices: " + ", ".join(f"{n} x{devices.count(n)}" for n in dict.fromkeys(devices)))
    print(f"FedAvg: local {OPTIMIZERS[settings.optimizer]()!r}, {LOCAL_EPOCHS} epochs of "
          f"batches of {BATCH} per round, {settings.rounds} rounds; MLP 4-{HIDDEN}-{HIDDEN}-1")
    deadline = straggler_deadline(settings, prepared["clean"].node)
    runs = {}
    for label, which, faults in (
        ("dirty data, wait for all", "dirty", None),
        ("cleaned, wait for all", "clean", None),
        (f"cleaned, deadline {deadline:.2g} s", "clean", dist.Faults(deadline=deadline)),
    ):
        tick = time.perf_counter()
        runs[label] = (_federate(settings, prepared[which], test, rounds=settings.rounds,
                                 faults=faults), which)  # fmt: skip
        history = runs[label][0]
        print(f"  {label:<32} {history.elapsed[-1]:8.1f} s simulated, "
              f"{history.total_bytes[-1] / 1e6:6.2f} MB sent "
              f"({time.perf_counter() - tick:.1f} s of real time)")  # fmt: skip
    print(f"(for comparison, uploading every raw training reading once would move "
          f"{raw_bytes / 1e3:.0f} KB: with this little data per node, federated learning is "
          "about keeping the data local, not about saving bytes)")  # fmt: skip

    section(f"4. Pruning ({settings.sparsity:.0%} of the hidden weights) and int8 quantization")
    base, _ = runs["cleaned, wait for all"]
    # One threshold over the hidden layers' weights; the output layer (64 weights, the
    # smallest of the network) is kept, or a global threshold would remove all of it.
    hidden = [key for key in base.params if key.endswith(".W")][:-1]
    masks = compress.magnitude_masks(base.params, settings.sparsity, scope="global", keys=hidden)
    local = compress.masked(OPTIMIZERS[settings.optimizer](), masks)
    tune_rounds = max(1, settings.rounds // 2)
    tuned = _federate(settings, prepared["clean"], test, rounds=tune_rounds, local_opt=local,
                      params=compress.apply_masks(base.params, masks))  # fmt: skip
    quantized = compress.fake_quantize(tuned.params)
    print(f"global magnitude pruning of the hidden layers ({', '.join(hidden)}), then federated "
          f"fine-tuning under the mask for {tune_rounds} rounds; zero weights: "
          f"{compress.zero_fraction(tuned.params, hidden):.1%} of the hidden layers, "
          f"{compress.zero_fraction(tuned.params):.1%} of all")  # fmt: skip
    print("int8: symmetric, one scale per tensor (the pruned zeros stay zeros)")

    rows = _rows(settings, runs, prepared, test, tuned, quantized, local)
    section("5. After deployment: a machine is serviced, and the devices adapt on their budget")
    drift = run_drift_stage(model_for(), base.params, prepared["clean"].scale_x,
                            prepared["clean"].scale_y, nodes=settings.nodes, seed=settings.seed,
                            devices=devices, table_devices=TABLE_DEVICES, short=SHORT,
                            readings_per_node=READINGS_PER_NODE)  # fmt: skip
    print(story(drift, READINGS_PER_NODE))

    section("6. Results (test error on the true readings of the last quarter of every node)")
    print(table(rows))
    print(summary(rows))
    print()
    print(adaptation_table(drift))
    from .demo_figures import write_figures  # matplotlib only once the numbers are printed

    written = write_figures(out, detector_figure, runs, prepared, rows, drift)
    print(f"\nfigures: {', '.join(str(p) for p in written)}")
    print(f"(demo finished in {time.perf_counter() - started:.1f} s)")
    return rows


def straggler_deadline(settings: DemoSettings, node: np.ndarray) -> float:
    """Halfway (geometrically) between the slowest fast device's round-trip and the fastest
    microcontroller's, so that the deadline cuts exactly the microcontrollers; ``node`` (N,)
    is the node id of each training row."""
    model, devices = model_for(), device_classes(settings.nodes)
    nbytes = dist.dense_nbytes(model.init(settings.seed, dtype=np.float32))
    rows_per_node = np.bincount(node, minlength=settings.nodes)
    macs = dist.training_macs(model, LOCAL_EPOCHS * rows_per_node)
    arrival = dist.arrival_times(dist.make_topology(settings.nodes, devices),
                                 np.arange(settings.nodes), nbytes,
                                 np.full(settings.nodes, nbytes), macs)  # fmt: skip
    slow = np.array([d == "cortex-m4" for d in devices])
    return float(np.sqrt(arrival[~slow].max() * arrival[slow].min()))


def _rows(settings, runs, prepared, test, tuned, quantized, local) -> list[ResultRow]:
    model = model_for()
    opt = OPTIMIZERS[settings.optimizer]()
    rows = []
    for label, (history, which) in runs.items():
        counts = compress.footprint(model, history.params)
        rows.append(ResultRow(label, _rmse_watts(history.params, prepared[which], test),
                              counts.dense_bytes, counts.macs_dense, history.total_bytes[-1],
                              history.elapsed[-1],
                              *_fits(model, history.params, counts.dense_bytes, opt)))  # fmt: skip
    base, _ = runs["cleaned, wait for all"]
    sent = base.total_bytes[-1] + tuned.total_bytes[-1]
    seconds = base.elapsed[-1] + tuned.elapsed[-1]
    pruned = compress.footprint(model, tuned.params)
    rows.append(ResultRow(f"+ pruned {settings.sparsity:.0%}, fine-tuned",
                          _rmse_watts(tuned.params, prepared["clean"], test), pruned.sparse_bytes,
                          pruned.macs_sparse, sent, seconds,
                          *_fits(model, tuned.params, pruned.sparse_bytes, local)))  # fmt: skip
    runs_on, _ = _fits(model, quantized, pruned.sparse_int8_bytes, None)
    rows.append(ResultRow("+ int8 weights", _rmse_watts(quantized, prepared["clean"], test),
                          pruned.sparse_int8_bytes, pruned.macs_sparse, sent, seconds, runs_on,
                          None))  # fmt: skip
    return rows


def summary(rows: list[ResultRow]) -> str:
    """Three sentences on what the table shows, computed from its rows (in table order:
    dirty, cleaned, deadline, pruned, int8)."""
    dirty, cleaned, deadline, _pruned, int8 = rows
    return "\n".join([
        "\nWhat this shows:",
        f"- cleaning the training data took the test error from {dirty.rmse:.2f} W to "
        f"{cleaned.rmse:.2f} W with the same training;",
        f"- not waiting for the microcontrollers cut the simulated time "
        f"{cleaned.seconds / deadline.seconds:.1f}-fold but left their sites out: "
        f"{deadline.rmse:.2f} W instead of {cleaned.rmse:.2f} W;",
        f"- pruning and int8 made the model {cleaned.model_bytes / int8.model_bytes:.0f} times "
        f"smaller and {cleaned.macs / int8.macs:.1f} times cheaper to run, for "
        f"{int8.rmse - cleaned.rmse:+.2f} W of error;",
        f"- the dense model trains on {', '.join(cleaned.trains_on) or 'no device class'} and "
        f"runs on {', '.join(cleaned.runs_on) or 'no device class'}; compressed, it also runs "
        f"on {', '.join(sorted(set(int8.runs_on) - set(cleaned.runs_on))) or 'no other class'} "
        "(M0+: 2 KB of RAM and 16 KB of flash, too little for the dense model's 18 KB; M4: "
        "256 KB of RAM, 1 MB of flash).",
    ])  # fmt: skip


def table(rows: list[ResultRow]) -> str:
    """The final table as text: one row per model, units in the header."""
    head = (f"{'model':<34}{'RMSE W':>8}{'bytes':>9}{'mult-adds':>10}{'sent MB':>9}"
            f"{'sim. s':>8}  {'runs on':<20}{'trains on'}")  # fmt: skip
    lines = [head, "-" * len(head)]
    for r in rows:
        trains = "- (int8 is for inference)" if r.trains_on is None else " ".join(r.trains_on)
        lines.append(f"{r.name:<34}{r.rmse:>8.2f}{r.model_bytes:>9,}{r.macs:>10,}"
                     f"{r.bytes_sent / 1e6:>9.2f}{r.seconds:>8.1f}  {' '.join(r.runs_on):<20}"
                     f"{trains or 'none'}")  # fmt: skip
    lines.append("RMSE: power draw, W (target noise 2 W); bytes: stored model (float32 dense, "
                 "sparse when pruned, int8 last);")  # fmt: skip
    lines.append("mult-adds per reading (zeros skipped); sent: all links, both directions, "
                 "training included; M0+/M4/M7: Cortex-M MCUs")  # fmt: skip
    return "\n".join(lines)
