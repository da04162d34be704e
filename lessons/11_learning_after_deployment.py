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
# # Lesson 11: Learning after deployment: drift, detection, and adapting on a budget
#
# **The question.** A model trained on last month's sensor readings is flashed onto a
# microcontroller next to the machine it watches. Then the world moves: the machine is
# serviced and now faults only at higher vibration, it wears, the seasons come back. The
# model does not know. How does a device *notice* that its world changed, with no labels but
# its own mistakes? What does it cost a 256 KB microcontroller to learn from the stream it
# sees, and which parameters should it update: all of them, the last layer, the biases only?
# And when the old world comes back, has it forgotten it?

# %%
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: one thread is faster

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

import minitrain as mt
from minitrain import adapt, plotting
from minitrain.compress import training_fits, training_memory

FAST = os.environ.get("MINITRAIN_FAST") == "1"  # the test suite's quick mode
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
PLOTS = Path(os.environ.get("MINITRAIN_PLOTS_DIR", HERE.parent / "build" / "figures"))
HOURS = 4000 if FAST else 5000  # readings per node
PRE = 1000  # hours of history before deployment

# %% [markdown]
# ## Drift made visible
#
# The sensor fleet of lesson 5 predicts a fault from temperature, humidity, vibration and
# pressure: a fault when $2(v - 5) + 0.4(T - 24) + \varepsilon > 0$, with logistic noise
# $\varepsilon$, so even the best model errs on about one reading in ten. `Drift` moves the
# threshold: the vibration in that formula becomes $v - c_t$. The fleet returns the **true
# events**, which is what makes detectors and learners measurable.
#
# - **abrupt** (hour 1500): $c = -2$, a serviced machine now faults from 3 mm/s;
# - **gradual** (hours 2500 to 3000): $c$ slides to $+2$, wear: faults only above 7 mm/s;
# - **recurring** (from hour 3500, every 500 hours): $c = 0$, the *pre-deployment* regime,
#   returns, then $+2$ again, and so on.

# %%
drifts = [
    mt.data.Drift("abrupt", 1500, size=-2.0),
    mt.data.Drift("gradual", 2500, size=4.0, duration=500),
    mt.data.Drift("recurring", 3500, size=-2.0, period=500),
]
fleet = mt.data.make_sensor_fleet(4, HOURS, seed=0, task="classification", duplicate_rate=0.0,
                                  node_spread=0.25,
                                  drift=drifts)
print(fleet)
X = fleet.X_clean.astype(np.float32)  # this lesson is about drift, not dirt (lesson 5)
history_rows = fleet.time < PRE
X = (X - X[history_rows].mean(0)) / X[history_rows].std(0)  # statistics of the past only
y = fleet.y
node = 0
stream = fleet.stream(node)[PRE:]  # hours PRE.. of node 0, in time order
events = [e.start - PRE for e in fleet.drift_events if e.node == node]
print("true events on node 0 (index in the deployed stream):", events)

model = mt.Sequential([mt.Dense(4, 32, init="he"), mt.ReLU(), mt.Dense(32, 32, init="he"),
                       mt.ReLU(), mt.Dense(32, 2)])
loss = mt.losses.CrossEntropy()
deployed = mt.fit(model, loss, mt.optim.Adam(lr=3e-3), X[history_rows], y[history_rows],
                  epochs=10 if FAST else 20, batch_size=32, seed=0, progress=False).params
frozen_errors = adapt.sample_errors(loss, model.predict(deployed, X[stream]), y[stream])
rolling = adapt.rolling_mean(frozen_errors, 100)
print(f"frozen model: error {frozen_errors[:events[0]].mean():.3f} before the first drift, "
      f"{frozen_errors[events[0]:events[1]].mean():.3f} after it")

