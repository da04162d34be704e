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
# # Lesson 1: Linear regression by gradient descent, checked against the exact answer
#
# **The question.** The first example of every deep-learning course fits a line with one
# neuron: `Dense(1)`, stochastic gradient descent, mean squared error, 100 epochs. It "works",
# but how well? Least squares has an exact answer, so we can measure how far SGD is from it,
# and gradient descent on a quadratic has a proven rate, so we can predict how fast it gets
# there. This lesson translates the classic Keras example line by line, then holds it
# against both references.

# %%
import os
from pathlib import Path

import numpy as np

import minitrain as mt
from minitrain import plotting

HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
PLOTS = Path(os.environ.get("MINITRAIN_PLOTS_DIR", HERE.parent / "build" / "figures"))

# %% [markdown]
# ## The data and the model
#
# One hundred points $y_i = 2 x_i + 1 + 0.5\,\varepsilon_i$ with $x_i \sim U[-1, 1]$ and
# $\varepsilon_i \sim N(0, 1)$. The model is one neuron without activation,
# $\hat y = w x + b$: `Dense(1, 1)` holds $W$ of shape (1, 1) and $b$ of shape (1,).

# %%
X, y = mt.data.make_linear(n=100, coef=2.0, intercept=1.0, noise=0.5, seed=0)
model = mt.Sequential([mt.Dense(1, 1)])
params = model.init(seed=0)
print(model.summary())
print("X", X.shape, "y", y.shape, "initial params", params)

# %% [markdown]
# ## The math: the loss, its gradient, and the exact minimiser
#
# The mean squared error over $N$ samples, with residual $r_i = w x_i + b - y_i$:
#
# $$\mathcal L(w, b) = \frac{1}{N} \sum_{i=1}^{N} r_i^2 .$$
#
# Each $r_i$ depends on $w$ through $x_i$ and on $b$ with coefficient 1, so by the chain rule
#
# $$\frac{\partial \mathcal L}{\partial w} = \frac{2}{N} \sum_i r_i x_i, \qquad
#   \frac{\partial \mathcal L}{\partial b} = \frac{2}{N} \sum_i r_i .$$
#
# In matrix form, this is exactly what backpropagation computes: the loss hands
# $\partial \mathcal L / \partial \hat y = \tfrac{2}{N} r$ (shape (N, 1)) to `Dense`, whose backward
# pass returns $\partial \mathcal L/\partial W = X^\top \tfrac{2}{N} r$ and
# $\partial \mathcal L/\partial b = \sum_i \tfrac{2}{N} r_i$.
#
# **The exact answer.** $\mathcal L$ is a convex quadratic, so its minimiser is where the gradient
# vanishes. Setting $\partial \mathcal L/\partial b = 0$ gives $b = \bar y - w \bar x$; substituting
# into $\partial \mathcal L/\partial w = 0$ gives the normal equation
# $w = \sum_i (x_i - \bar x)(y_i - \bar y) / \sum_i (x_i - \bar x)^2$.
# `mt.closed_form.ols` solves it (by an SVD, which stays accurate when the problem is badly
# conditioned).
#
# **The rate.** Write $\theta = (w, b)$ and $A = [X, \mathbf 1]$. Then
# $\mathcal L(\theta) = \tfrac1N \lVert A\theta - y \rVert^2$ has constant Hessian
# $H = \tfrac{2}{N} A^\top A$, and one full-batch gradient step
# $\theta_{k+1} = \theta_k - \eta \nabla \mathcal L(\theta_k)$ maps the error
# $e_k = \theta_k - \theta^*$ to $e_{k+1} = (I - \eta H)\, e_k$ (because
# $\nabla \mathcal L(\theta) = H(\theta - \theta^*)$). With $\mu \le \lambda \le L$ the
# eigenvalues of $H$ (we write $\mathcal L$ for the loss, so that $L$ and $\mu$ can be the
# largest and smallest curvatures, as `gd_rate` names them),
#
# $$\lVert e_k \rVert \le \rho^k \lVert e_0 \rVert, \qquad
#   \rho = \max(|1 - \eta L|, |1 - \eta \mu|),$$
#
# which is $1 - \mu/L$ for $\eta = 1/L$ and the smallest possible,
# $(\kappa - 1)/(\kappa + 1)$ with $\kappa = L/\mu$, for $\eta = 2/(L + \mu)$. GD converges
# iff $\rho < 1$, i.e. $\eta < 2/L$. `mt.closed_form.gd_rate` computes all of these.

