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
# # Lesson 3: GD, momentum, Adagrad, RMSprop and Adam on hard valleys
#
# **The question.** All five optimizers follow the negative gradient, so why do they behave
# so differently? We watch them on two functions of two parameters, small enough to draw and
# hard in the ways real losses are hard: an ill-conditioned quadratic (a valley far steeper
# across than along) and Rosenbrock's curved valley. We derive each update rule's response
# to curvature, check what can be checked exactly, and measure how sensitive each method is
# to its learning rate, the hyper-parameter that matters most on an edge device where
# nobody can babysit a run.

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
ROSENBROCK_STEPS = 1500  # cheap (0.3 s for all five); the sweep below is what FAST shrinks
LEARNING_RATES = np.geomspace(1e-4, 1.0, 7 if FAST else 13)

# %% [markdown]
# ## Two test functions and their gradients
#
# **The quadratic** $f(x) = \tfrac12(a_1 x_1^2 + a_2 x_2^2)$ with $a = (1, 20)$ has gradient
# $\nabla f = (a_1 x_1, a_2 x_2)$ and Hessian $\mathrm{diag}(a)$: curvature 20 across the
# valley, 1 along it, condition number $\kappa = 20$. Its minimum is 0 at the origin.
#
# **Rosenbrock** $f(x) = (1 - x_1)^2 + 100\,(x_2 - x_1^2)^2$ has its minimum 0 at $(1, 1)$,
# at the end of a narrow curved valley along $x_2 = x_1^2$. By the chain rule, with
# $u = x_2 - x_1^2$ (so $\partial u / \partial x_1 = -2x_1$, $\partial u / \partial x_2 = 1$):
#
# $$\frac{\partial f}{\partial x_1} = -2(1 - x_1) - 400\,x_1 (x_2 - x_1^2), \qquad
#   \frac{\partial f}{\partial x_2} = 200\,(x_2 - x_1^2).$$
#
# The steppers work on any parameter dict, so the "model" here is just `{"xy": x}` and the
# gradient is our formula: no network, no loss object.

# %%
CURVATURE = np.array([1.0, 20.0])


def quadratic(x1, x2):
    return 0.5 * (CURVATURE[0] * x1**2 + CURVATURE[1] * x2**2)


def quadratic_grad(x):
    return CURVATURE * x


def rosenbrock(x1, x2):
    return (1 - x1) ** 2 + 100 * (x2 - x1**2) ** 2


def rosenbrock_grad(x):
    x1, x2 = x
    return np.array([-2 * (1 - x1) - 400 * x1 * (x2 - x1**2), 200 * (x2 - x1**2)])


def run(opt, grad, start, steps):
    """The iterates x_0 .. x_steps of a stepper: a (steps + 1, 2) array."""
    params = {"xy": np.array(start, dtype=np.float64)}
    state = opt.init(params)
    path = [params["xy"]]
    for _ in range(steps):
        params, state = opt.step(params, {"xy": grad(params["xy"])}, state)
        path.append(params["xy"])
    return np.array(path)


# %% [markdown]
# ### Check 1: the hand-written gradients equal finite differences
#
# Central differences in float64 agree with a correct gradient to ~1e-9 relative here; 1e-6
# leaves room for rounding and none for a wrong term.

# %%
rng = np.random.default_rng(0)
for f, grad in ((quadratic, quadratic_grad), (rosenbrock, rosenbrock_grad)):
    for x in rng.uniform(-2, 2, size=(20, 2)):
        assert grad_error(lambda v, f=f: f(*v), x, grad(x)) < 1e-6, f.__name__

