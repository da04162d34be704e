"""Closed-form references for linear least squares: what gradient descent should converge to.

    sol = ols(X, y)                       # LinearSolution(coef, intercept)
    sol = ridge(X, y, alpha=0.1)          # the minimiser of mean squared error + alpha ||w||^2
    rate = gd_rate(X)                     # L, mu, kappa and GD's contraction factors

The losses here are the *means* that ``mt.losses.MSE`` computes, so ``sol.as_params()`` is the
point that ``fit`` with ``Sequential([Dense(D, K)])`` and ``MSE`` approaches, and ``gd_rate``
describes that run. Shapes: X (N, D); y (N,) or (N, K); M = y.size = N K.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._types import Params
from ._validate import (
    as_float_array,
    check_flag,
    check_instance,
    check_int,
    check_params,
    check_positive,
    store_checked,
)


@dataclass(frozen=True)
class LinearSolution:
    """The affine map ``y = X coef + intercept``.

    coef: (D,) when y was (N,), (D, K) when y was (N, K). intercept: () or (K,) likewise
    (zeros without ``fit_intercept``). The dtype is that of X and y.
    """

    coef: np.ndarray
    intercept: np.ndarray

    def __post_init__(self) -> None:
        coef = as_float_array("coef", self.coef, ndim=(1, 2))
        intercept = as_float_array("intercept", self.intercept, ndim=coef.ndim - 1)
        if intercept.shape != coef.shape[1:]:
            raise ValueError(
                f"intercept must have shape {coef.shape[1:]} for coef of shape {coef.shape}; "
                f"got {intercept.shape}."
            )
        if intercept.dtype != coef.dtype:
            raise TypeError(
                f"intercept has dtype {intercept.dtype} but coef has {coef.dtype}; give both "
                "one dtype."
            )
        store_checked(self, coef=coef, intercept=intercept)

    def predict(self, X: Any) -> np.ndarray:
        """``X coef + intercept``: (N, D) -> (N,) or (N, K), in the solution's dtype."""
        X = as_float_array("X", X, ndim=2)
        if X.shape[1] != self.coef.shape[0]:
            raise ValueError(
                f"X has {X.shape[1]} columns but the solution has {self.coef.shape[0]} "
                "coefficients per output; pass the features it was solved on."
            )
        if X.dtype != self.coef.dtype:
            raise TypeError(
                f"X has dtype {X.dtype} but the solution {self.coef.dtype}; minitrain does not "
                f"cast silently: convert it, e.g. X.astype(np.{self.coef.dtype})."
            )
        return X @ self.coef + self.intercept

    def as_params(self, layer: int = 0) -> Params:
        """The solution as the parameters of ``Sequential([Dense(D, K)])``: W (D, K), b (K,),
        keyed ``"<layer>.W"`` and ``"<layer>.b"`` (``layer``: the Dense layer's index, >= 0)."""
        layer = check_int("layer", layer, minimum=0)
        D = self.coef.shape[0]
        return {f"{layer}.W": self.coef.reshape(D, -1), f"{layer}.b": self.intercept.reshape(-1)}


def _check_xy(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    X = as_float_array("X", X, ndim=2)
    y = as_float_array("y", y, ndim=(1, 2))
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}; they must match.")
    if y.dtype != X.dtype:
        raise TypeError(
            f"y has dtype {y.dtype} but X has {X.dtype}; minitrain does not cast silently: "
            f"convert one, e.g. y.astype(X.dtype)."
        )
    return X, y


def _centre(X: np.ndarray, y: np.ndarray, fit_intercept: bool):
    """(X - mean, y - mean, mean of X, mean of y), or the inputs and zero means."""
    if not fit_intercept:
        return X, y, np.zeros(X.shape[1], X.dtype), np.zeros(y.shape[1:], y.dtype)
    x_mean, y_mean = X.mean(axis=0), y.mean(axis=0)
    return X - x_mean, y - y_mean, x_mean, y_mean


