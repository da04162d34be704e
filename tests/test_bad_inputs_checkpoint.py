"""Bad input to minitrain.checkpoint, case by case: every bad argument to ``save``, ``load`` and
``CheckpointCallback`` is refused by name, and every damaged or foreign file is a
``CheckpointError`` naming the file, with the inputs bit-identical and no warning on the way.
A damaged file is also refused without leaking a file handle or unpacking a zip bomb."""

from __future__ import annotations

import gc
import io
import json
import os
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
from bad_inputs import Case, assert_refused, cases

import minitrain as mt
from minitrain.checkpoint import CheckpointCallback, CheckpointError, load, save

MODEL = mt.Sequential([mt.Dense(3, 4), mt.Tanh(), mt.Dense(4, 2)])
PARAMS = MODEL.init(0)
STATE = mt.optim.Adam(lr=1e-3).init(PARAMS)
FOLDER = Path(tempfile.mkdtemp(prefix="minitrain-bad-checkpoints-"))
GOOD = save(FOLDER / "good.npz", PARAMS, STATE, rng=np.random.default_rng(1), meta={"epoch": 2})


@pytest.fixture(scope="module", autouse=True)
def _remove_folder():
    yield
    shutil.rmtree(FOLDER, ignore_errors=True)


def cyclic() -> dict:
    node: dict = {"a": 1}
    node["self"] = node
    return node


# ----- bad arguments to save ------------------------------------------------------------------