# %% [markdown]
# ## The update rules (torch.optim's, which minitrain follows exactly)
#
# With gradient $g_t$ at step $t$ and learning rate $\gamma$ (all operations elementwise):
#
# - **GD**: $x_t = x_{t-1} - \gamma g_t$.
# - **SGD with momentum** $\mu$ (buffer $b$, $b_1 = g_1$):
#   $b_t = \mu b_{t-1} + g_t$, $\;x_t = x_{t-1} - \gamma b_t$.
# - **Adagrad** (sum $s$): $s_t = s_{t-1} + g_t^2$,
#   $\;x_t = x_{t-1} - \gamma\, g_t / (\sqrt{s_t} + \epsilon)$.
# - **RMSprop** (average $v$): $v_t = \alpha v_{t-1} + (1-\alpha) g_t^2$,
#   $\;x_t = x_{t-1} - \gamma\, g_t / (\sqrt{v_t} + \epsilon)$.
# - **Adam** (averages $m$, $v$): $m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t$,
#   $\;v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2$,
#   $\;x_t = x_{t-1} - \gamma\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)$ with
#   $\hat m_t = m_t / (1-\beta_1^t)$ and $\hat v_t = v_t / (1-\beta_2^t)$.
#
# **Why GD struggles.** On the quadratic each coordinate evolves on its own:
# $x_{i,t} = (1 - \gamma a_i)\,x_{i,t-1}$, so $x_{i,k} = (1 - \gamma a_i)^k x_{i,0}$.
# Stability across the valley needs $|1 - 20\gamma| < 1$, i.e. $\gamma < 0.1$; along the
# valley the error then shrinks by at most $1 - \gamma \ge 0.9$ per step. One learning rate
# must serve both curvatures: that is what $\kappa$ costs.
#
# **Why momentum helps.** In a direction where the gradient keeps its sign, $b$ accumulates
# to $g/(1-\mu)$: a step ten times larger for $\mu = 0.9$. Across the valley the gradient
# flips sign every step and the contributions cancel. The error rate of the best-tuned heavy
# ball is $(\sqrt\kappa - 1)/(\sqrt\kappa + 1)$ instead of $(\kappa - 1)/(\kappa + 1)$.
#
# **Why Adagrad, RMSprop and Adam help here.** They divide each coordinate's step by a
# running size of its own gradients. A coordinate with gradients 20 times larger gets steps
# 20 times smaller: the division undoes the axis-aligned part of the ill-conditioning. (Only
# the axis-aligned part: rotate the valley by 45° and the per-coordinate scales no longer
# match its axes.) Adagrad *sums* squared gradients, so its steps shrink for ever; RMSprop and
# Adam average them over a window of about $1/(1-\alpha)$ or $1/(1-\beta_2)$ steps.
#
# **Why Adam corrects its bias.** $m$ and $v$ start at zero, so early on they are too small:
# if the gradients had constant mean, $E[m_t] = (1 - \beta_1^t)\,E[g]$ (sum the geometric
# series $\sum_{i \le t} (1-\beta_1)\beta_1^{t-i}$). Dividing by $1 - \beta_1^t$ (and $v$ by
# $1 - \beta_2^t$) removes that factor. At $t = 1$ the corrected step is exactly
# $\gamma\,g_1 / (|g_1| + \epsilon)$: a step of size $\gamma$ in every coordinate,
# whatever the gradient's scale.
#
# **RMSprop has no such correction** (torch's rule, and minitrain's). Its first average is
# $v_1 = (1-\alpha)\,g_1^2$, so its first step is $\gamma\,g_1/\sqrt{(1-\alpha)\,g_1^2}
# = \gamma/\sqrt{1-\alpha}$ per coordinate: ten times the learning rate for the default
# $\alpha = 0.99$. Since $v_t \ge (1-\alpha)\,g_t^2$, no RMSprop step is ever longer than
# that, and once $v$ has averaged a few hundred gradients of steady size the steps come down
# to about $\gamma$. (Adagrad's sum $s_t \ge g_t^2$ bounds its steps by $\gamma$ exactly.)

# %% [markdown]
# ### Check 2: what the derivations predict exactly
#
# GD's iterates equal $(1 - \gamma a)^k x_0$ (the same float operations in another order, so
# 1e-12 relative); GD with $\gamma$ 5% above $2/a_2 = 0.1$ blows up while 5% below it
# converges; Adam's first step is $\gamma\,g/(|g| + \epsilon)$ (to rounding), and
# RMSprop's is $\gamma/\sqrt{1-\alpha} = 10\gamma$ per coordinate.