def _solution(coef: np.ndarray, x_mean: np.ndarray, y_mean: np.ndarray) -> LinearSolution:
    """The solution with intercept b = ybar - xbar coef (0 when the data were not centred)."""
    return LinearSolution(coef, np.asarray(y_mean - x_mean @ coef))


def ols(X: Any, y: Any, fit_intercept: bool = True) -> LinearSolution:
    r"""Ordinary least squares: the minimiser of the mean squared error.

        min_{w, b} (1/M) ||X w + 1 b^T - y||^2

    Setting the gradient to zero gives b = ybar - xbar w and the normal equations

        Xc^T Xc w = Xc^T yc,      Xc = X - 1 xbar^T,  yc = y - 1 ybar^T

    solved with ``np.linalg.lstsq`` (an SVD; when Xc is rank deficient, the w of least norm).
    Without ``fit_intercept``, b = 0 and X, y are used uncentred.
    """
    X, y = _check_xy(X, y)
    fit_intercept = check_flag("fit_intercept", fit_intercept)
    Xc, yc, x_mean, y_mean = _centre(X, y, fit_intercept)
    coef = np.linalg.lstsq(Xc, yc, rcond=None)[0]
    return _solution(coef, x_mean, y_mean)


def ridge(X: Any, y: Any, alpha: float, fit_intercept: bool = True) -> LinearSolution:
    r"""Ridge regression for the MEAN squared error, with the intercept not penalised.

        min_{W, b} (1/M) ||X W + 1 b^T - Y||_F^2 + alpha ||W||_F^2,      M = Y.size = N K

    which is ``mt.losses.MSE`` of ``Sequential([Dense(D, K)])`` plus the penalty, so gradient
    descent on that objective, with gradient ``MSE grads + 2 alpha W`` (and b's unchanged),
    converges here. Zero gradient gives b = ybar - xbar W and

        (Xc^T Xc + alpha M I) W = Xc^T Yc,

    solved as the least-squares problem [Xc; sqrt(alpha M) I] W = [Yc; 0] (better conditioned
    than forming Xc^T Xc). alpha = 0 is ``ols``.
    """
    X, y = _check_xy(X, y)
    alpha = check_positive("alpha", alpha, allow_zero=True)
    fit_intercept = check_flag("fit_intercept", fit_intercept)
    Xc, yc, x_mean, y_mean = _centre(X, y, fit_intercept)
    D = X.shape[1]
    penalty_rows = math.sqrt(alpha * y.size) * np.eye(D, dtype=X.dtype)  # a float: X's dtype
    stacked_X = np.concatenate([Xc, penalty_rows])
    stacked_y = np.concatenate([yc, np.zeros((D, *y.shape[1:]), dtype=y.dtype)])
    coef = np.linalg.lstsq(stacked_X, stacked_y, rcond=None)[0]
    return _solution(coef, x_mean, y_mean)


@dataclass(frozen=True)
class GDRate:
    """Curvature of the mean-squared-error objective and the rates of gradient descent.

    L, mu: the largest and smallest eigenvalue of the Hessian H; kappa = L / mu (inf if mu = 0).
    step_1_over_L = 1/L, with contraction factor_1_over_L = 1 - mu/L;
    step_optimal = 2/(L + mu), with factor_optimal = (kappa - 1)/(kappa + 1).
    """

    L: float
    mu: float
    kappa: float
    step_1_over_L: float
    factor_1_over_L: float
    step_optimal: float
    factor_optimal: float


