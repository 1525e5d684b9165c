"""The parts that put rlnvr's curriculum, rewards and logs inside TRL's ``GRPOTrainer``.

TRL generates from the batches its train sampler yields, so the curriculum lives in the
sampler: :class:`CurriculumSampler` draws each generation batch from our ``Curriculum`` and
lays it out as TRL's ``RepeatSampler`` would. :class:`TaskReward` scores completions with
their tasks' own rewards; :class:`CurriculumGRPOTrainer` hands every group's rewards (from
all processes) back to the curriculum and measures throughput; :class:`RunFiles` writes the
MLX trainer's ``metrics.jsonl`` names and the curriculum state beside each checkpoint.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import verifiers.v1 as vf
from accelerate.utils import gather_object
from torch.utils.data import Sampler
from transformers import TrainerCallback
from trl import GRPOTrainer

from rlnvr.data_pipelines.atomic import atomic_write_text
from rlnvr.trainers.curriculum import Curriculum
from rlnvr.trainers.evaluate import component_means
from rlnvr.trainers.hack_monitor import Completion, HackMonitor
from rlnvr.trainers.jsonl_log import JsonlLog
from rlnvr.trainers.rollout import Rollout
from rlnvr.trainers.scoring import score_groups

CURRICULUM_FILE = "curriculum.json"

# TRL's log names -> the MLX trainer's metrics.jsonl names (trainers/trainer.py, train_step).
METRIC_NAMES = {
    "reward": "reward_mean",
    "reward_std": "reward_std",
    "frac_reward_zero_std": "frac_zero_std",
    "completions/mean_length": "completion_len",
    "completions/clipped_ratio": "truncated_frac",
    "entropy": "entropy",
    "clip_ratio/region_mean": "clip_frac",
    "kl": "kl",
    "loss": "loss",
    "grad_norm": "grad_norm",
    "learning_rate": "learning_rate",
    "gen_tokens_per_s": "gen_tokens_per_s",
    "train_tokens_per_s": "train_tokens_per_s",
    "step_seconds": "step_seconds",
}


class CurriculumSampler(Sampler[int]):
    """Dataset indices for TRL, drawn by the curriculum, in ``RepeatSampler``'s layout.

    One generation batch is ``tasks`` distinct tasks, each index ``group_size`` times in a
    row (a group), and the whole batch is yielded ``repeats`` times: TRL's dataloader hands
    one slice per optimizer step and generates only on the first (``steps_per_generation``).
    Draws are seeded by ``(seed, curriculum.step)``, as the MLX trainer seeds each step.

    The dataloader fetches one batch ahead, so a batch can be drawn before the rewards of
    the previous one arrive. Batches drawn but not yet scored are kept in ``pending`` and
    saved with the curriculum, so a resumed run generates exactly the batch it would have.
    """

    def __init__(
        self,
        keys: list[str],
        curriculum: Curriculum,
        tasks: int,
        group_size: int,
        repeats: int,
        seed: int,
    ) -> None:
        if tasks > len(keys):
            raise ValueError(
                f"trainer.tasks_per_step ({tasks}) exceeds the {len(keys)} training tasks"
            )
        self.index = {k: i for i, k in enumerate(keys)}
        self.curriculum = curriculum
        self.tasks, self.group_size, self.repeats, self.seed = tasks, group_size, repeats, seed
        self.batches = max(1, len(keys) // tasks)  # an "epoch" draws about every task once
        self.pending: deque[list[str]] = deque()  # drawn, not yet scored
        self.queued: deque[list[str]] = deque()  # restored from a checkpoint, not yet yielded

    def __len__(self) -> int:
        return self.batches * self.tasks * self.group_size * self.repeats

    def __iter__(self) -> Iterator[int]:
        for _ in range(self.batches):
            indices = [self.index[k] for k in self._next_batch() for _ in range(self.group_size)]
            for _ in range(self.repeats):
                yield from indices

    def _next_batch(self) -> list[str]:
        if self.queued:
            return self.queued.popleft()
        rng = np.random.default_rng([self.seed, self.curriculum.step])
        keys = self.curriculum.sample(self.tasks, rng)
        self.pending.append(keys)
        return keys

    def scored(self, keys: list[str], rewards: np.ndarray) -> None:
        """Feed one generation's group rewards (rows in draw order) to the curriculum."""
        expected = self.pending.popleft() if self.pending else None
        if keys != expected:
            raise RuntimeError(f"scored tasks {keys} are not the batch drawn next ({expected})")
        for key, row in zip(keys, rewards, strict=True):
            self.curriculum.update(key, row)

    def state_dict(self) -> dict:
        return {"curriculum": self.curriculum.state_dict(), "pending": list(self.pending)}

    def load_state_dict(self, state: dict) -> None:
        self.curriculum.load_state_dict(state["curriculum"])
        self.pending = deque(state["pending"])
        self.queued = deque(state["pending"])


