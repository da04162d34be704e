"""Bad input to minitrain.data: every public callable refuses it by name.

Each case is one call a careless user might make. It must raise the given exception type with
a message naming the argument (and, where it helps, the value or the fix), leave every input
array bit-identical and emit no warning (``bad_inputs.assert_refused``).
"""

from __future__ import annotations

import numpy as np
from bad_inputs import Case, assert_refused, cases

from minitrain import data

Y = np.arange(12) % 3  # integer labels of 12 rows
NODE = np.repeat(np.arange(3), 4)
X = np.arange(24.0).reshape(12, 2)
FLEET = data.make_sensor_fleet(2, 10, seed=0)
PARTS = data.partition(Y, 3, "iid", 0)

costs = (
    Case("columns as a bare string", data.sensor_costs, ("temperature",), error=TypeError,
         names=("columns",)),
    Case("columns repeated (paid twice)", data.sensor_costs, (["humidity", "humidity"],),
         error=ValueError, names=("columns", "humidity", "more than once")),
    Case("columns unknown", data.sensor_costs, (["co2"],), error=ValueError,
         names=("columns", "co2")),
    Case("columns None", data.sensor_costs, (None,), error=TypeError, names=("columns",)),
    Case("columns holding an int", data.sensor_costs, ([1],), error=TypeError,
         names=("columns",)),
    Case("columns as a dict", data.sensor_costs, ({"temperature": 2},), error=TypeError,
         names=("columns",)),
    Case("SensorCost negative bytes", data.SensorCost, ("x", -1, 0.1, "s"), error=ValueError,
         names=("bytes",)),
    Case("SensorCost NaN energy", data.SensorCost, ("x", 2, np.nan, "s"), error=ValueError,
         names=("energy_mj",)),
    Case("SensorCost column None", data.SensorCost, (None, 2, 0.1, "s"), error=TypeError,
         names=("column",)),
)

datasets = (
    Case("load_iris float16", data.load_iris, kwargs={"dtype": np.float16}, error=TypeError,
         names=("dtype", "float16")),
    Case("load_digits dtype None", data.load_digits, kwargs={"dtype": None}, error=TypeError,
         names=("dtype",)),
    Case("load_iris integer dtype", data.load_iris, kwargs={"dtype": np.int64},
         error=TypeError, names=("dtype", "int64")),
    Case("load_digits unreadable dtype", data.load_digits, kwargs={"dtype": "floaty"},
         error=TypeError, names=("dtype",)),
    Case("load_iris verify='no'", data.load_iris, kwargs={"verify": "no"}, error=TypeError,
         names=("verify",)),
    Case("load_digits verify=1", data.load_digits, kwargs={"verify": 1}, error=TypeError,
         names=("verify",)),
    Case("array_sha256 of a list", data.array_sha256, ([1.0, 2.0],), error=TypeError,
         names=("a",)),
    Case("array_sha256 of None", data.array_sha256, (None,), error=TypeError, names=("a",)),
    Case("array_sha256 of objects", data.array_sha256, (np.array([1, "a"], dtype=object),),
         error=TypeError, names=("a",)),
)

partitions = (
    Case("negative seed", data.partition, (Y, 3, "iid", -1), error=ValueError,
         names=("seed",)),
    Case("float seed", data.partition, (Y, 3, "iid", 1.5), error=TypeError, names=("seed",)),
    Case("string seed", data.partition, (Y, 3, "iid", "0"), error=TypeError, names=("seed",)),
    Case("y None", data.partition, (None, 3), error=TypeError, names=("y",)),
    Case("y 2-D", data.partition, (X, 3), error=TypeError, names=("y",)),
    Case("y empty", data.partition, (np.array([], dtype=int), 1), error=ValueError,
         names=("y",)),
    Case("n_parts 0", data.partition, (Y, 0), error=ValueError, names=("n_parts",)),
    Case("n_parts float", data.partition, (Y, 2.0), error=TypeError, names=("n_parts",)),
    Case("n_parts above N", data.partition, (Y, 13), error=ValueError, names=("n_parts",)),
    Case("unknown scheme", data.partition, (Y, 3, "random"), error=ValueError,
         names=("scheme", "random")),
    Case("dirichlet on float labels", data.partition, (Y.astype(float), 3, "dirichlet"),
         error=TypeError, names=("y", "astype")),
    Case("dirichlet alpha 0", data.partition, (Y, 3, "dirichlet"),
         {"alpha": 0.0, "min_size": 1}, error=ValueError, names=("alpha",)),
    Case("dirichlet alpha NaN", data.partition, (Y, 3, "dirichlet"),
         {"alpha": np.nan, "min_size": 1}, error=ValueError, names=("alpha",)),
    Case("dirichlet min_size too large", data.partition, (Y, 3, "dirichlet"),
         {"min_size": 5}, error=ValueError, names=("min_size",)),
    Case("shards_per_part 0", data.partition, (Y, 3, "shards"), {"shards_per_part": 0},
         error=ValueError, names=("shards_per_part",)),
    Case("by_node without node", data.partition, (Y, 3, "by_node"), error=ValueError,
         names=("node",)),
    Case("by_node node of the wrong length", data.partition, (Y, 3, "by_node"),
         {"node": NODE[:-1]}, error=ValueError, names=("node", "one entry per row")),
    Case("by_node float node ids", data.partition, (Y, 3, "by_node"),
         {"node": NODE.astype(float)}, error=TypeError, names=("node",)),
    Case("by_node more parts than nodes", data.partition, (Y, 4, "by_node"), {"node": NODE},
         error=ValueError, names=("n_parts", "distinct nodes")),
    Case("report parts None", data.partition_report, (None,), error=TypeError,
         names=("parts",)),
    Case("report parts as one array", data.partition_report, (np.arange(6).reshape(2, 3),),
         error=TypeError, names=("parts",)),
    Case("report parts empty", data.partition_report, ([],), error=ValueError,
         names=("parts",)),
    Case("report float indices", data.partition_report, ([np.array([0.0, 1.0])], Y),
         error=TypeError, names=("parts[0]",)),
    Case("report indices beyond y", data.partition_report, ([np.arange(6), np.arange(6, 20)], Y),
         error=ValueError, names=("parts[1]",)),
    Case("report parts a string", data.partition_report, ("abc",), error=TypeError,
         names=("parts",)),
    Case("report float labels", data.partition_report, (PARTS, Y.astype(float)),
         error=TypeError, names=("y",)),
)

