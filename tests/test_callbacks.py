"""KeepBest ends a run with its best epoch's parameters, also after a divergence."""

import warnings

import numpy as np
import pytest

import minitrain as mt
from minitrain.callbacks import KeepBest


def line(n=64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 1))
    return X, 2 * X + 1 + 0.1 * rng.normal(size=(n, 1))


def test_after_a_divergence_the_run_returns_the_best_epochs_parameters():
    X, y = line()
    model, loss = mt.Sequential([mt.Dense(1, 1)]), mt.losses.MSE()
    L = mt.closed_form.gd_rate(X).L
    keep = KeepBest()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the divergence warning, on purpose
        history = mt.fit(model, loss, mt.optim.GD(lr=2.5 / L), X, y, epochs=5000,
                         validation=(X, y), callbacks=[keep], progress=False)  # fmt: skip
    assert history.diverged_at_step is not None  # lr > 2/L: the steep direction blows up
    best = loss(model.predict(history.params, X), y)
    # val_loss is the loss of the parameters after each epoch: the kept ones give its minimum.
    assert best == pytest.approx(min(history.val_loss), rel=1e-12)
    assert keep.best == pytest.approx(best, rel=1e-12) and np.isfinite(best)
    assert history.val_loss[keep.best_epoch] == keep.best
    # Without it, the run ends with the last finite step's parameters, far from the best.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        plain = mt.fit(model, loss, mt.optim.GD(lr=2.5 / L), X, y, epochs=5000, progress=False)
    assert loss(model.predict(plain.params, X), y) > 1e100 * best


def test_a_run_that_converges_ends_with_its_best_epoch_not_its_last():
    X, y = line()
    model, loss = mt.Sequential([mt.Dense(1, 1)]), mt.losses.MSE()
    keep = KeepBest(monitor="val_loss")
    history = mt.fit(model, loss, mt.optim.SGD(lr=0.3), X, y, epochs=30, batch_size=8, seed=0,
                     validation=(X[:16], y[:16]), callbacks=[keep], progress=False)  # fmt: skip
    assert keep.best_epoch == int(np.argmin(history.val_loss))
    np.testing.assert_allclose(loss(model.predict(history.params, X[:16]), y[:16]),
                               min(history.val_loss), rtol=1e-12)  # fmt: skip


def test_keep_best_refuses_an_unknown_monitor():
    with pytest.raises(ValueError, match="monitor must be one of 'val_loss', 'loss'"):
        KeepBest(monitor="accuracy")