# %% [markdown]
# ### Check 1: backprop's gradient is the formula above, and both match finite differences
#
# Before trusting any training run we check its gradient. The hand formula, backprop
# (`mt.value_and_grad`) and central differences (`mt.gradcheck`) must agree. Float64 sums of
# 100 terms agree to ~1e-15; central differences with step 1e-6 carry ~1e-10 relative error,
# so 1e-7 is a loose bound that a wrong formula (a missing factor 2, say) breaks by far.

# %%
loss = mt.losses.MSE()
value, grads = mt.value_and_grad(model, loss, params, X, y)
r = X @ params["0.W"] + params["0.b"] - y  # residuals, (N, 1)
by_hand = {"0.W": (2 / len(X)) * X.T @ r, "0.b": (2 / len(X)) * r.sum(axis=0)}
for key in params:
    np.testing.assert_allclose(grads[key], by_hand[key], rtol=1e-12)
errors = mt.gradcheck.gradcheck(model, loss, params, X, y)
print("gradient check, largest relative error per key:", errors)
assert max(errors.values()) < 1e-7

# %% [markdown]
# ## The Keras example, line by line
#
# ```python
# model = keras.Sequential([keras.layers.Dense(1)])              # Keras
# model = mt.Sequential([mt.Dense(1, 1)])                        # minitrain
#
# model.compile(optimizer="sgd", loss="mse")                     # Keras
# opt, loss = mt.optim.SGD(lr=0.01), mt.losses.MSE()             # minitrain
#
# model.fit(x, y, epochs=100)                                    # Keras
# history = mt.fit(model, loss, opt, X, y, epochs=100, batch_size=32)   # minitrain
#
# model.get_weights()                                            # Keras
# history.params                                                 # minitrain
#
# model.predict(x)                                               # Keras
# model.predict(history.params, X)                               # minitrain
# ```
#
# Three differences are on purpose. Keras guesses the input width at the first call;
# `Dense(1, 1)` states it. Keras hides its defaults (`"sgd"` means learning rate 0.01, `fit`
# uses batches of 32); here they are written out, because they decide the result, as we are
# about to see. And a Keras model *holds* its weights, while minitrain's are a plain dict that
# `fit` returns: nothing changes behind your back. Both initialise the kernel with Glorot's
# uniform rule and the bias with zero.

# %%
EPOCHS = 100


class FullLoss(mt.train.Callback):
    """Records the loss on the whole data set after every epoch (fit's own is a batch mean)."""

    def on_train_begin(self, run):
        self.values = [loss(run.model.predict(run.params, X), y)]

    def on_epoch_end(self, run):
        self.values.append(loss(run.model.predict(run.params, X), y))


runs = {}
for name, lr in (("SGD lr 0.01 (Keras default)", 0.01), ("SGD lr 0.1", 0.1)):
    recorder = FullLoss()
    history = mt.fit(
        model, loss, mt.optim.SGD(lr=lr), X, y,
        epochs=EPOCHS, batch_size=32, seed=0, callbacks=[recorder], progress=False,
    )  # fmt: skip
    runs[name] = (history, np.array(recorder.values))

exact = mt.closed_form.ols(X, y)
best_loss = loss(exact.predict(X), y)
print(f"{'':30}{'w':>9}{'b':>9}{'MSE':>9}")
print(f"{'closed form (OLS)':30}{exact.coef[0, 0]:9.4f}{exact.intercept[0]:9.4f}{best_loss:9.4f}")
for name, (history, full) in runs.items():
    w, b = history.params["0.W"][0, 0], history.params["0.b"][0]
    print(f"{name:30}{w:9.4f}{b:9.4f}{full[-1]:9.4f}")

# %% [markdown]
# ### Check 2: the exact answer is a minimum, and SGD lands near it but not on it
#
# At the OLS solution the gradient vanishes (to rounding, ~1e-15). After 100 epochs both SGD
# runs are within 2% of the smallest achievable MSE, and neither is *at* it, for two
# different reasons. At lr 0.01 the run is simply not finished: each step removes less than
# 1% of the error along the flattest direction. At lr 0.1 it arrived long ago, but each
# minibatch gradient is a noisy estimate of the full one, so with a constant learning rate SGD
# keeps jittering in a small ball around $\theta^*$ whose size grows with the learning rate.

# %%
_, grads_at_exact = mt.value_and_grad(model, loss, exact.as_params(), X, y)
assert max(np.abs(g).max() for g in grads_at_exact.values()) < 1e-12
for name, (_, full) in runs.items():
    assert full[-1] <= 1.02 * best_loss, name
    assert full[-1] > best_loss, name  # no run may beat the exact minimum

