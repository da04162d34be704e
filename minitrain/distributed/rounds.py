"""The synchronous round shared by data-parallel SGD and federated averaging.

One round r, from the server state (w_t, stepper state, error-feedback residuals, clock):

1. sample the round's clients (a fraction C of the K workers) and drop the unavailable ones;
2. time every path on the simulated clock; cut workers that would miss the deadline;
3. run ``run_worker`` (``worker_update`` on the cluster's checked shards, not checked again)
   for the rest (in process, on an executor, or stacked: see below);
4. check every result; a failed worker is dropped or aborts the round (``Faults.policy``);
5. compress the surviving updates (with error feedback) and average them weighted by sample
   count, ``u = sum_k (n_k / sum_j n_j) u_k`` (hierarchically: each gateway averages its
   workers, then the cloud averages the gateways weighted by their sample totals);
6. apply the algorithm's server step, count the bytes on every link and advance the clock.

Only then is the new state returned: a failure at any step leaves the old state as it was.
In process, when all K workers take part, compute ``minibatch_gradient`` and the shards
have equal sizes, step 3 runs as one stacked computation (``stacked_gradients``),
bit-identical to the per-worker loop. The algorithm (``algorithm.Algorithm``) says what the
workers compute and how the server applies their average.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._types import Params
from .._validate import check_int, check_params, check_seed, describe
from ._common import check_amounts, check_fraction
from .algorithm import Algorithm
from .clock import arrival_times_unchecked, round_time_unchecked
from .cluster import Cluster
from .comm import QSGD, Compressor, Uncompressed, compress_stacked, dense_nbytes, update_nbytes
from .executors import run_tasks, seed_of
from .faults import Faults, WorkerError, check_update
from .history import RoundRecord
from .stacked import can_stack, stacked_gradients
from .workers import WorkerResult, run_worker, with_failure

__all__ = ["ServerState", "available_clients", "select_clients", "weighted_average"]


@dataclass(frozen=True, kw_only=True)
class ServerState:
    """Everything a run carries from round to round (plain data; replaced, never modified).

    ``residuals``: worker -> its error-feedback memory e_k (absent means zeros).
    """

    params: Params
    opt_state: dict[str, Any]
    residuals: dict[int, Params]
    clock: float = 0.0
    round: int = 0


@dataclass(frozen=True, kw_only=True)
class Results:
    """What the m dispatched workers of a round returned, checked.

    ``ok`` (m,): passed every check; ``reasons``/``errors``: dispatched index -> why it failed /
    the exception it raised; ``returned`` (m,): sent something up (did not raise). For the s
    survivors: ``updates`` {key: (s, *shape)}, ``losses``, ``metrics``, ``weights`` (s,).
    ``average``: their flat dense weighted average, when already known (else None).
    """

    updates: Params
    losses: np.ndarray
    metrics: np.ndarray
    weights: np.ndarray
    ok: np.ndarray
    reasons: dict[int, str]
    errors: dict[int, BaseException]
    returned: np.ndarray
    average: Params | None = None


def select_clients(rng: np.random.Generator, n_workers: int, fraction: float) -> np.ndarray:
    """The round's clients: m = max(1, round(C K)) distinct workers, sorted; all when C = 1."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator (np.random.default_rng(seed)); got "
            f"{describe(rng)}."
        )
    n_workers = check_int("n_workers", n_workers, minimum=1)
    fraction = check_fraction(fraction)
    if fraction >= 1.0:
        return np.arange(n_workers)
    m = max(1, round(fraction * n_workers))
    return np.sort(rng.choice(n_workers, size=m, replace=False))


def weighted_average(updates: Params, weights: np.ndarray) -> Params:
    """``sum_k (n_k / sum_j n_j) u_k`` over the leading axis: {key: (m, *s)}, (m,) -> {key: s}."""
    weights = check_amounts("weights", weights, ndim=1)
    if not weights.sum() > 0:
        raise ValueError(f"weights must have a positive sum (sample counts); got {weights}.")
    check_params("updates", updates)
    for key, u in updates.items():
        if u.ndim == 0 or u.shape[0] != weights.size:
            raise ValueError(
                f"updates[{key!r}] must stack one update per weight ({weights.size}) along its "
                f"first axis; got shape {u.shape}."
            )
    return _weighted_average(updates, weights)