X = FOLDER / "x.npz"
SAVE_CASES = [
    Case("save path None", save, (None, PARAMS), error=TypeError, names=("path",)),
    Case("save path bytes", save, (b"x.npz", PARAMS), error=TypeError, names=("path",)),
    Case("save path int", save, (3, PARAMS), error=TypeError, names=("path",)),
    Case("save path empty", save, ("", PARAMS), error=ValueError, names=("path", "empty")),
    Case("save path folder", save, (FOLDER, PARAMS), error=IsADirectoryError, names=("path",)),
    Case(
        "save path in missing folder",
        save,
        (FOLDER / "absent" / "x.npz", PARAMS),
        error=FileNotFoundError,
        names=("path", "does not exist"),
    ),
    Case("params None", save, (X, None), error=TypeError, names=("params",)),
    Case("params list", save, (X, [np.ones(2)]), error=TypeError, names=("params",)),
    Case(
        "params int array",
        save,
        (X, {**PARAMS, "0.W": np.ones((3, 4), dtype=np.int64)}),
        error=TypeError,
        names=("params['0.W']",),
    ),
    Case(
        "params float16",
        save,
        (X, {**PARAMS, "0.W": PARAMS["0.W"].astype(np.float16)}),
        error=TypeError,
        names=("params['0.W']", "float16"),
    ),
    Case(
        "params NaN",
        save,
        (X, {**PARAMS, "0.b": np.array([np.nan, 0, 0, 0])}),
        error=ValueError,
        names=("params['0.b']", "NaN"),
    ),
    Case(
        "params inf",
        save,
        (X, {**PARAMS, "2.b": np.array([np.inf, 0])}),
        error=ValueError,
        names=("params['2.b']",),
    ),
    Case(
        "params key with slash",
        save,
        (X, {"a/b": np.ones(2)}),
        error=ValueError,
        names=("params", "'/'"),
    ),
    Case("params key int", save, (X, {1: np.ones(2)}), error=ValueError, names=("params",)),
    Case("params key empty", save, (X, {"": np.ones(2)}), error=ValueError, names=("params",)),
    Case("state list", save, (X, PARAMS, [1, 2]), error=TypeError, names=("state",)),
    Case(
        "state function",
        save,
        (X, PARAMS, {"step": 0, "lr": lambda t: 0.1}),
        error=TypeError,
        names=("state['lr']",),
    ),
    Case(
        "state object array",
        save,
        (X, PARAMS, {"m": np.array([None], dtype=object)}),
        error=TypeError,
        names=("state['m']",),
    ),
    Case(
        "state complex array",
        save,
        (X, PARAMS, {"m": np.ones(2, dtype=complex)}),
        error=TypeError,
        names=("state['m']",),
    ),
    Case(
        "state NaN array",
        save,
        (X, PARAMS, {"m": np.array([np.nan])}),
        error=ValueError,
        names=("state['m']",),
    ),
    Case(
        "state inf number",
        save,
        (X, PARAMS, {"lr": float("inf")}),
        error=ValueError,
        names=("state['lr']",),
    ),
    Case("state int key", save, (X, PARAMS, {1: np.ones(2)}), error=ValueError, names=("state",)),
    Case(
        "rng RandomState",
        save,
        (X, PARAMS),
        {"rng": np.random.RandomState(0)},
        error=TypeError,
        names=("rng",),
    ),
    Case("rng seed", save, (X, PARAMS), {"rng": 0}, error=TypeError, names=("rng",)),
    Case("meta list", save, (X, PARAMS), {"meta": [1]}, error=TypeError, names=("meta",)),
    Case(
        "meta int key",
        save,
        (X, PARAMS),
        {"meta": {1: "a"}},
        error=TypeError,
        names=("meta", "key 1", "strings"),
    ),
    Case("meta bool key", save, (X, PARAMS), {"meta": {True: 1}}, error=TypeError, names=("meta",)),
    Case("meta None key", save, (X, PARAMS), {"meta": {None: 1}}, error=TypeError, names=("meta",)),
    Case(
        "meta nested int key",
        save,
        (X, PARAMS),
        {"meta": {"a": {2: 1}}},
        error=TypeError,
        names=("meta['a']",),
    ),
    Case(
        "meta tuple",
        save,
        (X, PARAMS),
        {"meta": {"t": (1, 2)}},
        error=TypeError,
        names=("meta['t']", "list"),
    ),
    Case(
        "meta numpy int",
        save,
        (X, PARAMS),
        {"meta": {"n": np.int64(3)}},
        error=TypeError,
        names=("meta['n']", "item()"),
    ),
    Case(
        "meta numpy bool",
        save,
        (X, PARAMS),
        {"meta": {"b": np.bool_(True)}},
        error=TypeError,
        names=("meta['b']",),
    ),
    Case(
        "meta array",
        save,
        (X, PARAMS),
        {"meta": {"a": np.ones(2)}},
        error=TypeError,
        names=("meta['a']",),
    ),
    Case(
        "meta NaN",
        save,
        (X, PARAMS),
        {"meta": {"loss": float("nan")}},
        error=ValueError,
        names=("meta['loss']",),
    ),
    Case(
        "meta inf in list",
        save,
        (X, PARAMS),
        {"meta": {"h": [1.0, float("inf")]}},
        error=ValueError,
        names=("meta['h'][1]",),
    ),
    Case(
        "meta object",
        save,
        (X, PARAMS),
        {"meta": {"when": object()}},
        error=TypeError,
        names=("meta['when']",),
    ),
    Case(
        "meta set",
        save,
        (X, PARAMS),
        {"meta": {"s": {1, 2}}},
        error=TypeError,
        names=("meta['s']",),
    ),
    Case(
        "meta bytes",
        save,
        (X, PARAMS),
        {"meta": {"b": b"x"}},
        error=TypeError,
        names=("meta['b']",),
    ),
]


@cases(*SAVE_CASES)
def test_save_refuses_each_bad_argument_by_name_and_writes_nothing(case):
    before = sorted(os.listdir(FOLDER))
    assert_refused(case)
    assert sorted(os.listdir(FOLDER)) == before  # no file, no temporary file


def test_save_refuses_a_state_or_meta_that_contains_itself():
    # Outside the catalogue: the harness cannot snapshot a structure that contains itself.
    with pytest.raises(ValueError, match="state is nested too deeply or contains itself"):
        save(X, PARAMS, cyclic())
    with pytest.raises(ValueError, match="meta is nested too deeply or contains itself"):
        save(X, PARAMS, meta=cyclic())
    assert not X.exists()


# ----- bad arguments to load and the callback ---------------------------------------------------

