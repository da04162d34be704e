"""Properties of the losses: analytic gradients equal central differences, values equal their
formulas and invariants, logits of any size are safe, and bad input is refused clearly.

Gradient tolerance: ``grad_error`` < 1e-6 in float64 (eps = 1e-6; rounding ~1e-10 |f| relative
to max(|a|, |n|, 1e-3 max(1, |f|)) is <~ 1e-7, see minitrain.gradcheck); a wrong formula is off
by O(1) relative.
"""

import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import minitrain.strategies as mts
from minitrain.gradcheck import grad_error
from minitrain.losses import MSE, BinaryCrossEntropy, CrossEntropy, Huber

GRAD_TOLERANCE = 1e-6  # see the module docstring

rows = st.integers(1, 6)
classes = st.integers(2, 5)
shapes = st.tuples(rows, classes)


def logits(shape, limit=10.0):
    return mts.finite_arrays(shape, min_value=-limit, max_value=limit)


@st.composite
def labels(draw, n, n_classes):
    return np.array(draw(st.lists(st.integers(0, n_classes - 1), min_size=n, max_size=n)))


@st.composite
def probability_rows(draw, shape):
    weights = draw(mts.finite_arrays(shape, min_value=0.01, max_value=1.0))
    return weights / weights.sum(axis=1, keepdims=True)


@st.composite
def classification_cases(draw, soft=None, limit=10.0):
    """(logits (N, C), integer labels (N,) or probability rows (N, C))."""
    n, c = draw(shapes)
    z = draw(logits((n, c), limit))
    use_soft = draw(st.booleans()) if soft is None else soft
    target = draw(probability_rows((n, c))) if use_soft else draw(labels(n, c))
    return z, target


def check_gradient(loss, pred, target):
    analytic = loss.grad(pred, target)
    assert analytic.shape == pred.shape and analytic.dtype == pred.dtype
    assert grad_error(lambda p: loss(p, target), pred, analytic) < GRAD_TOLERANCE


# ----- gradients vs central differences --------------------------------------------------------


@given(st.data(), shapes)
def test_mse_gradient_equals_central_differences(data, shape):
    pred, target = data.draw(logits(shape)), data.draw(logits(shape))
    check_gradient(MSE(), pred, target)


@given(st.data(), shapes, st.floats(0.1, 5.0))
def test_huber_gradient_equals_central_differences_away_from_the_kink(data, shape, delta):
    pred, target = data.draw(logits(shape)), data.draw(logits(shape))
    # l'' jumps from 1 to 0 at |r| = delta, where central differences are off by up to eps/4;
    # the formula is checked at residuals more than 1e-5 from the switch.
    assume(np.abs(np.abs(pred - target) - delta).min() > 1e-5)
    check_gradient(Huber(delta), pred, target)


@given(classification_cases(soft=False))
def test_cross_entropy_gradient_with_integer_labels_equals_central_differences(case):
    check_gradient(CrossEntropy(), *case)


@given(classification_cases(soft=True))
def test_cross_entropy_gradient_with_soft_labels_equals_central_differences(case):
    check_gradient(CrossEntropy(), *case)


@given(st.data(), shapes)
def test_binary_cross_entropy_gradient_equals_central_differences(data, shape):
    pred = data.draw(logits(shape))
    target = data.draw(mts.finite_arrays(shape, min_value=0.0, max_value=1.0))
    check_gradient(BinaryCrossEntropy(), pred, target)


# ----- values vs formulas ----------------------------------------------------------------------


@given(st.data(), shapes, st.floats(0.1, 5.0))
def test_regression_loss_values_equal_their_formulas(data, shape, delta):
    pred, target = data.draw(logits(shape)), data.draw(logits(shape))
    r = pred - target
    # Same arithmetic up to summation order: agreement to a few ulps of the mean.
    assert MSE()(pred, target) == pytest.approx(np.mean(r**2), rel=1e-12, abs=1e-300)
    huber = [0.5 * v * v if abs(v) <= delta else delta * (abs(v) - delta / 2) for v in r.ravel()]
    assert Huber(delta)(pred, target) == pytest.approx(np.mean(huber), rel=1e-12, abs=1e-300)


