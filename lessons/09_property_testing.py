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
# # Lesson 9: Property-based testing of training code, and the bug it finds
#
# **The question.** A wrong gradient does not crash: training still runs, the loss still
# falls a little, and the model is quietly worse. An example-based test checks the inputs you
# thought of, and a bug that hides in the ones you did not think of survives it. How do we
# test what a gradient must satisfy for *every* input, and let the computer search for the
# input that breaks it? We plant a classic bug in a hand-written backward pass, watch a
# hand-picked test miss it, let `hypothesis` find it and shrink it to the smallest failing
# case, then fix it.

# %%
import os
from pathlib import Path

import numpy as np
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

import minitrain as mt
import minitrain.strategies as mts
from minitrain import plotting

FAST = os.environ.get("MINITRAIN_FAST") == "1"  # the test suite's quick mode
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
PLOTS = Path(os.environ.get("MINITRAIN_PLOTS_DIR", HERE.parent / "build" / "figures"))
EXAMPLES = 15 if FAST else 40  # examples hypothesis tries per property
# Deterministic search (the same examples every run) and no example database on disk, so the
# lesson prints the same thing every time; no "explain" phase (it re-runs a failing test many
# times to say which inputs matter, which costs more than the search itself here). A test
# suite would use a settings profile instead.
lesson_settings = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
)

# %% [markdown]
# ## The planted bug
#
# Lesson 4 derived a dense layer's backward pass: $dW = X^\top dY$, $db = \sum_n dY_n$,
# $dX = dY\,W^\top$. Here is a version with a slip that is easy to make and hard to see: the
# bias gradient *averages* over the batch instead of summing. (The loss is already a mean
# over samples, and "the gradient should be a mean too" sounds right.) For a batch of one
# sample, mean and sum are the same number.


# %%
class SlippedDense(mt.Dense):
    """Dense with a hand-written backward whose bias gradient is wrong for batches > 1."""

    def backward(self, params, cache, dy, need_dx=True):
        x = cache
        grads = {"W": x.T @ dy, "b": dy.mean(axis=0)}  # BUG: should be dy.sum(axis=0)
        return (dy @ params["W"].T if need_dx else None), grads


# %% [markdown]
# ## An example-based test, and why it passes
#
# The natural first test checks the gradient on one small, hand-made case: a single sample.
# It passes, and it would pass for any single sample.


# %%
def gradient_errors_of(layer_class, X, y, params=None):
    """Largest relative error per key of backprop against central differences."""
    model = mt.Sequential([layer_class(X.shape[1], y.shape[1])])
    params = model.init(seed=0) if params is None else params
    return mt.gradcheck.gradcheck(model, mt.losses.MSE(), params, X, y)


one_sample = gradient_errors_of(SlippedDense, np.array([[0.5, -1.0]]), np.array([[2.0]]))
print("one hand-picked sample:", one_sample)
assert max(one_sample.values()) < 1e-6  # the buggy layer passes the example-based test

# %% [markdown]
# ## The property
#
# A property is a statement about all inputs of a kind: *for every regression problem and
# every parameter value, the backprop gradient equals central finite differences*, to 1e-6
# relative (a correct float64 gradient agrees to ~1e-7 at worst; see lesson 2). `hypothesis`
# draws inputs from **strategies**, and `minitrain.strategies` provides the ones training
# code needs:
#
# - `mts.regression_problems(n_samples, n_features, n_targets, condition_number, noise)`:
#   data $y = X w + b + \text{noise}$ whose design matrix has exactly the condition number
#   asked for (built, not filtered);
# - `mts.classification_problems(...)`, `mts.params_for(model)` (parameter dicts with the
#   model's keys and shapes), `mts.finite_arrays(shape)`.
#
# Each argument may be a fixed value or a strategy. Here the widths are drawn first, then a
# problem and parameters that fit them, with `st.data()`. Every example the test runs is
# recorded so we can look at it afterwards.


