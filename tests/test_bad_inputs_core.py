"""Bad input to the core (layers, losses, optim, train, callbacks, closed_form, gradcheck,
strategies) is refused by name: each case checks the exception type, that the message names the
argument (and where it matters what to do), that every input array, params dict and optimizer
state is bit-identical afterwards, and that no warning was emitted on the way."""

from __future__ import annotations

from typing import Any

import numpy as np
from bad_inputs import Case, assert_refused, cases

import minitrain as mt
import minitrain.strategies as mts
from minitrain import closed_form, optim
from minitrain.callbacks import KeepBest
from minitrain.gradcheck import grad_error, gradcheck, numerical_grad, relative_error
from minitrain.layers import sigmoid
from minitrain.losses import check_labels, log_softmax, softmax
from minitrain.train import (
    History,
    Steps,
    check_model_and_loss,
    check_validation,
    epoch_batches,
)

RNG = np.random.default_rng(0)
MODEL = mt.Sequential([mt.Dense(3, 4), mt.ReLU(), mt.Dense(4, 2)])
P = MODEL.init(0)
P32 = MODEL.init(0, dtype=np.float32)
P16 = {key: value.astype(np.float16) for key, value in P.items()}
G = {key: np.full_like(value, 0.5) for key, value in P.items()}
G16 = {key: value.astype(np.float16) for key, value in G.items()}
X = RNG.normal(size=(10, 3))
Y = RNG.normal(size=(10, 2))
X16, Y16 = X.astype(np.float16), Y.astype(np.float16)
X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
X_NAN = np.where(np.arange(30).reshape(10, 3) == 4, np.nan, X)
LABELS = np.arange(10) % 2
MSE = mt.losses.MSE()
CE = mt.losses.CrossEntropy()
ADAM_STATE = optim.Adam().init(P)
# Optimizer states that belong to something else: other params (keys, shapes, dtype), float16
# slots, another stepper, a step that no run reaches.
OTHER_KEYS_STATE = optim.Adam().init({"w": np.ones(2)})
OTHER_SHAPES_STATE = optim.Adam().init({key: np.ones(1) for key in P})
STATE32 = optim.Adam().init(P32)
STATE16 = {**ADAM_STATE, "exp_avg": P16}
SGD_STATE = optim.SGD(0.1).init(P)
NEGATIVE_STEP_STATE = {**ADAM_STATE, "step": -1}
BOOL_STEP_STATE = {**ADAM_STATE, "step": True}
LINEAR = closed_form.ols(X, Y)
LINEAR_PARAMS = LINEAR.as_params()


def f_sum(x: np.ndarray) -> float:
    return float(np.sum(x * x))


def fit_case(id: str, error: Any, names: tuple[str, ...], **overrides: Any) -> Case:
    """A call of ``mt.fit(model, loss, opt, X, y, epochs=1, progress=False)`` with overrides."""
    model, loss = overrides.pop("model", MODEL), overrides.pop("loss", MSE)
    opt = overrides.pop("opt", optim.SGD(0.1))
    X_, y_ = overrides.pop("X", X), overrides.pop("y", Y)
    kwargs = {"epochs": 1, "progress": False, **overrides}
    return Case(f"fit {id}", mt.fit, (model, loss, opt, X_, y_), kwargs, error, names)


