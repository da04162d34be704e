"""Build the data files shipped in ``minitrain/data/`` from the copies bundled with scikit-learn.

Run once, by hand, when the shipped files must be rebuilt (scikit-learn is needed here only;
the package reads the ``.npz`` files with NumPy alone)::

    .venv/bin/python scripts/make_datasets.py

Sources (both CC BY 4.0, see ``minitrain/data/DATA_LICENSES.md``):

- ``digits.csv.gz``: the test set of the UCI "Optical Recognition of Handwritten Digits"
  data set (Alpaydin and Kaynak, 1998): 1797 rows of 64 pixel counts in 0..16, then the label.
- ``iris.csv``: Fisher's Iris data (1936) as printed in his paper (the UCI copy has two wrong
  rows); a header line "150,4,setosa,versicolor,virginica", then 4 measurements and the label.

The script prints the SHA-256 checksums of the arrays the loaders return; they are recorded in
``minitrain/data/datasets.py`` and checked by the tests.
"""

from __future__ import annotations

import gzip
from importlib import resources
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "minitrain" / "data"


def sklearn_data_file(name: str) -> Path:
    """Path of a data file bundled in the installed scikit-learn."""
    return Path(str(resources.files("sklearn.datasets") / "data" / name))


def build_digits() -> None:
    with gzip.open(sklearn_data_file("digits.csv.gz"), "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    pixels, labels = table[:, :-1], table[:, -1]
    assert pixels.shape == (1797, 64) and pixels.min() == 0 and pixels.max() == 16
    np.savez_compressed(
        OUT / "digits.npz", pixels=pixels.astype(np.uint8), labels=labels.astype(np.uint8)
    )


def build_iris() -> None:
    path = sklearn_data_file("iris.csv")
    header = path.read_text().splitlines()[0].split(",")
    table = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64)
    features, labels = table[:, :4], table[:, 4].astype(np.int64)
    assert features.shape == (150, 4) and np.array_equal(np.bincount(labels), [50, 50, 50])
    np.savez_compressed(
        OUT / "iris.npz",
        features=features,
        labels=labels.astype(np.uint8),
        feature_names=np.array(
            ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
        ),
        class_names=np.array(header[2:]),
    )


if __name__ == "__main__":
    build_digits()
    build_iris()
    import sys

    sys.path.insert(0, str(OUT.parent.parent))
    from minitrain.data.datasets import array_sha256, load_digits, load_iris

    for name, loader in (("digits", load_digits), ("iris", load_iris)):
        X, y = loader(verify=False)
        print(f"{name}: X {X.shape} {X.dtype} sha256 {array_sha256(X)}")
        print(f"{name}: y {y.shape} {y.dtype} sha256 {array_sha256(y)}")