# %%
START = np.array([-4.5, 1.5])
for lr in (0.02, 0.09):
    path = run(mt.optim.GD(lr=lr), quadratic_grad, START, 50)
    expected = (1 - lr * CURVATURE) ** np.arange(51)[:, None] * START
    np.testing.assert_allclose(path, expected, rtol=1e-12, atol=1e-300)
assert abs(run(mt.optim.GD(lr=0.105), quadratic_grad, START, 200)[-1, 1]) > 1e3
assert abs(run(mt.optim.GD(lr=0.095), quadratic_grad, START, 200)[-1, 1]) < 1e-3

first = run(mt.optim.Adam(lr=0.3), quadratic_grad, START, 1)[1] - START
g = quadratic_grad(START)
np.testing.assert_allclose(first, -0.3 * g / (np.abs(g) + 1e-8), rtol=1e-12)
print("Adam's first step:", first, "= -lr * sign(g)")
first = run(mt.optim.RMSprop(lr=0.3), quadratic_grad, START, 1)[1] - START
np.testing.assert_allclose(first, -0.3 * np.sign(g) / np.sqrt(1 - 0.99), rtol=1e-7)  # eps: ~1e-8
print("RMSprop's first step:", first, f"= {abs(first[0]) / 0.3:.2f} x lr")

# %% [markdown]
# ## Trajectories
#
# On the quadratic, GD gets its best fixed step (found here by a search over $\gamma$;
# exercise 3 derives it) and momentum gets Polyak's tuning for curvatures between
# $\lambda_{\min}$ and $\lambda_{\max}$: $\gamma = 4/(\sqrt{\lambda_{\max}} +
# \sqrt{\lambda_{\min}})^2$, $\mu = ((\sqrt\kappa - 1)/(\sqrt\kappa + 1))^2$ with
# $\kappa = \lambda_{\max}/\lambda_{\min}$. The adaptive methods get rates
# that show their character. On Rosenbrock each method runs near its best rate (see the
# sensitivity study below).

# %%
kappa = CURVATURE.max() / CURVATURE.min()
heavy_ball_lr = 4 / (np.sqrt(CURVATURE.max()) + np.sqrt(CURVATURE.min())) ** 2
heavy_ball_momentum = ((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)) ** 2
# GD's best fixed step: the one whose worst per-coordinate factor |1 - lr a_i| is smallest.
lr_grid = np.linspace(1e-3, 0.1, 9901)
gd_best_lr = lr_grid[np.argmin(np.abs(1 - np.outer(lr_grid, CURVATURE)).max(axis=1))]
quadratic_runs = {
    "GD, best fixed step": mt.optim.GD(lr=gd_best_lr),
    f"momentum {heavy_ball_momentum:.2f}, lr {heavy_ball_lr:.3f}": mt.optim.SGD(
        lr=heavy_ball_lr, momentum=heavy_ball_momentum
    ),
    "Adagrad, lr 1.5": mt.optim.Adagrad(lr=1.5),
    "RMSprop, lr 0.05": mt.optim.RMSprop(lr=0.05),
    "Adam, lr 0.3": mt.optim.Adam(lr=0.3),
}
quadratic_paths = {
    name: run(opt, quadratic_grad, START, 50) for name, opt in quadratic_runs.items()
}
fig = plotting.trajectories_on_contours(
    quadratic,
    quadratic_paths,
    xlim=(-5, 5),
    ylim=(-3.2, 3.2),
    minimum=(0.0, 0.0),
    title="50 steps on f = (x₁² + 20 x₂²)/2",
)
plotting.save(fig, PLOTS / "lesson03_trajectories_quadratic.png")

