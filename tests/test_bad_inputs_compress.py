"""Bad input to minitrain.compress: every public callable refuses it by name.

Each case is one call a careless user might make. It must raise the given exception type with
a message naming the argument (and, where it helps, the value or the fix), leave every input
(params, masks, optimizer states) bit-identical and emit no warning
(``bad_inputs.assert_refused``).
"""

from __future__ import annotations

import numpy as np
from bad_inputs import Case, assert_refused, cases

import minitrain as mt
from minitrain import compress

MODEL = mt.Sequential([mt.Dense(3, 4), mt.ReLU(), mt.Dense(4, 2)])
PARAMS = MODEL.init(0)
HALF = {key: value.astype(np.float16) for key, value in PARAMS.items()}
NAN = {**PARAMS, "0.W": np.where(np.eye(3, 4, dtype=bool), np.nan, PARAMS["0.W"])}
MASKS = compress.magnitude_masks(PARAMS, 0.5)
OPT = mt.optim.SGD(lr=0.1, momentum=0.9)
MASKED = compress.masked(OPT, MASKS)
STATE = MASKED.init(PARAMS)
GRADS = {key: np.ones_like(value) for key, value in PARAMS.items()}
X = np.linspace(-1.0, 1.0, 24).reshape(8, 3)
Y = np.linspace(0.0, 1.0, 16).reshape(8, 2)
LOSS = mt.losses.MSE()
Q = compress.quantize(PARAMS)
FOOTPRINT = compress.footprint(MODEL, PARAMS, OPT, 4)
REPORT = compress.fits(FOOTPRINT)
MEMORIES = {"all": compress.training_memory(MODEL, PARAMS, OPT, 4)}
TRAINING_REPORT = compress.training_fits(MEMORIES)
FIT = {"epochs": 1, "batch_size": 4, "seed": 0, "progress": False}
DEVICE = {"name": "mcu", "ram_bytes": 1024, "storage_bytes": 4096, "macs_per_second": 1e6}


def fit_with(callback: object) -> None:
    """Train MODEL for one epoch with ``callback``: a wrong callback fails before training."""
    mt.fit(MODEL, LOSS, OPT, X, Y, params=PARAMS, callbacks=[callback], **FIT)


