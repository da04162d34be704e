"""Fuzz minitrain.compress: arbitrary values into each argument of each public callable.

Every call either returns or raises ValueError/TypeError, and leaves its inputs (params, masks,
optimizer states) bit-identical. One test per public module; each case is a callable with
valid keyword arguments, one of which hypothesis replaces with a ``junk()`` value.
"""

from __future__ import annotations

import numpy as np
from bad_inputs import fuzz_table, printed

import minitrain as mt
from minitrain import compress

MODEL = mt.Sequential([mt.Dense(3, 4), mt.ReLU(), mt.Dense(4, 2)])
PARAMS = MODEL.init(0)
PARAMS32 = MODEL.init(0, dtype=np.float32)
MASKS = compress.magnitude_masks(PARAMS, 0.5)
OPT = mt.optim.SGD(lr=0.1, momentum=0.9)
MASKED = compress.masked(OPT, MASKS)
STATE = MASKED.init(PARAMS)
GRADS = {key: np.ones_like(value) for key, value in PARAMS.items()}
X = np.linspace(-1.0, 1.0, 24).reshape(8, 3)
Y = np.linspace(0.0, 1.0, 16).reshape(8, 2)
Q = compress.quantize(PARAMS)
FOOTPRINT = compress.footprint(MODEL, PARAMS, OPT, 4)
MEMORIES = {"all": compress.training_memory(MODEL, PARAMS, OPT, 4)}
FIT = {"epochs": 1, "batch_size": 4, "seed": 0, "progress": False}

