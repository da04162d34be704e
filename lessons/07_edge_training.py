# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 7: Training across edge nodes: data parallel vs FedAvg, non-IID data, stragglers
#
# **The question.** The data stays where it was made: twenty devices each hold a few dozen
# handwritten digits, and only model parameters may travel. Two ways to train one model
# across them: **synchronous data parallel** (every round, each device computes one gradient
# and the server takes one step: FedSGD), and **federated averaging** (each device takes many
# local steps, the server averages the resulting models: FedAvg). Which reaches a given
# accuracy in fewer rounds, fewer bytes and less wall-clock time? What happens when each
# device sees only some digits (non-IID), when some devices drop out, and when a few slow
# ones hold up every round?

# %%
import dataclasses
import math
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: one thread is faster

from pathlib import Path

import numpy as np

import minitrain as mt
from minitrain import distributed as dist
from minitrain import plotting
from minitrain.plotting.comparisons import legend_below

FAST = os.environ.get("MINITRAIN_FAST") == "1"  # the test suite's quick mode
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
PLOTS = Path(os.environ.get("MINITRAIN_PLOTS_DIR", HERE.parent / "build" / "figures"))
ROUNDS = 20 if FAST else 50
TARGET = 0.85  # test accuracy to reach

# %% [markdown]
# ## The math
#
# ### Why averaging gradients is exact
#
# With $N = \sum_k n_k$ rows split over devices, device $k$ holding $n_k$ of them,
#
# $$L(w) = \frac1N\sum_{i=1}^N l_i(w) = \sum_k \frac{n_k}{N}\, L_k(w), \qquad
#   \nabla L(w) = \sum_k \frac{n_k}{N}\,\nabla L_k(w),$$
#
# with $L_k$ the mean loss on device $k$'s rows: a weighted average of the devices' gradients
# **is** the full gradient (a plain mean is not, when shards differ in size). One synchronous
# round in which every device uses its whole shard is therefore one step of full-batch
# gradient descent.
#
# ### FedAvg, and where its extra steps lead
#
# In a FedAvg round each device starts from the server's $w$, takes $E$ local steps on its
# own $L_k$, and the server averages the results, $w' = \sum_k \frac{n_k}{N} w_k$. With
# $E = 1$ full-batch GD step, $w_k = w - \eta\nabla L_k(w)$ and the average is exactly a
# FedSGD step. With $E > 1$, each device walks towards **its own** minimum.
#
# How far off is the average? Take quadratic losses (least squares is one):
# $L_k(w) = \tfrac12 (w - w_k^*)^\top H_k (w - w_k^*) + c_k$. One GD step maps
# $w - w_k^* \mapsto (I - \eta H_k)(w - w_k^*)$, so after $E$ steps
#
# $$w_k = w_k^* + M_k (w - w_k^*), \qquad M_k = (I - \eta H_k)^E ,$$
#
# and a round is the affine map $w' = \sum_k p_k\,[w_k^* + M_k(w - w_k^*)]$,
# $p_k = n_k/N$. Its fixed point solves $\sum_k p_k (I - M_k)(w - w_k^*) = 0$:
#
# $$w_F = \Big(\sum_k p_k (I - M_k)\Big)^{-1} \sum_k p_k (I - M_k)\, w_k^* ,$$
#
# while the true minimum of $L$ solves $\sum_k p_k H_k (w - w_k^*) = 0$. For $E = 1$,
# $I - M_k = \eta H_k$ and the two agree. For $E > 1$ they agree only if all $H_k$ are equal
# or all $w_k^*$ are: with **non-IID** data, FedAvg with a constant learning rate converges to
# the wrong point (**client drift**). The run converges at the rate of the spectral radius
# $\rho$ of $\sum_k p_k M_k$.
#
# ### The simulated clock and the bytes
#
# A transfer of $b$ bytes over a link of bandwidth $\beta$ bit/s and latency $\ell$ takes
# $\ell + 8b/\beta$; compute takes multiply-adds (MACs) / speed, with training MACs $= 3 \times$
# (multiply-adds of a forward pass) per row: a training step is the forward pass plus a
# backward pass of at most twice its cost (lesson 4), three passes. Device $k$'s
# update reaches the gateway at
#
# $$a_k = t(\text{cloud} \to \text{gateway}) + t(\text{gateway} \to k) + t_{compute,k}
#   + t(k \to \text{gateway}),$$
#
# and a synchronous round lasts $\max_k a_k$ plus the gateway's upload to the cloud: **the
# slowest device sets the pace**. A deadline $d$ drops every device with $a_k > d$: rounds
# last at most $d$, but the dropped devices' data never counts. With $m$ devices taking part,
# model bytes $B$ and one gateway, a round moves the model down to the gateway and to each
# device ($(m + 1)B$) and the updates up to the gateway and on to the cloud ($2mB$):
# $(3m + 1)B$ bytes in all.

