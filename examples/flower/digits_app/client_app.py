"""Each SuperNode runs minitrain's worker update on its shard."""

from minitrain.distributed import flower

from .task import FEDAVG, job

model, loss, cluster = job()
app = flower.client_app(model, loss, cluster, **FEDAVG)