# %%
def gradient_property(layer_class, tried):
    @lesson_settings
    @given(st.data())
    def test_backprop_equals_finite_differences(data):
        n_features = data.draw(st.integers(1, 3), label="n_features")
        n_targets = data.draw(st.integers(1, 3), label="n_targets")
        problem = data.draw(
            mts.regression_problems(
                n_samples=st.integers(n_features, 12),  # enough rows for a full-rank X
                n_features=n_features,
                n_targets=n_targets,
                condition_number=st.floats(1.0, 10.0),
            ),
            label="problem",
        )
        model = mt.Sequential([layer_class(n_features, n_targets)])
        params = data.draw(mts.params_for(model), label="params")
        errors = gradient_errors_of(layer_class, problem.X, problem.y, params)
        tried.append((len(problem.X), n_features, n_targets, max(errors.values())))
        assert max(errors.values()) < 1e-6, f"gradient check failed: {errors}"

    return test_backprop_equals_finite_differences


# %% [markdown]
# ## Let hypothesis find the bug
#
# We run the property against the slipped layer and catch the failure so the lesson can go
# on. Hypothesis reports the *falsifying example*; before reporting, it **shrinks** it:
# it retries smaller and simpler inputs for as long as the test still fails. The example it
# reports is the last one it ran, the last entry of `tried`.

# %%
tried_buggy = []
try:
    gradient_property(SlippedDense, tried_buggy)()
    found = None
except AssertionError as failure:
    found = failure
    print("hypothesis reports:", *getattr(failure, "__notes__", []), sep="\n")
    print("\nthe assertion:", str(failure).splitlines()[0])

n_rows, n_features, n_targets, error = tried_buggy[-1]
print(f"\nshrunk falsifying example: {n_rows} rows, {n_features} feature(s), "
      f"{n_targets} target(s); relative error {error:.2f}")  # fmt: skip

# %% [markdown]
# ### Check 1: the property fails on the bug, and the shrunk example explains it
#
# The minimal failing batch has **two** rows: with one row, mean and sum agree, which is
# exactly why the hand-picked test passed. With $N$ rows the averaged bias gradient is $1/N$
# of the true one, a relative error of $1 - 1/N = 0.5$ for $N = 2$.

# %%
assert found is not None, "the property should have failed on the slipped layer"
# Every example the slipped layer passed was a single-row batch.
assert all(rows == 1 for rows, *_, err in tried_buggy if err < 1e-6)
assert n_rows == 2 and n_features == 1 and n_targets == 1
assert np.isclose(error, 0.5, rtol=1e-5)  # 1 - 1/N, up to finite-difference rounding

# %% [markdown]
# ## Fix it, and run the same property again
#
# The fix is the derivation: the bias is added to every row, so its gradient sums over rows.


# %%
class FixedDense(mt.Dense):
    """Dense with the hand-written backward of lesson 4."""

    def backward(self, params, cache, dy, need_dx=True):
        x = cache
        grads = {"W": x.T @ dy, "b": dy.sum(axis=0)}
        return (dy @ params["W"].T if need_dx else None), grads


tried_fixed = []
gradient_property(FixedDense, tried_fixed)()  # raises if any example fails
print(f"fixed layer: {len(tried_fixed)} examples passed; worst relative error "
      f"{max(t[-1] for t in tried_fixed):.1e}")  # fmt: skip

# %% [markdown]
# ### Check 2: the fixed layer passes every example hypothesis tried
#
# (Reaching this line means it did.) We also confirm that the search ran on varied inputs:
# several batch sizes, including a single row and more than one.

# %%
rows_tried = {t[0] for t in tried_fixed}
assert len(tried_fixed) >= EXAMPLES // 2 and len(rows_tried) > 2 and 1 in rows_tried

