"""The shared boundary checks: each accepts what it documents and refuses the rest by name."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minitrain import _validate as v


@given(st.sampled_from([np.float16, np.longdouble, np.complex64]))
def test_only_float32_and_float64_are_computed_in(dtype):
    assert v.check_float_dtype("X", np.float32) == np.float32
    assert v.check_float_dtype("X", np.float64) == np.float64
    if np.dtype(dtype) in v.FLOAT_DTYPES:  # longdouble is float64 on some platforms
        return
    with pytest.raises(TypeError, match=r"X has dtype .*astype\(np.float32\)"):
        v.check_float_dtype("X", dtype)


def test_float16_arrays_and_params_are_refused_with_the_conversion():
    with pytest.raises(TypeError, match=r"X has dtype float16.*X.astype\(np.float32\)"):
        v.as_float_array("X", np.ones((2, 2), np.float16))
    with pytest.raises(TypeError, match=r"params\['0.W'\] has dtype float16"):
        v.check_params("params", {"0.W": np.ones(2, np.float16)})


@given(st.booleans())
def test_flags_are_bools_only(flag):
    assert v.check_flag("shuffle", flag) is flag
    assert v.check_flag("shuffle", np.bool_(flag)) is flag


@pytest.mark.parametrize("value", ["no", "False", 1, 0, None, 1.0, np.array([True])])
def test_truthy_non_bools_are_not_taken_as_flags(value):
    with pytest.raises(TypeError, match="shuffle must be True or False"):
        v.check_flag("shuffle", value)


@given(st.integers(0, 2**64))
def test_non_negative_ints_are_seeds(seed):
    assert v.check_seed("seed", seed) == seed
    assert v.check_seed("seed", np.uint64(seed % 2**64)) == seed % 2**64


@given(st.integers(max_value=-1))
def test_negative_seeds_are_refused_by_value(seed):
    with pytest.raises(ValueError, match=f"seed must be an int >= 0.*got {seed}"):
        v.check_seed("seed", seed)


@pytest.mark.parametrize("seed", [None, 1.0, "0", True, [0]])
def test_seeds_that_are_not_ints_are_refused_by_type(seed):
    with pytest.raises(TypeError, match="seed must be an int >= 0"):
        v.check_seed("seed", seed)
    assert v.check_seed("seed", None, allow_none=True) is None


@given(st.lists(st.sampled_from(["0.W", "0.b", "2.W", "2.b"]), unique=True))
def test_distinct_known_keys_come_back_as_a_list_in_order(keys):
    assert v.check_keys("keys", tuple(keys), ["0.W", "0.b", "2.W", "2.b"]) == keys


@pytest.mark.parametrize(
    ("keys", "error", "message"),
    [
        ("0.W", TypeError, "keys must be a list of key names"),
        (None, TypeError, "keys must be a list of key names"),
        ({"0.W": 1}, TypeError, "keys must be a list of key names"),
        ([0], TypeError, "keys must hold key names"),
        (["0.W", "0.W"], ValueError, r"keys names \['0.W'\] more than once"),
        (["1.W"], ValueError, r"keys has unknown key\(s\) \['1.W'\]"),
    ],
)
def test_bad_key_lists_are_refused(keys, error, message):
    with pytest.raises(error, match=message):
        v.check_keys("keys", keys, ["0.W", "0.b"])


def test_a_class_is_refused_with_the_call_to_make():
    class Step:
        pass

    assert isinstance(v.check_instance("step", Step(), Step, "Step()"), Step)
    with pytest.raises(TypeError, match=r"got the class Step itself: call it, Step\(...\)"):
        v.check_instance("step", Step, Step, "Step()")
    with pytest.raises(TypeError, match=r"step must be an instance such as Step\(\)"):
        v.check_instance("step", 3, Step, "Step()")


@given(st.integers(0, 6), st.integers(0, 6))
def test_lengths_must_match_the_rows(found, expected):
    values = np.zeros(found)
    if found == expected:
        v.check_length("node", values, expected, of="X")
    else:
        expected_message = f"node must have one entry per row of X \\({expected}\\)"
        with pytest.raises(ValueError, match=expected_message):
            v.check_length("node", values, expected, of="X")
    with pytest.raises(ValueError, match="got a scalar"):
        v.check_length("node", 3, expected, of="X")


def test_duck_typed_objects_need_every_method_and_classes_are_refused():
    class Splitter:
        def split(self):
            return iter(())

        def get_n_splits(self):
            return 0

    splitter = Splitter()
    assert v.check_methods("cv", splitter, ("split", "get_n_splits"), "a splitter") is splitter
    with pytest.raises(TypeError, match=r"cv must be a splitter; got the class Splitter itself"):
        v.check_methods("cv", Splitter, ("split",), "a splitter")
    with pytest.raises(TypeError, match=r"cv must be a splitter; got a object, which has no "
                                        r"split\(\), get_n_splits\(\)"):
        v.check_methods("cv", object(), ("split", "get_n_splits"), "a splitter")
    with pytest.raises(TypeError, match=r"opt must be a stepper .*call it, Adam\(...\)"):
        v.check_stepper("opt", __import__("minitrain").optim.Adam)
