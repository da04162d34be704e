"""The catalogue harness itself can fail: it catches a mutated input, a silent warning, a
message that does not name the argument and an exception of the wrong type."""

import warnings

import numpy as np
import pytest
from bad_inputs import Case, assert_fails_cleanly, assert_refused, junk
from hypothesis import given


def _refuse_after(effect):
    def call(x):
        effect(x)
        raise ValueError("x is bad")

    return call


def test_a_refusal_that_names_its_argument_and_leaves_inputs_alone_passes():
    error = assert_refused(Case("ok", _refuse_after(lambda x: None), (np.ones(3),), names=("x",)))
    assert str(error) == "x is bad"


@pytest.mark.parametrize(
    "case",
    [
        Case("mutates", _refuse_after(lambda x: x.__setitem__(0, 2.0)), (np.ones(3),)),
        Case("warns", _refuse_after(lambda x: warnings.warn("w", stacklevel=1)), (np.ones(3),)),
        Case("wrong name", _refuse_after(lambda x: None), (np.ones(3),), names=("X_val",)),
        Case("wrong type", _refuse_after(lambda x: None), (np.ones(3),), error=TypeError),
        Case("nested dict mutated", _refuse_after(lambda p: p["a"].fill(0)), ({"a": np.ones(2)},)),
    ],
    ids=lambda case: case.id,
)
def test_the_harness_catches_each_broken_promise(case):
    with pytest.raises((AssertionError, pytest.fail.Exception, ValueError)):
        assert_refused(case)


def test_fuzz_check_lets_only_the_allowed_errors_through():
    assert_fails_cleanly(_refuse_after(lambda x: None), np.ones(2))
    with pytest.raises(ZeroDivisionError):
        assert_fails_cleanly(lambda x: 1 / 0, np.ones(2))
    with pytest.raises(AssertionError):
        assert_fails_cleanly(lambda x: x.fill(3.0), np.ones(2))


@given(junk())
def test_junk_values_are_snapshotted_and_compared(value):
    assert_fails_cleanly(lambda v: None, value)