# %% [markdown]
# ### Check 1: one synchronous round is one full-batch gradient step
#
# Digits, 80/20 split, 20 devices (IID shards of 71 or 72 images), the MLP 64 → 32 → 10. A
# round of `sync_sgd` with every device and whole shards against one `GD` step on the full
# gradient: equal to 1e-12 (float64 sums in a different order).

# %%
X, y = mt.data.load_digits()
X_train, X_test, y_train, y_test = mt.data.train_test_split(
    X / 16.0, y, test_fraction=0.2, seed=0, stratify=True
)
model = mt.Sequential([mt.Dense(64, 32, init="he"), mt.ReLU(), mt.Dense(32, 10)])
loss = mt.losses.CrossEntropy()
iid = dist.make_cluster(X_train, y_train, 20, scheme="iid", seed=0)
print(iid)
start = model.init(seed=0)
one_round = dist.sync_sgd(model, loss, iid, opt=mt.optim.GD(lr=0.5), rounds=1, fraction=1.0,
                          params=start).params  # fmt: skip
_, full_gradient = mt.value_and_grad(model, loss, start, X_train, y_train)
for key in start:
    np.testing.assert_allclose(one_round[key], start[key] - 0.5 * full_gradient[key],
                               rtol=1e-12, atol=1e-14)  # fmt: skip

# %% [markdown]
# ### Check 2: FedAvg with one local full-batch step is FedSGD

# %%
fedavg_one_step = dist.fedavg(model, loss, iid, rounds=3, local_opt=mt.optim.GD(lr=0.5), epochs=1,
                              batch_size=None, fraction=0.5, seed=0).params  # fmt: skip
fedsgd = dist.sync_sgd(model, loss, iid, opt=mt.optim.GD(lr=0.5), rounds=3, fraction=0.5,
                       seed=0).params  # fmt: skip
for key in start:
    np.testing.assert_allclose(fedavg_one_step[key], fedsgd[key], rtol=1e-12, atol=1e-14)

# %% [markdown]
# ### Check 3: client drift, simulated and in closed form
#
# Two devices fit a line $y = wx + b$ by least squares, one on $x \in [-1, 1]$ where
# $y \approx 2x + 1$, the other on $x \in [1, 3]$ where $y \approx 4 - x$: different
# minima, different Hessians $H_k = \frac{2}{n_k} A_k^\top A_k$, $A_k = [x, \mathbf 1]$. FedAvg
# with $E = 10$ local GD steps must end at $w_F$ of the formula above, not at the least-squares
# solution of the union; with $E = 1$, at the latter. The number of rounds is chosen from
# $\rho$ so that the run is within 1e-12 of its limit; we compare to 1e-9.

# %%
rng = np.random.default_rng(0)
x_a, x_b = rng.uniform(-1, 1, (50, 1)), rng.uniform(1, 3, (50, 1))
y_a = 2 * x_a + 1 + 0.1 * rng.normal(size=(50, 1))
y_b = 4 - x_b + 0.1 * rng.normal(size=(50, 1))
halves = [np.arange(50), np.arange(50, 100)]
two = dist.Cluster(np.vstack([x_a, x_b]), np.vstack([y_a, y_b]), halves)
line, mse, ETA = mt.Sequential([mt.Dense(1, 1)]), mt.losses.MSE(), 0.1


def hessian(x):
    A = np.hstack([x, np.ones_like(x)])
    return 2 / len(x) * A.T @ A


def minimum(x, y):
    solution = mt.closed_form.ols(x, y)
    return np.array([solution.coef.ravel()[0], solution.intercept.ravel()[0]])


def fedavg_limit(E):
    """(w_F, rho): the fixed point of FedAvg with E local GD steps, and its contraction."""
    M = [np.linalg.matrix_power(np.eye(2) - ETA * hessian(x), E) for x in (x_a, x_b)]
    optima = [minimum(x_a, y_a), minimum(x_b, y_b)]
    lhs = sum(0.5 * (np.eye(2) - Mk) for Mk in M)
    rhs = sum(0.5 * (np.eye(2) - Mk) @ wk for Mk, wk in zip(M, optima))
    return np.linalg.solve(lhs, rhs), max(abs(np.linalg.eigvals(0.5 * (M[0] + M[1]))))


