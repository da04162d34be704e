"""Drift detectors: river's alarms on the same streams, their statistics against closed forms,
false-alarm and delay bounds, scoring against true events, and bad input."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minitrain import adapt


def river_alarms(detector, values):
    alarms = []
    for i, x in enumerate(values):
        detector.update(x)
        if detector.drift_detected:
            alarms.append(i)
    return alarms


def piecewise_stream(seed, n, n_shifts, binary=False):
    """Gaussian (or 0/1) values whose mean jumps at random points."""
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.integers(0, n, n_shifts))
    regime = np.searchsorted(cuts, np.arange(n), side="right")
    if binary:
        rate = rng.uniform(0.05, 0.6, n_shifts + 1)[regime]
        return (rng.random(n) < rate).astype(np.float64)
    return rng.normal(rng.normal(0, 2, n_shifts + 1)[regime], rng.uniform(0.2, 2.0))


CONFIGS = [
    ("ADWIN", {}),
    ("ADWIN", dict(delta=0.05, clock=1, max_buckets=2, min_window_length=2, grace_period=3)),
    ("PageHinkley", {}),
    ("PageHinkley", dict(threshold=5.0, alpha=1.0, mode="up", min_instances=10)),
    ("PageHinkley", dict(threshold=8.0, delta=0.1, mode="down")),
]


@settings(max_examples=15)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(50, 1500), n_shifts=st.integers(0, 4),
       config=st.sampled_from(CONFIGS))
def test_alarms_are_rivers_on_real_valued_streams(seed, n, n_shifts, config):
    river = pytest.importorskip("river.drift")
    name, kwargs = config
    values = piecewise_stream(seed, n, n_shifts)
    ours = adapt.detect(getattr(adapt, name)(**kwargs), values)
    assert ours.tolist() == river_alarms(getattr(river, name)(**kwargs), values.tolist())


@settings(max_examples=15)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(50, 1500), n_shifts=st.integers(0, 3),
       warm_start=st.integers(0, 60))
def test_ddm_and_adwin_alarms_are_rivers_on_error_streams(seed, n, n_shifts, warm_start):
    river = pytest.importorskip("river.drift")
    errors = piecewise_stream(seed, n, n_shifts, binary=True)
    ours = adapt.detect(adapt.DDM(warm_start=warm_start), errors)
    assert ours.tolist() == river_alarms(river.binary.DDM(warm_start=warm_start), errors.tolist())
    assert adapt.detect(adapt.ADWIN(), errors).tolist() == river_alarms(river.ADWIN(),
                                                                         errors.tolist())


def test_ddm_warnings_are_rivers():
    river = pytest.importorskip("river.drift")
    errors = piecewise_stream(3, 3000, 3, binary=True)
    ours, theirs = adapt.DDM(), river.binary.DDM()
    for x in errors.tolist():
        ours.update(x)
        theirs.update(x)
        assert (ours.warning_detected, ours.drift_detected) == (
            theirs.warning_detected, theirs.drift_detected)


@settings(max_examples=20)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300),
       alpha=st.floats(0.9, 1.0), delta=st.floats(0.0, 0.5))
def test_page_hinkley_sums_equal_their_discounted_cumulative_sum_definition(seed, n, alpha,
                                                                             delta):
    x = np.random.default_rng(seed).normal(0, 1, n)
    ph = adapt.PageHinkley(alpha=alpha, delta=delta, threshold=1e12)  # never resets
    for value in x:
        ph.update(value)
    t = np.arange(1, n + 1)
    deviation = x - np.cumsum(x) / t  # x_t - mean_t
    weights = alpha ** (n - t)  # alpha^(n - t) discounts reading t at time n
    # Tolerance: the running mean is updated incrementally (n roundings) while the reference
    # uses cumsum; both errors are a few ulps of sum |x|, far below 1e-9 for n <= 300.
    assert ph.sum_increase_ == pytest.approx(np.sum(weights * (deviation - delta)), abs=1e-9)
    assert ph.sum_decrease_ == pytest.approx(np.sum(weights * (deviation + delta)), abs=1e-9)
    assert ph.mean_ == pytest.approx(x.mean(), abs=1e-12)


@settings(max_examples=20)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 400))
def test_adwin_window_statistics_equal_the_sums_over_its_values(seed, n):
    x = np.random.default_rng(seed).uniform(-3, 3, n)
    adwin = adapt.ADWIN(delta=1e-300)  # no cut is ever significant: the window holds all of x
    for value in x:
        adwin.update(value)
    assert adwin.width == n
    # Welford's and the bucket merges round differently from numpy's pairwise sums: a few
    # ulps of sum |x| and of n * var(x) (both below 1e3 here).
    assert adwin.total == pytest.approx(x.sum(), abs=1e-9)
    assert adwin.variance == pytest.approx(n * x.var(), rel=1e-9, abs=1e-9)
    assert adwin.estimation == pytest.approx(x.mean(), abs=1e-9)


def test_ddm_statistics_are_the_bernoulli_mean_and_standard_error():
    errors = np.array([0, 1, 0, 0, 1, 1, 0, 0, 0, 1], dtype=float)
    ddm = adapt.DDM(warm_start=100)
    for e in errors:
        ddm.update(e)
    p = errors.mean()
    assert ddm.p_ == pytest.approx(p, abs=1e-15)
    assert ddm.s_ == pytest.approx(math.sqrt(p * (1 - p) / errors.size), abs=1e-15)


def test_page_hinkley_false_alarms_on_iid_stream_stay_below_the_random_walk_bound():
    # Without drift, U_t - min U is a random walk with increments of mean -delta and variance
    # at most sigma^2 (x_t - mean_t has variance sigma^2 (1 - 1/t)). For a Gaussian walk,
    # P(it ever climbs threshold above a given point) <= exp(-2 delta threshold / sigma^2)
    # (Wald's exponential martingale); a union bound over the n * R starting points of R
    # streams of n readings gives the expected number of false alarms below
    # n R exp(-2 delta threshold / sigma^2) = 2000 * 10 * exp(-12.5) = 0.07 (both sides: 0.15).
    delta, threshold, n, streams = 0.25, 25.0, 2000, 10
    bound = 2 * n * streams * math.exp(-2 * delta * threshold)
    assert bound < 0.2
    alarms = sum(
        adapt.detect(adapt.PageHinkley(delta=delta, threshold=threshold, alpha=1.0),
                     np.random.default_rng(seed).normal(0, 1, n)).size
        for seed in range(streams)
    )
    assert alarms == 0  # any alarm at all would be an event of probability below 0.2


def test_adwin_false_alarms_on_bounded_iid_stream_stay_below_delta_per_check():
    # ADWIN's cut bound makes each check raise a false alarm with probability at most delta
    # (module docstring): with one check per `clock` values, n values per stream and R
    # streams, at most delta n R / clock = 0.002 * 4000 * 20 / 32 = 5 are expected; P(Poisson(5)
    # >= 16) < 1e-4, and ADWIN's bound is conservative (its real rate is far lower).
    n, streams = 4000, 20
    alarms = sum(
        adapt.detect(adapt.ADWIN(), (np.random.default_rng(seed).random(n) < 0.3) * 1.0).size
        for seed in range(streams)
    )
    assert alarms < 16


@settings(max_examples=20)
@given(seed=st.integers(0, 2**32 - 1), k=st.floats(2.0, 6.0), before=st.integers(300, 600))
def test_page_hinkley_detects_a_mean_shift_of_k_sigmas_within_its_delay_bound(seed, k, before):
    # After a shift s = k sigma at time T0, x_t - mean_t ~ s T0 / t (the running mean absorbs
    # the shift), so U climbs by about s T0 ln(1 + D / T0) - delta D over D readings, give or
    # take the walk's noise, below 5 sigma sqrt(D) with probability > 1 - 6e-7; the alarm
    # comes by the first D where the climb minus that noise exceeds the threshold. sigma = 0.5
    # keeps a false alarm before the shift (a walk of sd 0.5 sqrt(600) = 12 climbing 50, 4 sd)
    # below 1e-4, so the detector has not just been reset when the shift comes.
    sigma, delta, threshold = 0.5, 0.005, 50.0
    rng = np.random.default_rng(seed)
    x = rng.normal(0, sigma, before + 3000)
    x[before:] += k * sigma
    D = np.arange(1, 3000)
    climb = k * sigma * before * np.log1p(D / before) - delta * D - 5 * sigma * np.sqrt(D)
    assert (climb > threshold).any()  # k >= 2 after >= 300 readings: the bound exists
    bound = int(D[np.argmax(climb > threshold)])
    alarms = adapt.detect(adapt.PageHinkley(mode="up", alpha=1.0), x)
    after = alarms[alarms >= before]
    assert after.size and after[0] - before <= bound


def test_detect_leaves_the_detector_unchanged():
    ph = adapt.PageHinkley()
    ph.update(1.0)
    adapt.detect(ph, np.r_[np.zeros(100), np.ones(100) * 10])
    assert ph.n_ == 1.0 and ph.mean_ == 1.0


def test_score_drift_matches_alarms_to_events_by_hand():
    # events at 100 and 500; alarms: 40 (false), 130 (delay 30), 160 (second: false),
    # 900 (too late for 500 with max_delay 200: false) -> 500 missed.
    score = adapt.score_drift([40, 130, 160, 900], [500, 100], max_delay=200)
    assert score.delays == (30, None)
    assert (score.n_detected, score.n_missed, score.n_false_alarms) == (1, 1, 3)
    assert score.mean_delay == 30.0


def test_score_drift_takes_events_with_a_start():
    class Event:
        start = 10
    assert adapt.score_drift(np.array([12]), [Event()], max_delay=5).delays == (2,)


@pytest.mark.parametrize("make", [adapt.PageHinkley, adapt.ADWIN, adapt.DDM])
@pytest.mark.parametrize("bad, error", [
    (float("nan"), ValueError), ("0.5", TypeError), (np.zeros((2, 3)), ValueError),
    (None, TypeError), (float("inf"), ValueError),
])
def test_detectors_refuse_nan_strings_and_arrays(make, bad, error):
    with pytest.raises(error, match="x must"):
        make().update(bad)


@pytest.mark.parametrize("bad, error", [
    (np.zeros((4, 2)), ValueError), (np.array(["a", "b"]), TypeError),
    (np.array([0.0, np.nan]), ValueError),
])
def test_detect_refuses_2d_string_and_nan_streams(bad, error):
    with pytest.raises(error, match="values"):
        adapt.detect(adapt.ADWIN(), bad)


def test_detectors_take_numpy_scalars_and_bools():
    errors = np.array([1, 0, 1]) != np.array([1, 1, 1])  # numpy bools: False, True, False
    ddm = adapt.DDM()
    for e in errors:
        ddm.update(e)
    assert ddm.n_ == 3 and ddm.p_ == pytest.approx(1 / 3)
    assert adapt.PageHinkley().update(np.float32(0.5)).mean_ == 0.5


def test_ddm_refuses_values_other_than_zero_and_one():
    with pytest.raises(ValueError, match="0 \\(correct\\) or 1"):
        adapt.DDM().update(0.5)
    with pytest.raises(ValueError, match="0 \\(correct\\) or 1"):
        adapt.detect(adapt.DDM(), [0, 1, 2])


def test_detector_arguments_are_checked():
    with pytest.raises(ValueError, match="mode"):
        adapt.PageHinkley(mode="sideways")
    with pytest.raises(ValueError, match="delta"):
        adapt.ADWIN(delta=0.0)
    with pytest.raises(TypeError, match="detector"):
        adapt.detect("ADWIN", [1.0])
    with pytest.raises(ValueError, match="max_delay"):
        adapt.score_drift([1], [0], max_delay=0)
