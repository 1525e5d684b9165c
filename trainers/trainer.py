"""The local RL trainer: rollouts -> task rewards -> group advantages -> GSPO updates.

One step: the curriculum draws ``tasks_per_step`` tasks; the policy samples ``group_size``
completions for each (keeping sampling log-probs); the taskset's own rewards score them;
groups whose rewards are all equal are dropped (with ``refill``, more tasks are drawn and
sampled until ``tasks_per_step`` groups have spread or the rounds run out: DAPO's dynamic
sampling, so a step of mostly solved or hopeless tasks still trains on a full batch); the
rest are split into ``minibatches``
optimizer steps, so from the second one on the policy has moved and the clipped importance
ratio does its job. Every ``checkpoint_every`` steps the run is checkpointed atomically.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
import numpy as np
import verifiers.v1 as vf
from mlx.utils import tree_flatten
from mlx_lm.tuner.lora import LoRALinear
from mlx_lm.tuner.utils import linear_to_lora_layers

from rlnvr.data_pipelines.splits import is_heldout
from rlnvr.trainers import checkpoint
from rlnvr.trainers.config import EvalConfig, TrainConfig
from rlnvr.trainers.curriculum import Curriculum
from rlnvr.trainers.evaluate import component_means, evaluate
from rlnvr.trainers.gspo import (
    completion_logprobs,
    group_advantages,
    informative_groups,
    plain_head,
    policy_loss,
)
from rlnvr.trainers.hack_monitor import Completion, build_monitor
from rlnvr.trainers.jsonl_log import JsonlLog, read_rows, trim_after
from rlnvr.trainers.models import load_mlx, resolve
from rlnvr.trainers.rollout import Rollout, generate_groups
from rlnvr.trainers.scoring import score_groups
from rlnvr.trainers.shared_prompt import SharedBatch, batch_logprobs, build_shared_batch
from rlnvr.trainers.tasksets import load_taskset, tasks_of
from rlnvr.trainers.traces import Score

logger = logging.getLogger("rlnvr.trainer")
LORA_ABOVE_PARAMS = 50_000_000
SHAPE_MULTIPLE = 16  # compiled steps: batch widths and prompt starts rounded to this


@dataclass
class Batch:
    """Right-padded prompt+completion sequences; ``mask`` marks completion targets."""

    inputs: mx.array
    targets: mx.array
    mask: mx.array
    old: mx.array
    advantages: mx.array
    start: int = 0  # first target position any completion uses (the shortest prompt - 1)

    @property
    def completion_tokens(self) -> int:
        return int(self.mask.sum().item())


@dataclass
class Played:
    """The groups a step sampled: rollouts, their scores, generation seconds."""

    groups: list[list[Rollout]]
    scores: list[list[Score]]
    gen_seconds: float

    @property
    def rewards(self) -> np.ndarray:
        """Weighted rewards, groups x group_size."""
        return np.array([[s.reward for s in g] for g in self.scores])

    def __add__(self, other: Played) -> Played:
        return Played(
            self.groups + other.groups,
            self.scores + other.scores,
            self.gen_seconds + other.gen_seconds,
        )


def build_batch(samples: list[tuple[Rollout, float]], pad_id: int, multiple: int = 1) -> Batch:
    """Pack ``samples``; with ``multiple`` > 1 the width is padded up and ``start`` rounded
    down to multiples of it, so a compiled step meets few distinct shapes."""
    seqs = [r.prompt_ids + r.completion_ids for r, _ in samples]
    width = -(-(max(len(s) for s in seqs) - 1) // multiple) * multiple
    inputs = np.full((len(seqs), width), pad_id, dtype=np.int32)
    targets = np.full_like(inputs, pad_id)
    mask = np.zeros(inputs.shape, dtype=np.float32)
    old = np.zeros(inputs.shape, dtype=np.float32)
    for i, ((rollout, _), seq) in enumerate(zip(samples, seqs, strict=True)):
        inputs[i, : len(seq) - 1] = seq[:-1]
        targets[i, : len(seq) - 1] = seq[1:]
        start, n = len(rollout.prompt_ids) - 1, len(rollout.completion_ids)
        mask[i, start : start + n] = 1
        old[i, start : start + n] = rollout.logprobs
    advantages = np.array([a for _, a in samples], dtype=np.float32)
    start = (min(len(r.prompt_ids) for r, _ in samples) - 1) // multiple * multiple
    return Batch(*(mx.array(x) for x in (inputs, targets, mask, old, advantages)), start)


def grouped_order(samples: list[tuple[Rollout, float]], rng: np.random.Generator) -> np.ndarray:
    """A random order that keeps each task's rows together, so that a minibatch holds whole
    groups and runs few distinct prompts."""
    order = rng.permutation(len(samples))
    keys = rng.permutation(sorted({r.task_key for r, _ in samples}))
    rank = {str(k): i for i, k in enumerate(keys)}
    return np.array(sorted(order, key=lambda i: rank[samples[i][0].task_key]))


def shares_prompts(samples: list[tuple[Rollout, float]]) -> bool:
    """Whether rows repeat prompts enough (two per prompt on average, as in any rollout
    group) for one prompt pass each to beat one packed pass over every row."""
    return len(samples) >= 2 * len({tuple(r.prompt_ids) for r, _ in samples})


def split_tasks(tasks: list[vf.Task], cfg: EvalConfig) -> tuple[list[vf.Task], list[vf.Task]]:
    """Training tasks and (at most ``cfg.max_tasks``) held-out tasks, split by key hash."""
    train = [t for t in tasks if not is_heldout(t.key, cfg.heldout_percent)]
    heldout = [t for t in tasks if is_heldout(t.key, cfg.heldout_percent)]
    return train, heldout[: cfg.max_tasks]


@contextlib.contextmanager
def adapters_off(model: nn.Module) -> Iterator[None]:
    """The LoRA reference policy: the same weights with every adapter's scale at 0."""
    layers = [m for _, m in model.named_modules() if isinstance(m, LoRALinear)]
    scales = [m.scale for m in layers]
    for m in layers:
        m.scale = 0.0
    try:
        yield
    finally:
        for m, s in zip(layers, scales, strict=True):
            m.scale = s