least_squares = minimum(two.X, two.y)
for E in (1, 10):
    limit, rho = fedavg_limit(E)
    rounds = math.ceil(math.log(1e-12) / math.log(rho))
    run = dist.fedavg(line, mse, two, rounds=rounds, local_opt=mt.optim.GD(lr=ETA), epochs=E,
                      batch_size=None, fraction=1.0, seed=0).params  # fmt: skip
    reached = np.array([run["0.W"][0, 0], run["0.b"][0]])
    print(f"E = {E:2}: {rounds} rounds (rho {rho:.3f}), FedAvg ends at {reached.round(4)}, "
          f"formula {limit.round(4)}, least squares {least_squares.round(4)}")  # fmt: skip
    np.testing.assert_allclose(reached, limit, rtol=1e-9)
assert np.allclose(fedavg_limit(1)[0], least_squares, rtol=1e-12)
assert np.abs(fedavg_limit(10)[0] - least_squares).max() > 0.1  # drift: a visibly other line

# %% [markdown]
# ## Rounds to accuracy: FedSGD vs FedAvg, IID vs non-IID
#
# FedSGD: each device computes the gradient of its whole shard, the server steps with
# `GD(lr=0.5)`. FedAvg: $E = 2$ local epochs of minibatches of 24 with `SGD(lr=0.4)`. Half
# the devices are picked each round. **Non-IID**: McMahan's "shards" split, each device gets
# two shards of label-sorted data, so it sees about two digits. A third FedAvg run has each
# picked device drop out with probability 0.5.

# %%
non_iid = dist.make_cluster(X_train, y_train, 20, scheme="shards", seed=0)
print(mt.data.partition_report(non_iid.shards, y_train))
COMMON = {"rounds": ROUNDS, "fraction": 0.5, "validation": (X_test, y_test), "seed": 0}
LOCAL = {"local_opt": mt.optim.SGD(lr=0.4), "epochs": 2, "batch_size": 24}
runs = {}
for name, cluster in (("IID", iid), ("non-IID", non_iid)):
    runs["FedSGD", name] = dist.sync_sgd(model, loss, cluster, opt=mt.optim.GD(lr=0.5), **COMMON)
    runs["FedAvg", name] = dist.fedavg(model, loss, cluster, **LOCAL, **COMMON)
runs["FedAvg, 50% dropout", "IID"] = dist.fedavg(model, loss, iid, faults=dist.Faults(dropout=0.5),
                                                 **LOCAL, **COMMON)  # fmt: skip
runs["FedAvg, int8 updates", "IID"] = dist.fedavg(model, loss, iid, compression=dist.Int8(),
                                                  **LOCAL, **COMMON)  # fmt: skip


def rounds_to_target(history):
    """1-based round reaching TARGET, or infinity."""
    first = history.first_reaching(TARGET)
    return math.inf if first is None else first + 1


def reached(value, fmt="g"):
    """A value to print, or "not reached" for the infinity that stands for never."""
    return "not reached" if math.isinf(value) else format(value, fmt)


def bytes_to_target(history):
    """Bytes sent (both directions, all links) up to the round that first reaches TARGET."""
    first = history.first_reaching(TARGET)
    return math.inf if first is None else history.total_bytes[first]


print(f"{'run':<34}{'rounds to 85%':>14}{'MB to 85%':>13}{'final':>8}{'MB, all rounds':>16}")
for (name, data), history in runs.items():
    print(f"{name + ', ' + data:<34}{reached(rounds_to_target(history)):>14}"
          f"{reached(bytes_to_target(history) / 1e6, '.2f'):>13}{history.val_metric[-1]:>8.1%}"
          f"{history.total_bytes[-1] / 1e6:>16.2f}")  # fmt: skip

# %% [markdown]
# ### Check 4: the clock and the byte count of a round are the formulas
#
# The first FedAvg round on the IID fleet of Raspberry-Pi-class devices behind one gateway,
# recomputed by hand from the devices' figures (to 1e-12: the same additions).

# %%
history = runs["FedAvg", "IID"]
taking_part = np.array(history.participants[0])
pi, gateway = mt.compress.DEVICES["raspberry-pi"], mt.compress.DEVICES["gateway"]
B = dist.dense_nbytes(start)


