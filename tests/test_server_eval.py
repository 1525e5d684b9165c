"""verifiers' own evaluation, ``vf-eval``, against a real OpenAI-compatible server.

``mlx_lm.server`` serves the bundled tiny model on a free loopback port and ``vf-eval`` runs the
first tasks of each environment through it, as a hub evaluation would: results kept local
(``--no-push``; pushing is verifiers' default), the rollout run on this machine
(``--env.agent.runtime.type subprocess``; the default is a Prime sandbox) as a plain chat turn
(``--env.agent.harness.id null``). The test reads the results file, and rescoring each recorded
completion offline with ``Task.score`` must give back every reward component.
"""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fixtures.uv import uv_executable
from test_environments import ENVS

from rlnvr.trainers.tasksets import load_tasks
from rlnvr.trainers.traces import score

MODEL = Path(__file__).resolve().parent.parent / "rlnvr" / "assets" / "rlnvr-tiny"
BIN = Path(sys.executable).parent
TASKS = 3
READY_WITHIN_S = 300  # a guard against a server that never comes up, not a speed requirement

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Server:
    url: str
    log: Path

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(server: Server, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_WITHIN_S
    while time.monotonic() < deadline:
        assert process.poll() is None, f"mlx_lm.server exited:\n{server.log_tail()}"
        try:
            with urllib.request.urlopen(f"{server.url}/v1/models", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.5)
    pytest.fail(f"mlx_lm.server not ready after {READY_WITHIN_S} s:\n{server.log_tail()}")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("mlx_server")
    # /v1/models also lists the Hugging Face cache, and raises when that folder does not exist
    # (a fresh machine): give it an empty one.
    (root / "hf").mkdir()
    env = {**os.environ, "HF_HUB_CACHE": str(root / "hf"), "HF_HUB_OFFLINE": "1"}
    port = free_port()
    server = Server(f"http://127.0.0.1:{port}", root / "server.log")
    command = [sys.executable, "-m", "mlx_lm", "server", "--model", str(MODEL)]
    with server.log.open("w") as log:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        wait_ready(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def uv_dir(tmp_path_factory) -> Path:
    return uv_executable(tmp_path_factory.mktemp("uv")).parent


def vf_eval(env_id: str, server: Server, uv_dir: Path, out: Path) -> Path:
    """Run ``vf-eval`` on the first tasks; return its results file."""
    command = [
        BIN / "vf-eval",
        env_id,
        "--model",
        "default_model",  # mlx_lm.server's name for the model it was started with
        "--client.base-url",
        f"{server.url}/v1",
        "--env.agent.runtime.type",
        "subprocess",
        "--env.agent.harness.id",
        "null",
        "-n",
        str(TASKS),
        "--sampling.max-tokens",
        "96",
        "--no-push",
        "--no-rich",
        "--output-dir",
        out,
        "--run.name",
        env_id,
    ]
    path = os.pathsep.join([str(uv_dir), str(BIN), os.environ.get("PATH", "")])
    env = {**os.environ, "PATH": path, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, env=env, cwd=out
    )
    assert done.returncode == 0, (
        f"vf-eval failed:\n{done.stderr[-4000:]}\n--- server log:\n{server.log_tail()}"
    )
    return out / env_id / "traces.jsonl"


def completion(trace: dict) -> str:
    sampled = [n["message"]["content"] for n in trace["nodes"] if n.get("sampled")]
    assert len(sampled) == 1, "a single-turn task samples one reply"
    return sampled[0] or ""


@pytest.mark.parametrize("env_id", ENVS)
def test_vf_eval_against_mlx_lm_server(env_id, server, uv_dir, tmp_path):
    results = vf_eval(env_id, server, uv_dir, tmp_path)
    episodes = [json.loads(line) for line in results.read_text().splitlines()]
    assert len(episodes) == TASKS
    tasks = {task.key: task for task in load_tasks({"id": env_id})}

    for episode in episodes:
        assert episode["ok"] and episode["errors"] == [], episode["errors"]
        assert episode["num_output_tokens"] > 0  # the server really answered
        (trace,) = episode["traces"]
        assert trace["ok"] and trace["is_completed"], trace["errors"]
        rewards = {name: r["score"] for name, r in trace["rewards"].items()}
        assert rewards and all(0.0 <= r <= 1.0 for r in rewards.values()), rewards
        assert all(math.isfinite(r["weight"]) for r in trace["rewards"].values())
        assert all(math.isfinite(m) for m in trace["metrics"].values())

        offline = score(tasks[trace["task"]["key"]], completion(trace))
        assert rewards == pytest.approx(offline.rewards, abs=1e-4)
        assert trace["metrics"] == pytest.approx(offline.metrics, abs=1e-4)