LAYERS = [
    Case("Sequential of None", mt.Sequential, (None,), error=TypeError, names=("layers",)),
    Case(
        "Sequential of a bare layer",
        mt.Sequential,
        (mt.Dense(2, 3),),
        error=TypeError,
        names=("layers", "put it in a list"),
    ),
    Case(
        "Sequential with a layer class",
        mt.Sequential,
        ([mt.Dense(2, 3), mt.ReLU],),
        error=TypeError,
        names=("layers[1]", "call it", "ReLU"),
    ),
    Case("Sequential of nothing", mt.Sequential, ([],), error=ValueError, names=("layers",)),
    Case(
        "Sequential of mismatched widths",
        mt.Sequential,
        ([mt.Dense(3, 5), mt.ReLU(), mt.Dense(4, 2)],),
        error=ValueError,
        names=("layer 2", "layer 0"),
    ),
    Case("Dense with n_in 0", mt.Dense, (0, 3), error=ValueError, names=("n_in",)),
    Case("Dense with a float n_out", mt.Dense, (2, 3.0), error=TypeError, names=("n_out",)),
    Case(
        "Dense with a misspelt initialiser",
        mt.Dense,
        (2, 3),
        {"init": "Glorot"},
        ValueError,
        ("init", "'glorot'"),
    ),
    Case("LeakyReLU slope < 0", mt.LeakyReLU, (-1.0,), error=ValueError, names=("slope",)),
    Case("init seed -1", MODEL.init, (-1,), error=ValueError, names=("seed",)),
    Case("init seed None", MODEL.init, (None,), error=TypeError, names=("seed",)),
    Case("init seed 1.5", MODEL.init, (1.5,), error=TypeError, names=("seed",)),
    Case("init seed True", MODEL.init, (True,), error=TypeError, names=("seed",)),
    Case(
        "init dtype float16",
        MODEL.init,
        (0,),
        {"dtype": np.float16},
        TypeError,
        ("dtype", "float16", "np.float32"),
    ),
    Case("init dtype junk", MODEL.init, (0, "junk"), error=TypeError, names=("dtype",)),
    Case("init dtype None", MODEL.init, (0, None), error=TypeError, names=("dtype",)),
    Case("init dtype int", MODEL.init, (0, np.int32), error=TypeError, names=("dtype",)),
    Case(
        "Dense.init rng not a Generator",
        mt.Dense(2, 3).init,
        (0,),
        error=TypeError,
        names=("rng", "default_rng"),
    ),
    Case(
        "Dense.init dtype float16",
        mt.Dense(2, 3).init,
        (np.random.default_rng(0), np.float16),
        error=TypeError,
        names=("dtype", "float16"),
    ),
    Case("predict X float16", MODEL.predict, (P, X16), error=TypeError, names=("X", "float16")),
    Case(
        "predict params float16",
        MODEL.predict,
        (P16, X),
        error=TypeError,
        names=("params['0.W']", "float16"),
    ),
    Case("predict params None", MODEL.predict, (None, X), error=TypeError, names=("params",)),
    Case("predict X None", MODEL.predict, (P, None), error=TypeError, names=("X",)),
    Case(
        "predict X of 2 columns",
        MODEL.predict,
        (P, X[:, :2]),
        error=ValueError,
        names=("X has 2 columns", "Dense(3, 4) at layer 0"),
    ),
    Case("predict X with NaN", MODEL.predict, (P, X_NAN), error=ValueError, names=("X", "NaN")),
    Case(
        "predict float64 X with float32 params",
        MODEL.predict,
        (P32, X),
        error=TypeError,
        names=("X", "float32"),
    ),
    Case(
        "predict params of another model",
        MODEL.predict,
        ({**P, "2.W": np.zeros((3, 5))}, X),
        error=ValueError,
        names=("params['2.W']", "(3, 5)"),
    ),
    Case(
        "check_params of mixed dtypes",
        MODEL.check_params,
        ({**P, "0.b": P32["0.b"]},),
        error=TypeError,
        names=("params", "mix dtypes"),
    ),
    Case("macs of batch -1", MODEL.macs, (-1,), error=ValueError, names=("batch",)),
    Case("macs of batch 1.5", MODEL.macs, (1.5,), error=TypeError, names=("batch",)),
    Case("sigmoid of float16", sigmoid, (X16,), error=TypeError, names=("x", "float16")),
    Case("sigmoid of None", sigmoid, (None,), error=TypeError, names=("x",)),
]

