"""Fuzzing the core's public callables: one argument of a valid call replaced by an arbitrary
value (``junk``: None, strings, nested lists, NaN/inf arrays, float16/int/bool/complex/object
arrays, empty and 0-d arrays, wrong shapes, classes). The call returns, or raises ValueError or
TypeError (``fit`` may also stop on a diverging loss, which it reports with a warning); nothing
else escapes, and every input array, params dict and optimizer state is left bit-identical.

One test per public module. The documented unchecked building blocks (``Layer.forward`` and
``backward``, ``Sequential.forward``/``backward``/``layer_params``, ``loss.value_and_grad``
and the metric methods, ``train.backprop``) are called by the checked ones at every step and
are left out. Arguments that only size an allocation or a loop (``epochs``, ``steps``, ``n``)
are left out too: a valid huge value is slow, not wrong."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from bad_inputs import assert_fails_cleanly, junk
from hypothesis import given, settings
from hypothesis import strategies as st

import minitrain as mt
from minitrain import closed_form, optim
from minitrain.callbacks import KeepBest
from minitrain.gradcheck import grad_error, gradcheck, numerical_grad, relative_error
from minitrain.layers import sigmoid
from minitrain.losses import check_labels, check_probabilities, log_softmax, softmax
from minitrain.train import (
    History,
    Steps,
    check_data,
    check_model_and_loss,
    check_validation,
    epoch_batches,
)

# Each test draws this many (call, argument, value) triples: about a second per module (1500
# each, run once by hand, found nothing more).
EXAMPLES = 60

MODEL = mt.Sequential([mt.Dense(3, 4), mt.Tanh(), mt.Dense(4, 2)])
P = MODEL.init(0)
X = np.random.default_rng(0).normal(size=(8, 3))
Y = np.random.default_rng(1).normal(size=(8, 2))
LABELS = np.arange(8) % 2
G = {key: np.full_like(value, 0.5) for key, value in P.items()}
MSE = mt.losses.MSE()
CE = mt.losses.CrossEntropy()
LINEAR = closed_form.ols(X, Y)


class StopAfterOneEpoch(mt.Callback):
    """Ends every fuzzed run after its first epoch, whatever ``epochs`` arrived."""

    def on_epoch_end(self, run: Any) -> None:
        run.stop = True


class Assign(mt.Callback):
    """Assigns ``value`` to ``run.<attribute>`` after the first step, as a callback may."""

    def __init__(self, attribute: str, value: Any) -> None:
        self.attribute, self.value = attribute, value

    def on_step_end(self, run: Any) -> None:
        setattr(run, self.attribute, self.value)


def fit_assigning(attribute: str, value: Any, X: Any, y: Any, opt: Any) -> Any:
    """``fit`` with a callback that assigns ``value`` to ``run.params`` or ``run.opt_state``."""
    callbacks = [Assign(attribute, value), StopAfterOneEpoch()]
    return mt.fit(MODEL, MSE, opt, X, y, epochs=1, progress=False, callbacks=callbacks)


@dataclass
class Target:
    """A valid call; each of ``args`` (by position) and ``kwargs`` (by name) may be fuzzed,
    except those named in ``fixed``."""

    call: Callable[..., Any]
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    fixed: tuple = ()


def fuzz(data: st.DataObject, targets: list[Target], allowed: tuple = (ValueError, TypeError)):
    """Replace one argument of a drawn target with junk; only ``allowed`` errors may escape."""
    target = data.draw(st.sampled_from(targets), label="target")
    args, kwargs = list(target.args), dict(target.kwargs)
    slots = [i for i in range(len(args)) if i not in target.fixed]
    slots += [name for name in kwargs if name not in target.fixed]
    slot = data.draw(st.sampled_from(slots), label="argument")
    value = data.draw(junk(), label="value")
    if isinstance(slot, int):
        args[slot] = value
    else:
        kwargs[slot] = value
    assert_fails_cleanly(target.call, *args, allowed=allowed, **kwargs)


LAYER_TARGETS = [
    Target(mt.Sequential, ([mt.Dense(3, 4), mt.ReLU()],)),
    Target(lambda first, second: mt.Sequential([first, second]), (mt.Dense(3, 4), mt.ReLU())),
    Target(mt.Dense, (3, 4), {"init": "he"}),
    Target(mt.LeakyReLU, (0.1,)),
    Target(MODEL.init, (0,), {"dtype": np.float32}),
    Target(MODEL.predict, (P, X)),
    Target(MODEL.check_params, (P,)),
    Target(MODEL.check_input, (X,), {"dtype": np.float64}),
    Target(MODEL.macs, (4,)),
    Target(mt.Dense(3, 4).init, (np.random.default_rng(0),), {"dtype": np.float64}),
    Target(mt.ReLU().init, (np.random.default_rng(0),), {"dtype": np.float64}),
    Target(mt.Dense(3, 4).macs, (4,)),
    Target(sigmoid, (X,)),
]

LOSS_TARGETS = [
    *(
        Target(call, (Y, target))
        for loss, target in [
            (MSE, Y),
            (mt.losses.Huber(0.5), Y),
            (mt.losses.BinaryCrossEntropy(), np.clip(Y, 0, 1)),
            (CE, LABELS),
            (CE, np.full((8, 2), 0.5)),
            (mt.losses.Distillation(), (LABELS, Y)),
        ]
        for call in (loss, loss.grad, loss.check)
    ),
    Target(mt.losses.Huber, (1.0,)),
    Target(mt.losses.Distillation, (4.0, 0.5)),
    Target(softmax, (Y,)),
    Target(log_softmax, (Y,)),
    Target(check_labels, ("y", LABELS, 8, 2), fixed=(0,)),
    Target(check_probabilities, ("y", np.full((8, 2), 0.5), (8, 2)), fixed=(0,)),
]


def stepper_targets() -> list[Target]:
    adam, sgd = optim.Adam(), optim.SGD(0.1, momentum=0.9)
    frozen = optim.frozen(optim.Adam(), ["0.W"])
    schedule = optim.linear_warmup(optim.cosine(0.1, 10), 2)
    return [
        Target(optim.GD, (0.1,)),
        Target(optim.SGD, (), {"lr": 0.1, "momentum": 0.9, "dampening": 0.0, "nesterov": True}),
        Target(optim.SGD, (), {"lr": 0.1, "weight_decay": 0.1, "maximize": False}),
        Target(optim.Adagrad, (), {"lr": 0.1, "lr_decay": 0.1, "initial_accumulator_value": 0.1}),
        Target(optim.RMSprop, (), {"lr": 0.1, "alpha": 0.9, "eps": 1e-8, "centered": True}),
        Target(optim.RMSprop, (), {"momentum": 0.5, "weight_decay": 0.1}),
        Target(optim.Adam, (), {"lr": 0.1, "betas": (0.9, 0.99), "eps": 1e-8, "amsgrad": True}),
        Target(optim.AdamW, (), {"lr": schedule, "weight_decay": 0.1}),
        *(Target(opt.init, (P,)) for opt in (adam, sgd, frozen)),
        *(Target(opt.step, (P, G, opt.init(P))) for opt in (adam, sgd, frozen)),
        Target(adam.check_state, (P, adam.init(P))),
        Target(optim.frozen, (adam, ["0.W", "2.b"])),
        Target(optim.constant, (0.1,)),
        Target(optim.step_decay, (0.1, 3, 0.5)),
        Target(optim.exponential, (0.1, 0.9)),
        Target(optim.cosine, (0.1, 10, 0.01)),
        Target(optim.linear_warmup, (optim.cosine(0.1, 10), 3)),
        *(Target(s, (3,)) for s in (schedule, optim.step_decay(0.1, 2), optim.exponential(1, 2))),
    ]


OPTIM_TARGETS = stepper_targets()


def fit_kwargs(**overrides: Any) -> dict[str, Any]:
    kwargs = {"epochs": 2, "batch_size": 4, "seed": 0, "progress": False, "validation": (X, Y)}
    return {**kwargs, "callbacks": [StopAfterOneEpoch()], **overrides}


TRAIN_TARGETS = [
    Target(mt.fit, (MODEL, MSE, optim.SGD(0.1), X, Y), fit_kwargs(), fixed=("epochs",)),
    Target(
        mt.fit,
        (MODEL, CE, optim.Adam(), X, LABELS),
        fit_kwargs(params=P, opt_state=optim.Adam().init(P), initial_epoch=1),
        fixed=("epochs",),
    ),
    Target(
        mt.fit,
        (MODEL, MSE, optim.frozen(optim.Adam(), ["0.W"]), X, Y),
        fit_kwargs(on_divergence="stop"),
        fixed=("epochs",),
    ),
    Target(fit_assigning, ("params", P, X, Y, optim.SGD(0.1)), fixed=(0,)),
    Target(fit_assigning, ("opt_state", optim.Adam().init(P), X, Y, optim.Adam()), fixed=(0,)),
    Target(
        fit_assigning,
        ("opt_state", {"step": 0, "lr": 0.1}, X, Y, optim.frozen(optim.SGD(0.1), ["0.W"])),
        fixed=(0,),
    ),
    Target(mt.value_and_grad, (MODEL, MSE, P, X, Y)),
    Target(mt.value_and_grad, (MODEL, mt.losses.Distillation(), P, X, (LABELS, Y))),
    Target(check_data, (MODEL, CE, P, X, LABELS)),
    Target(check_model_and_loss, (MODEL, MSE)),
    Target(check_validation, (MODEL, MSE, (X, Y))),
    Target(epoch_batches, (8, 3, np.random.default_rng(0)), fixed=(0,)),
    Target(Steps, (MODEL, MSE, optim.Adam(), P, optim.Adam().init(P))),
    Target(History().first_reaching, (0.5,)),
]

CALLBACK_TARGETS = [
    Target(mt.EarlyStopping, (), {"patience": 2, "min_delta": 0.0, "restore_best": True}),
    Target(mt.EarlyStopping, (), {"monitor": "loss"}),
    Target(KeepBest, ("loss",)),
    Target(
        lambda callback, X: mt.fit(
            MODEL, MSE, optim.SGD(0.1), X, Y, epochs=3, progress=False, callbacks=[callback]
        ),
        (mt.EarlyStopping(patience=1, monitor="loss"), X),
    ),
    Target(
        lambda callbacks, X: mt.fit(
            MODEL, MSE, optim.SGD(0.1), X, Y, epochs=2, progress=False, callbacks=callbacks
        ),
        ([KeepBest("val_loss"), StopAfterOneEpoch()], X),
    ),
]

CLOSED_FORM_TARGETS = [
    Target(closed_form.ols, (X, Y, True)),
    Target(closed_form.ridge, (X, Y[:, 0], 0.1, False)),
    Target(closed_form.gd_rate, (X,), {"fit_intercept": True, "alpha": 0.1, "n_targets": 2}),
    Target(closed_form.gd_trajectory_bound, (1.0, 0.5, 5), fixed=(2,)),
    Target(closed_form.LinearSolution, (LINEAR.coef, LINEAR.intercept)),
    Target(LINEAR.predict, (X,)),
    Target(LINEAR.as_params, (0,)),
    Target(closed_form.parameter_error, (LINEAR.as_params(), LINEAR, 0)),
]


def f_sum(x: np.ndarray) -> float:
    return float(np.sum(x * x))


GRADCHECK_TARGETS = [
    Target(
        gradcheck,
        (MODEL, MSE, P, X, Y),
        {"eps": 1e-6, "keys": ["0.W"], "max_entries": 2, "seed": 0, "tiny": 1e-3},
    ),
    Target(numerical_grad, (f_sum, X[:2]), {"eps": 1e-6}),
    Target(grad_error, (f_sum, X[:2], 2 * X[:2]), {"eps": 1e-6, "tiny": 1e-3}),
    Target(relative_error, (X, X, 1e-3)),
]


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_layers_refuse_junk_by_value_or_type_error_only(data: st.DataObject) -> None:
    fuzz(data, LAYER_TARGETS)


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_losses_refuse_junk_by_value_or_type_error_only(data: st.DataObject) -> None:
    fuzz(data, LOSS_TARGETS)


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_optim_refuses_junk_by_value_or_type_error_only(data: st.DataObject) -> None:
    fuzz(data, OPTIM_TARGETS)


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_train_refuses_junk_by_value_or_type_error_only(data: st.DataObject) -> None:
    fuzz(data, TRAIN_TARGETS)


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_callbacks_refuse_junk_by_value_or_type_error_only(data: st.DataObject) -> None:
    fuzz(data, CALLBACK_TARGETS)


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_closed_form_refuses_junk_by_value_or_type_error_only(data: st.DataObject) -> None:
    fuzz(data, CLOSED_FORM_TARGETS)


@settings(max_examples=EXAMPLES)
@given(st.data())
def test_gradcheck_refuses_junk_by_value_or_type_error_only(data: st.DataObject) -> None:
    fuzz(data, GRADCHECK_TARGETS)
