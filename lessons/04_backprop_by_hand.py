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
# # Lesson 4: Backpropagation by hand, layer by layer, on handwritten digits
#
# **The question.** `mt.value_and_grad` returns the gradient of the loss with respect to
# every weight of a network. What is it actually computing? We build a two-layer network
# for the 8x8 digits, write its forward pass and its backward pass out by hand, one layer at
# a time with every shape, and show that our arrays equal what `Sequential.backward` returns
# and what finite differences measure. Then we train it. Nothing in minitrain is more than
# these few matrix products, and an edge device can afford them: backprop costs at most twice
# the forward pass (exercise 2).

# %%
import os
from pathlib import Path

import numpy as np

import minitrain as mt
from minitrain import plotting

FAST = os.environ.get("MINITRAIN_FAST") == "1"  # the test suite's quick mode
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
PLOTS = Path(os.environ.get("MINITRAIN_PLOTS_DIR", HERE.parent / "build" / "figures"))
EPOCHS = 8 if FAST else 30

# %% [markdown]
# ## The data and the network
#
# 1797 images of 8x8 pixels, each pixel a count from 0 to 16, labels 0-9. We scale the
# pixels to [0, 1] by dividing by 16, a constant known in advance: statistics computed on
# the whole data set would leak the test set into training. A stratified split keeps a
# quarter of each digit for testing.
#
# The network: `Dense(64, 32)` → `ReLU` → `Dense(32, 10)`, trained with softmax
# cross-entropy. He initialisation ($W \sim N(0, 2/n_{in})$) keeps the variance of the
# activations roughly constant through a ReLU layer, which halves it.

# %%
X, y = mt.data.load_digits()
X_train, X_test, y_train, y_test = mt.data.train_test_split(
    X / 16.0, y, test_fraction=0.25, seed=0, stratify=True
)
model = mt.Sequential([mt.Dense(64, 32, init="he"), mt.ReLU(), mt.Dense(32, 10)])
params = model.init(seed=0)
print(model.summary())
batch, labels = X_train[:16], y_train[:16]  # a minibatch to differentiate

# %% [markdown]
# ## Forward, layer by layer
#
# For a batch $X$ of shape $(N, 64)$:
#
# $$H = X W_0 + b_0 \;(N, 32), \qquad A = \max(H, 0) \;(N, 32), \qquad
#   Z = A W_2 + b_2 \;(N, 10),$$
#
# $$s = \operatorname{softmax}(Z), \qquad L = -\frac1N \sum_n \log s_{n, y_n}.$$
#
# (The keys are `"0.W"`, `"0.b"`, `"2.W"`, `"2.b"`: the ReLU is layer 1 and owns no
# parameters.) Backprop needs the intermediate arrays, so the forward pass keeps them.

# %%
W0, b0, W2, b2 = params["0.W"], params["0.b"], params["2.W"], params["2.b"]
H = batch @ W0 + b0
A = np.maximum(H, 0)
Z = A @ W2 + b2
shifted = Z - Z.max(axis=1, keepdims=True)
s = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
N = len(batch)
L = -np.mean(np.log(s[np.arange(N), labels]))
print(f"H {H.shape}  A {A.shape}  Z {Z.shape}  loss {L:.4f} (log 10 = {np.log(10):.4f})")

# %% [markdown]
# ### Check 1: our forward pass is minitrain's
#
# The same operations in the same order give the same bits (the loss is compared to 1e-12
# relative, since the library may sum the log-probabilities in a different order).

# %%
out, caches = model.forward(params, batch)
np.testing.assert_array_equal(out, Z)
assert np.isclose(mt.losses.CrossEntropy()(out, labels), L, rtol=1e-12)

# %% [markdown]
# ## Backward, layer by layer
#
# We walk the chain rule from the loss back to the first layer, each step turning
# $\partial L / \partial(\text{output})$ into $\partial L / \partial(\text{input})$ and
# $\partial L / \partial(\text{parameters})$. Every gradient has the shape of what it
# differentiates, which is a reliable guide to where the transposes go.
#
# **Loss.** From lesson 2: $\; dZ = \partial L / \partial Z = (s - Y)/N$, shape $(N, 10)$,
# with $Y$ the one-hot labels.
#
# **Dense, $Z = A W + b$.** Element-wise, $Z_{nj} = \sum_i A_{ni} W_{ij} + b_j$, so
# $\partial Z_{nj} / \partial W_{ij} = A_{ni}$ (for every $n$) and by the chain rule
#
# $$\frac{\partial L}{\partial W_{ij}} = \sum_n A_{ni}\, dZ_{nj}
#   \;\Rightarrow\; dW = A^\top dZ \;(32, 10), \qquad
#   db = \textstyle\sum_n dZ_{n\cdot} \;(10,), \qquad
#   dA = dZ\, W^\top \;(N, 32).$$
#
# The sum over $n$ appears because one weight is used by every example of the batch; the
# bias is added to every row, so its gradient sums the rows.
#
# **ReLU, $A = \max(H, 0)$.** Element-wise, $\partial A / \partial H = [H > 0]$, so
# $dH = dA \odot [H > 0]$: the gradient passes where the unit was active and stops where it
# was not. (At exactly $H = 0$ the derivative is undefined; like every framework we use 0.)
#
# **Dense again**: $dW_0 = X^\top dH$ $(64, 32)$, $db_0 = \sum_n dH_{n\cdot}$ $(32,)$. We do not
# need $dX$: nothing upstream has parameters.