def transfer(nbytes, device, direction):
    bandwidth = device.downlink_bps if direction == "down" else device.uplink_bps
    return device.latency_s + 8 * nbytes / bandwidth


macs = 3 * model.macs(1) * LOCAL["epochs"] * iid.sizes[taking_part]
arrival = (transfer(B, gateway, "down") + transfer(B, pi, "down") + macs / pi.macs_per_second
           + transfer(B, pi, "up"))  # fmt: skip
by_hand = arrival.max() + transfer(len(taking_part) * B, gateway, "up")
print(f"round 1: {history.round_time[0] * 1e3:.3f} ms simulated, {by_hand * 1e3:.3f} ms by hand")
assert np.isclose(history.round_time[0], by_hand, rtol=1e-12)
for r in range(ROUNDS):
    m = len(history.participants[r])
    assert history.bytes_up[r] + history.bytes_down[r] == (3 * m + 1) * B

# %% [markdown]
# ### Check 5: what the runs show
#
# FedAvg turns each round's bytes into many local steps, so it needs several times fewer
# rounds than FedSGD (here FedSGD may not reach 85% at all in the rounds given). On non-IID
# shards the same FedAvg needs more rounds, the client drift of check 3 at work. With IID
# data, devices dropping out at random slow nothing down much (a random half of IID data is
# still IID) and cut the bytes; 8-bit updates cut the bytes of every upload to about an
# eighth (from float64) without changing the rounds.

# %%
fedavg_iid, fedavg_non_iid = rounds_to_target(runs["FedAvg", "IID"]), rounds_to_target(
    runs["FedAvg", "non-IID"])  # fmt: skip
assert 2 * fedavg_iid <= rounds_to_target(runs["FedSGD", "IID"])
assert fedavg_iid < fedavg_non_iid < math.inf
assert rounds_to_target(runs["FedAvg, 50% dropout", "IID"]) <= 2 * fedavg_iid


def bytes_to_target(history):
    return history.total_bytes[rounds_to_target(history) - 1]


assert bytes_to_target(runs["FedAvg, int8 updates", "IID"]) < 0.6 * bytes_to_target(
    runs["FedAvg", "IID"])  # fmt: skip

# %% [markdown]
# ## Stragglers: waiting for the slowest device, or a deadline
#
# Now 4 of the 20 devices are microcontrollers (64 MHz, 250 kbit/s radio; always available,
# to isolate the effect of speed): each round they need over a second, the Raspberry Pis a
# few tens of milliseconds. A deadline of 0.1 s cuts the MCUs from every round. Two ways to
# place the data: IID, or the realistic worst case where the slow devices are the only ones
# that see the digits 8 and 9 (say, the only sensors in one hall).

# %%
mcu = dataclasses.replace(mt.compress.DEVICES["cortex-m4"], availability=1.0)
devices = ["raspberry-pi"] * 16 + [mcu] * 4
order = np.random.default_rng(0).permutation(len(y_train))
common_digits, rare_digits = order[y_train[order] < 8], order[y_train[order] >= 8]
skewed_shards = [np.sort(part) for part in (*np.array_split(common_digits, 16),
                                            *np.array_split(rare_digits, 4))]  # fmt: skip
DEADLINE = 0.1
clock_runs = {}
for data, shards in (("IID", iid.shards), ("8s and 9s only on the MCUs", skewed_shards)):
    cluster = dist.Cluster(X_train, y_train, shards, dist.make_topology(20, devices))
    for policy, faults in (("wait for all", None),
                           (f"deadline {DEADLINE} s", dist.Faults(deadline=DEADLINE))):  # fmt: skip
        clock_runs[f"{data}, {policy}"] = dist.fedavg(model, loss, cluster, faults=faults,
                                                      **LOCAL, **COMMON)  # fmt: skip


def seconds_to_target(history):
    first = history.first_reaching(TARGET)
    return math.inf if first is None else history.elapsed[first]


for name, history in clock_runs.items():
    seconds = seconds_to_target(history)
    time_to = "never reaches 85%" if math.isinf(seconds) else f"{seconds:.3g} s to 85%"
    print(f"{name:<45} {time_to:>17}, final "
          f"{history.val_metric[-1]:.1%}, round {np.mean(history.round_time):.3f} s")  # fmt: skip

# %% [markdown]
# ### Check 6: a deadline is free on IID data and costs whole classes on skewed data
#
# On IID data the deadline reaches 85% in a fraction of the simulated time. When only the
# MCUs hold 8s and 9s, the model trained without them can never answer 8 or 9: its accuracy
# stays below the share of the other digits in the test set.