# %% [markdown]
# ## The math: three detectors, as river computes them
#
# A detector sees one number per reading: here the model's error $e_t \in \{0, 1\}$.
#
# ### Page-Hinkley: a cumulative sum
#
# With the running mean $\bar e_t$, the sum $U_t = \alpha U_{t-1} + (e_t - \bar e_t -
# \delta)$, $U_0 = 0$, drifts down by $\delta$ a step while the mean is stable and climbs
# when it rises. With $\alpha = 1$ it is the cumulative sum $U_t = \sum_{i \le t}(e_i -
# \bar e_i - \delta)$. The test compares it with its lowest point so far,
# $m_t = \min_{i \le t} U_i$:
#
# $$\text{alarm when } U_t - m_t > \lambda .$$
#
# After a shift of the mean by $s$ the sum climbs by about $s - \delta$ a step, so the delay is
# about $\lambda / (s - \delta)$ readings: with river's $\lambda = 50$ and an error rate that
# rises by 0.15, over 300 readings. (A mirrored sum watches for decreases.)
#
# ### DDM: the error rate and its standard error
#
# After $t$ readings the error rate is $p_t$ with standard error $s_t = \sqrt{p_t(1 - p_t)/t}$
# (a Bernoulli mean). DDM remembers the moment with the smallest $p_t + s_t$ ($p_{min}$,
# $s_{min}$), and raises a warning when $p_t + s_t > p_{min} + 2 s_{min}$, an alarm at
# $3 s_{min}$: roughly 95% and 99% one-sided confidence that the rate went up.
#
# ### ADWIN: two windows whose means differ
#
# ADWIN keeps a window of recent values and, for every split into an older part (n0 values,
# mean $\mu_0$) and a newer part (n1, $\mu_1$), checks Bernstein's bound:
#
# $$|\mu_0 - \mu_1| > \sqrt{2 m \sigma^2 \delta'} + \tfrac23 \delta' m,\quad
#   m = \tfrac{1}{n_0 - l + 1} + \tfrac{1}{n_1 - l + 1},\quad \delta' = \ln\frac{2 \ln n}{\delta}.$$
#
# When it holds, the old part is dropped. Buckets of $2^i$ values (merged like a binary
# counter) keep the cost at $O(\log n)$ per value.
#
# ### Check 1: Page-Hinkley's statistic is its cumulative sum
#
# Run the detector (never letting it fire) and compare $U_t$ with the closed form. Both
# compute the same sums in a different order: agreement to 1e-9.

# %%
ph = adapt.PageHinkley(alpha=1.0, threshold=1e9)
for e in frozen_errors:
    ph.update(e)
t = np.arange(1, frozen_errors.size + 1)
running_mean = np.cumsum(frozen_errors) / t
closed_form = np.sum(frozen_errors - running_mean - ph.delta)
print(f"U_t = {ph.sum_increase_:.6f}, closed form {closed_form:.6f}")
assert abs(ph.sum_increase_ - closed_form) < 1e-9

# %% [markdown]
# ### The detectors on the frozen model's errors
#
# `adapt.detect` runs a fresh detector over the stream; `score_drift` matches its alarms to
# the true events (an alarm within 400 readings of an event detects it). These detectors give
# the same alarms as river's on the same stream, reading for reading (the test suite checks
# it against river 0.26).

# %%
detectors = {"PageHinkley": adapt.PageHinkley(), "ADWIN": adapt.ADWIN(), "DDM": adapt.DDM()}
alarms = {name: adapt.detect(d, frozen_errors) for name, d in detectors.items()}
for name, found in alarms.items():
    print(f"{name:<12} alarms at {found.tolist()}: "
          f"{adapt.score_drift(found, events, max_delay=400)}")
page_hinkley_curve = []
ph = adapt.PageHinkley()
for e in frozen_errors:
    ph.update(e)
    page_hinkley_curve.append(ph.sum_increase_ - ph.min_increase_)

# %% [markdown]
# ### Check 2: the abrupt drift is detected, late but surely
#
# The error rate jumps from about 0.1 to over 0.3 at the first event: every detector must
# raise an alarm within 400 readings of it.