# %%
Y = np.eye(10)[labels]
dZ = (s - Y) / N  # (N, 10)
dW2 = A.T @ dZ  # (32, 10)
db2 = dZ.sum(axis=0)  # (10,)
dA = dZ @ W2.T  # (N, 32)
dH = dA * (H > 0)  # (N, 32)
dW0 = batch.T @ dH  # (64, 32)
db0 = dH.sum(axis=0)  # (32,)
by_hand = {"0.W": dW0, "0.b": db0, "2.W": dW2, "2.b": db2}
for key, grad in by_hand.items():
    print(f"d{key}: {grad.shape}, matches params[{key!r}] {params[key].shape}")

# %% [markdown]
# ### Check 2: our backward pass is `Sequential.backward`, and both are finite differences
#
# Our arrays and minitrain's come from the same products, summed perhaps in another order:
# they agree to 1e-12 relative. Against central differences (`mt.gradcheck`, step 1e-6 in
# float64), a correct gradient agrees to ~1e-7 here (rounding of a loss of order 1 divided by
# the step); 1e-6 leaves room for that and none for a wrong transpose or a missing $1/N$.
# ReLU's kink at 0 could spoil a finite difference only if some $|H_{nj}| < 10^{-6}$, which
# has probability ~1e-5 here.

# %%
_, library = model.backward(params, caches, mt.losses.CrossEntropy().grad(out, labels))
for key in params:
    np.testing.assert_allclose(library[key], by_hand[key], rtol=1e-12, atol=1e-15)
errors = mt.gradcheck.gradcheck(model, mt.losses.CrossEntropy(), params, batch, labels)
print("largest relative error per key vs finite differences:", errors)
assert max(errors.values()) < 1e-6

# %% [markdown]
# ## Training
#
# With the gradient trusted, training is the loop `fit` runs: shuffle, take a minibatch,
# compute `value_and_grad`, let the stepper update the parameters. Adam with a learning rate
# of 3e-3, minibatches of 32.

# %%
history = mt.fit(
    model,
    mt.losses.CrossEntropy(),
    mt.optim.Adam(lr=3e-3),
    X_train,
    y_train,
    epochs=EPOCHS,
    batch_size=32,
    seed=0,
    validation=(X_test, y_test),
    progress=False,
)
print(f"after {EPOCHS} epochs: training accuracy {history.metric[-1]:.1%}, "
      f"test accuracy {history.val_metric[-1]:.1%}")  # fmt: skip

# %% [markdown]
# ### Check 3: the network learned to read digits it has never seen
#
# Guessing gives 10%. A network that learned from correct gradients classifies more than 90%
# of the held-out digits after a few epochs (this run: see above).

# %%
assert history.val_metric[-1] > 0.9
assert history.loss[-1] < history.loss[0] / 5

# %% [markdown]
# ### When to stop: callbacks and early stopping
#
# `fit` calls callbacks at the start, after every step, after every epoch and at the end
# (subclass `mt.Callback` and override the hooks you need; each receives the run, whose
# parameters it may read or replace and whose `stop` it may set). `mt.EarlyStopping` ends a
# run once the validation loss has not improved for `patience` epochs and hands back the
# parameters of the best epoch (`restore_best=True`). It must watch a validation split carved
# from the training rows: stopping on the test set would choose the model by its test score.

# %%
n_fit = int(0.8 * len(X_train))
stopped = mt.fit(model, mt.losses.CrossEntropy(), mt.optim.Adam(lr=3e-3), X_train[:n_fit],
                 y_train[:n_fit], epochs=100, batch_size=32, seed=0,
                 validation=(X_train[n_fit:], y_train[n_fit:]),
                 callbacks=[mt.EarlyStopping(patience=3)], progress=False)  # fmt: skip
print(stopped)
assert stopped.epochs_run < 100 and stopped.stopped_reason.startswith("early stopping")

# %% [markdown]
# ## Figures
#
# The training and test loss per epoch, and the gradient-check errors per parameter key.

# %%
fig = plotting.loss_curves(
    {"Adam, lr 3e-3": history},
    title="Digits MLP 64-32-10: training vs validation loss (held-out quarter)",
    ylabel="cross-entropy (nats per sample)",
)
plotting.save(fig, PLOTS / "lesson04_loss_curves.png")

# %%
fig = plotting.gradient_errors(
    {key: [value] for key, value in errors.items()},
    tolerance=1e-6,
    title="Backprop by hand vs central differences, per parameter",
    xlabel="parameter key (layer.name)",
)
plotting.save(fig, PLOTS / "lesson04_gradient_check.png")

