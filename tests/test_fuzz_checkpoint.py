"""Fuzzing minitrain.checkpoint: arbitrary values (``junk``) in each argument of ``save``,
``load`` and ``CheckpointCallback``, and arbitrary damage to a valid checkpoint file.

An argument fuzzed fails only with ValueError, TypeError or CheckpointError (a path also with
the file system's FileNotFoundError, IsADirectoryError or NotADirectoryError: a short string
is a real relative path), the inputs bit-identical. A damaged file gives a CheckpointError or,
where the damage hits only bytes the format ignores, exactly what was saved; a tampered member
written back with a valid CRC gives a CheckpointError or a checkpoint, never another exception.
"""

from __future__ import annotations

import io
import os
import zipfile

import numpy as np
import pytest
from bad_inputs import assert_fails_cleanly, junk
from hypothesis import given, settings
from hypothesis import strategies as st
from trees import assert_trees_identical

import minitrain as mt
from minitrain.checkpoint import CheckpointCallback, CheckpointError, load, save

MODEL = mt.Sequential([mt.Dense(3, 4), mt.Tanh(), mt.Dense(4, 2)])
PARAMS = MODEL.init(0, dtype=np.float32)
STATE = mt.optim.Adam(lr=1e-3).init(PARAMS)
ARGUMENT_ERRORS = (ValueError, TypeError)  # CheckpointError is a ValueError
PATH_ERRORS = (*ARGUMENT_ERRORS, FileNotFoundError, IsADirectoryError, NotADirectoryError)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The working folder for the module: a junk string as a path lands here."""
    previous = os.getcwd()
    path = tmp_path_factory.mktemp("fuzz-checkpoints")
    os.chdir(path)
    yield path
    os.chdir(previous)


@pytest.fixture(scope="module")
def good(folder):
    rng = np.random.default_rng(5)
    path = save(folder / "good.npz", PARAMS, STATE, rng=rng, meta={"epoch": 3, "note": "x"})
    return path, path.read_bytes()


# ----- junk arguments ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["params", "state", "rng", "meta"])
@given(value=junk())
def test_junk_in_save_fails_cleanly(folder, name, value):
    kwargs = {"params": PARAMS, "state": STATE, "rng": None, "meta": None, name: value}
    assert_fails_cleanly(save, folder / "junk.npz", allowed=ARGUMENT_ERRORS, **kwargs)


@given(value=junk())
def test_junk_as_a_save_path_fails_cleanly(folder, value):
    assert_fails_cleanly(save, value, PARAMS, allowed=PATH_ERRORS)


@pytest.mark.parametrize("name", ["path", "like", "max_bytes"])
@given(value=junk())
def test_junk_in_load_fails_cleanly(good, name, value):
    kwargs = {"path": good[0], "like": None, "max_bytes": 10**6, name: value}
    allowed = PATH_ERRORS if name == "path" else ARGUMENT_ERRORS
    assert_fails_cleanly(load, allowed=allowed, **kwargs)


@pytest.mark.parametrize("name", ["path", "every", "extra_meta"])
@given(value=junk())
def test_junk_in_the_callback_fails_cleanly(folder, name, value):
    kwargs = {"path": folder / "run-{epoch}.npz", "every": 1, "extra_meta": None, name: value}
    allowed = PATH_ERRORS if name == "path" else ARGUMENT_ERRORS
    assert_fails_cleanly(CheckpointCallback, allowed=allowed, **kwargs)


# ----- damaged files ----------------------------------------------------------------------------


def load_or_refuse(path):
    """The checkpoint at ``path``, or None when it is refused with a CheckpointError."""
    try:
        return load(path)
    except CheckpointError:
        return None


@settings(max_examples=60)  # cheap: one small file per example
@given(data=st.data())
def test_flipped_bytes_are_refused_or_change_nothing(folder, good, data):
    _, content = good
    damaged = bytearray(content)
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(damaged) - 1))
        damaged[position] ^= data.draw(st.integers(1, 255))
    path = folder / "flipped.npz"
    path.write_bytes(bytes(damaged))
    assert_refused_or_identical(path)


def assert_refused_or_identical(path):
    loaded = load_or_refuse(path)
    if loaded is not None:  # only bytes the zip format ignores changed (timestamps, comment)
        assert_trees_identical(loaded.params, PARAMS)
        assert_trees_identical(loaded.state, STATE)
        assert loaded.meta == {"epoch": 3, "note": "x"}


@settings(max_examples=60)
@given(data=st.data())
def test_truncated_or_extended_files_are_refused_or_change_nothing(folder, good, data):
    _, content = good
    cut = data.draw(st.integers(0, len(content)))
    tail = data.draw(st.binary(max_size=64))
    path = folder / "cut.npz"
    path.write_bytes(content[:cut] + tail)
    assert_refused_or_identical(path)
    if cut < len(content) - 22 and not tail:  # the end-of-archive record is gone
        assert load_or_refuse(path) is None


@settings(max_examples=60)
@given(data=st.data())
def test_a_tampered_member_with_a_valid_crc_is_refused_or_loads(folder, good, data):
    """Damage past the CRC: one member's bytes changed and the archive written anew, so the
    .npy header, the JSON header and the layout checks are what must catch it."""
    source, _ = good
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    name = data.draw(st.sampled_from(sorted(members)))
    member = bytearray(members[name])
    for _ in range(data.draw(st.integers(1, 3))):
        position = data.draw(st.integers(0, len(member) - 1))
        member[position] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        member = member[: data.draw(st.integers(0, len(member)))]
    members[name] = bytes(member)
    method = data.draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for member_name, payload in members.items():
            archive.writestr(member_name, payload)
    path = folder / "tampered.npz"
    path.write_bytes(buffer.getvalue())
    loaded = load_or_refuse(path)
    assert loaded is None or isinstance(loaded, mt.checkpoint.Checkpoint)


@settings(max_examples=40)
@given(content=st.binary(max_size=600))
def test_arbitrary_bytes_behind_a_zip_signature_are_refused(folder, content):
    path = folder / "random.npz"
    path.write_bytes(b"PK\x03\x04" + content)
    assert load_or_refuse(path) is None
