"""The README's whole-script example runs as a script: with process pools and dask workers
importing it, it must do its work only under the main-process guard, and give the same bits."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_fedavg_script_runs_as_a_script_with_pool_and_dask_workers(tmp_path):
    pytest.importorskip("dask.distributed", reason="dask comes with the test extra")
    blocks = re.findall(r"^```python\n(.*?)^```$", README.read_text(encoding="utf-8"), re.M | re.S)
    script = next(block for block in blocks if 'if __name__ == "__main__":' in block)
    path = tmp_path / "fedavg_everywhere.py"
    path.write_text(script, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr[-4000:]
    # Printed once: the workers imported the file without running the work again.
    assert result.stdout.count("the same parameters") == 1, result.stdout