ARGUMENT_CASES = [
    Case("load path None", load, (None,), error=TypeError, names=("path",)),
    Case("load path list", load, ([str(GOOD)],), error=TypeError, names=("path",)),
    Case("load path folder", load, (FOLDER,), error=IsADirectoryError, names=("path",)),
    Case("load path empty", load, ("",), error=ValueError, names=("path", "empty")),
    Case("load missing file", load, (FOLDER / "absent.npz",), error=FileNotFoundError),
    Case("like string", load, (GOOD, "model"), error=TypeError, names=("like",)),
    Case("like class", load, (GOOD, mt.Sequential), error=TypeError, names=("like",)),
    Case(
        "like dict of strings",
        load,
        (GOOD, {"0.W": "abc"}),
        error=TypeError,
        names=("like['0.W']",),
    ),
    Case(
        "like float16",
        load,
        (GOOD, {k: v.astype(np.float16) for k, v in PARAMS.items()}),
        error=TypeError,
        names=("like['0.W']", "float16"),
    ),
    Case("max_bytes zero", load, (GOOD,), {"max_bytes": 0}, error=ValueError, names=("max_bytes",)),
    Case(
        "max_bytes string",
        load,
        (GOOD,),
        {"max_bytes": "1GB"},
        error=TypeError,
        names=("max_bytes",),
    ),
    Case(
        "max_bytes float", load, (GOOD,), {"max_bytes": 1e9}, error=TypeError, names=("max_bytes",)
    ),
    Case(
        "callback misspelt placeholder",
        CheckpointCallback,
        (str(FOLDER / "r-{epoc}.npz"),),
        error=ValueError,
        names=("path", "{epoc}", "{epoch}"),
    ),
    Case(
        "callback positional placeholder",
        CheckpointCallback,
        (str(FOLDER / "r-{}.npz"),),
        error=ValueError,
        names=("path", "{epoch}"),
    ),
    Case(
        "callback bad format",
        CheckpointCallback,
        (str(FOLDER / "r-{epoch:.2s}.npz"),),
        error=ValueError,
        names=("path", "{epoch:03d}"),
    ),
    Case(
        "callback unbalanced brace",
        CheckpointCallback,
        (str(FOLDER / "r-{epoch.npz"),),
        error=ValueError,
        names=("path",),
    ),
    Case(
        "callback placeholder in folder",
        CheckpointCallback,
        (str(FOLDER / "e{epoch}" / "r.npz"),),
        error=ValueError,
        names=("path", "folder"),
    ),
    Case(
        "callback path folder",
        CheckpointCallback,
        (FOLDER,),
        error=IsADirectoryError,
        names=("path", "folder"),
    ),
    Case(
        "callback missing folder",
        CheckpointCallback,
        (FOLDER / "absent" / "r.npz",),
        error=FileNotFoundError,
        names=("path", "does not exist"),
    ),
    Case(
        "callback folder is a file",
        CheckpointCallback,
        (GOOD / "r.npz",),
        error=NotADirectoryError,
        names=("path", "is a file"),
    ),
    Case("callback path None", CheckpointCallback, (None,), error=TypeError, names=("path",)),
    Case(
        "callback every zero",
        CheckpointCallback,
        (FOLDER / "r.npz",),
        {"every": 0},
        error=ValueError,
        names=("every",),
    ),
    Case(
        "callback every float",
        CheckpointCallback,
        (FOLDER / "r.npz",),
        {"every": 1.5},
        error=TypeError,
        names=("every",),
    ),
    Case(
        "callback extra_meta list",
        CheckpointCallback,
        (FOLDER / "r.npz",),
        {"extra_meta": [("a", 1)]},
        error=TypeError,
        names=("extra_meta",),
    ),
    Case(
        "callback extra_meta int key",
        CheckpointCallback,
        (FOLDER / "r.npz",),
        {"extra_meta": {1: "a"}},
        error=TypeError,
        names=("extra_meta",),
    ),
    Case(
        "callback extra_meta reserved key",
        CheckpointCallback,
        (FOLDER / "r.npz",),
        {"extra_meta": {"epoch": 3}},
        error=ValueError,
        names=("extra_meta", "'epoch'"),
    ),
]