# %%
for name, found in alarms.items():
    assert adapt.score_drift(found, events[:1], max_delay=400).n_detected == 1, name

# %%
fig = Figure(figsize=(9, 6), layout="constrained")
top, bottom = fig.subplots(2, 1, sharex=True)
top.plot(rolling, color="tab:blue", label="frozen model, error over the last 100 readings")
top.set(ylabel="error rate", title="Drift on node 0 and what the detectors see")
bottom.plot(page_hinkley_curve, color="tab:purple", label="Page-Hinkley $U_t - m_t$")
bottom.axhline(detectors["PageHinkley"].threshold, color="tab:purple", ls=":",
               label="threshold $\\lambda$ = 50")
bottom.set(xlabel="reading after deployment (hours)", ylabel="statistic (errors)")
for ax in (top, bottom):
    for i, start in enumerate(events):
        ax.axvline(start, color="grey", lw=1, label="true drift event" if i == 0 else None)
markers = {"PageHinkley": "v", "ADWIN": "o", "DDM": "s"}
for name, found in alarms.items():
    top.plot(found, np.full(found.size, 0.02), markers[name], label=f"{name} alarm")
top.legend(loc="upper left", fontsize=8, ncol=2)
bottom.legend(loc="upper left", fontsize=8)
plotting.save(fig, PLOTS / "lesson11_drift_and_detectors.png")

# %% [markdown]
# ## Test-then-train: learning from the stream
#
# Each reading is first predicted and scored, then learned (`adapt.prequential`): every
# error counts a reading the model had not seen. The learners differ in **what they update**:
#
# - all weights (plain online SGD);
# - the last layer only, or the biases only (the sparse updates of tiny on-device training;
#   with few parameters they tolerate a larger step, lr 0.1 instead of 0.02);
# - detect-and-retrain: the model stays fixed until ADWIN fires, then trains 3 epochs on the
#   last 200 readings;
# - replay: each step also rehearses 8 readings from a reservoir of 500 past ones.
#
# **Reservoir sampling** (Algorithm R) keeps a uniform sample of the whole stream in fixed
# memory: reading $n$ replaces a random slot with probability $c/n$; by induction every
# reading seen is in the buffer with probability $c/n$. Uniform over the *past* is exactly
# what fights forgetting, and exactly what slows adaptation to a new regime.

# %%
sgd = mt.optim.SGD(lr=0.02)
strategies = {
    "frozen": dict(trainable=()),
    "all weights": {},
    "last layer": dict(trainable=adapt.last_layer(model), opt=mt.optim.SGD(lr=0.1)),
    "biases only": dict(trainable=adapt.biases(model), opt=mt.optim.SGD(lr=0.1)),
    "detect + retrain": dict(detector=adapt.ADWIN(), online=False,
                             on_drift=adapt.Retrain(window=200, epochs=3)),
    "replay": dict(buffer=adapt.Reservoir(500, seed=0)),
}
runs, learners = {}, {}
for name, options in strategies.items():
    options = dict(options)
    learners[name] = adapt.OnlineLearner(model, loss, options.pop("opt", sgd), deployed,
                                         **options)
    runs[name] = adapt.prequential(learners[name], X[stream], y[stream], window=100)
    segments = [runs[name].error[a:b].mean() for a, b in zip([0, *events], [*events, None])]
    print(f"{name:<17} error per segment: {' '.join(f'{e:.3f}' for e in segments)}")

# %%
fig = Figure(figsize=(9, 4.5), layout="constrained")
ax = fig.subplots()
for name, run in runs.items():
    ax.plot(adapt.rolling_mean(run.error, 200), label=name, lw=1.2)
for i, start in enumerate(events):
    ax.axvline(start, color="grey", lw=1, label="true drift event" if i == 0 else None)
ax.set(title="Test-then-train error on node 0 (each reading predicted before it is learned)",
       xlabel="reading after deployment (hours)", ylabel="error rate, last 200 readings")
ax.legend(fontsize=8, ncol=3, loc="upper left")
plotting.save(fig, PLOTS / "lesson11_test_then_train.png")

