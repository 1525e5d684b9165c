"""Varro's daily loop: forecasts stored with log-probs, resolved a day later exactly once,
off-policy updates, and a killed run that resumes to the same weights."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from mlx.utils import tree_flatten

from rlnvr.trainers import checkpoint
from rlnvr.trainers.daily_loop import DailyLoop, DailyLoopConfig
from rlnvr.trainers.forecast_ledger import Forecast, ForecastLedger
from rlnvr.trainers.rollout import Rollout
from rlnvr_varro.archives import import_archives
from rlnvr_varro.headline_store import HeadlineStore

DAYS = [date(2025, 8, 1), date(2025, 8, 2), date(2025, 8, 3)]
CONFIG = Path(__file__).resolve().parent.parent / "configs" / "varro_daily.toml"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory, samples):
    root = tmp_path_factory.mktemp("store")
    import_archives(HeadlineStore(root), samples / "headlines")
    return root


def loop_config(out, store) -> DailyLoopConfig:
    return DailyLoopConfig.model_validate(
        {
            "output": str(out),
            "sampling": {"max_tokens": 24},
            "trainer": {"group_size": 3, "minibatches": 1, "learning_rate": 1e-3, "seed": 1},
            "daily": {"tasks_per_day": 1},
            "env": {"taskset": {"id": "rlnvr-varro", "store": str(store)}},
        }
    )


def weights(loop: DailyLoop) -> dict[str, np.ndarray]:
    return {k: np.array(v) for k, v in tree_flatten(loop.trainer.model.parameters())}


def test_ledger_round_trip_and_write_once(tmp_path):
    ledger = ForecastLedger(tmp_path)
    rollout = Rollout("2025-08-01/0", [1, 2], [3, 4], [-0.5, -1.5], "text", False)
    f = Forecast("2025-08-01", {"id": "2025-08-01/0"}, rollout, 0.25, {"structure": 1.0})
    ledger.save_forecasts("2025-08-01", [f])
    assert ledger.forecasts("2025-08-01") == [f]
    assert ledger.pending() == ["2025-08-01"]
    with pytest.raises(FileExistsError, match="already stored"):
        ledger.save_forecasts("2025-08-01", [f])
    ledger.save_resolved("2025-08-01", [f])
    assert ledger.pending() == []
    with pytest.raises(FileExistsError, match="already resolved"):
        ledger.save_resolved("2025-08-01", [f])


def test_ledger_names_file_and_line_of_a_bad_record(tmp_path):
    (tmp_path / "forecasts").mkdir()
    (tmp_path / "forecasts" / "2025-08-01.jsonl").write_text('{"day": "2025-08-01"}\n{oops\n')
    with pytest.raises(ValueError, match=r"2025-08-01.jsonl:1: not a stored forecast"):
        ForecastLedger(tmp_path).forecasts("2025-08-01")


def test_backtest_days_resolve_once_and_resume_after_kill(tmp_path, store_dir):
    straight = DailyLoop(loop_config(tmp_path / "straight", store_dir))
    rows = []
    straight.run(DAYS, on_day=lambda r: rows.append(r.row))
    assert [r["forecasts"] for r in rows] == [3, 3, 3]
    assert [r["resolved"] for r in rows] == [0, 3, 3]  # day 1 has nothing to resolve yet
    assert {"reward", "semantic", "structure", "zeros", "leak", "words", "quality"} <= set(rows[1])
    ledger = ForecastLedger(tmp_path / "straight")
    assert ledger.pending() == ["2025-08-03"]  # waits for 2025-08-04's headlines
    made = ledger.forecasts("2025-08-01")
    resolved = ledger.resolved("2025-08-01")
    assert [f.rollout for f in resolved] == [f.rollout for f in made]  # same samples, scored
    assert all(f.task["next_headlines"] == [] for f in made)  # tomorrow unknown when written
    assert all(f.task["next_headlines"] for f in resolved)
    assert all(len(f.rollout.logprobs) == len(f.rollout.completion_ids) for f in made)

    # A kill after day 3's forecasts and resolution were written, before its checkpoint.
    killed = tmp_path / "killed"
    first = DailyLoop(loop_config(killed, store_dir))
    first.run(DAYS)
    stored = killed / "resolved" / "2025-08-02.jsonl"
    stamp = stored.stat().st_mtime_ns
    root = killed / "checkpoints"
    (root / "latest").write_text("step_000002")
    os.utime(stored, ns=(stamp, stamp))
    resumed = DailyLoop(loop_config(killed, store_dir))
    redone = []
    resumed.run(DAYS, on_day=lambda r: redone.append(r.day))
    assert redone == ["2025-08-03"]
    assert stored.stat().st_mtime_ns == stamp  # read back, not scored a second time
    assert checkpoint.latest(killed).name == "step_000003"
    a, b = weights(straight), weights(resumed)
    assert all(np.allclose(a[k], b[k], atol=1e-6) for k in a)


def test_update_on_stored_forecasts_is_off_policy(tmp_path, store_dir):
    loop = DailyLoop(loop_config(tmp_path / "run", store_dir))
    stored = loop.forecast(DAYS[0])
    for f, reward in zip(stored, [0.0, 0.5, 1.0], strict=True):  # a group with spread
        f.reward = reward
    before = weights(loop)
    first = loop.learn(stored, step=1)
    assert first["frac_zero_std"] == 0.0
    assert any(not np.array_equal(before[k], v) for k, v in weights(loop).items())
    second = loop.learn(stored, step=2)  # the same samples, one update later: off-policy
    assert abs(first["log_ratio"]) < 1e-3 < abs(second["log_ratio"])


def test_a_missed_day_still_resolves_its_forecasts_later(tmp_path, store_dir):
    loop = DailyLoop(loop_config(tmp_path / "run", store_dir))
    rows = []
    loop.run([DAYS[0], DAYS[2]], on_day=lambda r: rows.append(r))  # no run on 2025-08-02
    assert rows[1].resolved_day == "2025-08-01"  # scored against 08-02's headlines
    assert loop.ledger.resolved("2025-08-01")[0].task["next_day"] == "2025-08-02"
    assert loop.learned == ["2025-08-01"]


def test_an_existing_run_is_not_overwritten_without_resume(tmp_path, store_dir):
    DailyLoop(loop_config(tmp_path / "run", store_dir)).run(DAYS[:1])
    cfg = loop_config(tmp_path / "run", store_dir).model_copy(update={"resume": False})
    with pytest.raises(ValueError, match="already holds a run"):
        DailyLoop(cfg).run(DAYS[:1])


TINY_RUN = [
    "--sampling.max-tokens",
    "16",
    "--trainer.group-size",
    "2",
    "--daily.tasks-per-day",
    "1",
]


def loop_cli(command: str, *args: str) -> str:
    """Run ``rlnvr COMMAND ARGS`` in a fresh process (as a user would); its stdout."""
    cmd = [sys.executable, "-m", "rlnvr.cli", command, *args, *TINY_RUN]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.slow
def test_backtest_cli_prints_the_day_table_and_held_out_reward(tmp_path, samples):
    days = ["--from", "2025-08-01", "--to", "2025-08-02", "--eval-days", "1"]
    store = tmp_path / "store"
    ingest = [sys.executable, "-m", "rlnvr.cli", "varro", "ingest", "--store", str(store)]
    done = subprocess.run([*ingest, "--archive", str(samples / "headlines")], capture_output=True)
    assert done.returncode == 0, done.stderr
    where = ["@", str(CONFIG), "--env.taskset.store", str(store), "--output", str(tmp_path / "bt")]
    lines = loop_cli("backtest", *days, *where, "--env.eval.samples", "1").splitlines()
    columns = ["reward", "semantic", "structure", "leak", "quality", "sim_today", "sim_tomorrow"]
    columns += ["words", "zeros"]  # the weighted reward, then each reward and metric of the task
    assert "| day | made | resolved | " + " | ".join(columns) + " | log ratio |" in lines
    assert any(line.startswith("| 2025-08-02 | 2 | 2025-08-01 | ") for line in lines)
    assert "held-out days: 2025-08-03" in lines
    assert any(line.startswith("before: reward ") for line in lines)
    assert any(line.startswith("after: reward ") for line in lines)


@pytest.mark.slow
def test_daily_cli_resolves_yesterday_on_the_next_run(tmp_path, store_dir):
    out = tmp_path / "live"
    where = ["@", str(CONFIG), "--output", str(out), "--env.taskset.store", str(store_dir)]
    for day in ("2025-08-01", "2025-08-02"):
        loop_cli("daily", "--day", day, *where)
    again = loop_cli("daily", "--day", "2025-08-02", *where)
    assert "| 2025-08-02 |" not in again  # already done: skipped
    ledger = ForecastLedger(out)
    assert ledger.is_resolved("2025-08-01") and ledger.pending() == ["2025-08-02"]
    assert checkpoint.latest(out).name == "step_000002"
