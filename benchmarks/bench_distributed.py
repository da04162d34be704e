"""Distributed training on simulated edge devices: overhead, real parallelism, rounds, bytes.

Run:  .venv/bin/python benchmarks/bench_distributed.py [--quick]

(a) Simulation overhead: one synchronous round over K = 8 and K = 64 workers with equal shards
    of the first 1792 digits (float64, MLP 64-128-10, ReLU) against one full-batch gradient of
    the same model on the same rows (``train.backprop``: no validation, no step). The
    round includes everything: client sampling, the clock, the stacked worker computation,
    checks, averaging, the stepper and the byte count. "loop" forces one worker function call
    per worker (an executor that runs each task immediately, in this process). Best of 15.
(b) Real parallelism: FedAvg rounds whose 4 clients do heavy local work (MLP 64-512-512-10,
    E = 5, B = 32, 400 rows each), in process vs a ProcessPoolExecutor(2) and a dask
    LocalCluster with 2 worker processes (both started before timing; the dask workers get
    the same allocator setting as this process, see ``steady_allocator``). Best of 3 rounds.
(c) Rounds to 90% test accuracy on digits (float32, 80/20 stratified split, 1437 rows over
    100 clients, "iid" and McMahan's "shards" split: 2 label-sorted shards per client),
    FedSGD (C = 0.1, B = full, server SGD) vs FedAvg (C = 0.1, E = 5, B = 10, local SGD).
    As in McMahan et al. 2017, each method gets its best learning rate from a small grid;
    the median over 3 seeds (partition and training) is reported.
(d) Bytes to reach 90% with FedAvg (its best rate of (c), seed 0): dense float32 updates,
    top-k 1% with error feedback, 8-bit; "up" = client uploads + the gateway forwarding them
    to the cloud; "total" adds the downlink broadcast of the dense model.
(e) ``--flower`` (needs ``minitrain[flower]``): the FedAvg job of (c) (IID, E = 5, B = 10,
    10 clients per round, lr 0.1, seed 0) over 100 and over 1000 clients, in minitrain's
    simulator and on Flower's simulation runtime (Ray, one CPU per client actor): time per
    round (median), start-up and tear-down (total minus the rounds), peak resident memory
    summed over this process and every process it started (sampled every 50 ms), rounds to
    90% test accuracy, and the largest parameter difference after the last round (the same
    clients are sampled in both).
"""

from __future__ import annotations

import os

# One BLAS thread per process: steadier timings on a shared machine, and (b) then measures
# what two processes gain over one. Set before NumPy loads BLAS; the caller's setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import ctypes
import itertools
import time
import timeit
from concurrent.futures import Executor, Future, ProcessPoolExecutor

import numpy as np

import minitrain as mt
from minitrain import distributed as dist
from minitrain.distributed.rounds import ServerState, run_round
from minitrain.train import backprop

TARGET = 0.90


class Immediate(Executor):
    """Runs each submitted task at once, in this process: the per-worker loop path."""

    def submit(self, fn, /, *args, **kwargs):
        future: Future = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def mlp(*widths: int) -> mt.Sequential:
    layers: list = []
    for n_in, n_out in itertools.pairwise(widths):
        layers += [mt.Dense(n_in, n_out), mt.ReLU()]
    return mt.Sequential(layers[:-1])


def best_time(fn, number: int = 5, repeat: int = 15) -> float:
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def best_times(fns: dict, number: int = 5, repeat: int = 20) -> dict:
    """Best time per call of each function, measured in turns so that load spikes hit all."""
    times = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            times[name].append(timeit.timeit(fn, number=number) / number)
    return {name: min(t) for name, t in times.items()}