@given(st.data(), shapes)
def test_huber_is_half_the_mse_when_every_residual_is_within_delta(data, shape):
    pred, target = data.draw(logits(shape, 1.0)), data.draw(logits(shape, 1.0))
    # |r| <= 2 <= delta: the quadratic branch everywhere, so Huber = MSE / 2 (1e-12: rounding).
    assert Huber(2.0)(pred, target) == pytest.approx(MSE()(pred, target) / 2, rel=1e-12, abs=1e-300)


@given(classification_cases())
def test_cross_entropy_value_equals_the_naive_formula_for_moderate_logits(case):
    z, target = case
    probabilities = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)  # safe for |z| <= 10
    one_hot = target if target.ndim == 2 else np.eye(z.shape[1])[target]
    naive = -np.mean(np.sum(one_hot * np.log(probabilities), axis=1))
    # The stable form shifts by the row maximum; both are accurate to ~1e-15 of values <= 30.
    assert CrossEntropy()(z, target) == pytest.approx(naive, rel=1e-12, abs=1e-13)


@given(st.data(), shapes)
def test_binary_cross_entropy_value_equals_the_naive_formula_for_moderate_logits(data, shape):
    z = data.draw(logits(shape))
    t = data.draw(mts.finite_arrays(shape, min_value=0.0, max_value=1.0))
    s = 1 / (1 + np.exp(-z))
    naive = np.mean(-t * np.log(s) - (1 - t) * np.log1p(-s))
    # log1p(-s) loses ~|z| e^|z| u relative accuracy for s near 1: <= 3e-12 at |z| = 10.
    assert BinaryCrossEntropy()(z, t) == pytest.approx(naive, rel=1e-9, abs=1e-9)


# ----- cross-entropy invariants ----------------------------------------------------------------


@given(classification_cases(limit=1e3))
def test_cross_entropy_gradient_rows_sum_to_zero(case):
    z, target = case
    grad = CrossEntropy().grad(z, target)
    # sum_c (p_c - T_c) / N = (1 - 1) / N: rounding of C terms of size <= 1/N.
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=10 * np.finfo(float).eps)


@given(st.data(), classification_cases(), st.floats(-100.0, 100.0))
def test_cross_entropy_is_unchanged_by_adding_a_constant_to_a_row(data, case, shift):
    z, target = case
    row = data.draw(st.integers(0, len(z) - 1))
    shifted = z.copy()
    shifted[row] += shift
    loss = CrossEntropy()
    # softmax(z + c) = softmax(z). Adding c rounds z to the ulp of |z| + |c| <= 110: 1e-13.
    assert loss(shifted, target) == pytest.approx(loss(z, target), rel=1e-12, abs=1e-13)
    np.testing.assert_allclose(loss.grad(shifted, target), loss.grad(z, target), atol=1e-13)


@given(shapes, st.floats(-50.0, 50.0), st.data())
def test_cross_entropy_of_uniform_logits_is_log_of_the_number_of_classes(shape, value, data):
    n, c = shape
    z = np.full(shape, value)
    target = data.draw(st.one_of(labels(n, c), probability_rows(shape)))
    # Every shifted logit is exactly 0, so the value is log(C) times the mean row sum of the
    # target (1 up to C ulps for probability rows): 1e-14 relative.
    assert CrossEntropy()(z, target) == pytest.approx(np.log(c), rel=1e-14)


HUGE = [1e3, 1e4]


