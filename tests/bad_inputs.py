"""What every bad-input catalogue and fuzz test checks, written once.

A catalogue case is a call that must be refused. ``assert_refused`` runs it and checks the four
promises of the README's Guarantees: the exception has the expected type, its message names the
argument, every input (arrays, params dicts, optimizer states, lists) is bit-identical after the
call, and no warning was emitted on the way.

A fuzz test draws arbitrary values (``junk``) into one argument of a public callable;
``assert_fails_cleanly`` allows only a normal return or ``ValueError``/``TypeError`` (and the
package's own error types, which subclass them or are listed), again with the inputs unchanged.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st


@dataclass
class Case:
    """One call that must be refused: ``call(*args, **kwargs)`` raises ``error`` naming ``names``.

    ``names``: strings the message must contain (the argument's name, and where it matters the
    value that arrived or the fix). ``id`` labels the parametrized test.
    """

    id: str
    call: Callable[..., Any]
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    error: type[BaseException] | tuple[type[BaseException], ...] = (ValueError, TypeError)
    names: tuple[str, ...] = ()


def cases(*catalogue: Case) -> Any:
    """``pytest.mark.parametrize`` over a catalogue, each case labelled by its id."""
    ids = [case.id for case in catalogue]
    assert len(set(ids)) == len(ids), "case ids must be unique"
    return pytest.mark.parametrize("case", catalogue, ids=ids)


def snapshot(value: Any) -> Any:
    """A deep copy of everything reachable through dicts, lists, tuples and arrays."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, Mapping):
        return {key: snapshot(item) for key, item in value.items()}
    if isinstance(value, list):
        return [snapshot(item) for item in value]
    if isinstance(value, tuple):
        return tuple(snapshot(item) for item in value)
    try:
        return copy.deepcopy(value)
    except Exception:  # an object that cannot be copied (a lock, a module): compared by identity
        return value


def assert_unchanged(before: Any, after: Any, where: str = "input") -> None:
    """Every array reachable from ``after`` has the bytes, dtype and shape of ``before``."""
    if isinstance(before, np.ndarray):
        assert isinstance(after, np.ndarray), f"{where} is no longer an array"
        assert before.dtype == after.dtype and before.shape == after.shape, f"{where} changed"
        assert before.tobytes() == after.tobytes(), f"{where} was modified in place"
    elif isinstance(before, Mapping):
        assert list(before) == list(after), f"{where}'s keys changed"
        for key in before:
            assert_unchanged(before[key], after[key], f"{where}[{key!r}]")
    elif isinstance(before, (list, tuple)):
        assert len(before) == len(after), f"{where}'s length changed"
        for i, (b, a) in enumerate(zip(before, after)):
            assert_unchanged(b, a, f"{where}[{i}]")


def assert_refused(case: Case) -> BaseException:
    """Run ``case`` and check the exception type, its message, the inputs and the warnings."""
    before = snapshot((case.args, case.kwargs))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(case.error) as raised:
            case.call(*case.args, **case.kwargs)
    message = str(raised.value)
    for name in case.names:
        assert name in message, f"the message does not name {name!r}: {message}"
    assert_unchanged(before, (case.args, case.kwargs))
    assert not caught, f"warnings were emitted: {[str(w.message) for w in caught]}"
    return raised.value


def assert_fails_cleanly(
    call: Callable[..., Any],
    *args: Any,
    allowed: tuple[type[BaseException], ...] = (ValueError, TypeError),
    **kwargs: Any,
) -> None:
    """``call`` returns, or raises only an ``allowed`` type; the inputs stay bit-identical."""
    before = snapshot((args, kwargs))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # warnings are the catalogue's business, not the fuzzer's
        try:
            call(*args, **kwargs)
        except allowed:
            pass
    assert_unchanged(before, (args, kwargs))


_DTYPES = (np.float16, np.float32, np.float64, np.int64, np.int8, np.bool_, np.complex128)


