"""Properties of the knowledge-distillation loss."""

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
import minitrain.strategies as mts
from minitrain.losses import CrossEntropy, Distillation


@st.composite
def problems(draw, dtype=np.float64):
    """Student logits z (N, C), labels (N,), teacher logits t (N, C)."""
    n, c = draw(st.integers(1, 6)), draw(st.integers(2, 5))
    z = draw(mts.finite_arrays((n, c), dtype, -5.0, 5.0))
    t = draw(mts.finite_arrays((n, c), dtype, -5.0, 5.0))
    labels = draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n))
    return z, np.array(labels, dtype=np.int64), t


temperatures = st.floats(0.5, 10.0)
alphas = st.floats(0.0, 1.0)


@given(problems(), temperatures, alphas)
def test_gradient_equals_central_differences(problem, T, alpha):
    z, y, t = problem
    loss = Distillation(T, alpha)
    _, grad = loss.value_and_grad(z, (y, t))
    h = 1e-6
    numeric = np.zeros_like(z)
    for index in np.ndindex(*z.shape):
        step = np.zeros_like(z)
        step[index] = h
        numeric[index] = (loss(z + step, (y, t)) - loss(z - step, (y, t))) / (2 * h)
    # Central differences err by O(h^2 L''') ~ 1e-12 plus rounding eps * L / h ~ 1e-9 (L <= ~50
    # for |z| <= 5 and T^2 <= 100); 1e-7 absolute sits well above both and far below any wrong
    # factor (a missing T or T^2 changes the gradient by >= 50% of its soft part).
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7)


@given(problems(), temperatures)
def test_alpha_one_equals_cross_entropy_on_the_labels(problem, T):
    z, y, t = problem
    value, grad = Distillation(T, 1.0).value_and_grad(z, (y, t))
    ce_value, ce_grad = CrossEntropy().value_and_grad(z, y)
    # Same formula evaluated along slightly different paths: rounding only (1e-12 relative).
    assert value == pytest.approx(ce_value, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(grad, ce_grad, rtol=1e-12, atol=1e-15)


@given(problems(), temperatures)
def test_alpha_zero_is_t_squared_times_soft_cross_entropy(problem, T):
    z, y, t = problem
    loss = Distillation(T, 0.0)
    value = loss(z, (y, t))
    soft = CrossEntropy()(z / T, loss.soft_targets(t))
    # CrossEntropy with probability targets is the soft term; rounding only.
    assert value == pytest.approx(T * T * soft, rel=1e-10, abs=1e-12)


@given(problems(), alphas)
def test_as_temperature_grows_the_soft_targets_approach_uniform(problem, alpha):
    _, _, t = problem
    c = t.shape[1]
    spread = float(np.ptp(t, axis=1).max())  # R = max_c t - min_c t over the rows
    deviations = []
    for T in (1.0, 2.0, 5.0, 20.0, 100.0, 1e4):
        q = Distillation(T, alpha).soft_targets(t)
        deviation = float(np.abs(q - 1.0 / c).max())
        # q_c / q_j <= exp(R / T), so every q_c lies in [exp(-R/T) / C, exp(R/T) / C]; the
        # 1e-15 covers the rounding of the softmax near 1/C.
        assert deviation <= (np.exp(spread / T) - 1.0) / c + 1e-15
        deviations.append(deviation)
    # The largest probability falls and the smallest rises with T; rounding allowance 1e-15.
    assert all(b <= a + 1e-15 for a, b in pairwise(deviations))
    assert deviations[-1] < 1e-3


def test_soft_term_gradient_keeps_its_size_as_temperature_grows():
    """The T^2 factor: for large T the soft gradient tends to (z - t) / (C N) (Hinton et al.,
    zero-mean logits), independent of T."""
    z = np.array([[1.0, -1.0, 0.0], [0.5, 0.0, -0.5]])
    t = np.array([[2.0, -2.0, 0.0], [0.0, 1.0, -1.0]])
    y = np.array([0, 1])
    grad = Distillation(1e4, 0.0).grad(z, (y, t))
    # The next term of the expansion is O((z - t)^2 / (T C N)) ~ 2e-5 here; atol 1e-4 is 0.06%
    # of the largest entry, while a missing factor T would shrink the gradient 1e4-fold.
    np.testing.assert_allclose(grad, (z - t) / (3 * 2), rtol=0, atol=1e-4)


def test_dtype_follows_the_logits():
    z = np.array([[1.0, 2.0], [0.0, -1.0]], dtype=np.float32)
    value, grad = Distillation(2.0, 0.3).value_and_grad(z, (np.array([0, 1]), z * 2))
    assert isinstance(value, float)
    assert grad.dtype == np.float32


def test_metric_is_accuracy_on_the_labels():
    z = np.array([[3.0, 0.0], [0.0, 1.0], [2.0, 1.0]])
    loss = Distillation(2.0, 0.5)
    assert loss.metric == "accuracy"
    assert loss.metric_value(z, (np.array([0, 1, 1]), z)) == pytest.approx(2 / 3)


def test_fit_trains_a_student_on_precomputed_teacher_logits():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 4))
    y = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] > 0)
    teacher = mt.Sequential([mt.Dense(4, 16), mt.ReLU(), mt.Dense(16, 3)])
    trained = mt.fit(teacher, CrossEntropy(), mt.optim.Adam(lr=1e-2), X, y, epochs=30,
                     batch_size=30, progress=False)  # fmt: skip
    teacher_logits = teacher.predict(trained.params, X)
    student = mt.Sequential([mt.Dense(4, 3)])
    history = mt.fit(student, Distillation(3.0, 0.5), mt.optim.Adam(lr=1e-2), X,
                     (y, teacher_logits), epochs=20, batch_size=30, progress=False)  # fmt: skip
    assert history.loss[-1] < history.loss[0]
    assert history.metric_name == "accuracy"


