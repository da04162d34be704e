"""Datasets, generators, partitions across edge devices, and minibatches.

Synthetic problems (``make_linear``, ``make_blobs``), real data sets shipped with the package
(``load_digits``, ``load_iris``), a simulated fleet of dirty edge sensors
(``make_sensor_fleet``) with each sensor's cost per reading (``SENSOR_COSTS``), and
partitions of a data set across devices (``partition``).
"""

from .costs import *  # noqa: F403
from .datasets import *  # noqa: F403
from .partition import *  # noqa: F403
from .sensors import *  # noqa: F403
from .synthetic import *  # noqa: F403
