"""Epoch times of minitrain's core (layers, loss, Adam, fit) against NumPy floors and libraries.

Run:  .venv/bin/python benchmarks/bench_core.py [--quick]

Table 1: MLP 64 -> 128 -> 10 (ReLU, softmax cross-entropy, Adam lr 1e-3) on the 1797 x 64
digits, batch 32 and 256, float32 and float64. Columns, in ms per epoch:
  fit     mt.fit(..., progress=False): with minitrain's steppers each step is one opt.step on
          all parameters laid end to end in one vector, and it also records the per-step loss,
          gradient norm, learning rate and accuracy in its History
  loop    a bare loop of the public calls model.forward / loss.value_and_grad /
          model.backward / opt.step (pure: new arrays every step, one NumPy call per array)
  hand    the same math written directly in NumPy (fresh temporaries, its own Adam)
  gemm    only the matrix products of the same steps (forward 2, backward 3): the floor
  torch   PyTorch, torch.set_num_threads(2), torch.optim.Adam defaults, same model
  sklearn MLPClassifier(solver="adam"), same hidden size and batch, one epoch per partial_fit
Then the microseconds of each call of one training step (batch 32, float32), with the public
calls and with fit's (minitrain.train.Steps: the same calls on the flat vector).
Table 2: MLP 784 -> 256 -> 256 -> 10 on 60000 x 784 random float32 data, batch 128.
Parity: every stepper against torch.optim over 20 steps, float64 and float32.

Each time is the median over repeats; the contenders of a table take turns, so load from
other processes shifts the ratios less than the times. BLAS threads are printed;
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE change OpenBLAS kernels, so run with them unset
(``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE``); the header says which were set.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import time
import warnings
from collections.abc import Callable

import numpy as np

import minitrain as mt
from minitrain.train import Steps

BETA1, BETA2, EPS, LR = 0.9, 0.999, 1e-8, 1e-3


def median_seconds(
    runs: dict[str, Callable[[], object] | None], repeats: int, per: int = 1
) -> dict[str, float | None]:
    """Median wall time of each ``run()`` over ``repeats`` calls, divided by ``per``.

    The runs take turns (after one warm-up call each), so that a burst of load from other
    processes slows all of them alike instead of one column of the table.
    """
    active = {name: run for name, run in runs.items() if run is not None}
    times: dict[str, list[float]] = {name: [] for name in active}
    for run in active.values():
        run()
    for _ in range(repeats):
        for name, run in active.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(times[name]) / per if name in times else None for name in runs}


def batches(n: int, batch: int, epoch: int) -> list[np.ndarray]:
    order = np.random.default_rng([0, epoch]).permutation(n)
    return [order[i : i + batch] for i in range(0, n, batch)]


def mlp(widths: list[int]) -> mt.Sequential:
    layers: list = []
    for n_in, n_out in itertools.pairwise(widths):
        layers += [mt.Dense(n_in, n_out, init="he"), mt.ReLU()]
    return mt.Sequential(layers[:-1])


# ----- minitrain ---------------------------------------------------------------------------------


def minitrain_fit(model, X, y, batch, epochs) -> Callable[[], object]:
    params = model.init(0, dtype=X.dtype)
    loss, opt = mt.losses.CrossEntropy(), mt.optim.Adam(lr=LR)
    return lambda: mt.fit(
        model, loss, opt, X, y, epochs=epochs, batch_size=batch, progress=False, params=params
    )


def minitrain_loop(model, X, y, batch, epochs) -> Callable[[], object]:
    params0 = model.init(0, dtype=X.dtype)
    loss, opt = mt.losses.CrossEntropy(), mt.optim.Adam(lr=LR)

    def run():
        params, state = params0, opt.init(params0)
        for epoch in range(epochs):
            for rows in batches(len(X), batch, epoch):
                out, caches = model.forward(params, X[rows])
                _, dout = loss.value_and_grad(out, y[rows])
                _, grads = model.backward(params, caches, dout)
                params, state = opt.step(params, grads, state)
        return params

    return run


# ----- NumPy by hand: the floor of the same math, and of its matrix products -----------------


def hand_loop(model, X, y, batch, epochs) -> Callable[[], object]:
    """Forward, softmax cross-entropy, backward and Adam written out, with fresh temporaries."""
    init = model.init(0, dtype=X.dtype)
    n_layers = len(init) // 2

    def run():
        W = [init[f"{2 * i}.W"] for i in range(n_layers)]
        b = [init[f"{2 * i}.b"] for i in range(n_layers)]
        m = [np.zeros_like(p) for p in W + b]
        v = [np.zeros_like(p) for p in W + b]
        t = 0
        for epoch in range(epochs):
            for rows in batches(len(X), batch, epoch):
                xb, yb = X[rows], y[rows]
                acts = [xb]
                for i in range(n_layers):
                    z = acts[-1] @ W[i] + b[i]
                    acts.append(np.maximum(z, 0) if i < n_layers - 1 else z)
                logits = acts[-1]
                shifted = logits - logits.max(axis=1, keepdims=True)
                e = np.exp(shifted)
                total = e.sum(axis=1, keepdims=True)
                _ = float(np.mean(np.log(total[:, 0]) - shifted[np.arange(len(yb)), yb]))
                d = e / total
                d[np.arange(len(yb)), yb] -= 1
                d /= len(yb)
                grads_W, grads_b = [None] * n_layers, [None] * n_layers
                for i in range(n_layers - 1, -1, -1):
                    grads_W[i] = acts[i].T @ d
                    grads_b[i] = d.sum(axis=0)
                    if i:
                        d = (d @ W[i].T) * (acts[i] > 0)
                t += 1
                bc1, bc2 = 1 - BETA1**t, 1 - BETA2**t
                params = W + b
                for j, g in enumerate(grads_W + grads_b):
                    m[j] = BETA1 * m[j] + (1 - BETA1) * g
                    v[j] = BETA2 * v[j] + (1 - BETA2) * g * g
                    params[j] = params[j] - LR * (m[j] / bc1) / (np.sqrt(v[j] / bc2) + EPS)
                W, b = params[:n_layers], params[n_layers:]
        return W

    return run


def gemm_floor(model, X, y, batch, epochs) -> Callable[[], object]:
    """Only the matrix products of each step: forward x W per layer, backward dW and dX."""
    params = model.init(0, dtype=X.dtype)
    Ws = [params[k] for k in params if k.endswith(".W")]
    rng = np.random.default_rng(0)
    sizes = [len(rows) for rows in batches(len(X), batch, 0)]
    inputs = {s: X[:s].copy() for s in set(sizes)}
    douts = {s: rng.normal(size=(s, Ws[-1].shape[1])).astype(X.dtype) for s in set(sizes)}

    def run():
        for _ in range(epochs):
            for s in sizes:
                acts = [inputs[s]]
                for W in Ws:
                    acts.append(acts[-1] @ W)
                d = douts[s]
                for i in range(len(Ws) - 1, -1, -1):
                    acts[i].T @ d
                    if i:
                        d = d @ Ws[i].T
        return None

    return run


# ----- libraries -----------------------------------------------------------------------------


def torch_epochs(model, X, y, batch, epochs) -> Callable[[], object] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)
    dtype = torch.float32 if X.dtype == np.float32 else torch.float64
    widths = [layer.n_in for layer in model.layers[::2]] + [model.n_out]
    layers: list = []
    for n_in, n_out in itertools.pairwise(widths):
        layers += [torch.nn.Linear(n_in, n_out), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers[:-1]).to(dtype)
    opt = torch.optim.Adam(net.parameters())
    criterion = torch.nn.CrossEntropyLoss()
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)

    def run():
        for epoch in range(epochs):
            for rows in batches(len(X), batch, epoch):
                idx = torch.from_numpy(rows)
                opt.zero_grad()
                loss = criterion(net(X_t[idx]), y_t[idx])
                loss.backward()
                opt.step()
                loss.item()

    return run


def sklearn_epochs(model, X, y, batch, epochs) -> Callable[[], object] | None:
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        return None
    hidden = tuple(layer.n_out for layer in model.layers[:-1:2])
    clf = MLPClassifier(hidden, solver="adam", batch_size=batch, learning_rate_init=LR)
    classes = np.unique(y)

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            for _ in range(epochs):
                clf.partial_fit(X, y, classes=classes)

    return run


# ----- report ------------------------------------------------------------------------------------


def header() -> None:
    set_vars = [v for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if v in os.environ]
    print(f"numpy {np.__version__}; OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE set: {set_vars or 'none'}")
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            print(
                f"  {pool['user_api']}: {pool['internal_api']} {pool.get('version')}, "
                f"{pool['num_threads']} threads ({os.path.basename(pool['filepath'])})"
            )
    except ImportError:
        print("  threadpoolctl not installed: thread counts unknown")
    print(f"  cpus: {os.cpu_count()}; load average at start {os.getloadavg()[0]:.2f}")


def cell(seconds: float | None) -> str:
    return "not installed" if seconds is None else f"{1e3 * seconds:9.1f}"


def ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None else f"{a / b:5.2f}"


def digits_table(repeats: int) -> None:
    X64, y = mt.data.load_digits()
    X64 = X64 / 16.0
    model = mlp([64, 128, 10])
    print("\nMLP 64-128-10 on digits (1797 x 64), Adam lr 1e-3: ms per epoch (median)")
    columns = ("fit", "loop", "hand", "gemm", "torch", "sklearn")
    factories = (minitrain_fit, minitrain_loop, hand_loop, gemm_floor, torch_epochs, sklearn_epochs)
    ratios = [("fit", "torch"), ("fit", "sklearn"), ("fit", "hand"), ("loop", "hand")]
    ratios.append(("fit", "gemm"))
    print(
        f"{'batch':>5} {'dtype':>7} " + " ".join(f"{c:>9}" for c in columns) + "  "
        + " ".join(f"{a + '/' + b:>12}" for a, b in ratios)
    )  # fmt: skip
    for batch, dtype in itertools.product((32, 256), (np.float32, np.float64)):
        X = X64.astype(dtype)
        epochs = 4 if batch == 32 else 10
        runs = {c: make(model, X, y, batch, epochs=epochs) for c, make in zip(columns, factories)}
        times = median_seconds(runs, repeats, per=epochs)
        print(
            f"{batch:>5} {np.dtype(dtype).name:>7} " + " ".join(cell(times[c]) for c in columns)
            + "  " + " ".join(f"{ratio(times[a], times[b]):>12}" for a, b in ratios)
        )  # fmt: skip


def repeat_call(call: Callable[[], object], times: int) -> None:
    """Call ``call`` ``times`` times, dropping each result at once (as a training loop does;
    keeping 200 results alive would time the allocator instead)."""
    for _ in range(times):
        call()


def step_breakdown(repeats: int) -> None:
    """Microseconds per step of each call of a training step (digits, batch 32, float32)."""
    X, y = mt.data.load_digits(dtype=np.float32)
    X = X / np.float32(16)
    model, loss, opt = mlp([64, 128, 10]), mt.losses.CrossEntropy(), mt.optim.Adam(lr=LR)
    params = model.init(0, dtype=np.float32)
    state = opt.init(params)
    rows = batches(len(X), 32, 0)[0]
    Xb, yb = X[rows], y[rows]
    out, caches = model.forward(params, Xb)
    _, dout = loss.value_and_grad(out, yb)
    _, grads = model.backward(params, caches, dout)
    calls = {
        "X[rows], y[rows]": lambda: (X[rows], y[rows]),
        "model.forward": lambda: model.forward(params, Xb),
        "loss.value_and_grad": lambda: loss.value_and_grad(out, yb),
        "model.backward": lambda: model.backward(params, caches, dout),
        "opt.step (Adam)": lambda: opt.step(params, grads, state),
        "loss.metric_value": lambda: loss.metric_value(out, yb),
    }
    # What fit runs instead: the same calls, the step on one flat vector (minitrain.train.Steps).
    steps = Steps(model, loss, opt, params, opt.init(params))
    calls["fit: forward, loss, backward, norm"] = lambda: steps.gradient(Xb, yb)
    calls["fit: Adam rule on the flat vector"] = steps.apply
    print("\nOne step, digits batch 32 float32: us per call (median of runs of 200)")
    runs = {name: lambda c=call: repeat_call(c, 200) for name, call in calls.items()}
    for name, seconds in median_seconds(runs, repeats, per=200).items():
        print(f"  {name:<36} {1e6 * seconds:7.1f}")


def large_table(repeats: int, n: int) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 784)).astype(np.float32)
    y = rng.integers(0, 10, size=n)
    model = mlp([784, 256, 256, 10])
    print(f"\nMLP 784-256-256-10 on {n} x 784 random float32, batch 128: s per epoch (median)")
    factories = {"fit": minitrain_fit, "hand": hand_loop, "gemm": gemm_floor, "torch": torch_epochs}
    runs = {name: make(model, X, y, 128, epochs=1) for name, make in factories.items()}
    fit, hand, gemm, torch = median_seconds(runs, repeats).values()
    print(f"{'fit':>8} {'hand':>8} {'gemm':>8} {'torch':>13}   fit/torch fit/gemm fit/hand")
    show = [f"{s:8.3f}" if s is not None else "not installed" for s in (fit, hand, gemm, torch)]
    print(" ".join(show) + f"   {ratio(fit, torch):>9} {ratio(fit, gemm):>8} {ratio(fit, hand):>8}")


# ----- parity with torch.optim -------------------------------------------------------------------


def parity_cases():
    """(stepper name, keyword arguments) for every combination of the options."""
    for mom, damp, nest, wd, mx in itertools.product(
        (0, 0.9), (0, 0.3), (False, True), (0, 0.1), (False, True)
    ):
        if not nest or (mom and not damp):
            yield "SGD", dict(
                lr=0.05, momentum=mom, dampening=damp, nesterov=nest, weight_decay=wd, maximize=mx
            )
    for lr_decay, wd, initial in itertools.product((0, 0.1), (0, 0.1), (0, 0.5)):
        yield "Adagrad", dict(
            lr=0.1, lr_decay=lr_decay, weight_decay=wd, initial_accumulator_value=initial
        )
    for wd, mom, centered in itertools.product((0, 0.1), (0, 0.9), (False, True)):
        yield "RMSprop", dict(lr=0.01, alpha=0.9, weight_decay=wd, momentum=mom, centered=centered)
    for name, wd, amsgrad in itertools.product(("Adam", "AdamW"), (0, 0.1), (False, True)):
        yield name, dict(lr=0.01, betas=(0.8, 0.9), weight_decay=wd, amsgrad=amsgrad)


def parity(steps: int = 20) -> None:
    try:
        import torch
    except ImportError:
        print("\nparity with torch.optim: torch not installed")
        return
    print(f"\nparity with torch.optim over {steps} steps: max |ours - torch| / max |torch|")
    for dtype in (np.float64, np.float32):
        worst: dict[str, float] = {}
        cases = [("GD", {"lr": 0.1}), *parity_cases()]
        for name, kwargs in cases:
            ours = getattr(mt.optim, name)(**kwargs)
            rng = np.random.default_rng(0)
            params = {"W": rng.normal(size=(5, 4)).astype(dtype), "b": rng.normal(size=4)}
            params["b"] = params["b"].astype(dtype)
            tensors = [torch.tensor(p, requires_grad=True) for p in params.values()]
            theirs = getattr(torch.optim, "SGD" if name == "GD" else name)(tensors, **kwargs)
            state = ours.init(params)
            deviation = 0.0
            for _ in range(steps):
                grads = {k: rng.normal(size=p.shape).astype(dtype) for k, p in params.items()}
                for tensor, g in zip(tensors, grads.values()):
                    tensor.grad = torch.from_numpy(g.copy())
                theirs.step()
                params, state = ours.step(params, grads, state)
                for tensor, p in zip(tensors, params.values()):
                    ref = tensor.detach().numpy()
                    deviation = max(deviation, float(np.abs(p - ref).max() / np.abs(ref).max()))
            worst[name] = max(worst.get(name, 0.0), deviation)
        summary = ", ".join(f"{k} {v:.1e}" for k, v in worst.items())
        print(f"  {np.dtype(dtype).name} ({len(cases)} option combinations): {summary}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, 10000-row table 2")
    args = parser.parse_args()
    repeats = 3 if args.quick else 7
    try:  # loaded first, if installed, so that its thread pools are listed too
        import torch  # noqa: F401
    except ImportError:
        pass
    header()
    digits_table(repeats)
    step_breakdown(repeats)
    large_table(repeats, 10_000 if args.quick else 60_000)
    parity()
    print(f"\nload average at end {os.getloadavg()[0]:.2f} (other processes inflate times)")


if __name__ == "__main__":
    main()