class TaskReward:
    """A TRL reward function: each completion scored by its own task (``task_key`` column)
    through rlnvr's scoring, so a raising reward scores that sample 0 and is logged with the
    task key. Every reward component and metric goes to TRL's ``log_metric`` once per sample,
    so TRL's sum/count reduction over processes gives the same means as the MLX trainer."""

    __name__ = "task_reward"  # TRL names the reward column after it

    def __init__(self, by_key: dict[str, vf.Task]) -> None:
        self.by_key = by_key

    def __call__(
        self,
        prompts: list,
        completions: list,
        task_key: list[str],
        log_metric: Callable[[str, float], None] | None = None,
        **kwargs: Any,
    ) -> list[float]:
        tasks = [self.by_key[k] for k in task_key]
        # score_groups reads only a rollout's text; one group per sample keeps the order.
        groups = [
            [Rollout(t.key, [], [], [], completion_text(c), False)]
            for t, c in zip(tasks, completions, strict=True)
        ]
        scores = [g[0] for g in score_groups(tasks, groups)]
        if log_metric is not None:
            for s in scores:
                for name, value in component_means([s]).items():
                    log_metric(name, value)
        return [s.reward for s in scores]


def completion_text(completion: str | list[dict]) -> str:
    """The reply text of a TRL completion (a string, or a conversational message list)."""
    if isinstance(completion, str):
        return completion
    return "".join(str(m.get("content") or "") for m in completion if m.get("role") == "assistant")


@dataclass
class Throughput:
    """Time and tokens since the last training log (one generation and its updates)."""

    start: float | None = None
    gen_seconds: float = 0.0
    score_seconds: float = 0.0
    gen_tokens: int = 0
    train_tokens: int = 0

    def begin(self) -> None:
        if self.start is None:
            self.start = time.perf_counter()

    def rates(self) -> dict[str, float]:
        """The MLX trainer's speed columns; the update time is what generation and scoring
        leave of the interval (TRL's old-log-prob pass, forward/backward, optimizer)."""
        wall = time.perf_counter() - (self.start or time.perf_counter())
        update = wall - self.gen_seconds - self.score_seconds
        return {
            "gen_tokens_per_s": self.gen_tokens / self.gen_seconds if self.gen_seconds else 0.0,
            "train_tokens_per_s": self.train_tokens / update if update > 0 else 0.0,
            "step_seconds": wall,
        }


