"""Cross-validation and search: each fold is mt.fit on its rows with the stated seed, on any
executor with the same bits; the standard error is the formula; the picks (best, best within
a device, one standard error, Pareto front) obey their definitions."""

from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
from minitrain import select

seeds = st.integers(0, 2**32 - 1)


@pytest.fixture(scope="module")
def iris():
    X, y = mt.data.load_iris()
    return X, y


def small_model(width=8):
    return mt.Sequential([mt.Dense(4, width), mt.ReLU(), mt.Dense(width, 3)])


def test_each_fold_is_fit_on_its_rows_with_the_stated_seed(iris):
    X, y = iris
    model, loss = small_model(), mt.losses.CrossEntropy()
    result = select.cross_validate(model, loss, mt.optim.Adam(lr=1e-2), X, y, cv=3, epochs=5,
                                   batch_size=16, seed=4)  # fmt: skip
    assert result.seeds.tolist() == [4, 4, 4]
    for (train, test), params, metric in zip(result.folds, result.params, result.val_metric):
        by_hand = mt.fit(model, loss, mt.optim.Adam(lr=1e-2), X[train], y[train], epochs=5,
                         batch_size=16, seed=4, progress=False).params  # fmt: skip
        for key in params:
            np.testing.assert_array_equal(params[key], by_hand[key])
        accuracy = np.mean(model.predict(by_hand, X[test]).argmax(axis=1) == y[test])
        assert metric == accuracy
    np.testing.assert_array_equal(result.val_error, 1 - result.val_metric)
    k = len(result.val_metric)
    expected_se = np.sqrt(np.sum((result.val_metric - result.mean) ** 2) / (k - 1) / k)
    assert result.se == pytest.approx(expected_se, rel=1e-12)


def test_an_int_cv_stratifies_classification_and_not_regression(iris):
    X, y = iris
    ms = pytest.importorskip("sklearn.model_selection")
    result = select.cross_validate(small_model(), mt.losses.CrossEntropy(), mt.optim.SGD(lr=0.1),
                                   X, y, cv=5, epochs=1)  # fmt: skip
    expected = list(ms.StratifiedKFold(5).split(X, y))  # iris is sorted by class
    for (train, test), (train_ref, test_ref) in zip(result.folds, expected):
        np.testing.assert_array_equal(train, train_ref)
        np.testing.assert_array_equal(test, test_ref)
    regression = select.cross_validate(mt.Sequential([mt.Dense(4, 1)]), mt.losses.MSE(),
                                       mt.optim.SGD(lr=0.01), X[:, :4], X[:, 3:], cv=5,
                                       epochs=1)  # fmt: skip
    assert regression.metric == "rmse"
    np.testing.assert_array_equal(regression.folds[0][1], np.arange(30))  # KFold blocks
    np.testing.assert_array_equal(regression.val_error, regression.val_metric)


def dask_client():
    distributed = pytest.importorskip("dask.distributed")
    return distributed.Client(processes=False, n_workers=1, threads_per_worker=2,
                              dashboard_address=":0")  # fmt: skip


@pytest.mark.parametrize("make_executor", [lambda: ThreadPoolExecutor(2),
                                           lambda: ProcessPoolExecutor(2), dask_client],
                         ids=["threads", "processes", "dask"])  # fmt: skip
def test_folds_give_the_same_bits_on_any_executor(iris, make_executor):
    X, y = iris
    args = (small_model(), mt.losses.CrossEntropy(), mt.optim.Adam(lr=1e-2), X, y)
    kwargs = {"cv": select.KFold(3, shuffle=True, seed=0), "epochs": 3, "batch_size": 32}
    here = select.cross_validate(*args, **kwargs)
    with make_executor() as executor:
        there = select.cross_validate(*args, **kwargs, executor=executor)
    np.testing.assert_array_equal(here.val_metric, there.val_metric)
    for a, b in zip(here.params, there.params):
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])


def test_cross_validate_refuses_bad_input(iris):
    X, y = iris
    args = (small_model(), mt.losses.CrossEntropy(), mt.optim.Adam())
    with pytest.raises(TypeError, match="cv must be"):
        select.cross_validate(*args, X, y, cv="5", epochs=1)
    with pytest.raises(ValueError, match="y must have one entry per row of X"):
        select.cross_validate(*args, X, y[:-1], epochs=1)
    with pytest.raises(TypeError, match="executor must be"):
        select.cross_validate(*args, X, y, epochs=1, executor=object())
    with pytest.raises(ValueError, match="at least 2"):
        select.cross_validate(*args, X, y, cv=select.LeaveOneGroupOut(), groups=np.zeros(150),
                              epochs=1)  # fmt: skip


# ----- the picks, on synthetic tables -----------------------------------------------------------


