"""`rlnvr show` and the taskset-agnostic before/after comparison behind it."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from rlnvr.trainers.compare import compare, pick_tasks
from rlnvr.trainers.config import EvalConfig
from rlnvr.trainers.models import bundled_model_path, load_mlx
from rlnvr.trainers.rollout import SamplingConfig
from rlnvr.trainers.tasksets import load_tasks
from rlnvr.trainers.trainer import split_tasks

CONFIG = Path(__file__).resolve().parent.parent / "configs" / "walter.toml"


def test_pick_tasks_is_seeded_and_keeps_task_order():
    tasks = list(range(20))
    picked = pick_tasks(tasks, 5, seed=1)
    assert picked == pick_tasks(tasks, 5, seed=1) == sorted(picked) and len(picked) == 5
    assert pick_tasks(tasks, 5, seed=2) != picked
    assert pick_tasks(tasks, 50, seed=1) == tasks


def test_same_weights_and_seed_write_the_same_posts():
    """Any taskset works; the bundled model twice must agree reply for reply."""
    tasks = pick_tasks(load_tasks({"id": "rlnvr.tasksets.word_count"}), 3, seed=0)
    loaders = {
        "base": lambda: load_mlx("rlnvr-tiny"),
        "trained": lambda: load_mlx(bundled_model_path()),
    }
    sampling = SamplingConfig(temperature=1.0, max_tokens=24)
    result = compare(loaders, tasks, sampling, seed=3)
    base, trained = result.replies["base"], result.replies["trained"]
    assert len(base) == len(trained) == 3
    assert [r.text for r in base] == [r.text for r in trained]
    assert [r.score for r in base] == [r.score for r in trained]
    assert all("closeness" in r.score.rewards for r in base)
    assert result.mean_reward("base") == result.mean_reward("trained")
    other = compare({"base": loaders["base"]}, tasks, sampling, seed=4)
    assert [r.text for r in other.replies["base"]] != [r.text for r in base]


def rlnvr_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rlnvr.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=300,
    )


def test_cli_shows_base_and_trained_posts_on_held_out_urls():
    bundled = str(bundled_model_path())
    out = rlnvr_cli(
        "show", "@", str(CONFIG), "--model.path", "rlnvr-tiny", "--trained", bundled,
        "--tasks", "2", "--sampling.max-tokens", "24", "--seed", "0",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    split = EvalConfig(**tomllib.loads(CONFIG.read_text())["env"]["eval"])
    _, heldout = split_tasks(load_tasks({"id": "rlnvr-walter"}), split)
    for task in pick_tasks(heldout, 2, seed=0):
        assert task.key in out.stdout and task.data.title in out.stdout
    assert out.stdout.count("engagement") >= 4  # each post's main reward component
    assert "mean reward (2 tasks)" in out.stdout and bundled in out.stdout
    missing = rlnvr_cli("show", "@", str(CONFIG), "--tasks", "2")
    assert missing.returncode != 0 and "--trained FOLDER or --adapters FOLDER" in missing.stderr