sensors = (
    Case("fleet negative seed", data.make_sensor_fleet, (2, 10, -1), error=ValueError,
         names=("seed",)),
    Case("fleet bool seed", data.make_sensor_fleet, (2, 10, True), error=TypeError,
         names=("seed",)),
    Case("fleet one reading per node", data.make_sensor_fleet, (2, 1), error=ValueError,
         names=("n_per_node",)),
    Case("fleet sizes for the wrong node count", data.make_sensor_fleet, (3, [10, 10]),
         error=ValueError, names=("n_per_node",)),
    Case("fleet sizes None", data.make_sensor_fleet, (2, None), error=ValueError,
         names=("n_per_node",)),
    Case("fleet ragged sizes", data.make_sensor_fleet, (2, [[10], [10, 10]]),
         error=ValueError, names=("n_per_node",)),
    Case("fleet float16", data.make_sensor_fleet, (2, 10), {"dtype": np.float16},
         error=TypeError, names=("dtype", "float16")),
    Case("fleet dtype None", data.make_sensor_fleet, (2, 10), {"dtype": None}, error=TypeError,
         names=("dtype",)),
    Case("fleet more degF nodes than nodes", data.make_sensor_fleet, (2, 10),
         {"n_fahrenheit_nodes": 3, "n_kpa_nodes": 0}, error=ValueError,
         names=("n_fahrenheit_nodes",)),
    Case("fleet more unit faults than nodes", data.make_sensor_fleet, (2, 10),
         {"n_fahrenheit_nodes": 1, "n_kpa_nodes": 2}, error=ValueError,
         names=("n_kpa_nodes", "n_fahrenheit_nodes")),
    Case("fleet unknown task", data.make_sensor_fleet, (2, 10), {"task": "ranking"},
         error=ValueError, names=("task",)),
    Case("fleet missing_rate 1", data.make_sensor_fleet, (2, 10), {"missing_rate": 1.0},
         error=ValueError, names=("missing_rate",)),
    Case("fleet dropout_length a list", data.make_sensor_fleet, (2, 10),
         {"dropout_length": [5, 30]}, error=TypeError, names=("dropout_length",)),
    Case("fleet stuck_length from 0", data.make_sensor_fleet, (2, 10),
         {"stuck_length": (0, 3)}, error=ValueError, names=("stuck_length[0]",)),
    Case("fleet one Drift, not a list", data.make_sensor_fleet, (2, 10),
         {"drift": data.Drift("abrupt", 3)}, error=TypeError, names=("drift",)),
    Case("fleet drift None", data.make_sensor_fleet, (2, 10), {"drift": None}, error=TypeError,
         names=("drift",)),
    Case("fleet drift on a missing node", data.make_sensor_fleet, (2, 10),
         {"drift": [data.Drift("abrupt", 3, nodes=(5,))]}, error=ValueError,
         names=("drift[0].nodes",)),
    Case("Drift unknown kind", data.Drift, ("sudden", 3), error=ValueError,
         names=("Drift.kind",)),
    Case("Drift negative start", data.Drift, ("abrupt", -1), error=ValueError,
         names=("Drift.start",)),
    Case("Drift recurring without period", data.Drift, ("recurring", 3), error=ValueError,
         names=("Drift.period",)),
    Case("Drift NaN size", data.Drift, ("abrupt", 3, np.nan), error=ValueError,
         names=("Drift.size",)),
    Case("Drift nodes an int", data.Drift, ("abrupt", 3), {"nodes": 1}, error=TypeError,
         names=("Drift.nodes",)),
    Case("stream of a missing node", FLEET.stream, (99,), error=ValueError, names=("node",)),
    Case("stream of a string", FLEET.stream, ("1",), error=TypeError, names=("node",)),
    Case("stream of a float", FLEET.stream, (1.0,), error=TypeError, names=("node",)),
)

