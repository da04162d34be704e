r"""The demo's stage after deployment: the world of one device drifts, and the deployed model
either stays frozen or keeps learning on the device, within its memory budget.

The fleet is simulated again with the demo's seed for ``DEPLOYED_HOURS`` more hours per node
(the same sites: their offsets, trends and cycles are the simulator's first draws; the hourly
readings are new draws), and its readings after the training hours are the stream the
deployed model sees. At hour ``DRIFT_AT`` after deployment the machine
watched by the first Cortex-M4 node is serviced: the vibration in the power formula becomes
``vibration - DRIFT_SIZE`` (``data.Drift("abrupt", ...)``), so the same readings draw
25 * DRIFT_SIZE W less power. Each strategy is scored test-then-train (``adapt.prequential``):
every batch of ``LEARN_BATCH`` hourly readings is predicted and scored before it is learned.
Errors are reported in W as the root of the mean squared error over a stretch of the stream,

    RMSE = s_y sqrt(mean_t e_t),   e_t = (f(x_t) - y_t)^2 on standardized targets, s_y the
                                   target's standard deviation (W) in the training data,

and ADWIN watches the frozen model's e_t (the device reads the true power from its meter
after predicting it, so it knows its own error). Training memory of a step:
``compress.training_memory``; which device class can afford it: ``compress.training_fits``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import adapt, compress, data, optim
from ._types import Params
from .losses import MSE

__all__ = ["DEPLOYED_HOURS", "DRIFT_AT", "DRIFT_SIZE", "LEARN_BATCH", "MAX_DELAY",
           "DriftStage", "StrategyRow", "adaptation_table", "run_drift_stage", "story"]

# 1000 hours after deployment, the drift at hour 300: long enough before it to see the
# deployed level, long enough after it to see recovery. 0.6 mm/s moves the power by 15 W,
# five times the deployed model's 3 W error: ADWIN sees it within about 100 hours on every
# seed, stepper and fleet size tried (at 10 W it took 200 to 470 hours, or missed it).
DEPLOYED_HOURS, DRIFT_AT, DRIFT_SIZE = 1000, 300, 0.6
# The device learns every 8 hours on the 8 readings it collected (8 times fewer steps than one
# a reading, and the demo stays fast); an alarm within 300 hours detects the drift.
LEARN_BATCH, MAX_DELAY = 8, 300
RETRAIN_WINDOW = 100  # readings kept for detect-and-retrain (it retrains on batches of 16)


@dataclass(frozen=True)
class StrategyRow:
    """One strategy after deployment: test-then-train RMSE (W) before and after the drift,
    training memory of one step by ``compress.training_memory`` (bytes; None for the frozen
    model, which never trains) and the largest the learner measured holding (0: it never
    stepped), training multiply-adds per reading of the stream, and the device classes whose
    RAM holds that memory (None: does not learn)."""

    name: str
    rmse_before: float
    rmse_after: float
    ram_bytes: int | None
    measured_bytes: int
    macs_per_reading: float
    adapts_on: tuple[str, ...] | None


@dataclass(frozen=True)
class DriftStage:
    """What the stage measured. ``events``: true drift starts (hours after deployment);
    ``alarms``: ADWIN's alarms on the frozen model's errors (same indexing); ``errors``:
    strategy -> (H,) squared error of each reading in standardized units, before learning it;
    ``watts``: the target's standard deviation (W), to turn them into W; ``memories``:
    strategy -> ``compress.training_memory`` of one step."""

    node: int
    device: str
    events: tuple[int, ...]
    alarms: np.ndarray
    score: adapt.DriftScore
    rows: tuple[StrategyRow, ...]
    errors: dict[str, np.ndarray]
    watts: float
    memories: dict[str, compress.TrainingMemory]


def _strategies(model: Any) -> dict[str, dict[str, Any]]:
    """The strategies: frozen, SGD on all weights, on the last layer, on the biases only, and
    detect-and-retrain on a recent window. The fewer the parameters that learn, the larger the
    step they tolerate: at lr 0.02, SGD on all weights diverged on the model trained with
    RMSprop; 0.01 is stable for every deployed model the demo's options give."""
    return {
        "frozen": dict(opt=optim.SGD(lr=0.01), trainable=()),
        "all weights": dict(opt=optim.SGD(lr=0.01)),
        "last layer": dict(opt=optim.SGD(lr=0.02), trainable=adapt.last_layer(model)),
        "biases only": dict(opt=optim.SGD(lr=0.1), trainable=adapt.biases(model)),
        "ADWIN + retrain": dict(opt=optim.SGD(lr=0.01), detector=adapt.ADWIN(), online=False,
                                on_drift=adapt.Retrain(window=RETRAIN_WINDOW, epochs=3)),
    }  # fmt: skip


def _rmse(errors: np.ndarray, watts: float) -> float:
    return float(np.sqrt(errors.mean()) * watts)