prune = (
    Case("masks repeated keys", compress.magnitude_masks, (PARAMS, 0.5), {"keys": ["0.W", "0.W"]},
         error=ValueError, names=("keys", "0.W", "more than once")),
    Case("masks keys a bare string", compress.magnitude_masks, (PARAMS, 0.5), {"keys": "0.W"},
         error=TypeError, names=("keys",)),
    Case("masks unknown key", compress.magnitude_masks, (PARAMS, 0.5), {"keys": ["9.W"]},
         error=ValueError, names=("keys", "9.W")),
    Case("masks empty key list", compress.magnitude_masks, (PARAMS, 0.5), {"keys": []},
         error=ValueError, names=("keys",)),
    Case("masks sparsity 1", compress.magnitude_masks, (PARAMS, 1.0), error=ValueError,
         names=("sparsity",)),
    Case("masks sparsity a string", compress.magnitude_masks, (PARAMS, "0.5"), error=TypeError,
         names=("sparsity",)),
    Case("masks unknown scope", compress.magnitude_masks, (PARAMS, 0.5, "net"),
         error=ValueError, names=("scope",)),
    Case("masks float16 params", compress.magnitude_masks, (HALF, 0.5), error=TypeError,
         names=("params", "float16")),
    Case("masks NaN params", compress.magnitude_masks, (NAN, 0.5), error=ValueError,
         names=("params['0.W']", "NaN")),
    Case("masks params None", compress.magnitude_masks, (None, 0.5), error=TypeError,
         names=("params",)),
    Case("masks previous masks of ints", compress.magnitude_masks, (PARAMS, 0.5),
         {"masks": {"0.W": MASKS["0.W"].astype(int)}}, error=TypeError, names=("masks['0.W']",)),
    Case("apply masks of the wrong shape", compress.apply_masks,
         (PARAMS, {"0.W": MASKS["0.W"].T}), error=ValueError, names=("masks['0.W']", "shape")),
    Case("apply masks for a missing key", compress.apply_masks,
         (PARAMS, {"5.W": MASKS["0.W"]}), error=ValueError, names=("masks", "5.W")),
    Case("apply masks None", compress.apply_masks, (PARAMS, None), error=TypeError,
         names=("masks",)),
    Case("mask_state masks None", compress.mask_state, (STATE, None), error=TypeError,
         names=("masks",)),
    Case("mask_state masks of floats", compress.mask_state,
         (STATE, {"0.W": MASKS["0.W"].astype(float)}), error=TypeError, names=("masks['0.W']",)),
    Case("mask_state of another model's state (was passed through unmasked)",
         compress.mask_state,
         ({"momentum_buffer": {"0.W": np.ones((4, 3))}}, MASKS), error=ValueError,
         names=("state['momentum_buffer']['0.W']", "shape")),
    Case("zero_fraction repeated keys", compress.zero_fraction, (PARAMS, ["0.W", "0.W"]),
         error=ValueError, names=("keys",)),
    Case("zero_fraction float16", compress.zero_fraction, (HALF,), error=TypeError,
         names=("params",)),
    Case("select_keys a bare string", compress.select_keys, (PARAMS, "2.W"), error=TypeError,
         names=("keys",)),
    Case("select_keys no weights", compress.select_keys, ({"b": PARAMS["0.b"]}, None),
         error=ValueError, names=("keys",)),
    Case("check_masks a list", compress.check_masks, ("masks", [MASKS["0.W"]], PARAMS),
         error=TypeError, names=("masks",)),
    Case("masked a stepper class", compress.masked, (mt.optim.SGD, MASKS), error=TypeError,
         names=("opt",)),
    Case("masked no masks", compress.masked, (OPT, {}), error=TypeError, names=("masks",)),
    Case("masked masks of ints", compress.masked, (OPT, {"0.W": np.ones((3, 4), int)}),
         error=TypeError, names=("masks['0.W']",)),
    Case("Masked.init params None", MASKED.init, (None,), error=TypeError, names=("params",)),
    Case("Masked.init other params", MASKED.init, ({"0.W": np.ones((2, 2))},),
         error=ValueError, names=("masks",)),
    Case("Masked.step grads missing a key", MASKED.step,
         (PARAMS, {k: v for k, v in GRADS.items() if k != "0.b"}, STATE), error=ValueError,
         names=("grads", "0.b")),
    Case("Masked.step float16 params", MASKED.step, (HALF, GRADS, STATE), error=TypeError,
         names=("params",)),
)

clip = (
    Case("clip bound 0", compress.clip_values, (PARAMS, 0.0), error=ValueError,
         names=("bound",)),
    Case("clip bound NaN", compress.clip_values, (PARAMS, np.nan), error=ValueError,
         names=("bound",)),
    Case("clip bound True", compress.clip_values, (PARAMS, True), error=TypeError,
         names=("bound",)),
    Case("clip repeated keys", compress.clip_values, (PARAMS, 1.0, ["0.W", "0.W"]),
         error=ValueError, names=("keys",)),
    Case("clip float16 params", compress.clip_values, (HALF, 1.0), error=TypeError,
         names=("params", "float16")),
    Case("global_norm keys a bare string", compress.global_norm, (PARAMS, "0.W"),
         error=TypeError, names=("keys",)),
    Case("global_norm NaN params", compress.global_norm, (NAN,), error=ValueError,
         names=("params['0.W']",)),
    Case("clip_by_global_norm max_norm -1", compress.clip_by_global_norm, (PARAMS, -1.0),
         error=ValueError, names=("max_norm",)),
    Case("clip_by_global_norm params a list", compress.clip_by_global_norm,
         (list(PARAMS.values()), 1.0), error=TypeError, names=("params",)),
    Case("WeightClipping nothing to clip", compress.WeightClipping, error=ValueError,
         names=("bound", "max_norm")),
    Case("WeightClipping keys a bare string", compress.WeightClipping, (1.0,), {"keys": "0.W"},
         error=TypeError, names=("keys",)),
    Case("WeightClipping repeated keys", compress.WeightClipping, (1.0,),
         {"keys": ["0.W", "0.W"]}, error=ValueError, names=("keys",)),
    Case("WeightClipping bound a string", compress.WeightClipping, ("1",), error=TypeError,
         names=("bound",)),
    Case("WeightClipping unknown key, before training", fit_with,
         (compress.WeightClipping(1.0, keys=["7.W"]),), error=ValueError, names=("keys", "7.W")),
)

