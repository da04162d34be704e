"""minitrain's federated clients on Flower (``flwr``): from simulation to real devices.

minitrain simulates FedAvg on one machine; Flower runs the same algorithm over gRPC between a
server (SuperLink + ``ServerApp``) and devices (SuperNode + ``ClientApp``). Parameters travel
in Flower as named NumPy arrays, so the adapter is thin:

    client: receive w_t, run minitrain's own worker update on this node's shard
            (E epochs of the local stepper on L_k(w) + mu/2 ||w - w_t||^2), reply w_k and n_k;
    server: w_avg = sum_k (n_k / sum_j n_j) w_k            (Flower's FedAvg aggregation)
            w_{t+1} = w_avg,  or with a server stepper
            w_{t+1}, s = server_opt.step(w_t, w_t - w_avg, s)    (pseudo-gradient -Delta)

which is ``dist.fedavg``'s round: sum_k (n_k/N) w_k = w_t + sum_k (n_k/N) Delta_k, equal up to
rounding (the two sums round differently: ~1e-16 relative per round).

Same numbers as the simulator: the server samples exactly the clients ``dist.fedavg`` samples
(the same draws from ``seed_of(seed, r, 0)``), and sends each client the run's seed and the
round index, so worker k's minibatches come from ``seed_of(seed, r, k + 1, 0)`` as in
``dist.fedavg``. A node learns which worker it is from its node config ``partition-id``
(Flower's simulation sets it; a real SuperNode takes ``--node-config "partition-id=k"``); the
server asks every node once, with a query message, before the first round.

What Flower cannot honour is refused, not ignored: the simulated clock and deadlines (Flower
runs in real time: ``elapsed`` and ``round_time`` of the history are measured wall-clock
seconds), compression, injected faults, executors, hierarchical aggregation, and resuming from
a ``ServerState``.

Flower is an optional dependency (``pip install "minitrain[flower]"``), imported only when one
of these functions is called. minitrain switches Flower's telemetry off
(``FLWR_TELEMETRY_ENABLED=0``) unless the variable is already set.

Modules: ``client`` (``client_app``, the nodes' side), ``server`` (``server_app``, its strategy
and the round records), ``simulation`` (``run_simulation`` on Flower's simulation runtime and
the ``UNSUPPORTED`` options), and the internal ``_common`` (importing Flower lazily, parameters
to and from Flower's ``ArrayRecord``).
"""

from __future__ import annotations

from .client import client_app
from .server import server_app
from .simulation import UNSUPPORTED as UNSUPPORTED  # the refused options, importable here too
from .simulation import run_simulation

__all__ = ["client_app", "run_simulation", "server_app"]
