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
# # Lesson 2: Losses and their gradients, derived by hand and checked by finite differences
#
# **The question.** Training only ever sees a loss through its gradient with respect to the
# model's output: that vector is what backpropagation carries into the network. So for each
# loss we need three things: what it measures, the exact formula of its gradient, and proof
# that the code computes that formula. We derive the gradients of mean squared error, softmax
# cross-entropy, binary cross-entropy and Huber, write each in a few lines of NumPy, and check
# all of them against central finite differences.

# %%
import os
from pathlib import Path

import numpy as np

import minitrain as mt
from minitrain import plotting
from minitrain.gradcheck import grad_error

FAST = os.environ.get("MINITRAIN_FAST") == "1"  # the test suite's quick mode
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
PLOTS = Path(os.environ.get("MINITRAIN_PLOTS_DIR", HERE.parent / "build" / "figures"))
TRIALS = 5 if FAST else 30  # random inputs on which every gradient is checked
rng = np.random.default_rng(0)

# %% [markdown]
# ## Conventions
#
# Every minitrain loss is a **mean** over the samples (or elements), and `loss.grad(pred,
# target)` is the gradient of that mean with respect to `pred`, with `pred`'s shape. Using
# the mean everywhere keeps the gradient's *expected* size the same whatever the batch size
# (that of a sum grows with $N$), so a learning rate tuned at one batch size stays in the
# right range at another. It does not stay the best one: a batch of $B$ rows gives a gradient
# whose noise variance falls as $1/B$, and larger batches tolerate, and usually need, larger
# rates (the linear-scaling rule of Goyal et al., 2017: scale the rate with $B$, within
# limits and with a warm-up).
#
# Both main losses are **negative log-likelihoods**. If $t = p + \varepsilon$ with Gaussian
# noise $\varepsilon \sim N(0, \sigma^2)$, then $-\log P(t \mid p) = (t - p)^2/(2\sigma^2) +
# \log(\sigma\sqrt{2\pi})$: minimising MSE is maximum likelihood under Gaussian noise of fixed
# $\sigma$. If a model gives class probabilities $s = \mathrm{softmax}(z)$, then
# $-\log P(y \mid z) = -\log s_y$, the cross-entropy below: maximum likelihood for a
# categorical label. (Binary cross-entropy is the same for a Bernoulli label, and Huber
# corresponds to noise with Gaussian centre and Laplace tails.)
#
# ## Mean squared error
#
# For predictions $p$ and targets $t$ with $M$ elements, $L = \frac1M\sum_i (p_i - t_i)^2$.
# Only the $i$-th term depends on $p_i$, so
#
# $$\frac{\partial L}{\partial p_i} = \frac{2}{M}(p_i - t_i).$$
#
# The gradient is proportional to the residual: a point ten times further off pulls ten
# times harder. That is what makes MSE sensitive to outliers.


# %%
def mse(p, t):
    return np.mean((p - t) ** 2)


def mse_grad(p, t):
    return 2 * (p - t) / p.size


# %% [markdown]
# ## Huber
#
# Huber (torch.nn.HuberLoss) is quadratic for small residuals and linear for large ones:
# with $r = p - t$,
#
# $$\ell_\delta(r) = \begin{cases} \tfrac12 r^2 & |r| \le \delta \\
#   \delta\,(|r| - \tfrac12\delta) & |r| > \delta \end{cases}, \qquad
#   \frac{d\ell_\delta}{dr} = \begin{cases} r & |r| \le \delta \\
#   \delta\,\operatorname{sign}(r) & |r| > \delta \end{cases}
#   = \operatorname{clip}(r, -\delta, \delta).$$
#
# Both pieces and their slopes agree at $|r| = \delta$ ($\tfrac12\delta^2$ and $\pm\delta$),
# so the loss is continuously differentiable. The mean over $M$ elements divides by $M$. An
# outlier now pulls with force at most $\delta / M$, however far off it is.


# %%
def huber(p, t, delta=1.0):
    r = p - t
    return np.mean(np.where(np.abs(r) <= delta, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta)))


def huber_grad(p, t, delta=1.0):
    return np.clip(p - t, -delta, delta) / p.size