def _weighted_average(updates: Params, weights: np.ndarray) -> Params:
    """``weighted_average`` on checked inputs (the simulator's own calls)."""
    share = weights / weights.sum()
    out = {}
    for key, u in updates.items():
        w = share.astype(u.dtype, copy=False)
        out[key] = (w @ u.reshape(len(w), -1)).reshape(u.shape[1:])
    return out


def _average(updates: Params, weights: np.ndarray, gateways: np.ndarray | None) -> Params:
    """Flat weighted average, or per gateway first and then over gateways (hierarchical)."""
    if gateways is None:
        return _weighted_average(updates, weights)
    groups = np.unique(gateways)
    partial = [_weighted_average({k: u[gateways == g] for k, u in updates.items()},
                                weights[gateways == g]) for g in groups]  # fmt: skip
    stacked = {key: np.stack([p[key] for p in partial]) for key in updates}
    return _weighted_average(stacked, np.array([weights[gateways == g].sum() for g in groups]))


def _run_stacked(model, loss, params, cluster, *, batch_size, seeds, plain) -> Results:
    """Stacked gradients of all workers, checked like task results. ``plain`` (dense updates,
    flat average): average first; a finite average proves every update finite (the weights
    are positive), so the per-worker checks run only when it is not."""
    losses, metrics, grads, rows = stacked_gradients(
        model, loss, params, cluster.X_stack, cluster.y_stack, seeds, batch_size
    )
    m = len(losses)
    weights, everyone = np.full(m, rows), np.ones(m, dtype=bool)
    suspects = set(np.flatnonzero(~np.isfinite(losses)))
    if plain and not suspects:
        average = _weighted_average(grads, weights)
        if all(np.isfinite(a).all() for a in average.values()):
            return Results(updates=grads, losses=losses, metrics=metrics, weights=weights,
                           ok=everyone, reasons={}, errors={}, returned=everyone,
                           average=average)  # fmt: skip
    for g in grads.values():  # a row sum is finite iff every entry is (or it overflowed)
        suspects.update(np.flatnonzero(~np.isfinite(g.reshape(m, -1).sum(axis=1))))
    reasons = {}
    for i in sorted(suspects):  # the same checks, in the same order, as for a task's result
        why = check_update({key: g[i] for key, g in grads.items()}, params)
        if why is None and not np.isfinite(losses[i]):
            why = f"its loss is {losses[i]}"
        if why is not None:
            reasons[int(i)] = why
    ok = np.array([i not in reasons for i in range(m)], dtype=bool)
    if reasons:
        grads = {key: g[ok] for key, g in grads.items()}
    return Results(updates=grads, losses=losses[ok], metrics=metrics[ok], weights=weights[ok],
                   ok=ok, reasons=reasons, errors={}, returned=everyone)  # fmt: skip


def _run_tasks(config, params, cluster, *, faults, executor, dispatched, seed, r) -> Results:
    """``run_worker`` (``worker_update`` on the checked shards) for every dispatched worker on
    ``executor``; the results checked."""
    tasks = [(params, cluster.X_shards[k], cluster.y_shards[k],
              with_failure(config, faults.failure_of(r, int(k))), seed_of(seed, r, k + 1, 0))
             for k in dispatched]  # fmt: skip
    outcomes = run_tasks(executor, run_worker, tasks)
    reasons, errors, good = {}, {}, []
    for i, out in enumerate(outcomes):
        if isinstance(out, BaseException):
            reasons[i], errors[i] = f"raised {type(out).__name__}: {out}", out
        elif not isinstance(out, WorkerResult):
            reasons[i] = f"returned {type(out).__name__}, not a WorkerResult"
        elif (why := check_update(out.update, params)) is not None:
            reasons[i] = why
        elif not np.isfinite(out.loss):
            reasons[i] = f"its loss is {out.loss}"
        else:
            good.append(out)
    stacked = {key: np.stack([res.update[key] for res in good]) for key in params} if good else {}
    return Results(
        updates=stacked,
        losses=np.array([res.loss for res in good]),
        metrics=np.array([res.metric for res in good]),
        weights=np.array([res.weight for res in good], dtype=np.int64),
        ok=np.array([i not in reasons for i in range(len(outcomes))], dtype=bool),
        reasons=reasons,
        errors=errors,
        returned=np.array([not isinstance(out, BaseException) for out in outcomes], dtype=bool),
    )