@cases(*ARGUMENT_CASES)
def test_load_and_the_callback_refuse_each_bad_argument_by_name(case):
    assert_refused(case)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs a folder nobody can write")
def test_the_callback_refuses_a_folder_it_cannot_write_when_built():
    # /proc refuses new files even to root, where permission bits would not.
    assert_refused(
        Case(
            "unwritable",
            CheckpointCallback,
            ("/proc/r.npz",),
            error=PermissionError,
            names=("path", "not writable"),
        )
    )


def test_the_callback_refuses_an_unsaveable_state_before_the_first_epoch(tmp_path):
    X, y = mt.data.make_blobs(n_samples=20, n_classes=2, n_features=3, seed=0)

    class Scheduled(mt.optim.SGD):  # a state holding a function cannot be stored
        def init(self, params):
            return {**super().init(params), "schedule": lambda step: 0.1}

    class Epochs(mt.callbacks.Callback):
        ended = 0

        def on_epoch_end(self, run):
            Epochs.ended += 1

    saver = CheckpointCallback(tmp_path / "r.npz")
    with pytest.raises(TypeError, match=r"state\['schedule'\]"):
        mt.fit(
            MODEL,
            mt.losses.CrossEntropy(),
            Scheduled(lr=0.1),
            X,
            y,
            epochs=3,
            progress=False,
            callbacks=[saver, Epochs()],
        )
    assert Epochs.ended == 0 and not list(tmp_path.iterdir())


# ----- damaged and foreign files ---------------------------------------------------------------


def npy(descr: str, shape: tuple, data: bytes = b"", version: tuple = (1, 0)) -> bytes:
    """A .npy member with the header given (which need not match ``data``)."""
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode("latin1")
    header += b" " * (63 - (len(header) + 10) % 64) + b"\n"
    size = len(header).to_bytes(2 if version[0] == 1 else 4, "little")
    return b"\x93NUMPY" + bytes(version) + size + header + data


def members(path: Path = GOOD) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def write_zip(path: Path, content: dict[str, bytes] | list, method: int = zipfile.ZIP_STORED):
    items = content.items() if isinstance(content, dict) else content
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate names we write
        with zipfile.ZipFile(path, "w", compression=method) as archive:
            for name, data in items:
                archive.writestr(name, data)


def with_member(name: str, data: bytes, method: int = zipfile.ZIP_STORED):
    return lambda path: write_zip(path, {**members(), name: data}, method)


def with_header(edit):
    """The good checkpoint with its JSON header edited (``edit(header) -> text or None``)."""

    def damage(path):
        with np.load(GOOD) as archive:
            entries = {name: archive[name] for name in archive.files}
        header = json.loads(entries["header"].tobytes())
        text = edit(header)
        text = json.dumps(header) if text is None else text
        entries["header"] = np.frombuffer(text.encode("utf-8", "surrogatepass"), dtype=np.uint8)
        with open(path, "wb") as file:
            np.savez(file, **entries)

    return damage


def flip_data_byte(path):
    content = bytearray(GOOD.read_bytes())
    start = bytes(content).index(PARAMS["2.W"].tobytes())
    content[start + 3] ^= 0x10
    path.write_bytes(bytes(content))


def set_zip_field(offset_in_central: int, value: bytes):
    """Overwrite a field of the first central-directory record (and its local header)."""

    def damage(path):
        content = bytearray(GOOD.read_bytes())
        central = bytes(content).index(b"PK\x01\x02")
        content[central + offset_in_central : central + offset_in_central + len(value)] = value
        local_offset = offset_in_central - 2  # the local header lacks "version made by"
        content[local_offset : local_offset + len(value)] = value
        path.write_bytes(bytes(content))

    return damage


def set_rng(**fields):
    return with_header(lambda h: h["rng"]["state"].update(fields))


def deep_state(header: dict, depth: int = 480) -> str:
    """The header's JSON with a state layout nested ``depth`` lists deep (JSON parses it)."""
    header["state"] = "STATE"
    nested = '{"list": [' * depth + '{"value": 1}' + "]}" * depth
    return json.dumps(header).replace('"STATE"', nested)


