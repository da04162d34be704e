# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 6: Accuracy against resources: pruning, quantization, distillation, MCU budgets
#
# **The question.** A digits classifier of 50 000 float32 weights (200 KB) reads 97% of the
# test images correctly. A Cortex-M4 microcontroller has 1 MB of flash and 256 KB of RAM, and
# also has to hold its firmware, buffers and radio stack. Three routes make a model smaller:
# **prune** weights (store only the non-zero ones), **quantize** them (8 bits instead of 32),
# or **distil** the big model into a small one. How much accuracy does each byte saved cost,
# which models are worth deploying at all (the Pareto front), and what could the device not
# only run but also *train*?

# %%
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: one thread is faster

from pathlib import Path

import numpy as np

import minitrain as mt
from minitrain import compress, plotting

FAST = os.environ.get("MINITRAIN_FAST") == "1"  # the test suite's quick mode
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
PLOTS = Path(os.environ.get("MINITRAIN_PLOTS_DIR", HERE.parent / "build" / "figures"))
EPOCHS = 8 if FAST else 20  # training of the dense model
FINE_TUNE = 4 if FAST else 5  # epochs after (or while) pruning
SPARSITIES = [0.5, 0.8, 0.9] if FAST else [0.5, 0.7, 0.8, 0.9, 0.95]

# %% [markdown]
# ## The dense model
#
# Digits (8x8 pixels / 16, float32 as on a device), a stratified 75/25 split, and an MLP
# 64 → 256 → 128 → 10 trained with Adam.

# %%
X, y = mt.data.load_digits(dtype=np.float32)
X_train, X_test, y_train, y_test = mt.data.train_test_split(
    X / np.float32(16), y, test_fraction=0.25, seed=0, stratify=True
)
model = mt.Sequential([mt.Dense(64, 256, init="he"), mt.ReLU(), mt.Dense(256, 128, init="he"),
                       mt.ReLU(), mt.Dense(128, 10)])  # fmt: skip
loss = mt.losses.CrossEntropy()
TRAIN = {"batch_size": 32, "seed": 0, "progress": False}
dense = mt.fit(model, loss, mt.optim.Adam(lr=1e-3), X_train, y_train, epochs=EPOCHS,
               params=model.init(0, dtype=np.float32), **TRAIN).params  # fmt: skip


def accuracy(params, net=model):
    return float(np.mean(net.predict(params, X_test).argmax(axis=1) == y_test))


size = compress.footprint(model, dense)
print(size)
print(f"dense test accuracy {accuracy(dense):.1%}")

