"""Running a simulation: validate everything once, then run rounds and record them."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .._types import Params
from .._validate import (
    check_flag,
    check_int,
    check_params,
    check_same_keys,
    check_seed,
    describe,
)
from ..compress import footprint
from ..train import check_data, check_model_and_loss
from ._common import check_validation, rows_per_step
from .algorithm import Algorithm
from .cluster import Cluster
from .comm import Compressor, Uncompressed
from .executors import ExecutorFailure, check_executor
from .faults import ExecutorError, Faults, WorkerError, check_failures
from .history import DistributedHistory
from .rounds import ServerState, run_round

__all__ = ["check_memory", "evaluate", "finish", "run"]


def check_common(
    model: Any, loss: Any, cluster: Any, compression: Any, faults: Any, executor: Any, seed: Any
) -> tuple[Compressor, Faults]:
    """Validate the arguments every simulation takes; return the defaults filled in."""
    check_model_and_loss(model, loss)
    if not isinstance(cluster, Cluster):
        raise TypeError(f"cluster must be a Cluster (see make_cluster); got {describe(cluster)}.")
    compression = Uncompressed() if compression is None else compression
    if not isinstance(compression, Compressor):
        raise TypeError(
            "compression must be None or a compressor such as TopK(0.01), Int8(), QSGD(16); "
            f"got {describe(compression)}."
        )
    check_flag("compression.error_feedback", compression.error_feedback)
    faults = Faults() if faults is None else faults
    if not isinstance(faults, Faults):
        raise TypeError(f"faults must be None or a Faults(...); got {describe(faults)}.")
    check_failures(faults, cluster.n_workers)
    check_executor(executor)
    check_seed("seed", seed)
    return compression, faults


def check_target(loss: Any, validation: Any, target: Any) -> float | None:
    """``target`` (a number the validation metric is compared with), refused without
    ``validation``: with nothing evaluated it could never stop the run."""
    if target is None:
        return None
    if isinstance(target, bool) or not isinstance(target, (int, float, np.integer, np.floating)):
        raise TypeError(f"target must be None or a number ({loss.metric}); got {describe(target)}.")
    if not np.isfinite(target):
        raise ValueError(f"target must be a finite {loss.metric}; got {target!r}.")
    if validation is None:
        raise ValueError(
            f"target={target!r} needs validation=(X_val, y_val): the run stops when the "
            "validation metric reaches it, and without validation nothing is evaluated."
        )
    return float(target)


def check_resumable(algorithm: Any, state: ServerState) -> None:
    """The state's stepper slots and residuals fit this algorithm and these params."""
    expected = algorithm.init(state.params)
    if list(state.opt_state) != list(expected):
        raise ValueError(
            f"state.opt_state has the slots {list(state.opt_state)} but this algorithm's server "
            f"stepper keeps {list(expected)}; resume with the stepper the state came from."
        )
    for k, residual in state.residuals.items():
        check_params(f"state.residuals[{k}]", residual)
        check_same_keys(f"state.residuals[{k}]", residual, state.params)


def check_state(state: Any, n_workers: int) -> None:
    """A ``ServerState`` to resume from (``history.state``), its bookkeeping checked."""
    if not isinstance(state, ServerState):
        raise TypeError(f"state must be a ServerState (history.state); got {describe(state)}.")
    check_int("state.round", state.round, minimum=0)
    if isinstance(state.clock, bool) or not isinstance(state.clock, (int, float, np.floating)) \
            or not np.isfinite(state.clock) or state.clock < 0:  # fmt: skip
        raise ValueError(f"state.clock must be a finite number >= 0; got {state.clock!r}.")
    if not isinstance(state.opt_state, dict):
        raise TypeError(f"state.opt_state must be a dict; got {describe(state.opt_state)}.")
    if not isinstance(state.residuals, dict) or any(
        isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k < n_workers
        for k in state.residuals
    ):
        raise ValueError(
            f"state.residuals must map worker ids 0..{n_workers - 1} to residuals; got "
            f"{describe(state.residuals)}."
        )


def initial_params(
    model: Any, loss: Any, cluster: Cluster, params: Any, seed: int, name: str = "params"
) -> Params:
    """``params`` (checked against the model and the cluster's data, and named ``name`` in a
    message) or a fresh init."""
    if params is None:
        params = model.init(seed, dtype=cluster.X.dtype)
    check_params(name, params)
    model.check_params(params, name)
    check_data(model, loss, params, cluster.X, cluster.y, ("cluster.X", "cluster.y"))
    return params


