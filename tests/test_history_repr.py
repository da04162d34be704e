"""A History prints as one short line a person can read: epochs, last values, stop reason."""

import numpy as np

import minitrain as mt
from minitrain.train import EarlyStopping


def test_repr_of_a_fit_is_one_short_line_with_the_last_epochs_values():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 64))
    y = rng.integers(0, 10, size=200)
    model = mt.Sequential([mt.Dense(64, 128), mt.ReLU(), mt.Dense(128, 10)])
    history = mt.fit(
        model,
        mt.losses.CrossEntropy(),
        mt.optim.Adam(lr=1e-3),
        X,
        y,
        epochs=8,
        batch_size=32,
        seed=0,
        validation=(X[:50], y[:50]),
        progress=False,
    )
    text = repr(history)
    assert "\n" not in text and len(text) < 250, text
    assert text.startswith("History(epochs_run=8, ")
    assert f"loss={history.loss[-1]:.4g}" in text and f"val_loss={history.val_loss[-1]:.4g}" in text
    assert "params=<4 arrays, 9610 values>" in text  # 64*128 + 128 + 128*10 + 10
    assert history.params["0.W"].shape == (64, 128)  # the arrays are one attribute away


def test_repr_says_why_a_run_stopped_early():
    X = np.linspace(-1, 1, 64).reshape(-1, 1)
    y = 2 * X + 1
    history = mt.fit(
        mt.Sequential([mt.Dense(1, 1)]),
        mt.losses.MSE(),
        mt.optim.SGD(lr=0.01),
        X,
        y,
        epochs=50,
        batch_size=16,
        seed=0,
        validation=(X, y),
        progress=False,
        callbacks=[EarlyStopping(patience=2, min_delta=1.0)],
    )
    # no epoch improves the loss by more than 1.0, so the run stops after epoch 3
    assert (
        history.epochs_run == 3
        and history.stopped_reason
        and f"stopped_reason={history.stopped_reason!r}" in repr(history)
    )
