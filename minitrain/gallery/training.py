"""Gallery figures about training itself: optimizers on test functions, GD against its bound,
loss curves, learning-rate sensitivity and the shapes of the losses.

Each function computes its data from fixed seeds and returns a Figure.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from matplotlib.figure import Figure

import minitrain as mt

from .. import plotting

Gradient = Callable[[np.ndarray], np.ndarray]

# f(x) = (x1^2 + 20 x2^2) / 2: condition number 20, minimum 0 at the origin.
QUADRATIC_CURVATURE = np.array([1.0, 20.0])
QUADRATIC_START = (-4.5, 1.5)
# Polyak's tuning of the heavy ball for curvatures in [mu, L] = [1, 20]:
# lr = 4 / (sqrt(L) + sqrt(mu))^2, momentum = ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2.
HEAVY_BALL_LR = 4 / (np.sqrt(20.0) + 1) ** 2
HEAVY_BALL_MOMENTUM = ((np.sqrt(20.0) - 1) / (np.sqrt(20.0) + 1)) ** 2
ROSENBROCK_START = (-1.2, 1.0)  # the classic start, on the far side of the banana valley


def quadratic(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    """f(x) = (a1 x1^2 + a2 x2^2) / 2 with (a1, a2) = (1, 20); grad f = (a1 x1, a2 x2)."""
    a1, a2 = QUADRATIC_CURVATURE
    return 0.5 * (a1 * x1**2 + a2 * x2**2)


def quadratic_grad(x: np.ndarray) -> np.ndarray:
    return QUADRATIC_CURVATURE * x


def rosenbrock(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    """f(x) = (1 - x1)^2 + 100 (x2 - x1^2)^2, minimum 0 at (1, 1)."""
    return (1 - x1) ** 2 + 100 * (x2 - x1**2) ** 2


def rosenbrock_grad(x: np.ndarray) -> np.ndarray:
    """grad f = (-2 (1 - x1) - 400 x1 (x2 - x1^2), 200 (x2 - x1^2))."""
    x1, x2 = x
    return np.array([-2 * (1 - x1) - 400 * x1 * (x2 - x1**2), 200 * (x2 - x1**2)])


def run_stepper(opt, grad: Gradient, start: tuple[float, float], steps: int) -> np.ndarray:
    """Iterates x_0 .. x_steps of a stepper on params {"xy": x}: a (steps + 1, 2) array."""
    params = {"xy": np.array(start, dtype=np.float64)}
    state = opt.init(params)
    path = [params["xy"]]
    for _ in range(steps):
        params, state = opt.step(params, {"xy": grad(params["xy"])}, state)
        path.append(params["xy"])
    return np.array(path)


def quadratic_optimizers() -> dict[str, object]:
    """Each stepper at a learning rate that shows its character on the quadratic."""
    return {
        "GD, lr 2/21 (best)": mt.optim.GD(lr=2 / 21),
        "momentum 0.40, lr 0.134": mt.optim.SGD(lr=HEAVY_BALL_LR, momentum=HEAVY_BALL_MOMENTUM),
        "Adagrad, lr 1.5": mt.optim.Adagrad(lr=1.5),
        "RMSprop, lr 0.05": mt.optim.RMSprop(lr=0.05),
        "Adam, lr 0.3": mt.optim.Adam(lr=0.3),
    }


def rosenbrock_optimizers() -> dict[str, object]:
    """Each stepper near its best learning rate on Rosenbrock over 1500 steps."""
    return {
        "GD, lr 2e-3": mt.optim.GD(lr=2e-3),
        "SGD momentum 0.9, lr 1e-3": mt.optim.SGD(lr=1e-3, momentum=0.9),
        "Adagrad, lr 0.5": mt.optim.Adagrad(lr=0.5),
        "RMSprop, lr 5e-3": mt.optim.RMSprop(lr=5e-3),
        "Adam, lr 0.1": mt.optim.Adam(lr=0.1),
    }


def _trajectories(f, grad: Gradient, optimizers: dict, start, steps: int, **view) -> Figure:
    """Each stepper's path from ``start`` over ``steps`` steps, over the contours of f."""
    paths = {name: run_stepper(opt, grad, start, steps) for name, opt in optimizers.items()}
    return plotting.trajectories_on_contours(f, paths, **view)


def trajectories_quadratic() -> Figure:
    return _trajectories(
        quadratic, quadratic_grad, quadratic_optimizers(), QUADRATIC_START, 50,
        xlim=(-5, 5), ylim=(-3.2, 3.2), minimum=(0.0, 0.0),
        title="Optimizers on an ill-conditioned quadratic (κ = 20)",
    )  # fmt: skip


def trajectories_rosenbrock() -> Figure:
    return _trajectories(
        rosenbrock, rosenbrock_grad, rosenbrock_optimizers(), ROSENBROCK_START, 1500,
        xlim=(-1.6, 1.4), ylim=(-0.6, 1.8), minimum=(1.0, 1.0),
        title="Optimizers on the Rosenbrock valley",
    )  # fmt: skip