@pytest.mark.parametrize("size", HUGE)
def test_losses_on_huge_logits_are_finite_exact_and_warning_free(size):
    z = np.array([[size, -size, 0.0], [-size, size, size]])
    t_bin = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 1.0]])
    # Overflow, division by zero and invalid operations raise; underflow is allowed because
    # exp of a very negative shifted logit rounds to 0 (the exact answer to double precision)
    # and numpy does not warn about it by default.
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        ce_labels = CrossEntropy().value_and_grad(z, np.array([1, 0]))
        ce_soft = CrossEntropy().value_and_grad(z, np.array([[1.0, 0, 0], [0, 0.5, 0.5]]))
        bce = BinaryCrossEntropy().value_and_grad(z, t_bin)
    for value, grad in (ce_labels, ce_soft, bce):
        assert np.isfinite(value) and np.isfinite(grad).all()
    # Row 0 label 1 costs (size - (-size)) = 2 size, row 1 label 0 costs 2 size + log 2.
    assert ce_labels[0] == pytest.approx((4 * size + np.log(2)) / 2, rel=1e-15)
    # Row 0 puts all mass on the top logit: 0; row 1 splits it between two equal tops: log 2.
    assert ce_soft[0] == pytest.approx(np.log(2) / 2, rel=1e-15)
    # Per element max(z, 0) - z t + log(1 + e^-|z|): size, size, log 2, size, size, 0.
    expected_bce = np.mean([size, size, np.log(2), size, size, 0.0])
    assert bce[0] == pytest.approx(expected_bce, rel=1e-15)


# ----- dtype and mutation ----------------------------------------------------------------------

LOSS_CASES = {
    "MSE": (MSE(), lambda z: np.zeros_like(z)),
    "Huber": (Huber(0.5), lambda z: np.zeros_like(z)),
    "CE labels": (CrossEntropy(), lambda z: np.arange(len(z)) % z.shape[1]),
    "CE soft": (CrossEntropy(), lambda z: np.full_like(z, 1 / z.shape[1])),
    "BCE": (BinaryCrossEntropy(), lambda z: np.full_like(z, 0.25)),
}