LOSSES = [
    Case("MSE pred float16", MSE, (Y16, Y16), error=TypeError, names=("pred", "float16")),
    Case("MSE target float16", MSE, (Y, Y16), error=TypeError, names=("target", "float16")),
    Case("MSE grad pred None", MSE.grad, (None, Y), error=TypeError, names=("pred",)),
    Case("MSE target of 5 rows", MSE, (Y, Y[:5]), error=ValueError, names=("target", "shape")),
    Case(
        "MSE float64 target for float32 pred",
        MSE.grad,
        (Y32, Y),
        error=TypeError,
        names=("target", "float32"),
    ),
    Case("MSE target with inf", MSE, (Y, Y * np.inf), error=ValueError, names=("target",)),
    Case("Huber delta 0", mt.losses.Huber, (0.0,), error=ValueError, names=("delta",)),
    Case("Huber delta str", mt.losses.Huber, ("1",), error=TypeError, names=("delta",)),
    Case(
        "Huber grad pred float16",
        mt.losses.Huber().grad,
        (Y16, Y16),
        error=TypeError,
        names=("pred", "float16"),
    ),
    Case(
        "BCE target above 1",
        mt.losses.BinaryCrossEntropy(),
        (Y, np.full_like(Y, 2.0)),
        error=ValueError,
        names=("target", "[0, 1]"),
    ),
    Case(
        "BCE integer target",
        mt.losses.BinaryCrossEntropy().grad,
        (Y, np.ones((10, 2), dtype=np.int64)),
        error=TypeError,
        names=("target", "astype"),
    ),
    Case(
        "CE float labels",
        CE,
        (Y, LABELS.astype(float)),
        error=TypeError,
        names=("target", "integer class labels"),
    ),
    Case("CE label out of range", CE, (Y, LABELS + 1), error=ValueError, names=("target",)),
    Case("CE 1-d logits", CE, (Y[:, 0], LABELS), error=ValueError, names=("pred",)),
    Case(
        "CE float16 probabilities",
        CE.grad,
        (Y, np.full((10, 2), 0.5, dtype=np.float16)),
        error=TypeError,
        names=("target", "float16"),
    ),
    Case(
        "CE integer one-hot rows",
        CE,
        (Y, np.eye(2, dtype=np.int64)[LABELS]),
        error=TypeError,
        names=("target", "argmax"),
    ),
    Case(
        "CE rows that are not probabilities",
        CE,
        (Y, np.full((10, 2), 0.7)),
        error=ValueError,
        names=("target", "row 0"),
    ),
    Case(
        "Distillation temperature 0",
        mt.losses.Distillation,
        (0.0,),
        error=ValueError,
        names=("temperature",),
    ),
    Case(
        "Distillation alpha 2",
        mt.losses.Distillation,
        (),
        {"alpha": 2.0},
        ValueError,
        ("alpha",),
    ),
    Case(
        "Distillation target a list",
        mt.losses.Distillation(),
        (Y, [LABELS, Y]),
        error=TypeError,
        names=("target", "tuple"),
    ),
    Case(
        "Distillation float16 teacher",
        mt.losses.Distillation().grad,
        (Y, (LABELS, Y16)),
        error=TypeError,
        names=("teacher_logits", "float16"),
    ),
    Case("softmax of float16", softmax, (X16,), error=TypeError, names=("logits", "float16")),
    Case("log_softmax of a row", log_softmax, (X[0],), error=ValueError, names=("logits",)),
    Case("check_labels of None", check_labels, ("y", None, 3, 2), error=TypeError, names=("y",)),
]

