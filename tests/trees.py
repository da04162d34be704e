"""Comparing nested dicts of arrays bit for bit (checkpoint round trips)."""

import numpy as np


def assert_trees_identical(a, b):
    """Same structure, same types, arrays equal bit for bit with the same dtype."""
    assert type(a) is type(b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            assert_trees_identical(a[key], b[key])
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert a.tobytes() == b.tobytes()  # bit-exact, including the sign of zeros
    else:
        assert a == b
