"""The SuperLink's ServerApp: FedAvg over the nodes, the final parameters saved as a checkpoint."""

import minitrain as mt
from minitrain.distributed import flower

from .task import N_WORKERS, ROUNDS, SEED, job

model, loss, cluster = job()


def save(history, context):
    path = str(context.run_config["output-path"])
    if path:
        mt.checkpoint.save(path, history.params, meta={"rounds": history.rounds_run})


app = flower.server_app(model, loss, rounds=ROUNDS, n_workers=N_WORKERS,
                        params=model.init(SEED), fraction=1.0, seed=SEED, on_finish=save)
