"""Cleaning dirty edge data: imputation, normalization, consistency checks, anomaly detection.

Everything follows scikit-learn's contract (``minitrain._estimator``, checked by scikit-learn's
own ``check_estimator``): constructors store their arguments and ``fit`` checks them; ``fit``
learns from the training rows only and keeps what it learned in attributes ending in ``_``;
``transform``, ``score`` and ``predict`` never modify their input; ``inverse_transform``
exists where the map can be undone; a step used before ``fit`` raises ``NotFittedError``;
``get_params``/``set_params`` make every cleaner, detector and step work with scikit-learn's
``clone``, ``Pipeline`` and ``GridSearchCV`` (detectors keep a boolean ``predict``, True =
anomaly: see ``detect``). NaN marks a missing value; inf is refused. float16 is refused with
the conversion to make; statistics are accumulated in float64 and results come back in the
dtype of the data (float32 in, float32 out).

- ``impute``: ``Imputer`` (mean, median, most frequent, constant), ``forward_fill`` and
  ``interpolate`` along time within each node, ``drop_missing``.
- ``scale``: ``Standardizer``, ``MinMaxScaler``, ``RobustScaler`` (NaN-aware fit).
- ``checks``: ``find_duplicates``, ``constant_columns``, ``check_bounds``, ``find_stuck``,
  ``unit_mismatch`` and ``fix_units``, each with a readable report.
- ``detect``: ``ZScore``, ``MAD``, ``IQR``, ``Mahalanobis``, ``PCAReconstruction`` and
  ``score_detector`` (precision, recall, F1 against the ground truth).
- ``pipeline``: ``Pipeline`` of named steps with a report of what each changed.
"""

from ._base import NotFittedError
from .checks import *  # noqa: F403
from .checks import __all__ as _checks
from .detect import *  # noqa: F403
from .detect import __all__ as _detect
from .impute import *  # noqa: F403
from .impute import __all__ as _impute
from .pipeline import *  # noqa: F403
from .pipeline import __all__ as _pipeline
from .scale import *  # noqa: F403
from .scale import __all__ as _scale

__all__ = ["NotFittedError", *_checks, *_detect, *_impute, *_pipeline, *_scale]