def steady_allocator() -> str:
    """Fix glibc's mmap threshold at 32 MB. By default a freed block raises the threshold to
    its size, so whether a 2 MB temporary is a fresh mmap (page faults on every touch) or heap
    memory depends on what ran before: the same full-batch gradient then takes 3 or 8 ms."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return "default allocator (not glibc)"
    libc.mallopt(-3, 32 << 20)  # M_MMAP_THRESHOLD
    libc.mallopt(-1, 128 << 20)  # M_TRIM_THRESHOLD
    return "glibc mmap threshold fixed at 32 MB"


def table(title: str, header: list[str], rows: list[list]) -> None:
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n{title}")
    for i, row in enumerate(cells):
        print("  ".join(c.rjust(w) for c, w in zip(row, widths)))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def overhead() -> None:
    X, y = mt.data.load_digits()
    X, y = X[:1792] / 16, y[:1792]
    model, loss = mlp(64, 128, 10), mt.losses.CrossEntropy()
    params = model.init(0)
    rows = []
    for K in (8, 64):
        cluster = dist.make_cluster(X, y, K)
        algorithm = dist.SyncSGD(opt=mt.optim.SGD(lr=0.1))
        state = ServerState(params=params, opt_state=algorithm.init(params), residuals={})

        def one_round(executor, cluster=cluster, algorithm=algorithm, state=state):
            return run_round(model, loss, cluster, algorithm, state, seed=0,
                             compression=dist.Uncompressed(), faults=dist.Faults(),
                             executor=executor)  # fmt: skip

        times = best_times({
            "full": lambda: backprop(model, loss, params, X, y),
            "stacked": lambda: one_round(None),
            "loop": lambda: one_round(Immediate()),
        })  # fmt: skip
        target = 1.2 if K == 8 else 2.0
        ratio = times["stacked"] / times["full"]
        rows.append([K, f"{1792 // K}", f"{1e3 * times['full']:.2f}",
                     f"{1e3 * times['stacked']:.2f}", f"{ratio:.2f}x",
                     f"{times['loop'] / times['full']:.2f}x", f"<= {target}x",
                     "met" if ratio <= target else "NOT met"])  # fmt: skip
    table("(a) one synchronous round vs one full-batch gradient (digits MLP 64-128-10, float64)",
          ["K", "rows/worker", "full grad ms", "round ms", "round/full", "loop/full", "target",
           ""], rows)  # fmt: skip


def parallelism() -> None:
    X, y = mt.data.load_digits()
    X, y = X[:1600] / 16, y[:1600]
    model, loss = mlp(64, 512, 512, 10), mt.losses.CrossEntropy()
    cluster = dist.make_cluster(X, y, 4)
    algorithm = dist.FedAvg(local_opt=mt.optim.SGD(lr=0.05), epochs=5, batch_size=32, fraction=1.0)
    params = model.init(0)
    state = ServerState(params=params, opt_state=algorithm.init(params), residuals={})

    def one_round(executor):
        return run_round(model, loss, cluster, algorithm, state, seed=0,
                         compression=dist.Uncompressed(), faults=dist.Faults(),
                         executor=executor)  # fmt: skip

    def timed(executor) -> float:
        one_round(executor)  # warm up: workers import minitrain
        return best_time(lambda: one_round(executor), number=1, repeat=3)

    rows = []
    base = timed(None)
    rows.append(["in process", f"{base:.2f}", "1.00x"])
    with ProcessPoolExecutor(2) as pool:
        t = timed(pool)
        rows.append(["ProcessPoolExecutor(2)", f"{t:.2f}", f"{base / t:.2f}x"])
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        rows.append(["dask LocalCluster(2)", "not installed", ""])
    else:
        with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as lc:
            with Client(lc) as client:
                client.run(steady_allocator)  # dask workers trim freed memory at 64 KB
                t = timed(client)
                rows.append(["dask LocalCluster(2 processes)", f"{t:.2f}", f"{base / t:.2f}x"])
    table(f"(b) one FedAvg round, 4 clients x 5 epochs of MLP 64-512-512-10 "
          f"({os.cpu_count()} cores)", ["executor", "seconds", "speed-up"], rows)  # fmt: skip


def digits_split():
    """Digits / 16 in float32 (so dense updates are float32 on the wire), 80/20 stratified."""
    X, y = mt.data.load_digits()
    return mt.data.train_test_split((X / 16).astype(np.float32), y, 0.2, seed=0, stratify=True)


def rounds_to_target(method: str, scheme: str, lr: float, seed: int, compression=None):
    X_train, X_test, y_train, y_test = digits_split()
    model, loss = mlp(64, 128, 10), mt.losses.CrossEntropy()
    cluster = dist.make_cluster(X_train, y_train, 100, scheme=scheme, seed=seed)
    common = dict(validation=(X_test, y_test), target=TARGET, seed=seed, compression=compression)
    if method == "FedSGD":
        history = dist.sync_sgd(model, loss, cluster, opt=mt.optim.SGD(lr=lr), rounds=600,
                                fraction=0.1, **common)  # fmt: skip
    else:
        history = dist.fedavg(model, loss, cluster, rounds=300, local_opt=mt.optim.SGD(lr=lr),
                              epochs=5, batch_size=10, fraction=0.1, **common)  # fmt: skip
    return history.first_reaching(TARGET), history


GRIDS = {"FedSGD": (0.3, 0.5, 1.0), "FedAvg": (0.1, 0.2, 0.5)}


def rounds_table() -> dict[str, float]:
    rows, best_lr = [], {}
    for scheme in ("iid", "shards"):
        best = {}
        for method, grid in GRIDS.items():
            for lr in grid:
                reached = [rounds_to_target(method, scheme, lr, seed)[0] for seed in (0, 1, 2)]
                rounds = [np.inf if r is None else r + 1 for r in reached]
                median = float(np.median(rounds))
                if method not in best or median < best[method][0]:
                    best[method] = (median, lr, rounds)
        for method, (median, lr, rounds) in best.items():
            rows.append([scheme, method, lr, " ".join(map(str, rounds)), median])
        ratio = best["FedSGD"][0] / best["FedAvg"][0]
        rows.append([scheme, "FedSGD / FedAvg", "", "", f"{ratio:.1f}x"])
        best_lr[scheme] = best["FedAvg"][1]
    table(f"(c) rounds to {TARGET:.0%} test accuracy, digits over 100 clients (C = 0.1)",
          ["split", "method", "best lr", "rounds (seeds 0, 1, 2)", "median"], rows)  # fmt: skip
    return best_lr


def bytes_table(best_lr: dict[str, float]) -> None:
    rows = []
    for scheme in ("iid", "shards"):
        dense_up = None
        for name, compression in (("dense float32", None), ("top-k 1% + EF", dist.TopK(0.01)),
                                  ("8-bit", dist.Int8())):  # fmt: skip
            reached, history = rounds_to_target("FedAvg", scheme, best_lr[scheme], 0, compression)
            if reached is None:
                rows.append([scheme, name, "not reached in 300", "", "", ""])
                continue
            up = sum(history.bytes_up[: reached + 1])
            total = history.total_bytes[reached]
            dense_up = dense_up or up
            rows.append([scheme, name, reached + 1, f"{up / 1e6:.2f}",
                         f"{dense_up / up:.1f}x", f"{total / 1e6:.2f}"])  # fmt: skip
    table(f"(d) bytes to {TARGET:.0%} with FedAvg (E = 5, B = 10, C = 0.1), seed 0",
          ["split", "updates", "rounds", "MB up", "less up", "MB total"], rows)  # fmt: skip


def tree_rss_bytes(root: int) -> int:
    """Resident memory of process ``root`` and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/status") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:
            continue
        children.setdefault(int(fields["PPid"]), []).append(int(entry))
        rss[int(entry)] = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def peak_memory_of(fn, *args, **kwargs):
    """(fn(*args, **kwargs), the peak of tree_rss_bytes over this process while fn ran)."""
    import threading

    peak, done = [0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_bytes(os.getpid()))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result = fn(*args, **kwargs)
    finally:
        done.set()
        sampler.join()
    return result, peak[0]