def _weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    """Sample-weighted mean (NaN when nobody took part)."""
    if values.size == 0:
        return float("nan")
    return float(np.dot(weights, values) / weights.sum())


def available_clients(
    chance: np.ndarray, fraction: float, seed: int, r: int
) -> tuple[np.ndarray, dict[int, str]]:
    """Round r's available clients, and the unavailable ones (worker -> why).

    A fraction C of the K workers is drawn from ``seed_of(seed, r, 0)``, then each is kept
    with its chance (K,) of taking part (availability times 1 - dropout). Flower's server
    (``minitrain.distributed.flower``) picks its clients with this function too.
    """
    chance = check_amounts("chance", chance, ndim=1)
    if chance.size == 0 or (chance > 1).any():
        raise ValueError(f"chance must hold one probability in [0, 1] per worker; got {chance}.")
    fraction = check_fraction(fraction)
    check_seed("seed", seed)
    r = check_int("r", r, minimum=0)
    if fraction >= 1.0 and np.all(chance >= 1.0):
        return np.arange(chance.size), {}  # everyone: no server randomness is drawn
    server_rng = np.random.default_rng(seed_of(seed, r, 0))
    selected = select_clients(server_rng, chance.size, fraction)
    is_available = server_rng.random(selected.size) < chance[selected]
    return selected[is_available], {int(k): "unavailable" for k in selected[~is_available]}


def run_round(
    model: Any,
    loss: Any,
    cluster: Cluster,
    algorithm: Algorithm,
    state: ServerState,
    *,
    seed: int,
    compression: Compressor,
    faults: Faults,
    executor: Any,
) -> tuple[ServerState, RoundRecord]:
    """One synchronous round (see the module docstring); inputs are validated by the caller."""
    r, params, topology = state.round, state.params, cluster.topology
    chance = cluster.topology.arrays["availability"] * (1.0 - faults.dropout)
    available, dropped = available_clients(chance, algorithm.fraction, seed, r)

    model_bytes, up_bytes = dense_nbytes(params), update_nbytes(compression, params)
    macs = algorithm.local_macs(model, cluster.sizes[available])
    arrival = arrival_times_unchecked(topology, available, model_bytes,
                            np.full(available.size, up_bytes), macs)  # fmt: skip
    late = np.zeros(available.size, dtype=bool)
    if faults.deadline is not None:
        late = arrival > faults.deadline
        for k, t in zip(available[late], arrival[late]):
            dropped[int(k)] = (
                f"late: its update would arrive at {t:.4g} s > deadline {faults.deadline:g} s"
            )
    dispatched = available[~late]

    config = algorithm.worker_config(model, loss)
    injected = bool(faults.failures) and any(faults.failure_of(r, int(k)) for k in dispatched)
    if (executor is None and cluster.X_stack is not None and can_stack(model, config)
            and dispatched.size == cluster.n_workers and not injected):  # fmt: skip
        batch, rows = config.batch_size, cluster.X_stack.shape[1]
        sampled = batch is not None and batch < rows  # seeds only matter for minibatches
        seeds = [seed_of(seed, r, k + 1, 0) for k in dispatched] if sampled else None
        plain = type(compression) is Uncompressed and not algorithm.hierarchical
        results = _run_stacked(model, loss, params, cluster, batch_size=batch, seeds=seeds,
                               plain=plain)  # fmt: skip
    else:
        results = _run_tasks(config, params, cluster, faults=faults, executor=executor,
                             dispatched=dispatched, seed=seed, r=r)  # fmt: skip
    if results.reasons and faults.policy == "raise":
        first = min(results.reasons)
        raise WorkerError(int(dispatched[first]), r, results.reasons[first],
                          state) from results.errors.get(first)  # fmt: skip
    for i, why in results.reasons.items():
        dropped[int(dispatched[i])] = f"failed: {why}"
    survivors = dispatched[results.ok]

    new_params, new_opt_state, residuals = state.params, state.opt_state, state.residuals
    if survivors.size:
        new_params, new_opt_state, residuals = _aggregate_and_step(
            algorithm, state, results, survivors=survivors, compression=compression,
            topology=topology, seed=seed, r=r,
        )  # fmt: skip

    sent_up = dispatched[results.returned]
    bytes_up, bytes_down, backhaul_up = _traffic(
        topology, available=available, sent_up=sent_up, survivors=survivors,
        model_bytes=model_bytes, up_bytes=up_bytes, hierarchical=algorithm.hierarchical,
    )  # fmt: skip
    elapsed = round_time_unchecked(topology, available, arrival, late, backhaul_up, faults.deadline)
    record = RoundRecord(
        round=r,
        loss=_weighted_mean(results.losses, results.weights),
        metric=loss.metric_from_average(_weighted_mean(results.metrics, results.weights)),
        time=elapsed,
        bytes_up=bytes_up,
        bytes_down=bytes_down,
        participants=tuple(survivors.tolist()),
        dropped=dropped,
        staleness=(0,) * survivors.size,
    )
    new_state = ServerState(params=new_params, opt_state=new_opt_state, residuals=residuals,
                            clock=state.clock + elapsed, round=r + 1)  # fmt: skip
    return new_state, record