# %%
rest = "8s and 9s only on the MCUs"
assert seconds_to_target(clock_runs[f"IID, deadline {DEADLINE} s"]) < 0.2 * seconds_to_target(
    clock_runs["IID, wait for all"])  # fmt: skip
assert seconds_to_target(clock_runs[f"{rest}, wait for all"]) < math.inf
share_without = float(np.mean(y_test < 8))
assert max(clock_runs[f"{rest}, deadline {DEADLINE} s"].val_metric) <= share_without
print(f"test digits 0-7: {share_without:.1%} of the test set")

# %% [markdown]
# ## From simulation to devices: the same clients on Flower
#
# Everything above ran in one process, on a simulated clock. Real devices talk to a server
# over a network, and the framework the field deploys for that is Flower: a SuperLink (the
# server) runs a `ServerApp`, each device runs a SuperNode with a `ClientApp`, and parameters
# travel as named NumPy arrays. `minitrain.distributed.flower` wraps the worker update you
# used above as a `ClientApp` and builds a `ServerApp` on Flower's FedAvg strategy that samples
# the same clients as `dist.fedavg`. So the workflow is: iterate here (milliseconds a round),
# deploy there, and check that both compute the same thing. On Flower's simulation runtime
# (Ray), the same seed gives the same parameters, to the bit:

# %%
import importlib.util

if importlib.util.find_spec("flwr") and importlib.util.find_spec("ray"):
    from minitrain.distributed import flower

    few = dist.make_cluster(X_train[:240], y_train[:240], 4, scheme="iid", seed=0)
    job = dict(rounds=2, local_opt=mt.optim.SGD(lr=0.1), epochs=2, batch_size=24,
               fraction=0.5, seed=0)  # fmt: skip
    on_flower = flower.run_simulation(model, loss, few, **job)
    simulated = dist.fedavg(model, loss, few, **job)
    assert on_flower.participants == simulated.participants
    assert all(np.array_equal(on_flower.params[k], p) for k, p in simulated.params.items())
    print(f"Flower: {1e3 * np.median(on_flower.round_time):.0f} ms a round (wall clock); "
          f"clients {on_flower.participants}: the simulator's, with its parameters exactly")
else:
    print("Flower is not installed: pip install 'minitrain[flower]' to run this cell.")

# %% [markdown]
# Measured on a 2-core machine (`benchmarks/bench_distributed.py --flower`, the digits job of
# this lesson's benchmark over 100 and 1000 clients, 10 a round): a Flower round took 313 ms
# against 8.4 ms simulated (37 times; 99 times at 1000 clients), Flower's start-up 22 s (127 s
# at 1000 clients) and 1.2 GB over Ray's processes against 48 MB; both runs reached 90% in the
# same 15 rounds, with identical parameters. That is the price of real processes and real
# messages; it buys deployment.
# `examples/flower` is a Flower App that `flwr run` sends to a real SuperLink and SuperNodes.

# %% [markdown]
# ## Figures

# %%
panels = {
    "IID shards": {
        "FedSGD": runs["FedSGD", "IID"].val_metric,
        "FedAvg": runs["FedAvg", "IID"].val_metric,
        "FedAvg, 50% dropout": runs["FedAvg, 50% dropout", "IID"].val_metric,
    },
    "non-IID (2 digits per device)": {
        "FedSGD": runs["FedSGD", "non-IID"].val_metric,
        "FedAvg": runs["FedAvg", "non-IID"].val_metric,
    },
}
fig = plotting.rounds_to_accuracy(
    {panel: {k: np.array(v) for k, v in curves.items()} for panel, curves in panels.items()},
    target=TARGET, title="Digits on 20 devices, 10 per round: FedSGD vs FedAvg (E = 2, B = 24)",
)  # fmt: skip
plotting.save(legend_below(fig), PLOTS / "lesson07_rounds_to_accuracy.png")

# %%
fig = plotting.time_to_accuracy(
    {name: (np.array(h.elapsed), np.array(h.val_metric)) for name, h in clock_runs.items()},
    target=TARGET, title="FedAvg on 16 Raspberry Pis + 4 MCUs: waiting vs a 0.1 s deadline",
)  # fmt: skip
plotting.save(legend_below(fig), PLOTS / "lesson07_time_to_accuracy.png")

