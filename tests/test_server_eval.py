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
import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.mlx_server import Server, vf_eval_command
from test_environments import ENVS

from rlnvr.trainers.tasksets import load_tasks
from rlnvr.trainers.traces import score

BIN = Path(sys.executable).parent
TASKS = 3

pytestmark = pytest.mark.slow


def vf_eval(env_id: str, server: Server, uv_dir: Path, out: Path) -> Path:
    """Run ``vf-eval`` on the first tasks; return its results file."""
    command = vf_eval_command(BIN / "vf-eval", env_id, server, TASKS, out)
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
def test_vf_eval_against_mlx_lm_server(env_id, mlx_server, uv_dir, tmp_path):
    results = vf_eval(env_id, mlx_server, uv_dir, tmp_path)
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
