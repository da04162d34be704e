"""What a person reads says what it means: report headers, the demo's device columns, and
options that would otherwise be ignored or fail without a word."""

import numpy as np

from minitrain import cli, compress, demo
from minitrain.clean.pipeline import CleaningReport, StepReport


def test_the_cleaning_report_names_its_columns_in_words():
    step = StepReport("bounds", "drop", 10, 2, 2, 0, 0, 1)
    header = str(CleaningReport((step,))).splitlines()[0]
    assert header.split()[-2:] == ["cols", "dropped"]


def test_the_demo_device_columns_tell_dense_from_compressed_models():
    # The smallest class of the table stores the compressed model but not the dense one, so
    # "runs on" differs between the rows (it listed every class for every model before).
    smallest = min(demo.TABLE_DEVICES, key=lambda d: d.storage_bytes)
    model = demo.model_for()
    dense = model.init(0, dtype=np.float32)
    pruned = compress.apply_masks(dense, compress.magnitude_masks(dense, 0.8, scope="global"))
    assert compress.footprint(model, dense).dense_bytes > smallest.storage_bytes
    assert compress.footprint(model, pruned).sparse_int8_bytes <= smallest.storage_bytes
    edge = {d.name for d in compress.DEVICES.values() if d.name in demo.SHORT}  # not gateways
    assert edge < {d.name for d in demo.TABLE_DEVICES}


def test_demo_linear_refuses_out_instead_of_ignoring_it(capsys):
    assert cli.main(["demo", "--linear", "--out", "somewhere"]) == 2
    assert "--linear" in capsys.readouterr().err


def test_book_refuses_unknown_lessons_with_the_lessons_that_exist(tmp_path, capsys):
    assert cli.main(["book", "--out", str(tmp_path), "--lessons", "99"]) == 2
    assert "lessons must be numbers among [1, 2" in capsys.readouterr().err
    assert cli.main(["book", "--out", str(tmp_path), "--lessons", "one"]) == 2
    assert "--lessons takes numbers like 1,3" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_plots_regenerates_a_lesson_figure_by_running_its_lesson(tmp_path):
    import os
    import subprocess
    import sys

    import matplotlib.image

    result = subprocess.run(
        [sys.executable, "-m", "minitrain.cli", "plots", "--out", str(tmp_path), "--only",
         "lesson01_gd_vs_bound.png"],
        capture_output=True, text=True, timeout=300, env={**os.environ, "MINITRAIN_FAST": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert matplotlib.image.imread(tmp_path / "lesson01_gd_vs_bound.png").std() > 0
    assert not (tmp_path / "README.md").exists()  # one figure asked for: the gallery untouched
    missing = subprocess.run(
        [sys.executable, "-m", "minitrain.cli", "plots", "--out", str(tmp_path), "--only",
         "lesson99_nothing.png"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert missing.returncode == 2 and "there is no lesson 99" in missing.stderr
