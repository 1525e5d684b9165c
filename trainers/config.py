"""The training run's configuration: one TOML file, every field overridable on the CLI.

    rlnvr train @ configs/word_count.toml --trainer.steps 40 --sampling.temperature 0.9

Sections: ``[model]``, ``[sampling]``, ``[trainer]`` (with ``[trainer.loss]``),
``[curriculum]`` and ``[env.taskset]``, the last in verifiers' own format, so reward weights
are ``[env.taskset.task.rewards] name = {weight = ...}`` exactly as in a hub evaluation.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator
from pydantic_config import BaseConfig

from rlnvr.trainers.curriculum import CurriculumConfig
from rlnvr.trainers.gspo import LossConfig
from rlnvr.trainers.rollout import SamplingConfig


class ModelConfig(BaseConfig):
    path: str = "rlnvr-tiny"
    """'rlnvr-tiny' (bundled), 'smollm2-135m' (after `rlnvr models fetch smollm2-135m`), a local
    model folder, or a hub id such as Qwen/Qwen3-0.6B."""
    adapters: str | None = None
    """LoRA adapters to load on top (a folder with adapter_config.json), e.g. a run's adapters."""
    lora: bool | None = None
    """Train LoRA adapters (true) or all weights (false); unset: LoRA above 50M parameters."""
    lora_rank: int = 8
    """LoRA rank."""
    lora_scale: float = 20.0
    """LoRA scale (mlx_lm's convention)."""
    lora_layers: int = 16
    """How many of the last transformer layers get adapters."""


class TrainerConfig(BaseConfig):
    steps: int = 20
    """Rollout-and-update steps."""
    tasks_per_step: int = 4
    """Tasks (curriculum levels) drawn per step."""
    group_size: int = 8
    """Completions per task; advantages are normalised within each group."""
    refill: int = Field(default=0, ge=0)
    """Extra rounds of sampling per step while fewer than ``tasks_per_step`` groups have reward
    spread: each round draws as many more tasks as groups are missing, and every group played
    updates the curriculum (DAPO's dynamic sampling). 0: train on what the first draw gave."""
    minibatches: int = 2
    """Optimizer steps per rollout batch (more than 1 makes the importance ratio matter)."""
    learning_rate: float = 5e-5
    """AdamW learning rate."""
    weight_decay: float = 0.0
    """AdamW weight decay."""
    max_grad_norm: float = 1.0
    """Gradient clipping by global norm."""
    seed: int = 0
    """Seed for sampling and the curriculum (the held-out split is by key hash)."""
    checkpoint_every: int = 5
    """Steps between checkpoints (the last step always writes one)."""
    eval_every: int = 0
    """Steps between held-out evaluations (0: only before and after training)."""
    shared_prompt: bool = True
    """Run each group's prompt once per minibatch, its keys and values shared by the group's
    completions, instead of once per completion: same values and gradients, ~4x faster
    updates on Varro's long prompts (benchmarks/shared_prompt.py). Architectures without
    the needed cache interface fall back to packed batches."""
    compile: bool = True
    """Fuse each packed-batch optimizer step with mx.compile (one compilation per batch
    shape); shared-prompt steps and steps with the KL leash run eager."""
    loss: LossConfig = LossConfig()


class EvalConfig(BaseConfig):
    heldout_percent: float = 20.0
    """Share of tasks (by key hash) never trained on, used for evaluation."""
    max_tasks: int = 40
    """Held-out tasks scored per evaluation (the first N in taskset order)."""
    samples: int = 4
    """Completions per held-out task."""
    temperature: float | None = Field(default=None, ge=0)
    """Evaluation temperature (0: greedy, one per task); unset: ``sampling.temperature``, so
    held-out replies are sampled as the policy is trained and as ``rlnvr controls`` samples."""


class MonitorConfig(BaseConfig):
    enabled: bool = True
    """Watch every step for signs of a reward hack (README "Hack monitor"): cross-task
    sameness, distinct-n, truncation, copy share, length drift, components moving apart."""
    calibration_steps: int = Field(default=3, ge=1)
    """First steps whose signals set the base (mean and spread); no warning fires in them."""
    k: float = Field(default=4.0, gt=0)
    """A signal warns when it moves more than k x its base spread (or the signal's own
    minimum move, whichever is larger) in the direction a hack moves it."""
    patience: int = Field(default=2, ge=1)
    """Consecutive steps a signal must stay past its threshold before it warns."""
    embeddings: bool = True
    """Measure cross-task sameness with sentence embeddings (loads all-MiniLM-L6-v2)."""
    embed_per_task: int = Field(default=2, ge=1)
    """Completions per task that cross-task sameness embeds (the first ones of each group):
    two per task already give every pair of tasks four pairs, at a quarter of the cost of
    embedding a group of eight."""


class EnvSection(BaseConfig):
    taskset: dict[str, Any] = Field(default_factory=lambda: {"id": "rlnvr.tasksets.word_count"})
    """The taskset table: id plus its own config fields, verifiers' format."""
    eval: EvalConfig = EvalConfig()


class TrainConfig(BaseConfig):
    output: str = "runs/latest"
    """Run folder: checkpoints, metrics.jsonl, plots, final weights or adapters."""
    resume: bool = True
    """Continue from the run folder's last checkpoint when there is one."""
    model: ModelConfig = ModelConfig()
    sampling: SamplingConfig = SamplingConfig()
    trainer: TrainerConfig = TrainerConfig()
    curriculum: CurriculumConfig = CurriculumConfig()
    env: EnvSection = EnvSection()
    monitor: MonitorConfig = MonitorConfig()

    @model_validator(mode="after")
    def _eval_as_trained(self) -> TrainConfig:
        if self.env.eval.temperature is None:
            self.env.eval.temperature = self.sampling.temperature
        return self