gradual = (
    Case("schedule initial above final", compress.polynomial_sparsity, (5, 0.5),
         {"initial_sparsity": 0.8}, error=ValueError, names=("initial_sparsity",)),
    Case("schedule negative step", compress.polynomial_sparsity, (-1, 0.5), error=ValueError,
         names=("step",)),
    Case("schedule every 0", compress.polynomial_sparsity, (5, 0.5), {"every": 0},
         error=ValueError, names=("every",)),
    Case("schedule n_events float", compress.polynomial_sparsity, (5, 0.5), {"n_events": 2.0},
         error=TypeError, names=("n_events",)),
    Case("GradualPruning final 1", compress.GradualPruning, (1.0,), error=ValueError,
         names=("final_sparsity",)),
    Case("GradualPruning keys a bare string", compress.GradualPruning, (0.5,), {"keys": "0.W"},
         error=TypeError, names=("keys",)),
    Case("GradualPruning repeated keys", compress.GradualPruning, (0.5,),
         {"keys": ["0.W", "0.W"]}, error=ValueError, names=("keys",)),
    Case("GradualPruning unknown scope", compress.GradualPruning, (0.5,), {"scope": "all"},
         error=ValueError, names=("scope",)),
    Case("GradualPruning unknown key, before training", fit_with,
         (compress.GradualPruning(0.5, keys=["9.W"]),), error=ValueError, names=("keys", "9.W")),
    Case("round_sparsity r beyond rounds", compress.round_sparsity, (4, 3, 0.5),
         error=ValueError, names=("r",)),
    Case("round_sparsity rounds 0", compress.round_sparsity, (0, 0, 0.5), error=ValueError,
         names=("rounds",)),
    Case("finetune sparsity 1", compress.prune_then_finetune,
         (MODEL, LOSS, OPT, X, Y, PARAMS, 1.0), FIT, error=ValueError, names=("sparsity",)),
    Case("finetune repeated keys", compress.prune_then_finetune,
         (MODEL, LOSS, OPT, X, Y, PARAMS, 0.5), {"keys": ["0.W", "0.W"], **FIT},
         error=ValueError, names=("keys",)),
    Case("iterative rewind='no'", compress.iterative_pruning,
         (MODEL, LOSS, OPT, X, Y, PARAMS, 0.5), {"rewind": "no", **FIT}, error=TypeError,
         names=("rewind",)),
    Case("iterative rewind=1", compress.iterative_pruning,
         (MODEL, LOSS, OPT, X, Y, PARAMS, 0.5), {"rewind": 1, **FIT}, error=TypeError,
         names=("rewind",)),
    Case("iterative rounds 0", compress.iterative_pruning,
         (MODEL, LOSS, OPT, X, Y, PARAMS, 0.5), {"rounds": 0, **FIT}, error=ValueError,
         names=("rounds",)),
    Case("iterative params None, before training", compress.iterative_pruning,
         (MODEL, LOSS, OPT, X, Y, None, 0.5), FIT, error=TypeError, names=("params",)),
    Case("iterative unknown scope, before training", compress.iterative_pruning,
         (MODEL, LOSS, OPT, X, Y, PARAMS, 0.5), {"scope": "net", **FIT}, error=ValueError,
         names=("scope",)),
)