# ----- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("T", [0.0, -1.0, float("inf")])
def test_temperature_must_be_positive(T):
    with pytest.raises(ValueError, match="temperature"):
        Distillation(T, 0.5)


@pytest.mark.parametrize("alpha", [-0.1, 1.1, float("nan")])
def test_alpha_outside_zero_one_is_refused(alpha):
    with pytest.raises(ValueError, match="alpha"):
        Distillation(2.0, alpha)


def test_teacher_logits_of_the_wrong_shape_are_refused():
    z = np.zeros((4, 3))
    y = np.array([0, 1, 2, 0])
    with pytest.raises(ValueError, match=r"teacher_logits must have the shape .*\(4, 3\)"):
        Distillation(2.0, 0.5)(z, (y, np.zeros((4, 2))))
    with pytest.raises(ValueError, match="teacher_logits"):
        Distillation(2.0, 0.5)(z, (y, np.zeros(4)))


def test_target_must_be_a_pair_of_labels_and_teacher_logits():
    z = np.zeros((2, 3))
    with pytest.raises(TypeError, match=r"tuple \(labels, teacher_logits\)"):
        Distillation(2.0, 0.5)(z, np.array([0, 1]))
    with pytest.raises(TypeError, match="integer class labels"):
        Distillation(2.0, 0.5)(z, (np.array([0.0, 1.0]), z))


def test_teacher_logits_of_another_dtype_are_not_cast_silently():
    z = np.zeros((2, 3), dtype=np.float32)
    with pytest.raises(TypeError, match="astype"):
        Distillation(2.0, 0.5)(z, (np.array([0, 1]), np.zeros((2, 3))))


def test_inputs_are_not_modified():
    z = np.array([[1.0, 2.0, 0.5]])
    t = np.array([[0.0, 1.0, 3.0]])
    y = np.array([2])
    z0, t0, y0 = z.copy(), t.copy(), y.copy()
    Distillation(2.0, 0.5).value_and_grad(z, (y, t))
    np.testing.assert_array_equal(z, z0)
    np.testing.assert_array_equal(t, t0)
    np.testing.assert_array_equal(y, y0)