@pytest.mark.parametrize("name", LOSS_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradient_dtype_follows_pred_and_value_is_a_float(name, dtype):
    loss, make_target = LOSS_CASES[name]
    z = np.random.default_rng(0).normal(size=(4, 3)).astype(dtype)
    value, grad = loss.value_and_grad(z, make_target(z))
    assert type(value) is float and grad.dtype == dtype


@pytest.mark.parametrize("name", LOSS_CASES)
@given(z=logits(shapes))
def test_losses_never_modify_their_inputs(name, z):
    loss, make_target = LOSS_CASES[name]
    target = make_target(z)
    saved = z.copy(), target.copy()
    loss.value_and_grad(z, target)
    np.testing.assert_array_equal(z, saved[0])
    np.testing.assert_array_equal(target, saved[1])


# ----- bad input ------------------------------------------------------------------------------

Z = np.random.default_rng(0).normal(size=(4, 3))


@pytest.mark.parametrize("name", LOSS_CASES)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_losses_refuse_nan_and_inf_pointing_to_minitrain_clean(name, bad):
    loss, make_target = LOSS_CASES[name]
    pred = Z.copy()
    pred[1, 2] = bad
    with pytest.raises(ValueError, match=r"pred contains 1 NaN or infinite.*minitrain\.clean"):
        loss(pred, make_target(Z))
    target = make_target(Z)
    if target.dtype.kind == "f":
        target = target.copy()
        target[0, 0] = bad
        with pytest.raises(ValueError, match=r"target contains .*minitrain\.clean"):
            loss(Z, target)


@pytest.mark.parametrize("name", LOSS_CASES)
def test_losses_refuse_empty_arrays(name):
    loss, make_target = LOSS_CASES[name]
    empty = np.zeros((0, 3))
    with pytest.raises(ValueError, match="pred is empty"):
        loss(empty, make_target(empty))


def test_cross_entropy_refuses_bad_labels():
    with pytest.raises(
        ValueError, match=r"must lie in \[0, 3\) for 3 classes; got values from 0 to 3"
    ):
        CrossEntropy()(Z, np.array([0, 1, 2, 3]))
    with pytest.raises(ValueError, match=r"must lie in \[0, 3\)"):
        CrossEntropy()(Z, np.array([0, -1, 2, 1]))
    with pytest.raises(TypeError, match=r"integer class labels.*astype\(int\)"):
        CrossEntropy()(Z, np.array([0.0, 1.0, 2.0, 1.5]))
    with pytest.raises(ValueError, match=r"must have shape \(4,\); got \(3,\)"):
        CrossEntropy()(Z, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"2 dimension\(s\)"):
        CrossEntropy()(Z[0], np.array([0]))


def test_cross_entropy_refuses_probability_rows_that_are_not_distributions():
    rows = np.full((4, 3), 1 / 3)
    rows[2] = [0.5, 0.4, 0.2]
    with pytest.raises(ValueError, match=r"row 2 sums to 1\.1 and"):
        CrossEntropy()(Z, rows)
    negative = np.full((4, 3), 1 / 3)
    negative[0] = [1.5, -0.5, 0.0]
    with pytest.raises(ValueError, match=r"minimum entry is -0\.5"):
        CrossEntropy()(Z, negative)
    with pytest.raises(ValueError, match=r"must have shape \(4, 3\) like the logits"):
        CrossEntropy()(Z, np.full((4, 2), 0.5))


def test_regression_losses_refuse_shape_and_dtype_mismatch():
    with pytest.raises(
        ValueError, match=r"target has shape \(4,\) but pred has shape \(4, 1\).*reshape"
    ):
        MSE()(Z[:, :1], Z[:, 0])
    with pytest.raises(TypeError, match=r"target has dtype float64 but pred has float32.*astype"):
        MSE()(Z.astype(np.float32), Z)
    with pytest.raises(TypeError, match="target has dtype float64 but pred has float32"):
        CrossEntropy()(Z.astype(np.float32), np.full((4, 3), 1 / 3))
    with pytest.raises(TypeError, match="floating-point"):
        Huber()(Z, np.zeros((4, 3), dtype=np.int64))


def test_binary_cross_entropy_refuses_targets_outside_zero_one():
    with pytest.raises(ValueError, match=r"target must lie in \[0, 1\]; got values from -0\.5"):
        BinaryCrossEntropy()(Z, np.full((4, 3), -0.5))


def test_huber_refuses_a_non_positive_delta():
    with pytest.raises(ValueError, match="delta must be a finite number > 0"):
        Huber(0.0)


@given(st.floats(0, 10), st.floats(0, 10))
def test_an_error_is_reached_from_above_and_a_score_from_below(value, target):
    assert MSE().reaches(value, target) == (value <= target)  # RMSE: lower is better
    assert CrossEntropy().reaches(value, target) == (value >= target)  # accuracy


@given(st.lists(st.floats(0, 10), min_size=1, max_size=8))
def test_the_rmse_of_batches_combines_through_its_square(batch_rmses):
    # Equal-sized batches: the set's RMSE is the root of the mean of the squared batch RMSEs.
    mse = MSE()
    squares = [mse.metric_for_average(np.array([[r]]), np.zeros((1, 1))) for r in batch_rmses]
    expected = np.sqrt(np.mean(np.square(batch_rmses)))
    # a mean of squares and one square root: a few ulps
    assert np.isclose(mse.metric_from_average(float(np.mean(squares))), expected, rtol=1e-12)


def test_integer_one_hot_targets_are_refused_with_both_accepted_forms_named():
    logits = np.zeros((3, 4))
    one_hot = np.eye(4, dtype=int)[[0, 2, 1]]
    with pytest.raises(TypeError, match=r"integer labels of shape \(3,\) or probabilities of "
                                        r"shape \(3, 4\) as floats"):  # fmt: skip
        CrossEntropy()(logits, one_hot)
    labels = one_hot.argmax(axis=1)  # the fix the message gives
    assert CrossEntropy()(logits, labels) == CrossEntropy()(logits, one_hot.astype(float))