quantize = (
    Case("quantize bits 1", compress.quantize, (PARAMS, 1), error=ValueError, names=("bits",)),
    Case("quantize bits 16", compress.quantize, (PARAMS, 16), error=ValueError,
         names=("bits",)),
    Case("quantize bits a float", compress.quantize, (PARAMS, 8.0), error=TypeError,
         names=("bits",)),
    Case("quantize unknown scheme", compress.quantize, (PARAMS, 8, "log"), error=ValueError,
         names=("scheme",)),
    Case("quantize unknown granularity", compress.quantize, (PARAMS, 8, "affine", "row"),
         error=ValueError, names=("granularity",)),
    Case("quantize float16", compress.quantize, (HALF,), error=TypeError,
         names=("params", "float16")),
    Case("quantize NaN", compress.quantize, (NAN,), error=ValueError, names=("params['0.W']",)),
    Case("quantize repeated keys", compress.quantize, (PARAMS,), {"keys": ["0.b", "0.b"]},
         error=ValueError, names=("keys",)),
    Case("quantize_array a list", compress.quantize_array, ([0.5, -1.0],), error=TypeError,
         names=("w",)),
    Case("quantize_array integers", compress.quantize_array, (np.arange(4),), error=TypeError,
         names=("w",)),
    Case("quantize_array float16", compress.quantize_array, (HALF["0.W"],), error=TypeError,
         names=("w", "float16")),
    Case("quantize_array NaN", compress.quantize_array, (NAN["0.W"],), error=ValueError,
         names=("w",)),
    Case("quantize_array empty", compress.quantize_array, (np.zeros((0, 3)),),
         error=ValueError, names=("w",)),
    Case("quantize_array bits 1", compress.quantize_array, (PARAMS["0.W"], 1),
         error=ValueError, names=("bits",)),
    Case("quantize_array unknown scheme", compress.quantize_array, (PARAMS["0.W"], 8, "log"),
         error=ValueError, names=("scheme",)),
    Case("quantize_array affine range beyond float32", compress.quantize_array,
         (np.array([3e38, -3e38], dtype=np.float32), 8, "affine"), error=ValueError,
         names=("w", "symmetric")),
    Case("quantize affine range beyond float64", compress.quantize,
         ({"0.W": np.array([[1.7e308, -1.7e308]])}, 8, "affine"), error=ValueError,
         names=("params['0.W']", "symmetric")),
    Case("fake_quantize params None", compress.fake_quantize, (None,), error=TypeError,
         names=("params",)),
    Case("fake_quantize bits 0", compress.fake_quantize, (PARAMS, 0), error=ValueError,
         names=("bits",)),
    Case("dequantize float params", compress.dequantize, (PARAMS,), error=TypeError,
         names=("q",)),
    Case("quantized_nbytes None", compress.quantized_nbytes, (None,), error=TypeError,
         names=("q",)),
)

structured = (
    Case("prune_units fraction 1", compress.prune_units, (MODEL, PARAMS, 1.0), error=ValueError,
         names=("fraction",)),
    Case("prune_units removes every unit", compress.prune_units, (MODEL, PARAMS, 0.9),
         error=ValueError, names=("fraction",)),
    Case("prune_units the output layer", compress.prune_units, (MODEL, PARAMS, 0.5),
         {"layers": [2]}, error=ValueError, names=("layers",)),
    Case("prune_units layers an int", compress.prune_units, (MODEL, PARAMS, 0.5),
         {"layers": 0}, error=TypeError, names=("layers",)),
    Case("prune_units layers a string", compress.prune_units, (MODEL, PARAMS, 0.5),
         {"layers": "0"}, error=TypeError, names=("layers",)),
    Case("prune_units repeated layer", compress.prune_units, (MODEL, PARAMS, 0.5),
         {"layers": [0, 0]}, error=ValueError, names=("layers",)),
    Case("prune_units params of another model", compress.prune_units,
         (MODEL, mt.Sequential([mt.Dense(3, 5), mt.ReLU(), mt.Dense(5, 2)]).init(0), 0.5),
         error=ValueError, names=("params['0.W']", "shape")),
    Case("prune_units a model class", compress.prune_units, (mt.Sequential, PARAMS, 0.5),
         error=TypeError, names=("model",)),
    Case("prunable_layers of a list", compress.prunable_layers, ([mt.Dense(3, 4)],),
         error=TypeError, names=("model",)),
)

