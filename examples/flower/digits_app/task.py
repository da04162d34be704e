"""The job both sides agree on: model, loss, data split and FedAvg settings.

Every node builds the same cluster from the same seed and trains only on its own shard, the
one named by its node config ``partition-id`` (a real device would load its own data here).
"""

import minitrain as mt
from minitrain import distributed as dist

N_WORKERS = 2
ROUNDS = 2
SEED = 0
FEDAVG = {"local_opt": mt.optim.SGD(lr=0.05, momentum=0.9), "epochs": 2, "batch_size": 32}


def job():
    """(model, loss, cluster) of the digits job."""
    X, y = mt.data.load_digits()
    model = mt.Sequential([mt.Dense(64, 16), mt.ReLU(), mt.Dense(16, 10)])
    cluster = dist.make_cluster(X, y, n_workers=N_WORKERS, scheme="iid", seed=SEED)
    return model, mt.losses.CrossEntropy(), cluster
