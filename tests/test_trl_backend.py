"""`rlnvr train --backend trl`: TRL's GRPOTrainer driven by rlnvr's curriculum and rewards."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import mlx.core as mx
import numpy as np
import pytest
import torch
import verifiers.v1 as vf
from small_run import SMALL_RUN
from trl.trainer.utils import RepeatSampler

from rlnvr.tasksets.word_count import WordCountData, WordCountTask
from rlnvr.trainers.config import TrainConfig
from rlnvr.trainers.curriculum import Curriculum, CurriculumConfig
from rlnvr.trainers.jsonl_log import read_rows
from rlnvr.trainers.models import load_mlx, load_torch
from rlnvr.trainers.rollout import prompt_ids
from rlnvr.trainers.tasksets import load_tasks
from rlnvr.trainers.trl_backend import grpo_config, lora_config, task_dataset
from rlnvr.trainers.trl_curriculum import CurriculumSampler, TaskReward

REPO = Path(__file__).resolve().parent.parent


def test_sampler_draws_from_the_curriculum_in_repeat_sampler_layout():
    keys = [f"k{i}" for i in range(6)]
    config = CurriculumConfig(kind="plr", min_seen=2, replay_prob=1.0)
    sampler = CurriculumSampler(keys, Curriculum(keys, config), 2, 3, 2, seed=7)
    mirror = Curriculum(keys, config)  # the same draws and updates, made directly
    batches = iter(sampler)
    assert len(sampler) == 3 * 2 * 3 * 2  # 6 // 2 batches of 2 tasks x 3 completions, twice

    for step, rewards in enumerate(([[0, 1, 1], [0, 0, 0]], [[1, 1, 1], [0, 0.5, 1]])):
        drawn = mirror.sample(2, np.random.default_rng([7, step]))
        index = [keys.index(k) for k in drawn]
        layout = [index[i] for i in RepeatSampler(index, 3, 2, 2, shuffle=False)]
        assert [next(batches) for _ in range(12)] == layout
        assert list(sampler.pending) == [drawn]
        sampler.scored(drawn, np.array(rewards, dtype=float))
        for key, row in zip(drawn, rewards, strict=True):
            mirror.update(key, np.array(row, dtype=float))
        assert sampler.curriculum.state_dict() == mirror.state_dict()
    with pytest.raises(RuntimeError, match="not the batch drawn next"):
        sampler.scored(["k0", "k1"], np.zeros((2, 3)))


def test_sampler_resumes_with_the_batch_drawn_but_not_yet_scored():
    keys = [f"k{i}" for i in range(6)]
    sampler = CurriculumSampler(keys, Curriculum(keys), 2, 2, 1, seed=0)
    first = next(iter(sampler))  # the dataloader's look-ahead draws a batch
    state = json.loads(json.dumps(sampler.state_dict()))
    restored = CurriculumSampler(keys, Curriculum(keys), 2, 2, 1, seed=0)
    restored.load_state_dict(state)
    again = list(iter(restored))[:4]
    assert again[0] == first and [keys[i] for i in again[::2]] == state["pending"][0]
    assert restored.curriculum.step == 1 + 2  # the restored batch, then two fresh draws


class FlakyTask(WordCountTask):
    """A word-count task with a second reward that raises on one kind of reply."""

    @vf.reward(weight=0.5)
    async def brevity(self, trace: vf.Trace) -> float:
        if "boom" in trace.last_reply:
            raise ValueError("boom")
        return 1.0 if len(trace.last_reply.split()) <= 3 else 0.0


def test_task_reward_logs_every_component_and_survives_a_raising_reward(caplog):
    task = FlakyTask(WordCountData(id="3:rain", prompt="rain in 3 words", topic="rain", target=3))
    reward = TaskReward({task.key: task})
    logged: dict[str, list[float]] = {}
    replies = ["rain falls softly", "boom goes the reward", "a b c d e f"]
    with caplog.at_level(logging.WARNING, logger="rlnvr.scoring"):
        rewards = reward(
            prompts=[[{"role": "user", "content": "x"}]] * 3,
            completions=[[{"role": "assistant", "content": r}] for r in replies],
            task_key=[task.key] * 3,
            log_metric=lambda name, value: logged.setdefault(name, []).append(value),
        )
    assert rewards == pytest.approx([1.0 + 0.5, 0.0, 0.0])
    assert logged["reward/closeness"] == pytest.approx([1.0, 0.0])  # the raising sample: none
    assert logged["reward/brevity"] == [1.0, 0.0]
    assert logged["metric/words"] == [3.0, 6.0] and logged["metric/reward_error"] == [1.0]
    assert "3:rain" in caplog.text and "boom" in caplog.text


def test_dataset_prompts_render_as_the_mlx_trainer_renders_them(tiny_mlx):
    _, mlx_tokenizer = tiny_mlx
    _, tokenizer = load_torch("rlnvr-tiny")
    tasks = load_tasks({"id": "rlnvr.tasksets.word_count", "max_words": 3})[:5]
    rows = task_dataset(tasks)
    for task, row in zip(tasks, rows, strict=True):
        ids = tokenizer.apply_chat_template(
            row["prompt"], add_generation_prompt=True, tokenize=True, return_dict=True
        )["input_ids"]
        assert list(ids) == prompt_ids(mlx_tokenizer, task) and row["task_key"] == task.key


def test_config_maps_onto_grpo_config(tmp_path):
    table = {
        "output": str(tmp_path),
        "model": {"lora_rank": 4, "lora_scale": 10.0, "lora_layers": 2},
        "sampling": {"temperature": 0.9, "top_p": 0.95, "top_k": 20, "max_tokens": 32},
        "trainer": {
            "steps": 10,
            "tasks_per_step": 4,
            "group_size": 8,
            "minibatches": 2,
            "checkpoint_every": 5,
            "learning_rate": 1e-5,
            "loss": {"kind": "gspo", "kl_beta": 0.1},
        },
    }
    args = grpo_config(TrainConfig.model_validate(table), processes=1, big_model=False)
    assert args.num_generations == 8 and args.generation_batch_size == 32
    assert args.steps_per_generation == 2 and args.per_device_train_batch_size == 16
    assert (args.max_steps, args.save_steps, args.logging_steps) == (20, 10, 2)
    assert args.importance_sampling_level == "sequence" and args.loss_type == "grpo"
    assert (args.epsilon, args.epsilon_high, args.beta) == (3e-4, 4e-4, 0.1)
    assert (args.temperature, args.top_p, args.top_k) == (0.9, 0.95, 20)
    assert args.max_completion_length == 32 and args.learning_rate == 1e-5
    assert args.lr_scheduler_type == "constant"
    table["trainer"]["loss"] = {"kind": "grpo"}
    args = grpo_config(TrainConfig.model_validate(table), processes=1, big_model=False)
    assert args.importance_sampling_level == "token"
    assert (args.epsilon, args.epsilon_high) == (0.2, 0.28)
    table["trainer"]["minibatches"] = 3
    with pytest.raises(ValueError, match="trainer.minibatches"):
        grpo_config(TrainConfig.model_validate(table), processes=1, big_model=False)
    table["trainer"] |= {"minibatches": 2, "refill": 2}  # a setting TRL has no place for
    with pytest.raises(ValueError, match="trainer.refill"):
        grpo_config(TrainConfig.model_validate(table), processes=1, big_model=False)
    model, _ = load_torch("rlnvr-tiny")
    lora = lora_config(TrainConfig.model_validate(table), model)
    assert (lora.r, lora.lora_alpha, lora.layers_to_transform) == (4, 40.0, [2, 3])
    assert "q_proj" in lora.target_modules and "lm_head" not in lora.target_modules


def train_trl(output: Path, steps: int, launcher: tuple[str, ...] = ()):
    cmd = [sys.executable, *launcher, "-m", "rlnvr.cli", "train", "--backend", "trl"]
    cmd += ["@", str(REPO / "configs/word_count.toml"), "--output", str(output)]
    cmd += ["--trainer.steps", str(steps), *SMALL_RUN]
    env = {**os.environ, "COLUMNS": "200", "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600, cwd=REPO)


@pytest.mark.slow
def test_trl_run_end_to_end_then_resume(tmp_path):
    run = tmp_path / "run"
    proc = train_trl(run, 2)
    assert proc.returncode == 0, proc.stderr
    assert "held-out reward: before" in proc.stdout
    rows = read_rows(run / "metrics.jsonl")
    assert [r["step"] for r in rows] == [1, 2]
    columns = ("reward_mean", "reward_std", "reward/closeness", "metric/words", "frac_zero_std")
    columns += ("completion_len", "clip_frac", "entropy", "gen_tokens_per_s", "train_tokens_per_s")
    assert all(c in row for row in rows for c in columns)
    assert [r["step"] for r in read_rows(run / "eval.jsonl")] == [0, 2]
    state = json.loads((run / "checkpoints/checkpoint-4/curriculum.json").read_text())
    assert state["curriculum"]["step"] == 3 and len(state["curriculum"]["scores"]) == 4
    assert (run / "reward.png").exists() and json.loads((run / "config.json").read_text())
    # the hack monitor saw every generation's completions and wrote its report
    assert all(0 < r["monitor/distinct_1"] <= 1 for r in rows)
    assert all(-1 <= r["monitor/cross_task_sim"] <= 1 for r in rows)
    assert json.loads((run / "monitor.json").read_text())["steps"] == 2
    assert "hack monitor:" in proc.stdout

    # RUN/model: the same network under mlx_lm and transformers
    mlx_model, _ = load_mlx(run / "model")
    torch_model, _ = load_torch(run / "model")
    ids = [[1, 40, 41, 42, 43]]
    with torch.no_grad():
        expected = torch_model(torch.tensor(ids)).logits.numpy()
    assert np.abs(np.array(mlx_model(mx.array(ids))) - expected).max() < 1e-3
    cmd = [sys.executable, "-m", "rlnvr.cli", "eval", "@", str(REPO / "configs/word_count.toml")]
    cmd += ["--model.path", str(run / "model"), "--env.eval.max-tasks", "2"]
    cmd += ["--sampling.max-tokens", "8"]
    ev = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=REPO)
    assert ev.returncode == 0 and "reward/closeness" in ev.stdout, ev.stderr

    proc = train_trl(run, 3)
    assert proc.returncode == 0, proc.stderr
    assert "resuming from checkpoint-4" in " ".join(proc.stdout.split())  # rich wraps lines
    assert [r["step"] for r in read_rows(run / "metrics.jsonl")] == [1, 2, 3]
    assert "monitor/length_drift" in read_rows(run / "metrics.jsonl")[-1]  # base restored
    assert json.loads((run / "monitor.json").read_text())["steps"] == 3
    assert [r["step"] for r in read_rows(run / "eval.jsonl")] == [0, 2, 3]
    resumed = json.loads((run / "checkpoints/checkpoint-6/curriculum.json").read_text())
    assert resumed["curriculum"]["step"] == 4  # continued at step 3, not restarted at 0
    assert state["pending"][0][0] in resumed["curriculum"]["scores"]  # the batch owed was run
    trainer_state = json.loads((run / "checkpoints/checkpoint-6/trainer_state.json").read_text())
    assert trainer_state["global_step"] == 6


@pytest.mark.slow
def test_two_processes_train_one_curriculum(tmp_path):
    """accelerate's launcher, two CPU processes: each generates one of a step's two groups;
    both see every group's rewards (or the sampler raises), so they draw the same tasks."""
    launch = ("-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2")
    launch += ("--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no")
    proc = train_trl(tmp_path / "run", 2, launch)
    assert proc.returncode == 0, proc.stderr
    assert "on 2 process(es)" in " ".join(proc.stdout.split())
    assert [r["step"] for r in read_rows(tmp_path / "run/metrics.jsonl")] == [1, 2]
    state = json.loads((tmp_path / "run/checkpoints/checkpoint-4/curriculum.json").read_text())
    assert state["curriculum"]["step"] == 3 and len(state["curriculum"]["scores"]) == 4
