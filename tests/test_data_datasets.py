"""The shipped data sets load offline with their documented shapes, classes and checksums."""

from importlib import resources

import numpy as np
import pytest

import minitrain as mt
from minitrain.data.datasets import CHECKSUMS, array_sha256


def test_digits_have_documented_shape_values_classes_and_checksums():
    X, y = mt.data.load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 16.0
    assert np.array_equal(X, np.round(X))  # pixel counts are integers stored as floats
    counts = np.bincount(y)
    assert counts.size == 10 and counts.min() == 174 and counts.max() == 183
    assert array_sha256(X) == CHECKSUMS["digits"]["X"]
    assert array_sha256(y) == CHECKSUMS["digits"]["y"]


def test_iris_has_documented_shape_values_classes_and_checksums():
    X, y = mt.data.load_iris()
    assert X.shape == (150, 4) and X.dtype == np.float64
    assert y.shape == (150,) and y.dtype == np.int64
    assert np.array_equal(np.bincount(y), [50, 50, 50])
    assert np.array_equal(X.min(axis=0), [4.3, 2.0, 1.0, 0.1])
    assert np.array_equal(X.max(axis=0), [7.9, 4.4, 6.9, 2.5])
    assert array_sha256(X) == CHECKSUMS["iris"]["X"]
    assert array_sha256(y) == CHECKSUMS["iris"]["y"]


def test_iris_names_in_the_archive_match_the_module_constants():
    with resources.files("minitrain.data").joinpath("iris.npz").open("rb") as f:
        with np.load(f, allow_pickle=False) as archive:
            assert tuple(archive["feature_names"]) == mt.data.IRIS_FEATURES
            assert tuple(archive["class_names"]) == mt.data.IRIS_CLASSES


@pytest.mark.parametrize("loader", [mt.data.load_digits, mt.data.load_iris])
def test_float32_loading_keeps_values_and_returns_fresh_arrays(loader):
    X64, _ = loader()
    X32, y32 = loader(dtype=np.float32)
    assert X32.dtype == np.float32 and y32.dtype == np.int64
    np.testing.assert_array_equal(X32, X64.astype(np.float32))
    X64[0, 0] = -1.0  # a caller editing one result must not change the next load
    assert loader()[0][0, 0] != -1.0


def test_checksum_sees_one_changed_bit_and_ignores_byte_order():
    X, _ = mt.data.load_iris()
    changed = X.copy()
    changed[0, 0] = np.nextafter(changed[0, 0], np.inf)
    assert array_sha256(changed) != array_sha256(X)
    assert array_sha256(X.astype(">f8")) == array_sha256(X)  # byte order does not matter


def test_unknown_dtype_is_refused_with_the_choices():
    with pytest.raises(TypeError, match=r"dtype must be a floating dtype, np.float32 or np.f"):
        mt.data.load_digits(dtype=np.int64)


def test_damaged_data_fails_checksum(monkeypatch):
    monkeypatch.setitem(CHECKSUMS, "iris", {"X": "0" * 64, "y": CHECKSUMS["iris"]["y"]})
    with pytest.raises(ValueError, match=r"iris data \(X\) does not match its recorded SHA-256"):
        mt.data.load_iris()