def flower_table(rounds: int) -> None:
    from minitrain.distributed import flower

    X_train, X_test, y_train, y_test = digits_split()
    model, loss = mlp(64, 128, 10), mt.losses.CrossEntropy()
    rows = []
    for n_clients in (100, 1000):
        cluster = dist.make_cluster(X_train, y_train, n_clients, scheme="iid", seed=0)
        job = dict(rounds=rounds, local_opt=mt.optim.SGD(lr=0.1), epochs=5, batch_size=10,
                   fraction=10 / n_clients, seed=0, validation=(X_test, y_test))  # fmt: skip
        start = time.perf_counter()
        simulated, sim_peak = peak_memory_of(dist.fedavg, model, loss, cluster, **job)
        sim_seconds = time.perf_counter() - start
        start = time.perf_counter()
        on_flower, flower_peak = peak_memory_of(flower.run_simulation, model, loss, cluster, **job)
        flower_seconds = time.perf_counter() - start
        per_round = float(np.median(on_flower.round_time))
        difference = max(float(np.max(np.abs(simulated.params[k] - on_flower.params[k])))
                         for k in simulated.params)  # fmt: skip
        start_stop = flower_seconds - float(np.sum(on_flower.round_time))
        for name, history, round_seconds, overhead_seconds, peak in (
            ("minitrain", simulated, sim_seconds / rounds, "-", sim_peak),
            ("Flower (Ray)", on_flower, per_round, f"{start_stop:.1f}", flower_peak),
        ):
            reached = history.first_reaching(TARGET)
            rows.append([n_clients, name, f"{1e3 * round_seconds:.1f}", overhead_seconds,
                         f"{peak / 2**20:.0f}", "-" if reached is None else reached + 1,
                         f"{difference:.1e}"])  # fmt: skip
    table(f"(e) FedAvg on minitrain's simulator and on Flower, {rounds} rounds, 10 clients a "
          f"round", ["clients", "runtime", "ms/round", "start+stop s", "peak MB",
                     f"rounds to {TARGET:.0%}", "max |diff|"], rows)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only (a) and (b)")
    parser.add_argument("--flower", action="store_true", help="only (e), Flower vs minitrain")
    parser.add_argument("--flower-rounds", type=int, default=20)
    args = parser.parse_args()
    print(
        f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}; {steady_allocator()}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    start = time.perf_counter()
    if args.flower:
        flower_table(args.flower_rounds)
        print(f"\n{time.perf_counter() - start:.0f} s")
        return
    overhead()
    parallelism()
    if not args.quick:
        best_lr = rounds_table()
        bytes_table(best_lr)
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
