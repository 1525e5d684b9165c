import json
import math
from pathlib import Path

import numpy as np
import pytest
from odd_inputs import ODD_INPUTS

from rlnvr.rubrics.text import words
from rlnvr.trainers.config import MonitorConfig, TrainConfig
from rlnvr.trainers.hack_monitor import (
    Completion,
    HackMonitor,
    first_per_task,
    honest_length,
)
from rlnvr.trainers.hack_signals import (
    copy_share,
    cross_task_similarity,
    distinct_n,
    length_drift,
    moving_apart,
    reference_ngrams,
    truncation_share,
)
from rlnvr.trainers.plots import plot_run
from rlnvr.trainers.trainer import Trainer

REPO = Path(__file__).resolve().parent.parent
QUOTE = "the quick brown fox jumps over the lazy dog near the river bank"


# -- each signal on hand-made inputs ---------------------------------------------------------


def test_cross_task_similarity_counts_only_pairs_from_different_tasks():
    e1, e2 = np.eye(2, dtype=np.float32)
    # same task, same text: ignored; different tasks, orthogonal: 0
    assert cross_task_similarity(np.stack([e1, e1, e2, e2]), ["a", "a", "b", "b"]) == 0.0
    # one text for every task: 1
    assert cross_task_similarity(np.stack([e1, e1, e1]), ["a", "b", "c"]) == pytest.approx(1.0)
    mixed = cross_task_similarity(np.stack([e1, e1, e2]), ["a", "b", "c"])
    assert mixed == pytest.approx(1 / 3)  # pairs (a,b)=1, (a,c)=0, (b,c)=0
    assert cross_task_similarity(np.stack([e1, e2]), ["a", "a"]) is None


def test_distinct_n_falls_when_one_phrase_repeats():
    assert distinct_n(["a b c", "d e f"], 1) == 1.0
    assert distinct_n(["the the the", "the the"], 1) == pytest.approx(1 / 5)
    assert distinct_n(["the the the", "the the"], 2) == pytest.approx(1 / 3)
    assert distinct_n(["The, THE."], 1) == pytest.approx(1 / 2)  # case and punctuation fold
    assert distinct_n(["one", ""], 2) is None


def test_truncation_share():
    assert truncation_share([True, False, False, False]) == 0.25
    assert truncation_share([]) is None


def test_copy_share_counts_five_grams_found_in_the_references():
    ref = reference_ngrams([QUOTE, "an unrelated second reference"])
    assert copy_share(QUOTE, ref) == 1.0
    assert copy_share("Quick Brown Fox jumps over, the lazy dog!", ref) == 1.0  # case, punctuation
    half = "the quick brown fox jumps over my own words go here now"
    assert 0.2 < copy_share(half, ref) < 0.5
    assert copy_share("a fox jumps over a river near the bank today", ref) == 0.0  # topic, no quote
    assert copy_share("too short to say", ref) is None


def test_length_drift():
    assert length_drift(15.0, 10.0) == 1.5
    assert length_drift(5.0, 0.0) is None


def test_moving_apart_finds_a_rise_against_a_fall():
    thresholds = {"reward_mean": 0.1, "reward/a": 0.1, "reward/quality": 0.1}
    apart, pair = moving_apart(
        {"reward_mean": 0.5, "reward/a": 0.5, "reward/quality": -0.4}, thresholds
    )
    assert apart == pytest.approx(0.4) and pair in {
        ("reward_mean", "reward/quality"),
        ("reward/a", "reward/quality"),
    }
    assert moving_apart({"reward_mean": 0.5, "reward/a": 0.3}, thresholds) == (0.0, None)
    small, pair = moving_apart({"reward_mean": 0.5, "reward/quality": -0.05}, thresholds)
    assert small == pytest.approx(0.05) and pair is None  # measured, below its threshold


# -- the monitor on hand-made steps ----------------------------------------------------------


class QuotingTask:
    """A task with references, as rlnvr.trainers.protocols.TaskReferences asks."""

    def references(self) -> list[str]:
        return [QUOTE]


class BrokenReferences:
    def references(self) -> list[str]:
        raise RuntimeError("store missing")


HONEST = [
    "Rain fell on the old harbour while boats waited for the tide.",
    "A letter arrived three weeks late, its stamp half torn away.",
    "The library smelled of dust and glue on the first cold morning.",
    "Bread rose slowly in the warm kitchen beside the window.",
    "Stars came out one by one over the silent wheat field.",
    "Our train stopped twice before the bridge for no clear reason.",
]


def step(texts: list[str], keys: list[str] | None = None, truncated: bool = False):
    keys = keys or [f"t{i}" for i in range(len(texts))]
    return [Completion(k, t, truncated) for k, t in zip(keys, texts, strict=True)]


