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
# # Lesson 8: Model parallelism and the edge-gateway-cloud pipeline
#
# **The question.** Lesson 7 split the *data* across devices; each held the whole model. Now
# split the *model*: the first layers on one device, the next on another, the activations
# travelling between them. It is how a network too large for one device is trained, and how
# a sensor can run the first layers of a network whose rest lives on a gateway or in the
# cloud ("split learning"). Three questions: is the gradient still the gradient? How much of
# the time do the devices wait for each other (GPipe's micro-batches and their "bubble")?
# And along an edge → gateway → cloud path, where should the network be cut?

# %%
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: one thread is faster

from pathlib import Path

import numpy as np

import minitrain as mt
from minitrain import distributed as dist
from minitrain import plotting
from minitrain.plotting.comparisons import grouped_bars, resource_curves, schedule_timeline

FAST = os.environ.get("MINITRAIN_FAST") == "1"  # the test suite's quick mode
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
PLOTS = Path(os.environ.get("MINITRAIN_PLOTS_DIR", HERE.parent / "build" / "figures"))
MICRO_BATCHES = [1, 2, 4, 8, 16] if FAST else [1, 2, 3, 4, 6, 8, 12, 16, 24, 32]

# %% [markdown]
# ## The math
#
# ### Splitting the chain rule
#
# A `Sequential` computes $a_\ell = f_\ell(a_{\ell-1})$ and backpropagation walks back
# $\delta_{\ell-1} = \partial L/\partial a_{\ell-1} = J_{f_\ell}^\top \delta_\ell$, each layer
# taking $\delta_\ell$ and returning its parameter gradient and $\delta_{\ell-1}$ (lesson 4).
# Cut the layers into stages $[0, c_1), [c_1, c_2), \dots$ on different devices: stage $s$
# sends its output $a_{c_{s+1}-1}$ forward and receives $\delta$ at the same boundary
# backward. **Every operation is the same one in the same order**, so the gradients are
# identical, bit for bit; only the place where each runs changes. What crosses a boundary is
# one activation, $n \times w \times$ itemsize bytes for $n$ rows of width $w$, forward, and a
# gradient of the same shape backward.
#
# ### Micro-batches
#
# A stage would idle while the others work, so GPipe (Huang et al., 2019) cuts the batch of $N$
# rows into $M$ micro-batches that follow each other through the stages. The loss is still
# the mean over all rows; micro-batch $m$ of $n_m$ rows has mean loss $L_m$, and
#
# $$L = \sum_m \frac{n_m}{N} L_m \quad\Rightarrow\quad
#   \frac{\partial L}{\partial \theta} = \sum_m \frac{n_m}{N} \frac{\partial L_m}{\partial\theta}$$
#
# by linearity: each micro-batch's output gradient is scaled by $n_m/N$ and the parameter
# gradients are summed. Equal to the full-batch gradient up to the order of the sums.
#
# ### The schedule and its bubble
#
# Stage $s$ runs the forward passes of micro-batches $0, \dots, M-1$, then (once all are
# done) their backward passes in reverse order. With $f_{s,m}$, $b_{s,m}$ the compute times and
# $c_{s,m}$, $c'_{s,m}$ the transfer times over boundary $s \to s+1$, and a link that carries
# one transfer at a time (micro-batches ready together **queue** for it), the arrival times
# $A$ and finish times are
#
# $$A_{s,m} = \max(F_{s-1,m},\; A_{s,m-1}) + c_{s-1,m}, \qquad
#   F_{s,m} = \max(F_{s,m-1},\; A_{s,m}) + f_{s,m},$$
#
# and likewise backward, $A'_{s,m} = \max(B_{s+1,m}, A'_{s,m+1}) + c'_{s,m}$ and
# $B_{s,m} = \max(B_{s,m+1},\; A'_{s,m}) + b_{s,m}$, with $B_{s,M} = F_{s,M-1}$; the step
# ends at $B_{0,0}$. Without the queue term a slow link would carry several micro-batches at
# once: the recurrence agrees with a real link only while each send is shorter than a stage's
# compute (Check 3 measures the difference). With $S$ equal stages ($f$, $b$ per
# micro-batch) and free links, the last forward finishes at $(M + S - 1) f$ (the first
# micro-batch takes $S$ stage-times to reach the end, the others follow one behind the
# other), the backward pass mirrors it, so the step takes $(M + S - 1)(f + b)$ while each
# stage computes for $M(f + b)$. The idle fraction, the **bubble**, is
#
# $$1 - \frac{S\,M(f + b)}{S\,(M + S - 1)(f + b)} = \frac{S - 1}{M + S - 1}:$$
#
# more micro-batches shrink it, more stages grow it. For a fixed batch, large $M$ does *not*
# cost activation memory: the $M$ micro-batches together hold the batch's $N$ rows, as one
# batch would. Its prices are elsewhere: small micro-batches use a device's arithmetic less
# efficiently, and every micro-batch pays each link's latency again. (Memory grows with the
# number of micro-batches *in flight*; GPipe trims it by re-materialization, keeping only
# each stage's input and recomputing the rest during the backward pass, and the 1F1B
# schedule of PipeDream-Flush starts backward passes early so that at most $S$ micro-batches
# are in flight.)
#
# ### Where to cut along edge → gateway → cloud
#
# Each placement costs compute on each device (multiply-adds / speed, with a backward pass
# costing twice the forward, its upper bound from lesson 4) plus, at each cut, the transfer of
# the activation forward and of its gradient back,
# $\ell_a + \ell_b + 8\,\text{bytes}/\min(\beta_{up}, \beta_{down})$. A slow radio makes the
# width of the cut layer the dominant term.
#
# ### Averaging through gateways
#
# For data-parallel training (lesson 7), a gateway can average its $m_g$ workers' updates
# before forwarding one, weighted by their sample totals $N_g = \sum_{k \in g} n_k$:
#
# $$\sum_g \frac{N_g}{N} \sum_{k \in g} \frac{n_k}{N_g}\, u_k = \sum_k \frac{n_k}{N}\, u_k ,$$
#
# the same average, but the backhaul carries one update per gateway instead of one per worker.