# %% [markdown]
# ## A property of training, not only of gradients
#
# Properties can state what training must achieve. From lesson 1: full-batch GD with step
# $1/L$ on least squares contracts the distance to the exact solution by at least
# $1 - \mu/L$ per step. `regression_problems(condition_number=...)` builds problems of a
# chosen difficulty, so one property covers easy and hard ones alike. We check 30 steps of
# the fixed layer on each drawn problem against `mt.closed_form`.


# %%
@lesson_settings
@given(mts.regression_problems(n_features=st.integers(1, 4), condition_number=st.floats(1.0, 30.0)))
def test_gd_contracts_at_the_guaranteed_rate(problem):
    model = mt.Sequential([FixedDense(problem.X.shape[1], 1)])
    exact = mt.closed_form.ols(problem.X, problem.y)
    rate = mt.closed_form.gd_rate(problem.X)
    params, opt = model.init(seed=0), mt.optim.GD(lr=rate.step_1_over_L)
    state = opt.init(params)
    errors = [mt.closed_form.parameter_error(params, exact)]
    for _ in range(30):
        _, grads = mt.value_and_grad(model, mt.losses.MSE(), params, problem.X, problem.y)
        params, state = opt.step(params, grads, state)
        errors.append(mt.closed_form.parameter_error(params, exact))
    bound = mt.closed_form.gd_trajectory_bound(errors[0], rate.factor_1_over_L, 30)
    # Rounding of the OLS solution and of each step: 1e-9 absolute is far below any violation.
    assert np.all(np.array(errors) <= bound * (1 + 1e-9) + 1e-9)


test_gd_contracts_at_the_guaranteed_rate()
print("GD contracted at its guaranteed rate on every drawn problem")

# %% [markdown]
# ## Figure
#
# Every example hypothesis ran against each layer, with its largest relative gradient
# error. The slipped layer's points sit far above the tolerance, except the single-row
# batches, where the bug is invisible; the fixed layer's all sit near float64 rounding.

# %%
fig = plotting.gradient_errors(
    {
        "slipped backward (mean over rows)": [t[-1] for t in tried_buggy],
        "fixed backward (sum over rows)": [t[-1] for t in tried_fixed],
    },
    tolerance=1e-6,
    title="Gradient check of every example hypothesis tried",
    xlabel="layer under test (one point per example)",
)
plotting.save(fig, PLOTS / "lesson09_property_errors.png")

# %% [markdown]
# ## Summary
#
# - An example-based test checks the cases you chose; a property states what must hold for
#   all inputs of a kind, and hypothesis searches for a counterexample.
# - Shrinking turns the first failure found into the smallest one, which usually points
#   straight at the cause (here: "it fails from two rows on" means "mean vs sum").
# - Good gradient properties compare with an independent computation (finite differences,
#   a closed form) and state their tolerance and why.
# - `minitrain.strategies` generates the inputs of training code: conditioned regression
#   problems, classification problems, parameter dicts for a model.
# - In a test suite, keep runs reproducible with a settings profile (`derandomize=True` on
#   CI), and pin a bug once found with `@example(...)` so it is always re-checked.
#
# ## Exercises
#
# Each exercise asks for a property. Its check runs your property against the correct code
# (it must pass) and against a planted bug (it must fail): a property is only as good as the
# bugs it catches.
#
# 1. **MSE's gradient.** Write `mse_property(loss)` returning a hypothesis test that checks
#    `loss.grad(pred, target)` against `mt.gradcheck.numerical_grad` for arrays drawn with
#    `mts.finite_arrays`. Check with `check_catches(mse_property, "mse")`.
# 2. **Cross-entropy's rows.** Write `rows_property(loss)` checking that every row of the
#    cross-entropy gradient sums to zero, for problems from `mts.classification_problems`
#    (use the labels as targets and any logits you draw). Check with
#    `check_catches(rows_property, "cross_entropy")`.
# 3. **The smallest failing batch, directly.** Use `hypothesis.find` to find the smallest
#    number of rows for which `SlippedDense`'s bias gradient differs from the true one, and
#    check it with `check_smallest(n)`.


