"""The history of a run: time, bytes and a time-to-accuracy curve."""

from __future__ import annotations

import json

import numpy as np
import pytest

import minitrain as mt
from minitrain import distributed as dist


def mlp(n_in: int, n_out: int) -> mt.Sequential:
    return mt.Sequential([mt.Dense(n_in, 5), mt.Tanh(), mt.Dense(5, n_out)])


def test_history_records_time_bytes_and_a_time_to_accuracy_curve():
    X, y = mt.data.load_digits()
    X = X / 16
    model, loss = mlp(64, 10), mt.losses.CrossEntropy()
    cluster = dist.make_cluster(X, y, 4, devices="phone")
    history = dist.sync_sgd(model, loss, cluster, opt=mt.optim.Adam(lr=0.1), rounds=30,
                            validation=(X, y), target=0.8, seed=1)  # fmt: skip
    assert history.stopped_reason.startswith("reached") and history.val_metric[-1] >= 0.8
    assert history.first_reaching(0.8) == history.rounds_run - 1
    assert np.all(np.diff(history.elapsed) > 0) and np.all(np.diff(history.total_bytes) > 0)
    # the clock is the running sum of the round times: equal up to summation rounding
    assert history.elapsed[-1] == pytest.approx(sum(history.round_time), rel=1e-12)
    assert set(history.bytes_by_link()) == {"worker 0", "worker 1", "worker 2", "worker 3",
                                            "gateway 0"}  # fmt: skip


def test_first_reaching_follows_the_direction_of_the_metric():
    errors = dist.DistributedHistory(metric_name="rmse", val_metric=[0.5, 0.3, 0.2, 0.4])
    scores = dist.DistributedHistory(metric_name="accuracy", higher_is_better=True,
                                     val_metric=[0.5, 0.7, 0.9, 0.8])  # fmt: skip
    assert errors.first_reaching(0.3) == 1 and errors.first_reaching(0.1) is None
    assert scores.first_reaching(0.8) == 2 and scores.first_reaching(0.95) is None


def test_as_dict_is_plain_json_without_the_arrays():
    X, y = np.random.default_rng(0).normal(size=(12, 2)), np.arange(12) % 2
    model = mt.Sequential([mt.Dense(2, 2)])
    history = dist.fedavg(model, mt.losses.CrossEntropy(), dist.make_cluster(X, y, 3),
                          local_opt=mt.optim.SGD(lr=0.1), rounds=2, fraction=1.0,
                          faults=dist.Faults(failures={1: "nan"}))  # fmt: skip
    out = history.as_dict()
    assert not {"params", "opt_state", "state"} & set(out)
    assert out["dropped"][0] == {"1": "failed: its update['0.W'] holds NaN or infinite values"}
    json.loads(json.dumps(out))


def test_repr_is_one_short_line_with_the_last_round_and_no_arrays():
    X, y = mt.data.load_digits()
    model = mt.Sequential([mt.Dense(64, 32), mt.ReLU(), mt.Dense(32, 10)])
    history = dist.fedavg(model, mt.losses.CrossEntropy(), dist.make_cluster(X, y, 10),
                          local_opt=mt.optim.SGD(lr=0.1), rounds=8, fraction=0.5,
                          validation=(X[:100], y[:100]))  # fmt: skip
    text = repr(history)
    assert "\n" not in text and len(text) < 400, text  # arrays stay one attribute away
    assert "rounds_run=8" in text and f"val_accuracy={history.val_metric[-1]:.4g}" in text
    assert f"params=<4 arrays, {64 * 32 + 32 + 32 * 10 + 10} values>" in text
