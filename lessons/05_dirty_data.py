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
# # Lesson 5: Dirty data at the edge, and what each cleaning step is worth
#
# **The question.** Data made at the edge arrives dirty: radios drop readings, a sensor
# sticks, a spike of interference passes for a measurement, a gateway re-sends a packet, and
# one site reports temperature in Fahrenheit. Every tutorial says "clean your data", but
# cleaning costs code, compute and rows thrown away. Which steps actually change the model's
# error, and by how much? A simulated fleet lets us answer exactly, because it comes with the
# ground truth of every fault it injected: we can score each anomaly detector against what
# really happened, and train on each stage of cleaning while testing on the true readings.

# %%
import math
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # small matrices: one thread is faster

from pathlib import Path

import numpy as np

import minitrain as mt
from minitrain import clean, plotting
from minitrain.plotting.comparisons import grouped_bars

FAST = os.environ.get("MINITRAIN_FAST") == "1"  # the test suite's quick mode
HERE = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
PLOTS = Path(os.environ.get("MINITRAIN_PLOTS_DIR", HERE.parent / "build" / "figures"))
EPOCHS = 8 if FAST else 30  # of the small MLP; the linear model is solved exactly

# %% [markdown]
# ## The fleet
#
# Eight nodes log temperature (°C), humidity (%RH), vibration (mm/s) and pressure (hPa) once
# an hour; the target is the machine's power draw in W, which depends on all four (mostly on
# vibration: 25 W per mm/s) plus 2 W of noise. Each node sits at a different site (its own
# offset and drift): the data is **non-IID** across nodes before any fault is added. Then the
# simulator injects, at known places: missing values (single and in bursts), spikes of 8 to
# 12 standard deviations, stuck sensors repeating a value, duplicated rows, and two unit
# faults.
#
# **The split.** The last quarter of every node's stream is the test set, and we test on the
# *true* readings (`X_clean`) and targets: the question is how good a model the dirty
# training data makes, not how noisy the test set is. Splitting in time, not at random,
# matters: neighbouring hours are nearly equal, so a random split would test on rows the
# model has almost seen. Every statistic below (medians, scales, thresholds) is learned from
# the training rows only.

# %%
fleet = mt.data.make_sensor_fleet(n_nodes=8, n_per_node=600, seed=0)
print(fleet)
last_hour = np.array([fleet.time[fleet.node == k].max() for k in range(8)])
is_test = fleet.time >= 0.75 * (last_hour[fleet.node] + 1)
train = ~is_test
test = is_test & ~fleet.duplicate_mask
X, y = fleet.X[train], fleet.y[train]
node, hour = fleet.node[train], fleet.time[train]
X_test, y_test = fleet.X_clean[test], fleet.y[test]
print(f"training rows {train.sum()}, test rows {test.sum()}")