# %%
class ForgotTheMean(mt.losses.MSE):
    """MSE whose gradient forgets to divide by the number of elements M."""

    def value_and_grad(self, pred, target):
        value, grad = super().value_and_grad(pred, target)
        return value, grad * pred.size


class ForgotTheTarget(mt.losses.CrossEntropy):
    """Cross-entropy whose gradient is softmax / N, forgetting to subtract the targets."""

    def value_and_grad(self, pred, target):
        value, _ = super().value_and_grad(pred, target)
        return value, mt.losses.softmax(pred) / len(pred)


PLANTED = {
    "mse": (mt.losses.MSE(), ForgotTheMean()),
    "cross_entropy": (mt.losses.CrossEntropy(), ForgotTheTarget()),
}


def check_catches(make_property, which):
    correct, buggy = PLANTED[which]
    make_property(correct)()  # must pass on the correct loss
    try:
        make_property(buggy)()
    except AssertionError:
        print(f"check_catches({which!r}): correct; the property passes and catches the bug")
        return
    raise AssertionError("your property passed on the buggy loss: it does not test enough")


def check_smallest(n):
    assert n == 2, "with one row, mean and sum are equal; try again from two"
    print("check_smallest: correct")


# %% [markdown]
# ## Solutions

# %% [markdown]
# **1.** Any wrong factor shows up against finite differences as soon as the array has more
# than one element; `finite_arrays` draws shapes and values (here values in [-10, 10]).


# %% tags=["solution"] jupyter={"source_hidden": true}
def mse_property(loss):
    @lesson_settings
    @given(mts.finite_arrays((3, 2)), mts.finite_arrays((3, 2)))
    def test_mse_gradient_equals_finite_differences(pred, target):
        numeric = mt.gradcheck.numerical_grad(lambda p: loss(p, target), pred)
        # Losses up to ~400 here: rounding ~400 * 1e-16 / 1e-6 = 4e-8 absolute per entry.
        np.testing.assert_allclose(loss.grad(pred, target), numeric, rtol=1e-5, atol=1e-6)

    return test_mse_gradient_equals_finite_differences


check_catches(mse_property, "mse")

# %% [markdown]
# **2.** The rows sum to $\sum_c s_c - \sum_c T_c = 1 - 1 = 0$; forgetting $T$ leaves a sum
# of $1/N$ per row. Exact up to rounding of a sum of C terms of size ≤ 1/N: 1e-12 is ample.
# A zero row sum is **necessary, not sufficient**: the wrong gradient $(T - s)/N$ (a sign
# flip) and zero itself sum to zero too. This property catches one family of bugs; the
# finite-difference check above is what pins the gradient down.


# %% tags=["solution"] jupyter={"source_hidden": true}
def rows_property(loss):
    @lesson_settings
    @given(st.data())
    def test_cross_entropy_gradient_rows_sum_to_zero(data):
        problem = data.draw(mts.classification_problems())
        logits = data.draw(mts.finite_arrays((len(problem.y), problem.n_classes)))
        grad = loss.grad(logits, problem.y)
        assert np.abs(grad.sum(axis=1)).max() < 1e-12

    return test_cross_entropy_gradient_rows_sum_to_zero


check_catches(rows_property, "cross_entropy")

# %% [markdown]
# **3.** `find(strategy, condition)` returns the simplest value satisfying the condition
# (shrunk, like a falsifying example): the smallest batch where the bias gradient is wrong.


# %% tags=["solution"] jupyter={"source_hidden": true}
def bias_gradient_is_wrong(n_rows):
    dy = np.ones((n_rows, 1))
    _, grads = SlippedDense(1, 1).backward(
        {"W": np.ones((1, 1)), "b": np.zeros(1)}, np.ones((n_rows, 1)), dy
    )
    return not np.isclose(grads["b"][0], dy.sum())


smallest = find(st.integers(1, 100), bias_gradient_is_wrong, settings=settings(database=None))
print("smallest failing batch:", smallest)
check_smallest(smallest)
