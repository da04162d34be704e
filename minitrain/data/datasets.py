"""Real data sets shipped inside the package, loaded offline with NumPy alone.

Both files are small compressed ``.npz`` archives read with ``allow_pickle=False``; they were
built from the copies bundled with scikit-learn by ``scripts/make_datasets.py``. Sources and
licences are in ``minitrain/data/DATA_LICENSES.md``. Every loader checks the SHA-256 checksum
of the arrays it returns against the value recorded here, so a damaged file fails loudly.
"""

from __future__ import annotations

import hashlib
from importlib import resources

import numpy as np

from .._validate import check_dtype, check_flag, describe

__all__ = ["IRIS_CLASSES", "IRIS_FEATURES", "array_sha256", "load_digits", "load_iris"]

IRIS_FEATURES = ("sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)")
IRIS_CLASSES = ("setosa", "versicolor", "virginica")

# SHA-256 of the float64 features and int64 labels each loader returns (see array_sha256).
CHECKSUMS = {
    "digits": {
        "X": "20def7f70a702f0af9732fbba4375e147a7d54fe70d8c45569b8e7c1c7010c10",
        "y": "a3c91c262eddcf7ba8f0e37507c30284493c9b20412ffe4af30d536401f7ba21",
    },
    "iris": {
        "X": "012f498fe9c8b3b34212c3c5d98e1f03f2f79931cd49349beb1bad64dcf164a7",
        "y": "734737f11162991213afc3a96aa5e8823b2d9cdcfb8992df1e85a0bae44b2395",
    },
}


def array_sha256(a: np.ndarray) -> str:
    """Hex SHA-256 of an array's values: its C-ordered little-endian bytes.

    Two arrays of the same dtype and shape have the same checksum exactly when they are equal
    bit for bit, on any platform.
    """
    if not isinstance(a, np.ndarray) or a.dtype.kind not in "biufc":
        raise TypeError(f"a must be a numeric ndarray; got {describe(a)}.")
    little_endian = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<"))
    return hashlib.sha256(little_endian.tobytes()).hexdigest()


def _read(name: str) -> dict[str, np.ndarray]:
    with resources.files(__package__).joinpath(f"{name}.npz").open("rb") as f:
        with np.load(f, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}


def _verify(name: str, X: np.ndarray, y: np.ndarray) -> None:
    for label, array in (("X", X), ("y", y)):
        expected = CHECKSUMS[name][label]
        if array_sha256(array) != expected:
            raise ValueError(
                f"the shipped {name} data ({label}) does not match its recorded SHA-256 "
                f"{expected}; the package data is damaged: reinstall minitrain."
            )


def _finish(
    name: str, X: np.ndarray, y: np.ndarray, dtype: type, verify: bool
) -> tuple[np.ndarray, np.ndarray]:
    dtype = check_dtype("dtype", dtype)
    if check_flag("verify", verify):
        _verify(name, X, y)
    return X.astype(dtype, copy=False), y


def load_digits(
    *, dtype: type = np.float64, verify: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """The UCI Optical Recognition of Handwritten Digits test set: 1797 8x8 images, 10 classes.

    Each image is a handwritten digit from one of 13 writers, scanned by NIST's form-reading
    software as a 32x32 bitmap and reduced to 8x8 by counting the "on" pixels in each 4x4
    block, so every pixel is an integer count in 0..16 (Alpaydin and Kaynak, 1998). Rows are
    the images flattened row by row; classes are nearly balanced (174 to 183 images each).

    Source: E. Alpaydin and C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine
    Learning Repository (1998), https://doi.org/10.24432/C50P49, licensed CC BY 4.0; taken from
    the copy bundled with scikit-learn.

    Args:
        dtype: float64 (default) or float32 for the pixel values.
        verify: check the arrays against their recorded SHA-256 checksums.

    Returns:
        X: (1797, 64) pixel counts 0.0..16.0 in ``dtype``.
        y: (1797,) int64 digit labels 0..9.
    """
    data = _read("digits")
    X = data["pixels"].astype(np.float64)
    y = data["labels"].astype(np.int64)
    return _finish("digits", X, y, dtype, verify)


def load_iris(*, dtype: type = np.float64, verify: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Fisher's Iris data: 150 flowers, 4 measurements in cm, 3 species of 50 each.

    Columns are ``IRIS_FEATURES`` (sepal length, sepal width, petal length, petal width, in
    cm, given to 0.1 cm) and labels index ``IRIS_CLASSES`` (0 setosa, 1 versicolor,
    2 virginica). Setosa is linearly separable from the other two; versicolor and virginica
    overlap. The values are those of Fisher's paper (the UCI copy has two wrong rows).

    Source: R. A. Fisher, "The use of multiple measurements in taxonomic problems", Annals of
    Eugenics 7 (1936) 179-188; "Iris", UCI Machine Learning Repository (1988),
    https://doi.org/10.24432/C56C76, licensed CC BY 4.0; taken from the copy bundled with
    scikit-learn.

    Args:
        dtype: float64 (default) or float32 for the measurements.
        verify: check the arrays against their recorded SHA-256 checksums.

    Returns:
        X: (150, 4) measurements in cm, in ``dtype``.
        y: (150,) int64 species labels 0..2.
    """
    data = _read("iris")
    X = data["features"].astype(np.float64)
    y = data["labels"].astype(np.int64)
    return _finish("iris", X, y, dtype, verify)