synthetic = (
    Case("make_linear negative seed", data.make_linear, kwargs={"seed": -1}, error=ValueError,
         names=("seed",)),
    Case("make_linear float16", data.make_linear, kwargs={"dtype": np.float16},
         error=TypeError, names=("dtype", "float16")),
    Case("make_linear integer dtype", data.make_linear, kwargs={"dtype": int}, error=TypeError,
         names=("dtype",)),
    Case("make_linear n 0", data.make_linear, (0,), error=ValueError, names=("n",)),
    Case("make_linear negative noise", data.make_linear, kwargs={"noise": -1.0},
         error=ValueError, names=("noise",)),
    Case("make_linear NaN coef", data.make_linear, kwargs={"coef": np.nan}, error=ValueError,
         names=("coef",)),
    Case("make_linear string coef", data.make_linear, kwargs={"coef": "2"}, error=TypeError,
         names=("coef",)),
    Case("make_blobs negative seed", data.make_blobs, kwargs={"seed": -3}, error=ValueError,
         names=("seed",)),
    Case("make_blobs fewer samples than classes", data.make_blobs, (2, 3), error=ValueError,
         names=("n_samples",)),
    Case("make_blobs dtype None", data.make_blobs, kwargs={"dtype": None}, error=TypeError,
         names=("dtype",)),
    Case("make_blobs infinite spread", data.make_blobs, kwargs={"spread": np.inf},
         error=ValueError, names=("spread",)),
    Case("split stratify='no'", data.train_test_split, (X, Y), {"stratify": "no"},
         error=TypeError, names=("stratify",)),
    Case("split stratify=1", data.train_test_split, (X, Y), {"stratify": 1}, error=TypeError,
         names=("stratify",)),
    Case("split negative seed", data.train_test_split, (X, Y), {"seed": -1}, error=ValueError,
         names=("seed",)),
    Case("split X a list", data.train_test_split, (X.tolist(), Y), error=TypeError,
         names=("X",)),
    Case("split y None", data.train_test_split, (X, None), error=TypeError, names=("y",)),
    Case("split float16 X", data.train_test_split, (X.astype(np.float16), Y), error=TypeError,
         names=("X", "float16")),
    Case("split 0-d X", data.train_test_split, (np.array(1.0), Y), error=ValueError,
         names=("X",)),
    Case("split rows differ", data.train_test_split, (X, Y[:-1]), error=ValueError,
         names=("X", "y")),
    Case("split test_fraction 0", data.train_test_split, (X, Y), {"test_fraction": 0.0},
         error=ValueError, names=("test_fraction",)),
    Case("split test_fraction 1", data.train_test_split, (X, Y), {"test_fraction": 1.0},
         error=ValueError, names=("test_fraction",)),
    Case("split stratify on float y", data.train_test_split, (X, Y.astype(float)),
         {"stratify": True}, error=ValueError, names=("stratify",)),
    Case("split one row", data.train_test_split, (X[:1], Y[:1]), error=ValueError,
         names=("len(X)",)),
    Case("minibatches drop_last='yes'", data.minibatches, (10, 3, None), {"drop_last": "yes"},
         error=TypeError, names=("drop_last",)),
    Case("minibatches drop_last=1", data.minibatches, (10, 3, None), {"drop_last": 1},
         error=TypeError, names=("drop_last",)),
    Case("minibatches seed for rng", data.minibatches, (10, 3, 0), error=TypeError,
         names=("rng", "default_rng")),
    Case("minibatches legacy RandomState", data.minibatches,
         (10, 3, np.random.RandomState(0)), error=TypeError, names=("rng",)),
    Case("minibatches batch_size 0", data.minibatches, (10, 0, None), error=ValueError,
         names=("batch_size",)),
    Case("minibatches float batch_size", data.minibatches, (10, 2.5, None), error=TypeError,
         names=("batch_size",)),
    Case("minibatches no samples", data.minibatches, (0, 3, None), error=ValueError,
         names=("n_samples",)),
    Case("minibatches n_samples None", data.minibatches, (None, 3, None), error=TypeError,
         names=("n_samples",)),
    Case("minibatches drop_last leaves nothing", data.minibatches, (5, 8, None),
         {"drop_last": True}, error=ValueError, names=("drop_last", "batch_size")),
)

CATALOGUE = costs + datasets + partitions + sensors + synthetic


@cases(*CATALOGUE)
def test_bad_input_to_data_is_refused_by_name(case):
    assert_refused(case)


def test_the_catalogue_covers_every_public_callable_of_data():
    called = {getattr(case.call, "__name__", "") for case in CATALOGUE}
    public = {"sensor_costs", "SensorCost", "load_iris", "load_digits", "array_sha256",
              "partition", "partition_report", "make_sensor_fleet", "Drift", "stream",
              "make_linear", "make_blobs", "train_test_split", "minibatches"}  # fmt: skip
    assert public <= called
    assert len(CATALOGUE) >= 60