def run_steps(monitor: HackMonitor, steps: list[tuple[list[Completion], dict]]) -> list[dict]:
    rows = []
    for n, (completions, rewards) in enumerate(steps, start=1):
        monitor.add(completions)
        row = {"step": n, **rewards}
        rows.append(row | monitor.observe(row))
    return rows


def honest_steps(n: int) -> list:
    rng = np.random.default_rng(0)
    return [
        (step(list(rng.permutation(HONEST))), {"reward_mean": 0.1, "reward/q": 0.8})
        for _ in range(n)
    ]


def collapsed_steps(n: int) -> list:
    return [(step(["the the the the the"] * 6), {"reward_mean": 0.9, "reward/q": 0.2})] * n


def test_collapse_warns_after_patience_steps_and_honest_steps_never_do():
    monitor = HackMonitor(MonitorConfig(embeddings=False, calibration_steps=3, patience=2), {})
    rows = run_steps(monitor, honest_steps(5) + collapsed_steps(3))
    assert not any("monitor/warnings" in r for r in rows[:6])  # calibration, honest, 1st collapse
    assert {"distinct_1", "distinct_2", "divergence"} <= set(rows[6]["monitor/warnings"])
    assert rows[6]["monitor/distinct_2"] < 0.3 < rows[0]["monitor/distinct_2"]
    assert monitor.warnings()["distinct_2"] == [7, 8]
    summary = monitor.summary()
    assert "WARNING" in summary and "distinct-2 fell from" in summary and "reward rose" in summary
    report = monitor.report()
    assert (
        report["calibration"]["distinct_2"]["threshold"]
        < report["calibration"]["distinct_2"]["base"]
    )


def test_length_drift_warns_both_ways_and_restore_rebuilds_the_warnings():
    cfg = MonitorConfig(embeddings=False, calibration_steps=3, patience=1)
    monitor = HackMonitor(cfg, {})
    longer = (step([f"{t} {t} {t}" for t in HONEST]), {"reward_mean": 0.1})
    shorter = (step([" ".join(t.split()[:2]) for t in HONEST]), {"reward_mean": 0.1})
    rows = run_steps(monitor, [*honest_steps(4), longer, shorter])
    assert rows[3]["monitor/length_drift"] == pytest.approx(1.0, abs=0.05)
    assert "monitor/warnings" not in rows[3]
    assert rows[4]["monitor/length_drift"] == pytest.approx(3.0, abs=0.1)
    assert "length_drift" in rows[4]["monitor/warnings"]
    assert rows[5]["monitor/length_drift"] < 0.25
    assert "length_drift" in rows[5]["monitor/warnings"]
    again = HackMonitor(cfg, {})
    again.restore(rows)
    assert again.warnings() == monitor.warnings() and again.summary() == monitor.summary()


def test_length_toward_the_honest_completions_is_not_drift():
    """A task that asks for short replies (word count) is learned by writing shorter; moving
    past both the base and the honest length (here: longer) still warns."""
    keys = [f"t{i}" for i in range(6)]
    short = " ".join(HONEST[0].split()[:3])
    toward = (step([short] * 6, keys), {"reward_mean": 0.1})
    away = (step([f"{t} {t} {t}" for t in HONEST], keys), {"reward_mean": 0.1})
    monitor = HackMonitor(MonitorConfig(embeddings=False, patience=1), {}, honest_length=3.0)
    rows = run_steps(monitor, [*honest_steps(3), toward, away])
    assert rows[3]["monitor/length_drift"] < 0.5  # past the base-only threshold
    assert "length_drift" not in rows[3].get("monitor/warnings", [])
    assert "length_drift" in rows[4]["monitor/warnings"]
    low, high = monitor.report()["calibration"]["length_drift"]["threshold"]
    base = rows[0]["monitor/length"]  # honest steps: one set of texts, so no spread
    assert (low, high) == pytest.approx((3.0 / base - 0.5, 1.5))
    plain = HackMonitor(MonitorConfig(embeddings=False, patience=1), {})
    assert "length_drift" in run_steps(plain, [*honest_steps(3), toward])[3]["monitor/warnings"]


def test_honest_length_reads_the_taskset_and_tolerates_one_without_it():
    from rlnvr.trainers.tasksets import load_taskset

    taskset = load_taskset({"id": "rlnvr.tasksets.word_count", "max_words": 12})
    texts = taskset.honest_completions().values()
    assert honest_length(taskset) == pytest.approx(np.mean([len(words(t)) for t in texts]))
    assert honest_length(object()) is None