OPTIM = [
    Case(
        "SGD nesterov 'no'",
        optim.SGD,
        (0.1,),
        {"momentum": 0.9, "nesterov": "no"},
        TypeError,
        ("nesterov", "True or False"),
    ),
    Case("SGD nesterov 1", optim.SGD, (0.1, 0.9, 0.0, 1), error=TypeError, names=("nesterov",)),
    Case("SGD maximize 'no'", optim.SGD, (0.1,), {"maximize": "no"}, TypeError, ("maximize",)),
    Case("SGD momentum < 0", optim.SGD, (0.1, -0.5), error=ValueError, names=("momentum",)),
    Case(
        "SGD nesterov without momentum",
        optim.SGD,
        (0.1,),
        {"nesterov": True},
        ValueError,
        ("nesterov", "momentum"),
    ),
    Case("RMSprop centered 1", optim.RMSprop, (), {"centered": 1}, TypeError, ("centered",)),
    Case("Adam amsgrad 'yes'", optim.Adam, (), {"amsgrad": "yes"}, TypeError, ("amsgrad",)),
    Case("Adam one beta", optim.Adam, (), {"betas": (0.9,)}, TypeError, ("betas",)),
    Case("Adam beta2 of 1", optim.Adam, (), {"betas": (0.9, 1.0)}, ValueError, ("betas[1]",)),
    Case(
        "Adam lr a schedule class",
        optim.Adam,
        (optim.cosine,),
        error=TypeError,
        names=("lr", "call it", "cosine"),
    ),
    Case("Adam lr None", optim.Adam, (None,), error=TypeError, names=("lr",)),
    Case(
        "Adam lr schedule giving a string",
        optim.Adam,
        (lambda t: "fast",),
        error=ValueError,
        names=("lr schedule", "step 1"),
    ),
    Case("GD lr < 0", optim.GD, (-1.0,), error=ValueError, names=("lr",)),
    Case(
        "Adagrad lr_decay < 0",
        optim.Adagrad,
        (),
        {"lr_decay": -1.0},
        ValueError,
        ("lr_decay",),
    ),
    Case(
        "init float16 params",
        optim.Adam().init,
        (P16,),
        error=TypeError,
        names=("params['0.W']", "float16"),
    ),
    Case("init params None", optim.Adam().init, (None,), error=TypeError, names=("params",)),
    Case(
        "step float16 params and grads",
        optim.Adam().step,
        (P16, G16, ADAM_STATE),
        error=TypeError,
        names=("params['0.W']", "float16"),
    ),
    Case(
        "step float16 grads",
        optim.Adam().step,
        (P, G16, ADAM_STATE),
        error=TypeError,
        names=("grads['0.W']", "float16"),
    ),
    Case(
        "step float16 slots",
        optim.Adam().step,
        (P, G, STATE16),
        error=TypeError,
        names=("state['exp_avg']['0.W']", "float16"),
    ),
    Case(
        "step state of other keys",
        optim.Adam().step,
        (P, G, OTHER_KEYS_STATE),
        error=ValueError,
        names=("state['exp_avg']", "missing"),
    ),
    Case(
        "step state of other shapes",
        optim.Adam().step,
        (P, G, OTHER_SHAPES_STATE),
        error=ValueError,
        names=("state['exp_avg']['0.W']", "shape (1,)"),
    ),
    Case(
        "step float32 state for float64 params",
        optim.Adam().step,
        (P, G, STATE32),
        error=TypeError,
        names=("state['exp_avg']['0.W']", "float32"),
    ),
    Case(
        "Adam step with SGD's state",
        optim.Adam().step,
        (P, G, SGD_STATE),
        error=ValueError,
        names=("state", "exp_avg"),
    ),
    Case(
        "SGD step with Adam's state",
        optim.SGD(0.1).step,
        (P, G, ADAM_STATE),
        error=ValueError,
        names=("state", "another stepper"),
    ),
    Case(
        "step negative step",
        optim.Adam().step,
        (P, G, NEGATIVE_STEP_STATE),
        error=ValueError,
        names=("state", "'step'"),
    ),
    Case(
        "step bool step",
        optim.Adam().step,
        (P, G, BOOL_STEP_STATE),
        error=TypeError,
        names=("state", "'step'"),
    ),
    Case("step state None", optim.Adam().step, (P, G, None), error=TypeError, names=("state",)),
    Case(
        "step grads None",
        optim.Adam().step,
        (P, None, ADAM_STATE),
        error=TypeError,
        names=("grads",),
    ),
    Case(
        "step grads of another shape",
        optim.Adam().step,
        (P, {**G, "0.W": np.ones((4, 3))}, ADAM_STATE),
        error=ValueError,
        names=("grads['0.W']",),
    ),
    Case(
        "frozen of a stepper class",
        optim.frozen,
        (optim.SGD, ["0.W"]),
        error=TypeError,
        names=("opt", "call it"),
    ),
    Case(
        "frozen keys None", optim.frozen, (optim.SGD(0.1), None), error=TypeError, names=("keys",)
    ),
    Case(
        "frozen repeated key",
        optim.frozen,
        (optim.SGD(0.1), ["0.W", "0.W"]),
        error=ValueError,
        names=("keys", "more than once"),
    ),
    Case(
        "frozen unknown key",
        optim.frozen(optim.SGD(0.1), ["9.W"]).init,
        (P,),
        error=ValueError,
        names=("keys", "9.W"),
    ),
    Case(
        "frozen step state of other shapes",
        optim.frozen(optim.Adam(), ["0.W"]).step,
        (P, G, OTHER_SHAPES_STATE),
        error=ValueError,
        names=("state['exp_avg']['0.W']",),
    ),
    Case("cosine total_steps 0", optim.cosine, (0.1, 0), error=ValueError, names=("total_steps",)),
    Case(
        "cosine min_lr above lr", optim.cosine, (0.1, 10, 0.2), error=ValueError, names=("min_lr",)
    ),
    Case("cosine at step 0", optim.cosine(0.1, 10), (0,), error=ValueError, names=("t",)),
    Case("step_decay at step 'a'", optim.step_decay(0.1, 2), ("a",), error=TypeError, names=("t",)),
    Case(
        "exponential gamma None", optim.exponential, (0.1, None), error=TypeError, names=("gamma",)
    ),
    Case(
        "linear_warmup of None",
        optim.linear_warmup,
        (None, 3),
        error=TypeError,
        names=("schedule",),
    ),
    Case(
        "linear_warmup of a schedule class",
        optim.linear_warmup,
        (optim.cosine, 3),
        error=TypeError,
        names=("schedule", "call it"),
    ),
    Case(
        "linear_warmup of 0 steps",
        optim.linear_warmup,
        (0.1, 0),
        error=ValueError,
        names=("warmup_steps",),
    ),
    Case("constant lr < 0", optim.constant, (-1.0,), error=ValueError, names=("lr",)),
]

