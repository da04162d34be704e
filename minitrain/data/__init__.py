"""Datasets, generators, partitions across edge devices, and minibatches.

Synthetic problems (``make_linear``, ``make_blobs``), real data sets shipped with the package
(``load_digits``, ``load_iris``), a simulated fleet of dirty edge sensors
(``make_sensor_fleet``) with each sensor's cost per reading (``SENSOR_COSTS``) and its drift
after deployment (``Drift``, ``DriftEvent``), and partitions of a data set across devices
(``partition``).

Every generator and loader takes ``dtype=np.float64`` (default) or ``np.float32`` and returns
its features in that dtype; float16 (and ``None``, and integer dtypes) is refused with the
dtype to pass, as everywhere in minitrain. Seeds are ints >= 0, flags are ``True``/``False``
and column or key lists are lists of distinct names: anything else is refused by name.
"""

from .costs import *  # noqa: F403
from .datasets import *  # noqa: F403
from .drift import *  # noqa: F403
from .partition import *  # noqa: F403
from .sensors import *  # noqa: F403
from .synthetic import *  # noqa: F403
