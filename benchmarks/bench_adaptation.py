"""Learning after deployment: recovery from drift, what it costs a device, detectors, and
personalization.

Run:  .venv/bin/python benchmarks/bench_adaptation.py [--seed 0] [--nodes 6]

Data: the sensor fleet's fault task (``make_sensor_fleet(task="classification")``), clean
readings (X_clean: this benchmark is about drift, not dirt), no duplicates, 6000 hourly
readings per node, standardized with the statistics of the first 1500 hours. Model: MLP
4-32-32-2 (ReLU), trained with Adam (lr 3e-3, batch 32, 20 epochs) on hours 0-1499 of every
node, then deployed: each node's hours 1500-5999 are a stream, evaluated test-then-train one
reading at a time (``adapt.prequential``).

Drifts (fleet-wide, ``c_t`` moves the fault threshold from 5 to 5 + c_t mm/s of vibration):
  abrupt     hour 2000: c = -2 (a machine is serviced: faults from 3 mm/s)
  gradual    hours 3000-3500: c -> +2 (wear: faults only above 7 mm/s)
  recurring  hour 4500: c = 0 (the pre-deployment regime returns), 5000: +2, 5500: 0

Strategies (SGD, lr 0.02 on all weights; lr 0.1 when only the last layer or the biases learn,
which few parameters tolerate): frozen model; online SGD on all weights; last layer only;
biases only; detect-and-retrain (the model stays fixed until ADWIN fires on its 0/1
errors, then 3 epochs on the last 200 readings); replay (all weights, each step adds 8 rows
from a reservoir of 500); EWC (all weights, anchor = deployed params, Fisher diagonal of the
pre-deployment data, strength 50).

Recovery after a drift: on the error curve averaged over nodes, the readings k after the
drift's start until the mean error of the next 100 readings is back within 10% of the
strategy's own level over the 300 readings before the drift (">N": not within the
segment). Forgetting: error when the pre-deployment regime returns (hours 4500-4999) minus
the error before the first drift (hours 1500-1999). Training RAM and multiply-adds per
learned reading: ``compress.training_memory`` of one step (retraining: of a batch of 16),
next to the peak the learner measured on the arrays it held.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: one thread is faster

import argparse
import time

import numpy as np

import minitrain as mt
from minitrain import adapt
from minitrain.compress import training_fits, training_memory

PRE, HOURS, WINDOW = 1500, 6000, 100
DRIFTS = [
    mt.data.Drift("abrupt", 2000, size=-2.0),
    mt.data.Drift("gradual", 3000, size=4.0, duration=500),
    mt.data.Drift("recurring", 4500, size=-2.0, period=500),
]
SEGMENTS = [("abrupt", 2000, 3000), ("gradual", 3000, 4500), ("old regime back", 4500, 5000),
            ("new regime back", 5000, 5500), ("old regime again", 5500, 6000)]


def fleet_data(seed: int, n_nodes: int, drift: list) -> tuple[mt.data.SensorFleet, np.ndarray]:
    fleet = mt.data.make_sensor_fleet(
        n_nodes, HOURS, seed, task="classification", duplicate_rate=0.0, drift=drift)
    X = fleet.X_clean.astype(np.float32)
    before = fleet.time < PRE
    return fleet, (X - X[before].mean(0)) / X[before].std(0)


def mlp() -> mt.Sequential:
    return mt.Sequential([mt.Dense(4, 32, init="he"), mt.ReLU(), mt.Dense(32, 32, init="he"),
                          mt.ReLU(), mt.Dense(32, 2)])


def strategies(model, loss, params, fisher, seed):
    sgd = mt.optim.SGD(lr=0.02)
    return {
        "frozen": dict(trainable=()),
        "SGD, all weights": {},
        "last layer": dict(trainable=adapt.last_layer(model), opt=mt.optim.SGD(lr=0.1)),
        "biases only": dict(trainable=adapt.biases(model), opt=mt.optim.SGD(lr=0.1)),
        "detect + retrain": dict(detector=adapt.ADWIN(), online=False,
                                 on_drift=adapt.Retrain(window=200, epochs=3)),
        "replay": dict(buffer=adapt.Reservoir(500, seed), replay_size=8),
        "EWC": dict(penalty=adapt.EWC(params, fisher, strength=50.0)),
    }, sgd


def recovery(error: np.ndarray, start: int, end: int) -> int | None:
    """Readings k after ``start`` until the mean error of the next WINDOW readings (all after
    the drift) is within 10% of the mean over the 300 readings before it; None if never."""
    level = error[start - 300:start].mean()
    ahead = np.convolve(error[start:end], np.ones(WINDOW) / WINDOW, mode="valid")
    back = np.flatnonzero(ahead <= 1.1 * level)
    return int(back[0]) if back.size else None


def deployed(args: argparse.Namespace):
    """The drifting fleet, its features, the model trained on the hours before deployment."""
    fleet, X = fleet_data(args.seed, args.nodes, DRIFTS)
    y = fleet.y
    model, loss = mlp(), mt.losses.CrossEntropy()
    train = fleet.time < PRE
    params = mt.fit(model, loss, mt.optim.Adam(lr=3e-3), X[train], y[train], epochs=20,
                    batch_size=32, seed=args.seed, progress=False).params
    return fleet, X, y, model, loss, train, params


def run_strategies(args: argparse.Namespace) -> dict:
    fleet, X, y, model, loss, train, params = deployed(args)
    fisher = adapt.fisher_diagonal(model, loss, params, X[train], y[train])
    configs, sgd = strategies(model, loss, params, fisher, args.seed)
    results = {}
    for name, kwargs in configs.items():
        errors, macs, peak, memory, seconds = [], 0, 0, None, 0.0
        for node in range(args.nodes):
            rows = fleet.stream(node)[PRE:]
            kw = dict(kwargs)
            if "buffer" in kw:
                kw["buffer"] = adapt.Reservoir(500, args.seed + node)
            if "detector" in kw:
                kw["detector"] = adapt.ADWIN()
            opt = kw.pop("opt", sgd)
            learner = adapt.OnlineLearner(model, loss, opt, params, seed=node, **kw)
            start = time.perf_counter()
            run = adapt.prequential(learner, X[rows], y[rows], window=WINDOW)
            seconds += time.perf_counter() - start
            errors.append(run.error)
            macs += run.macs
            peak = max(peak, run.peak_bytes)
            retrain = kw.get("on_drift")
            memory = learner.memory(retrain.batch_size if retrain else 1)
        results[name] = dict(error=np.mean(errors, axis=0), errors=errors, macs=macs,
                             n=sum(e.size for e in errors), peak=peak, memory=memory,
                             seconds=seconds)
    return results


def print_recovery(results: dict) -> None:
    print("\nPrequential error (mean over nodes, %) and recovery (readings) after each drift")
    header = f"{'strategy':<18} {'before':>6}"
    for seg, _, _ in SEGMENTS:
        header += f" | {seg[:16]:>16} {'recov':>6}"
    print(header + f" | {'forgetting':>10}")
    for name, r in results.items():
        e = r["error"]
        line = f"{name:<18} {100 * e[:500].mean():6.1f}"
        for _, start, end in SEGMENTS:
            s, t = start - PRE, end - PRE
            k = recovery(e, s, t)
            text = f">{t - s - WINDOW}" if k is None else str(k)
            line += f" | {100 * e[s:t].mean():16.1f} {text:>6}"
        forgetting = e[4500 - PRE:5000 - PRE].mean() - e[:500].mean()
        print(line + f" | {100 * forgetting:+10.1f}")
    print("recov: readings until the next 100 are within 10% of the pre-drift error")


def print_costs(results: dict) -> None:
    print("\nWhat learning costs (the 4-32-32-2 sensor model, float32, one reading per step;"
          " retraining: batches of 16)")
    print(f"{'strategy':<18} {'train RAM':>10} {'peak meas.':>10} {'MACs/reading':>12} "
          f"{'time/reading':>12}")
    memories = {}
    for name, r in results.items():
        m = r["memory"]
        memories[name] = m
        print(f"{name:<18} {m.total_bytes:>10,} {r['peak']:>10,} {r['macs'] / r['n']:>12,.0f} "
              f"{1e6 * r['seconds'] / r['n']:>10.0f}us")
    print("\nWhich strategy trains on which device (training RAM against the device's RAM):")
    print(training_fits(memories))
    print("\nThe same strategies for a larger model (MLP 64-256-128-10, float32, batch 16):")
    big = mt.Sequential([mt.Dense(64, 256), mt.ReLU(), mt.Dense(256, 128), mt.ReLU(),
                         mt.Dense(128, 10)])
    p = big.init(0, dtype=np.float32)
    sgd, adam = mt.optim.SGD(lr=0.05), mt.optim.Adam()
    row = 64 * 4 + 8
    scaled = {
        "SGD, all weights": training_memory(big, p, sgd, 16),
        "Adam, all weights": training_memory(big, p, adam, 16),
        "last layer": training_memory(big, p, sgd, 16, trainable=adapt.last_layer(big)),
        "biases only": training_memory(big, p, sgd, 16, trainable=adapt.biases(big)),
        "replay (500)": training_memory(big, p, sgd, 24, buffer_bytes=500 * row),
        "EWC": training_memory(big, p, sgd, 16, penalty=True),
        "last layer + replay": training_memory(big, p, sgd, 24, buffer_bytes=500 * row,
                                               trainable=adapt.last_layer(big)),
    }
    print(f"{'strategy':<20} {'params':>9} {'grads':>9} {'slots':>9} {'activ.':>9} "
          f"{'buffer':>9} {'penalty':>9} {'total':>9} {'MACs/sample':>11}")
    for name, m in scaled.items():
        print(f"{name:<20} {m.params_bytes:>9,} {m.grad_bytes:>9,} {m.slot_bytes:>9,} "
              f"{m.activation_bytes:>9,} {m.buffer_bytes:>9,} {m.penalty_bytes:>9,} "
              f"{m.total_bytes:>9,} {m.macs_per_sample:>11,}")
    print(training_fits(scaled, "cortex-m4"))


def print_detectors(args: argparse.Namespace) -> None:
    """Detectors on the frozen model's 0/1 error stream of each node, against the true events."""
    fleet, X, y, model, loss, _, params = deployed(args)
    streams, events = [], []
    for node in range(args.nodes):
        rows = fleet.stream(node)[PRE:]
        pred = model.predict(params, X[rows])
        streams.append(adapt.sample_errors(loss, pred, y[rows]))
        events.append([e.start - PRE for e in fleet.drift_events if e.node == node])
    try:
        from river import drift as river_drift
    except ImportError:
        river_drift = None
    print("\nDetectors on the frozen model's 0/1 errors (all nodes; events: abrupt, gradual, "
          "3 recurring switches each; max delay 400)")
    print(f"{'detector':<12} {'detected':>9} {'missed':>7} {'false':>6} {'mean delay':>10} "
          f"{'us/update':>10} {'river us':>9} {'ratio':>6} {'same alarms':>11}")
    makers = [("PageHinkley", adapt.PageHinkley, "PageHinkley"),
              ("ADWIN", adapt.ADWIN, "ADWIN"), ("DDM", adapt.DDM, "binary.DDM")]
    for name, make, river_name in makers:
        detected = missed = false = 0
        delays, ours_time, river_time, same = [], 0.0, 0.0, True
        for stream, true_events in zip(streams, events):
            start = time.perf_counter()
            alarms = adapt.detect(make(), stream)
            ours_time += time.perf_counter() - start
            score = adapt.score_drift(alarms, true_events, max_delay=400)
            detected += score.n_detected
            missed += score.n_missed
            false += score.n_false_alarms
            delays += [d for d in score.delays if d is not None]
            if river_drift is not None:
                detector = river_drift
                for part in river_name.split("."):
                    detector = getattr(detector, part)
                detector = detector()
                values, theirs = stream.tolist(), []
                start = time.perf_counter()
                for i, x in enumerate(values):
                    detector.update(x)
                    if detector.drift_detected:
                        theirs.append(i)
                river_time += time.perf_counter() - start
                same &= theirs == alarms.tolist()
        n = sum(s.size for s in streams)
        river_us = f"{1e6 * river_time / n:9.2f}" if river_drift else "      n/a"
        ratio = f"{ours_time / river_time:6.1f}" if river_drift else "   n/a"
        print(f"{name:<12} {detected:>9} {missed:>7} {false:>6} {np.mean(delays):>10.0f} "
              f"{1e6 * ours_time / n:>10.2f} {river_us} {ratio} "
              f"{str(same) if river_drift else 'n/a':>11}")