class Trainer:
    def __init__(self, cfg: TrainConfig) -> None:
        self.cfg = cfg
        self.run_dir = Path(cfg.output)
        self.model, self.tokenizer = load_mlx(cfg.model.path, adapter_path=cfg.model.adapters)
        params = sum(v.size for _, v in tree_flatten(self.model.parameters()))
        self.lora = cfg.model.lora if cfg.model.lora is not None else params > LORA_ABOVE_PARAMS
        if self.lora:
            self._add_adapters()
        taskset = load_taskset(cfg.env.taskset)
        tasks = tasks_of(taskset, cfg.env.taskset["id"])
        self.train_tasks, self.eval_tasks = split_tasks(tasks, cfg.env.eval)
        if not self.train_tasks:
            raise ValueError(f"taskset {cfg.env.taskset['id']!r} has no training tasks")
        self.by_key = {t.key: t for t in self.train_tasks}
        self.curriculum = Curriculum(list(self.by_key), cfg.curriculum)
        self.monitor = build_monitor(cfg.monitor, taskset, self.train_tasks)
        self.opt = optim.AdamW(cfg.trainer.learning_rate, weight_decay=cfg.trainer.weight_decay)
        self.opt.init(self.model.trainable_parameters())
        self.reference = None
        if cfg.trainer.loss.kl_beta > 0 and not self.lora:
            self.reference = dict(tree_flatten(self.model.trainable_parameters()))
        self.loss_and_grad = nn.value_and_grad(self.model, self._loss)
        self._compiled = None  # built at the first update, after any resume swapped state in
        self.step = 0

    def _add_adapters(self) -> None:
        """Fresh LoRA adapters, or keep training the ones loaded with ``model.adapters``."""
        m = self.cfg.model
        self.model.freeze()
        if m.adapters:
            self.model.unfreeze(keys=["lora_a", "lora_b"], strict=False)
            return
        linear_to_lora_layers(
            self.model,
            min(m.lora_layers, len(self.model.layers)),
            {"rank": m.lora_rank, "scale": m.lora_scale, "dropout": 0.0},
        )

    # -- the update -------------------------------------------------------------------------

    def _logprobs(self, model, batch: Batch | SharedBatch) -> mx.array:
        """Completion log-probs from ``batch.start`` on, aligned with ``batch.old``."""
        temperature = self.cfg.sampling.temperature
        if isinstance(batch, SharedBatch):
            return batch_logprobs(model, batch.groups, temperature)
        return completion_logprobs(model, batch.inputs, batch.targets, batch.start, temperature)

    def _loss(self, model, batch: Batch | SharedBatch, ref):
        logp = self._logprobs(model, batch)
        old, mask = batch.old[:, batch.start :], batch.mask[:, batch.start :]
        return policy_loss(logp, old, mask, batch.advantages, self.cfg.trainer.loss, ref)

    def _reference_logprobs(self, batch: Batch | SharedBatch) -> mx.array | None:
        """Reference log-probs (aligned with the loss), or None without the KL leash."""
        if self.cfg.trainer.loss.kl_beta <= 0:
            return None
        if self.lora:
            with adapters_off(self.model):
                ref = self._logprobs(self.model, batch)
        else:
            current = dict(tree_flatten(self.model.trainable_parameters()))
            self.model.load_weights(list(self.reference.items()), strict=False)
            ref = self._logprobs(self.model, batch)
            self.model.load_weights(list(current.items()), strict=False)
        return mx.stop_gradient(ref)

    def _step(self, batch: Batch | SharedBatch, ref):
        (loss, stats), grads = self.loss_and_grad(self.model, batch, ref)
        grads, _ = optim.clip_grad_norm(grads, self.cfg.trainer.max_grad_norm)
        self.opt.update(self.model, grads)
        return loss, stats

    def _optimizer_step(self, inputs, targets, mask, old, advantages, start: int, ref):
        """:meth:`_step` on arrays, the form ``mx.compile`` takes."""
        return self._step(Batch(inputs, targets, mask, old, advantages, start), ref)

    def _compiled_step(self):
        """:meth:`_optimizer_step` under ``mx.compile`` (forward, backward and AdamW fused
        into one graph per shape, as mlx_lm's tuner does): on CPU most of a small model's
        step is elementwise work outside the matmuls, which fusion removes."""
        if self._compiled is None:
            state = [self.model.state, self.opt.state]
            self._compiled = partial(mx.compile, inputs=state, outputs=state)(self._optimizer_step)
        return self._compiled

    def update(self, samples: list[tuple[Rollout, float]], rng: np.random.Generator) -> dict:
        """Minibatch GSPO steps over ``samples``; returns averaged loss statistics."""
        share = self.cfg.trainer.shared_prompt and plain_head(self.model)
        order = grouped_order(samples, rng) if share else rng.permutation(len(samples))
        chunks = [c for c in np.array_split(order, self.cfg.trainer.minibatches) if len(c)]
        totals: dict[str, float] = {}
        pad = self.tokenizer.pad_token_id or 0
        # The KL leash's reference pass does not go through mx.compile (MLX raises inside the
        # compiled graph when the reference log-probs come in), so with it the step runs eager.
        compiled = self.cfg.trainer.compile and self.cfg.trainer.loss.kl_beta <= 0
        multiple = SHAPE_MULTIPLE if compiled else 1
        for chunk in chunks:
            part = [samples[i] for i in chunk]
            if share and shares_prompts(part):
                batch = build_shared_batch(part, pad)
                loss, stats = self._step(batch, self._reference_logprobs(batch))
            else:
                batch = build_batch(part, pad, multiple)
                ref = self._reference_logprobs(batch)
                arrays = (batch.inputs, batch.targets, batch.mask, batch.old, batch.advantages)
                step = self._compiled_step() if compiled else self._optimizer_step
                loss, stats = step(*arrays, batch.start, ref)
            mx.eval(self.model.parameters(), self.opt.state, loss, stats)
            for k, v in {"loss": loss, **stats}.items():
                totals[k] = totals.get(k, 0.0) + v.item() / len(chunks)
        return totals

    # -- one step ---------------------------------------------------------------------------

    def play(self, keys: list[str]) -> Played:
        """One group per level, scored; each level's curriculum score is updated with it."""
        cfg = self.cfg.trainer
        tasks = [self.by_key[k] for k in keys]
        start = time.perf_counter()
        groups = generate_groups(
            self.model, self.tokenizer, tasks, cfg.group_size, self.cfg.sampling
        )
        seconds = time.perf_counter() - start  # generation only: scoring is not the policy's
        played = Played(groups, score_groups(tasks, groups), seconds)
        for key, row in zip(keys, played.rewards, strict=True):
            self.curriculum.update(key, row)
        return played

    def train_step(self) -> dict:
        cfg = self.cfg.trainer
        rng = np.random.default_rng([cfg.seed, self.step])
        mx.random.seed(cfg.seed * 1_000_003 + self.step)
        start = time.perf_counter()
        played = self.play(self.curriculum.sample(cfg.tasks_per_step, rng))
        first = len(played.groups)
        for _ in range(cfg.refill):  # dynamic sampling: top up the groups that carry signal
            missing = cfg.tasks_per_step - int(informative_groups(played.rewards).sum())
            if missing <= 0:
                break
            played += self.play(self.curriculum.sample(missing, rng))
        groups, rewards, scores = played.groups, played.rewards, played.scores
        keep = informative_groups(rewards)
        advantages = group_advantages(rewards)
        samples = [
            (r, float(a))
            for i in np.flatnonzero(keep)
            for r, a in zip(groups[i], advantages[i], strict=True)
        ]
        train_start = time.perf_counter()
        stats = self.update(samples, rng) if samples else {}
        train_seconds = time.perf_counter() - train_start
        self.step += 1
        rollouts = [r for g in groups for r in g]
        gen_tokens = sum(len(r.completion_ids) for r in rollouts)
        trained = sum(len(r.prompt_ids) + len(r.completion_ids) for r, _ in samples)
        row = {
            "step": self.step,
            "reward_mean": float(rewards.mean()),
            "reward_std": float(rewards.std()),
            **component_means([s for g in scores for s in g]),
            "frac_zero_std": float(1 - keep.mean()),
            "refill_groups": len(groups) - first,
            "completion_len": gen_tokens / len(rollouts),
            # Monte-Carlo estimate of the sampling policy's entropy: E_y~pi[-log pi(y)], from
            # the log-probs generation already returned (a full-vocabulary entropy would cost
            # a softmax over B x L x V in every update).
            "entropy": -float(np.mean([lp for r in rollouts for lp in r.logprobs])),
            "truncated_frac": float(np.mean([r.truncated for r in rollouts])),
            "gen_tokens_per_s": gen_tokens / played.gen_seconds,
            "train_tokens_per_s": trained / train_seconds if samples else 0.0,
            "step_seconds": time.perf_counter() - start,
            **stats,
        }
        if self.monitor is not None:
            self.monitor.add(Completion(r.task_key, r.text, r.truncated) for r in rollouts)
            row |= self.monitor.observe(row)
        return row

    # -- the run ----------------------------------------------------------------------------

    def resume(self) -> bool:
        folder = checkpoint.latest(self.run_dir) if self.cfg.resume else None
        if folder is None:
            return False
        state = checkpoint.load(folder, self.model, self.opt)
        self.curriculum.load_state_dict(state.curriculum)
        self.step = state.step
        trim_after(self.run_dir / "metrics.jsonl", self.step)
        trim_after(self.run_dir / "eval.jsonl", self.step)
        if self.monitor is not None:
            self.monitor.restore(read_rows(self.run_dir / "metrics.jsonl"))
        return True

    def save_checkpoint(self) -> None:
        state = checkpoint.TrainingState(self.step, self.curriculum.state_dict())
        checkpoint.save(self.run_dir, self.model, self.opt, state)

    def evaluate(self) -> dict:
        result = evaluate(
            self.model,
            self.tokenizer,
            self.eval_tasks,
            self.cfg.env.eval,
            self.cfg.sampling.max_tokens,
            seed=self.cfg.trainer.seed,
        )
        return {"step": self.step, **result}

    def run(self, on_step: Callable[[dict], None] | None = None) -> dict:
        """Train to ``trainer.steps``; returns the first and last held-out evaluations."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        resumed = self.resume()
        (self.run_dir / "config.json").write_text(self.cfg.model_dump_json(indent=2))
        metrics, evals = (
            JsonlLog(self.run_dir / "metrics.jsonl"),
            JsonlLog(self.run_dir / "eval.jsonl"),
        )
        try:
            if not resumed and self.eval_tasks:
                evals.write(self.evaluate())
            every = self.cfg.trainer.eval_every
            while self.step < self.cfg.trainer.steps:
                row = self.train_step()
                metrics.write(row)
                if on_step:
                    on_step(row)
                mid_run = every and self.step % every == 0 and self.step < self.cfg.trainer.steps
                if mid_run and self.eval_tasks:
                    evals.write(self.evaluate())
                done = self.step == self.cfg.trainer.steps
                if done or self.step % self.cfg.trainer.checkpoint_every == 0:
                    if done and self.eval_tasks:
                        evals.write(self.evaluate())
                    self.save_checkpoint()
        finally:
            metrics.close()
            evals.close()
        if self.monitor is not None:
            self.monitor.write(self.run_dir)
        self.export()
        rows = read_rows(self.run_dir / "eval.jsonl")
        return {"before": rows[0], "after": rows[-1]} if rows else {}

    def export(self) -> Path:
        """Adapters in mlx_lm's format (LoRA), or a full model folder `rlnvr generate` loads."""
        if self.lora:
            out = self.run_dir / "adapters"
            out.mkdir(exist_ok=True)
            mx.save_safetensors(
                str(out / "adapters.safetensors"),
                dict(tree_flatten(self.model.trainable_parameters())),
            )
            m = self.cfg.model
            config = {
                "fine_tune_type": "lora",
                "num_layers": m.lora_layers,
                "lora_parameters": {"rank": m.lora_rank, "scale": m.lora_scale, "dropout": 0.0},
            }
            (out / "adapter_config.json").write_text(json.dumps(config, indent=2))
            return out
        out = self.run_dir / "model"
        source = Path(resolve(self.cfg.model.path))
        if not source.exists():  # a hub id: its files are in the Hugging Face cache
            from huggingface_hub import snapshot_download

            source = Path(snapshot_download(str(source), local_files_only=True))
        shutil.copytree(
            source,
            out,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("*.safetensors", ".work", "*.png", "*.md"),
        )
        mx.save_safetensors(
            str(out / "model.safetensors"), dict(tree_flatten(self.model.parameters()))
        )
        return out