# %%
sent = {
    name: (np.array(runs[name, "IID"].total_bytes, float), np.array(runs[name, "IID"].val_metric))
    for name in ("FedSGD", "FedAvg", "FedAvg, int8 updates")
}
fig = plotting.bytes_under_compression(
    sent,
    target=TARGET, title="Digits, IID: accuracy against bytes sent (float64 model down)",
)
plotting.save(fig, PLOTS / "lesson07_bytes_to_accuracy.png")

# %% [markdown]
# ## Summary
#
# - A sample-weighted average of the devices' gradients is the full gradient: synchronous
#   data parallel is exactly gradient descent, one step per round.
# - FedAvg spends local compute to save rounds: with $E$ local steps a round does the work of
#   many, which is what matters when the radio, not the processor, is the bottleneck.
# - With non-IID data local steps pull each device towards its own optimum; FedAvg then
#   converges more slowly and, with a constant step, to a point that is not the minimum
#   (client drift, exact for quadratics).
# - A synchronous round lasts as long as its slowest path. A deadline removes stragglers'
#   delay and their data: harmless when that data is IID, a systematic bias when it is not.
# - Bytes per round are $(3m + 1)B$ with one gateway; compressing uploads cuts bytes to
#   accuracy without costing rounds here.
#
# ## Exercises
#
# 1. **Drift grows with local work.** Using `fedavg_limit`, compute the distance
#    $\lVert w_F - w^* \rVert$ for $E = 1, 2, 5, 10, 20, 50$. Check with `check_drift(E_values,
#    distances)`.
# 2. **The deadline that keeps everyone.** From the clock formula, compute the earliest time
#    at which an MCU's update of the first round reaches the gateway (FedAvg, $E = 2$, a shard
#    of 72 rows, float64 model). Any deadline above it keeps the MCUs. Check with
#    `check_mcu_arrival(seconds)`.
# 3. **Top-k updates.** `dist.TopK(0.1)` sends the largest 10% of each tensor's entries as
#    (value, int32 index) pairs. How many bytes is one update of this model, in float64? Check
#    with `check_topk(nbytes)`.


# %%
def check_drift(E_values, distances):
    expected = [np.linalg.norm(fedavg_limit(E)[0] - least_squares) for E in E_values]
    np.testing.assert_allclose(distances, expected, rtol=1e-9, atol=1e-12)
    assert distances[0] < 1e-9 and np.all(np.diff(distances) > 0), "drift should grow with E"
    print("check_drift: correct", [f"{d:.3f}" for d in distances])


def check_mcu_arrival(seconds):
    macs = np.array([3.0 * model.macs(1) * 2 * 72])
    topology = dist.make_topology(1, mcu)
    expected = dist.arrival_times(topology, np.array([0]), B, np.array([B]), macs)[0]
    assert np.isclose(seconds, expected, rtol=1e-9), f"expected {expected:.4f} s"
    print(f"check_mcu_arrival: correct ({seconds:.3f} s)")


def check_topk(nbytes):
    assert nbytes == dist.update_nbytes(dist.TopK(0.1), start), "count per tensor: k (8 + 4)"
    print(f"check_topk: correct ({nbytes:,} bytes vs {B:,} dense)")


# %% [markdown]
# ## Solutions

# %% [markdown]
# **1.** $E = 1$ gives the true minimum; each extra local step moves each device's model
# further towards its own minimum, so the average moves away from the global one.

# %% tags=["solution"] jupyter={"source_hidden": true}
E_values = [1, 2, 5, 10, 20, 50]
check_drift(E_values, [np.linalg.norm(fedavg_limit(E)[0] - least_squares) for E in E_values])

# %% [markdown]
# **2.** Down through the gateway (100 Mbit/s, 20 ms), down the MCU's radio (250 kbit/s,
# 30 ms), compute $3 \times 2368 \times 2 \times 72$ MACs at $6.4 \times 10^7$ MAC/s, and up
# the radio again: the radio dominates, $2 \times 8 \times 19\,280 / 250\,000 \approx 1.2$ s.

# %% tags=["solution"] jupyter={"source_hidden": true}
compute = 3 * model.macs(1) * 2 * 72 / mcu.macs_per_second
check_mcu_arrival(transfer(B, gateway, "down") + transfer(B, mcu, "down") + compute
                  + transfer(B, mcu, "up"))  # fmt: skip

# %% [markdown]
# **3.** Per tensor, $k = \lceil 0.1\,n \rceil$ entries of 8 + 4 bytes each.

# %% tags=["solution"] jupyter={"source_hidden": true}
check_topk(sum(math.ceil(0.1 * p.size) * (8 + 4) for p in start.values()))