# %% [markdown]
# ## The math
#
# ### Filling a gap
#
# **With a column statistic.** `Imputer("mean")` replaces each of the $n - n_o$ missing
# entries of a column by the mean $\bar x_o$ of its $n_o$ observed ones. The filled column
# keeps the mean, $\frac1n\left(\sum_{obs} x_i + (n - n_o)\bar x_o\right) = \bar x_o$, but
# the added entries contribute no spread: its variance is
#
# $$\sigma^2_{filled} = \frac1n \sum_{obs}(x_i - \bar x_o)^2 = \frac{n_o}{n}\,\sigma_o^2 ,$$
#
# a shrink by the observed fraction, and every filled row sits at the centre whatever the
# target there was. The median behaves alike and resists outliers.
#
# **Along time.** A sensor stream is smooth at the scale of an hour, so a gap between readings
# $x(t_0)$ and $x(t_1)$ is better filled by the line between them,
# $x(t) = x(t_0) + \frac{t - t_0}{t_1 - t_0}\,(x(t_1) - x(t_0))$ (`clean.interpolate`, per
# node, never across two nodes). Gaps at the edges of a stream have one neighbour only and
# are forward-filled.
#
# ### Scaling, and why gradient descent needs it
#
# For the linear model $\hat y = Xw + b$ with the MSE loss, lesson 1 showed the Hessian
# $H = \tfrac2N A^\top A$, $A = [X, \mathbf 1]$, and that GD's rate is set by its condition
# number $\kappa = L/\mu$. Pressure sits near 1013 and varies by a few hPa; vibration varies
# between 1 and 10: the columns of $A$ differ in size and mean by orders of magnitude, and so
# do the eigenvalues of $H$. Standardizing, $z_j = (x_j - \mu_j)/\sigma_j$, gives every column
# mean 0 and variance 1, so $H \approx 2\,\mathrm{corr}(X)$ and $\kappa$ is that of the
# correlation matrix.
#
# The *minimiser* does not care: $z = (x - \mu)/\sigma$ is an invertible affine map, so a
# model $\hat y = z^\top v + c$ is the model $\hat y = x^\top (v/\sigma) + (c - \mu^\top
# v/\sigma)$; both parametrisations span the same predictions and least squares picks the
# same one. Scaling changes how fast GD gets there, not where "there" is.
#
# ### Anomaly scores
#
# - **z-score**: $z_{ij} = |x_{ij} - \bar x_j| / \sigma_j$, flagged above 3.
# - **IQR** (Tukey's fences): with $Q_1, Q_3$ the column's 25th and 75th percentiles and
#   $\mathrm{IQR} = Q_3 - Q_1$, a value is flagged outside $[Q_1 - k\,\mathrm{IQR},\;
#   Q_3 + k\,\mathrm{IQR}]$; $k = 1.5$ flags 0.70% of Gaussian data.
# - **Mahalanobis**: $d(x)^2 = (x - \bar x)^\top \Sigma^{-1} (x - \bar x)$ with $\Sigma$ the
#   training covariance. For Gaussian rows $d^2$ follows a $\chi^2$ distribution with as many
#   degrees of freedom as columns, so flagging $d^2$ above its $(1 - \alpha)$ quantile flags a
#   fraction $\alpha$ of clean rows; it sees rows whose columns are each normal but not jointly.
# - **A row is flagged when any of its columns is.** The per-column detectors score every
#   value, so their false-alarm rate per row is higher than per value: at $z > 3$ a Gaussian
#   value is flagged with probability 0.27%, a row of four independent columns with
#   $1 - (1 - 0.0027)^4 \approx 1.1\%$.
# - **MAD** (Iglewicz and Hoaglin): $M_{ij} = 0.6745\,|x_{ij} - \mathrm{med}_j| / \mathrm{MAD}_j$
#   with $\mathrm{MAD}_j = \mathrm{med}_i |x_{ij} - \mathrm{med}_j|$. Why 0.6745: for
#   $x \sim N(\mu, \sigma^2)$, $|x - \mu| \le c$ with probability $\tfrac12$ when
#   $c = \sigma\,\Phi^{-1}(3/4) = 0.6745\,\sigma$, so $\mathrm{MAD} \approx 0.6745\,\sigma$ and
#   $M$ is on the scale of a z-score.
# - **The z-score cannot see a lone spike in a short window.** With $d_i = x_i - \bar x$, a
#   spike $d_1$ is balanced by the others, $\sum_{i>1} d_i = -d_1$, and by Cauchy-Schwarz
#   $\sum_{i>1} d_i^2 \ge d_1^2/(N-1)$. So $N\sigma^2 = \sum_i d_i^2 \ge d_1^2 \tfrac{N}{N-1}$
#   and
#
#   $$|z_1| = \frac{|d_1|}{\sigma} \le \sqrt{N - 1}:$$
#
#   however large the spike, it inflates the $\sigma$ it is measured with. In a window of 10
#   readings, no point can ever score above 3. The median and MAD move by at most one rank
#   when one value changes, so the MAD score of the spike grows without bound.
# - **Scoring a detector** against the truth: with $tp$ anomalies flagged, $fp$ normal rows
#   flagged and $fn$ anomalies missed, precision $= tp/(tp + fp)$ (how many alarms are
#   real), recall $= tp/(tp + fn)$ (how many anomalies are caught), and $F_1$ their harmonic
#   mean $2PR/(P + R)$.
#
# ### Why a spike costs so much under MSE
#
# The MSE gradient with respect to a prediction is
# $\partial \mathcal L/\partial \hat y_i = 2 r_i / N$ (lesson 2): a row whose vibration is
# off by 10 mm/s has a residual near 250 W, and pulls on the weights like 125 rows off by the
# 2 W of honest noise. Least squares fits the spikes at the expense of everyone else.
#
# Spikes come in two kinds, and they pull differently. The gradient with respect to the
# weights is $\partial \mathcal L/\partial w = \sum_i \ell'(r_i)\,x_i / N$: a row's pull is its loss
# derivative *times its inputs*. An **outlier in the target** $y_i$ (a wrong power reading)
# enters only through $r_i$. An **outlier in the inputs** (a vibration spike, as here) enters
# twice: through $r_i$ and through the factor $x_i$ itself, its *leverage*. (Exercise 3 tries
# a loss whose derivative $\ell'$ is bounded, which caps only the first of those factors.)

