"""`rlnvr ablate`: variants merged over a base config, trained with the same seeds, compared."""

import subprocess
import sys
from pathlib import Path

import pytest
from verifiers.v1.utils.decorators import discover_decorated

from rlnvr.trainers.ablation import load_ablation, merge, run_config
from rlnvr.trainers.tasksets import load_taskset

SHIPPED = Path(__file__).resolve().parent.parent / "configs" / "ablations"

BASE = """
output = "unused"
[sampling]
max_tokens = 8
[trainer]
steps = 1
tasks_per_step = 2
group_size = 4
minibatches = 1
learning_rate = 1e-3
[env.taskset]
id = "rlnvr.tasksets.word_count"
max_words = 6
[env.eval]
max_tasks = 4
samples = 1
"""
ABLATION = """
question = "Does halving the reward weight change anything?"
base = "base.toml"
seeds = [0]
[variants.full]
[variants.half.env.taskset.task.rewards]
closeness = { weight = 0.5 }
"""


def test_merge_keeps_the_base_and_overrides_tables():
    base = {"trainer": {"steps": 1, "seed": 0}, "env": {"taskset": {"id": "x"}}}
    merged = merge(base, {"trainer": {"seed": 3}, "env": {"taskset": {"task": {"a": 1}}}})
    assert merged == {
        "trainer": {"steps": 1, "seed": 3},
        "env": {"taskset": {"id": "x", "task": {"a": 1}}},
    }
    assert base["trainer"]["seed"] == 0


def test_ablate_trains_every_variant_and_writes_the_table(tmp_path):
    (tmp_path / "base.toml").write_text(BASE)
    (tmp_path / "ablation.toml").write_text(ABLATION)
    spec = load_ablation(tmp_path / "ablation.toml")
    cfg = run_config(spec, "half", 0, tmp_path / "out")
    assert cfg.env.taskset["task"]["rewards"]["closeness"]["weight"] == 0.5
    assert cfg.output == str(tmp_path / "out" / "half-seed0") and cfg.trainer.steps == 1
    assert run_config(spec, "half", 0, tmp_path / "out", steps=7).trainer.steps == 7

    cmd = [
        sys.executable,
        "-m",
        "rlnvr.cli",
        "ablate",
        str(tmp_path / "ablation.toml"),
        "--out",
        str(tmp_path / "out"),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    table = (tmp_path / "out" / "table.md").read_text().splitlines()
    assert table[2] == "| variant | reward (own weights) | closeness |"
    assert table[4].startswith("| base model (before) | - | ")
    assert [row.split(" | ")[0] for row in table[5:]] == ["| full", "| half"]
    assert (tmp_path / "out" / "ablation.png").stat().st_size > 0
    assert (tmp_path / "out" / "half-seed0" / "eval.jsonl").exists()


@pytest.mark.parametrize("path", sorted(SHIPPED.glob("*.toml")), ids=lambda p: p.stem)
def test_shipped_ablations_are_valid(path):
    """Every shipped variant validates, names only rewards its taskset has, and differs."""
    spec = load_ablation(path)
    assert len(spec.variants) >= 2 and len(spec.seeds) >= 1
    tables = []
    for variant in spec.variants:
        cfg = run_config(spec, variant, spec.seeds[0], Path("unused"))
        taskset = load_taskset(cfg.env.taskset)
        known = {fn.__name__ for fn in discover_decorated(next(iter(taskset)), "reward")}
        weights = cfg.env.taskset.get("task", {}).get("rewards", {})
        assert set(weights) <= known, (variant, set(weights) - known)
        tables.append(cfg.env.taskset)
    assert all(a != b for i, a in enumerate(tables) for b in tables[i + 1 :])
