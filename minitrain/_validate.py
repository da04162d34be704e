"""Validation at the public boundary.

Every public function of minitrain checks what it is given with these helpers, so that a bad
argument fails early with a message that names the argument, what arrived, what was expected
and how to fix it. Nothing here converts NaN, shapes or dtypes silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from numbers import Integral, Real
from typing import Any

import numpy as np

CLEAN_HINT = "clean or impute it first, e.g. with minitrain.clean.Imputer"

#: The floating dtypes minitrain computes in. float16 is refused everywhere at the boundary:
#: its sums overflow above 65504 and keep about three digits, so statistics, losses and
#: gradients computed in it are wrong without warning. Convert with ``x.astype(np.float32)``.
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def describe(x: Any) -> str:
    """A short description of ``x`` for an error message."""
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} and dtype {x.dtype}"
    return f"{type(x).__name__} {x!r}" if np.isscalar(x) else f"a {type(x).__name__}"


def as_float_array(
    name: str, x: Any, *, ndim: int | tuple[int, ...] | None = None, allow_nan: bool = False
) -> np.ndarray:
    """Return ``x`` as a floating ndarray (no copy when it already is one), or raise.

    Lists of numbers become float64 arrays (that is the dtype NumPy infers for them). Integer,
    boolean, object, string and ragged input are refused, so no dtype is chosen silently.
    """
    if isinstance(x, np.ndarray):
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except ValueError as error:  # ragged nested sequences
            raise TypeError(
                f"{name} must be a rectangular numeric array; got ragged input ({error}). "
                "Pad or trim the rows to one length."
            ) from None
        if arr.dtype.kind in "iu" and not isinstance(x, np.ndarray):
            arr = arr.astype(np.float64)  # a Python list of ints: the user gave no dtype
    if arr.dtype.kind != "f":
        hint = (
            f"convert it explicitly, e.g. {name}.astype(np.float64)"
            if arr.dtype.kind in "iub"
            else "it must hold numbers; parse or encode the column first"
        )
        raise TypeError(f"{name} must be a floating-point array; got {describe(arr)}: {hint}.")
    check_float_dtype(name, arr.dtype)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in allowed:
            fix = f" Use {name}.reshape(-1, 1) for a single feature." if 2 in allowed else ""
            raise ValueError(
                f"{name} must have {' or '.join(map(str, allowed))} dimension(s); "
                f"got shape {arr.shape}.{fix}"
            )
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); pass at least one value.")
    if not allow_nan and not np.isfinite(arr).all():
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s); {CLEAN_HINT}.")
    return arr


def check_float_dtype(name: str, dtype: Any) -> np.dtype:
    """Return ``dtype`` if minitrain computes in it (float32 or float64), else raise TypeError.

    The one low-precision policy of the package: float16 (and other floating dtypes) is refused
    at the public boundary with the conversion to make, never computed in silently.
    """
    dtype = np.dtype(dtype)
    if dtype not in FLOAT_DTYPES:
        raise TypeError(
            f"{name} has dtype {dtype}; minitrain computes in float32 or float64 (float16 sums "
            f"overflow above 65504 and keep about 3 significant digits). Convert it first, "
            f"e.g. {name}.astype(np.float32)."
        )
    return dtype


def check_flag(name: str, value: Any) -> bool:
    """Return ``value`` if it is a bool (``True``/``False``, NumPy's too), else raise TypeError.

    A string such as ``"no"`` or an int passed positionally is truthy in Python; it is refused
    here instead of being taken as ``True``.
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {describe(value)}.")
    return bool(value)


def check_seed(name: str, seed: Any, *, allow_none: bool = False) -> int | None:
    """Return ``seed`` if it is an int >= 0 (what ``numpy.random.default_rng`` takes), else raise.

    ``allow_none``: ``None`` is accepted where the function documents it (fresh entropy).
    """
    if seed is None and allow_none:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, Integral):
        raise TypeError(f"{name} must be an int >= 0, e.g. {name}=0; got {describe(seed)}.")
    if seed < 0:
        raise ValueError(f"{name} must be an int >= 0 (NumPy seeds are non-negative); got {seed}.")
    return int(seed)


