"""minitrain's clients on Flower's simulation runtime compute what ``dist.fedavg`` computes.

The closed form here is the simulator itself: with the same seed, Flower samples the same
clients, each client runs the same worker update from the same seed, and the server applies
the same average, so the parameters after every round must agree with ``dist.fedavg``'s.
Each Flower run starts Ray (several seconds), so the runs are few and small.
"""

from __future__ import annotations

import numpy as np
import pytest

import minitrain as mt
from minitrain import distributed as dist

pytest.importorskip("flwr", reason="Flower is an optional extra: pip install 'minitrain[flower]'")
pytest.importorskip("ray", reason="Flower's simulation runtime needs Ray: flwr[simulation]")

from minitrain.distributed import flower

# Clients run the same worker update in Ray's processes and the server averages the updates
# w_k - w_t exactly as dist.fedavg does, so on one machine the runs are identical to the bit:
# any difference at all means a different client, seed, sample or average.
ATOL = 0.0


def digits_job(scheme: str, **partition_options):
    X, y = mt.data.load_digits()
    model = mt.Sequential([mt.Dense(64, 16), mt.ReLU(), mt.Dense(16, 10)])
    cluster = dist.make_cluster(X[:600], y[:600], n_workers=4, scheme=scheme, seed=1,
                                **partition_options)  # fmt: skip
    return model, mt.losses.CrossEntropy(), cluster, (X[600:900], y[600:900])


def both(model, loss, cluster, **options):
    on_flower = flower.run_simulation(model, loss, cluster, **options)
    simulated = dist.fedavg(model, loss, cluster, **options)
    return on_flower, simulated


def assert_same_run(on_flower, simulated, atol=ATOL):
    assert on_flower.rounds_run == simulated.rounds_run
    assert on_flower.participants == simulated.participants
    for key, p in simulated.params.items():
        assert on_flower.params[key].dtype == p.dtype
        np.testing.assert_allclose(on_flower.params[key], p, rtol=0, atol=atol)
    # the per-round validation curve is computed from the parameters after every round
    np.testing.assert_allclose(on_flower.val_loss, simulated.val_loss, rtol=0, atol=atol)
    np.testing.assert_allclose(on_flower.loss, simulated.loss, rtol=0, atol=atol)


def test_fedavg_on_iid_shards_matches_the_simulator_every_round():
    model, loss, cluster, validation = digits_job("iid")
    options = dict(rounds=3, local_opt=mt.optim.SGD(lr=0.1, momentum=0.9), epochs=2,
                   batch_size=16, fraction=0.5, seed=3, validation=validation)  # fmt: skip
    on_flower, simulated = both(model, loss, cluster, **options)
    assert_same_run(on_flower, simulated)
    assert all(len(p) == 2 for p in on_flower.participants)  # C K = 0.5 * 4 clients


def test_fedprox_on_dirichlet_shards_matches_the_simulator_every_round():
    model, loss, cluster, validation = digits_job("dirichlet", alpha=0.3)
    options = dict(rounds=2, local_opt=mt.optim.SGD(lr=0.05), epochs=1, batch_size=8,
                   fraction=1.0, mu=0.5, seed=0, validation=validation)  # fmt: skip
    on_flower, simulated = both(model, loss, cluster, **options)
    assert_same_run(on_flower, simulated)


def test_server_stepper_on_flower_matches_fedadam_in_the_simulator():
    model, loss, cluster, validation = digits_job("iid")
    options = dict(rounds=2, local_opt=mt.optim.SGD(lr=0.1), epochs=1, batch_size=32,
                   fraction=0.75, server_opt=mt.optim.Adam(lr=0.01), seed=5,
                   validation=validation)  # fmt: skip
    on_flower, simulated = both(model, loss, cluster, **options)
    # Adam normalises its step, so it would turn a 1e-17 residue into a step of
    # lr * 1e-17 / eps = 1e-11: the bit-identical average is what makes this run match.
    assert_same_run(on_flower, simulated)
    assert on_flower.opt_state["step"] == 2


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("compression", dist.TopK(0.1)),
        ("faults", dist.Faults(dropout=0.5)),
        ("executor", object()),
        ("hierarchical", True),
    ],
)
def test_options_flower_cannot_honour_are_refused_before_anything_starts(name, value):
    model, loss, cluster, _ = digits_job("iid")
    with pytest.raises(ValueError, match=f"{name}=.*cannot run on Flower"):
        flower.run_simulation(model, loss, cluster, rounds=1, local_opt=mt.optim.SGD(lr=0.1),
                              **{name: value})  # fmt: skip


def test_unknown_options_and_bad_hyper_parameters_are_refused_by_name():
    model, loss, cluster, _ = digits_job("iid")
    with pytest.raises(TypeError, match="unexpected keyword argument 'epoch'"):
        flower.run_simulation(model, loss, cluster, rounds=1, local_opt=mt.optim.SGD(lr=0.1),
                              epoch=2)  # fmt: skip
    with pytest.raises(ValueError, match="rounds"):
        flower.run_simulation(model, loss, cluster, rounds=0, local_opt=mt.optim.SGD(lr=0.1))
    with pytest.raises(TypeError, match="local_opt"):
        flower.run_simulation(model, loss, cluster, rounds=1, local_opt="sgd")


def test_federated_evaluation_through_the_nodes_is_the_training_sets_loss():
    # Every node evaluates the new model on its shard (the ClientApp's evaluate handler);
    # the example-weighted mean of shard means is the mean over all rows: the closed form.
    model, loss, cluster, _ = digits_job("dirichlet", alpha=0.5)
    job = dict(rounds=2, local_opt=mt.optim.SGD(lr=0.1), epochs=1, batch_size=16, fraction=0.5,
               seed=2)  # fmt: skip
    on_flower = flower.run_simulation(model, loss, cluster, evaluate_on_clients=True, **job)
    out = model.predict(on_flower.params, cluster.X)
    # shard means combined by weights: the same sum in another order, a few ulps of a loss of
    # order 1
    assert on_flower.val_loss[-1] == pytest.approx(loss(out, cluster.y), rel=1e-12)
    assert on_flower.val_metric[-1] == pytest.approx(loss.metric_value(out, cluster.y), rel=1e-12)
    assert len(on_flower.val_loss) == 2
    with pytest.raises(ValueError, match="not both"):
        flower.run_simulation(model, loss, cluster, evaluate_on_clients=True,
                              validation=(cluster.X, cluster.y), **job)  # fmt: skip


def test_client_app_refuses_what_is_not_a_cluster_or_a_stepper_by_name():
    model, loss, cluster, _ = digits_job("iid")
    with pytest.raises(TypeError, match="cluster must be a Cluster"):
        flower.client_app(model, loss, (cluster.X, cluster.y), local_opt=mt.optim.SGD(lr=0.1))
    with pytest.raises(TypeError, match="local_opt"):
        flower.client_app(model, loss, cluster, local_opt="sgd")