def convergence_per_optimizer() -> Figure:
    curves = {
        name: rosenbrock(*run_stepper(opt, rosenbrock_grad, ROSENBROCK_START, 1500).T)
        for name, opt in rosenbrock_optimizers().items()
    }
    # f* = 0 here; values that reach exactly 0 are floored at 1e-30 so the log axis shows them.
    return plotting.convergence(
        {name: np.maximum(values, 1e-30) for name, values in curves.items()},
        title="Convergence on Rosenbrock from (−1.2, 1)",
        ylabel=r"$f(x_k) - f^*$ (function units)",
    )


def gd_vs_rate_bound() -> Figure:
    X, y = mt.data.make_linear(n=100, seed=0)
    model, loss = mt.Sequential([mt.Dense(1, 1)]), mt.losses.MSE()
    solution = mt.closed_form.ols(X, y)
    rate = mt.closed_form.gd_rate(X)
    observed, bounds = {}, {}
    half = 0.5 / rate.L  # any step eta in (0, 2/L) contracts by max(|1 - eta L|, |1 - eta mu|)
    for name, lr, factor in (
        ("lr = 0.5/L", half, max(abs(1 - half * rate.L), abs(1 - half * rate.mu))),
        ("lr = 1/L", rate.step_1_over_L, rate.factor_1_over_L),
        ("lr = 2/(L+μ)", rate.step_optimal, rate.factor_optimal),
    ):
        params, opt = model.init(seed=0), mt.optim.GD(lr=lr)
        state = opt.init(params)
        errors = [mt.closed_form.parameter_error(params, solution)]
        for _ in range(40):
            _, grads = mt.value_and_grad(model, loss, params, X, y)
            params, state = opt.step(params, grads, state)
            errors.append(mt.closed_form.parameter_error(params, solution))
        observed[name] = np.maximum(errors, 1e-16)  # float64 resolution of the solution
        bounds[name] = mt.closed_form.gd_trajectory_bound(errors[0], factor, 40)
    return plotting.gd_vs_bound(
        observed,
        bounds,
        title=f"Full-batch GD on y = 2x + 1 against ρᵏ‖e₀‖ (κ = {rate.kappa:.2f})",
    )


def _digits_split() -> tuple[np.ndarray, ...]:
    X, y = mt.data.load_digits()
    return mt.data.train_test_split(X / 16.0, y, test_fraction=0.25, seed=0, stratify=True)


def loss_curves_train_validation() -> Figure:
    X_train, X_val, y_train, y_val = _digits_split()
    model = mt.Sequential([mt.Dense(64, 64, init="he"), mt.ReLU(), mt.Dense(64, 10)])
    histories = {}
    for name, opt in (
        ("SGD, lr 0.05", mt.optim.SGD(lr=0.05)),
        ("Adam, lr 3e-3", mt.optim.Adam(lr=3e-3)),
    ):
        histories[name] = mt.fit(
            model,
            mt.losses.CrossEntropy(),
            opt,
            X_train,
            y_train,
            epochs=40,
            batch_size=32,
            seed=0,
            validation=(X_val, y_val),
            progress=False,
        )
    return plotting.loss_curves(
        histories,
        title="Digits MLP 64-64-10: training vs validation loss",
        ylabel="cross-entropy (nats per sample)",
    )


LEARNING_RATES = np.geomspace(1e-4, 1.0, 13)


def learning_rate_sensitivity() -> Figure:
    makers = {
        "GD": lambda lr: mt.optim.GD(lr=lr),
        "SGD momentum 0.9": lambda lr: mt.optim.SGD(lr=lr, momentum=0.9),
        "Adagrad": lambda lr: mt.optim.Adagrad(lr=lr),
        "RMSprop": lambda lr: mt.optim.RMSprop(lr=lr),
        "Adam": lambda lr: mt.optim.Adam(lr=lr),
    }
    finals = {}
    with np.errstate(over="ignore", invalid="ignore"):  # diverging runs overflow on purpose
        for name, make in makers.items():
            finals[name] = np.array(
                [
                    rosenbrock(*run_stepper(make(lr), rosenbrock_grad, ROSENBROCK_START, 500)[-1])
                    for lr in LEARNING_RATES
                ]
            )
    return plotting.lr_sensitivity(
        LEARNING_RATES,
        {
            name: np.where(np.isfinite(v), np.maximum(v, 1e-30), np.nan)
            for name, v in finals.items()
        },
        title="Rosenbrock after 500 steps, by learning rate",
        ylabel=r"final $f(x_{500}) - f^*$ (function units)",
    )


def losses_and_gradients() -> Figure:
    residual = np.linspace(-3.0, 3.0, 301)
    values, gradients = {}, {}
    target = np.zeros((residual.size, 1))
    for name, loss in (("MSE", mt.losses.MSE()), ("Huber, δ = 1", mt.losses.Huber(1.0))):
        pred = residual.reshape(-1, 1)
        # Per-element loss and derivative: M times the mean's (every row is one element here).
        values[name] = np.array(
            [loss(pred[i : i + 1], target[i : i + 1]) for i in range(residual.size)]
        )
        gradients[name] = loss.grad(pred, target)[:, 0] * residual.size
    return plotting.losses_and_gradients(
        residual,
        values,
        gradients,
        title="Regression losses: Huber caps the pull of an outlier",
    )