def run_drift_stage(
    model: Any, params: Params, scale_x: Any, scale_y: Any, *, nodes: int, seed: int,
    devices: Sequence[str], table_devices: Sequence[compress.Device], short: Mapping[str, str],
    readings_per_node: int,
) -> DriftStage:  # fmt: skip
    """Deploy ``params`` on the first Cortex-M4 of ``devices`` (node classes, one per node),
    drift its world, and run each strategy test-then-train over its stream; ``scale_x`` and
    ``scale_y`` are the training data's standardizers; ``table_devices`` (named by ``short``)
    are the classes of the "adapts on" column."""
    if "cortex-m4" not in devices:
        raise ValueError(f"devices must include a 'cortex-m4' node to deploy on; got {devices!r}.")
    node = list(devices).index("cortex-m4")
    start = readings_per_node + DRIFT_AT
    fleet = data.make_sensor_fleet(nodes, readings_per_node + DEPLOYED_HOURS, seed,
                                   dtype=np.float32,
                                   drift=[data.Drift("abrupt", start, size=DRIFT_SIZE,
                                                     nodes=(node,))])  # fmt: skip
    rows = fleet.stream(node)
    rows = rows[(fleet.time[rows] >= readings_per_node) & ~fleet.duplicate_mask[rows]]
    X, y = scale_x.transform(fleet.X_clean[rows]), scale_y.transform(fleet.y[rows])
    events = tuple(e.start - readings_per_node for e in fleet.drift_events if e.node == node)
    watts = float(scale_y.scale_[0])
    row_bytes = X.itemsize * X.shape[1] + y.itemsize * y.shape[1]
    results, errors, memories = [], {}, {}
    for name, options in _strategies(model).items():
        opt = options.pop("opt")
        learner = adapt.OnlineLearner(model, MSE(), opt, params, seed=seed, **options)
        run = adapt.prequential(learner, X, y, batch_size=LEARN_BATCH)
        retrain = options.get("on_drift")  # steps on its own batches, holding its window
        memories[name] = compress.training_memory(
            model, params, opt, LEARN_BATCH if retrain is None else retrain.batch_size,
            trainable=options.get("trainable"),
            buffer_bytes=0 if retrain is None else retrain.window * row_bytes)  # fmt: skip
        learns = options.get("trainable") != ()
        adapts_on = tuple(short[d.name] for d in table_devices
                          if compress.training_fits({name: memories[name]}, d).fits(name, d.name))
        errors[name] = run.error
        results.append(StrategyRow(
            name, _rmse(run.error[:events[0]], watts), _rmse(run.error[events[0]:], watts),
            memories[name].total_bytes if learns else None, run.peak_bytes,
            run.macs_per_sample, adapts_on if learns else None))  # fmt: skip
    alarms = adapt.detect(adapt.ADWIN(), errors["frozen"])
    return DriftStage(node, devices[node], events, alarms,
                      adapt.score_drift(alarms, list(events), MAX_DELAY), tuple(results), errors,
                      watts, memories)  # fmt: skip


def story(stage: DriftStage, readings_per_node: int) -> str:
    """What drifted and when, when the detector fired, and each strategy's error before and
    after the drift."""
    event = stage.events[0]
    late = [int(a) - event for a in stage.alarms if a >= event]
    lines = [
        f"deployed: the cleaned FedAvg model of stage 3 on node {stage.node}, a {stage.device}; "
        f"{DEPLOYED_HOURS} more hours of its true readings",
        "(same sites as before; this stage is about drift, stage 2 was about dirty readings)",
        f"true drift: abrupt, at hour {event} after deployment (hour {event + readings_per_node}"
        f" of the node): its machine is serviced, and the same vibration now draws "
        f"{25 * DRIFT_SIZE:.0f} W less power",
        f"ADWIN on the frozen model's squared errors: alarms at hours "
        f"{', '.join(str(int(a)) for a in stage.alarms) or 'none'}"
        + (f" (the first after the drift: {late[0]} hours later)" if late else "")
        + f"\n  scored against the true event (an alarm within {MAX_DELAY} hours detects it): "
        f"{stage.score}",
        f"\ntest-then-train on the stream (every {LEARN_BATCH} readings are predicted and "
        "scored, then learned):",
        f"{'strategy':<18}{'RMSE W before':>14}{'after the drift':>17}",
    ]
    lines += [f"{r.name:<18}{r.rmse_before:>14.2f}{r.rmse_after:>17.2f}" for r in stage.rows]
    frozen, *learning = stage.rows
    best = min(learning, key=lambda r: r.rmse_after)
    every = next(r for r in learning if r.name == "all weights")
    lines.append(
        f"learning on the device took the error after the drift from {frozen.rmse_after:.2f} W "
        f"(frozen) to {best.rmse_after:.2f} W ({best.name}: {best.ram_bytes:,} B of training "
        f"RAM; all weights: {every.ram_bytes:,} B)")  # fmt: skip
    return "\n".join(lines)


def adaptation_table(stage: DriftStage) -> str:
    """The strategies of the stage as a table: error, training memory, compute, and the device
    classes that can afford to train that way."""
    head = (f"{'after deployment: strategy':<34}{'RMSE W':>8}{'train RAM B':>13}"
            f"{'mult-adds':>11}  adapts on")  # fmt: skip
    lines = [head, "-" * len(head)]
    for r in stage.rows:
        ram = "-" if r.ram_bytes is None else f"{r.ram_bytes:,}"
        on = "- (does not learn)" if r.adapts_on is None else " ".join(r.adapts_on) or "none"
        lines.append(f"{r.name:<34}{r.rmse_after:>8.2f}{ram:>13}{r.macs_per_reading:>11,.0f}"
                     f"  {on}")  # fmt: skip
    lines.append(f"RMSE: after the drift, test-then-train; train RAM: one step on {LEARN_BATCH} "
                 "readings (a retrain step: 16), the bytes the learner held")
    lines.append("parameters, gradients, stepper slots, kept activations and the retrain window;")
    lines.append("mult-adds: training, per reading of the stream; adapts on: RAM >= train RAM")
    return "\n".join(lines)