footprint = (
    Case("footprint opt a class", compress.footprint, (MODEL, PARAMS, mt.optim.Adam),
         error=TypeError, names=("opt",)),
    Case("footprint batch_size 0", compress.footprint, (MODEL, PARAMS, OPT, 0),
         error=ValueError, names=("batch_size",)),
    Case("footprint bits 9", compress.footprint, (MODEL, PARAMS), {"bits": 9},
         error=ValueError, names=("bits",)),
    Case("footprint params missing a key", compress.footprint,
         (MODEL, {k: v for k, v in PARAMS.items() if k != "2.b"}), error=ValueError,
         names=("params", "2.b")),
    Case("footprint float16", compress.footprint, (MODEL, HALF), error=TypeError,
         names=("params",)),
    Case("footprint trainable without batch", compress.footprint, (MODEL, PARAMS, OPT),
         {"trainable": ["2.b"]}, error=ValueError, names=("trainable", "batch_size")),
    Case("footprint trainable repeated", compress.footprint, (MODEL, PARAMS, OPT, 4),
         {"trainable": ["2.b", "2.b"]}, error=ValueError, names=("trainable",)),
    Case("fits a dict", compress.fits, ({"n_params": 3},), error=TypeError,
         names=("footprint",)),
    Case("fits unknown device", compress.fits, (FOOTPRINT, "toaster"), error=ValueError,
         names=("device", "toaster")),
    Case("fits device a list", compress.fits, (FOOTPRINT, ["phone"]), error=ValueError,
         names=("device",)),
    Case("report misspelt item (was StopIteration)", REPORT.fits, ("phone", "storage: int 8"),
         error=ValueError, names=("item", "storage: int8")),
    Case("report unknown device", REPORT.fits, ("toaster", "storage: int8"),
         error=ValueError, names=("device",)),
    Case("get_device None", compress.get_device, (None,), error=ValueError, names=("device",)),
    Case("Device name None", compress.Device, (None, 1024, 4096, 1e6), error=TypeError,
         names=("name",)),
    Case("Device no RAM", compress.Device, ("mcu", 0, 4096, 1e6), error=ValueError,
         names=("ram_bytes",)),
    Case("Device float RAM", compress.Device, ("mcu", 1024.0, 4096, 1e6), error=TypeError,
         names=("ram_bytes",)),
    Case("Device zero compute rate", compress.Device, ("mcu", 1024, 4096, 0.0),
         error=ValueError, names=("macs_per_second",)),
    Case("Device negative latency", compress.Device, ("mcu", 1024, 4096, 1e6),
         {"latency_s": -1.0}, error=ValueError, names=("latency_s",)),
    Case("Device availability 0", compress.Device, ("mcu", 1024, 4096, 1e6),
         {"availability": 0.0}, error=ValueError, names=("availability",)),
    Case("Device zero uplink", compress.Device, ("mcu", 1024, 4096, 1e6), {"uplink_bps": 0},
         error=ValueError, names=("uplink_bps",)),
    Case("sparse_nbytes of a list", compress.sparse_nbytes, ([1.0, 0.0], 4), error=TypeError,
         names=("array",)),
    Case("sparse_nbytes value_bytes 0", compress.sparse_nbytes, (PARAMS["0.W"], 0),
         error=ValueError, names=("value_bytes",)),
    Case("packed_nbytes bits 0", compress.packed_nbytes, (PARAMS["0.W"], 0), error=ValueError,
         names=("bits",)),
    Case("packed_nbytes bits a float", compress.packed_nbytes, (PARAMS["0.W"], 4.0),
         error=TypeError, names=("bits",)),
)

