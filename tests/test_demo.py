"""`minitrain demo`: the story runs as a command, prints its sections and a final table whose
numbers tell the story, writes its figures, and refuses bad options before doing any work."""

import re
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minitrain import adapt, compress, demo, demo_drift, distributed, optim
from minitrain.demo_figures import FIGURE_NAMES

REPO = Path(__file__).resolve().parents[1]
ROW = re.compile(r"^(?P<name>.+?)\s+(?P<rmse>\d+\.\d\d)\s+(?P<bytes>[\d,]+)\s+(?P<macs>[\d,]+)"
                 r"\s+(?P<sent>\d+\.\d\d)\s+(?P<seconds>\d+\.\d)\s{2}")  # fmt: skip


def minitrain(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "minitrain.cli", *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=REPO,
    )


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """`minitrain demo --out <tmp>` with every other option at its default (what `make demo`
    shows), run once for the tests of its output."""
    out = tmp_path_factory.mktemp("demo") / "figures"
    return minitrain("demo", "--out", str(out)), out


def table_rows(stdout: str) -> dict[str, dict[str, float]]:
    rows = {}
    for line in stdout.splitlines():
        match = ROW.match(line)
        if match:
            values = {k: float(v.replace(",", "")) for k, v in match.groupdict().items()
                      if k != "name"}  # fmt: skip
            rows[match["name"].strip()] = values
    return rows


def test_demo_prints_its_sections_and_final_table(default_run):
    result, _ = default_run
    assert result.returncode == 0, result.stderr[-3000:]
    for header in ("1. A fleet of 8 edge sensor nodes", "2. Cleaning and anomaly detection",
                   "3. Federated averaging across 8", "4. Pruning (80% of the hidden weights)",
                   "5. After deployment", "6. Results"):  # fmt: skip
        assert header in result.stdout, header
    assert "RMSE W" in result.stdout and "trains on" in result.stdout
    assert len(table_rows(result.stdout)) == 5


def test_final_table_tells_the_story(default_run):
    result, _ = default_run
    rows = list(table_rows(result.stdout).values())
    dirty, cleaned, deadline, pruned, int8 = rows
    assert cleaned["rmse"] < dirty["rmse"]  # cleaning helps, with the same training
    assert deadline["seconds"] < cleaned["seconds"]  # a deadline shortens the rounds
    assert deadline["sent"] < cleaned["sent"]  # and late nodes send nothing
    assert int8["bytes"] < pruned["bytes"] < cleaned["bytes"]  # each step shrinks storage
    assert pruned["macs"] < cleaned["macs"] and int8["macs"] == pruned["macs"]
    assert pruned["sent"] > cleaned["sent"]  # fine-tuning adds rounds on top
    # The target has 2 W of noise: nothing can be far below it, and the cleaned model,
    # trained for 30 rounds, lands within a few W of it (it measures 3.7 W).
    assert all(row["rmse"] > 1.5 for row in rows) and cleaned["rmse"] < 6.0


def drift_story(stdout: str) -> dict:
    """The numbers the stage after deployment prints: the true event, the alarms, each
    strategy's RMSE before and after the drift, and its line of the "adapts on" table."""
    event = int(re.search(r"true drift: abrupt, at hour (\d+) after deployment", stdout)[1])
    alarms = re.search(r"ADWIN on the frozen model's squared errors: alarms at hours ([\d, ]+)",
                       stdout)[1]  # fmt: skip
    errors = {m["name"]: (float(m["before"]), float(m["after"])) for m in re.finditer(
        r"^(?P<name>[a-zA-Z+ ]+?)\s+(?P<before>\d+\.\d\d)\s+(?P<after>\d+\.\d\d)$", stdout,
        re.MULTILINE)}  # fmt: skip
    table = stdout[stdout.index("after deployment: strategy"):].splitlines()[2:7]
    adapts = {}
    for line in table:
        name, rest = line[:34].strip(), line[34:].split()
        adapts[name] = (rest[1], rest[3:])
    return {"event": event, "alarms": [int(a) for a in alarms.split(", ")], "errors": errors,
            "adapts": adapts}  # fmt: skip


def test_the_printed_alarm_comes_at_or_after_the_true_drift(default_run):
    result, _ = default_run
    story = drift_story(result.stdout)
    assert story["event"] == demo_drift.DRIFT_AT
    assert story["alarms"] and min(story["alarms"]) >= story["event"]
    delay = min(story["alarms"]) - story["event"]
    assert f"mean delay {delay:.1f}, false alarms 0" in result.stdout