TRAIN = [
    Case(
        "value_and_grad model class",
        mt.value_and_grad,
        (mt.Sequential, MSE, P, X, Y),
        error=TypeError,
        names=("model", "call it"),
    ),
    Case(
        "value_and_grad loss class",
        mt.value_and_grad,
        (MODEL, mt.losses.MSE, P, X, Y),
        error=TypeError,
        names=("loss", "call it", "MSE"),
    ),
    Case(
        "value_and_grad X float16",
        mt.value_and_grad,
        (MODEL, MSE, P, X16, Y),
        error=TypeError,
        names=("X", "float16"),
    ),
    Case(
        "value_and_grad y float16",
        mt.value_and_grad,
        (MODEL, MSE, P, X, Y16),
        error=TypeError,
        names=("y", "float16"),
    ),
    Case(
        "value_and_grad params float16",
        mt.value_and_grad,
        (MODEL, MSE, P16, X16, Y16),
        error=TypeError,
        names=("params['0.W']", "float16"),
    ),
    Case(
        "value_and_grad y None",
        mt.value_and_grad,
        (MODEL, MSE, P, X, None),
        error=TypeError,
        names=("y",),
    ),
    Case(
        "value_and_grad y a list",
        mt.value_and_grad,
        (MODEL, MSE, P, X, Y.tolist()),
        error=TypeError,
        names=("y",),
    ),
    Case(
        "value_and_grad y a tuple for MSE",
        mt.value_and_grad,
        (
            mt.Sequential([mt.Dense(2, 2)]),
            MSE,
            {"0.W": np.eye(2), "0.b": np.zeros(2)},
            X[:2, :2],
            (Y[:2, 0], Y[:2, 1]),
        ),
        error=TypeError,
        names=("y", "tuple", "one target array"),
    ),
    Case(
        "value_and_grad X None",
        mt.value_and_grad,
        (MODEL, MSE, P, None, Y),
        error=TypeError,
        names=("X",),
    ),
    fit_case("stepper class", TypeError, ("opt", "call it", "Adam"), opt=optim.Adam),
    fit_case("loss class", TypeError, ("loss", "call it"), loss=mt.losses.MSE),
    fit_case("progress 1", TypeError, ("progress",), progress=1),
    fit_case("progress 'no'", TypeError, ("progress",), progress="no"),
    fit_case("seed -1", ValueError, ("seed",), seed=-1),
    fit_case("seed None", TypeError, ("seed",), seed=None),
    fit_case("seed 1.5", TypeError, ("seed",), seed=1.5),
    fit_case("epochs 0", ValueError, ("epochs",), epochs=0),
    fit_case("batch_size 0", ValueError, ("batch_size",), batch_size=0),
    fit_case("callbacks None", TypeError, ("callbacks",), callbacks=None),
    fit_case(
        "one callback not in a list",
        TypeError,
        ("callbacks", "put it in a list"),
        callbacks=mt.EarlyStopping(),
    ),
    fit_case(
        "callback class", TypeError, ("callbacks[0]", "call it"), callbacks=[mt.EarlyStopping]
    ),
    fit_case(
        "callbacks a generator",
        TypeError,
        ("callbacks", "generator"),
        callbacks=(callback for callback in [mt.EarlyStopping()]),
    ),
    fit_case("callback an int", TypeError, ("callbacks[0]", "on_train_begin"), callbacks=[1]),
    fit_case("validation a list", TypeError, ("validation",), validation=[X, Y]),
    fit_case("validation X float16", TypeError, ("X_val", "float16"), validation=(X16, Y)),
    fit_case("validation y of 3 rows", ValueError, ("y_val",), validation=(X, Y[:3])),
    fit_case("params float16", TypeError, ("params['0.W']", "float16"), params=P16),
    fit_case("float32 params for float64 X", TypeError, ("X", "float32"), params=P32),
    fit_case(
        "opt_state of other params",
        ValueError,
        ("opt_state['exp_avg']",),
        opt=optim.Adam(),
        opt_state=OTHER_KEYS_STATE,
    ),
    fit_case(
        "opt_state of other shapes",
        ValueError,
        ("opt_state['exp_avg']['0.W']",),
        opt=optim.Adam(),
        opt_state=OTHER_SHAPES_STATE,
    ),
    fit_case(
        "opt_state float16",
        TypeError,
        ("opt_state['exp_avg']['0.W']", "float16"),
        opt=optim.Adam(),
        opt_state=STATE16,
    ),
    fit_case(
        "opt_state negative step",
        ValueError,
        ("opt_state", "'step'"),
        opt=optim.Adam(),
        opt_state=NEGATIVE_STEP_STATE,
    ),
    fit_case(
        "opt_state of another stepper",
        ValueError,
        ("opt_state", "exp_avg"),
        opt=optim.Adam(),
        opt_state=SGD_STATE,
    ),
    fit_case(
        "frozen opt_state of other shapes",
        ValueError,
        ("opt_state['exp_avg']['0.W']",),
        opt=optim.frozen(optim.Adam(), ["0.W"]),
        opt_state=OTHER_SHAPES_STATE,
    ),
    fit_case(
        "on_divergence misspelt", ValueError, ("on_divergence", "'stop'"), on_divergence="Stop"
    ),
    fit_case(
        "initial_epoch past epochs", ValueError, ("initial_epoch",), epochs=3, initial_epoch=5
    ),
    fit_case("y float16", TypeError, ("y", "float16"), y=Y16),
    fit_case("X with NaN", ValueError, ("X", "minitrain.clean"), X=X_NAN),
    fit_case(
        "float labels for CrossEntropy",
        TypeError,
        ("y", "integer class labels"),
        loss=CE,
        y=LABELS.astype(float),
    ),
    Case("epoch_batches n -1", epoch_batches, (-1, 2, RNG), error=ValueError, names=("n",)),
    Case(
        "epoch_batches batch_size 0",
        epoch_batches,
        (10, 0, RNG),
        error=ValueError,
        names=("batch_size",),
    ),
    Case("epoch_batches rng 0", epoch_batches, (10, 2, 0), error=TypeError, names=("rng",)),
    Case(
        "check_validation of a list",
        check_validation,
        (MODEL, MSE, [X, Y]),
        error=TypeError,
        names=("validation",),
    ),
    Case(
        "check_model_and_loss loss None",
        check_model_and_loss,
        (MODEL, None),
        error=TypeError,
        names=("loss",),
    ),
    Case(
        "first_reaching None", History().first_reaching, (None,), error=TypeError, names=("value",)
    ),
    Case(
        "Steps of a stepper class",
        Steps,
        (MODEL, MSE, optim.Adam, P, ADAM_STATE),
        error=TypeError,
        names=("opt", "call it"),
    ),
    Case(
        "Steps of a state of other shapes",
        Steps,
        (MODEL, MSE, optim.Adam(), P, OTHER_SHAPES_STATE),
        error=ValueError,
        names=("opt_state['exp_avg']['0.W']",),
    ),
]