# %%
ROSENBROCK_START = (-1.2, 1.0)
rosenbrock_runs = {
    "GD, lr 2e-3": mt.optim.GD(lr=2e-3),
    "SGD momentum 0.9, lr 1e-3": mt.optim.SGD(lr=1e-3, momentum=0.9),
    "Adagrad, lr 0.5": mt.optim.Adagrad(lr=0.5),
    "RMSprop, lr 5e-3": mt.optim.RMSprop(lr=5e-3),
    "Adam, lr 0.1": mt.optim.Adam(lr=0.1),
}
rosenbrock_paths = {
    name: run(opt, rosenbrock_grad, ROSENBROCK_START, ROSENBROCK_STEPS)
    for name, opt in rosenbrock_runs.items()
}
fig = plotting.trajectories_on_contours(
    rosenbrock,
    rosenbrock_paths,
    xlim=(-1.6, 1.4),
    ylim=(-0.6, 1.8),
    minimum=(1.0, 1.0),
    title=f"{ROSENBROCK_STEPS} steps on Rosenbrock from (−1.2, 1)",
)
plotting.save(fig, PLOTS / "lesson03_trajectories_rosenbrock.png")

# %% [markdown]
# ## Convergence curves
#
# $f(x_k) - f^*$ on a log axis, where a constant rate of progress is a straight line. Exact
# zeros (a coordinate can reach 0 exactly) are floored at 1e-30 so the axis can show them.

# %%
fig = plotting.convergence(
    {name: np.maximum(quadratic(*p.T), 1e-30) for name, p in quadratic_paths.items()},
    title="Convergence on the quadratic (κ = 20)",
    ylabel=r"$f(x_k) - f^*$ (function units)",
)
plotting.save(fig, PLOTS / "lesson03_convergence_quadratic.png")

# %%
fig = plotting.convergence(
    {name: np.maximum(rosenbrock(*p.T), 1e-30) for name, p in rosenbrock_paths.items()},
    title="Convergence on Rosenbrock",
    ylabel=r"$f(x_k) - f^*$ (function units)",
)
plotting.save(fig, PLOTS / "lesson03_convergence_rosenbrock.png")

# %%
final = {name: rosenbrock(*p[-1]) for name, p in rosenbrock_paths.items()}
print("Rosenbrock, f after the last step:", {k: f"{v:.2g}" for k, v in final.items()})

# %% [markdown]
# ### Check 3: what the curves show, as numbers
#
# - Tuned momentum converges at a rate set by $\sqrt\kappa$, GD at one set by $\kappa$: after
#   50 steps momentum is below 1e-12 while GD at its best step is still above 1e-4.
# - Adagrad's sum of squared gradients converges when the gradients shrink geometrically, so
#   its steps shrink with the gradient and it converges linearly too (below 1e-9).
# - RMSprop and Adam divide by a *recent* average of $g^2$, so near the minimum their step
#   does not shrink with the gradient (it stays of order $\gamma$): with a constant learning
#   rate they hover around the minimum instead of settling (their last ten steps are still
#   longer than $0.1\gamma$ on average). On a device, that is what a learning-rate schedule is for.
# - On Rosenbrock, momentum and Adam end at least a hundred times closer to the minimum than
#   GD.

# %%
quadratic_final = {name: quadratic(*p[-1]) for name, p in quadratic_paths.items()}
momentum_name = next(name for name in quadratic_runs if name.startswith("momentum"))
assert quadratic_final[momentum_name] < 1e-12 < 1e-4 < quadratic_final["GD, best fixed step"]
assert quadratic_final["Adagrad, lr 1.5"] < 1e-9
for name, lr in (("RMSprop, lr 0.05", 0.05), ("Adam, lr 0.3", 0.3)):
    last_steps = np.linalg.norm(np.diff(quadratic_paths[name][-11:], axis=0), axis=1)
    assert last_steps.mean() > 0.1 * lr, name
assert final["SGD momentum 0.9, lr 1e-3"] < 1e-2 * final["GD, lr 2e-3"]
assert final["Adam, lr 0.1"] < 1e-2 * final["GD, lr 2e-3"]