# %% [markdown]
# ## Full-batch gradient descent against its guaranteed rate
#
# Minibatch noise hides the rate, so now we take full-batch steps (`batch_size=None` in `fit`
# is gradient descent; here we write the loop out) and record the distance to $\theta^*$.

# %%
rate = mt.closed_form.gd_rate(X)
print(f"L = {rate.L:.4f}, mu = {rate.mu:.4f}, kappa = {rate.kappa:.3f}")
STEPS = 40


def gd_errors(lr, steps=STEPS):
    """||theta_k - theta*|| for k = 0..steps of full-batch GD from model.init(seed=0)."""
    theta, opt = model.init(seed=0), mt.optim.GD(lr=lr)
    state = opt.init(theta)
    errors = [mt.closed_form.parameter_error(theta, exact)]
    for _ in range(steps):
        _, g = mt.value_and_grad(model, loss, theta, X, y)
        theta, state = opt.step(theta, g, state)
        errors.append(mt.closed_form.parameter_error(theta, exact))
    return np.array(errors)


def contraction(lr):
    return max(abs(1 - lr * rate.L), abs(1 - lr * rate.mu))


observed, bounds = {}, {}
for name, lr in (("lr 0.01", 0.01), ("lr = 1/L", rate.step_1_over_L),
                 ("lr = 2/(L+μ)", rate.step_optimal)):  # fmt: skip
    observed[name] = gd_errors(lr)
    bounds[name] = mt.closed_form.gd_trajectory_bound(observed[name][0], contraction(lr), STEPS)

# %% [markdown]
# ### Check 3: GD never beats its bound, and the best step converges to the exact answer
#
# The bound is a theorem for this quadratic, so every step must satisfy it; the only slack
# allowed is rounding (1e-12 relative, far below any real violation). With
# $\eta = 2/(L+\mu)$, 40 steps contract the error by $\rho^{40} \approx 10^{-13}$.

# %%
for name in observed:
    assert np.all(observed[name] <= bounds[name] * (1 + 1e-12) + 1e-15), name
assert observed["lr = 2/(L+μ)"][-1] < 1e-10
assert abs(rate.factor_1_over_L - contraction(rate.step_1_over_L)) < 1e-15
assert round(contraction(0.01), 3) == 0.993  # the Keras default removes < 1% per step

# %% [markdown]
# ## Figures
#
# The first figure shows the MSE above the minimum after each epoch of the Keras
# translation: at lr 0.01 it is still falling steadily at epoch 100; at lr 0.1 it hits SGD's
# noise floor within ten epochs and jitters there. The second shows full-batch GD's distance
# to the answer against its bound (wide pale dashes), on a log axis where a linear rate is a
# straight line: lr 0.01 is almost flat ($\rho = 0.993$), which is why the Keras default needs
# so many epochs.

# %%
gaps = {name: np.maximum(full - best_loss, 1e-16) for name, (_, full) in runs.items()}
fig = plotting.convergence(
    gaps,
    title="Keras example in minitrain: MSE above the least-squares minimum",
    xlabel="epoch (passes over the 100 samples)",
    ylabel="MSE − min MSE (units of y²)",
)
plotting.save(fig, PLOTS / "lesson01_sgd_vs_closed_form.png")

# %%
fig = plotting.gd_vs_bound(
    observed,
    bounds,
    title="Full-batch GD on y = 2x + 1 against its bound ρᵏ‖e₀‖",
    ylabel=r"error $\|\theta_k - \theta^*\|$ (parameter units)",
)
plotting.save(fig, PLOTS / "lesson01_gd_vs_bound.png")

# %% [markdown]
# ## Summary
#
# - The Keras example is five lines in minitrain too; writing out the defaults (learning rate
#   0.01, batches of 32) shows what decides the result.
# - Least squares has an exact answer; it is the yardstick for any training run on this
#   problem. SGD with a constant learning rate ends in a noise ball around it, not on it.
# - Full-batch GD on a quadratic contracts the error by $\rho = \max|1 - \eta\lambda|$ per
#   step: the condition number $\kappa = L/\mu$ sets the best achievable rate, and
#   $\eta < 2/L$ is the price of stability.
# - Check gradients first: a formula, backprop and finite differences must agree.
#
# ## Exercises
#
# Each exercise has a `check_...` function you can call on your answer; the solutions are at
# the end.
#
# 1. **Units change the rate.** Measure $x$ in centimetres: `X_cm = 100 * X`. Predict from
#    `gd_rate` the condition number and the number of full-batch GD steps at $\eta = 1/L$
#    that the bound needs to shrink the error by $10^{-3}$. Why would standardizing $x$ first
#    help? Check with `check_units(kappa, steps)`.
# 2. **The edge of stability.** Find the largest learning rate for which full-batch GD
#    converges on the original data, and show that a rate 5% below it converges and one 5%
#    above it diverges.
#    Check with `check_edge(lr_max)`.
# 3. **Ridge by gradient descent.** Add $\alpha \lVert W \rVert^2$ with $\alpha = 0.1$ to the
#    loss (the bias is not penalised), derive its gradient, run full-batch GD, and compare
#    with `mt.closed_form.ridge(X, y, alpha)`. Check with `check_ridge(params, alpha)`.