def table(seed, n_rows):
    """A SearchResult of made-up rows: errors, spreads and sizes drawn at random."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_rows):
        errors = np.clip(rng.uniform(0.02, 0.4) + rng.normal(0, 0.02, 5), 0, 1)
        cv = select.CVResult("accuracy", 1 - errors / 2, 1 - errors, errors, np.zeros(5, int),
                             np.zeros(5), [], [])  # fmt: skip
        size = int(rng.choice([2_000, 50_000, 400_000, 3_000_000]) * rng.uniform(0.5, 1.5))
        rows.append(select.Candidate({"i": i}, cv, size // 4, size, size // 4,
                                     int(size * rng.uniform(1, 8))))  # fmt: skip
    return select.SearchResult(tuple(rows), "accuracy")


@given(seeds, st.integers(1, 12))
def test_best_within_a_device_is_the_most_accurate_row_that_fits(seed, n_rows):
    result = table(seed, n_rows)
    m4 = mt.compress.DEVICES["cortex-m4"]
    for training in (False, True):
        fitting = [r for r in result.rows if r.bytes <= m4.storage_bytes
                   and (not training or r.training_bytes <= m4.ram_bytes)]  # fmt: skip
        if not fitting:
            with pytest.raises(ValueError, match="no configuration fits cortex-m4"):
                result.best(within="cortex-m4", training=training)
            continue
        pick = result.best(within="cortex-m4", training=training)
        assert pick in fitting and pick.error == min(r.error for r in fitting)
        assert result.best().error <= pick.error


@given(seeds, st.integers(1, 12))
def test_one_standard_error_rule_picks_the_smallest_row_within_one_se(seed, n_rows):
    result = table(seed, n_rows)
    best = result.best()
    pick = result.one_se()
    assert pick.error <= best.error + best.se
    assert pick.bytes <= best.bytes
    for row in result.rows:
        if row.error <= best.error + best.se:
            assert row.bytes >= pick.bytes


@given(seeds, st.integers(1, 12))
def test_the_pareto_front_is_exactly_the_undominated_rows(seed, n_rows):
    result = table(seed, n_rows)
    front = result.pareto()

    def dominates(a, b):
        return (a.bytes <= b.bytes and a.error <= b.error) and (
            a.bytes < b.bytes or a.error < b.error)

    for row in result.rows:
        dominated = any(dominates(other, row) for other in result.rows)
        assert (row in front) == (not dominated and row is min(
            (r for r in result.rows if r.bytes == row.bytes and r.error == row.error),
            key=result.rows.index))  # of exact duplicates, the first is on the front
    assert [r.bytes for r in front] == sorted(r.bytes for r in front)


# ----- searches -------------------------------------------------------------------------------


def build(width=8, lr=1e-2):
    return small_model(width), mt.optim.Adam(lr=lr)


def test_grid_search_runs_the_product_and_sizes_each_model(iris):
    X, y = iris
    result = select.grid_search(build, {"width": [4, 32], "sparsity": [0.0, 0.75]},
                                mt.losses.CrossEntropy(), X, y, cv=3, epochs=4,
                                batch_size=16)  # fmt: skip
    assert [r.config for r in result.rows] == [
        {"width": 4, "sparsity": 0.0}, {"width": 4, "sparsity": 0.75},
        {"width": 32, "sparsity": 0.0}, {"width": 32, "sparsity": 0.75}]  # fmt: skip
    dense, pruned = result.rows[2], result.rows[3]
    n_params = 4 * 32 + 32 + 32 * 3 + 3
    assert dense.n_params == pruned.n_params == n_params
    # float32 bytes, sparse where smaller (dead units keep zero biases): compress's count
    for row in (dense, pruned):
        assert row.bytes == mt.compress.footprint(small_model(32), row.cv.params[0]).sparse_bytes
    assert dense.bytes <= 4 * n_params and pruned.bytes < dense.bytes / 2
    assert dense.macs == 4 * 32 + 32 * 3  # Dense multiply-adds per sample
    # float64 iris: 8 bytes for params, grads, Adam's two slots and the batch's activations
    adam_training = 8 * (4 * n_params + 16 * (4 + 32 + 32 + 3))
    assert dense.training_bytes == adam_training
    assert result.best().error == min(r.error for r in result.rows)
    assert "mean accuracy" in str(result)


def test_random_search_draws_reproducibly_from_its_space(iris):
    X, y = iris
    space = {"width": [4, 8, 16], "lr": select.log_uniform(1e-3, 1e-1)}
    args = (build, space, mt.losses.CrossEntropy(), X, y)
    a = select.random_search(*args, cv=2, n_iter=3, epochs=1, seed=5)
    b = select.random_search(*args, cv=2, n_iter=3, epochs=1, seed=5)
    assert [r.config for r in a.rows] == [r.config for r in b.rows]
    assert all(1e-3 <= r.config["lr"] <= 1e-1 and r.config["width"] in (4, 8, 16)
               for r in a.rows)  # fmt: skip


def test_search_refuses_bad_input(iris):
    X, y = iris
    loss = mt.losses.CrossEntropy()
    with pytest.raises(TypeError, match="build must be"):
        select.grid_search("mlp", {"width": [4]}, loss, X, y)
    with pytest.raises(ValueError, match="non-empty list"):
        select.grid_search(build, {"width": []}, loss, X, y)
    with pytest.raises(ValueError, match="0 < low < high"):
        select.log_uniform(0.1, 0.01)
    result = select.grid_search(build, {"width": [4]}, loss, X, y, cv=2, epochs=1)
    with pytest.raises(ValueError, match="within must be one of"):
        result.best(within="toaster")


class _CountingSGD:
    """A stepper that records each step it takes (SGD underneath)."""

    def __init__(self, steps):
        self.inner, self.steps = mt.optim.SGD(lr=0.1), steps

    def init(self, params):
        return self.inner.init(params)

    def step(self, params, grads, state):
        self.steps.append(1)
        return self.inner.step(params, grads, state)


def test_a_search_refuses_a_bad_configuration_before_any_configuration_trains():
    # The second configuration's model does not fit X: the search must say so before it has
    # spent any training on the first, whose result would otherwise be lost with the error.
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 4)), rng.normal(size=(12, 1))
    steps = []

    def build(width):
        return mt.Sequential([mt.Dense(width, 1)]), _CountingSGD(steps)

    select.grid_search(build, {"width": [4]}, mt.losses.MSE(), X, y, cv=2, epochs=1)
    assert steps  # the counting stepper does count a search that trains
    steps.clear()
    with pytest.raises(ValueError, match=r"configuration \{'width': 3\}"):
        select.grid_search(build, {"width": [4, 3]}, mt.losses.MSE(), X, y, cv=2, epochs=1)
    assert steps == []