def gd_rate(X: Any, fit_intercept: bool = True, alpha: float = 0.0, n_targets: int = 1) -> GDRate:
    r"""Rates of gradient descent on ``mt.losses.MSE`` (+ ``alpha ||W||^2``) for a linear model.

    For one output column, with A = [X, 1] (or A = X without intercept) and theta = (w, b):

        f(theta) = (1/M) ||A theta - y||^2 + alpha ||w||^2,      M = N * n_targets
        H = (2/M) A^T A + 2 alpha P,     P = diag(1, ..., 1, 0)  (b is not penalised)

    (K output columns give K identical blocks.) GD ``theta <- theta - eta grad`` gives
    e_{k+1} = (I - eta H) e_k for e_k = theta_k - theta*, so

        ||e_k|| <= max_i |1 - eta lambda_i|^k ||e_0||
                 = (1 - mu/L)^k ||e_0||              for eta = 1/L
                 = ((kappa - 1)/(kappa + 1))^k ||e_0||  for eta = 2/(L + mu) (the best step).

    The eigenvalues are computed in float64 whatever the dtype of X.
    """
    X = as_float_array("X", X, ndim=2).astype(np.float64)
    fit_intercept = check_flag("fit_intercept", fit_intercept)
    alpha = check_positive("alpha", alpha, allow_zero=True)
    n_targets = check_int("n_targets", n_targets, minimum=1)
    N, D = X.shape
    A = np.concatenate([X, np.ones((N, 1))], axis=1) if fit_intercept else X
    penalised = np.r_[np.ones(D), np.zeros(A.shape[1] - D)]
    H = (2.0 / (N * n_targets)) * (A.T @ A) + 2.0 * alpha * np.diag(penalised)
    eigenvalues = np.linalg.eigvalsh(H)
    L, mu = float(eigenvalues[-1]), max(float(eigenvalues[0]), 0.0)
    if not L > 0:
        raise ValueError(
            "X is all zeros and alpha is 0, so the objective is flat (every eigenvalue of H is "
            "0) and gradient descent has no rate; pass features that vary, or fit_intercept=True."
        )
    kappa = L / mu if mu > 0 else np.inf
    return GDRate(
        L=L,
        mu=mu,
        kappa=kappa,
        step_1_over_L=1.0 / L,
        factor_1_over_L=1.0 - mu / L,
        step_optimal=2.0 / (L + mu),
        factor_optimal=(L - mu) / (L + mu),
    )


def gd_trajectory_bound(initial_error: float, factor: float, steps: int) -> np.ndarray:
    """The bound ``||e_k|| <= factor^k ||e_0||`` for k = 0..steps: an array of steps + 1 values.

    Pass ``factor`` from ``gd_rate`` (e.g. ``rate.factor_1_over_L``); plot it beside the
    measured distance to the solution on a log axis: a straight line of slope log(factor).
    """
    initial_error = check_positive("initial_error", initial_error, allow_zero=True)
    factor = check_positive("factor", factor, allow_zero=True)
    steps = check_int("steps", steps, minimum=0)
    return initial_error * factor ** np.arange(steps + 1, dtype=np.float64)


def parameter_error(params: Params, solution: LinearSolution, layer: int = 0) -> float:
    """Euclidean distance ``||theta - theta*||`` between a Dense layer's (W, b) and a solution.

    ``params`` must hold that layer's ``"<layer>.W"`` and ``"<layer>.b"`` with the solution's
    shapes and dtype (other keys are ignored).
    """
    check_params("params", params)
    check_instance("solution", solution, LinearSolution, "mt.closed_form.ols(X, y)")
    target = solution.as_params(layer)
    for key, value in target.items():
        if key not in params:
            raise ValueError(
                f"params has no key {key!r} (layer {layer}'s); it has {list(params)}: pass "
                "layer= the index of the Dense layer to compare."
            )
        if params[key].shape != value.shape:
            raise ValueError(
                f"params[{key!r}] has shape {params[key].shape} but the solution's is "
                f"{value.shape}."
            )
        if params[key].dtype != value.dtype:
            raise TypeError(
                f"params[{key!r}] has dtype {params[key].dtype} but the solution "
                f"{value.dtype}; minitrain does not cast silently: solve in the params' dtype."
            )
    return float(np.sqrt(sum(np.sum((params[k] - target[k]) ** 2) for k in target)))
