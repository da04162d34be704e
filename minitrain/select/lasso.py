r"""The lasso: L1-penalised least squares by proximal gradient (FISTA), and its path.

The objective is scikit-learn's ``Lasso``, with an unpenalised intercept b:

    P(w, b) = (1 / 2n) ||y - X w - b 1||^2 + alpha ||w||_1 .

Minimising over b gives b = ybar - xbar . w, so with centred data Xc = X - xbar, yc = y - ybar
the problem is P(w) = (1 / 2n) ||yc - Xc w||^2 + alpha ||w||_1 = f(w) + g(w).

**The proximal step.** f is smooth with gradient grad f(w) = Xc^T (Xc w - yc) / n = G w - c
(G = Xc^T Xc / n, c = Xc^T yc / n), Lipschitz with constant L = lambda_max(G). g is not
differentiable at 0, so gradient descent is replaced by the proximal gradient step

    w+ = prox_{g/L}(z - grad f(z) / L),   prox_{t alpha ||.||_1}(v) = argmin_u ||u - v||^2 / 2t
                                                                    + alpha ||u||_1 .

The prox separates by coordinate: u minimises (u - v)^2 / 2t + alpha |u|. Where u != 0 the
derivative is zero, (u - v)/t + alpha sign(u) = 0, so u = v - t alpha sign(u), which is
consistent only if |v| > t alpha (then sign(u) = sign(v)); at u = 0 the subdifferential
{-v/t + alpha s : s in [-1, 1]} contains 0 exactly when |v| <= t alpha. Together:

    S_tau(v) = sign(v) max(|v| - tau, 0),     tau = t alpha        (soft thresholding)

**FISTA** (Beck and Teboulle, 2009) takes that step from an extrapolated point:

    w_k = S_{alpha/L}(z_k - (G z_k - c) / L)
    t_{k+1} = (1 + sqrt(1 + 4 t_k^2)) / 2,    z_{k+1} = w_k + (t_k - 1)/t_{k+1} (w_k - w_{k-1})

with t_1 = 1, z_1 = w_0; P(w_k) - P* <= 2 L ||w_0 - w*||^2 / (k + 1)^2. The momentum is
restarted (t = 1, z = w_k) whenever (z_k - w_k) . (w_k - w_{k-1}) > 0, i.e. when the step
went against the momentum (O'Donoghue and Candes, 2015's gradient restart), which makes the
convergence linear near a solution where P is locally strongly convex.

**Support polishing.** Once FISTA has found the support A = {j : w_j != 0} and the signs of
the solution (which it does after finitely many steps), the optimality conditions on A,
Xc_A^T (yc - Xc_A w_A) / n = alpha sign(w_A), are linear: G_AA w_A = c_A - alpha sign(w_A).
At each gap check (and at a warm start) that system is solved; its solution replaces w only
if it keeps the signs and lowers the duality gap, so the gap, not a hope, decides. Along a
path the support rarely changes from one alpha to the next, and most points are then exact
after one solve.

**Stopping: the duality gap.** With residual r = yc - Xc w, the scaled residual
theta = s r with s = min(1, n alpha / ||Xc^T r||_inf) is feasible for the dual
max_theta (1/2n)(||yc||^2 - ||yc - theta||^2) s.t. ||Xc^T theta||_inf <= n alpha, and

    gap(w) = P(w) - D(theta) = (1/2n) [ (1 + s^2) ||r||^2 - 2 s r . yc ] + alpha ||w||_1 >= 0

bounds the distance to the optimum from above: P(w) - P* <= gap(w). FISTA stops when

    gap(w) <= tol * ||yc||^2 / n,

which is scikit-learn's rule: ``tol`` is the duality gap relative to ||yc||^2 / n = 2 P(0),
twice the objective at w = 0, so tol = 1e-4 stops within 0.02% of P(0) of the optimum.
All the quantities come from G, c and ||yc||^2, so after the O(n d^2) Gram matrix each
iteration costs O(d^2), whatever n.

The computation runs in float64; the coefficients are returned in X's dtype.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validate import as_float_array, check_flag, check_in_range, check_int, check_positive

__all__ = ["LassoPath", "LassoResult", "alpha_grid", "duality_gap", "lasso", "lasso_path",
           "soft_threshold"]  # fmt: skip

POLISH = True  # the support polishing of the module docstring (False: plain FISTA)
GAP_EVERY = 10  # iterations between duality-gap checks (a gap costs about one iteration)


def soft_threshold(v: Any, tau: float) -> np.ndarray:
    """S_tau(v) = sign(v) max(|v| - tau, 0): the proximal map of tau ||.||_1 (module docs)."""
    v = as_float_array("v", v)
    tau = check_positive("tau", tau, allow_zero=True)
    return np.sign(v) * np.maximum(np.abs(v) - v.dtype.type(tau), 0)


@dataclass(frozen=True)
class LassoResult:
    """A lasso fit: ``coef`` (d,) and ``intercept`` (float) in X's dtype, the FISTA
    iterations run, whether the duality gap met ``tol``, and the gaps measured every
    ``GAP_EVERY`` iterations (the last one is the final gap)."""

    coef: np.ndarray
    intercept: float
    n_iter: int
    converged: bool
    gaps: tuple[float, ...]


@dataclass(frozen=True)
class LassoPath:
    """Solutions along a decreasing grid: ``alphas`` (m,), ``coefs`` (m, d), ``intercepts``
    (m,), and per alpha the iterations, convergence flag and final duality gap."""

    alphas: np.ndarray
    coefs: np.ndarray
    intercepts: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray
    gaps: np.ndarray


@dataclass(frozen=True)
class _Problem:
    """The sufficient statistics of a centred least-squares problem (float64)."""

    G: np.ndarray  # Xc^T Xc / n      (d, d)
    c: np.ndarray  # Xc^T yc / n      (d,)
    yy: float  # ||yc||^2 / n
    L: float  # lambda_max(G)
    x_mean: np.ndarray
    y_mean: float
    dtype: np.dtype


def check_regression_data(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """X (n, d) and one real target y, (n,) or (n, 1), as float arrays of matching rows."""
    X = as_float_array("X", X, ndim=2)
    y = as_float_array("y", y, ndim=(1, 2))
    if y.ndim == 2:
        if y.shape[1] != 1:
            raise ValueError(f"y must be (n,) or (n, 1) (one target); got shape {y.shape}.")
        y = y[:, 0]
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)}; they must match.")
    return X, y


def _problem(X: np.ndarray, y: np.ndarray, fit_intercept: bool) -> _Problem:
    X64, y64 = X.astype(np.float64), y.astype(np.float64)
    x_mean = X64.mean(axis=0) if fit_intercept else np.zeros(X.shape[1])
    y_mean = float(y64.mean()) if fit_intercept else 0.0
    Xc, yc = X64 - x_mean, y64 - y_mean
    n = len(y)
    G = Xc.T @ Xc / n
    L = float(np.linalg.eigvalsh(G)[-1]) if G.size else 0.0
    return _Problem(G, Xc.T @ yc / n, float(yc @ yc) / n, L, x_mean, y_mean, X.dtype)


def _gap(problem: _Problem, w: np.ndarray, alpha: float) -> float:
    """The duality gap of the module docstring, from G, c and ||yc||^2 / n alone."""
    Gw = problem.G @ w
    r_dot_y = problem.yy - w @ problem.c  # r . yc / n
    r_norm2 = problem.yy - 2 * (w @ problem.c) + w @ Gw  # ||r||^2 / n
    correlation = np.max(np.abs(problem.c - Gw), initial=0.0)  # ||Xc^T r||_inf / n
    s = 1.0 if correlation <= alpha else alpha / correlation
    gap = 0.5 * (1 + s * s) * r_norm2 - s * r_dot_y + alpha * np.abs(w).sum()
    return max(float(gap), 0.0)  # >= 0 in exact arithmetic; rounding may dip below


def _polish(problem: _Problem, w: np.ndarray, alpha: float) -> np.ndarray | None:
    """The exact minimiser on w's support with w's signs, if w has found them: solve the KKT
    equations G_AA u = c_A - alpha sign(w_A) (linear once A and the signs are known). Returns
    None when the system is singular or u changes a sign (then w had not found them yet)."""
    support = np.flatnonzero(w)
    if support.size == 0:
        return None
    signs = np.sign(w[support])
    try:
        u = np.linalg.solve(problem.G[np.ix_(support, support)], problem.c[support] - alpha * signs)
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.sign(u) == signs):
        return None
    polished = np.zeros_like(w)
    polished[support] = u
    return polished


def _polished(problem: _Problem, w: np.ndarray, alpha: float, gaps: list[float]) -> np.ndarray:
    """``_polish(w)`` if it exists and has a smaller duality gap (then recorded as the
    last of ``gaps``), else w itself."""
    if not POLISH:
        return w
    polished = _polish(problem, w, alpha)
    if polished is None:
        return w
    gap = _gap(problem, polished, alpha)
    if gap >= gaps[-1]:
        return w
    gaps[-1] = gap
    return polished


def _fista(
    problem: _Problem, alpha: float, w0: np.ndarray, tol: float, max_iter: int
) -> tuple[np.ndarray, int, bool, list[float]]:
    G, c, L = problem.G, problem.c, problem.L
    target = tol * problem.yy
    gaps = [_gap(problem, w0, alpha)]
    w = _polished(problem, w0, alpha, gaps)
    if gaps[-1] <= target or L == 0.0:
        return w, 0, gaps[-1] <= target, gaps
    tau, step = alpha / L, 1.0 / L
    z, t = w, 1.0
    for k in range(1, max_iter + 1):
        v = z - (G @ z - c) * step
        w_new = np.sign(v) * np.maximum(np.abs(v) - tau, 0.0)  # S_tau(v)
        if (z - w_new) @ (w_new - w) > 0:  # the step undid the momentum: restart it
            t_new, z = 1.0, w_new
        else:
            t_new = (1 + np.sqrt(1 + 4 * t * t)) / 2
            z = w_new + ((t - 1) / t_new) * (w_new - w)
        w, t = w_new, t_new
        if k % GAP_EVERY == 0 or k == max_iter:
            gaps.append(_gap(problem, w, alpha))
            if gaps[-1] > target:
                polished = _polished(problem, w, alpha, gaps)
                if polished is not w:
                    w, z, t = polished, polished, 1.0
            if gaps[-1] <= target:
                return w, k, True, gaps
    return w, max_iter, False, gaps


def _result(problem: _Problem, w: np.ndarray) -> tuple[np.ndarray, float]:
    intercept = problem.y_mean - float(problem.x_mean @ w)
    return w.astype(problem.dtype), float(problem.dtype.type(intercept))


def lasso(
    X: Any,
    y: Any,
    alpha: float,
    *,
    fit_intercept: bool = True,
    max_iter: int = 10_000,
    tol: float = 1e-4,
    coef_init: Any = None,
) -> LassoResult:
    """Minimise (1/2n)||y - Xw - b||^2 + alpha ||w||_1 by FISTA (module docstring).

    X (n, d), y (n,) or (n, 1) -> LassoResult. ``tol`` bounds the duality gap relative to
    ||y - ybar||^2 / n (scikit-learn's meaning); ``max_iter`` counts FISTA iterations;
    ``coef_init`` (d,) starts from given coefficients (a warm start). A fit that does not
    meet ``tol`` in ``max_iter`` iterations warns and has ``converged=False``.
    """
    X, y = check_regression_data(X, y)
    alpha = check_positive("alpha", alpha, allow_zero=True)
    fit_intercept = check_flag("fit_intercept", fit_intercept)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    tol = check_positive("tol", tol, allow_zero=True)
    problem = _problem(X, y, fit_intercept)
    w0 = np.zeros(X.shape[1])
    if coef_init is not None:
        w0 = as_float_array("coef_init", coef_init, ndim=1).astype(np.float64)
        if w0.shape != (X.shape[1],):
            raise ValueError(f"coef_init must have shape ({X.shape[1]},); got {w0.shape}.")
    w, n_iter, converged, gaps = _fista(problem, alpha, w0, tol, max_iter)
    if not converged:
        warnings.warn(
            f"lasso did not reach tol={tol} in {max_iter} iterations (duality gap "
            f"{gaps[-1]:.3g} > {tol * problem.yy:.3g}); raise max_iter or tol.",
            RuntimeWarning,
            stacklevel=2,
        )
    coef, intercept = _result(problem, w)
    return LassoResult(coef, intercept, n_iter, converged, tuple(gaps))


def duality_gap(X: Any, y: Any, coef: Any, alpha: float, *, fit_intercept: bool = True) -> float:
    """gap(w) = P(w) - D(theta(w)) >= P(w) - P* for any coefficients ``coef`` (d,); see the
    module docstring (the intercept is the optimal one for w, ybar - xbar . w)."""
    X, y = check_regression_data(X, y)
    alpha = check_positive("alpha", alpha, allow_zero=True)
    fit_intercept = check_flag("fit_intercept", fit_intercept)
    w = as_float_array("coef", coef, ndim=1).astype(np.float64)
    if w.shape != (X.shape[1],):
        raise ValueError(f"coef must have shape ({X.shape[1]},); got {w.shape}.")
    return _gap(_problem(X, y, fit_intercept), w, alpha)


def _alpha_max(problem: _Problem) -> float:
    return float(np.max(np.abs(problem.c), initial=0.0))


def alpha_grid(
    X: Any, y: Any, *, n_alphas: int = 100, eps: float = 1e-3, fit_intercept: bool = True
) -> np.ndarray:
    """scikit-learn's ``LassoCV`` grid: ``n_alphas`` values log-spaced from alpha_max down to
    eps * alpha_max, where alpha_max = max_j |Xc_j . yc| / n is the smallest alpha at which
    w = 0 is the solution (its KKT condition |Xc^T yc / n| <= alpha holds at w = 0).
    ``eps`` in (0, 1]; the grid is in X's dtype."""
    X, y = check_regression_data(X, y)
    n_alphas = check_int("n_alphas", n_alphas, minimum=1)
    eps = _check_eps(eps)
    fit_intercept = check_flag("fit_intercept", fit_intercept)
    alpha_max = _alpha_max(_problem(X, y, fit_intercept))
    if alpha_max == 0.0:
        why = ("X has a single row, which centring turns into zeros" if len(X) == 1 and
               fit_intercept else "every column of X is uncorrelated with y (or y is constant)")
        raise ValueError(f"alpha_max = 0: {why}; the path is w = 0 everywhere. Check X and "
                         "y.")  # fmt: skip
    return np.geomspace(alpha_max, alpha_max * eps, num=n_alphas).astype(X.dtype)


def _check_eps(eps: Any) -> float:
    """The path's length alpha_min / alpha_max, in (0, 1] (above 1 the grid would rise)."""
    return check_in_range("eps", eps, 0.0, 1.0, low_inclusive=False, high_inclusive=True)


def lasso_path(
    X: Any,
    y: Any,
    alphas: Any = None,
    *,
    n_alphas: int = 100,
    eps: float = 1e-3,
    fit_intercept: bool = True,
    tol: float = 1e-4,
    max_iter: int = 10_000,
) -> LassoPath:
    """Lasso solutions for a decreasing sequence of alphas, each warm-started from the last.

    ``alphas=None`` uses ``alpha_grid(X, y, n_alphas, eps)``; given alphas are sorted
    decreasing. The Gram matrix is formed once for the whole path. Returns a ``LassoPath``
    with coefs (n_alphas, d) in X's dtype; a point that misses ``tol`` warns once.
    """
    X, y = check_regression_data(X, y)
    tol = check_positive("tol", tol, allow_zero=True)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    fit_intercept = check_flag("fit_intercept", fit_intercept)
    if alphas is None:
        n_alphas = check_int("n_alphas", n_alphas, minimum=1)
        eps = _check_eps(eps)
    else:
        grid = as_float_array("alphas", alphas, ndim=1).astype(np.float64)
        if np.any(grid < 0):
            raise ValueError(f"alphas must be >= 0; got {grid.min()}.")
        grid = np.sort(grid)[::-1]
    problem = _problem(X, y, fit_intercept)
    if alphas is None:
        alpha_max = _alpha_max(problem)
        grid = np.geomspace(alpha_max, alpha_max * eps, num=n_alphas) if alpha_max > 0 else (
            np.zeros(n_alphas))  # fmt: skip
    w = np.zeros(X.shape[1])
    coefs, intercepts, iters, flags, gaps = [], [], [], [], []
    for alpha in grid:
        w, n_iter, converged, gap_list = _fista(problem, float(alpha), w, tol, max_iter)
        coef, intercept = _result(problem, w)
        coefs.append(coef)
        intercepts.append(intercept)
        iters.append(n_iter)
        flags.append(converged)
        gaps.append(gap_list[-1])
    if not all(flags):
        warnings.warn(
            f"lasso_path: {flags.count(False)} of {len(grid)} alphas did not reach tol={tol} "
            f"in {max_iter} iterations; raise max_iter or tol.",
            RuntimeWarning,
            stacklevel=2,
        )
    return LassoPath(grid.astype(X.dtype), np.array(coefs, dtype=X.dtype).reshape(len(grid), -1),
                     np.array(intercepts, dtype=X.dtype), np.array(iters), np.array(flags),
                     np.array(gaps))  # fmt: skip