def _traffic(topology, *, available, sent_up, survivors, model_bytes, up_bytes, hierarchical):
    """Bytes per link: the model down to every available worker (once per gateway on the
    backhaul), each sent update up; a gateway forwards its workers' updates (flat) or one
    dense average (hierarchical). Returns (bytes_up, bytes_down, backhaul bytes up (G,))."""
    gateway_of, (worker_links, gateway_links) = topology.arrays["gateway_of"], topology.link_names
    bytes_down = {worker_links[k]: model_bytes for k in available.tolist()}
    bytes_up = {worker_links[k]: up_bytes for k in sent_up.tolist()}
    backhaul_up = np.zeros(len(gateway_links), dtype=np.int64)
    if hierarchical:
        backhaul_up[gateway_of[survivors]] = model_bytes
    else:
        np.add.at(backhaul_up, gateway_of[sent_up], up_bytes)
    for g in np.unique(gateway_of[available]).tolist():
        bytes_down[gateway_links[g]] = model_bytes
    for g in np.flatnonzero(backhaul_up).tolist():
        bytes_up[gateway_links[g]] = int(backhaul_up[g])
    return bytes_up, bytes_down, backhaul_up


def _aggregate_and_step(algorithm, state, results, *, survivors, compression, topology, seed, r):
    """Compress, average and step: (new params, stepper state, error-feedback residuals);
    ``results.average`` is used when it is already known."""
    residuals = None
    if compression.error_feedback:
        zeros = {key: np.zeros_like(p) for key, p in state.params.items()}
        residuals = {key: np.stack([state.residuals.get(int(k), zeros)[key] for k in survivors])
                     for key in state.params}  # fmt: skip
    rngs = ([np.random.default_rng(seed_of(seed, r, k + 1, 1)) for k in survivors]
            if isinstance(compression, QSGD) else [])  # fmt: skip
    sent, carried = compress_stacked(compression, results.updates, residuals, rngs)
    gateways = topology.arrays["gateway_of"][survivors] if algorithm.hierarchical else None
    average = results.average
    if average is None:
        average = _average(sent, results.weights, gateways)
    new_params, new_opt_state = algorithm.apply(state.params, state.opt_state, average)
    if not all(np.isfinite(p).all() for p in new_params.values()):
        raise FloatingPointError(
            f"round {r}: the server step made the parameters non-finite (the averaged update "
            "overflowed); the round was not applied. Try a smaller learning rate."
        )
    new_residuals = dict(state.residuals)
    if carried is not None:
        for i, k in enumerate(survivors):
            new_residuals[int(k)] = {key: carried[key][i] for key in carried}
    return new_params, new_opt_state, new_residuals