# %% [markdown]
# ## The math
#
# ### Which weights to prune
#
# Setting weight $w_i$ to 0 moves the parameters by $\delta = -w_i e_i$. By Taylor's theorem
#
# $$\Delta L \approx g_i\,\delta_i + \tfrac12 \delta^\top H \delta
#   = -g_i w_i + \tfrac12 H_{ii} w_i^2 .$$
#
# At the end of training $g \approx 0$, so the damage is $\tfrac12 H_{ii} w_i^2$ (LeCun's
# "optimal brain damage"). Assuming similar curvature $H_{ii}$ everywhere, the weights whose
# removal hurts least are those of smallest $|w_i|$: **magnitude pruning**. `"global"` scope
# ranks all layers together (a layer of many small weights gives up more of them);
# `"layer"` prunes each layer to the same fraction.
#
# Two assumptions hide in that argument, and both fail when much is cut at once. Removing
# many weights together moves the parameters by $\delta = -\sum_{i \in S} w_i e_i$, whose
# damage $\tfrac12 \delta^\top H \delta$ also holds the cross terms $H_{ij} w_i w_j$ that a
# **diagonal Hessian** ignores; and the quadratic Taylor model holds only for **small steps**,
# while zeroing 90% of the weights is a large one. That is why one-shot pruning to 90%
# collapses below (Check 5) and retraining, which lets the other weights compensate, is what
# rescues it.
#
# ### Training with a mask
#
# A pruned model computes with $p = w \odot m$, $m \in \{0, 1\}$. By the chain rule,
# $\partial L/\partial w = m \odot \partial L/\partial p$: a pruned weight gets zero gradient,
# so plain SGD leaves it at 0. But Adam's step is $\eta\,\hat m_t/(\sqrt{\hat v_t} + \epsilon)$
# with running averages of *past* gradients: a pruned weight with momentum left over keeps
# moving for hundreds of steps. `compress.masked(opt, masks)` therefore zeroes the weight,
# its gradient **and its optimizer slots** at every step.
#
# ### One shot or gradually
#
# One-shot pruning removes a fraction $s$ at once, then fine-tunes. Gradual pruning
# (Zhu and Gupta, 2017) raises the sparsity during training along
#
# $$s_t = s_f + (s_i - s_f)\left(1 - \frac{t - t_0}{n\,\Delta t}\right)^3,
#   \qquad \frac{ds_t}{dt} = \frac{3(s_f - s_i)}{n\,\Delta t}
#   \left(1 - \frac{t - t_0}{n\,\Delta t}\right)^2 ,$$
#
# fast at first, while there are many redundant weights, and ever more slowly, so that the
# network can adapt to each cut before the next.
#
# ### Quantization, and what its error does to a layer
#
# Symmetric int8 per tensor: $s = \max|w| / 127$, $q = \mathrm{round}(w/s) \in [-127, 127]$,
# $\hat w = q s$. Rounding moves each weight by at most half a step, $|w - \hat w| \le s/2$.
# For one dense layer, $y_j = \sum_i x_i W_{ij}$, the output moves by
#
# $$|y_j - \hat y_j| = \Big|\sum_i x_i (W_{ij} - \hat W_{ij})\Big| \le \frac s2 \sum_i |x_i| ,$$
#
# a bound we can check exactly. Zero is a code ($q = 0$), so pruned weights stay pruned.
# The bound is the worst case, every rounding error pushing the same way. Typically the
# errors $e_{ij}$ are independent and uniform on $[-s/2, s/2]$ (variance $s^2/12$), so the
# output error is about $s\,\lVert x \rVert_2/\sqrt{12}$, far below $\tfrac s2 \lVert x \rVert_1$
# for 64 inputs.
#
# ### Storage
#
# For an array of $n$ entries, $nnz$ of them non-zero, $v$ bytes per value (4 for float32, 1
# for int8) and $i(m)$ the bytes of the smallest unsigned integer holding $m$:
# dense $n v$; bitmap $\lceil n/8 \rceil + nnz\,v$ (one bit says "non-zero"); CSR
# $nnz\,(v + i(cols)) + (rows + 1)\, i(nnz)$. The model is stored in the smallest of the three
# per array; int8 adds one float32 scale per array.
#
# ### Distillation
#
# A small student with logits $z$ learns from a teacher's logits $t$ softened by a
# temperature $T$: $q = \mathrm{softmax}(t/T)$, $p_T = \mathrm{softmax}(z/T)$, and
#
# $$L = \alpha\,\mathrm{CE}(z, y)
#   + (1 - \alpha)\,T^2\,\frac1N \sum_n \sum_c -q_{nc}\log p_{T,nc} .$$
#
# The soft term is a softmax cross-entropy of $z/T$ against $q$, whose gradient with respect to
# its logits is $p_T - q$ (lesson 2); the chain rule through $z/T$ adds a factor $1/T$. So
#
# $$\frac{\partial L}{\partial z} = \frac{\alpha}{N}(p - Y) + \frac{1 - \alpha}{N}\,T\,(p_T - q):$$
#
# the $T^2$ keeps the soft gradient's size independent of $T$ because it cancels *two*
# factors of $1/T$: the chain rule's, and the size of $p_T - q$ itself, which for a large $T$
# is about $(z - t)/(C\,T)$ for $C$ classes and zero-mean logits (expand both softmaxes to
# first order; Hinton et al., 2015). The soft targets need **no labels**: the teacher can
# label every image the device sees.
#
# ### Training memory
#
# Training needs the parameters, their gradients, the optimizer's slots (Adam: two per
# parameter) and every layer's output for the batch, kept for backpropagation:
# $4\,(2n + \text{slots} + B\sum_\ell \text{width}_\ell)$ bytes in float32.

