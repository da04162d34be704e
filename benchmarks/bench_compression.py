"""Accuracy against size and compute for compressed digits classifiers.

Run:  .venv/bin/python benchmarks/bench_compression.py [--seed 0]

Data: the 1797 x 64 digits (pixels / 16, float32), stratified 75/25 split (450 test images,
so one test image is 0.22 points of accuracy). Model: MLP 64-256-128-10 (ReLU, He init),
softmax cross-entropy, Adam lr 1e-3, batch 32, 30 epochs: the dense reference.

Rows:
  pruned one-shot     global magnitude pruning of the dense weights, no retraining
  pruned one-shot+FT  the same, then 15 epochs of fine-tuning under masked(Adam)
  pruned gradual+FT   15 epochs from the dense weights: GradualPruning (Zhu & Gupta) prunes at
                      the start of epochs 0..10 up to the target, then 5 epochs at the target
  int8                dense weights fake-quantized, symmetric, per tensor / per channel
  pruned+int8         gradual+FT weights quantized, symmetric (zeros stay zeros); per channel
                      pays a float32 scale per output unit of every array, biases included
  structured          prune_units(0.75): 75% of hidden units removed, 15 epochs fine-tuning
  student             MLP 64-24-10, 40 epochs alone vs distilled from the dense teacher's
                      logits on the training images (T = 4, alpha = 0.5), mean of 5 seeds

Bytes: dense float32 for float models; "sparse" rows store each array in the smallest of dense,
bitmap and CSR (minitrain.compress.footprint); int8 rows add a float32 scale per channel.
Multiply-adds are per image (zero weights skipped). Pruning is over weights; biases are kept.
"""

from __future__ import annotations

import os

# The matrices here are small: one BLAS thread is faster and steadier than two on a busy
# machine. Set before NumPy loads BLAS; an explicit setting by the caller wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import time
from itertools import pairwise

import numpy as np

import minitrain as mt
from minitrain import compress
from minitrain.losses import CrossEntropy, Distillation

SPARSITIES = (0.5, 0.8, 0.9, 0.95)
EPOCHS, FINETUNE_EPOCHS, STUDENT_EPOCHS, STUDENT_SEEDS, BATCH = 30, 15, 40, 5, 32


def mlp(*widths: int) -> mt.Sequential:
    layers: list = []
    for n_in, n_out in pairwise(widths):
        layers += [mt.Dense(n_in, n_out, init="he"), mt.ReLU()]
    return mt.Sequential(layers[:-1])


def accuracy(model: mt.Sequential, params: dict, X: np.ndarray, y: np.ndarray) -> float:
    return 100.0 * float(np.mean(model.predict(params, X).argmax(axis=1) == y))