# %% [markdown]
# ### Check 3: learning beats the frozen model after the abrupt drift
#
# Between the abrupt and the gradual drift, every learner that updates online does better
# than the frozen model, and the cheapest one (biases only) does as well as all weights to
# within two points.

# %%
window = slice(events[0], events[1])
frozen_after = runs["frozen"].error[window].mean()
for name in ("all weights", "last layer", "biases only"):
    assert runs[name].error[window].mean() < frozen_after, name
assert runs["biases only"].error[window].mean() < runs["all weights"].error[window].mean() + 0.02

# %% [markdown]
# ## What learning costs the device, layer by layer
#
# Backprop through $y = xW + b$ needs, for a batch of B rows:
# $\partial L/\partial W = x^\top \delta$ (the layer's **input** $x$ must be kept from the
# forward pass), $\partial L/\partial b = \sum_n \delta_n$ (nothing kept), and
# $\partial L/\partial x = \delta W^\top$ (only $W$). A ReLU needs its output (or a mask) to
# pass the gradient down. So:
#
# | update | activations kept | gradients | multiply-adds per sample |
# |---|---|---|---|
# | all weights | every Dense input (ReLU outputs) | all | fwd + $\sum$ dW + $\sum_{i>0}$ dx |
# | last layer | the last Dense input | last layer | fwd + last dW |
# | biases only | ReLU outputs, no Dense input | biases | fwd + $\sum_{i>0}$ dx |
#
# Bias-only updates skip every $x$ and every $x^\top\delta$: the gradient still has to
# travel down (it costs the dx products), but the memory of the activations and of the
# gradients shrinks to vectors. `compress.training_memory` counts it; the learner measured
# the bytes of the arrays it really held (`peak_bytes`, equal to the count: the test suite
# checks it).

# %%
memories = {name: learners[name].memory(1) for name in strategies}
for name, m in memories.items():
    print(f"{name:<17} {m}")
print(training_fits(memories, "cortex-m4"))

# %% [markdown]
# ### Check 4: the bias-only activations, by hand
#
# Biases only, batch 16: no Dense input is kept; the two ReLU outputs are (32 values each,
# to pass the gradient down through them): 16 x (32 + 32) float32 values. All weights: the
# inputs of the three Dense layers, 4 + 32 + 32 values a row (two of them are the ReLU
# outputs: one array each, counted once).

# %%
biases16 = training_memory(model, deployed, sgd, 16, trainable=adapt.biases(model))
every16 = training_memory(model, deployed, sgd, 16)
assert biases16.activation_bytes == 16 * (32 + 32) * 4
assert every16.activation_bytes == 16 * (4 + 32 + 32) * 4
assert runs["all weights"].peak_bytes == memories["all weights"].total_bytes

# %%
fig = Figure(figsize=(8, 4), layout="constrained")
ax = fig.subplots()
parts = ("params", "grad", "slot", "activation", "buffer")
big = mt.Sequential([mt.Dense(64, 256), mt.ReLU(), mt.Dense(256, 128), mt.ReLU(),
                     mt.Dense(128, 10)])
big_params = big.init(0, dtype=np.float32)
choices = {
    "all weights, Adam": training_memory(big, big_params, mt.optim.Adam(), 16),
    "all weights, SGD": training_memory(big, big_params, sgd, 16),
    "last layer, SGD": training_memory(big, big_params, sgd, 16,
                                       trainable=adapt.last_layer(big)),
    "biases only, SGD": training_memory(big, big_params, sgd, 16, trainable=adapt.biases(big)),
    "last layer + replay 500": training_memory(big, big_params, sgd, 24,
                                               trainable=adapt.last_layer(big),
                                               buffer_bytes=500 * (64 * 4 + 8)),
}
left = np.zeros(len(choices))
for part in parts:
    values = np.array([getattr(m, f"{part}_bytes") for m in choices.values()]) / 1024
    ax.barh(list(choices), values, left=left, label=part)
    left += values