# %% [markdown]
# ## Check 1: split gradients equal single-device gradients
#
# The digits MLP 64 → 256 → 128 → 10 (layers 0-4: Dense, ReLU, Dense, ReLU, Dense) cut into
# three stages, on a batch of 64 images. With one micro-batch the gradients are the same
# bits; with 4 or 7 micro-batches (7 does not divide 64: sizes 10 and 9) they agree to 1e-12
# relative (sums in another order).

# %%
X, y = mt.data.load_digits()
X, y = X[:64] / 16.0, y[:64]
model = mt.Sequential([mt.Dense(64, 256, init="he"), mt.ReLU(), mt.Dense(256, 128, init="he"),
                       mt.ReLU(), mt.Dense(128, 10)])  # fmt: skip
loss = mt.losses.CrossEntropy()
params = model.init(seed=0)
value, grads = mt.value_and_grad(model, loss, params, X, y)
STAGES = [(0, 2), (2, 4), (4, 5)]
for M in (1, 4, 7):
    split_value, split_grads, report = dist.pipeline_value_and_grad(
        model, loss, params, X, y, stages=STAGES, micro_batches=M)  # fmt: skip
    for key in params:
        if M == 1:
            np.testing.assert_array_equal(split_grads[key], grads[key])
        else:
            np.testing.assert_allclose(split_grads[key], grads[key], rtol=1e-12, atol=1e-16)
    assert np.isclose(split_value, value, rtol=1e-12)
    print(f"M = {M}: gradients equal; bytes across the boundaries forward "
          f"{report.activation_bytes}, backward {report.gradient_bytes}")  # fmt: skip

# %% [markdown]
# ## Check 2: what crosses a boundary is one activation per row
#
# Boundary 0 is after the ReLU of width 256, boundary 1 after the ReLU of width 128: per
# step, $64 \times 256 \times 8$ and $64 \times 128 \times 8$ bytes each way, whatever $M$.