# %% [markdown]
# ### Check 1: masked Adam keeps pruned weights at 0; plain Adam does not
#
# Prune 80% of the trained weights, then take one Adam step from a state that still holds
# momentum for them (as it would mid-training). Plain Adam moves the pruned weights even with
# zero gradient; the masked stepper keeps exactly round(0.8 n) zeros.

# %%
masks = compress.magnitude_masks(dense, 0.8, scope="global")
pruned = compress.apply_masks(dense, masks)
_, grads = mt.value_and_grad(model, loss, dense, X_train[:64], y_train[:64])
grads_masked = compress.apply_masks(grads, masks)
plain = mt.optim.Adam(lr=1e-3)
state = plain.step(dense, grads, plain.init(dense))[1]  # momentum from the unpruned weights
after_plain, _ = plain.step(pruned, grads_masked, state)
after_masked, _ = compress.masked(plain, masks).step(pruned, grads_masked, state)
weights = [key for key in dense if key.endswith(".W")]
n_weights = sum(dense[key].size for key in weights)
moved = sum(int(np.count_nonzero(after_plain[k][~masks[k]])) for k in weights)
zeros = sum(int(np.sum(after_masked[k] == 0)) for k in weights)
print(f"plain Adam moved {moved} pruned weights; masked Adam kept {zeros} zeros")
assert moved > 0.5 * 0.8 * n_weights
assert zeros == round(0.8 * n_weights)

# %% [markdown]
# ### Check 2: quantization error within half a step, and the layer bound holds
#
# Every weight of every array moves by at most $s/2$ (compared with a relative slack of 1e-6:
# the bound is exact in real numbers, and float32 rounding of $q s$ adds at most a few ulps);
# the first layer's outputs on the test images move by at most $\tfrac s2 \sum_i |x_i|$,
# and typically by $s\,\lVert x \rVert_2/\sqrt{12}$.

# %%
quantized = compress.quantize(dense, bits=8)
dense_int8 = compress.dequantize(quantized)
for key, q in quantized.items():
    assert np.abs(dense[key] - dense_int8[key]).max() <= q.scale / 2 * (1 + 1e-6), key
step0 = float(quantized["0.W"].scale)
output_error = np.abs(X_test @ (dense["0.W"] - dense_int8["0.W"]))
bound = step0 / 2 * np.abs(X_test).sum(axis=1, keepdims=True)
assert np.all(output_error <= bound * (1 + 1e-5))
print(f"first layer: largest output error {output_error.max():.2e}, "
      f"its bound {bound.max():.2e}; int8 accuracy {accuracy(dense_int8):.1%}")  # fmt: skip
# The typical error: RMS of the output errors against s ||x||_2 / sqrt(12) (independent
# uniform rounding). Thousands of outputs average the ratio to within a few percent of 1.
typical = step0 * np.linalg.norm(X_test, axis=1, keepdims=True) / np.sqrt(12)
ratio = float(np.sqrt(np.mean(output_error**2)) / np.sqrt(np.mean(typical**2)))
print(f"RMS output error / (s ||x|| / sqrt(12)) = {ratio:.2f}; worst case / typical = "
      f"{float(np.mean(bound / typical)):.0f}")  # fmt: skip
assert 0.9 < ratio < 1.1

# %% [markdown]
# ### Check 3: the footprint's bytes are the formulas
#
# The first layer under the global 80% mask of Check 1, by hand in the three formats, against
# `compress.sparse_nbytes`; and the whole dense model, $4n$ and $n + 4 \cdot$ arrays. (One
# threshold for all layers prunes the first layer less than 80%: see exercise 2.)

