"""The demo's stage after deployment: the alarms are the detector's on the frozen model's
errors, the strategies' numbers are their error curves, learning beats standing still after
the drift, the "adapts on" column is ``training_fits``, and the figure draws every curve."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import minitrain as mt
from minitrain import adapt, clean, compress, demo, demo_drift
from minitrain.demo_figures import adaptation_curves, adaptation_figure

NODES = 3


@pytest.fixture(scope="module")
def stage():
    """The stage on a model trained quickly (Adam, 5 epochs of batches of 32) on the true
    readings of a 3-node fleet: a deployed model as the demo's, without its federated rounds."""
    fleet = mt.data.make_sensor_fleet(NODES, demo.READINGS_PER_NODE, 0, dtype=np.float32)
    scale_x, scale_y = clean.Standardizer().fit(fleet.X_clean), clean.Standardizer().fit(fleet.y)
    model = demo.model_for()
    params = mt.fit(model, mt.losses.MSE(), mt.optim.Adam(lr=3e-3),
                    scale_x.transform(fleet.X_clean), scale_y.transform(fleet.y), epochs=5,
                    batch_size=32, seed=0, progress=False).params  # fmt: skip
    return model, params, run(model, params, scale_x, scale_y)


def run(model, params, scale_x, scale_y):
    return demo_drift.run_drift_stage(
        model, params, scale_x, scale_y, nodes=NODES, seed=0,
        devices=demo.device_classes(NODES), table_devices=demo.TABLE_DEVICES,
        short=demo.SHORT, readings_per_node=demo.READINGS_PER_NODE)  # fmt: skip


def test_the_drift_is_the_one_asked_for_on_a_microcontroller(stage):
    _, _, result = stage
    assert result.device == "cortex-m4" and result.events == (demo_drift.DRIFT_AT,)
    assert all(e.size == demo_drift.DEPLOYED_HOURS for e in result.errors.values())


def test_the_alarms_are_adwin_on_the_frozen_models_errors_and_follow_the_drift(stage):
    _, _, result = stage
    again = adapt.detect(adapt.ADWIN(), result.errors["frozen"])
    assert np.array_equal(result.alarms, again)
    assert result.alarms.size and result.alarms.min() >= result.events[0]
    score = adapt.score_drift(result.alarms, list(result.events), demo_drift.MAX_DELAY)
    assert result.score.delays == score.delays == (int(result.alarms[0]) - result.events[0],)