CALLBACKS = [
    Case(
        "EarlyStopping misspelt monitor",
        mt.EarlyStopping,
        (),
        {"monitor": "val_los"},
        ValueError,
        ("monitor", "'val_loss'", "'loss'"),
    ),
    Case(
        "EarlyStopping restore_best 'no'",
        mt.EarlyStopping,
        (),
        {"restore_best": "no"},
        TypeError,
        ("restore_best",),
    ),
    Case("EarlyStopping patience 0", mt.EarlyStopping, (0,), error=ValueError, names=("patience",)),
    Case(
        "EarlyStopping min_delta < 0",
        mt.EarlyStopping,
        (5, -1.0),
        error=ValueError,
        names=("min_delta",),
    ),
    Case(
        "KeepBest misspelt monitor", KeepBest, ("accuracy",), error=ValueError, names=("monitor",)
    ),
    Case("KeepBest monitor None", KeepBest, (None,), error=ValueError, names=("monitor",)),
]

CLOSED_FORM = [
    Case("ols X float16", closed_form.ols, (X16, Y16), error=TypeError, names=("X", "float16")),
    Case("ols y None", closed_form.ols, (X, None), error=TypeError, names=("y",)),
    Case("ols y of 3 rows", closed_form.ols, (X, Y[:3]), error=ValueError, names=("y",)),
    Case("ols y float32 for float64 X", closed_form.ols, (X, Y32), error=TypeError, names=("y",)),
    Case(
        "ols fit_intercept 'no'",
        closed_form.ols,
        (X, Y, "no"),
        error=TypeError,
        names=("fit_intercept",),
    ),
    Case("ridge alpha < 0", closed_form.ridge, (X, Y, -1.0), error=ValueError, names=("alpha",)),
    Case("ridge alpha None", closed_form.ridge, (X, Y, None), error=TypeError, names=("alpha",)),
    Case(
        "ridge fit_intercept 1",
        closed_form.ridge,
        (X, Y, 0.1, 1),
        error=TypeError,
        names=("fit_intercept",),
    ),
    Case("gd_rate X float16", closed_form.gd_rate, (X16,), error=TypeError, names=("X",)),
    Case(
        "gd_rate of a flat objective",
        closed_form.gd_rate,
        (np.zeros((4, 2)), False),
        error=ValueError,
        names=("X", "flat"),
    ),
    Case(
        "gd_rate n_targets 0",
        closed_form.gd_rate,
        (X,),
        {"n_targets": 0},
        ValueError,
        ("n_targets",),
    ),
    Case(
        "gd_trajectory_bound steps -1",
        closed_form.gd_trajectory_bound,
        (1.0, 0.5, -1),
        error=ValueError,
        names=("steps",),
    ),
    Case(
        "gd_trajectory_bound factor None",
        closed_form.gd_trajectory_bound,
        (1.0, None, 3),
        error=TypeError,
        names=("factor",),
    ),
    Case(
        "LinearSolution.predict X of 2 columns",
        LINEAR.predict,
        (X[:, :2],),
        error=ValueError,
        names=("X has 2 columns",),
    ),
    Case(
        "LinearSolution.predict X float32",
        LINEAR.predict,
        (X32,),
        error=TypeError,
        names=("X", "float32"),
    ),
    Case(
        "LinearSolution.as_params layer -1",
        LINEAR.as_params,
        (-1,),
        error=ValueError,
        names=("layer",),
    ),
    Case(
        "LinearSolution of None",
        closed_form.LinearSolution,
        (None, None),
        error=TypeError,
        names=("coef",),
    ),
    Case(
        "LinearSolution intercept of the wrong shape",
        closed_form.LinearSolution,
        (np.ones((3, 2)), np.ones(3)),
        error=ValueError,
        names=("intercept", "(2,)"),
    ),
    Case(
        "parameter_error params None",
        closed_form.parameter_error,
        (None, LINEAR),
        error=TypeError,
        names=("params",),
    ),
    Case(
        "parameter_error solution None",
        closed_form.parameter_error,
        (LINEAR_PARAMS, None),
        error=TypeError,
        names=("solution",),
    ),
    Case(
        "parameter_error params of another model",
        closed_form.parameter_error,
        (P, LINEAR),
        error=ValueError,
        names=("params['0.W']", "(3, 4)"),
    ),
    Case(
        "parameter_error float16 params",
        closed_form.parameter_error,
        ({key: value.astype(np.float16) for key, value in LINEAR_PARAMS.items()}, LINEAR),
        error=TypeError,
        names=("params['0.W']", "float16"),
    ),
    Case(
        "parameter_error layer without parameters",
        closed_form.parameter_error,
        (LINEAR_PARAMS, LINEAR, 2),
        error=ValueError,
        names=("params", "'2.W'", "layer"),
    ),
]

