"""The checkpoint file: parameters, optimizer state, a random generator and metadata in one
.npz file.

    checkpoint.save("run.npz", params, state=opt_state, rng=rng, meta={"epoch": 3})
    ckpt = checkpoint.load("run.npz", like=model)      # Checkpoint(params, state, rng, meta)
    fit(..., params=ckpt.params, opt_state=ckpt.state, initial_epoch=ckpt.meta["epoch"])

The file is a plain NumPy .npz archive that loads WITHOUT pickle:

    header             uint8 array: UTF-8 JSON with the format name and version, the
                       minitrain version, the layout of params and state, the generator's
                       bit_generator.state and the user's meta
    params/<key>       one array per parameter, dtype kept (float32 stays float32)
    state/<slot>/<key> one array per array in the optimizer state (nested dicts are paths);
                       numbers (step, lr) are stored in the header, numpy scalars as 0-d arrays

``save`` writes a temporary file in the same folder, flushes and fsyncs it, renames it over
``path`` with ``os.replace`` (atomic) and fsyncs the folder, so ``path`` is always either the
old checkpoint or the new one. ``load`` checks everything (archive integrity via the zip CRC,
entries, keys, shapes, dtypes, finiteness, format version) before returning anything, and
raises ``CheckpointError`` for any corrupt, truncated, tampered or foreign file. Each member's
.npy header is read and its declared size checked against the member and a cap before its
data is read (``archive``), so a zip bomb is refused without being unpacked; the generator
state is checked against the layout of its kind (``generator``).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__
from .._types import Params
from .._validate import FLOAT_DTYPES, check_int, check_params, describe
from ..layers import Sequential
from .archive import MAX_BYTES, CheckpointError, read_archive
from .generator import decode_generator, encode_generator

__all__ = ["FORMAT", "FORMAT_VERSION", "MAX_BYTES", "Checkpoint", "CheckpointError", "load", "save"]

FORMAT = "minitrain-checkpoint"
FORMAT_VERSION = 1
HEADER = "header"


@dataclass
class Checkpoint:
    """What ``load`` returns. ``rng`` is a restored ``np.random.Generator`` (or None)."""

    params: Params
    state: dict[str, Any] | None = None
    rng: np.random.Generator | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    minitrain_version: str = ""


# ----- encoding -------------------------------------------------------------------------------


def _check_key(where: str, key: Any) -> str:
    if not isinstance(key, str) or not key or "/" in key:
        raise ValueError(
            f"{where} has key {key!r}; checkpoint keys must be non-empty strings without '/'."
        )
    return key


def _encode_state(node: Any, path: list[str], entries: dict[str, np.ndarray]) -> Any:
    """The JSON description of a state tree; its arrays go into ``entries``."""
    where = "state" + "".join(f"[{p!r}]" for p in path)
    if isinstance(node, Mapping):
        items = [
            [_check_key(where, k), _encode_state(v, [*path, k], entries)] for k, v in node.items()
        ]
        return {"dict": items}
    if isinstance(node, (list, tuple)):
        kind = "tuple" if isinstance(node, tuple) else "list"
        return {kind: [_encode_state(v, [*path, str(i)], entries) for i, v in enumerate(node)]}
    if isinstance(node, (np.ndarray, np.generic)):
        array = np.asarray(node)
        if array.dtype.kind not in "fiub":
            raise TypeError(f"{where} must hold numbers; got {describe(node)}.")
        if array.dtype.kind == "f" and not np.isfinite(array).all():
            raise ValueError(f"{where} contains NaN or infinite values; refusing to save it.")
        name = "state/" + "/".join(path)
        entries[name] = array
        return {"array" if isinstance(node, np.ndarray) else "scalar": name}
    if node is None or isinstance(node, (bool, str)):
        return {"value": node}
    if isinstance(node, (Integral, Real)):
        if not np.isfinite(node):
            raise ValueError(f"{where} is {node!r}; refusing to save a non-finite number.")
        return {"value": int(node) if isinstance(node, Integral) else float(node)}
    raise TypeError(
        f"{where} is {describe(node)}; a checkpoint stores numbers, strings, arrays and dicts "
        "of them (a learning-rate schedule lives in the stepper, not the state)."
    )


def _check_meta(where: str, value: Any) -> None:
    """Refuse what JSON would store as something else (a non-str key, a tuple, a NumPy int)."""
    if value is None or isinstance(value, (bool, str, int)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where} is {value!r}; meta stores finite numbers only.")
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check_meta(f"{where}[{i}]", item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(
                    f"{where} has the key {key!r} ({type(key).__name__}); meta keys must be "
                    f"strings (JSON would bring it back as the string {json.dumps(str(key))}), "
                    f"e.g. {str(key)!r}."
                )
            _check_meta(f"{where}[{key!r}]", item)
        return
    hint = (
        "use a list (a tuple would come back as a list)"
        if isinstance(value, tuple)
        else "convert it, e.g. value.item() for a NumPy number"
        if isinstance(value, np.generic)
        else "store it in the state or as a string"
    )
    raise TypeError(
        f"{where} is {describe(value)}; meta must be JSON-serialisable exactly as given: "
        f"None, bool, int, finite float, str, and lists and dicts (str keys) of them: {hint}."
    )


def check_meta(name: str, meta: Any) -> dict[str, Any]:
    """Return ``meta`` as a new dict if ``save`` can store it exactly as given, else raise."""
    meta = {} if meta is None else meta
    if not isinstance(meta, Mapping):
        raise TypeError(f"{name} must be a dict with str keys or None; got {describe(meta)}.")
    try:
        _check_meta(name, dict(meta))
        return json.loads(json.dumps(dict(meta)))  # a deep copy, equal to what load returns
    except RecursionError:
        raise ValueError(f"{name} is nested too deeply or contains itself.") from None


def encode(params: Any, state: Any, rng: Any, meta: Any) -> dict[str, np.ndarray]:
    """Validate what ``save`` was given and return the archive's entries."""
    check_params("params", params)
    entries: dict[str, np.ndarray] = {}
    layout = []
    for key, value in params.items():
        _check_key("params", key)
        if not np.isfinite(value).all():
            raise ValueError(
                f"params[{key!r}] contains NaN or infinite values; a checkpoint must be "
                "loadable, so it is not saved (keep the last finite params)."
            )
        entries[f"params/{key}"] = value
        layout.append([key, list(value.shape), str(value.dtype)])
    if state is not None and not isinstance(state, Mapping):
        raise TypeError(f"state must be a dict (opt.init(params)) or None; got {describe(state)}.")
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator or None; got {describe(rng)}.")
    meta = check_meta("meta", meta)
    try:
        encoded_state = None if state is None else _encode_state(state, [], entries)
    except RecursionError:
        raise ValueError("state is nested too deeply or contains itself.") from None
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "minitrain_version": __version__,
        "params": layout,
        "state": encoded_state,
        "rng": None if rng is None else encode_generator(rng),
        "meta": meta,
    }
    text = json.dumps(header, allow_nan=False)
    entries[HEADER] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    return entries