# %%
assert report.activation_bytes == (64 * 256 * 8, 64 * 128 * 8)
assert report.gradient_bytes == report.activation_bytes

# %% [markdown]
# ## The GPipe schedule, drawn
#
# Six blocks `Dense(256, 256)` + ReLU cut into three equal stages of two blocks, on devices
# with a Raspberry Pi's compute ($5 \times 10^9$ MAC/s) joined by gigabit Ethernet (0.1 ms
# latency), a batch of 192 rows in $M = 4$ micro-batches. We compute the schedule with the
# recurrences above, keeping each task's start and end for the figure, and compare with the
# library's.

# %%
wide = mt.Sequential([layer for _ in range(6) for layer in (mt.Dense(256, 256), mt.ReLU())])
wide_params = wide.init(seed=0)
X_wide = np.random.default_rng(0).normal(size=(192, 256))
y_wide = np.random.default_rng(1).normal(size=(192, 256))
SPLITS = {S: [(i * 12 // S, (i + 1) * 12 // S) for i in range(S)] for S in (2, 3, 6)}
wired = dist.Device("pi-on-ethernet", 2**30, 16 * 2**30, 5e9, uplink_bps=1e9, downlink_bps=1e9,
                    latency_s=1e-4)  # fmt: skip
_, _, gpipe = dist.pipeline_value_and_grad(wide, mt.losses.MSE(), wide_params, X_wide, y_wide,
                                           stages=SPLITS[3], micro_batches=4,
                                           devices=wired)  # fmt: skip


def schedule(f, b, send_f, send_b):
    """Finish time of the step, and every task's (start, end): f, b (S, M); sends (S-1, M).
    A link carries one send at a time: a send starts when its data is ready *and* the link
    is free (A, the previous arrival over that link)."""
    S, M = f.shape
    F, B = np.zeros((S, M)), np.zeros((S, M))
    tasks = {f"stage {s}": [] for s in range(S)} | {f"link {s}": [] for s in range(S - 1)}
    for s in range(S):
        arrival = 0.0
        for m in range(M):
            if s:
                send_begins = max(F[s - 1, m], arrival)
                arrival = send_begins + send_f[s - 1, m]
                tasks[f"link {s - 1}"].append((send_begins, arrival, "send", ""))
            begin = max(F[s, m - 1] if m else 0.0, arrival)
            F[s, m] = begin + f[s, m]
            tasks[f"stage {s}"].append((begin, F[s, m], "forward", str(m)))
    for s in range(S - 1, -1, -1):
        arrival = 0.0
        for m in range(M - 1, -1, -1):
            free = B[s, m + 1] if m < M - 1 else F[s, M - 1]
            if s < S - 1:
                arrival = max(B[s + 1, m], arrival) + send_b[s, m]
            begin = max(free, arrival)
            B[s, m] = begin + b[s, m]
            tasks[f"stage {s}"].append((begin, B[s, m], "backward", str(m)))
    return B[0, 0], tasks


rows = 192 // 4
f = np.full((3, 4), rows * 2 * 256 * 256 / wired.macs_per_second)  # 2 Dense 256-256 per stage
one_send = 2 * wired.latency_s + 8 * rows * 256 * 8 / wired.uplink_bps
step_time, tasks = schedule(f, 2 * f, np.full((2, 4), one_send), np.full((2, 4), one_send))
print(f"step {step_time * 1e3:.3f} ms by hand, {gpipe.time * 1e3:.3f} ms by the library, "
      f"bubble {gpipe.bubble:.1%}")  # fmt: skip

# %% [markdown]
# ### Check 3: the recurrences by hand give the library's step time and bubble
#
# Same formulas, same additions: equal to 1e-12 relative. The bubble is the idle share of the
# three stages' time. Then the same pipeline on 100 Mbit/s links, where a send (about 8 ms)
# is longer than a stage's forward (about 1.3 ms): the sends queue, the queue decides the step
# time, and the recurrence still gives the library's time exactly.

# %%
assert np.isclose(step_time, gpipe.time, rtol=1e-12)
busy = 3 * 4 * (f[0, 0] + 2 * f[0, 0])
assert np.isclose(gpipe.bubble, 1 - busy / (3 * step_time), rtol=1e-12)

slow = dist.Device("pi-on-100-mbit", 2**30, 16 * 2**30, 5e9, uplink_bps=1e8, downlink_bps=1e8,
                  latency_s=1e-4)  # fmt: skip
slow_gpipe = dist.pipeline_value_and_grad(wide, mt.losses.MSE(), wide_params, X_wide, y_wide,
                                          stages=SPLITS[3], micro_batches=4, devices=slow)[2]
slow_send = np.full((2, 4), 2 * slow.latency_s + 8 * rows * 256 * 8 / slow.uplink_bps)
slow_time, _ = schedule(f, 2 * f, slow_send, slow_send)
print(f"100 Mbit/s: send {slow_send[0, 0] * 1e3:.2f} ms, forward {f[0, 0] * 1e3:.2f} ms; step "
      f"{slow_time * 1e3:.1f} ms by hand with the queue, {slow_gpipe.time * 1e3:.1f} ms by the "
      "library")  # fmt: skip
assert np.isclose(slow_time, slow_gpipe.time, rtol=1e-12)

# %% [markdown]
# ## The bubble against the number of micro-batches
#
# On free links (latency 0, a bandwidth so large that transfers take $10^{-12}$ of a stage's
# time) with 2, 3 and 6 equal stages, the bubble must be $(S - 1)/(M + S - 1)$.

# %%
free_links = dist.Device("free-links", 2**30, 16 * 2**30, 5e9, uplink_bps=1e18, downlink_bps=1e18,
                         latency_s=0.0)  # fmt: skip
measured, predicted = {}, {}
M_values = np.array(MICRO_BATCHES, dtype=float)
for S, stages in SPLITS.items():
    bubbles = [dist.pipeline_value_and_grad(wide, mt.losses.MSE(), wide_params, X_wide, y_wide,
                                            stages=stages, micro_batches=M,
                                            devices=free_links)[2].bubble
               for M in MICRO_BATCHES]  # fmt: skip
    measured[f"S = {S} stages"] = (M_values, np.array(bubbles))
    predicted[f"S = {S} stages"] = (M_values, (S - 1) / (M_values + S - 1))

# %% [markdown]
# ### Check 4: the measured bubble is the formula
#
# To 1e-6 relative: the transfers are not quite free ($\sim 10^{-12}$ of a stage's time) and
# the rest is rounding.

# %%
for label in measured:
    np.testing.assert_allclose(measured[label][1], predicted[label][1], rtol=1e-6)
print({label: f"{values[1][-1]:.1%} at M = {MICRO_BATCHES[-1]}"
       for label, values in measured.items()})  # fmt: skip

# %% [markdown]
# ## Edge → gateway → cloud: where to cut?
#
# A microcontroller (Cortex-M4 class: 256 KB of RAM, a 250 kbit/s radio) reads the 64
# pixels; behind it a gateway and the cloud. Every placement of the digits MLP, in float32 as
# on a device, timed for one training step on 32 images (forward, backward, both transfers at
# each cut; one micro-batch) and for inference on them (forward only), against shipping the
# raw images to the cloud and computing everything there. A placement is feasible only if
# the MCU's part fits in its RAM: its layers' weights and gradients and the activations it
# keeps for the backward pass (plain SGD, no optimizer slots; `compress.footprint`).
#
# One rule of the simulated clock to keep in mind: a link carries one micro-batch at a time.
# When several are ready at once they queue, so on a slow radio micro-batching cannot hide
# transfer time (exercise 1 computes what queueing costs). With $M = 1$, as here, nothing
# queues.

# %%
batch, labels = X[:32].astype(np.float32), y[:32]
params32 = model.init(seed=0, dtype=np.float32)
mcu, gateway, cloud = (dist.DEVICES[name] for name in ("cortex-m4", "gateway", "cloud"))


def link_time(sender, receiver, nbytes):
    """Seconds to move nbytes from one device to the next (the clock's link formula)."""
    bandwidth = min(sender.uplink_bps, receiver.downlink_bps)
    return sender.latency_s + receiver.latency_s + 8 * nbytes / bandwidth


def width_after(stop):
    """Width of the activation that leaves layer stop - 1 of the digits MLP."""
    width = model.n_in
    for layer in model.layers[:stop]:
        width = layer.output_width(width)
    return width


def placement_times(stages, devices):
    """(training step, inference) seconds of a placement, one micro-batch, by hand."""
    n = len(batch)
    forward = [sum(model.layers[i].macs(n) for i in range(a, b)) / device.macs_per_second
               for (a, b), device in zip(stages, devices)]  # fmt: skip
    cut_bytes = [n * width_after(b) * 4 for _, b in stages[:-1]]
    sends = [link_time(devices[s], devices[s + 1], nbytes) for s, nbytes in enumerate(cut_bytes)]
    returns = [link_time(devices[s + 1], devices[s], nbytes)
               for s, nbytes in enumerate(cut_bytes)]  # fmt: skip
    inference = sum(forward) + sum(sends)
    return inference + 2 * sum(forward) + sum(returns), inference


def mcu_training_bytes(stop):
    """Training memory of layers [0, stop) for the batch: the footprint of that sub-network."""
    part = mt.Sequential(list(model.layers[:stop]))
    part_params = {key: value for key, value in params32.items() if int(key.split(".")[0]) < stop}
    return mt.compress.footprint(part, part_params, batch_size=len(batch)).training_bytes


PLACEMENTS = {
    "MCU: Dense 64-256 | cloud": ([(0, 2), (2, 5)], [mcu, cloud]),
    "MCU: to Dense 256-128 | cloud": ([(0, 4), (4, 5)], [mcu, cloud]),
    "MCU | gateway | cloud": ([(0, 2), (2, 4), (4, 5)], [mcu, gateway, cloud]),
    "MCU: whole network": ([(0, 5)], [mcu]),
}
step_times, inference_times, fits_mcu = {}, {}, {}
for name, (stages, devices) in PLACEMENTS.items():
    step_times[name], inference_times[name] = placement_times(stages, devices)
    fits_mcu[name] = mcu_training_bytes(stages[0][1]) <= mcu.ram_bytes
    _, _, r = dist.pipeline_value_and_grad(model, loss, params32, batch, labels, stages=stages,
                                           devices=devices)  # fmt: skip
    assert np.isclose(r.time, step_times[name], rtol=1e-12), name  # check 5, below
raw = link_time(mcu, cloud, batch.nbytes)
cloud_forward = model.macs(len(batch)) / cloud.macs_per_second
step_times["raw images to the cloud"] = raw + 3 * cloud_forward
inference_times["raw images to the cloud"] = raw + cloud_forward
fits_mcu["raw images to the cloud"] = True
print(f"{'placement':<32}{'training step':>15}{'inference':>12}   MCU part trains in 256 KB")
for name in step_times:
    print(f"{name:<32}{step_times[name]:>13.3f} s{inference_times[name]:>10.3f} s   "
          f"{'yes' if fits_mcu[name] else 'no'}")  # fmt: skip

# %% [markdown]
# ### Check 5: the library's step time is the formula, and what the numbers say
#
# (Asserted inside the loop above, to 1e-12.) The radio carries 31 KB/s; the input is 64
# float32 pixels, the first hidden layer 256 wide. Cutting after it sends four times the input
# forward *and* back, so for training every split loses to shipping the raw images; training
# the whole network on the MCU would send nothing, but its weights, gradients and activations
# do not fit in 256 KB. For training, a cut sends its activation up and its gradient back, two
# transfers of its width, against one of the input: split learning pays off only when the cut
# is narrower than about *half* the input (or when the input may not leave the device, a
# privacy rule rather than a speed rule). For inference, narrower than the input suffices. For
# inference, which needs only a few KB of RAM, the whole network on the MCU is fastest: it
# sends nothing.

# %%
feasible = [name for name in step_times if fits_mcu[name]]
assert min(feasible, key=step_times.get) == "raw images to the cloud"
assert not fits_mcu["MCU: whole network"]
assert min(inference_times, key=inference_times.get) == "MCU: whole network"

# %% [markdown]
# ## Averaging through the gateways
#
# Data-parallel training of lesson 7 on 24 devices behind 3 gateways: flat (every update
# crosses the backhaul) and hierarchical (each gateway forwards one average).

# %%
X_all, y_all = mt.data.load_digits()
cluster = dist.make_cluster(X_all / 16.0, y_all, 24, scheme="iid", seed=0, n_gateways=3)
small = mt.Sequential([mt.Dense(64, 32, init="he"), mt.ReLU(), mt.Dense(32, 10)])
runs = {how: dist.sync_sgd(small, loss, cluster, opt=mt.optim.SGD(lr=0.3), rounds=5, batch_size=16,
                           hierarchical=how == "hierarchical", seed=0)
        for how in ("flat", "hierarchical")}  # fmt: skip
B = dist.dense_nbytes(runs["flat"].params)
backhaul = {how: sum(h.bytes_up_by_link[0].get(f"gateway {g}", 0) for g in range(3))
            for how, h in runs.items()}  # fmt: skip
print(f"model {B:,} bytes; backhaul up in round 1: flat {backhaul['flat']:,}, "
      f"hierarchical {backhaul['hierarchical']:,}")  # fmt: skip

# %% [markdown]
# ### Check 6: the same parameters, an eighth of the backhaul
#
# Both runs end with the same parameters (to 1e-12: the same sum grouped differently). Flat,
# the backhaul carries all 24 updates ($24B$); hierarchical, one per gateway ($3B$).

# %%
for key in runs["flat"].params:
    np.testing.assert_allclose(runs["hierarchical"].params[key], runs["flat"].params[key],
                               rtol=1e-12, atol=1e-14)  # fmt: skip
assert backhaul == {"flat": 24 * B, "hierarchical": 3 * B}

# %% [markdown]
# ## Figures

# %%
links = {f"link {s} → {s + 1}": tasks[f"link {s}"] for s in range(2)}
fig = schedule_timeline(
    {**{f"stage {s}: 2 x Dense(256, 256)": tasks[f"stage {s}"] for s in range(3)}, **links},
    title=f"GPipe: 3 stages, 4 micro-batches, bubble {gpipe.bubble:.0%} (forward sends shown)",
    xlabel="time since the step began (s)",
    ylabel="device or link",
)
plotting.save(fig, PLOTS / "lesson08_gpipe_schedule.png")

# %%
fig = resource_curves(
    measured,
    formula=predicted,
    title="Pipeline bubble: measured and (S − 1)/(M + S − 1)",
    xlabel="micro-batches per step M",
    ylabel="bubble: idle fraction of the stages' time",
)
plotting.save(fig, PLOTS / "lesson08_bubble.png")

# %%
def shown(name):
    return name if fits_mcu[name] else f"{name} [no RAM to train]"


fig = grouped_bars(
    {"training step (forward + backward)": {shown(k): v for k, v in step_times.items()},
     "inference (forward)": {shown(k): v for k, v in inference_times.items()}},
    title="Digits MLP, 32 images: MCU → gateway → cloud",
    xlabel="simulated time (s)",
    ylabel="placement (| = a cut)",
)
plotting.save(fig, PLOTS / "lesson08_placements.png")

# %% [markdown]
# ## Summary
#
# - Splitting a network over devices runs the same operations in the same order: the
#   gradients are the single-device gradients, exactly. Micro-batches change only the order
#   of the sums.
# - What travels is one activation per cut, forward, and its gradient, backward: the width of
#   the cut layer times the rows.
# - GPipe's bubble is $(S - 1)/(M + S - 1)$: more micro-batches fill the pipeline, at the price
#   of smaller micro-batches and one more link latency each (not of memory, for a fixed batch).
# - On a slow edge radio, the cut's width decides. Training through a cut wider than half the
#   input loses to shipping the input; inference entirely on the device sends nothing.
# - Gateways that average before forwarding send $G$ updates instead of $K$, with the same
#   result.
#
# ## Exercises
#
# 1. **Queued links.** If a link carries one transfer at a time, how long do the forward
#    transfers of $M$ micro-batches of $b/M$ bytes each take over the MCU's radio
#    (latency $\ell$ at both ends, bandwidth $\beta$)? Compute it for the cut after the first
#    hidden layer, 32 images, $M = 4$, and compare with $M = 1$. Check with
#    `check_queued(seconds_m4, seconds_m1)`.
# 2. **Enough micro-batches.** With $S = 4$ equal stages, what is the smallest $M$ for which the
#    bubble is at most 10%? Check with `check_micro_batches(M)`.
# 3. **Gateways.** With 24 workers and $G$ gateways, hierarchical averaging, all workers taking
#    part: how many bytes cross the backhaul (both directions) per round? Write a function of
#    $G$ and $B$, and check it with `check_backhaul(your_function)`.


# %%
def check_queued(seconds_m4, seconds_m1):
    nbytes = len(batch) * 256 * 4
    per_send = link_time(mcu, cloud, nbytes / 4)
    assert np.isclose(seconds_m4, 4 * per_send, rtol=1e-12), "M sends one after another"
    assert np.isclose(seconds_m1, link_time(mcu, cloud, nbytes), rtol=1e-12)
    print(f"check_queued: correct ({seconds_m4:.3f} s queued vs {seconds_m1:.3f} s in one "
          "piece: micro-batching adds latencies on a queued link)")  # fmt: skip


def check_micro_batches(M):
    assert 3 / (M + 3) <= 0.1 and 3 / (M + 2) > 0.1, "the bubble is (S-1)/(M+S-1)"
    print(f"check_micro_batches: correct (M = {M})")


def check_backhaul(bytes_per_round):
    for G in (1, 2, 3, 4, 6):
        grid = dist.make_cluster(X_all[:480] / 16.0, y_all[:480], 24, n_gateways=G)
        run = dist.sync_sgd(small, loss, grid, opt=mt.optim.SGD(lr=0.1), rounds=1, batch_size=8,
                            hierarchical=True, seed=0)  # fmt: skip
        links = {**run.bytes_up_by_link[0], **{f"{k} down": v
                                               for k, v in run.bytes_down_by_link[0].items()}}
        expected = sum(v for k, v in links.items() if k.startswith("gateway"))
        assert bytes_per_round(G, B) == expected, f"G = {G}: expected {expected}"
    print("check_backhaul: correct")


# %% [markdown]
# ## Solutions

# %% [markdown]
# **1.** Queued, the $M$ transfers follow each other: $M(2\ell + 8b/(M\beta)) = 2M\ell +
# 8b/\beta$. The bytes take as long as before and each micro-batch adds its latencies: on a
# slow shared link, micro-batching buys nothing for the transfers.

# %% tags=["solution"] jupyter={"source_hidden": true}
nbytes = len(batch) * 256 * 4
check_queued(4 * link_time(mcu, cloud, nbytes / 4), link_time(mcu, cloud, nbytes))

# %% [markdown]
# **2.** $(S - 1)/(M + S - 1) \le 0.1 \iff M \ge 9(S - 1) = 27$.

# %% tags=["solution"] jupyter={"source_hidden": true}
check_micro_batches(next(M for M in range(1, 100) if 3 / (M + 3) <= 0.1))

# %% [markdown]
# **3.** Down, the cloud sends the model to each gateway once ($G B$); up, each gateway sends
# one average ($G B$): $2 G B$ per round, independent of the number of workers.

# %% tags=["solution"] jupyter={"source_hidden": true}
check_backhaul(lambda G, B: 2 * G * B)