def test_every_adapting_strategy_ends_below_the_frozen_model_after_the_drift(default_run):
    result, _ = default_run
    errors = drift_story(result.stdout)["errors"]
    assert set(errors) == {"frozen", "all weights", "last layer", "biases only",
                           "ADWIN + retrain"}  # fmt: skip
    frozen_before, frozen_after = errors.pop("frozen")
    assert frozen_after > 3 * frozen_before  # a 15 W drift on a 3 W model
    for name, (_, after) in errors.items():
        assert after < frozen_after, name


def test_the_printed_adapts_on_column_is_training_fits(default_run):
    result, _ = default_run
    adapts = drift_story(result.stdout)["adapts"]
    assert adapts["frozen"] == ("-", ["-", "(does", "not", "learn)"])
    model = demo.model_for()
    params = model.init(0, dtype=np.float32)  # the bytes depend on shapes and dtype only
    window = demo_drift.RETRAIN_WINDOW * (4 + 1) * 4  # float32 readings (4) and target (1)
    batch = demo_drift.LEARN_BATCH
    for name, trainable, rows, buffer in (("all weights", None, batch, 0),
                                          ("last layer", adapt.last_layer(model), batch, 0),
                                          ("biases only", adapt.biases(model), batch, 0),
                                          ("ADWIN + retrain", None, 16, window)):  # fmt: skip
        memory = compress.training_memory(model, params, optim.SGD(lr=0.1), rows,
                                          trainable=trainable, buffer_bytes=buffer)  # fmt: skip
        fits = [demo.SHORT[d.name] for d in demo.TABLE_DEVICES
                if compress.training_fits({name: memory}, d).fits(name, d.name)]
        assert adapts[name] == (f"{memory.total_bytes:,}", fits), name


def test_demo_writes_every_figure_and_none_is_blank(default_run):
    result, out = default_run
    assert result.returncode == 0, result.stderr[-3000:]
    for name in FIGURE_NAMES:
        pixels = matplotlib.image.imread(out / name)
        assert pixels.std() > 0, f"{name} is blank"
        assert str(out / name) in result.stdout  # the demo names where it wrote each


@pytest.mark.parametrize(
    "option, message",
    [
        (("--nodes", "1"), "nodes must be >= 3"),
        (("--nodes", "65"), "nodes must be <= 64"),
        (("--sparsity", "1.0"), "sparsity must lie in [0.0, 1.0)"),
        (("--optimizer", "lbfgs"), "optimizer must be one of 'sgd', 'adam'"),
        (("--rounds", "0"), "rounds must be >= 1"),
        (("--seed", "-1"), "seed must be >= 0"),
    ],
)
def test_bad_options_are_refused_by_name_before_any_work(option, message, tmp_path):
    out = tmp_path / "figures"
    result = minitrain("demo", *option, "--out", str(out))
    assert result.returncode == 2
    assert f"minitrain demo: bad option: {message}" in result.stderr
    assert result.stdout == "" and not out.exists()  # nothing ran, nothing was written


def test_a_non_integer_node_count_is_refused_by_the_parser():
    result = minitrain("demo", "--nodes", "two")
    assert result.returncode == 2 and "argument --nodes: invalid int value" in result.stderr


def test_the_same_settings_give_the_same_table(tmp_path, capsys):
    settings = {"nodes": 3, "rounds": 2, "sparsity": 0.5, "seed": 1}
    first = demo.run(demo.DemoSettings(**settings, out=tmp_path / "a"))
    second = demo.run(demo.DemoSettings(**settings, out=tmp_path / "b"))
    capsys.readouterr()
    assert first == second  # every random draw comes from the seed


@given(st.integers(3, 64), st.integers(50, 600))
def test_the_deadline_cuts_exactly_the_microcontrollers(nodes, rows_per_node):
    settings = demo.DemoSettings(nodes=nodes)
    deadline = demo.straggler_deadline(settings, np.repeat(np.arange(nodes), rows_per_node))
    model, devices = demo.model_for(), demo.device_classes(nodes)
    nbytes = distributed.dense_nbytes(model.init(0, dtype=np.float32))
    macs = distributed.training_macs(model, demo.LOCAL_EPOCHS * np.full(nodes, rows_per_node))
    arrival = distributed.arrival_times(distributed.make_topology(nodes, devices),
                                        np.arange(nodes), nbytes, np.full(nodes, nbytes), macs)
    is_mcu = np.array([d == "cortex-m4" for d in devices])
    assert np.all(arrival[is_mcu] > deadline) and np.all(arrival[~is_mcu] < deadline)