ax.axvline(256, color="black", ls="--", label="Cortex-M4 RAM (256 KB)")
ax.set(title="Training memory of MLP 64-256-128-10, batch 16, float32",
       xlabel="training memory (KB)", ylabel="what is trained")
ax.legend(fontsize=8, loc="upper right")
plotting.save(fig, PLOTS / "lesson11_training_memory.png")

# %% [markdown]
# ## Forgetting, and replay
#
# When the pre-deployment regime returns (the first recurring switch), a learner that
# adapted to the new regimes may have *forgotten* the old one. The yardstick is the frozen
# model, which never moved: it is exactly as good at the old regime as at deployment, up to
# the slow site trends of the fleet. Replay rehearses a uniform sample of everything seen
# *since deployment*; the old regime's share of it shrinks as the stream goes on, so it
# protects a regime only while the reservoir still holds enough of it. The first 500
# readings after the return:

# %%
back = slice(events[2], events[2] + 500)
for name in ("frozen", "all weights", "biases only", "replay"):
    print(f"{name:<12} error when the old regime returns {runs[name].error[back].mean():.3f}, "
          f"at deployment {runs[name].error[:events[0]].mean():.3f}")

# %% [markdown]
# ## Personalization after federated training
#
# FedAvg (lesson 7) trains one model for the whole fleet. When each device sees mostly one
# label (Dirichlet shards, $\alpha = 0.1$), one model is a compromise; each device then
# fine-tunes the **last layer** of the global model on its own data (`adapt.personalize`) and
# is scored on its own held-out readings.

# %%
rows = np.flatnonzero(history_rows)
parts = mt.data.partition(y[rows], 4, "dirichlet", seed=0, alpha=0.1)
train_parts, test_sets = [], []
for part in parts:
    cut = int(0.75 * part.size)
    train_parts.append(rows[part[:cut]])
    test_sets.append((X[rows[part[cut:]]], y[rows[part[cut:]]]))
owner = np.repeat(np.arange(4), [p.size for p in train_parts])
train_rows = np.concatenate(train_parts)
cluster = mt.distributed.make_cluster(X[train_rows], y[train_rows], 4, scheme="by_node",
                                      node=owner)
federated = mt.distributed.fedavg(model, loss, cluster, rounds=10 if FAST else 30,
                                  local_opt=mt.optim.SGD(lr=0.05), epochs=1, batch_size=16,
                                  fraction=1.0, seed=0)
personal = adapt.personalize(model, loss, mt.optim.SGD(lr=0.05), federated.params, cluster,
                             test=test_sets, trainable=adapt.last_layer(model), epochs=5)
print(personal)

# %% [markdown]
# ### Check 5: personalization helps the average device and the worst one
#
# Each device now predicts with its own label frequencies in the last layer's biases.

# %%
assert personal.personal_metric.mean() > personal.global_metric.mean()
assert personal.worst(personal.personal_metric) >= personal.worst(personal.global_metric)

# %% [markdown]
# ## Summary
#
# - Drift is a change of $p(y \mid x)$ (concept) or of $p(x)$ (covariate); a deployed model
#   sees it only through its errors. Simulate it with the true events, so detectors and
#   learners can be scored.
# - Page-Hinkley sums deviations from the running mean, DDM watches $p_t + s_t$ against its
#   best, ADWIN compares the means of two windows with Bernstein's bound. Each trades delay
#   against false alarms through one threshold.
# - Test-then-train scores every reading before it is learned: the error curve shows level
#   and recovery at once.
# - What a step costs is set by what backprop must keep: a Dense layer's input only if its
#   W trains. Biases only and the last layer fit where full training does not.
# - Adapting means forgetting; a reservoir of past readings rehearses the old world in
#   fixed memory. After federated training, a few local steps of the last layer personalize.
#
# ## Exercises
#
# 1. **Delay against threshold.** Feed `adapt.PageHinkley(threshold=lam, mode="up",
#    alpha=1.0)` a stream of 300 zeros followed by ones, for `lam` in 10, 20 and 40, and
#    return the three delays (alarm index - 300). Derive the delay from the cumulative sum,
#    then check with `check_delays(delays)`.
# 2. **How much memory does the last layer save?** For `model` at batch 32 with SGD, return
#    the ratio of the training memory of all weights to that of the last layer only. Check
#    with `check_ratio(ratio)`.
# 3. **A reservoir is uniform.** Offer the items 0..99 to `adapt.Reservoir(10, seed)` for
#    seeds 0..999 and return the 100 counts of how often each item was kept. Check with
#    `check_uniform(counts)`.