# %% [markdown]
# ## Learning-rate sensitivity
#
# On a device you may get one shot at a learning rate. For each method we sweep the rate
# over four decades, run 500 steps on Rosenbrock, and record where it ends; a diverged run
# (overflow to inf or NaN) is marked with an x.

# %%
makers = {
    "GD": lambda lr: mt.optim.GD(lr=lr),
    "SGD momentum 0.9": lambda lr: mt.optim.SGD(lr=lr, momentum=0.9),
    "Adagrad": lambda lr: mt.optim.Adagrad(lr=lr),
    "RMSprop": lambda lr: mt.optim.RMSprop(lr=lr),
    "Adam": lambda lr: mt.optim.Adam(lr=lr),
}
sweep_steps = 150 if FAST else 500
finals = {}
with np.errstate(over="ignore", invalid="ignore"):  # diverging runs overflow on purpose
    for name, make in makers.items():
        ends = [
            run(make(lr), rosenbrock_grad, ROSENBROCK_START, sweep_steps)[-1]
            for lr in LEARNING_RATES
        ]
        finals[name] = np.array([rosenbrock(*x) for x in ends])
finals = {
    name: np.where(np.isfinite(v), np.maximum(v, 1e-30), np.nan) for name, v in finals.items()
}
fig = plotting.lr_sensitivity(
    LEARNING_RATES,
    finals,
    title=f"Rosenbrock after {sweep_steps} steps, by learning rate",
    ylabel=rf"final $f(x_{{{sweep_steps}}}) - f^*$ (function units)",
)
plotting.save(fig, PLOTS / "lesson03_lr_sensitivity.png")

# %% [markdown]
# ### Check 4: GD and momentum have a hard ceiling, the adaptive methods do not
#
# GD's ceiling is set by the largest curvature it meets ($\gamma < 2/\lambda_{\max}$); the
# adaptive methods' steps are bounded whatever the gradient (by $\gamma$ for Adagrad, about
# $\gamma$ for Adam, $\gamma/\sqrt{1-\alpha} = 10\gamma$ for RMSprop), so none of them can
# overflow in this range.

# %%
assert np.isnan(finals["GD"][LEARNING_RATES >= 0.1]).all()
assert np.isnan(finals["SGD momentum 0.9"][LEARNING_RATES >= 0.1]).all()
for name in ("Adagrad", "RMSprop", "Adam"):
    assert np.isfinite(finals[name]).all(), name

# %% [markdown]
# ## Summary
#
# - GD's progress along a valley is limited by the steepest direction across it: one
#   learning rate for all curvatures, so the rate depends on $\kappa$.
# - Momentum accumulates consistent gradients and cancels alternating ones; tuned, its rate
#   depends on $\sqrt\kappa$ instead of $\kappa$.
# - Adagrad, RMSprop and Adam rescale each coordinate by its gradient history, which undoes
#   axis-aligned ill-conditioning and bounds every step by a fixed multiple of $\gamma$
#   ($\gamma$ for Adagrad, about $\gamma$ for Adam, up to $10\gamma$ for RMSprop with
#   $\alpha = 0.99$, which has no bias correction): they are hard to blow up, which makes
#   them forgiving defaults on unattended devices. RMSprop and Adam keep steps of order
#   $\gamma$ near the minimum, so they need a decaying learning rate to settle.
# - Adam's bias correction makes its first steps the right size: $\gamma$ per coordinate;
#   RMSprop's first step, uncorrected, is $\gamma/\sqrt{1-\alpha}$.
#
# ## Exercises
#
# 1. **Nesterov momentum by hand.** torch's Nesterov rule is $b_t = \mu b_{t-1} + g_t$
#    ($b_1 = g_1$), $x_t = x_{t-1} - \gamma(g_t + \mu b_t)$. Implement it in a loop with
#    NumPy only, run it for 50 steps on the quadratic from `START` with $\gamma = 0.015$,
#    $\mu = 0.9$, and check your path with `check_nesterov(path)`.
# 2. **Adam without bias correction.** Compute by hand the first step of Adam *without*
#    the correction from `START` ($\gamma = 0.3$, default betas, $\epsilon = 10^{-8}$).
#    How many times larger than $\gamma$ is it, and why? Check with
#    `check_uncorrected_first_step(step)`.
# 3. **The best GD step.** For GD on the quadratic, find the learning rate that minimises
#    the worst-case contraction factor $\max_i |1 - \gamma a_i|$, and check it with
#    `check_best_gd_lr(lr)`, which also verifies that with it *every* start contracts by
#    exactly that factor per step.


