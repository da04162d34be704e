"""Reading a checkpoint's .npz archive safely: every member checked before its data is read.

A checkpoint is a zip archive of ``.npy`` members (what ``numpy.savez`` writes). A damaged or
hostile file must neither crash the reader with an unrelated exception nor make it allocate or
decompress more than the file declares, so each member is read in this order:

1. the zip's central directory (names, declared sizes): every member must be a ``.npy``, named
   once, and the declared sizes together must stay under ``max_bytes``;
2. the member's ``.npy`` header only (a few hundred bytes, even from a compressed member): its
   dtype must be plain numbers (no object, string, structured or foreign byte-order dtypes)
   and its declared size, ``prod(shape) * itemsize``, must equal what the member holds;
3. then exactly that many bytes, which the zip reader checks against the member's CRC.

Any failure is a ``CheckpointError`` naming the file and the member; the file is closed on
every path.
"""

from __future__ import annotations

import math
import struct
import tokenize
import zipfile
import zlib
from pathlib import Path
from typing import IO

import numpy as np

__all__ = ["MAX_BYTES", "CheckpointError", "read_archive"]

#: The default cap on the total size of a checkpoint's arrays once read (4 GiB): more than any
#: model minitrain trains, far less than a zip bomb declares.
MAX_BYTES = 2**32
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a first member, or an empty archive
NPY_MAGIC = b"\x93NUMPY"
NUMBER_KINDS = "fiub"  # float, signed and unsigned int, bool: what a checkpoint stores

try:  # zipfile reads LZMA members only where Python was built with lzma
    from lzma import LZMAError
except ImportError:  # pragma: no cover - depends on the Python build
    LZMAError = zlib.error

#: What reading a damaged archive raises inside zipfile, zlib and numpy's .npy header parser.
#: (RuntimeError covers an encrypted member, NotImplementedError an unknown compression,
#: SyntaxError and tokenize.TokenError a .npy header that is not a Python literal.)
DAMAGE = (
    SyntaxError,
    tokenize.TokenError,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    OSError,
    ValueError,
    OverflowError,
    RuntimeError,
    NotImplementedError,
    struct.error,
    zlib.error,
    LZMAError,
    KeyError,
    IndexError,
)


class CheckpointError(ValueError):
    """The file is not a valid minitrain checkpoint (corrupt, truncated, tampered or foreign)."""


def read_archive(path: Path, max_bytes: int = MAX_BYTES) -> dict[str, np.ndarray]:
    """Every member of the .npz at ``path`` as ``{name without .npy: array}``, read safely.

    FileNotFoundError, IsADirectoryError and PermissionError come from opening the file; every
    problem with its content is a ``CheckpointError``.
    """
    if path.exists() and not path.is_dir() and not path.is_file():  # a FIFO would block
        raise CheckpointError(f"{path} is not a regular file (a pipe or a device).")
    with open(path, "rb") as file:
        start = file.read(len(NPY_MAGIC))
        if start.startswith(NPY_MAGIC):
            raise CheckpointError(f"{path} is a single .npy array, not a checkpoint archive.")
        if start[:4] not in ZIP_MAGIC:
            raise CheckpointError(
                f"{path} is not a .npz archive (it starts with {start[:4]!r}, not a zip "
                "signature); it is truncated, corrupt or not a minitrain checkpoint."
            )
        file.seek(0)
        try:
            with zipfile.ZipFile(file) as archive:
                return _read_members(path, archive, max_bytes)
        except CheckpointError:
            raise
        except DAMAGE as error:
            raise CheckpointError(
                f"{path} is corrupt or truncated ({type(error).__name__}: {error})."
            ) from None


def _read_members(
    path: Path, archive: zipfile.ZipFile, max_bytes: int
) -> dict[str, np.ndarray]:
    infos = archive.infolist()
    names = [info.filename for info in infos]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise CheckpointError(f"{path} names the member(s) {repeated} more than once: tampered.")
    foreign = [name for name in names if not name.endswith(".npy")]
    if foreign:
        raise CheckpointError(
            f"{path} holds member(s) {foreign[:5]} that are not .npy arrays: it is not a "
            "minitrain checkpoint."
        )
    declared = sum(info.file_size for info in infos)
    if declared > max_bytes:
        raise CheckpointError(
            f"{path} declares {declared} bytes of arrays, more than max_bytes={max_bytes}; "
            "it is corrupt or a zip bomb (pass a larger max_bytes if you trust it)."
        )
    entries = {}
    for info in infos:
        with archive.open(info) as member:
            entries[info.filename[: -len(".npy")]] = _read_npy(path, info, member)
    return entries


def _read_npy(path: Path, info: zipfile.ZipInfo, member: IO[bytes]) -> np.ndarray:
    """One .npy member: header first, its declared size checked, then exactly that data."""
    where = f"{path}: member {info.filename!r}"
    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(member)
    elif version == (2, 0):
        shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(member)
    else:
        raise CheckpointError(f"{where} has .npy format version {version}, not 1.0 or 2.0.")
    if dtype.kind not in NUMBER_KINDS or not dtype.isnative:
        raise CheckpointError(
            f"{where} has dtype {dtype}; a checkpoint holds only native-order numbers (no "
            "objects, strings or records): it is corrupt, tampered or foreign."
        )
    if any(n < 0 for n in shape):
        raise CheckpointError(f"{where} declares the impossible shape {shape}.")
    data_bytes = math.prod(shape) * dtype.itemsize
    offset = member.tell()
    if offset + data_bytes != info.file_size:
        raise CheckpointError(
            f"{where} declares shape {shape} of {dtype} ({data_bytes} bytes) but holds "
            f"{info.file_size - offset} bytes of data: corrupt or tampered."
        )
    data = member.read(data_bytes)  # the zip reader verifies the CRC on reaching the end
    if len(data) != data_bytes:
        raise CheckpointError(f"{where} is truncated: {len(data)} of {data_bytes} bytes.")
    array = np.frombuffer(bytearray(data), dtype=dtype)  # a writable copy, no pickle
    return array.reshape(shape, order="F" if fortran_order else "C")