CLIP = {
    "clip_values": (compress.clip_values, {"params": PARAMS, "bound": 0.5, "keys": ["0.W"]}),
    "global_norm": (compress.global_norm, {"params": PARAMS32, "keys": ["0.W", "2.b"]}),
    "clip_by_global_norm": (
        compress.clip_by_global_norm, {"params": PARAMS, "max_norm": 0.1, "keys": None}
    ),
    "WeightClipping": (compress.WeightClipping, {"bound": 1.0, "max_norm": 2.0, "keys": ["0.W"]}),
}
FOOTPRINT_CASES = {
    "footprint": (
        printed(compress.footprint),
        {"model": MODEL, "params": PARAMS, "opt": OPT, "batch_size": 4, "bits": 4,
         "trainable": ["2.W"]},
    ),
    "fits": (printed(compress.fits), {"footprint": FOOTPRINT, "device": "cortex-m4"}),
    "fits on a Device": (
        lambda **kw: str(compress.fits(FOOTPRINT, compress.Device(**kw))),
        {"name": "mcu", "ram_bytes": 1024, "storage_bytes": 0, "macs_per_second": 1e6},
    ),
    "FitReport.fits": (
        compress.fits(FOOTPRINT).fits, {"device": "phone", "item": "storage: int8"}
    ),
    "get_device": (compress.get_device, {"device": "phone", "name": "device"}),
    "Device": (
        compress.Device,
        {"name": "mcu", "ram_bytes": 1024, "storage_bytes": 4096, "macs_per_second": 1e6,
         "example": "", "uplink_bps": 1e5, "downlink_bps": 1e5, "latency_s": 0.01,
         "availability": 0.5},
    ),
    "sparse_nbytes": (compress.sparse_nbytes, {"array": PARAMS["0.W"], "value_bytes": 4}),
    "packed_nbytes": (compress.packed_nbytes, {"array": PARAMS["0.W"], "bits": 4}),
}
GRADUAL = {
    "polynomial_sparsity": (
        compress.polynomial_sparsity,
        {"step": 3, "final_sparsity": 0.8, "initial_sparsity": 0.1, "begin_step": 1,
         "n_events": 2, "every": 2},
    ),
    "GradualPruning": (
        compress.GradualPruning,
        {"final_sparsity": 0.8, "initial_sparsity": 0.0, "begin_step": 0, "n_events": 2,
         "every": 1, "scope": "layer", "keys": ["0.W"]},
    ),
    "round_sparsity": (compress.round_sparsity, {"r": 1, "rounds": 2, "final_sparsity": 0.5}),
    "prune_then_finetune": (
        compress.prune_then_finetune,
        {"model": MODEL, "loss": mt.losses.MSE(), "opt": OPT, "X": X, "y": Y, "params": PARAMS,
         "sparsity": 0.5, "scope": "layer", "keys": ["0.W"], **FIT},
    ),
    "iterative_pruning": (
        compress.iterative_pruning,
        {"model": MODEL, "loss": mt.losses.MSE(), "opt": OPT, "X": X, "y": Y, "params": PARAMS,
         "final_sparsity": 0.5, "rounds": 1, "rewind": False, "scope": "global",
         "keys": None, **FIT},
    ),
}
PRUNE = {
    "magnitude_masks": (
        compress.magnitude_masks,
        {"params": PARAMS, "sparsity": 0.7, "scope": "global", "keys": ["0.W", "2.W"],
         "masks": MASKS},
    ),
    "apply_masks": (compress.apply_masks, {"params": PARAMS, "masks": MASKS}),
    "mask_state": (compress.mask_state, {"state": STATE, "masks": MASKS}),
    "zero_fraction": (compress.zero_fraction, {"params": PARAMS, "keys": ["0.W"]}),
    "select_keys": (compress.select_keys, {"params": PARAMS, "keys": ["2.b"]}),
    "check_masks": (compress.check_masks, {"name": "masks", "masks": MASKS, "params": PARAMS}),
    "masked": (compress.masked, {"opt": OPT, "masks": MASKS}),
    "Masked.init": (MASKED.init, {"params": PARAMS}),
    "Masked.step": (MASKED.step, {"params": PARAMS, "grads": GRADS, "state": STATE}),
}
QUANTIZE = {
    "quantize": (
        compress.quantize,
        {"params": PARAMS, "bits": 4, "scheme": "affine", "granularity": "channel",
         "keys": ["0.W"]},
    ),
    "quantize_array": (
        compress.quantize_array,
        {"w": PARAMS32["2.W"], "bits": 8, "scheme": "symmetric", "granularity": "tensor"},
    ),
    "fake_quantize": (
        compress.fake_quantize,
        {"params": PARAMS32, "bits": 3, "scheme": "symmetric", "granularity": "tensor",
         "keys": None},
    ),
    "dequantize": (compress.dequantize, {"q": Q}),
    "quantized_nbytes": (compress.quantized_nbytes, {"q": Q}),
}
STRUCTURED = {
    "prune_units": (
        compress.prune_units, {"model": MODEL, "params": PARAMS, "fraction": 0.5, "layers": [0]}
    ),
    "prunable_layers": (compress.prunable_layers, {"model": MODEL}),
}
TRAINING_MEMORY = {
    "training_memory": (
        compress.training_memory,
        {"model": MODEL, "params": PARAMS, "opt": OPT, "batch_size": 4, "trainable": ["2.b"],
         "buffer_bytes": 64, "penalty": True},
    ),
    "backward_plan": (
        compress.backward_plan, {"model": MODEL, "params": PARAMS, "trainable": ["2.W"]}
    ),
    "training_fits": (
        printed(compress.training_fits), {"memories": MEMORIES, "device": "cortex-m7"}
    ),
    "TrainingFitReport.fits": (
        compress.training_fits(MEMORIES).fits, {"strategy": "all", "device": "phone"}
    ),
}

test_clip_fails_cleanly_on_junk = fuzz_table(CLIP)
test_footprint_fails_cleanly_on_junk = fuzz_table(FOOTPRINT_CASES)
test_gradual_fails_cleanly_on_junk = fuzz_table(GRADUAL)
test_prune_fails_cleanly_on_junk = fuzz_table(PRUNE)
test_quantize_fails_cleanly_on_junk = fuzz_table(QUANTIZE)
test_structured_fails_cleanly_on_junk = fuzz_table(STRUCTURED)
test_training_memory_fails_cleanly_on_junk = fuzz_table(TRAINING_MEMORY)