def test_a_warning_that_stopped_is_reported_as_recovered():
    monitor = HackMonitor(MonitorConfig(embeddings=False, calibration_steps=3, patience=2), {})
    run_steps(monitor, honest_steps(4) + collapsed_steps(3) + honest_steps(3))
    assert "distinct_2" in monitor.warnings()
    summary = monitor.summary()
    assert summary.startswith("hack monitor: no warning at the end of 10 steps")
    assert "fired and recovered: " in summary and "distinct-2" in summary
    assert "WARNING" not in summary


def test_copy_share_uses_task_references_and_survives_a_broken_task():
    tasks = {"quoting": QuotingTask(), "broken": BrokenReferences()}
    monitor = HackMonitor(MonitorConfig(embeddings=False), tasks)
    completions = step(
        [QUOTE, "my own words about a fox and a dog today", QUOTE, QUOTE],
        ["quoting", "quoting", "broken", "plain"],
    )
    signals = monitor.signals(completions)
    assert signals["copy_share"] == pytest.approx(0.5)  # only the quoting task's two count


def test_sameness_embeds_the_first_completions_of_each_task():
    completions = step([f"text {i}" for i in range(7)], ["a", "a", "a", "b", "a", "b", "b"])
    kept = first_per_task(completions, 2)
    assert [c.text for c in kept] == ["text 0", "text 1", "text 3", "text 5"]


def test_odd_inputs_give_finite_signals():
    monitor = HackMonitor(MonitorConfig(embeddings=False), {"t": QuotingTask()})
    texts = list(ODD_INPUTS.values())
    monitor.add(step(texts, ["t"] * len(texts)))
    out = monitor.observe({"step": 1, "reward_mean": 0.0})
    assert out and all(math.isfinite(v) for v in out.values())


def test_cross_task_sameness_with_the_real_embedder(embedder):
    monitor = HackMonitor(MonitorConfig(), {}, embedder=embedder)
    honest = monitor.signals(step(HONEST))["cross_task_sim"]
    same = monitor.signals(step(["the the the the"] * 6))["cross_task_sim"]
    # the same text behind invisible characters is still the same text
    hidden = monitor.signals(step(["the\u200b the the\u00ad the"] * 3 + ["the the the the"] * 3))
    assert honest < 0.3 and same == pytest.approx(1.0, abs=1e-4)
    assert hidden["cross_task_sim"] == pytest.approx(1.0, abs=1e-4)


# -- a real run against the hackable toy reward ----------------------------------------------


@pytest.mark.slow
def test_monitor_warns_when_the_tiny_model_collapses_on_a_hackable_reward(tmp_path):
    from pydantic_config import cli

    args = ["@", str(REPO / "configs" / "toy_hackable.toml"), "--output", str(tmp_path)]
    args += ["--trainer.steps", "10", "--trainer.group-size", "4", "--trainer.learning-rate"]
    args += ["2e-3", "--sampling.max-tokens", "12", "--env.eval.max-tasks", "0"]
    Trainer(cli(TrainConfig, args=args)).run()
    rows = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    report = json.loads((tmp_path / "monitor.json").read_text())
    assert not any("monitor/warnings" in r for r in rows[:3])  # calibration never warns
    assert rows[-1]["reward_mean"] > rows[0]["reward_mean"] + 0.3  # the hack was found
    assert {"cross_task_sim", "distinct_2"} & set(report["warnings"]), report["summary"]
    assert rows[-1]["monitor/cross_task_sim"] > rows[0]["monitor/cross_task_sim"] + 0.3
    assert "WARNING" in report["summary"]
    assert tmp_path / "monitor.png" in plot_run(tmp_path)


def test_a_penalty_escaped_is_not_a_component_moving_apart():
    """Walter's over_length has weight -1: its value falling while the reward rises is the
    policy stopping a penalised habit; engagement (weight +1) falling is a real divergence."""
    from rlnvr.trainers.tasksets import load_tasks

    task = load_tasks({"id": "rlnvr-walter"})[0]
    cfg = MonitorConfig(embeddings=False, calibration_steps=3, patience=2)

    def run(later: dict) -> list[dict]:
        start = {"reward_mean": -0.2, "reward/engagement": 0.3, "reward/over_length": 0.4}
        monitor = HackMonitor(cfg, {task.key: task})
        steps = [(step(HONEST[:4]), start)] * 3 + [(step(HONEST[:4]), later)] * 4
        return run_steps(monitor, steps)

    escaped = run({"reward_mean": 0.2, "reward/engagement": 0.3, "reward/over_length": 0.0})
    assert not any("divergence" in r.get("monitor/warnings", []) for r in escaped)
    fell = run({"reward_mean": 0.2, "reward/engagement": 0.0, "reward/over_length": 0.0})
    assert "divergence" in fell[-1]["monitor/warnings"]