def check_keys(name: str, keys: Any, available: Iterable[str] | None = None) -> list[str]:
    """Return ``keys`` as a list if it is a sequence of distinct strings (each in ``available``).

    A bare string is refused (it would be iterated letter by letter), so is a repeated key
    (it would count twice) and a key that is not one of ``available``.
    """
    if (
        isinstance(keys, (str, bytes))
        or not isinstance(keys, Iterable)
        or isinstance(keys, Mapping)
    ):
        raise TypeError(
            f"{name} must be a list of key names such as ['0.W', '2.W']; got {describe(keys)}."
        )
    keys = list(keys)
    for key in keys:
        if not isinstance(key, str):
            raise TypeError(f"{name} must hold key names (str); got {describe(key)} in it.")
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ValueError(f"{name} names {repeated} more than once; list each key once.")
    if available is not None:
        options = list(available)
        unknown = [key for key in keys if key not in options]
        if unknown:
            raise ValueError(f"{name} has unknown key(s) {unknown}; the keys are {options}.")
    return keys


def refuse_class(name: str, value: Any, expected: str) -> None:
    """Raise TypeError if ``value`` is a class (``mt.optim.Adam`` where ``mt.optim.Adam()``
    belongs), with the call to make. ``expected``: what belongs there, e.g. ``"a stepper
    instance such as mt.optim.Adam(lr=1e-3)"``."""
    if isinstance(value, type):
        raise TypeError(
            f"{name} must be {expected}; got the class {value.__name__} itself: call it, "
            f"{value.__name__}(...)."
        )


def check_instance(name: str, value: Any, kind: type | tuple[type, ...], example: str) -> Any:
    """Return ``value`` if it is an instance of ``kind``; a class is refused with the call to make.

    ``example``: what a valid value looks like, e.g. ``"mt.clean.Imputer('mean')"``.
    """
    refuse_class(name, value, f"an instance such as {example}")
    if not isinstance(value, kind):
        raise TypeError(f"{name} must be an instance such as {example}; got {describe(value)}.")
    return value


def check_length(name: str, values: Any, length: int, of: str) -> None:
    """Check that ``values`` has ``length`` entries along its first axis (one per row of ``of``)."""
    found = np.shape(values)[0] if np.ndim(values) else None
    if found != length:
        raise ValueError(
            f"{name} must have one entry per row of {of} ({length}); got "
            f"{'a scalar' if found is None else found}."
        )


def check_positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float if it is a finite number > 0 (or >= 0), else raise."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number; got {describe(value)}.")
    v = float(value)
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        expected = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {expected}; got {value!r}.")
    return v


def check_in_range(
    name: str,
    value: Any,
    low: float,
    high: float,
    *,
    low_inclusive: bool = True,
    high_inclusive: bool = False,
) -> float:
    """Return ``value`` as a float if it lies in the interval, else raise naming the interval."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number; got {describe(value)}.")
    v = float(value)
    above = v >= low if low_inclusive else v > low
    below = v <= high if high_inclusive else v < high
    if not (np.isfinite(v) and above and below):
        interval = f"{'[' if low_inclusive else '('}{low}, {high}{']' if high_inclusive else ')'}"
        raise ValueError(f"{name} must lie in {interval}; got {value!r}.")
    return v


def check_int(
    name: str, value: Any, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """Return ``value`` as an int if it is an integer within the bounds, else raise."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an integer; got {describe(value)}.")
    v = int(value)
    if minimum is not None and v < minimum:
        raise ValueError(f"{name} must be >= {minimum}; got {v}.")
    if maximum is not None and v > maximum:
        raise ValueError(f"{name} must be <= {maximum}; got {v}.")
    return v