def numpy_file(path):
    with open(path, "wb") as file:
        np.save(file, np.ones(3))


DAMAGES = {
    "empty": lambda p: p.write_bytes(b""),
    "truncated": lambda p: p.write_bytes(GOOD.read_bytes()[: GOOD.stat().st_size // 2]),
    "no central directory": lambda p: p.write_bytes(GOOD.read_bytes()[:-22]),
    "png": lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100)),
    "text": lambda p: p.write_bytes(b"epoch,loss\n1,0.5\n"),
    "npy": numpy_file,
    "empty zip": lambda p: write_zip(p, {}),
    "txt member": with_member("notes.txt", b"hello"),
    "duplicate member": lambda p: write_zip(p, [*members().items(), ("header.npy", b"x")]),
    "bad npy magic": with_member("extra.npy", b"\x93NUMPZ\x01\x00" + bytes(64)),
    "bytes member": with_member("header.npy", b"hello"),
    "object dtype": with_member("params/0.b.npy", npy("|O", (4,), bytes(32))),
    "structured dtype": with_member("params/0.b.npy", npy([("a", "<f8")], (4,), bytes(32))),
    "unicode dtype": with_member("params/0.b.npy", npy("<U2", (4,), bytes(32))),
    "complex dtype": with_member("params/0.b.npy", npy("<c16", (4,), bytes(64))),
    "big-endian params": with_member(
        "params/0.b.npy", npy(">f8", (4,), np.zeros(4, dtype=">f8").tobytes())
    ),
    "npy version 3": with_member("params/0.b.npy", npy("<f8", (4,), bytes(32), (3, 0))),
    "negative shape": with_member("params/0.b.npy", npy("<f8", (-4,), bytes(32))),
    "shape larger than data": with_member("params/0.b.npy", npy("<f8", (400,), bytes(32))),
    "shape smaller than data": with_member("params/0.b.npy", npy("<f8", (2,), bytes(32))),
    "flipped data byte": flip_data_byte,
    "encrypted flag": set_zip_field(8, b"\x01\x00"),
    "unknown compression": set_zip_field(10, b"\x63\x00"),
    "header NaN": with_header(lambda h: json.dumps(h).replace('"epoch": 2', '"epoch": NaN')),
    "header 1e999": with_header(lambda h: json.dumps(h).replace('"epoch": 2', '"epoch": 1e999')),
    "header long int": with_header(
        lambda h: json.dumps(h).replace('"epoch": 2', '"epoch": ' + "9" * 5000)
    ),
    "header deep": with_header(lambda h: "[" * 100_000 + "]" * 100_000),
    "header not utf-8": with_header(lambda h: "\udcff{}"),
    "header float array": lambda p: write_zip(
        p, {**members(), "header.npy": npy("<f8", (2,), bytes(16))}
    ),
    "version string": with_header(lambda h: h.update(format_version="1")),
    "version bool": with_header(lambda h: h.update(format_version=True)),
    "meta not a dict": with_header(lambda h: h.update(meta=[1])),
    "rng huge int": set_rng(state=2**200),
    "rng negative int": set_rng(inc=-5),
    "rng wrong keys": set_rng(seed=1),
    "rng float": set_rng(state=1.5),
    "rng name": with_header(lambda h: h["rng"].update(bit_generator="os.system")),
    "rng mt19937 short key": with_header(
        lambda h: h.update(
            rng={
                "bit_generator": "MT19937",
                "state": {"key": {"__array__": "uint32", "data": [1, 2, 3]}, "pos": 0},
            }
        )
    ),
    "params float16 layout": lambda p: write_zip(
        p,
        {
            **members(),
            "params/0.b.npy": npy("<f2", (4,), bytes(8)),
            "header.npy": members_header(lambda h: h["params"][1].__setitem__(2, "float16")),
        },
    ),
    "params key slash": with_header(lambda h: h["params"][0].__setitem__(0, "0/W")),
    "params key repeated": with_header(lambda h: h["params"].append(h["params"][0])),
    "params layout short": with_header(lambda h: h["params"].append(["x", [1]])),
    "state deep": with_header(deep_state),
    "state unknown kind": with_header(lambda h: h.update(state={"pickle": "x"})),
    "state not a dict": with_header(lambda h: h.update(state={"list": []})),
}