GRADCHECK = [
    Case(
        "gradcheck float32",
        gradcheck,
        (MODEL, MSE, P32, X32, Y32),
        error=TypeError,
        names=("params['0.W']", "float64"),
    ),
    Case(
        "gradcheck float16",
        gradcheck,
        (MODEL, MSE, P16, X16, Y16),
        error=TypeError,
        names=("params['0.W']", "float16"),
    ),
    Case(
        "gradcheck keys a bare string",
        gradcheck,
        (MODEL, MSE, P, X, Y),
        {"keys": "0.W"},
        TypeError,
        ("keys", "list"),
    ),
    Case(
        "gradcheck repeated key",
        gradcheck,
        (MODEL, MSE, P, X, Y),
        {"keys": ["0.W", "0.W"]},
        ValueError,
        ("keys", "more than once"),
    ),
    Case(
        "gradcheck unknown key",
        gradcheck,
        (MODEL, MSE, P, X, Y),
        {"keys": ["9.W"]},
        ValueError,
        ("keys", "9.W"),
    ),
    Case(
        "gradcheck seed -1",
        gradcheck,
        (MODEL, MSE, P, X, Y),
        {"max_entries": 2, "seed": -1},
        ValueError,
        ("seed",),
    ),
    Case(
        "gradcheck of no keys",
        gradcheck,
        (MODEL, MSE, P, X, Y),
        {"keys": []},
        ValueError,
        ("keys", "nothing would be checked"),
    ),
    Case(
        "gradcheck of a model without parameters",
        gradcheck,
        (mt.Sequential([mt.ReLU()]), MSE, {}, X[:, :2], Y),
        error=ValueError,
        names=("no parameters",),
    ),
    Case(
        "gradcheck max_entries 0",
        gradcheck,
        (MODEL, MSE, P, X, Y),
        {"max_entries": 0},
        ValueError,
        ("max_entries",),
    ),
    Case("gradcheck eps 0", gradcheck, (MODEL, MSE, P, X, Y), {"eps": 0.0}, ValueError, ("eps",)),
    Case(
        "gradcheck loss class",
        gradcheck,
        (MODEL, mt.losses.MSE, P, X, Y),
        error=TypeError,
        names=("loss", "call it"),
    ),
    Case("numerical_grad f None", numerical_grad, (None, X), error=TypeError, names=("f",)),
    Case(
        "numerical_grad f returning an array",
        numerical_grad,
        (lambda x: x, X),
        error=TypeError,
        names=("f", "one floating-point number"),
    ),
    Case(
        "numerical_grad f returning NaN",
        numerical_grad,
        (lambda x: float("nan"), X),
        error=ValueError,
        names=("f(x)",),
    ),
    Case("numerical_grad x float16", numerical_grad, (f_sum, X16), error=TypeError, names=("x",)),
    Case(
        "numerical_grad x float32",
        numerical_grad,
        (f_sum, X32),
        error=TypeError,
        names=("x", "float64"),
    ),
    Case(
        "grad_error analytic None",
        grad_error,
        (f_sum, X, None),
        error=TypeError,
        names=("analytic",),
    ),
    Case(
        "grad_error analytic float16",
        grad_error,
        (f_sum, X, X16),
        error=TypeError,
        names=("analytic", "float16"),
    ),
    Case(
        "grad_error analytic of another shape",
        grad_error,
        (f_sum, X, X[:2]),
        error=ValueError,
        names=("analytic",),
    ),
    Case("grad_error tiny 0", grad_error, (f_sum, X, 2 * X), {"tiny": 0.0}, ValueError, ("tiny",)),
    Case(
        "relative_error of two shapes",
        relative_error,
        (X, X[:2], 1e-3),
        error=ValueError,
        names=("analytic", "numerical"),
    ),
    Case("relative_error floor 0", relative_error, (X, X, 0.0), error=ValueError, names=("floor",)),
]