# %%
def check_units(kappa, steps):
    expected = mt.closed_form.gd_rate(100 * X)
    assert np.isclose(kappa, expected.kappa, rtol=1e-6), f"kappa should be {expected.kappa:.4g}"
    needed = int(np.ceil(np.log(1e-3) / np.log(expected.factor_1_over_L)))
    assert steps == needed, f"the bound needs {needed} steps, not {steps}"
    print("check_units: correct")


def check_edge(lr_max):
    assert np.isclose(lr_max, 2 / rate.L, rtol=1e-9), "GD on a quadratic converges iff lr < 2/L"
    assert gd_errors(0.95 * lr_max, 200)[-1] < 1e-6  # rho = 0.9: 200 steps shrink e by 1e-9
    assert gd_errors(1.05 * lr_max, 200)[-1] > 1e3  # rho = 1.1: 200 steps grow e by 2e8
    print("check_edge: correct")


def check_ridge(ridge_params, alpha):
    solution = mt.closed_form.ridge(X, y, alpha)
    assert mt.closed_form.parameter_error(ridge_params, solution) < 1e-8, "not the ridge solution"
    print("check_ridge: correct")


# %% [markdown]
# ## Solutions

# %% [markdown]
# **1.** Scaling $x$ by 100 multiplies the $w$-row and column of $H$ by 100 and its
# $w$-diagonal entry by $10^4$. The eigenvalues mix the $w$ and bias directions, so neither
# moves by exactly those factors: measured below, $L$ grows a few thousand times and $\mu$
# changes by less than a factor of three, so $\kappa$ grows by about three orders of
# magnitude and $1 - 1/\kappa$ creeps towards 1. The step count is the smallest $k$ with
# $(1 - \mu/L)^k \le 10^{-3}$. Standardizing gives every feature unit variance and zero
# mean, which makes $H$ close to $2I$ and $\kappa$ close to 1.

# %% tags=["solution"] jupyter={"source_hidden": true}
rate_cm = mt.closed_form.gd_rate(100 * X)
steps_cm = int(np.ceil(np.log(1e-3) / np.log(rate_cm.factor_1_over_L)))
print(f"kappa in cm: {rate_cm.kappa:.4g} (was {rate.kappa:.3g}); steps for 1e-3: {steps_cm}")
print(f"L x{rate_cm.L / rate.L:.0f}; mu {rate.mu:.3g} -> {rate_cm.mu:.3g}")
check_units(rate_cm.kappa, steps_cm)

# %% [markdown]
# **2.** $\rho = \max(|1 - \eta L|, |1 - \eta\mu|) < 1$ iff $0 < \eta < 2/L$. Above it the
# error along the steepest eigenvector is multiplied by $|1 - \eta L| > 1$ at every step.

# %% tags=["solution"] jupyter={"source_hidden": true}
check_edge(2 / rate.L)

# %% [markdown]
# **3.** The penalty adds $2\alpha W$ to $\partial \mathcal L / \partial W$ and nothing to the bias.
# The objective is still a quadratic, with Hessian $H + 2\alpha\,\mathrm{diag}(1, 0)$, so
# GD with that Hessian's optimal step $2/(L + \mu)$ converges linearly to the ridge solution.

# %% tags=["solution"] jupyter={"source_hidden": true}
ALPHA = 0.1
ridge_rate = mt.closed_form.gd_rate(X, alpha=ALPHA)
theta, opt = model.init(seed=0), mt.optim.GD(lr=ridge_rate.step_optimal)
state = opt.init(theta)
for _ in range(200):
    _, g = mt.value_and_grad(model, loss, theta, X, y)
    g = {**g, "0.W": g["0.W"] + 2 * ALPHA * theta["0.W"]}
    theta, state = opt.step(theta, g, state)
check_ridge(theta, ALPHA)