# %%
def check_nesterov(path):
    expected = run(mt.optim.SGD(lr=0.015, momentum=0.9, nesterov=True), quadratic_grad, START, 50)
    np.testing.assert_allclose(path, expected, rtol=1e-12, atol=1e-15)
    print("check_nesterov: correct")


def check_uncorrected_first_step(step):
    g = quadratic_grad(START)
    m, v = 0.1 * g, 0.001 * g**2  # (1 - beta1) g and (1 - beta2) g^2
    np.testing.assert_allclose(step, -0.3 * m / (np.sqrt(v) + 1e-8), rtol=1e-9)
    print("check_uncorrected_first_step: correct")


def check_best_gd_lr(lr):
    def worst_factor(rate):
        return np.abs(1 - rate * CURVATURE).max()

    assert worst_factor(lr) < min(worst_factor(0.99 * lr), worst_factor(1.01 * lr))
    for start in rng.normal(size=(5, 2)):
        norms = np.linalg.norm(run(mt.optim.GD(lr=lr), quadratic_grad, start, 30), axis=1)
        # Both coordinates shrink by the same |1 - lr a_i|, so the norm does too (to rounding).
        np.testing.assert_allclose(norms, worst_factor(lr) ** np.arange(31) * norms[0], rtol=1e-12)
    print("check_best_gd_lr: correct")


# %% [markdown]
# ## Solutions

# %% [markdown]
# **1.** Nesterov evaluates the momentum step "one step ahead": the update adds $\mu b_t$
# to the fresh gradient instead of using $b_t$ alone, which damps overshooting.

# %% tags=["solution"] jupyter={"source_hidden": true}
x, b, path = START.copy(), None, [START.copy()]
for _ in range(50):
    g = quadratic_grad(x)
    b = g.copy() if b is None else 0.9 * b + g
    x = x - 0.015 * (g + 0.9 * b)
    path.append(x)
check_nesterov(np.array(path))

# %% [markdown]
# **2.** Without correction $m_1 = 0.1\,g$ and $\sqrt{v_1} = \sqrt{0.001}\,|g|$, so the step
# is $\gamma \cdot 0.1/0.0316 \approx 3.16\,\gamma$ per coordinate: with the default betas
# the second moment is underestimated more than the first, and the uncorrected first steps
# are three times too large.

# %% tags=["solution"] jupyter={"source_hidden": true}
g = quadratic_grad(START)
step = -0.3 * (0.1 * g) / (np.sqrt(0.001 * g**2) + 1e-8)
print("uncorrected first step:", step, f"= {abs(step[0]) / 0.3:.3f} x lr")
check_uncorrected_first_step(step)

# %% [markdown]
# **3.** $\max(|1 - \gamma a_1|, |1 - \gamma a_2|)$ is smallest where the two are equal,
# $1 - \gamma a_1 = \gamma a_2 - 1$: $\gamma^* = 2/(a_1 + a_2) = 2/21$, giving
# $\rho = (\kappa - 1)/(\kappa + 1) = 19/21$ for both coordinates (with opposite signs:
# the steep one flips sign every step). Note that from one particular start another rate
# may finish lower after 50 steps; $\gamma^*$ is the best guarantee over all starts.

# %% tags=["solution"] jupyter={"source_hidden": true}
check_best_gd_lr(2 / 21)
