"""scikit-learn's estimator contract, written once, without importing scikit-learn.

Every minitrain object with ``fit`` (the cleaners and detectors of ``minitrain.clean``, the
filters of ``minitrain.select``) derives from ``Estimator`` so that scikit-learn can clone it,
put it in a ``Pipeline`` and search its parameters with ``GridSearchCV``. What the contract asks:

- The constructor stores each argument unchanged under its own name and does nothing else;
  parameters are checked in ``fit`` (``check_params`` below), before any work. So ``clone``,
  ``set_params`` and a grid of candidate values never fail half-way through building a search.
- ``get_params()`` reads the parameters named in the constructor's signature;
  ``set_params(**p)`` sets them and returns the object.
- What ``fit`` learns lives in attributes ending in ``_``, always ``n_features_in_``; a method
  used before ``fit`` raises ``NotFittedError`` (a ``ValueError`` and an ``AttributeError``, as
  scikit-learn's checks expect); new data with another number of columns is refused with
  scikit-learn's wording ("X has 3 features, but Standardizer is expecting 4 features ...").
- ``__sklearn_tags__`` describes the object to scikit-learn's checks (NaN allowed, target
  required, float32 preserved). It imports ``sklearn.utils`` when scikit-learn calls it (so it
  is already imported); nothing in minitrain imports scikit-learn at module load.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import numpy as np

from ._validate import as_float_array

__all__ = ["Estimator", "NotFittedError", "as_table"]


class NotFittedError(ValueError, AttributeError):
    """A cleaner, detector or filter was used before ``fit``."""


def as_table(name: str, X: Any, *, allow_nan: bool = False) -> np.ndarray:
    """``X`` (N, d) as a float32/float64 array with N >= 1 rows and d >= 1 columns, or raise.

    Adds to ``as_float_array`` what a table of samples needs: sparse matrices are refused by
    name (minitrain computes on dense arrays) and zero columns get a message of their own.
    """
    if hasattr(X, "toarray") and hasattr(X, "nnz"):
        raise TypeError(
            f"{name} is a sparse matrix ({type(X).__name__}); minitrain works on dense arrays: "
            f"pass {name}.toarray()."
        )
    shape = getattr(X, "shape", None)
    if isinstance(shape, tuple) and len(shape) == 2 and shape[1] == 0:
        raise ValueError(
            f"{name} has 0 feature(s) (shape={shape}) while a minimum of 1 is required; "
            "pass at least one column."
        )
    arr = as_float_array(name, X, allow_nan=True)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must have 2 dimensions (samples, features); got shape {arr.shape}. Reshape "
            f"your data: {name}.reshape(-1, 1) for a single feature, {name}.reshape(1, -1) for "
            "a single sample."
        )
    return as_float_array(name, arr, allow_nan=allow_nan)


class Estimator:
    """The scikit-learn contract: parameters from the constructor, fitted state in ``_``.

    Subclasses set the class attributes ``allow_nan`` (NaN marks a missing value) and
    ``requires_y`` (``fit`` needs a target), implement ``check_params`` (validate the
    parameters, called first thing in ``fit``) and call ``_set_n_features`` in ``fit`` and
    ``_check_columns`` in every method that takes new data.
    """

    allow_nan: ClassVar[bool] = False
    requires_y: ClassVar[bool] = False
    #: The attribute ``fit`` always sets: its presence means "fitted".
    fitted_attribute: ClassVar[str] = "n_features_in_"

    @classmethod
    def _get_param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return sorted(
            name
            for name, p in signature.parameters.items()
            if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        )

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's arguments, by name (``deep``: also ``name__sub`` of estimators)."""
        params = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                params.update({f"{name}__{k}": v for k, v in value.get_params().items()})
            params[name] = value
        return params

    def set_params(self, **params: Any) -> Estimator:
        """Set constructor arguments by name (checked in the next ``fit``); returns self."""
        valid = self._get_param_names()
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ValueError(
                    f"{key!r} is not a parameter of {type(self).__name__}; the parameters are "
                    f"{valid}."
                )
            if sub:
                getattr(self, name).set_params(**{sub: value})
            else:
                setattr(self, name, value)
        return self

    def check_params(self) -> None:
        """Validate the parameters; raises ValueError/TypeError naming the bad one."""

    # ----- fitted state ----------------------------------------------------------------------

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, self.fitted_attribute)

    def _check_fitted(self) -> None:
        if not hasattr(self, self.fitted_attribute):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit(X_train) first."
            )

    def _set_n_features(self, X: np.ndarray) -> None:
        self.n_features_in_ = int(X.shape[1])

    def _n_features_fitted(self) -> int:
        return self.n_features_in_

    def _check_columns(self, X: np.ndarray) -> None:
        """Refuse new data whose number of columns differs from ``fit``'s."""
        expected = self._n_features_fitted()
        if X.shape[1] != expected:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{expected} features as input (it was fitted on {expected} columns); pass "
                "the same columns, in the same order, as in fit."
            )

    # ----- what scikit-learn's checks read ----------------------------------------------------

    def __sklearn_tags__(self) -> Any:
        """scikit-learn's ``Tags`` for this object (only scikit-learn calls this)."""
        from sklearn.utils import InputTags, Tags, TargetTags, TransformerTags

        transformer = hasattr(self, "transform")
        return Tags(
            estimator_type=None,
            target_tags=TargetTags(required=self.requires_y),
            transformer_tags=(
                TransformerTags(preserves_dtype=["float64", "float32"]) if transformer else None
            ),
            input_tags=InputTags(allow_nan=self.allow_nan),
        )