# %% [markdown]
# ### Check 1: mean imputation keeps the mean and shrinks the variance by $n_o/n$
#
# Exact identities, compared in float64 to 1e-12 relative (sums of a few thousand terms).

# %%
humidity = X[:, 1]
observed = ~np.isnan(humidity)
filled = clean.Imputer("mean").fit_transform(X)[:, 1]
n, n_obs = humidity.size, observed.sum()
print(f"humidity: {n - n_obs} of {n} missing")
assert np.isclose(filled.mean(), humidity[observed].mean(), rtol=1e-12)
assert np.isclose(filled.var(), n_obs / n * humidity[observed].var(), rtol=1e-12)

# %% [markdown]
# ### Check 2: the z-score of a spike never exceeds $\sqrt{N-1}$; the MAD score does
#
# Ten readings of a quiet column and one absurd spike of $10^6$. The bound is a theorem, and
# the spike reaches it to within $10^{-6}$ (the other nine points are not exactly equal, which
# is the only slack). `ZScore(3)` misses the spike; `MAD(3.5)` flags it and nothing else.

# %%
window = np.random.default_rng(0).normal(50.0, 1.0, size=(10, 1))
window[3] = 1e6
z_spike = clean.ZScore().fit(window).score(window)[3]
print(f"z-score of the spike: {z_spike:.6f} <= sqrt(9) = 3")
assert 3 - 1e-6 < z_spike <= 3.0
assert not clean.ZScore(3.0).fit_predict(window).any()
assert np.flatnonzero(clean.MAD(3.5).fit_predict(window)).tolist() == [3]
assert abs(0.5 * (1 + math.erf(0.6745 / math.sqrt(2))) - 0.75) < 1e-4  # Phi(0.6745) = 3/4

# %% [markdown]
# ## Detecting the anomalies of the fleet, scored against the truth
#
# The detectors run on the training rows after duplicates are dropped and units fixed (a
# node in °F is not anomalous row by row, it is in the wrong unit as a whole: see
# exercise 1). `find_stuck` looks for runs of repeated values, `check_bounds` for physically
# impossible ones. The truth is `fleet.anomaly_mask`: rows where a spike or a stuck sensor
# changed an observed value.

# %%
prepared = clean.Pipeline([("duplicates", clean.DropDuplicates()), ("units", clean.FixUnits())])
kept = prepared.fit_transform(X, y, node=node, time=hour)
truth = fleet.anomaly_mask[np.flatnonzero(train)[kept.rows]]
interpolated = clean.interpolate(kept.X, kept.node, kept.time)
gaps_filled = clean.Imputer("median").fit_transform(interpolated)  # Mahalanobis needs full rows
flags = {
    "ZScore(3)": clean.ZScore(3.0).fit_predict(kept.X),
    "MAD(3.5)": clean.MAD(3.5).fit_predict(kept.X),
    "IQR(1.5)": clean.IQR(1.5).fit_predict(kept.X),
    "Mahalanobis(0.001)": clean.Mahalanobis(0.001).fit_predict(gaps_filled),
    "check_bounds": clean.check_bounds(kept.X, fleet.bounds).rows,
    "find_stuck(5)": clean.find_stuck(kept.X, kept.node, min_run=5).rows,
}
flags["MAD | bounds | stuck"] = flags["MAD(3.5)"] | flags["check_bounds"] | flags["find_stuck(5)"]
scores = {name: clean.score_detector(mask, truth) for name, mask in flags.items()}
print(f"{truth.sum()} anomalous rows among {truth.size}")
print(f"{'detector':<22}{'flagged':>8}{'precision':>10}{'recall':>8}{'F1':>7}")
for name, s in scores.items():
    print(f"{name:<22}{s.tp + s.fp:>8}{s.precision:>10.3f}{s.recall:>8.3f}{s.f1:>7.3f}")