training_memory = (
    Case("memory trainable a bare string", compress.training_memory, (MODEL, PARAMS, OPT, 4),
         {"trainable": "2.W"}, error=TypeError, names=("trainable",)),
    Case("memory trainable repeated", compress.training_memory, (MODEL, PARAMS, OPT, 4),
         {"trainable": ["2.b", "2.b"]}, error=ValueError, names=("trainable", "2.b")),
    Case("memory trainable unknown", compress.training_memory, (MODEL, PARAMS, OPT, 4),
         {"trainable": ["7.b"]}, error=ValueError, names=("trainable keys ['7.b']",)),
    Case("memory penalty='no'", compress.training_memory, (MODEL, PARAMS, OPT, 4),
         {"penalty": "no"}, error=TypeError, names=("penalty",)),
    Case("memory penalty=1", compress.training_memory, (MODEL, PARAMS, OPT, 4),
         {"penalty": 1}, error=TypeError, names=("penalty",)),
    Case("memory negative buffer", compress.training_memory, (MODEL, PARAMS, OPT, 4),
         {"buffer_bytes": -1}, error=ValueError, names=("buffer_bytes",)),
    Case("memory batch_size 0", compress.training_memory, (MODEL, PARAMS, OPT, 0),
         error=ValueError, names=("batch_size",)),
    Case("memory opt a class", compress.training_memory, (MODEL, PARAMS, mt.optim.SGD, 4),
         error=TypeError, names=("opt",)),
    Case("memory params of another model", compress.training_memory,
         (MODEL, {"0.W": PARAMS["0.W"]}, OPT, 4), error=ValueError, names=("params",)),
    Case("memory empty params (was StopIteration)", compress.training_memory,
         (MODEL, {}, OPT, 4), error=ValueError, names=("params",)),
    Case("backward_plan a model class", compress.backward_plan, (mt.Sequential, PARAMS, None),
         error=TypeError, names=("model",)),
    Case("backward_plan float16", compress.backward_plan, (MODEL, HALF, None), error=TypeError,
         names=("params",)),
    Case("training_fits a list", compress.training_fits, ([MEMORIES["all"]],),
         error=TypeError, names=("memories",)),
    Case("training_fits no memories (report unprintable)", compress.training_fits, ({},),
         error=ValueError, names=("memories",)),
    Case("training_fits strategies not named by str", compress.training_fits,
         ({1: MEMORIES["all"]},), error=TypeError, names=("memories", "strategy names")),
    Case("training_fits an unchecked record", compress.training_fits,
         (MEMORIES, type("Record", (), {"name": "x", "ram_bytes": 0})()), error=ValueError,
         names=("device",)),
    Case("training_fits unknown device", compress.training_fits, (MEMORIES, "toaster"),
         error=ValueError, names=("device", "toaster")),
    Case("training report misspelt strategy (was StopIteration)", TRAINING_REPORT.fits,
         ("al", "phone"), error=ValueError, names=("strategy", "all")),
    Case("training report unknown device", TRAINING_REPORT.fits, ("all", "toaster"),
         error=ValueError, names=("device",)),
)

CATALOGUE = prune + clip + gradual + quantize + structured + footprint + training_memory


@cases(*CATALOGUE)
def test_bad_input_to_compress_is_refused_by_name(case):
    assert_refused(case)


def test_the_catalogue_covers_every_public_callable_of_compress():
    called = {getattr(case.call, "__name__", "") for case in CATALOGUE}
    public = {"magnitude_masks", "apply_masks", "mask_state", "zero_fraction", "select_keys",
              "check_masks", "masked", "init", "step", "clip_values", "global_norm",
              "clip_by_global_norm", "WeightClipping", "polynomial_sparsity", "GradualPruning",
              "round_sparsity", "prune_then_finetune", "iterative_pruning", "quantize",
              "quantize_array", "fake_quantize", "dequantize", "quantized_nbytes",
              "prune_units", "prunable_layers", "footprint", "fits", "get_device", "Device",
              "sparse_nbytes", "packed_nbytes", "training_memory", "backward_plan",
              "training_fits"}  # fmt: skip
    assert public <= called
    assert len(CATALOGUE) >= 60


def test_a_device_with_no_storage_prints_its_report_without_dividing_by_zero():
    ram_only = compress.Device("ram-only", 1 << 20, 0, 1e6)
    report = compress.fits(FOOTPRINT, ram_only)
    assert not report.fits("ram-only", "storage: dense float32")
    assert "over by" in str(report) and "(no budget)" in str(report)
