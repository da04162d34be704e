"""Compression for small devices: pruning, clipping, quantization and footprint budgets.

    masks = magnitude_masks(params, 0.9, scope="global")      # prune.py
    opt = masked(mt.optim.Adam(lr=1e-3), masks)               # pruned weights stay 0
    GradualPruning(0.9, n_events=20, every=50)                # gradual.py: a fit callback
    prune_units(model, params, 0.5)                           # structured.py: a smaller model
    clip_values(params, 0.5), WeightClipping(0.5)             # clip.py
    q = quantize(params, bits=8, scheme="affine", granularity="channel")   # quantize.py
    print(fits(footprint(model, params, opt, batch_size=32), "cortex-m4"))  # footprint.py

Knowledge distillation is a loss: ``mt.losses.Distillation(temperature, alpha)``.

Params are float32 or float64 (float16 is refused with the conversion to make) and every
array returned keeps their dtype. ``keys=`` (and ``trainable=``) is a list of distinct keys of
the params: a bare string or a repeated key is refused, since it would change what is counted.
"""

from .clip import *  # noqa: F403
from .footprint import *  # noqa: F403
from .gradual import *  # noqa: F403
from .prune import *  # noqa: F403
from .quantize import *  # noqa: F403
from .structured import *  # noqa: F403
from .training_memory import *  # noqa: F403