def test_detect_and_retrain_is_the_frozen_model_until_its_alarm(stage):
    # It learns nothing before the alarm, so its errors are the frozen model's, bit for bit,
    # up to the end of the batch in which the alarm came.
    _, _, result = stage
    batch = demo_drift.LEARN_BATCH
    until = (result.alarms[0] // batch + 1) * batch
    retrain, frozen = result.errors["ADWIN + retrain"], result.errors["frozen"]
    assert np.array_equal(retrain[:until], frozen[:until])
    assert retrain[until:].mean() < frozen[until:].mean()


def test_every_learning_strategy_beats_the_frozen_model_after_the_drift(stage):
    _, _, result = stage
    frozen, *learning = result.rows
    assert frozen.name == "frozen" and frozen.ram_bytes is None
    assert frozen.macs_per_reading == 0 and frozen.measured_bytes == 0
    for row in learning:
        assert row.rmse_after < frozen.rmse_after, row.name
    assert frozen.rmse_after > 2 * frozen.rmse_before  # the drift (10 W) is plain to see


def test_the_rows_are_the_rmse_of_their_error_curves(stage):
    _, _, result = stage
    event = result.events[0]
    for row in result.rows:
        errors = result.errors[row.name]
        # float64 means of the same values: the same number but for the last bits
        assert row.rmse_before == pytest.approx(np.sqrt(errors[:event].mean()) * result.watts,
                                                rel=1e-12)  # fmt: skip
        assert row.rmse_after == pytest.approx(np.sqrt(errors[event:].mean()) * result.watts,
                                               rel=1e-12)  # fmt: skip


def test_adapts_on_is_training_fits_of_each_strategys_training_memory(stage):
    model, params, result = stage
    trainable = {"all weights": None, "last layer": adapt.last_layer(model),
                 "biases only": adapt.biases(model), "ADWIN + retrain": None}  # fmt: skip
    window = demo_drift.RETRAIN_WINDOW * (4 + 1) * 4  # float32 readings (4) and target (1)
    for row in result.rows[1:]:
        retrain = row.name == "ADWIN + retrain"  # retrains on batches of 16, keeps its window
        memory = compress.training_memory(
            model, params, mt.optim.SGD(lr=0.1), 16 if retrain else demo_drift.LEARN_BATCH,
            trainable=trainable[row.name], buffer_bytes=window if retrain else 0)  # fmt: skip
        assert row.ram_bytes == memory.total_bytes, row.name
        # and it is what the learner held at its largest step, measured array by array
        assert row.measured_bytes == row.ram_bytes, row.name
        fits = [demo.SHORT[d.name] for d in demo.TABLE_DEVICES
                if compress.training_fits({row.name: memory}, d).fits(row.name, d.name)]
        assert list(row.adapts_on) == fits, row.name
    # Bias-only updates keep no Dense input: less memory than updating every weight.
    by_name = {row.name: row for row in result.rows}
    assert by_name["biases only"].ram_bytes < by_name["all weights"].ram_bytes
    assert "M0+" not in by_name["biases only"].adapts_on  # 2 KB < the 18 KB of parameters


def test_the_adaptation_table_prints_each_strategys_device_classes(stage):
    _, _, result = stage
    lines = demo_drift.adaptation_table(result).splitlines()
    assert lines[0].split()[-2:] == ["adapts", "on"]
    for row in result.rows[1:]:
        line = next(text for text in lines if text.startswith(row.name))
        assert line.endswith("  " + " ".join(row.adapts_on))
        assert f"{row.ram_bytes:,}" in line
    assert next(t for t in lines if t.startswith("frozen")).endswith("- (does not learn)")


def test_the_same_seed_gives_the_same_stage(stage):
    model, params, result = stage
    fleet = mt.data.make_sensor_fleet(NODES, demo.READINGS_PER_NODE, 0, dtype=np.float32)
    scale_x, scale_y = clean.Standardizer().fit(fleet.X_clean), clean.Standardizer().fit(fleet.y)
    again = run(model, params, scale_x, scale_y)
    assert again.rows == result.rows and np.array_equal(again.alarms, result.alarms)


def test_the_figure_draws_every_strategy_the_drift_and_the_alarms(stage):
    _, _, result = stage
    fig = adaptation_figure(result)
    ax = fig.axes[0]
    assert ax.get_title() and "(h" in ax.get_xlabel() and "(W)" in ax.get_ylabel()
    labels = ax.get_legend_handles_labels()[1]
    assert "true drift (machine serviced)" in labels and any("alarm" in s for s in labels)
    curves = adaptation_curves(result)
    drawn = {line.get_label().split(" (")[0]: line.get_ydata() for line in ax.get_lines()}
    for name, curve in curves.items():
        assert np.array_equal(drawn[name], curve), name
    vertical = [line for line in ax.get_lines() if np.ptp(line.get_xdata()) == 0]
    assert sorted(line.get_xdata()[0] for line in vertical) == sorted(
        [*result.events, *result.alarms.tolist()])


class _Stage:
    def __init__(self, errors, watts):
        self.errors, self.watts = {"s": errors}, watts


@given(arrays(np.float64, st.integers(1, 60), elements=st.floats(0, 1e3)),
       st.integers(1, 80), st.floats(0.5, 100))  # fmt: skip
def test_the_error_curve_is_the_trailing_rmse_in_watts(errors, window, watts):
    curve = adaptation_curves(_Stage(errors, watts), window)["s"]
    for t in range(errors.size):
        expected = watts * np.sqrt(errors[max(0, t - window + 1):t + 1].mean())
        # The curve differences two cumulative sums: each of its <= 60 partial sums rounds to
        # a relative 1.1e-16, so the window's mean is off by at most 1e-14 * (sum of all
        # errors), and a square root turns an absolute error eps into at most sqrt(eps).
        tolerance = watts * np.sqrt(1e-14 * errors.sum()) + 1e-12 * expected
        assert abs(curve[t] - expected) <= tolerance