# %% [markdown]
# ## Summary
#
# - Backprop is the chain rule applied layer by layer from the loss backwards; each layer
#   turns $\partial L/\partial\text{output}$ into $\partial L/\partial\text{input}$ and
#   $\partial L/\partial\text{parameters}$.
# - For a dense layer: $dW = X^\top dY$, $db = \sum_n dY_n$, $dX = dY\,W^\top$. Shapes tell
#   you where the transposes go.
# - Activations multiply the incoming gradient element-wise by their derivative; ReLU's is
#   a mask of the active units.
# - The forward pass must keep its intermediates ($X$, $H$, $A$) for the backward pass: that
#   memory, not the arithmetic, is often what limits training on a small device.
#
# ## Exercises
#
# 1. **Tanh instead of ReLU.** Derive the backward pass of $A = \tanh(H)$ in terms of $A$
#    alone, implement `tanh_backward(A, dA)`, and check it with `check_tanh(tanh_backward)`.
# 2. **The cost of backprop.** Count the multiply-adds of one forward pass of this network
#    over a batch of $N$ rows, and of the backward pass (the three products per dense layer,
#    skipping $dX$ of the first layer). Check with `check_costs(forward, backward, N)`.
# 3. **Vanishing gradients.** Build a network of six `Dense(16, 16)` + `Sigmoid` layers
#    on 16 inputs (`mt.Dense(16, 16)` with its default Glorot init, seed 0), compute the
#    gradient of the MSE against zeros for a batch of `rng.normal(size=(64, 16))` (seed 1),
#    and return the norm of each Dense layer's weight gradient, first layer first. Why do
#    they shrink towards the input? Check with `check_vanishing(norms)`.


# %%
def check_tanh(tanh_backward):
    rng = np.random.default_rng(2)
    H, dA = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    # d tanh / dH by central differences, element-wise (tanh acts on each entry alone).
    numeric = (np.tanh(H + 1e-6) - np.tanh(H - 1e-6)) / 2e-6
    np.testing.assert_allclose(tanh_backward(np.tanh(H), dA), dA * numeric, rtol=1e-7)
    print("check_tanh: correct")


def check_costs(forward, backward, n):
    assert forward == model.macs(n), f"forward: expected {model.macs(n)}"
    dense = [layer for layer in model.layers if isinstance(layer, mt.Dense)]
    expected = sum(2 * n * d.n_in * d.n_out for d in dense) - n * dense[0].n_in * dense[0].n_out
    assert backward == expected, f"backward: expected {expected}"
    print(f"check_costs: correct (backward / forward = {backward / forward:.2f})")


def deep_sigmoid_norms():
    layers = []
    for _ in range(6):
        layers += [mt.Dense(16, 16), mt.Sigmoid()]
    deep = mt.Sequential(layers)
    inputs = np.random.default_rng(1).normal(size=(64, 16))
    _, grads = mt.value_and_grad(
        deep, mt.losses.MSE(), deep.init(seed=0), inputs, np.zeros((64, 16))
    )
    return [float(np.linalg.norm(grads[f"{2 * i}.W"])) for i in range(6)]


def check_vanishing(norms):
    np.testing.assert_allclose(norms, deep_sigmoid_norms(), rtol=1e-10)
    assert norms[0] < norms[-1] / 10
    print("check_vanishing: correct; first layer / last layer =", f"{norms[0] / norms[-1]:.2g}")


# %% [markdown]
# ## Solutions

# %% [markdown]
# **1.** $\tanh'(h) = 1 - \tanh^2(h)$, so $dH = dA \odot (1 - A^2)$: the backward pass
# needs only the layer's output, which is what `mt.Tanh` keeps in its cache.


# %% tags=["solution"] jupyter={"source_hidden": true}
def tanh_backward(A, dA):
    return dA * (1 - A * A)


check_tanh(tanh_backward)

# %% [markdown]
# **2.** A dense layer $(N, n_{in}) \times (n_{in}, n_{out})$ costs $N n_{in} n_{out}$
# multiply-adds forward. Backward, $dW = X^\top dY$ and $dX = dY\,W^\top$ cost the same
# each (the bias sum is negligible), and the first layer skips $dX$. So backward costs at
# most twice the forward pass; here only 1.14 times, because the skipped $dX$ belongs to the
# largest layer (64 x 32). A training step costs two to three forward passes.

# %% tags=["solution"] jupyter={"source_hidden": true}
n = 32
forward = n * (64 * 32 + 32 * 10)
backward = 2 * forward - n * 64 * 32
check_costs(forward, backward, n)

# %% [markdown]
# **3.** Each sigmoid multiplies the backward signal by $\sigma'(h) = \sigma(1 - \sigma) \le
# 1/4$, and Glorot weights do not make up for it, so each layer's gradient is several times
# smaller than the next one's: the layers nearest the input learn slowest. ReLU's derivative
# is 1 where active, which is one reason it replaced sigmoid in hidden layers.

# %% tags=["solution"] jupyter={"source_hidden": true}
norms = deep_sigmoid_norms()
print("weight-gradient norm per layer, input first:", [f"{v:.2g}" for v in norms])
check_vanishing(norms)