def print_personalization(args: argparse.Namespace) -> None:
    """FedAvg on the pre-deployment fleet, then each device fine-tunes its last layer."""
    fleet = mt.data.make_sensor_fleet(args.nodes, 1000, args.seed, task="classification",
                                      duplicate_rate=0.0, node_spread=2.0)
    X = fleet.X_clean.astype(np.float32)
    X = (X - X.mean(0)) / X.std(0)
    y = fleet.y
    model, loss = mlp(), mt.losses.CrossEntropy()
    print("\nPersonalization after FedAvg (30 rounds, all devices, 1 local epoch, SGD lr 0.05, "
          "batch 16), then 5 epochs on the device's own 75%; accuracy on its held-out 25% (%)")
    print(f"{'shards':<18} {'trainable':<12} {'global mean':>11} {'global worst':>12} "
          f"{'personal mean':>13} {'personal worst':>14}")
    for scheme, options in (("dirichlet", dict(alpha=0.1)), ("by_node", dict(node=fleet.node))):
        parts = mt.data.partition(y, args.nodes, scheme, seed=args.seed, **options)
        rng = np.random.default_rng(args.seed)
        train, test = [], []
        for part in parts:
            part = rng.permutation(part)
            cut = int(0.75 * part.size)
            train.append(part[:cut])
            test.append((X[part[cut:]], y[part[cut:]]))
        rows = np.concatenate(train)
        owner = np.repeat(np.arange(args.nodes), [t.size for t in train])
        cluster = mt.distributed.make_cluster(X[rows], y[rows], args.nodes, scheme="by_node",
                                              node=owner)
        history = mt.distributed.fedavg(model, loss, cluster, rounds=30,
                                        local_opt=mt.optim.SGD(lr=0.05), epochs=1,
                                        batch_size=16, fraction=1.0, seed=args.seed)
        for label, keys in (("last layer", adapt.last_layer(model)),
                            ("biases", adapt.biases(model))):
            result = adapt.personalize(model, loss, mt.optim.SGD(lr=0.05), history.params,
                                       cluster, test=test, trainable=keys, epochs=5,
                                       seed=args.seed)
            g, p = 100 * result.global_metric, 100 * result.personal_metric
            name = f"{scheme} {options.get('alpha', '')}".strip()
            print(f"{name:<18} {label:<12} {g.mean():>11.1f} {g.min():>12.1f} {p.mean():>13.1f} "
                  f"{p.min():>14.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--nodes", type=int, default=6)
    args = parser.parse_args()
    results = run_strategies(args)
    print_recovery(results)
    print_costs(results)
    print_detectors(args)
    print_personalization(args)


if __name__ == "__main__":
    main()
