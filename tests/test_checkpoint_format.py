"""Properties of the checkpoint file: exact round trips, atomic writes, and every damaged file
refused."""

import os
import zipfile

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from trees import assert_trees_identical

import minitrain as mt
import minitrain.strategies as mts
from minitrain.checkpoint import Checkpoint, CheckpointError, load, save

MODEL = mt.Sequential([mt.Dense(3, 4), mt.Tanh(), mt.Dense(4, 2)])
OPTIMIZERS = {
    "GD": mt.optim.GD(lr=0.1),
    "SGD": mt.optim.SGD(lr=0.1, momentum=0.9, nesterov=True),
    "Adagrad": mt.optim.Adagrad(lr=0.1),
    "RMSprop": mt.optim.RMSprop(lr=0.01, momentum=0.5, centered=True),
    "Adam": mt.optim.Adam(lr=1e-3),
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("checkpoints")


def trained_state(opt, params, steps, seed):
    """Params and state after ``steps`` optimizer steps with random gradients."""
    rng = np.random.default_rng(seed)
    state = opt.init(params)
    for _ in range(steps):
        grads = {k: rng.normal(size=v.shape).astype(v.dtype) for k, v in params.items()}
        params, state = opt.step(params, grads, state)
    return params, state


def good_checkpoint(folder, name="good.npz", dtype=np.float64):
    params, state = trained_state(OPTIMIZERS["Adam"], MODEL.init(0, dtype=dtype), 2, 0)
    path = save(folder / name, params, state, meta={"epoch": 2})
    return path, params, state


# ----- round trips -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", OPTIMIZERS)
@given(
    data=st.data(),
    dtype=st.sampled_from([np.float32, np.float64]),
    steps=st.integers(0, 3),
    seed=st.integers(0, 2**32 - 1),
)
def test_params_and_optimizer_state_round_trip_bit_exactly(folder, name, data, dtype, steps, seed):
    params = data.draw(mts.params_for(MODEL, dtype=dtype))
    params, state = trained_state(OPTIMIZERS[name], params, steps, seed)
    rng = np.random.default_rng(seed)
    rng.random(seed % 5)
    meta = {"epoch": steps, "note": "après", "history": [1.5, 2.0], "nested": {"a": None}}
    path = save(folder / f"round-{name}.npz", params, state, rng=rng, meta=meta)
    loaded = load(path, like=params)
    assert isinstance(loaded, Checkpoint)
    assert_trees_identical(loaded.params, params)
    assert_trees_identical(loaded.state, state)
    assert loaded.meta == meta
    assert loaded.minitrain_version == mt.__version__ and loaded.format_version == 1
    # The restored generator continues exactly where the saved one was.
    np.testing.assert_array_equal(loaded.rng.random(8), rng.random(8))


@pytest.mark.parametrize("bit_generator", ["PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937"])
def test_every_numpy_bit_generator_is_restored(folder, bit_generator):
    rng = np.random.Generator(getattr(np.random, bit_generator)(7))
    rng.normal(size=3)
    loaded = load(save(folder / "rng.npz", MODEL.init(0), rng=rng))
    np.testing.assert_array_equal(
        loaded.rng.integers(0, 2**62, size=5), rng.integers(0, 2**62, size=5)
    )


def test_numpy_scalars_lists_and_tuples_in_state_keep_their_types(folder):
    params = MODEL.init(0)
    state = {"step": 3, "lr": 0.5, "flag": True, "t": (np.float32(1.5), None, [1, "x"])}
    loaded = load(save(folder / "types.npz", params, state)).state
    assert loaded["t"][0].dtype == np.float32 and loaded["t"][0] == np.float32(1.5)
    assert loaded == {"step": 3, "lr": 0.5, "flag": True, "t": (np.float32(1.5), None, [1, "x"])}
    assert type(loaded["step"]) is int and type(loaded["lr"]) is float


# ----- damaged and foreign files ---------------------------------------------------------------


@given(st.data())
def test_a_truncated_file_raises_checkpoint_error(folder, data):
    path, _, _ = good_checkpoint(folder, "to-truncate.npz")
    content = path.read_bytes()
    cut = data.draw(st.integers(0, len(content) - 1))
    (folder / "truncated.npz").write_bytes(content[:cut])
    with pytest.raises(CheckpointError):
        load(folder / "truncated.npz")


@given(st.data())
def test_a_changed_byte_is_refused_or_changes_nothing(folder, data):
    path, params, state = good_checkpoint(folder, "to-tamper.npz")
    content = bytearray(path.read_bytes())
    position = data.draw(st.integers(0, len(content) - 1))
    content[position] ^= data.draw(st.integers(1, 255))
    (folder / "tampered.npz").write_bytes(bytes(content))
    try:
        loaded = load(folder / "tampered.npz")
    except CheckpointError:
        return
    # Bytes the zip format ignores (timestamps, "made by" fields) may change harmlessly; what
    # loads must then be exactly what was saved.
    assert_trees_identical(loaded.params, params)
    assert_trees_identical(loaded.state, state)


def test_a_changed_byte_inside_the_parameter_data_is_detected(folder):
    path, params, _ = good_checkpoint(folder, "data-tamper.npz")
    content = bytearray(path.read_bytes())
    start = bytes(content).index(params["2.W"].tobytes())  # the raw array bytes in the archive
    for offset in (0, 7, params["2.W"].nbytes - 1):
        changed = bytearray(content)
        changed[start + offset] ^= 0x01  # flip the lowest bit: still a finite float
        (folder / "flipped.npz").write_bytes(bytes(changed))
        with pytest.raises(CheckpointError, match="corrupt"):
            load(folder / "flipped.npz")


@given(st.binary(max_size=2000))
def test_a_random_file_raises_checkpoint_error(folder, content):
    (folder / "random.npz").write_bytes(content)
    with pytest.raises(CheckpointError):
        load(folder / "random.npz")


def test_foreign_npz_and_npy_files_raise_checkpoint_error(folder):
    np.savez(folder / "other.npz", weights=np.ones(3), header=np.ones(2))
    with pytest.raises(CheckpointError, match="no minitrain header"):
        load(folder / "other.npz")
    np.save(folder / "array.npy", np.ones(3))
    with pytest.raises(CheckpointError, match=r"single \.npy array"):
        load(folder / "array.npy")
    with pytest.raises(FileNotFoundError):
        load(folder / "missing.npz")


def rewrite(folder, source, change):
    """Re-save a checkpoint's entries after ``change(entries)``: a valid zip, bad content."""
    with np.load(source) as archive:
        entries = {name: archive[name] for name in archive.files}
    change(entries)
    target = folder / "rewritten.npz"
    with open(target, "wb") as file:  # a file object: np.savez adds no suffix
        np.savez(file, **entries)
    return target


def set_header(entries, edit):
    import json

    header = json.loads(entries["header"].tobytes())
    edit(header)
    entries["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)


CORRUPTIONS = {
    "NaN in params": (lambda e: e.update({"params/0.W": np.full((3, 4), np.nan)}), "NaN"),
    "inf in state": (
        lambda e: e.update({"state/exp_avg/0.b": np.array([np.inf, 0, 0, 0])}),
        "infinite",
    ),
    "missing entry": (lambda e: e.pop("params/2.b"), r"entry 'params/2\.b' is missing"),
    "extra entry": (lambda e: e.update({"params/9.W": np.ones(2)}), "unexpected"),
    "shape differs from header": (
        lambda e: e.update({"params/0.b": np.zeros(5)}),
        r"params\['0\.b'\] is float64 \(5,\) but the header says float64 \(4,\)",
    ),
    "integer params": (lambda e: e.update({"params/0.b": np.zeros(4, dtype=int)}), "not a number"),
    "object array": (
        lambda e: e.update({"params/0.b": np.array([None, 1], dtype=object)}),
        "corrupt",
    ),
    "newer format": (
        lambda e: set_header(e, lambda h: h.update(format_version=99)),
        "newer than this minitrain reads",
    ),
    "foreign format": (lambda e: set_header(e, lambda h: h.update(format="x")), "not a minitrain"),
    "unknown generator": (
        lambda e: set_header(e, lambda h: h.update(rng={"bit_generator": "os.system"})),
        "unknown bit generator",
    ),
    "header not json": (
        lambda e: e.update({"header": np.frombuffer(b"{not json", dtype=np.uint8)}),
        "unreadable header",
    ),
}


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_valid_zips_with_invalid_content_raise_checkpoint_error(folder, name):
    change, message = CORRUPTIONS[name]
    path, _, _ = good_checkpoint(folder, "to-rewrite.npz")
    with pytest.raises(CheckpointError, match=message):
        load(rewrite(folder, path, change))


def test_loading_like_another_model_names_the_mismatched_key(folder):
    path, params, _ = good_checkpoint(folder, "like.npz")
    other = mt.Sequential([mt.Dense(3, 5), mt.Tanh(), mt.Dense(5, 2)])
    with pytest.raises(
        CheckpointError, match=r"params\['0\.W'\] has shape \(3, 4\) but the model expects \(3, 5\)"
    ):
        load(path, like=other)
    with pytest.raises(CheckpointError, match=r"missing \['4\.W', '4\.b'\]"):
        load(path, like=mt.Sequential([*MODEL.layers, mt.ReLU(), mt.Dense(2, 1)]))
    with pytest.raises(CheckpointError, match=r"params\['0\.W'\] is float64 but like has float32"):
        load(path, like=MODEL.init(0, dtype=np.float32))
    assert_trees_identical(load(path, like=MODEL).params, params)


# ----- atomic writes ---------------------------------------------------------------------------


def leftovers(folder):
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


@pytest.mark.parametrize("failing", ["savez", "replace"])
def test_a_failed_save_leaves_the_old_checkpoint_intact_and_no_temporary_file(
    folder, monkeypatch, failing
):
    path, params, state = good_checkpoint(folder, f"survivor-{failing}.npz")
    before = path.read_bytes()

    def savez_then_fail(file, **entries):
        file.write(b"PK\x03\x04 half an archive")  # a partial write, then the disk fills up
        raise OSError("No space left on device")

    def replace_fails(src, dst):
        raise OSError("rename failed")

    if failing == "savez":
        monkeypatch.setattr(np, "savez", savez_then_fail)
    else:
        monkeypatch.setattr(os, "replace", replace_fails)
    new_params = {k: v + 1 for k, v in params.items()}
    with pytest.raises(OSError):
        save(path, new_params, state)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert_trees_identical(load(path).params, params)
    assert leftovers(folder) == []


def test_save_replaces_an_existing_checkpoint(folder):
    path, params, _ = good_checkpoint(folder, "replaced.npz")
    newer = {k: v * 2 for k, v in params.items()}
    save(path, newer)
    assert_trees_identical(load(path).params, newer)
    assert load(path).state is None and load(path).rng is None and load(path).meta == {}


# ----- bad input to save -----------------------------------------------------------------------


def test_save_refuses_what_it_could_not_load_back(folder):
    params = MODEL.init(0)
    nan_params = {**params, "0.b": np.array([np.nan, 0, 0, 0])}
    with pytest.raises(ValueError, match=r"params\['0\.b'\] contains NaN"):
        save(folder / "x.npz", nan_params)
    with pytest.raises(TypeError, match=r"state\['lr'\] is a function"):
        save(folder / "x.npz", params, {"step": 0, "lr": lambda t: 0.1})
    with pytest.raises(TypeError, match="meta must be JSON-serialisable"):
        save(folder / "x.npz", params, meta={"when": object()})
    with pytest.raises(ValueError, match="keys must be non-empty strings without '/'"):
        save(folder / "x.npz", {"a/b": np.ones(2)})
    with pytest.raises(TypeError, match=r"rng must be a numpy\.random\.Generator"):
        save(folder / "x.npz", params, rng=np.random.RandomState(0))
    with pytest.raises(TypeError, match=r"params\['0\.W'\] must be a floating-point ndarray"):
        save(folder / "x.npz", {**params, "0.W": np.ones((3, 4), dtype=int)})
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save(folder / "no-such-folder" / "x.npz", params)
    assert not (folder / "x.npz").exists() and leftovers(folder) == []


def test_save_and_load_never_modify_their_inputs(folder):
    params, state = trained_state(OPTIMIZERS["SGD"], MODEL.init(0), 2, 0)
    saved = {k: v.copy() for k, v in params.items()}
    loaded = load(save(folder / "inputs.npz", params, state))
    assert_trees_identical(params, saved)
    loaded.params["0.W"] += 1  # the loaded arrays are new arrays, not views of the inputs
    assert_trees_identical(params, saved)


def test_the_checkpoint_file_is_a_plain_zip_of_npy_entries(folder):
    path, _, _ = good_checkpoint(folder, "plain.npz")
    names = zipfile.ZipFile(path).namelist()
    assert "header.npy" in names and "params/0.W.npy" in names
    assert "state/exp_avg/0.W.npy" in names