def members_header(edit) -> bytes:
    """The good checkpoint's header member after ``edit(header)``."""
    with np.load(GOOD) as archive:
        header = json.loads(archive["header"].tobytes())
    edit(header)
    buffer = io.BytesIO()
    np.save(buffer, np.frombuffer(json.dumps(header).encode(), dtype=np.uint8))
    return buffer.getvalue()


def load_damaged(kind: str, **kwargs):
    path = FOLDER / f"{kind.replace(' ', '-')}.npz"
    DAMAGES[kind](path)
    return load(path, **kwargs)


DAMAGED_CASES = [
    Case(
        kind, load_damaged, (kind,), error=CheckpointError, names=(f"{kind.replace(' ', '-')}.npz",)
    )
    for kind in DAMAGES
]


@cases(*DAMAGED_CASES)
def test_every_damaged_or_foreign_file_is_a_checkpoint_error_naming_it(case):
    assert_refused(case)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_is_refused_without_reading_from_it():
    pipe = FOLDER / "pipe.npz"
    os.mkfifo(pipe)  # opening it for reading would wait for a writer forever
    assert_refused(Case("pipe", load, (pipe,), error=CheckpointError, names=("pipe.npz",)))


def test_loading_like_another_model_is_a_checkpoint_error_naming_the_key():
    other = mt.Sequential([mt.Dense(3, 5), mt.Tanh(), mt.Dense(5, 2)])
    assert_refused(Case("like", load, (GOOD, other), error=CheckpointError, names=("'0.W'",)))


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts descriptors in /proc")
def test_no_file_handle_is_left_open_by_a_refused_file():
    for kind in DAMAGES:  # once, so that lazily opened library files are already open
        with pytest.raises(CheckpointError):
            load_damaged(kind)
    gc.collect()
    before = open_descriptors()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)  # an unclosed file warns when collected
        for kind in DAMAGES:
            with pytest.raises(CheckpointError):
                load_damaged(kind)
        gc.collect()
    assert open_descriptors() == before
    assert [str(w.message) for w in caught if w.category is ResourceWarning] == []


class CountingReads:
    """Counts the bytes read out of zip members (decompressed) while active."""

    def __init__(self, monkeypatch):
        self.total = 0
        original = zipfile.ZipExtFile.read

        def read(member, n=-1):
            data = original(member, n)
            self.total += len(data)
            return data

        monkeypatch.setattr(zipfile.ZipExtFile, "read", read)


BOMB_BYTES = 50_000_000  # 50 MB of zeros deflate to about 50 kB


@pytest.fixture(scope="module")
def bomb_member() -> bytes:
    return bytes(BOMB_BYTES)


def test_a_zip_bomb_is_refused_before_any_member_is_decompressed(monkeypatch, bomb_member):
    path = FOLDER / "bomb.npz"
    data = npy("<f8", (BOMB_BYTES // 8,)) + bomb_member
    write_zip(path, {**members(), "state/extra.npy": data}, zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < BOMB_BYTES / 100
    counter = CountingReads(monkeypatch)
    with pytest.raises(CheckpointError, match="zip bomb"):
        load(path, max_bytes=10_000_000)
    assert counter.total == 0  # refused on the sizes the archive declares


def test_a_member_larger_than_its_header_declares_is_refused_after_its_header(
    monkeypatch, bomb_member
):
    path = FOLDER / "lying-header.npz"
    write_zip(
        path, {**members(), "state/extra.npy": npy("<f8", (4,)) + bomb_member}, zipfile.ZIP_DEFLATED
    )
    counter = CountingReads(monkeypatch)
    with pytest.raises(CheckpointError, match=r"declares shape \(4,\)"):
        load(path)
    assert counter.total < 10_000  # the small members and one .npy header, not 50 MB