STRATEGIES = [
    Case(
        "finite_arrays float16",
        mts.finite_arrays,
        ((2,),),
        {"dtype": np.float16},
        TypeError,
        ("dtype", "float16"),
    ),
    Case(
        "finite_arrays min_value NaN",
        mts.finite_arrays,
        ((2,),),
        {"min_value": float("nan")},
        ValueError,
        ("min_value",),
    ),
    Case(
        "params_for a model class",
        mts.params_for,
        (mt.Sequential,),
        error=TypeError,
        names=("model", "call it"),
    ),
    Case("params_for dtype None", mts.params_for, (MODEL, None), error=TypeError, names=("dtype",)),
    Case(
        "params_for elements a list",
        mts.params_for,
        (MODEL,),
        {"elements": [0.0, 1.0]},
        TypeError,
        ("elements",),
    ),
    Case(
        "matrix_with_condition_number fewer rows than columns",
        mts.matrix_with_condition_number,
        (RNG, 2, 3, 10.0),
        error=ValueError,
        names=("n_samples",),
    ),
    Case(
        "matrix_with_condition_number below 1",
        mts.matrix_with_condition_number,
        (RNG, 5, 2, 0.5),
        error=ValueError,
        names=("condition_number",),
    ),
    Case(
        "matrix_with_condition_number rng 0",
        mts.matrix_with_condition_number,
        (0, 5, 2, 10.0),
        error=TypeError,
        names=("rng",),
    ),
]

CATALOGUE = LAYERS + LOSSES + OPTIM + TRAIN + CALLBACKS + CLOSED_FORM + GRADCHECK + STRATEGIES


@cases(*CATALOGUE)
def test_the_core_refuses_bad_input_by_name_and_leaves_it_unchanged(case: Case) -> None:
    assert_refused(case)


def test_the_catalogue_covers_every_core_module_with_at_least_80_cases() -> None:
    sections = [LAYERS, LOSSES, OPTIM, TRAIN, CALLBACKS, CLOSED_FORM, GRADCHECK, STRATEGIES]
    assert all(len(section) >= 5 for section in sections)
    assert len(CATALOGUE) >= 80