def digits_split(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X_train, X_test, y_train, y_test): pixels / 16 in float32, stratified 75/25."""
    X, y = mt.data.load_digits(dtype=np.float32)
    return mt.data.train_test_split(X / np.float32(16), y, 0.25, seed=seed, stratify=True)


def train_dense(model: mt.Sequential, X: np.ndarray, y: np.ndarray, seed: int) -> dict:
    return mt.fit(model, CrossEntropy(), mt.optim.Adam(lr=1e-3), X, y, epochs=EPOCHS,
                  batch_size=BATCH, seed=seed, progress=False,
                  params=model.init(seed, dtype=np.float32)).params  # fmt: skip


def prune_gradually(
    model: mt.Sequential, dense: dict, s: float, X: np.ndarray, y: np.ndarray, seed: int
) -> dict:
    """FINETUNE_EPOCHS from the dense weights; pruning at the start of epochs 0..10."""
    schedule = compress.GradualPruning(s, n_events=10, every=-(-len(X) // BATCH))
    return mt.fit(model, CrossEntropy(), mt.optim.Adam(lr=1e-3), X, y, epochs=FINETUNE_EPOCHS,
                  batch_size=BATCH, seed=seed, progress=False, params=dense,
                  callbacks=[schedule]).params  # fmt: skip


def int8_sparse_bytes(q: dict) -> int:
    """Quantized params stored sparse: per array min(dense, bitmap, CSR) of the int8 values,
    plus 4 bytes per scale (symmetric: no zero points)."""
    return sum(compress.sparse_nbytes(t.values, 1) + 4 * t.scale.size for t in q.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    seed = parser.parse_args().seed
    start = time.perf_counter()

    X_train, X_test, y_train, y_test = digits_split(seed)
    loss = CrossEntropy()
    train = {"batch_size": BATCH, "seed": seed, "progress": False}
    model = mlp(64, 256, 128, 10)
    dense = train_dense(model, X_train, y_train, seed)
    dense_fp = compress.footprint(model, dense)
    reference = dense_fp.dense_bytes
    rows: list[tuple[str, float, int, str, int]] = []  # name, acc, bytes, stored as, MACs

    def add(name: str, params: dict, stored_as: str, nbytes: int, net=model) -> float:
        acc = accuracy(net, params, X_test, y_test)
        counts = compress.footprint(net, params)
        macs = counts.macs_sparse if stored_as.startswith("sparse") else counts.macs_dense
        rows.append((name, acc, nbytes, stored_as, macs))
        return acc

    acc_dense = add("dense float32", dense, "dense f32", reference)
    results: dict[tuple[str, float], float] = {}
    pruned_params: dict[float, dict] = {}
    for s in SPARSITIES:
        masks = compress.magnitude_masks(dense, s, "global")
        one_shot = compress.apply_masks(dense, masks)
        size = compress.footprint(model, one_shot).sparse_bytes
        results["one-shot", s] = add(f"pruned {s:.0%} one-shot", one_shot, "sparse f32", size)
        tuned = compress.prune_then_finetune(
            model, loss, mt.optim.Adam(lr=1e-3), X_train, y_train, dense, s,
            epochs=FINETUNE_EPOCHS, **train,
        ).params  # fmt: skip
        size = compress.footprint(model, tuned).sparse_bytes
        results["one-shot+FT", s] = add(f"pruned {s:.0%} one-shot+FT", tuned, "sparse f32", size)
        gradual = prune_gradually(model, dense, s, X_train, y_train, seed)
        size = compress.footprint(model, gradual).sparse_bytes
        results["gradual+FT", s] = add(f"pruned {s:.0%} gradual+FT", gradual, "sparse f32", size)
        pruned_params[s] = gradual

    int8 = {}
    for granularity in ("tensor", "channel"):
        q = compress.quantize(dense, 8, "symmetric", granularity)
        int8[granularity] = add(f"int8 per {granularity}", compress.dequantize(q), "int8",
                                compress.quantized_nbytes(q))  # fmt: skip
    pruned_int8 = {}
    for s, granularity in ((0.9, "tensor"), (0.9, "channel"), (0.95, "tensor")):
        q = compress.quantize(pruned_params[s], 8, "symmetric", granularity)
        nbytes = int8_sparse_bytes(q)
        add(f"pruned {s:.0%} gradual+FT, int8/{granularity}", compress.dequantize(q),
            "sparse int8", nbytes)  # fmt: skip
        pruned_int8[s, granularity] = reference / nbytes

    shrunk = compress.prune_units(model, dense, 0.75)
    small_dense = mt.fit(shrunk.model, loss, mt.optim.Adam(lr=1e-3), X_train, y_train,
                         epochs=FINETUNE_EPOCHS, params=shrunk.params, **train).params  # fmt: skip
    widths = "-".join(str(w) for w in (64, *(len(k) for k in shrunk.kept.values()), 10))
    add(f"structured 75% -> {widths} +FT", small_dense, "dense f32",
        compress.footprint(shrunk.model, small_dense).dense_bytes, net=shrunk.model)  # fmt: skip

    teacher_logits = model.predict(dense, X_train)
    student = mlp(64, 24, 10)
    alone, distilled = [], []
    for student_seed in range(STUDENT_SEEDS):
        init = student.init(seed + student_seed, dtype=np.float32)
        kwargs = {**train, "epochs": STUDENT_EPOCHS, "params": init, "seed": seed + student_seed}
        p_alone = mt.fit(student, loss, mt.optim.Adam(lr=3e-3), X_train, y_train,
                         **kwargs).params  # fmt: skip
        p_dist = mt.fit(student, Distillation(4.0, 0.5), mt.optim.Adam(lr=3e-3), X_train,
                        (y_train, teacher_logits), **kwargs).params  # fmt: skip
        alone.append(accuracy(student, p_alone, X_test, y_test))
        distilled.append(accuracy(student, p_dist, X_test, y_test))
    student_bytes = compress.footprint(student, init).dense_bytes
    student_macs = student.macs(1)
    for how, accs in (("alone", alone), ("distilled", distilled)):
        name = f"student 64-24-10 {how} (mean of {STUDENT_SEEDS})"
        rows.append((name, float(np.mean(accs)), student_bytes, "dense f32", student_macs))

    threads = os.environ["OPENBLAS_NUM_THREADS"]
    print(f"digits: {len(X_train)} train / {len(X_test)} test images; MLP 64-256-128-10, "
          f"{dense_fp.n_params:,} params; BLAS threads {threads}")  # fmt: skip
    header = f"{'model':<38} {'test acc':>8} {'vs dense':>8} {'bytes':>9} {'smaller':>8}  "
    print(header + f"{'stored as':<11} {'mult-adds':>9}")
    print("-" * (len(header) + 21))
    for name, acc, nbytes, stored_as, macs in rows:
        print(f"{name:<38} {acc:>7.2f}% {acc - acc_dense:>+8.2f} {nbytes:>9,} "
              f"{reference / nbytes:>7.1f}x  {stored_as:<11} {macs:>9,}")  # fmt: skip

    print(f"\ntargets (seed {seed}, the table above):")
    gap = acc_dense - results["gradual+FT", 0.9]
    print(f"  90% gradual+FT within 1 point of dense: {gap:+.2f} points lower -> "
          f"{'met' if gap <= 1.0 else 'NOT met'}")  # fmt: skip
    for granularity, acc in int8.items():
        gap = acc_dense - acc
        print(f"  int8 per {granularity} within 0.5 point of float: {gap:+.2f} points lower -> "
              f"{'met' if gap <= 0.5 else 'NOT met'}")  # fmt: skip
    for (s, granularity), ratio in pruned_int8.items():
        print(f"  pruned {s:.0%} + int8/{granularity} at least 20x smaller than dense float32: "
              f"{ratio:.1f}x -> {'met' if ratio >= 20 else 'NOT met'}")  # fmt: skip

    # One test split is 450 images (0.22 points each): repeat the targets on other splits.
    print("\nthe same targets on other splits and initialisations (points below dense):")
    gaps = {"90% gradual+FT": [], "int8/tensor": [], "int8/channel": [], "90%+int8/tensor": []}
    ratios = []
    for other in (seed, seed + 1, seed + 2):
        X_tr, X_te, y_tr, y_te = digits_split(other)
        d = dense if other == seed else train_dense(model, X_tr, y_tr, other)
        g = pruned_params[0.9] if other == seed else prune_gradually(model, d, 0.9, X_tr, y_tr,
                                                                     other)  # fmt: skip
        base = accuracy(model, d, X_te, y_te)
        gaps["90% gradual+FT"].append(base - accuracy(model, g, X_te, y_te))
        for granularity in ("tensor", "channel"):
            q_dense = compress.fake_quantize(d, 8, "symmetric", granularity)
            gaps[f"int8/{granularity}"].append(base - accuracy(model, q_dense, X_te, y_te))
        q = compress.quantize(g, 8, "symmetric", "tensor")
        gaps["90%+int8/tensor"].append(base - accuracy(model, compress.dequantize(q), X_te, y_te))
        ratios.append(reference / int8_sparse_bytes(q))
    for name, values in gaps.items():
        shown = ", ".join(f"{v:+.2f}" for v in values)
        print(f"  {name:<16} seeds {seed}..{seed + 2}: {shown}  (mean {np.mean(values):+.2f})")
    print(f"  90%+int8/tensor size: {', '.join(f'{r:.1f}x' for r in ratios)} smaller")
    print(f"\nwall time {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
