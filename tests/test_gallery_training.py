"""The gallery's training runs: the test functions' gradients are their derivatives, and a
stepper's recorded path is the path its update rule gives."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
from minitrain.gallery import training

points = st.tuples(st.floats(-2.0, 2.0), st.floats(-1.0, 3.0)).map(np.array)


@given(points)
def test_the_gradients_match_central_differences_of_the_functions(x):
    h = 1e-6
    for f, grad in ((training.quadratic, training.quadratic_grad),
                    (training.rosenbrock, training.rosenbrock_grad)):  # fmt: skip
        numeric = [(f(*(x + h * e)) - f(*(x - h * e))) / (2 * h) for e in np.eye(2)]
        # Central differences err by h^2 |f'''| / 6 (< 1e-9: |f'''| < 5e3 here) plus rounding,
        # a few eps |f| / h (< 2e-6: |f| < 3e3 here); 1e-5 absolute leaves a margin of five.
        np.testing.assert_allclose(grad(x), numeric, rtol=0, atol=1e-5)


@given(st.floats(1e-3, 0.09), st.integers(0, 60), points)
def test_gd_on_the_quadratic_follows_the_closed_form_path(lr, steps, start):
    path = training.run_stepper(mt.optim.GD(lr=lr), training.quadratic_grad, tuple(start), steps)
    assert path.shape == (steps + 1, 2)
    # x_k = (1 - lr a)^k x_0 per coordinate, a = (1, 20). Each of the <= 60 steps rounds a few
    # times (~1e-16 relative each), so the paths agree to ~1e-14 relative; where 1 - lr a is
    # near 0 the factor cancels and the error is a few eps |x_0| (|x_0| <= 3) absolute.
    # 1e-12 relative and 1e-13 absolute leave a margin over both.
    factors = (1 - lr * training.QUADRATIC_CURVATURE) ** np.arange(steps + 1)[:, None]
    np.testing.assert_allclose(path, factors * start, rtol=1e-12, atol=1e-13)