class CurriculumGRPOTrainer(GRPOTrainer):
    """``GRPOTrainer`` sampling from a :class:`CurriculumSampler` and feeding it rewards,
    and every training generation's completions to the hack monitor (on the main process)."""

    def __init__(
        self,
        *args: Any,
        sampler: CurriculumSampler,
        monitor: HackMonitor | None = None,
        **kwargs: Any,
    ) -> None:
        self.curriculum_sampler = sampler
        self.monitor = monitor
        self.throughput = Throughput()
        super().__init__(*args, **kwargs)

    def _get_train_sampler(self, dataset=None) -> Sampler:
        return self.curriculum_sampler

    def _generate(self, prompts: list):
        self.throughput.begin()
        start = time.perf_counter()
        out = super()._generate(prompts)
        self.throughput.gen_seconds += time.perf_counter() - start
        prompt_ids, completion_ids = out[0], out[1]
        local = [sum(map(len, prompt_ids)), sum(map(len, completion_ids))]
        counts = self.accelerator.gather(torch.tensor([local], device=self.accelerator.device))
        prompt_tokens, completion_tokens = counts.sum(dim=0).tolist()
        self.throughput.gen_tokens += completion_tokens
        self.throughput.train_tokens += prompt_tokens + completion_tokens
        return out

    def _calculate_rewards(self, inputs, prompts, completions, completion_ids_list):
        """TRL's rewards, gathered from every process in sampler order; each group's
        weighted rewards also update the curriculum (identically on every process)."""
        start = time.perf_counter()
        per_func = super()._calculate_rewards(inputs, prompts, completions, completion_ids_list)
        if self.model.training:
            keys = gather_object([x["task_key"] for x in inputs])
            weights = self.reward_weights.to(per_func.device)
            rewards = (per_func * weights.unsqueeze(0)).nansum(dim=1)
            groups = rewards.view(-1, self.num_generations).cpu().numpy()
            self.curriculum_sampler.scored(keys[:: self.num_generations], groups)
            if self.monitor is not None:
                self._watch(keys, completions, completion_ids_list)
        self.throughput.score_seconds += time.perf_counter() - start
        return per_func

    def _watch(self, keys: list[str], completions: list, completion_ids: list) -> None:
        """Every process's completions, in ``keys`` order, to the monitor on the main one;
        truncated as TRL decides it (the last token is neither a stop nor the pad token)."""
        stops = {*self.eos_token_ids, self._tokenizer.pad_token_id}
        texts = gather_object([completion_text(c) for c in completions])
        cut = gather_object([not ids or ids[-1] not in stops for ids in completion_ids])
        if self.accelerator.is_main_process:
            self.monitor.add(map(Completion, keys, texts, cut))

    def log(self, logs: dict[str, float], start_time: float | None = None) -> None:
        if self.model.training and "loss" in logs:  # a step's log, not the run summary
            logs.update(self.throughput.rates())
            self.throughput = Throughput()
        super().log(logs, start_time)


class RunFiles(TrainerCallback):
    """Main process only: ``metrics.jsonl`` rows under the MLX trainer's names (one per
    rlnvr step, i.e. per generation) with the hack monitor's columns, ``curriculum.json`` in
    each checkpoint folder, and ``monitor.json`` at the end."""

    def __init__(
        self,
        run_dir: Path,
        minibatches: int,
        sampler: CurriculumSampler,
        monitor: HackMonitor | None = None,
    ) -> None:
        self.run_dir = Path(run_dir)
        self.path = self.run_dir / "metrics.jsonl"
        self.minibatches = minibatches
        self.sampler = sampler
        self.monitor = monitor
        self.log: JsonlLog | None = None

    def on_log(self, args, state, control, logs=None, **kwargs) -> None:
        if not state.is_world_process_zero or not logs or "reward" not in logs:
            return
        row = {"step": state.global_step // self.minibatches}
        row |= {ours: logs[trl] for trl, ours in METRIC_NAMES.items() if logs.get(trl) is not None}
        row |= {k: v for k, v in logs.items() if k.startswith(("reward/", "metric/"))}
        if self.monitor is not None:
            row |= self.monitor.observe(row)
        if self.log is None:
            self.log = JsonlLog(self.path)
        self.log.write(row)

    def on_save(self, args, state, control, **kwargs) -> None:
        if state.is_world_process_zero:
            folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            atomic_write_text(folder / CURRICULUM_FILE, json.dumps(self.sampler.state_dict()))

    def on_train_end(self, args, state, control, **kwargs) -> None:
        if self.log is not None:
            self.log.close()
            self.log = None
        if state.is_world_process_zero and self.monitor is not None:
            self.monitor.write(self.run_dir)
