"""Each taskset trains on a user's own data: ingest a few days / posts / texts with the
environment's own commands, point ``[env.taskset] store`` at the result, train two steps.

Also: a task's key is its id, so the held-out split does not move when a task's data does.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from small_run import SMALL_RUN

from rlnvr.data_pipelines.splits import is_heldout
from rlnvr.trainers.jsonl_log import read_rows
from rlnvr.trainers.tasksets import load_tasks

REPO = Path(__file__).resolve().parent.parent
CONFIGS = REPO / "configs"


def rlnvr(*args: str | Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "rlnvr.cli", *map(str, args)], capture_output=True, text=True
    )
    assert done.returncode == 0, f"{args}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def train_two_steps(config: str, store: Path, out: Path) -> list[dict]:
    rlnvr("train", "@", CONFIGS / config, "--env.taskset.store", store, "--output", out,
          "--trainer.steps", "2", "--trainer.eval-every", "0", *SMALL_RUN)  # fmt: skip
    rows = read_rows(out / "metrics.jsonl")
    assert [r["step"] for r in rows] == [1, 2]
    return rows


@pytest.mark.parametrize("env_id", ["rlnvr-varro", "rlnvr-walter", "rlnvr-horace"])
def test_task_key_is_its_id_and_survives_a_change_of_data(env_id):
    tasks = load_tasks({"id": env_id})
    assert all(t.key == t.data.id for t in tasks)
    task = tasks[0]
    edited = task.with_data(prompt=task.data.prompt + " (edited)")
    assert edited.key == task.key and edited.hash != task.hash
    assert is_heldout(edited.key, 20.0) == is_heldout(task.key, 20.0)


@pytest.mark.slow
def test_varro_trains_on_a_headline_store_it_ingested(samples, tmp_path):
    store = tmp_path / "headlines"
    rlnvr("varro", "ingest", "--archive", samples / "headlines" / "varro_daily", "--store", store)
    days = sorted(p.stem.removesuffix("_headlines") for p in store.glob("*.json"))
    tasks = load_tasks({"id": "rlnvr-varro", "store": str(store)})
    assert tasks and {t.data.day for t in tasks} <= set(days)
    train_two_steps("varro.toml", store, tmp_path / "run")


@pytest.mark.slow
def test_walter_trains_on_a_post_store_it_ingested(samples, tmp_path):
    store = tmp_path / "posts.jsonl"
    rlnvr("walter", "ingest", samples / "bluesky" / "most_liked_posts", "--store", store)
    tasks = load_tasks({"id": "rlnvr-walter", "store": str(store)})
    built = tmp_path / "posts.jsonl.walter"
    assert tasks and (built / "tasks.jsonl").exists() and (built / "pool.jsonl").exists()
    stamp = (built / "meta.json").stat().st_mtime_ns
    train_two_steps("walter.toml", store, tmp_path / "run")
    assert (built / "meta.json").stat().st_mtime_ns == stamp  # cached: not rebuilt


@pytest.mark.slow
def test_horace_trains_on_a_users_corpus(samples, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    fiction = samples / "literature" / "british_fiction"
    for name in ("Austen_Emma.txt", "Dickens_Hard.txt"):
        shutil.copy(fiction / name, corpus / name.lower().replace("_", "-"))  # author-title.txt
    tasks = load_tasks({"id": "rlnvr-horace", "store": str(corpus)})
    assert {t.data.author for t in tasks} == {"Jane Austen", "Charles Dickens"}
    assert (tmp_path / "corpus.horace" / "signatures.json").exists()
    train_two_steps("horace.toml", corpus, tmp_path / "run")