# %%
def check_delays(delays):
    expected = []
    for lam in (10, 20, 40):
        x = np.r_[np.zeros(300), np.ones(600)]
        found = adapt.detect(adapt.PageHinkley(threshold=lam, mode="up", alpha=1.0), x)
        expected.append(int(found[found >= 300][0]) - 300)
    assert list(delays) == expected, f"expected {expected}"
    assert expected[0] < expected[1] < expected[2], "a higher threshold waits longer"
    print(f"check_delays: correct {expected}")


def check_ratio(ratio):
    full = training_memory(model, deployed, sgd, 32).total_bytes
    last = training_memory(model, deployed, sgd, 32, trainable=adapt.last_layer(model))
    assert abs(ratio - full / last.total_bytes) < 1e-9, "compare the total_bytes"
    print(f"check_ratio: correct ({ratio:.2f}x)")


def check_uniform(counts):
    counts = np.asarray(counts)
    assert counts.shape == (100,) and counts.sum() == 10 * 1000, "10 kept per run, 1000 runs"
    expected = 1000 * 10 / 100
    chi2 = np.sum((counts - expected) ** 2 / (expected * (1 - 0.1)))
    assert chi2 < 150, f"chi-square {chi2:.0f} for 99 degrees of freedom: not uniform"
    print(f"check_uniform: correct (chi-square {chi2:.0f} on 99 degrees of freedom)")


# %% [markdown]
# ## Solutions

# %% [markdown]
# **1.** Before the change the ones never come, the mean is 0 and $U$ sits at its minimum
# (0, minus $\delta$ a step). At reading $300 + k$ the running mean is $k/(300 + k)$ and each
# one adds $1 - \bar e - \delta \approx 300/(300 + k)$: the sum after $k$ ones is about
# $300 \ln(1 + k/300)$, so the delay grows a bit faster than linearly in $\lambda$ (about
# $\lambda$ for small $\lambda$).

# %% tags=["solution"] jupyter={"source_hidden": true}
delays = []
for lam in (10, 20, 40):
    x = np.r_[np.zeros(300), np.ones(600)]
    found = adapt.detect(adapt.PageHinkley(threshold=lam, mode="up", alpha=1.0), x)
    delays.append(int(found[found >= 300][0]) - 300)
check_delays(delays)

# %% [markdown]
# **2.** All weights keep every Dense input and a gradient for every parameter; the last
# layer keeps one 32-value input per row and 66 gradient values.

# %% tags=["solution"] jupyter={"source_hidden": true}
ratio = (training_memory(model, deployed, sgd, 32).total_bytes
         / training_memory(model, deployed, sgd, 32, trainable=adapt.last_layer(model))
         .total_bytes)
check_ratio(ratio)

# %% [markdown]
# **3.** Each count is Binomial(1000, 0.1): mean 100, variance 90. The chi-square statistic
# over 100 items has 99 degrees of freedom (mean 99, sd 14); 150 is more than three sd out.

# %% tags=["solution"] jupyter={"source_hidden": true}
counts = np.zeros(100, dtype=int)
for seed in range(1000):
    reservoir = adapt.Reservoir(10, seed)
    reservoir.add(np.arange(100.0)[:, None], np.arange(100))
    counts[reservoir.y_] += 1
check_uniform(counts)