# ----- writing --------------------------------------------------------------------------------


def _fsync_directory(folder: Path) -> None:
    """Make the rename durable (POSIX); skipped where directories cannot be opened."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):  # some filesystems refuse fsync on a directory
            os.fsync(fd)
    finally:
        os.close(fd)


def save(
    path: str | os.PathLike,
    params: Params,
    state: dict[str, Any] | None = None,
    rng: np.random.Generator | None = None,
    meta: dict[str, Any] | None = None,
) -> Path:
    """Write a checkpoint atomically to ``path`` (the name is used as given) and return it.

    params: a dict of float32/float64 arrays with str keys (no ``/``), all finite. state: a
    dict (``opt.init(params)``) of arrays, numbers, strings, None, and lists, tuples and dicts
    (str keys) of them, or None. rng: a ``numpy.random.Generator`` or None. meta: a dict of
    what JSON stores exactly: str keys at every level; values None, bool, int, finite float,
    str, and lists and dicts of them. A non-str key, a tuple or a NumPy scalar in meta is
    refused (TypeError), not converted, so ``load`` returns exactly the meta that was saved.

    Everything is validated before the disk is touched. The archive is written to a temporary
    file next to ``path``, flushed and fsynced, then renamed over ``path``; if anything fails,
    the temporary file is removed and an existing checkpoint at ``path`` is left intact.
    """
    path = _check_path(path)
    entries = encode(params, state, rng, meta)
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(
            f"the folder of path {str(path)!r} does not exist; create it first."
        )
    temporary = folder / f".{path.name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(
        temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666
    )
    try:
        with os.fdopen(fd, "wb") as file:
            np.savez(file, **entries)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(folder)
    return path


# ----- reading --------------------------------------------------------------------------------


def _parse_number(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the non-finite number {text}")
    return value


def _refuse_constant(name: str) -> None:
    raise ValueError(f"the non-finite constant {name}")


def _read_header(path: Path, entries: dict[str, np.ndarray]) -> dict[str, Any]:
    raw = entries.get(HEADER)
    if raw is None or raw.dtype != np.uint8 or raw.ndim != 1:
        raise CheckpointError(f"{path} has no minitrain header: it is not a minitrain checkpoint.")
    try:
        header = json.loads(
            raw.tobytes().decode("utf-8"),
            parse_float=_parse_number,
            parse_constant=_refuse_constant,
        )
    except (UnicodeDecodeError, ValueError, RecursionError) as error:  # JSONDecodeError too
        raise CheckpointError(f"{path} has an unreadable header: {error}") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a minitrain checkpoint (format {FORMAT!r}).")
    version = header.get("format_version")
    if type(version) is not int or version < 1:
        raise CheckpointError(f"{path} has an invalid format version {version!r}.")
    if version > FORMAT_VERSION:
        raise CheckpointError(
            f"{path} has format version {version}, newer than this minitrain reads "
            f"({FORMAT_VERSION}); upgrade minitrain."
        )
    for name, kind in (("params", list), ("meta", dict), ("minitrain_version", str)):
        if not isinstance(header.get(name), kind):
            raise CheckpointError(f"{path} has a malformed header: {name!r} is missing or invalid.")
    return header


def _take(path: Path, remaining: dict[str, np.ndarray], name: str, kinds: str) -> np.ndarray:
    """Remove entry ``name`` from ``remaining`` and check it holds finite numbers of ``kinds``."""
    if name not in remaining:
        raise CheckpointError(f"{path} does not match its header: entry {name!r} is missing.")
    array = remaining.pop(name)
    if array.dtype.kind not in kinds:
        raise CheckpointError(f"{path}: entry {name!r} has dtype {array.dtype}, not a number.")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise CheckpointError(f"{path}: entry {name!r} contains NaN or infinite values.")
    return array


def _decode_params(path: Path, header: dict[str, Any], remaining: dict[str, np.ndarray]) -> Params:
    params: Params = {}
    for item in header["params"]:
        if not (isinstance(item, list) and len(item) == 3 and isinstance(item[0], str)):
            raise CheckpointError(f"{path} has a malformed params layout entry {item!r}.")
        key, shape, dtype = item
        if not key or "/" in key or key in params:
            raise CheckpointError(f"{path} has an invalid or repeated params key {key!r}.")
        name = f"params/{key}"
        array = _take(path, remaining, name, "f")
        if array.dtype not in FLOAT_DTYPES:
            raise CheckpointError(
                f"{path}: params[{key!r}] is {array.dtype}; minitrain's parameters are float32 "
                "or float64, so the file is tampered or foreign."
            )
        if list(array.shape) != shape or str(array.dtype) != dtype:
            raise CheckpointError(
                f"{path}: params[{key!r}] is {array.dtype} {array.shape} but the header says "
                f"{dtype} {tuple(shape)}."
            )
        params[key] = array
    return params


def _decode_state(path: Path, node: Any, remaining: dict[str, np.ndarray]) -> Any:
    if not (isinstance(node, dict) and len(node) == 1):
        raise CheckpointError(f"{path} has a malformed state layout near {node!r}.")
    ((kind, value),) = node.items()
    if kind == "dict" and isinstance(value, list):
        if not all(isinstance(i, list) and len(i) == 2 and isinstance(i[0], str) for i in value):
            raise CheckpointError(f"{path} has a malformed state dict layout.")
        return {k: _decode_state(path, v, remaining) for k, v in value}
    if kind in ("list", "tuple") and isinstance(value, list):
        items = [_decode_state(path, v, remaining) for v in value]
        return tuple(items) if kind == "tuple" else items
    if kind in ("array", "scalar") and isinstance(value, str) and value.startswith("state/"):
        array = _take(path, remaining, value, "fiub")
        if kind == "scalar":
            if array.ndim != 0:
                raise CheckpointError(f"{path}: entry {value!r} should be 0-d.")
            return array[()]
        return array
    if kind == "value" and (value is None or isinstance(value, (bool, int, float, str))):
        return value
    raise CheckpointError(f"{path} has a malformed state layout entry {node!r}.")


def _check_like(path: Path, params: Params, like: Any) -> None:
    if isinstance(like, Sequential):
        shapes, dtypes = like.param_shapes(), {}
    elif isinstance(like, Mapping):
        shapes = {k: np.shape(v) for k, v in like.items()}
        dtypes = {k: np.asarray(v).dtype for k, v in like.items()}
    else:
        raise TypeError(f"like must be params (a dict) or a mt.Sequential; got {describe(like)}.")
    missing, unexpected = (
        [k for k in shapes if k not in params],
        [k for k in params if k not in shapes],
    )
    if missing or unexpected:
        raise CheckpointError(
            f"{path} holds the params of another model: missing {missing}, unexpected {unexpected}."
        )
    for key, shape in shapes.items():
        if params[key].shape != tuple(shape):
            raise CheckpointError(
                f"{path}: params[{key!r}] has shape {params[key].shape} but the model expects "
                f"{tuple(shape)}; it is a checkpoint of another model."
            )
        if key in dtypes and params[key].dtype != dtypes[key]:
            raise CheckpointError(
                f"{path}: params[{key!r}] is {params[key].dtype} but like has {dtypes[key]}; "
                "minitrain does not cast silently."
            )


def _check_path(path: Any) -> Path:
    """``path`` as a Path naming a file (not a folder), or raise naming it."""
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or pathlib.Path; got {describe(path)}.")
    if not os.fspath(path):
        raise ValueError("path is empty; name a file, e.g. 'run.npz'.")
    path = Path(path)
    if not path.name or path.is_dir():
        raise IsADirectoryError(
            f"path {str(path)!r} is a folder; name a file in it, e.g. {str(path / 'run.npz')!r}."
        )
    return path


def _check_like_argument(like: Any) -> None:
    if isinstance(like, Sequential) or like is None:
        return
    if isinstance(like, Mapping):
        check_params("like", like)
        return
    raise TypeError(
        f"like must be params (a dict of arrays), a mt.Sequential or None; got {describe(like)}."
    )


def load(
    path: str | os.PathLike, like: Any = None, *, max_bytes: int = MAX_BYTES
) -> Checkpoint:
    """Read and validate a checkpoint written by ``save``; nothing is returned unless all is valid.

    Raises ``CheckpointError`` (a ValueError) for a corrupt, truncated, tampered or foreign
    file, and FileNotFoundError if there is no file. With ``like`` (params, or a Sequential),
    the keys and shapes (and, for params, dtypes) must match, naming the first key that does
    not. No pickle is ever loaded. ``max_bytes`` caps the total size of the arrays the file
    declares (checked before any is read or decompressed): a zip bomb is refused, not unpacked.
    """
    path = _check_path(path)
    _check_like_argument(like)
    max_bytes = check_int("max_bytes", max_bytes, minimum=1)
    entries = read_archive(path, max_bytes)
    header = _read_header(path, entries)
    remaining = {name: array for name, array in entries.items() if name != HEADER}
    try:
        params = _decode_params(path, header, remaining)
        state = header.get("state")
        state = None if state is None else _decode_state(path, state, remaining)
    except RecursionError:
        raise CheckpointError(f"{path} has a state layout nested too deeply.") from None
    if state is not None and not isinstance(state, dict):
        raise CheckpointError(f"{path}: the state must be a dict.")
    if remaining:
        raise CheckpointError(
            f"{path} does not match its header: unexpected entries {sorted(remaining)}."
        )
    rng = decode_generator(path, header.get("rng"))
    if like is not None:
        _check_like(path, params, like)
    return Checkpoint(
        params, state, rng, header["meta"], header["format_version"], header["minitrain_version"]
    )
