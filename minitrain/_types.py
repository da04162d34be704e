"""The one alias for the plain data minitrain trains: parameters, gradients, slots and masks."""

import numpy as np

Params = dict[str, np.ndarray]
