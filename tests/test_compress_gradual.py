"""Properties of the gradual pruning schedule, its callback, one-shot and iterative pruning."""

from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minitrain as mt
from minitrain.compress import (
    GradualPruning,
    iterative_pruning,
    magnitude_masks,
    polynomial_sparsity,
    prune_then_finetune,
    round_sparsity,
    zero_fraction,
)

MODEL = mt.Sequential([mt.Dense(4, 12), mt.ReLU(), mt.Dense(12, 3)])


def data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    y = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] + X[:, 2] > 0)
    return X, y


schedules = st.fixed_dictionaries(
    {
        "final_sparsity": st.floats(0.0, 0.99),
        "initial_sparsity": st.floats(0.0, 0.99),
        "begin_step": st.integers(0, 50),
        "n_events": st.integers(1, 20),
        "every": st.integers(1, 10),
    }
).map(lambda k: {**k, "initial_sparsity": min(k["initial_sparsity"], k["final_sparsity"])})


@given(schedules)
def test_schedule_starts_at_s_i_is_monotone_and_reaches_s_f_and_stays(k):
    t0, end = k["begin_step"], k["begin_step"] + k["n_events"] * k["every"]
    values = [polynomial_sparsity(t, **k) for t in range(end + 30)]
    assert values[t0] == k["initial_sparsity"]
    assert all(v == k["initial_sparsity"] for v in values[:t0])
    assert all(b >= a for a, b in pairwise(values))
    assert all(v == k["final_sparsity"] for v in values[end:])


@given(schedules, st.integers(0, 400))
def test_schedule_matches_the_zhu_gupta_formula(k, t):
    s_i, s_f, t0 = k["initial_sparsity"], k["final_sparsity"], k["begin_step"]
    span = k["n_events"] * k["every"]
    if t0 <= t <= t0 + span:
        expected = s_f + (s_i - s_f) * (1 - (t - t0) / span) ** 3
        # The same expression evaluated in a different order: rounding only.
        assert polynomial_sparsity(t, **k) == pytest.approx(expected, abs=1e-15)


def test_schedule_halfway_by_hand():
    # s_i = 0, s_f = 0.8, t0 = 10, n dt = 100: at t = 60, 0.8 + (0 - 0.8) * 0.5^3 = 0.7
    value = polynomial_sparsity(60, 0.8, begin_step=10, n_events=10, every=10)
    assert value == pytest.approx(0.7, abs=1e-15)


def test_gradual_pruning_callback_prunes_on_schedule_and_keeps_pruned_weights_at_zero():
    X, y = data()
    pruning = GradualPruning(0.8, begin_step=0, n_events=6, every=6, scope="global")

    class Check(mt.train.Callback):
        """After every step: pruned weights are exactly 0, and so are their Adam slots."""

        def on_step_end(self, run):
            masks = pruning.masks_
            for key, m in masks.items():
                assert np.all(run.params[key][~m] == 0)
                assert np.all(run.opt_state["exp_avg"][key][~m] == 0)
                assert np.all(run.opt_state["exp_avg_sq"][key][~m] == 0)

    history = mt.fit(MODEL, mt.losses.CrossEntropy(), mt.optim.Adam(lr=1e-2), X, y, epochs=20,
                     batch_size=16, callbacks=[pruning, Check()], progress=False)  # fmt: skip
    steps = [step for step, _ in pruning.events_]
    assert steps == list(range(0, 37, 6))  # t0, t0 + dt, ..., t0 + n dt
    assert pruning.events_[-1][1] == pytest.approx(0.8, abs=1e-15)
    n = MODEL.layers[0].n_in * 12 + 12 * 3
    assert zero_fraction(history.params) >= round(0.8 * n) / n  # kept weights may not be 0
    assert history.loss[-1] < history.loss[0]


def test_gradual_masks_are_nested_across_events():
    X, y = data()
    pruning = GradualPruning(0.9, begin_step=3, n_events=5, every=4)
    masks_per_event = []

    class Record(mt.train.Callback):
        def on_step_end(self, run):
            if len(pruning.events_) > len(masks_per_event):
                masks_per_event.append({k: m.copy() for k, m in pruning.masks_.items()})

    mt.fit(MODEL, mt.losses.CrossEntropy(), mt.optim.SGD(lr=0.1, momentum=0.9), X, y,
           epochs=6, batch_size=16, callbacks=[pruning, Record()], progress=False)  # fmt: skip
    assert len(masks_per_event) == 6  # steps 3, 7, ..., 23
    for earlier, later in pairwise(masks_per_event):
        for k in later:
            assert not (later[k] & ~earlier[k]).any()