# %% [markdown]
# ### Check 3: the scores are the counts, and the combined detector beats each part
#
# Precision and recall by hand from the masks must equal `score_detector`'s. The spikes and
# the stuck runs are different faults with different signatures, so no single detector
# finds both: each statistical detector catches spikes (about a third of the anomalous rows)
# and almost no stuck runs, and `find_stuck` the reverse. Their union has a higher $F_1$ than
# any one of them.

# %%
mad = flags["MAD(3.5)"]
assert scores["MAD(3.5)"].precision == (mad & truth).sum() / mad.sum()
assert scores["MAD(3.5)"].recall == (mad & truth).sum() / truth.sum()
best_single = max(s.f1 for name, s in scores.items() if "|" not in name)
assert scores["MAD | bounds | stuck"].f1 > best_single
assert scores["MAD | bounds | stuck"].precision > 0.95

# %% [markdown]
# ## What each cleaning step is worth
#
# Now the main experiment. We clean the training rows in stages, each adding one step to the
# previous, and train two models on each stage:
#
# - **linear**, solved *exactly* by least squares (`mt.closed_form.ols`): no optimiser, no
#   seed, so any change in its error is the data's doing;
# - **a small MLP** (4 → 32 → 1, ReLU) trained by Adam on standardized inputs and target,
#   which can also model the kink in the power formula ($3\max(T - 24, 0)$).
#
# Both are scored by the RMSE on the true test readings, in W. The noise in the target is
# 2 W, so no model can get below about 2.

# %%
FILL = [("gaps", clean.Interpolate()), ("edges", clean.ForwardFill()),
        ("impute", clean.Imputer("median"))]  # fmt: skip
STAGES = {
    "rows with a NaN dropped": [("incomplete", clean.DropIncomplete())],
    "gaps filled in time instead": FILL,
    "+ duplicates dropped": [("duplicates", clean.DropDuplicates()), *FILL],
    "+ units fixed": [("duplicates", clean.DropDuplicates()), ("units", clean.FixUnits()), *FILL],
    "+ spikes dropped (bounds, MAD)": [
        ("duplicates", clean.DropDuplicates()), ("units", clean.FixUnits()),
        ("bounds", clean.DropOutOfBounds(fleet.bounds)), ("spikes", clean.MAD(5.0)), *FILL,
    ],
    "+ stuck runs dropped": [
        ("duplicates", clean.DropDuplicates()), ("units", clean.FixUnits()),
        ("bounds", clean.DropOutOfBounds(fleet.bounds)), ("spikes", clean.MAD(5.0)),
        ("stuck", clean.DropStuck()), *FILL,
    ],
}  # fmt: skip


def rmse(pred):
    return float(np.sqrt(np.mean((pred - y_test) ** 2)))