def check_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise listing them."""
    options = tuple(choices)
    if not isinstance(value, str) or value not in options:  # an array would compare elementwise
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}; got {value!r}.")
    return value


def check_methods(name: str, value: Any, methods: Iterable[str], expected: str) -> Any:
    """Return ``value`` if it is an instance with every one of ``methods`` callable (duck
    typing: a stepper, a splitter, a callback of your own), else raise TypeError naming the
    missing ones. A class is refused with the call to make. ``expected``: what belongs there,
    e.g. ``"a stepper instance such as mt.optim.Adam(lr=1e-3)"``."""
    refuse_class(name, value, expected)
    missing = [method for method in methods if not callable(getattr(value, method, None))]
    if missing:
        raise TypeError(
            f"{name} must be {expected}; got {describe(value)}, which has no "
            f"{', '.join(f'{method}()' for method in missing)}."
        )
    return value


def check_stepper(name: str, opt: Any) -> Any:
    """Return ``opt`` if it is a stepper (callable ``init(params)`` and ``step(params, grads,
    state)``), else raise TypeError. A stepper class (``mt.optim.Adam`` rather than
    ``mt.optim.Adam()``) is refused: call it."""
    return check_methods(name, opt, ("init", "step"), "a stepper such as mt.optim.Adam(lr=1e-3)")


def store_checked(obj: Any, **values: Any) -> None:
    """Store validated values on a frozen dataclass (from its ``__post_init__``)."""
    for name, value in values.items():
        object.__setattr__(obj, name, value)


def check_params(name: str, params: Any) -> None:
    """Check that ``params`` is a dict of floating ndarrays (a minitrain parameter tree)."""
    if not isinstance(params, Mapping):
        raise TypeError(
            f"{name} must be a dict of arrays (e.g. from model.init(seed)); got {describe(params)}."
        )
    for key, value in params.items():
        if not isinstance(value, np.ndarray) or value.dtype.kind != "f":
            raise TypeError(
                f"{name}[{key!r}] must be a floating-point ndarray; got {describe(value)}."
            )
        check_float_dtype(f"{name}[{key!r}]", value.dtype)


def check_same_keys(
    name: str, tree: Any, reference: Mapping[str, np.ndarray], *, check_shapes: bool = True
) -> None:
    """Check that ``tree`` has exactly the keys (and shapes) of ``reference``."""
    if not isinstance(tree, Mapping):
        raise TypeError(f"{name} must be a dict keyed like the params; got {describe(tree)}.")
    missing = [k for k in reference if k not in tree]
    extra = [k for k in tree if k not in reference]
    if missing or extra:
        raise ValueError(
            f"{name} must have the keys of the params {list(reference)}; "
            f"missing {missing}, unexpected {extra}."
        )
    if check_shapes:
        for key, ref in reference.items():
            shape = np.shape(tree[key])
            if shape != np.shape(ref):
                raise ValueError(
                    f"{name}[{key!r}] has shape {shape} but the params have {np.shape(ref)}."
                )


def check_dtype(name: str, dtype: Any) -> np.dtype:
    """Return a dtype *argument* (``model.init(seed, dtype=...)``) as the ``np.dtype`` it names,
    if minitrain computes in it (float32 or float64), else raise TypeError.

    ``None`` (``np.dtype(None)`` would silently mean float64), names NumPy does not understand
    and every other dtype (float16 included, see ``FLOAT_DTYPES``) are refused with the two
    dtypes to choose from.
    """
    try:
        resolved = None if dtype is None or isinstance(dtype, (bool, np.bool_)) else np.dtype(dtype)
    except (TypeError, ValueError):
        resolved = None
    if resolved is None or resolved not in FLOAT_DTYPES:
        got = f"dtype {resolved}" if resolved is not None else describe(dtype)
        low = " (float16 sums overflow above 65504 and keep about 3 significant digits)"
        raise TypeError(
            f"{name} must be a floating dtype, np.float32 or np.float64, the dtypes minitrain "
            f"computes in; got {got}{low if resolved == np.float16 else ''}."
        )
    return resolved