def test_one_shot_prune_then_finetune_keeps_sparsity_and_does_not_modify_params():
    X, y = data()
    trained = mt.fit(MODEL, mt.losses.CrossEntropy(), mt.optim.Adam(lr=1e-2), X, y, epochs=10,
                     batch_size=16, progress=False).params  # fmt: skip
    before = {k: v.copy() for k, v in trained.items()}
    opt = mt.optim.Adam(lr=1e-2)
    result = prune_then_finetune(MODEL, mt.losses.CrossEntropy(), opt, X, y, trained, 0.75,
                                 epochs=5, batch_size=16, progress=False)  # fmt: skip
    n = 4 * 12 + 12 * 3
    assert result.sparsity >= round(0.75 * n) / n
    for k, m in result.masks.items():
        assert np.all(result.params[k][~m] == 0)
    for k in trained:
        np.testing.assert_array_equal(trained[k], before[k])


@given(st.integers(1, 8), st.floats(0.0, 0.99))
def test_iterative_rounds_keep_the_same_fraction_of_survivors(rounds, s_f):
    kept = [1.0 - round_sparsity(r, rounds, s_f) for r in range(rounds + 1)]
    assert kept[0] == 1.0 and round_sparsity(rounds, rounds, s_f) == s_f
    ratios = [b / a for a, b in pairwise(kept)]
    # Each ratio is (1 - s_f)^(1/R); powers and differences round at ~1e-15 relative.
    np.testing.assert_allclose(ratios, (1.0 - s_f) ** (1.0 / rounds), rtol=1e-12)


@pytest.mark.parametrize("rewind", [True, False])
def test_iterative_pruning_reaches_the_final_sparsity_with_nested_masks(rewind):
    X, y = data()
    initial = MODEL.init(seed=3)
    result = iterative_pruning(MODEL, mt.losses.CrossEntropy(), mt.optim.Adam(lr=1e-2), X, y,
                               initial, 0.875, rounds=3, rewind=rewind, epochs=4, batch_size=32,
                               progress=False)  # fmt: skip
    assert len(result.histories) == 4  # the dense run, then one per round
    n = 4 * 12 + 12 * 3
    pruned = sum(int((~m).sum()) for m in result.masks.values())
    assert pruned == round(0.875 * n)
    for k, m in result.masks.items():
        assert np.all(result.params[k][~m] == 0)


def test_rewinding_restarts_each_round_from_the_initial_weights():
    """With zero epochs of effect (lr tiny), a rewound round starts at theta_0 * m: check the
    masks of the first round are those of the trained weights, applied to theta_0."""
    X, y = data()
    initial = MODEL.init(seed=4)
    result = iterative_pruning(MODEL, mt.losses.CrossEntropy(), mt.optim.SGD(lr=1e-12), X, y,
                               initial, 0.5, rounds=1, rewind=True, epochs=1,
                               progress=False)  # fmt: skip
    expected_masks = magnitude_masks(result.histories[0].params, 0.5, "global")
    for k, m in expected_masks.items():
        np.testing.assert_array_equal(result.masks[k], m)
        # lr 1e-12 moves weights by ~1e-12 at most: the rewound start is what remains.
        np.testing.assert_allclose(result.params[k], np.where(m, initial[k], 0.0), atol=1e-10)


# ----- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"final_sparsity": 1.0}, "final_sparsity"),
        ({"final_sparsity": -0.2}, "final_sparsity"),
        ({"final_sparsity": 0.5, "initial_sparsity": 0.6}, "initial_sparsity"),
        ({"final_sparsity": 0.5, "n_events": 0}, "n_events"),
        ({"final_sparsity": 0.5, "every": 0}, "every"),
        ({"final_sparsity": 0.5, "begin_step": -1}, "begin_step"),
    ],
)
def test_bad_schedules_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        polynomial_sparsity(0, **kwargs)
    with pytest.raises(ValueError, match=match):
        GradualPruning(**kwargs)


def test_gradual_pruning_with_unknown_keys_fails_before_training():
    X, y = data()
    with pytest.raises(ValueError, match="keys"):
        mt.fit(MODEL, mt.losses.CrossEntropy(), mt.optim.SGD(lr=0.1), X, y, epochs=1,
               callbacks=[GradualPruning(0.5, keys=["5.W"])], progress=False)  # fmt: skip