# %%
W0 = pruned["0.W"]
nnz, (rows, cols) = int(np.count_nonzero(W0)), W0.shape
index_bytes = 1 if cols - 1 < 256 else 2
formats = {
    "dense": W0.size * 4,
    "bitmap": -(-W0.size // 8) + nnz * 4,
    "CSR": nnz * (4 + index_bytes) + (rows + 1) * (2 if nnz < 2**16 else 4),
}
print(f"layer 0 under the global 80% mask ({1 - nnz / W0.size:.1%} pruned), bytes: {formats}")
assert compress.sparse_nbytes(W0, 4) == min(formats.values())
n_params = sum(v.size for v in dense.values())
assert size.dense_bytes == 4 * n_params and size.int8_bytes == n_params + 4 * len(dense)

# %% [markdown]
# ### Check 4: the distillation gradient is the formula, and finite differences agree
#
# In float64 on a small batch: our formula for $\partial L/\partial z$ against
# `Distillation.grad` (1e-12 relative: the same sums) and the whole network's gradient
# against central differences (1e-6, as in lesson 4).

# %%
student = mt.Sequential([mt.Dense(64, 16, init="he"), mt.ReLU(), mt.Dense(16, 10)])
distill = mt.losses.Distillation(temperature=4.0, alpha=0.5)
batch = X_train[:20].astype(np.float64)
labels = y_train[:20]
teacher_logits = model.predict(dense, X_train[:20]).astype(np.float64)
student64 = student.init(0)
z = student.predict(student64, batch)


def softmax(a):
    e = np.exp(a - a.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


T, alpha, N = 4.0, 0.5, len(batch)
by_hand = (alpha * (softmax(z) - np.eye(10)[labels])
           + (1 - alpha) * T * (softmax(z / T) - softmax(teacher_logits / T))) / N  # fmt: skip
np.testing.assert_allclose(distill.grad(z, (labels, teacher_logits)), by_hand, rtol=1e-12,
                           atol=1e-15)  # fmt: skip
errors = mt.gradcheck.gradcheck(student, distill, student64, batch, (labels, teacher_logits))
assert max(errors.values()) < 1e-6

# %% [markdown]
# ## Pruning: one shot, one shot and fine-tuning, or gradually
#
# For each target sparsity: prune the dense weights at once and evaluate; prune at once and
# fine-tune under masked Adam; or start from the dense weights and prune gradually along the
# cubic schedule during the same number of epochs (6 pruning events spread over the first 60%
# of the run, then the rest at the target).

# %%
steps_per_epoch = -(-len(X_train) // 32)
pruning_every = round(0.6 * FINE_TUNE * steps_per_epoch / 6)  # the last cut at 60% of the run
ONE_SHOT, FINE_TUNED, GRADUAL = "one-shot, no retraining", "one-shot + fine-tuning", "gradual"
results = {ONE_SHOT: [], FINE_TUNED: [], GRADUAL: []}
gradual_params = {}
for s in SPARSITIES:
    one_shot = compress.apply_masks(dense, compress.magnitude_masks(dense, s, scope="global"))
    tuned = compress.prune_then_finetune(model, loss, mt.optim.Adam(lr=1e-3), X_train, y_train,
                                         dense, s, epochs=FINE_TUNE, **TRAIN).params  # fmt: skip
    schedule = compress.GradualPruning(s, n_events=6, every=pruning_every)
    gradual = mt.fit(model, loss, mt.optim.Adam(lr=1e-3), X_train, y_train, epochs=FINE_TUNE,
                     params=dense, callbacks=[schedule], **TRAIN).params  # fmt: skip
    gradual_params[s] = gradual
    for name, params in ((ONE_SHOT, one_shot), (FINE_TUNED, tuned), (GRADUAL, gradual)):
        results[name].append(accuracy(params))
    print(f"sparsity {s:.0%}: " + ", ".join(f"{k} {v[-1]:.1%}" for k, v in results.items()))

# %% [markdown]
# ### Check 5: the schedule ends exactly at its target, and fine-tuning is what saves accuracy
#
# Gradual pruning must end with exactly round(s n) zero weights (its masks nest, so nothing
# comes back). At 90% sparsity the one-shot cut without retraining loses more than ten points;
# retraining, either way, wins back more than half of the loss.

# %%
for s, params in gradual_params.items():
    assert sum(int(np.sum(params[k] == 0)) for k in weights) == round(s * n_weights)
at90 = SPARSITIES.index(0.9)
lost = accuracy(dense) - results[ONE_SHOT][at90]
assert lost > 0.1
for name in (FINE_TUNED, GRADUAL):
    assert results[name][at90] > results[ONE_SHOT][at90] + 0.5 * lost, name

# %% [markdown]
# ## Distillation: a small model that the device could train itself
#
# Suppose the device has labelled only 100 of its images. The student 64 → 16 → 10 (1 200
# weights) trained on those alone, against the same student trained on *all* the training
# images with the teacher's softened logits as its only targets ($\alpha = 0$: the student
# sees no labels). The teacher, though, is this lesson's network, trained on the labelled
# training set: the comparison shows what a teacher's targets give a student, not a way to
# learn without labels. On a device the teacher would be trained elsewhere, on other labelled
# data (to measure that fairly, train the teacher on a split disjoint from the student's).

# %%
rng = np.random.default_rng(0)
labelled = rng.choice(len(X_train), size=100, replace=False)
init = student.init(0, dtype=np.float32)
alone = mt.fit(student, loss, mt.optim.Adam(lr=3e-3), X_train[labelled], y_train[labelled],
               epochs=30 if FAST else 60, params=init, **TRAIN).params  # fmt: skip
teacher_train = model.predict(dense, X_train)
taught = mt.fit(student, mt.losses.Distillation(temperature=4.0, alpha=0.0),
                mt.optim.Adam(lr=3e-3), X_train, (y_train, teacher_train),
                epochs=20 if FAST else 30, params=init, **TRAIN).params  # fmt: skip
student_accuracy = {"100 labels alone": accuracy(alone, student),
                    "distilled, no labels": accuracy(taught, student)}  # fmt: skip
print(student_accuracy)
assert student_accuracy["distilled, no labels"] > student_accuracy["100 labels alone"] + 0.1

# %% [markdown]
# (On the full labelled set, distillation adds nothing measurable on digits: the labels are
# clean and plentiful. What the teacher gives here is targets for data nobody labelled.)
#
# ## Accuracy against bytes, and the Pareto front
#
# Every model we made as a point: bytes as it would be stored (sparse where that is smaller),
# test accuracy. A model is on the **Pareto front** when no other is both as small and more
# accurate: only those are worth deploying. The dotted lines are the memories of the
# Cortex-M4 class.

# %%
pruned_bytes, pruned_int8_bytes, pruned_int8_accuracy = [], [], []  # one per sparsity
for s in SPARSITIES:
    counts = compress.footprint(model, gradual_params[s])
    pruned_bytes.append(counts.sparse_bytes)
    pruned_int8_bytes.append(counts.sparse_int8_bytes)
    pruned_int8_accuracy.append(accuracy(compress.fake_quantize(gradual_params[s])))
student_bytes = compress.footprint(student, taught).dense_bytes
points = {
    "dense float32": (size.dense_bytes, accuracy(dense)),
    "dense int8": (size.int8_bytes, accuracy(dense_int8)),
    "gradually pruned, sparse float32": (np.array(pruned_bytes, float), results[GRADUAL]),
    "gradually pruned + int8": (np.array(pruned_int8_bytes, float), pruned_int8_accuracy),
    "student 64-16-10, distilled": (student_bytes, student_accuracy["distilled, no labels"]),
}  # fmt: skip
m4 = compress.DEVICES["cortex-m4"]
fig = plotting.accuracy_vs_bytes(
    points,
    budgets={"cortex-m4 RAM (256 KB)": m4.ram_bytes, "cortex-m4 flash (1 MB)": m4.storage_bytes},
    title="Digits: test accuracy against storage, with the Pareto front",
)
plotting.save(fig, PLOTS / "lesson06_accuracy_vs_bytes.png")

# %%
curves = {
    (name if name == ONE_SHOT else f"{name} ({FINE_TUNE} epochs)"): (np.array(SPARSITIES), values)
    for name, values in results.items()
}
fig = plotting.sparsity_vs_accuracy(
    curves,
    dense_accuracy=accuracy(dense),
    title="Digits MLP 64-256-128-10: accuracy after global magnitude pruning",
)
plotting.save(fig, PLOTS / "lesson06_sparsity_vs_accuracy.png")

# %% [markdown]
# ### Check 7: the dense float32 model is not on the Pareto front
#
# Some compressed model is at least as accurate and smaller (here int8 alone, or pruning at
# 50%), so shipping 32-bit dense weights is never the right choice on a small device.

# %%
labels_of_points = [label for label, (b, _) in points.items() for _ in np.atleast_1d(b)]
all_bytes = np.concatenate([np.atleast_1d(np.asarray(b, float)) for b, _ in points.values()])
all_accuracy = np.concatenate([np.atleast_1d(np.asarray(a, float)) for _, a in points.values()])
front = plotting.pareto_front(all_bytes, all_accuracy)
print("on the front (smallest first):")
for i in sorted(front, key=lambda i: all_bytes[i]):
    print(f"  {labels_of_points[i]:<30} {all_bytes[i]:>9,.0f} B  {all_accuracy[i]:.1%}")
assert labels_of_points.index("dense float32") not in front

# %% [markdown]
# ## What fits on the microcontroller
#
# `compress.fits` checks a footprint against a device: storage against flash, inference and
# training memory against RAM. Inference is easy: every model stores in well under 1 MB and
# runs layer by layer in a few KB. Training is another matter.

# %%
adam = mt.optim.Adam(lr=1e-3)
candidates = {
    "dense 64-256-128-10": compress.footprint(model, dense, adam, batch_size=32),
    "pruned 90% (masked Adam)": compress.footprint(
        model, gradual_params[0.9], compress.masked(adam, compress.magnitude_masks(
            gradual_params[0.9], 0.9, scope="global")), batch_size=32),
    "student 64-16-10": compress.footprint(student, taught, adam, batch_size=32),
}  # fmt: skip
print(f"{'model':<26}{'storage':>10}{'train RAM':>11}   on a cortex-m4")
verdicts = {}
for name, counts in candidates.items():
    report = compress.fits(counts, "cortex-m4")
    verdicts[name] = report.fits("cortex-m4", "RAM: training, batch 32")
    print(f"{name:<26}{counts.smallest_bytes:>10,}{counts.training_bytes:>11,}   "
          f"{'stores' if report.fits('cortex-m4', 'storage: sparse int8') else 'too big'}, "
          f"{'trains' if verdicts[name] else 'cannot train'}")  # fmt: skip
print(compress.fits(candidates["student 64-16-10"], "cortex-m4"))

# %% [markdown]
# ### Check 6: the training memory is the formula, and only the student trains on the MCU
#
# Pruning shrinks what is *stored*, not what training holds: the masked stepper keeps the
# dense arrays (and adds a byte per mask entry). Only the distilled student fits its Adam
# state and activations in 256 KB.

# %%
counts = candidates["student 64-16-10"]
n_student = sum(v.size for v in taught.values())
activations = 32 * (64 + 16 + 16 + 10)  # input, Dense(64, 16), ReLU, Dense(16, 10) outputs
assert counts.training_bytes == 4 * (2 * n_student + 2 * n_student + activations)
assert verdicts == {"dense 64-256-128-10": False, "pruned 90% (masked Adam)": False,
                    "student 64-16-10": True}  # fmt: skip

# %% [markdown]
# ## Summary
#
# - Magnitude pruning follows from a second-order Taylor expansion at a minimum; removing
#   weights without retraining fails early, with fine-tuning (one-shot or gradual) this MLP
#   keeps its accuracy to high sparsity.
# - A mask multiplies the gradient; optimizers with memory need their slots masked too.
# - int8 costs a quarter of the bytes and, with an error of at most $s/2$ per weight, almost
#   no accuracy; quantization and pruning combine, since 0 is a code.
# - Distillation turns a big model into targets for a small one, including on data nobody
#   labelled.
# - Storing a model is not training it: on an MCU the training memory (gradients, optimizer
#   state, activations) decides, and only a small model fits.
#
# ## Exercises
#
# 1. **Per-channel scales.** Quantize `dense["0.W"]` with one scale per output column,
#    $s_j = \max_i |W_{ij}|/127$, by hand. Show that no column's bound $s_j/2$ exceeds the
#    per-tensor one, and return the largest absolute error of your dequantized array. Check
#    with `check_per_channel(W_hat)`.
# 2. **Global or layer-wise?** With `scope="global"` at 90%, what fraction of each of the three
#    weight arrays is pruned? Which layer keeps the most of its weights, and why? Check with
#    `check_layer_sparsity(fractions)` (a dict key -> fraction).
# 3. **The smallest good model.** Find a model and a compression (any of this lesson's tools)
#    stored in at most 16 KB that reads at least 93% of the test digits. Check with
#    `check_small(net, params, nbytes)`.


# %%
def check_per_channel(W_hat):
    W = dense["0.W"]
    scales = np.abs(W).max(axis=0) / 127
    assert np.all(np.abs(W - W_hat) <= scales / 2 * (1 + 1e-6)), "an error exceeds s_j / 2"
    expected = compress.fake_quantize({"0.W": W}, granularity="channel")["0.W"]
    np.testing.assert_allclose(W_hat, expected, rtol=0, atol=1e-7)
    print(f"check_per_channel: correct (largest error {np.abs(W - W_hat).max():.2e} vs "
          f"per-tensor bound {step0 / 2:.2e})")  # fmt: skip


def check_layer_sparsity(fractions):
    global_masks = compress.magnitude_masks(dense, 0.9, scope="global")
    for key, mask in global_masks.items():
        assert np.isclose(fractions[key], 1 - mask.mean(), atol=1e-9), key
    print("check_layer_sparsity: correct", {k: f"{v:.1%}" for k, v in fractions.items()})


def check_small(net, params, nbytes):
    assert nbytes <= 16 * 1024, f"{nbytes} bytes is more than 16 KB"
    counts = compress.footprint(net, params)
    assert nbytes >= counts.sparse_int8_bytes, "the bytes claimed are fewer than it needs"
    if nbytes < counts.sparse_bytes:  # fewer bytes than float32 needs: the values must be int8
        on_grid = compress.fake_quantize(params)
        assert all(np.allclose(on_grid[k], params[k], rtol=1e-6, atol=0) for k in params), (
            "these params are float32 values, not int8 ones: quantize them "
            "(compress.fake_quantize) and check the accuracy of what the device would store")
    assert accuracy(params, net) >= 0.93, f"accuracy {accuracy(params, net):.1%} < 93%"
    print(f"check_small: correct ({nbytes:,} bytes, {accuracy(params, net):.1%})")


# %% [markdown]
# ## Solutions

# %% [markdown]
# **1.** Each column's range lies inside the tensor's, so $s_j \le s$. Per-channel scales cost
# one float32 per output unit (256 here), 1 KB more than one scale per tensor.

# %% tags=["solution"] jupyter={"source_hidden": true}
W = dense["0.W"]
column_scales = np.abs(W).max(axis=0) / np.float32(127)
W_hat = np.rint(W / column_scales) * column_scales
assert column_scales.max() <= step0
check_per_channel(W_hat)

# %% [markdown]
# **2.** One threshold for all layers prunes each in proportion to how many of its weights are
# small, and the initial scale of a layer's weights falls with its number of inputs (He:
# standard deviation $\sqrt{2/n_{in}}$; Glorot: $\sqrt{2/(n_{in} + n_{out})}$), a scale that
# training mostly keeps. The middle layer (256 inputs) has the smallest weights and loses
# almost all of them; the first (64 inputs) keeps the most. Layer-wise pruning would instead
# cut 90% of the first layer too, where each weight matters more.

# %% tags=["solution"] jupyter={"source_hidden": true}
global_masks = compress.magnitude_masks(dense, 0.9, scope="global")
check_layer_sparsity({key: 1 - float(mask.mean()) for key, mask in global_masks.items()})

# %% [markdown]
# **3.** Two answers. The big network pruned to 90% and quantized needs about 9 KB (the
# indices of its 5 000 surviving weights cost as much as the values) and reads about 93%,
# just enough. The distilled student needs 4.7 KB in float32 and 1.2 KB in int8, and reads
# about 95%: a small dense model beats a large sparse one here.

# %% tags=["solution"] jupyter={"source_hidden": true}
student_int8 = compress.fake_quantize(taught)
check_small(student, student_int8, compress.footprint(student, taught).int8_bytes)