def check_memory(
    model: Any, params: Params, cluster: Cluster, rows: np.ndarray, opt: Any = None
) -> None:
    """Refuse a run in which some worker's training memory exceeds its device's.

    Worker k needs ``footprint(model, params, opt, batch_size=rows[k]).training_bytes``
    (params, grads, stepper slots and activations; ``minitrain.compress.footprint``).
    """
    needed = {int(b): footprint(model, params, opt, int(b)).training_bytes for b in np.unique(rows)}
    for k, device in enumerate(cluster.topology.workers):
        if needed[int(rows[k])] > device.ram_bytes:
            raise ValueError(
                f"worker {k} ({device.name}) has {device.ram_bytes:,} bytes of memory but "
                f"training on {rows[k]} rows needs {needed[int(rows[k])]:,}; use a smaller "
                "batch_size, a smaller model or float32 data."
            )


def evaluate(model: Any, loss: Any, params: Params, data: tuple[Any, Any]) -> tuple[float, float]:
    """(mean loss, metric) of ``params`` on checked data (X, target)."""
    out = model.forward(params, data[0])[0]
    return loss.value_and_grad(out, data[1])[0], loss.metric_value(out, data[1])


def run(
    model: Any,
    loss: Any,
    cluster: Cluster,
    algorithm: Any,
    *,
    rounds: int,
    seed: int = 0,
    params: Params | None = None,
    state: ServerState | None = None,
    compression: Compressor | None = None,
    faults: Faults | None = None,
    executor: Any = None,
    validation: tuple[Any, Any] | None = None,
    target: float | None = None,
) -> DistributedHistory:
    """Run up to ``rounds`` synchronous rounds of ``algorithm`` (an ``Algorithm``: ``SyncSGD``,
    ``FedAvg`` or one of your own).

    ``params`` default to ``model.init(seed, dtype=cluster.X.dtype)``; pass ``state`` (e.g.
    ``history.state``) to continue a run. With ``validation=(X_val, y_val)`` the model is
    evaluated after every round; ``target`` stops the run once the validation metric reaches
    it (accuracy >= target, RMSE <= target). A ``WorkerError`` (policy "raise") carries the
    state before the failed round and ``history`` of the rounds before it, and so does an
    ``ExecutorError`` (the executor itself broke, under either policy); a round that makes
    the parameters non-finite stops the run with a warning, keeping the last finite state.
    """
    compression, faults = check_common(model, loss, cluster, compression, faults, executor, seed)
    if not isinstance(algorithm, Algorithm):
        raise TypeError(
            f"algorithm must follow the Algorithm protocol (e.g. SyncSGD or FedAvg); got "
            f"{describe(algorithm)}."
        )
    rounds = check_int("rounds", rounds, minimum=1)
    if state is None:
        params = initial_params(model, loss, cluster, params, seed)
        state = ServerState(params=params, opt_state=algorithm.init(params), residuals={})
    else:
        if params is not None:
            raise ValueError(
                "give params= (to start) or state= (to resume, e.g. history.state), not both: "
                "a state carries its own params."
            )
        check_state(state, cluster.n_workers)
        initial_params(model, loss, cluster, state.params, seed, "state.params")
        check_resumable(algorithm, state)
    config = algorithm.worker_config(model, loss)
    check_memory(model, state.params, cluster, rows_per_step(cluster.sizes, config.batch_size),
                 config.opt)  # fmt: skip
    validation = check_validation(model, loss, state.params, validation)
    target = check_target(loss, validation, target)
    history = DistributedHistory(metric_name=loss.metric, higher_is_better=loss.higher_is_better)
    for _ in range(rounds):
        try:
            new_state, record = run_round(
                model,
                loss,
                cluster,
                algorithm,
                state,
                seed=seed,
                compression=compression,
                faults=faults,
                executor=executor,
            )
        except WorkerError as error:
            error.history = finish(history, state, "a worker failed (policy='raise')")
            raise
        except ExecutorFailure as failure:
            error = ExecutorError(state.round, str(failure), state)
            error.history = finish(history, state, "the executor failed")
            raise error from failure.__cause__
        except FloatingPointError as error:
            warnings.warn(str(error), RuntimeWarning, stacklevel=2)
            return finish(history, state, str(error))
        state = new_state
        history.record(record, state.clock)
        if validation is not None:
            val_loss, val_metric = evaluate(model, loss, state.params, validation)
            history.val_loss.append(val_loss)
            history.val_metric.append(val_metric)
            if target is not None and loss.reaches(val_metric, target):
                return finish(history, state, f"reached the target {loss.metric} {target}")
    return finish(history, state, "")


def finish(history: DistributedHistory, state: ServerState, reason: str) -> DistributedHistory:
    history.params, history.opt_state, history.state = state.params, state.opt_state, state
    history.stopped_reason = reason
    return history