# %% [markdown]
# ## Softmax cross-entropy
#
# A classifier outputs logits $z \in \mathbb R^{N \times C}$. Softmax turns a row into
# probabilities $s_c = e^{z_c} / \sum_k e^{z_k}$, and cross-entropy against target
# probabilities $T$ (one-hot for a label $y$) is
#
# $$L = -\frac1N \sum_n \sum_c T_{nc} \log s_{nc}, \qquad
#   \log s_c = z_c - \log\sum_k e^{z_k}.$$
#
# For one row, $\partial \log\sum_k e^{z_k} / \partial z_j = e^{z_j}/\sum_k e^{z_k} = s_j$,
# hence $\partial \log s_c / \partial z_j = [c = j] - s_j$ and, since $\sum_c T_c = 1$,
#
# $$\frac{\partial L}{\partial z_{nj}} = -\frac1N \sum_c T_{nc}([c=j] - s_{nj})
#   = \frac{s_{nj} - T_{nj}}{N}.$$
#
# Two consequences we can test: each row of the gradient sums to $\sum_j s_j - \sum_j T_j = 0$,
# and adding a constant to a row of logits changes nothing (softmax is shift-invariant).
# The second is also how we compute it safely: $e^{1000}$ overflows, so we subtract each
# row's maximum first, which by shift-invariance gives the same $L$ without overflow.


# %%
def cross_entropy(z, labels):
    shifted = z - z.max(axis=1, keepdims=True)
    log_s = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return -np.mean(log_s[np.arange(len(z)), labels])


def cross_entropy_grad(z, labels):
    shifted = z - z.max(axis=1, keepdims=True)
    s = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    s[np.arange(len(z)), labels] -= 1  # s - T with T one-hot
    return s / len(z)


def naive_cross_entropy(z, labels):
    s = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return -np.mean(np.log(s[np.arange(len(z)), labels]))


# %% [markdown]
# ## Binary cross-entropy on logits
#
# For one output per example, $\sigma(z) = 1/(1+e^{-z})$ is the probability of class 1 and
# $\ell(z, t) = -t\log\sigma(z) - (1-t)\log(1-\sigma(z))$. Using $\log\sigma(z) = -\log(1 +
# e^{-z})$ and $\log(1 - \sigma(z)) = -z - \log(1 + e^{-z})$:
#
# $$\ell(z, t) = (1-t)\,z + \log(1 + e^{-z}) = \max(z, 0) - z t + \log(1 + e^{-|z|}),$$
#
# the last form never exponentiates a positive number. Differentiating the middle form with
# $\frac{d}{dz}\log(1+e^{-z}) = -(1 - \sigma(z))$ gives the same shape as softmax's:
#
# $$\frac{d\ell}{dz} = \sigma(z) - t .$$


# %%
def bce(z, t):
    return np.mean(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z))))


def bce_grad(z, t):
    return (0.5 * (1 + np.tanh(0.5 * z)) - t) / z.size  # sigma(z) without overflow


# %% [markdown]
# ### Check 1: our NumPy formulas equal minitrain's losses, values and gradients
#
# Both compute the same expressions in float64, so they agree to rounding (1e-12 relative).

# %%
losses = {
    "MSE": (mt.losses.MSE(), mse, mse_grad),
    "Huber δ=1": (mt.losses.Huber(1.0), huber, huber_grad),
    "BCE": (mt.losses.BinaryCrossEntropy(), bce, bce_grad),
    "cross-entropy": (mt.losses.CrossEntropy(), cross_entropy, cross_entropy_grad),
}


def random_case(name):
    """Random predictions and targets for a loss: 8 rows, 3 columns (or 3 classes)."""
    pred = rng.normal(0, 3, size=(8, 3))
    if name == "cross-entropy":
        return pred, rng.integers(0, 3, size=8)
    if name == "BCE":
        return pred, rng.uniform(0, 1, size=(8, 3))
    return pred, rng.normal(0, 3, size=(8, 3))


for name, (library, value, gradient) in losses.items():
    pred, target = random_case(name)
    assert np.isclose(library(pred, target), value(pred, target), rtol=1e-12), name
    np.testing.assert_allclose(library.grad(pred, target), gradient(pred, target), rtol=1e-12)
print("our formulas equal minitrain's")

# %% [markdown]
# ### Check 2: every gradient equals central finite differences
#
# `grad_error(f, x, g)` compares `g` with $(f(x + \epsilon e_i) - f(x - \epsilon e_i)) /
# 2\epsilon$ entry by entry, relative to the larger of the two (or to $10^{-3}\max(1, |f|)$
# for entries near zero). With $\epsilon = 10^{-6}$ in float64 the truncation error
# ($\sim\epsilon^2$) is negligible and the rounding error is about
# $10^{-16}|f|/\epsilon \approx 10^{-9}$ for losses of order 10, i.e. relative errors up to
# ~$10^{-7}$ for these inputs. A correct gradient therefore passes $10^{-6}$, and a wrong one
# (a missing $1/N$, a sign, a factor 2) is off by order one. Huber's second derivative jumps
# at $|r| = \delta$; a random residual lands within $\epsilon$ of a kink with probability
# ~$10^{-6}$, so the kinks do not matter here.

