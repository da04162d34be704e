"""Properties of the checkpoint callback: it saves on its schedule, and a run resumed from
what it saved is identical to the uninterrupted run."""

import numpy as np
import pytest
from trees import assert_trees_identical

import minitrain as mt
from minitrain.checkpoint import CheckpointCallback, load

MODEL = mt.Sequential([mt.Dense(3, 4), mt.Tanh(), mt.Dense(4, 2)])


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("checkpoints")


def classification_data(seed=0):
    X, y = mt.data.make_blobs(n_samples=60, n_classes=2, n_features=3, seed=seed)
    return X, y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_run_resumed_from_a_checkpoint_equals_the_uninterrupted_run(folder, dtype):
    X, y = classification_data()
    X = X.astype(dtype)
    loss, opt = mt.losses.CrossEntropy(), mt.optim.Adam(lr=1e-2)
    kwargs = {"batch_size": 16, "seed": 3, "progress": False}
    whole = mt.fit(MODEL, loss, opt, X, y, epochs=6, **kwargs)

    path = folder / f"resume-{np.dtype(dtype).name}.npz"
    first = mt.fit(MODEL, loss, opt, X, y, epochs=3, callbacks=[CheckpointCallback(path)], **kwargs)
    ckpt = load(path, like=MODEL.init(0, dtype=dtype))
    assert ckpt.meta["epoch"] == 3 and ckpt.meta["loss"] == first.loss[-1]
    second = mt.fit(
        MODEL,
        loss,
        opt,
        X,
        y,
        epochs=6,
        params=ckpt.params,
        opt_state=ckpt.state,
        initial_epoch=ckpt.meta["epoch"],
        **kwargs,
    )
    assert first.loss + second.loss == whole.loss  # per-epoch losses, exactly
    assert_trees_identical(second.params, whole.params)
    assert_trees_identical(second.opt_state, whole.opt_state)


def test_the_callback_saves_every_few_epochs_to_templated_paths(folder):
    X, y = classification_data()
    callback = CheckpointCallback(folder / "run-{epoch:02d}.npz", every=2, extra_meta={"seed": 3})
    history = mt.fit(
        MODEL,
        mt.losses.CrossEntropy(),
        mt.optim.SGD(lr=0.1),
        X,
        y,
        epochs=5,
        batch_size=20,
        seed=3,
        progress=False,
        callbacks=[callback],
    )
    written = sorted(p.name for p in folder.glob("run-*.npz"))
    assert written == ["run-02.npz", "run-04.npz"]
    last = load(folder / "run-04.npz")
    assert last.meta == {"seed": 3, "epoch": 4, "step": 12, "loss": history.loss[3]}
    assert callback.last_path == folder / "run-04.npz"