def _arrays() -> st.SearchStrategy[np.ndarray]:
    shapes = st.sampled_from([(), (0,), (3,), (0, 2), (2, 3), (4, 1), (2, 2, 2)])
    specials = st.sampled_from([0.0, 1.0, -1.0, np.nan, np.inf, -np.inf, 1e300, 7e4])

    def build(dtype: Any, shape: tuple[int, ...], value: float) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # overflow casting 1e300 to float16 is the point
            if np.dtype(dtype).kind in "fc":
                return np.full(shape, value, dtype=dtype)
            return np.ones(shape, dtype=dtype)

    numeric = st.builds(build, st.sampled_from(_DTYPES), shapes, specials)
    objects = st.just(np.array([1.0, "a", None], dtype=object))
    strings = st.just(np.array(["1.0", "2.0"]))
    return st.one_of(numeric, objects, strings)


def junk() -> st.SearchStrategy[Any]:
    """Arbitrary values a user might pass by mistake: None, strings, nested lists, NaN/inf arrays,
    float16/int/bool/complex/object arrays, empty and 0-d arrays, wrong shapes, classes."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**40), 2**40),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=5),
        st.sampled_from(["no", "mean", "0.W", "", "nan"]),
        st.just(object),
        st.just(dict),
    )
    nested = st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=3), inner, max_size=2),
        max_leaves=6,
    )
    return st.one_of(nested, _arrays())


# ----- fuzzing one argument at a time ----------------------------------------------------------


def small_ints_only(value: Any) -> bool:
    """No int above 10^4 anywhere in ``value``: a size of 2^40 rows is a memory error, not a
    validation question."""
    if isinstance(value, (list, tuple)):
        return all(small_ints_only(item) for item in value)
    if isinstance(value, dict):
        return all(small_ints_only(item) for item in value.values())
    return not (isinstance(value, int) and abs(value) > 10**4)


def small_count(value: Any) -> Any:
    """A junk value for a count that sets how much work a call does (epochs, iterations,
    buffer sizes): an int above 8 is made negative (refused), so no draw asks for a huge
    amount of work."""
    is_int = isinstance(value, int) and not isinstance(value, bool)
    return -value if is_int and value > 8 else value


def fuzz_table(table: dict[str, tuple[Callable[..., Any], dict[str, Any]]]) -> Any:
    """A test over ``table`` (case -> (callable, valid keyword arguments)): one argument of one
    case is replaced with junk; the call must return or raise ValueError/TypeError cleanly."""
    values = junk().filter(small_ints_only)

    @pytest.mark.parametrize("case", sorted(table))
    @given(data=st.data())
    def test(case: str, data: st.DataObject) -> None:
        call, kwargs = table[case]
        name = data.draw(st.sampled_from(sorted(kwargs)), label="argument")
        assert_fails_cleanly(call, **{**kwargs, name: data.draw(values, label=name)})

    return test


def printed(function: Callable[..., Any]) -> Callable[..., str]:
    """Call ``function`` and print its result, so a report that cannot be printed fails too."""
    return lambda **kwargs: str(function(**kwargs))


def targets(*entries: tuple) -> Any:
    """Parametrize over (label, call, args, kwargs, fuzzed): one test per argument in
    ``fuzzed`` (a position in ``args`` or a keyword)."""
    expanded = [
        pytest.param(call, args, kwargs, argument, id=f"{label}-{argument}")
        for label, call, args, kwargs, fuzzed in entries
        for argument in fuzzed
    ]
    return pytest.mark.parametrize(("call", "args", "kwargs", "argument"), expanded)


def fuzz_argument(
    call: Callable[..., Any],
    args: tuple,
    kwargs: dict,
    argument: int | str,
    value: Any,
    *,
    counts: frozenset[str] | set[str] = frozenset(),
    allowed: tuple[type[BaseException], ...] = (ValueError, TypeError),
) -> None:
    """Call with ``value`` in place of ``argument`` (a position or a keyword; the names in
    ``counts`` get ``small_count``) and check it fails cleanly."""
    if argument in counts:
        value = small_count(value)
    if isinstance(argument, int):
        args = (*args[:argument], value, *args[argument + 1 :])
    else:
        kwargs = {**kwargs, argument: value}
    assert_fails_cleanly(call, *args, allowed=allowed, **kwargs)