# %%
TOLERANCE = 1e-6
errors = {name: [] for name in losses}
for name, (library, _, _) in losses.items():
    for _ in range(TRIALS):
        pred, target = random_case(name)
        errors[name].append(
            grad_error(lambda p, f=library, t=target: f(p, t), pred, library.grad(pred, target))
        )
worst = {name: max(values) for name, values in errors.items()}
print("largest relative error per loss:", worst)
assert max(worst.values()) < TOLERANCE

# %% [markdown]
# ### Check 3: the properties the derivations predicted
#
# Cross-entropy's gradient rows sum to zero and its value ignores a constant added to a row
# (both exact up to rounding, 1e-15 absolute for values of order 1). Binary cross-entropy is
# two-class softmax cross-entropy with logits $(0, z)$. And the naive softmax overflows at
# logits of 1000 where the shifted one stays finite.

# %%
z, labels = random_case("cross-entropy")
ce = mt.losses.CrossEntropy()
assert np.abs(ce.grad(z, labels).sum(axis=1)).max() < 1e-15
assert np.isclose(ce(z + rng.normal(size=(8, 1)) * 100, labels), ce(z, labels), rtol=1e-12)

logit, t = rng.normal(0, 3, size=(8, 1)), rng.integers(0, 2, size=8)
two_class = np.concatenate([np.zeros_like(logit), logit], axis=1)
assert np.isclose(
    mt.losses.BinaryCrossEntropy()(logit, t.reshape(-1, 1).astype(float)),
    ce(two_class, t),
    rtol=1e-12,
)

huge = z * 1000
with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
    naive = naive_cross_entropy(huge, labels)
assert not np.isfinite(naive) and np.isfinite(cross_entropy(huge, labels))
print(
    f"logits x1000: naive softmax gives {naive}, the shifted one {cross_entropy(huge, labels):.1f}"
)

# %% [markdown]
# ## Figures
#
# The regression losses and their derivatives as functions of the residual (per element,
# i.e. $M = 1$), the classification losses as functions of the logit for a positive example,
# and the gradient-check errors of every loss against the tolerance.

# %%
residual = np.linspace(-3, 3, 301)
zero = np.zeros(1)
regression = {"MSE": (mse, mse_grad), "Huber δ=1": (huber, huber_grad)}
fig = plotting.losses_and_gradients(
    residual,
    {
        name: np.array([f(np.array([r]), zero) for r in residual])
        for name, (f, _) in regression.items()
    },
    {
        name: np.array([g(np.array([r]), zero)[0] for r in residual])
        for name, (_, g) in regression.items()
    },
    title="MSE pulls in proportion to the residual; Huber's pull is capped at δ",
)
plotting.save(fig, PLOTS / "lesson02_regression_losses.png")

# %%
logits = np.linspace(-6, 6, 301)
one = np.ones(1)
fig = plotting.losses_and_gradients(
    logits,
    {
        "BCE, target 1": np.array([bce(np.array([v]), one) for v in logits]),
        "2-class cross-entropy, label 1": np.array(
            [cross_entropy(np.array([[0.0, v]]), np.array([1])) for v in logits]
        ),
    },
    {"BCE, target 1": np.array([bce_grad(np.array([v]), one)[0] for v in logits])},
    title="Binary cross-entropy of a positive example: confident and right costs ~0",
    xlabel="logit z (log-odds, nats)",
    value_label="loss (nats)",
    gradient_label="gradient dℓ/dz (dimensionless)",
)
plotting.save(fig, PLOTS / "lesson02_classification_losses.png")

# %%
fig = plotting.gradient_errors(
    errors,
    tolerance=TOLERANCE,
    title=f"Analytic loss gradients vs central differences ({TRIALS} random inputs each)",
    xlabel="loss (one point per random input)",
)
plotting.save(fig, PLOTS / "lesson02_gradient_check.png")