def mlp_rmse(X_train, y_train):
    """Test RMSE (W) of the 4-32-1 MLP trained on standardized (X_train, y_train)."""
    scale_x, scale_y = clean.Standardizer().fit(X_train), clean.Standardizer().fit(y_train)
    model = mt.Sequential([mt.Dense(4, 32, init="he"), mt.ReLU(), mt.Dense(32, 1)])
    steps = EPOCHS * -(-len(X_train) // 64)
    history = mt.fit(
        model, mt.losses.MSE(), mt.optim.Adam(lr=mt.optim.cosine(0.01, total_steps=steps)),
        scale_x.transform(X_train), scale_y.transform(y_train),
        epochs=EPOCHS, batch_size=64, seed=0, progress=False,
    )  # fmt: skip
    return rmse(scale_y.inverse_transform(model.predict(history.params, scale_x.transform(X_test))))


training_sets = {}
for name, steps in STAGES.items():
    cleaned = clean.Pipeline(steps).fit_transform(X, y, node=node, time=hour)
    training_sets[name] = (cleaned.X, cleaned.y)
truth_rows = ~fleet.duplicate_mask[train]
training_sets["ground truth (X_clean)"] = (fleet.X_clean[train][truth_rows], y[truth_rows])

errors = {"linear, least squares": {}, "MLP 4-32-1, Adam": {}}
print(f"{'training data':<34}{'rows':>6}{'linear':>9}{'MLP':>8}   test RMSE, W")
for name, (X_train, y_train) in training_sets.items():
    least_squares = mt.closed_form.ols(X_train, y_train)
    errors["linear, least squares"][name] = rmse(least_squares.predict(X_test))
    errors["MLP 4-32-1, Adam"][name] = mlp_rmse(X_train, y_train)
    print(f"{name:<34}{len(X_train):>6}{errors['linear, least squares'][name]:>9.2f}"
          f"{errors['MLP 4-32-1, Adam'][name]:>8.2f}")  # fmt: skip
full = clean.Pipeline(STAGES["+ stuck runs dropped"]).fit_transform(X, y, node=node, time=hour)
print(full.report)

# %% [markdown]
# Read the table from the top. Dropping every row with a gap throws away a fifth of the data;
# filling the gaps in time keeps it, and helps the MLP (more rows) but not the linear model,
# whose error is dominated by something else. Duplicates are harmless (a copy of a good row
# weighs it twice, nothing more). Fixing the units helps the linear model a little (one site
# in eight was in °F), and above all it stops the spike detector from discarding whole nodes
# (exercise 1). The big step is removing the **spikes**: it cuts the linear model's error by
# more than half, the effect the MSE gradient predicted. After all the steps the linear model
# is within 5% of what the true readings give. The MLP keeps a larger gap: it can fit finer
# structure, which the interpolated gaps and the undetected faults blur.
#
# ### Check 4: cleaning closes most of the gap to the truth
#
# The linear model is solved exactly, so these are facts about the data, not about an
# optimiser's luck: the fully cleaned data gives an error within 10% of the ground truth's,
# and less than half of the error of the data with its gaps filled but its anomalies kept.

# %%
linear = errors["linear, least squares"]
assert linear["+ stuck runs dropped"] < 1.1 * linear["ground truth (X_clean)"]
assert linear["+ stuck runs dropped"] < 0.5 * linear["gaps filled in time instead"]
assert min(linear.values()) >= linear["ground truth (X_clean)"] * 0.98  # nothing beats the truth

# %% [markdown]
# ### Check 5: scaling moves the condition number by ten orders of magnitude, not the answer
#
# On the cleaned training data, least squares on raw and on standardized features gives the
# same predictions to 1e-9 relative. That agreement is not luck with a $\kappa \approx 10^{10}$
# problem: `closed_form.ols` centres the features before it solves, and centring alone takes
# the condition number of $A^\top A$ from about $10^{10}$ to below $10^2$ (pressure's offset of
# 1013 hPa is what made it huge), so both solves are accurate. GD on the raw features gets no
# such help: its step count for a 1000-fold error reduction at $\eta = 1/L$,
# $\log(10^{-3})/\log(1 - 1/\kappa)$, goes from about $10^{11}$ to about ten.

# %%
X_clean_train, y_clean_train = training_sets["+ stuck runs dropped"]
scaler = clean.Standardizer().fit(X_clean_train)
raw_fit = mt.closed_form.ols(X_clean_train, y_clean_train)
scaled_fit = mt.closed_form.ols(scaler.transform(X_clean_train), y_clean_train)
np.testing.assert_allclose(raw_fit.predict(X_test), scaled_fit.predict(scaler.transform(X_test)),
                           rtol=1e-9)  # fmt: skip
kappa_raw = mt.closed_form.gd_rate(X_clean_train).kappa
kappa_scaled = mt.closed_form.gd_rate(scaler.transform(X_clean_train)).kappa
kappa_centred = np.linalg.cond(X_clean_train - X_clean_train.mean(axis=0)) ** 2  # what ols sees
print(f"condition of A^T A: with the offset column {kappa_raw:.2g}, centred {kappa_centred:.3g}")
assert kappa_centred < 1e2 < 1e8 < kappa_raw


def gd_steps(kappa):
    return math.log(1e-3) / math.log1p(-1 / kappa)


print(f"kappa raw {kappa_raw:.3g}: {gd_steps(kappa_raw):.3g} GD steps; "
      f"standardized {kappa_scaled:.3g}: {gd_steps(kappa_scaled):.3g} steps")  # fmt: skip
assert kappa_raw > 1e8 and kappa_scaled < 10

# %% [markdown]
# ## Figures
#
# The MAD detector's score of every training row (largest over the four columns, in MADs),
# coloured by what the truth says; and the error of both models after each cleaning stage.

# %%
mad_detector = clean.MAD(3.5).fit(kept.X)
row_scores = mad_detector.score(kept.X)
has_score = ~np.isnan(row_scores)  # a row with every column missing has no score
fig = plotting.detector_scores(
    row_scores[has_score], flags["MAD(3.5)"][has_score], truth[has_score],
    mad_detector.threshold_,
    title="MAD(3.5) on the training rows of 8 sensor nodes vs the injected faults",
    xlabel="training row (ordered by node, then hour)",
    ylabel="modified z-score, largest over columns (MADs)",
)  # fmt: skip
plotting.save(fig, PLOTS / "lesson05_detector_scores.png")

# %%
fig = grouped_bars(
    errors,
    title="Sensor fleet: test error after each cleaning stage",
    xlabel="RMSE of power on the true test readings (W)",
    ylabel="training data (each stage adds a step)",
    value_format="{:.2f}",
    reference=(2.0, "noise in the target: 2 W"),
)
plotting.save(fig, PLOTS / "lesson05_error_by_cleaning_step.png")

# %% [markdown]
# The detector figure shows why MAD misses most anomalies: the purple circles at normal
# scores are stuck readings, which repeat a plausible value and are anomalous only in time.
#
# ## Summary
#
# - Test on the truth and split in time; fit every statistic on the training rows only.
# - Gaps: a column statistic keeps the mean and shrinks the variance by $n_o/n$; filling
#   along time uses the stream's smoothness. Either keeps rows that dropping would lose.
# - Standardizing never changes the least-squares answer but can change GD's condition
#   number by ten orders of magnitude.
# - Under MSE a spike's pull grows with its size, so spikes are the costliest fault here;
#   remove them with a robust score (median and MAD), not a z-score, whose own $\sigma$ is
#   inflated by the spike ($|z| \le \sqrt{N-1}$).
# - Different faults need different detectors; score each against the truth (precision,
#   recall, $F_1$) before trusting it, and fix units before looking for outliers.
#
# ## Exercises
#
# 1. **Order matters.** Run `clean.MAD(5.0)` on the training rows after dropping duplicates
#    but *before* fixing units. Which two nodes lose the most rows, and why? Return them as a
#    set and check with `check_order(nodes)`.
# 2. **How short a window is safe?** Find the smallest window length $N$ in which
#    `clean.ZScore(3.0)` can flag a single spike among otherwise equal readings. Check with
#    `check_window(N)`.
# 3. **A robust loss instead of removing spikes.** Train the linear model `Dense(4, 1)` on
#    the stage "+ units fixed" (spikes kept), standardized inputs and target, with
#    `mt.losses.Huber(delta=1.0)` and with `mt.losses.MSE()` (Adam, lr 0.01, 20 epochs,
#    batch 64, seed 0). Derive Huber's gradient and explain the difference. Check with
#    `check_huber(rmse_huber, rmse_mse)`.


# %%
def check_order(nodes):
    faulty = {fault.node for fault in fleet.unit_faults}
    assert set(nodes) == faulty, f"expected the nodes with unit faults, {sorted(faulty)}"
    print("check_order: correct")


def check_window(n):
    spike = np.zeros((n, 1))
    spike[0] = 1.0
    assert clean.ZScore(3.0).fit_predict(spike)[0], f"a window of {n} cannot flag the spike"
    shorter = np.zeros((n - 1, 1))
    shorter[0] = 1.0
    assert not clean.ZScore(3.0).fit_predict(shorter).any(), "a shorter window works too"
    print(f"check_window: correct ({n} readings; sqrt(N - 1) must exceed 3)")


def check_huber(rmse_huber, rmse_mse):
    assert rmse_huber < 0.8 * rmse_mse, "Huber should cut the error of MSE on spiky data"
    assert rmse_huber > 0.9 * linear["ground truth (X_clean)"], "too good to be true"
    print(f"check_huber: correct (Huber {rmse_huber:.2f} W vs MSE {rmse_mse:.2f} W)")


# %% [markdown]
# ## Solutions

# %% [markdown]
# **1.** The node in °F reads about 70 where the others read 21, and the node in kPa about
# 101 where the others read 1013: relative to the fleet's median and MAD, *every* reading of
# those nodes is an outlier, so the detector drops most of both nodes. A unit fault is a
# property of a node, not of a row; `FixUnits` finds it by comparing node medians.

# %% tags=["solution"] jupyter={"source_hidden": true}
no_duplicates = clean.Pipeline([("duplicates", clean.DropDuplicates())]).fit_transform(
    X, y, node=node, time=hour
)
dropped = clean.MAD(5.0).fit_predict(no_duplicates.X)
per_node = np.bincount(no_duplicates.node[dropped], minlength=8)
print("rows dropped per node:", per_node)
check_order(set(np.argsort(per_node)[-2:].tolist()))

# %% [markdown]
# **2.** The bound $|z| \le \sqrt{N-1}$ is reached by a spike among equal values, and the
# detector flags $z > 3$ strictly: we need $\sqrt{N-1} > 3$, so $N \ge 11$.

# %% tags=["solution"] jupyter={"source_hidden": true}
check_window(next(n for n in range(2, 100) if math.sqrt(n - 1) > 3))

# %% [markdown]
# **3.** $l(r) = r^2/2$ for $|r| \le \delta$ and $\delta(|r| - \delta/2)$ beyond, so
# $dl/dr = r$ inside and $\delta\,\mathrm{sign}(r)$ outside:
# $\partial \mathcal L/\partial \hat y_i = \mathrm{clip}(r_i, -\delta, \delta)/N$. An outlier
# *in the target* then pulls no harder than a residual of $\delta$ (one standard deviation
# of the target here). A spike *in the inputs* still pulls on the weights with
# $\mathrm{clip}(r_i)\,x_i/N$, which grows with $|x_i|$: Huber bounds the residual's part,
# not the leverage's, so it helps here less than dropping the spiked rows does. Against
# outliers in $y$ it works even when no detector can tell them from the data.

# %% tags=["solution"] jupyter={"source_hidden": true}
X_units, y_units = training_sets["+ units fixed"]
scale_x, scale_y = clean.Standardizer().fit(X_units), clean.Standardizer().fit(y_units)
robust = {}
for name, loss in (("Huber", mt.losses.Huber(delta=1.0)), ("MSE", mt.losses.MSE())):
    linear_model = mt.Sequential([mt.Dense(4, 1)])
    fitted = mt.fit(
        linear_model, loss, mt.optim.Adam(lr=0.01), scale_x.transform(X_units),
        scale_y.transform(y_units), epochs=20, batch_size=64, seed=0, progress=False,
    ).params  # fmt: skip
    robust[name] = rmse(scale_y.inverse_transform(
        linear_model.predict(fitted, scale_x.transform(X_test))))  # fmt: skip
check_huber(robust["Huber"], robust["MSE"])
