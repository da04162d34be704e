"""A real Flower deployment on this machine computes what ``dist.fedavg`` computes.

One SuperLink and two SuperNodes run as separate processes on 127.0.0.1; ``flwr run``
submits ``examples/flower``; the ServerApp saves the final parameters as a checkpoint, which
must equal the simulator's after the same rounds. Every process the test starts is stopped
by its own handle, and what they started in turn is found by a marker in its environment.
Flower 1.42's nodes talk to the SuperLink over HTTP (its SuperNode has no gRPC transport).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

import minitrain as mt
from minitrain import distributed as dist

pytest.importorskip("flwr", reason="Flower is an optional extra: pip install 'minitrain[flower]'")

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "flower"
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"


def free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind((HOST, 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def accepts(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((HOST, port)) == 0


def tagged_processes(tag: str) -> list[int]:
    """Live processes whose environment carries ``tag`` (what the deployment started)."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            if tag.encode() in Path(f"/proc/{entry}/environ").read_bytes():
                state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":
                    found.append(int(entry))
        except OSError:
            continue
    return found


class Deployment:
    """SuperLink + SuperNodes as child processes; ``stop`` ends them and all they started."""

    def __init__(self, folder: Path, n_nodes: int) -> None:
        self.folder, self.tag = folder, uuid.uuid4().hex
        self.env = {**os.environ, "FLWR_TELEMETRY_ENABLED": "0", "FLWR_DISABLE_UPDATE_CHECK": "1",
                    "FLWR_DISABLE_RUNTIME_DEPENDENCY_INSTALLATION": "1",
                    "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
                    "MINITRAIN_DEPLOYMENT_TAG": self.tag}  # fmt: skip
        self.env.pop("PYTHONPATH", None)
        self.link_port, *node_ports = free_ports(1 + n_nodes)
        self.processes: list[subprocess.Popen] = []
        self.start("superlink", "flower-superlink", "--insecure", "--host", HOST, "--port",
                   str(self.link_port), "--disable-runtime-dependency-installation")  # fmt: skip
        deadline = time.monotonic() + 60
        while not accepts(self.link_port):
            assert self.processes[0].poll() is None, f"the SuperLink exited\n{self.logs()}"
            assert time.monotonic() < deadline, f"the SuperLink did not listen\n{self.logs()}"
            time.sleep(0.1)
        for k, port in enumerate(node_ports):
            self.start(f"supernode{k}", "flower-supernode", "--insecure",
                       "--superlink", f"{HOST}:{self.link_port}", "--host", HOST,
                       "--port", str(port), "--max-retries", "30",
                       "--node-config", f"partition-id={k} num-partitions={n_nodes}")  # fmt: skip
        home = folder / "flwr_home"
        home.mkdir()
        (home / "config.toml").write_text(
            f'[superlink]\ndefault = "test"\n\n[superlink.test]\n'
            f'address = "{HOST}:{self.link_port}"\ninsecure = true\n'
        )
        self.cli_env = {**self.env, "FLWR_HOME": str(home)}

    def start(self, name: str, *command: str) -> None:
        home = self.folder / f"home_{name}"
        home.mkdir()
        log = open(self.folder / f"{name}.log", "wb")  # the child keeps its own copy open
        self.processes.append(subprocess.Popen(
            [str(BIN / command[0]), *command[1:]], env={**self.env, "FLWR_HOME": str(home)},
            cwd=self.folder, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        ))  # fmt: skip
        log.close()

    def flwr(self, *arguments: str, timeout: float = 120) -> str:
        done = subprocess.run([str(BIN / "flwr"), *arguments], env=self.cli_env, cwd=self.folder,
                              capture_output=True, text=True, timeout=timeout)  # fmt: skip
        assert done.returncode == 0, f"flwr {arguments[0]} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}"
                         for p in sorted(self.folder.glob("*.log")))  # fmt: skip

    def stop(self) -> None:
        for process in reversed(self.processes):  # nodes first, then the SuperLink
            if process.poll() is None:
                process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        deadline = time.monotonic() + 20  # their helpers exit once their parent is gone
        while tagged_processes(self.tag) and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid in tagged_processes(self.tag):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def deployment(tmp_path):
    running = Deployment(tmp_path, n_nodes=2)
    try:
        yield running
    finally:
        running.stop()
    assert tagged_processes(running.tag) == [], "a process of the deployment outlived the test"


def test_two_rounds_on_a_superlink_and_two_supernodes_equal_the_simulator(deployment):
    output = deployment.folder / "final.npz"
    submitted = deployment.flwr("run", str(EXAMPLE), "test", "--format", "json",
                                "--run-config", f'output-path="{output}"')  # fmt: skip
    answer = json.loads(submitted[submitted.index("{") :])
    assert answer.get("success"), submitted
    run_id = str(answer["run-id"])
    deployment.flwr("log", run_id, "test", "--stream", timeout=300)  # returns when the run ends
    assert output.exists(), f"the ServerApp wrote no checkpoint\n{deployment.logs()}"

    sys.path.insert(0, str(EXAMPLE))
    try:
        from digits_app.task import FEDAVG, N_WORKERS, ROUNDS, SEED, job
    finally:
        sys.path.remove(str(EXAMPLE))
    model, loss, cluster = job()
    assert cluster.n_workers == N_WORKERS
    simulated = dist.fedavg(model, loss, cluster, rounds=ROUNDS, fraction=1.0, seed=SEED,
                            **FEDAVG)  # fmt: skip
    deployed = mt.checkpoint.load(output, like=simulated.params)
    assert deployed.meta["rounds"] == ROUNDS
    for key, p in simulated.params.items():
        # the nodes run the same worker update on the same machine and the server averages
        # as the simulator does: identical to the bit
        np.testing.assert_array_equal(deployed.params[key], p)