# %% [markdown]
# ## Summary
#
# - A loss enters training only through $\partial L / \partial \text{output}$: MSE gives
#   $\frac2M r$, Huber $\frac1M \operatorname{clip}(r, -\delta, \delta)$, softmax
#   cross-entropy $\frac1N (s - T)$, binary cross-entropy $\frac1M(\sigma(z) - t)$.
# - Softmax and sigmoid losses share the form "prediction minus target", which is why they
#   pair with these output functions: the exponentials cancel in the derivative.
# - Stable forms matter: shift by the row maximum, use $\log(1 + e^{-|z|})$.
# - Central differences check any gradient; in float64 a correct one agrees to ~1e-10.
#
# ## Exercises
#
# 1. **Mean absolute error.** Derive the gradient of $L = \frac1M\sum_i |p_i - t_i|$ (away
#    from $p_i = t_i$), write `mae_grad(p, t)`, and check it with `check_mae(mae_grad)`.
# 2. **Huber's two limits.** Show that for $\delta \to \infty$ Huber becomes MSE/2 and that
#    for $\delta \to 0$, Huber$/\delta$ becomes the mean absolute error. Return the two loss
#    values for a residual array of your choice and check with
#    `check_huber_limits(residual, huge_delta_value, tiny_delta_value_over_delta)` using
#    δ = 1e6 and δ = 1e-6.
# 3. **Label smoothing.** With $T = (1-\varepsilon)\,\text{onehot}(y) + \varepsilon/C$, the
#    gradient is still $(s - T)/N$. Build $T$ for ε = 0.1, compute the gradient with
#    `mt.losses.CrossEntropy()` (it accepts probability targets) and check it with
#    `check_label_smoothing(z, labels, epsilon, gradient)`.


# %%
def check_mae(mae_grad):
    for _ in range(5):
        p, t = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
        error = grad_error(lambda q, t=t: np.mean(np.abs(q - t)), p, mae_grad(p, t))
        assert error < 1e-6, f"gradient differs from finite differences by {error:.2g}"
    print("check_mae: correct")


def check_huber_limits(residual, huge_delta_value, tiny_delta_value_over_delta):
    zero_t = np.zeros_like(residual)
    assert np.abs(residual).max() > 1e-3, "pick residuals larger than the tiny delta"
    # The values must be Huber's own (to rounding), not the limits typed in: at delta = 1e-6,
    # Huber / delta = mean|r| - delta / 2 differs from the MAE by 5e-7, far above rounding.
    huber_tiny = mt.losses.Huber(1e-6)(residual, zero_t) / 1e-6
    assert np.isclose(tiny_delta_value_over_delta, huber_tiny, rtol=1e-12, atol=0), (
        "that is not Huber(1e-6) / 1e-6 of your residuals: compute it with mt.losses.Huber")
    assert np.isclose(huge_delta_value, mt.losses.Huber(1e6)(residual, zero_t), rtol=1e-12)
    # The limits, to within what the finite deltas leave: delta / 2 relative to mean|r|.
    assert np.isclose(huge_delta_value, mse(residual, zero_t) / 2, rtol=1e-9)
    assert np.isclose(tiny_delta_value_over_delta, np.mean(np.abs(residual)), rtol=1e-5)
    print("check_huber_limits: correct")


def check_label_smoothing(z, labels, epsilon, gradient):
    C = z.shape[1]
    T = (1 - epsilon) * np.eye(C)[labels] + epsilon / C
    s = np.exp(z - z.max(axis=1, keepdims=True))
    s /= s.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(gradient, (s - T) / len(z), rtol=1e-10, atol=1e-15)
    print("check_label_smoothing: correct")


# %% [markdown]
# ## Solutions

# %% [markdown]
# **1.** Each term depends on one $p_i$ and $d|r|/dr = \operatorname{sign}(r)$ for $r \ne 0$,
# so $\partial L / \partial p_i = \operatorname{sign}(p_i - t_i)/M$: a constant pull,
# independent of how far off the point is (Huber with $\delta \to 0$, up to the factor δ).


# %% tags=["solution"] jupyter={"source_hidden": true}
def mae_grad(p, t):
    return np.sign(p - t) / p.size


check_mae(mae_grad)

# %% [markdown]
# **2.** With $\delta$ larger than every $|r|$ only the quadratic branch is used:
# $\frac1M\sum \frac12 r^2$ = MSE/2. With $\delta$ smaller than every $|r|$ only the linear
# branch is used: $\frac1M \sum \delta(|r| - \delta/2)$, and dividing by δ leaves
# $\frac1M\sum|r| - \delta/2 \to$ MAE.

# %% tags=["solution"] jupyter={"source_hidden": true}
r = rng.normal(0, 2, size=50)
zeros = np.zeros_like(r)
check_huber_limits(
    r,
    mt.losses.Huber(1e6)(r, zeros),
    mt.losses.Huber(1e-6)(r, zeros) / 1e-6,
)

# %% [markdown]
# **3.** The derivation of $(s - T)/N$ used only $\sum_c T_c = 1$, which smoothed targets
# keep. Smoothing stops the loss from pushing logits to infinity: the optimum now has
# $s = T$, i.e. finite logits.

# %% tags=["solution"] jupyter={"source_hidden": true}
EPSILON = 0.1
z, labels = random_case("cross-entropy")
smoothed = (1 - EPSILON) * np.eye(3)[labels] + EPSILON / 3
check_label_smoothing(z, labels, EPSILON, mt.losses.CrossEntropy().grad(z, smoothed))
