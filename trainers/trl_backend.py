"""`rlnvr train --backend trl`: the same tasksets, rewards and curriculum through TRL.

For runs that outgrow one machine: TRL's ``GRPOTrainer`` (PyTorch, ``accelerate`` for
several GPUs) with ``importance_sampling_level="sequence"``, which is GSPO. One rlnvr step
is one TRL generation batch: ``tasks_per_step`` tasks x ``group_size`` completions, split
into ``minibatches`` optimizer steps (TRL's ``steps_per_generation``), so TRL's global step
is ``minibatches`` times ours; checkpoint folders carry TRL's number.

Differences from the MLX trainer, all TRL's: groups with equal rewards stay in the batch
(zero advantage, but they count in the loss mean), the old log-probs of the importance ratio
come from a forward pass rather than from generation, ``reward_std`` is the sample std,
``entropy`` the full-vocabulary entropy, and there are no evaluations mid-run.

    accelerate launch -m rlnvr.cli train --backend trl @ configs/word_count.toml
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING

import torch
import verifiers.v1 as vf
from accelerate import PartialState
from datasets import Dataset
from trl import GRPOConfig

from rlnvr.trainers.config import TrainConfig
from rlnvr.trainers.curriculum import Curriculum
from rlnvr.trainers.evaluate import evaluate
from rlnvr.trainers.gspo import GRPO_CLIP
from rlnvr.trainers.hack_monitor import build_monitor
from rlnvr.trainers.jsonl_log import JsonlLog, read_rows, trim_after
from rlnvr.trainers.models import load_mlx, load_torch
from rlnvr.trainers.rollout import chat_messages
from rlnvr.trainers.tasksets import load_taskset, tasks_of
from rlnvr.trainers.trainer import LORA_ABOVE_PARAMS, split_tasks
from rlnvr.trainers.trl_curriculum import (
    CURRICULUM_FILE,
    CurriculumGRPOTrainer,
    CurriculumSampler,
    RunFiles,
    TaskReward,
)

if TYPE_CHECKING:
    from peft import LoraConfig

KEEP_CHECKPOINTS = 2
# transformers 5 renamed gradient_checkpointing (now a deprecated alias that warns).
CHECKPOINTING = (
    "activation_checkpointing"
    if "activation_checkpointing" in {f.name for f in fields(GRPOConfig)}
    else "gradient_checkpointing"
)


def task_dataset(tasks: list[vf.Task]) -> Dataset:
    """One row per task: the conversational prompt as the MLX trainer renders it
    (``rollout.prompt_ids``: system prompt, then the user turns) and its ``task_key``."""
    rows = [
        {
            "prompt": chat_messages(t),
            "task_key": t.key,
        }
        for t in tasks
    ]
    return Dataset.from_list(rows)


def grpo_config(cfg: TrainConfig, processes: int, big_model: bool) -> GRPOConfig:
    """Our [trainer], [trainer.loss] and [sampling] as TRL's arguments. Activation
    checkpointing (memory for compute) is on only for models above the LoRA threshold."""
    t, s, loss = cfg.trainer, cfg.sampling, cfg.trainer.loss
    batch = t.tasks_per_step * t.group_size
    if batch % (t.minibatches * processes):
        raise ValueError(
            f"trainer.tasks_per_step x trainer.group_size ({batch}) must split evenly into "
            f"trainer.minibatches ({t.minibatches}) x {processes} processes"
        )
    if s.temperature <= 0:
        raise ValueError("sampling.temperature must be > 0 with --backend trl (training samples)")
    if t.refill:
        raise ValueError("trainer.refill is the MLX trainer's; TRL samples one batch per step")
    eps_low, eps_high = (loss.eps_low, loss.eps_high) if loss.kind == "gspo" else GRPO_CLIP
    cuda = torch.cuda.is_available()
    return GRPOConfig(
        output_dir=str(Path(cfg.output) / "checkpoints"),
        max_steps=t.steps * t.minibatches,
        per_device_train_batch_size=batch // (t.minibatches * processes),
        gradient_accumulation_steps=1,  # each minibatch is one optimizer step, as in MLX
        steps_per_generation=t.minibatches,
        num_generations=t.group_size,
        learning_rate=t.learning_rate,
        lr_scheduler_type="constant",  # the MLX trainer's AdamW has no schedule
        weight_decay=t.weight_decay,
        max_grad_norm=t.max_grad_norm,
        seed=t.seed,
        beta=loss.kl_beta,
        epsilon=eps_low,
        epsilon_high=eps_high,
        importance_sampling_level="sequence" if loss.kind == "gspo" else "token",
        loss_type="grpo",  # mean over each sequence's tokens, then over sequences: ours
        scale_rewards="group",
        temperature=s.temperature,
        top_p=s.top_p,
        top_k=s.top_k,
        max_completion_length=s.max_tokens,
        logging_steps=t.minibatches,  # one log (one metrics.jsonl row) per generation
        save_strategy="steps",
        save_steps=t.checkpoint_every * t.minibatches,
        save_total_limit=KEEP_CHECKPOINTS,
        ignore_data_skip=True,  # the sampler's own state resumes the data, see CurriculumSampler
        dataloader_num_workers=0,  # workers would prefetch (draw) batches before their rewards
        report_to="none",
        use_cpu=not cuda,
        bf16=cuda and torch.cuda.is_bf16_supported(),
        **{CHECKPOINTING: big_model},
    )


def lora_config(cfg: TrainConfig, model: torch.nn.Module) -> LoraConfig:
    """mlx_lm's adapters in peft's terms: every linear layer of the last ``lora_layers``
    blocks (not the LM head), rank ``lora_rank``, alpha = scale x rank (mlx_lm's scale is
    alpha / r). peft takes layer indices only with module names, so the names are listed."""
    from peft import LoraConfig  # the [trl] extra; only LoRA runs need it

    m = cfg.model
    head = model.get_output_embeddings()
    names = {
        name.rsplit(".", 1)[-1]
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and module is not head
    }
    num_layers = model.config.num_hidden_layers
    return LoraConfig(
        r=m.lora_rank,
        lora_alpha=m.lora_scale * m.lora_rank,
        lora_dropout=0.0,
        target_modules=sorted(names),
        layers_to_transform=list(range(max(num_layers - m.lora_layers, 0), num_layers)),
        task_type="CAUSAL_LM",
    )


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The newest TRL checkpoint that also holds the curriculum state (a kill between the
    two writes leaves the previous one as the newest complete checkpoint)."""
    root = Path(run_dir) / "checkpoints"
    done = [p for p in root.glob("checkpoint-*") if (p / CURRICULUM_FILE).exists()]
    return max(done, key=checkpoint_step, default=None)


def checkpoint_step(folder: Path) -> int:
    """TRL's global (optimizer) step of a ``checkpoint-N`` folder."""
    return int(folder.name.rsplit("-", 1)[1])


def curriculum_sampler(cfg: TrainConfig, keys: list[str], resume: Path | None) -> CurriculumSampler:
    """The curriculum-driven sampler, its state restored from ``resume`` when given."""
    t = cfg.trainer
    curriculum = Curriculum(keys, cfg.curriculum)
    sampler = CurriculumSampler(
        keys, curriculum, t.tasks_per_step, t.group_size, t.minibatches, t.seed
    )
    if resume:
        sampler.load_state_dict(json.loads((resume / CURRICULUM_FILE).read_text()))
    return sampler


def prepare_run_dir(cfg: TrainConfig, resume: Path | None) -> None:
    """config.json, and logs cut back to the checkpoint being resumed (each step once)."""
    run_dir = Path(cfg.output)
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.json").write_text(cfg.model_dump_json(indent=2))
    step = checkpoint_step(resume) // cfg.trainer.minibatches if resume else 0
    trim_after(run_dir / "metrics.jsonl", step)
    trim_after(run_dir / "eval.jsonl", step)


def train(cfg: TrainConfig, announce: Callable[[str], None] = print) -> dict:
    """Train with TRL; returns the first and last held-out evaluations on the main process
    (an empty dict elsewhere, or without held-out tasks)."""
    if cfg.model.adapters:
        raise ValueError("model.adapters (MLX adapters) is not supported with --backend trl")
    state = PartialState(cpu=not torch.cuda.is_available())  # as TrainingArguments sets it up
    taskset = load_taskset(cfg.env.taskset)
    train_tasks, eval_tasks = split_tasks(tasks_of(taskset, cfg.env.taskset["id"]), cfg.env.eval)
    if not train_tasks:
        raise ValueError(f"env.taskset {cfg.env.taskset['id']!r} has no training tasks")
    model, tokenizer = load_torch(cfg.model.path)
    big = sum(p.numel() for p in model.parameters()) > LORA_ABOVE_PARAMS
    lora = cfg.model.lora if cfg.model.lora is not None else big
    resume = latest_checkpoint(Path(cfg.output)) if cfg.resume else None
    sampler = curriculum_sampler(cfg, [t.key for t in train_tasks], resume)
    # Every process gathers completions for the monitor; only the main one keeps and logs them.
    monitor = build_monitor(cfg.monitor, taskset, train_tasks)
    if state.is_main_process:
        prepare_run_dir(cfg, resume)
        if monitor is not None:
            monitor.restore(read_rows(Path(cfg.output) / "metrics.jsonl"))
        announce(
            f"{cfg.env.taskset['id']}: {len(train_tasks)} training tasks, {len(eval_tasks)} held "
            f"out; {'LoRA' if lora else 'full'} fine-tune of {cfg.model.path} with TRL on "
            f"{state.num_processes} process(es) -> {cfg.output}"
            + (f" (resuming from {resume.name})" if resume else "")
        )
    trainer = CurriculumGRPOTrainer(
        model=model,
        reward_funcs=TaskReward({t.key: t for t in train_tasks}),
        args=grpo_config(cfg, state.num_processes, big),
        train_dataset=task_dataset(train_tasks),
        processing_class=tokenizer,
        peft_config=lora_config(cfg, model) if lora else None,
        callbacks=[RunFiles(Path(cfg.output), cfg.trainer.minibatches, sampler, monitor)],
        sampler=sampler,
        monitor=monitor,
    )
    with warnings.catch_warnings():  # TRL calls a transformers API renamed in 5.x, per step
        warnings.filterwarnings("ignore", "`is_gradient_checkpointing` is deprecated")
        trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    export(trainer, Path(cfg.output), lora)
    if monitor is not None and state.is_main_process:
        announce(monitor.summary())
    state.wait_for_everyone()
    if not state.is_main_process or not eval_tasks:
        return {}
    return heldout_evals(cfg, eval_tasks, Path(cfg.output) / "model")


def export(trainer: CurriculumGRPOTrainer, run_dir: Path, lora: bool) -> None:
    """RUN/model: a plain model folder that transformers and ``mlx_lm.load`` both load.
    With LoRA, peft's adapters go to RUN/adapters and RUN/model holds the merged weights.
    transformers' Trainer turned the KV cache off for training; the exported model gets it
    back, as the base model had it."""
    trainer.accelerator.unwrap_model(trainer.model).config.use_cache = True
    if not lora:
        trainer.save_model(str(run_dir / "model"))
        return
    trainer.save_model(str(run_dir / "adapters"))
    if trainer.accelerator.is_main_process:
        merged = trainer.accelerator.unwrap_model(trainer.model).merge_and_unload()
        merged.save_pretrained(run_dir / "model")
        trainer.processing_class.save_pretrained(run_dir / "model")


def heldout_evals(cfg: TrainConfig, tasks: list[vf.Task], trained: Path) -> dict:
    """The MLX trainer's held-out evaluation of the base model (step 0) and of the trained
    one, appended to RUN/eval.jsonl unless that step has a row. Both run after training, on
    the main process only, so no other process waits on them."""
    path = Path(cfg.output) / "eval.jsonl"
    done = {r["step"] for r in read_rows(path)}  # a resumed run keeps its earlier rows
    log = JsonlLog(path)
    try:
        for step, model_path in ((0, cfg.model.path), (cfg.trainer.steps, str(trained))):
            if step in done:
                continue
            model, tokenizer = load_mlx(model_path)
            result = evaluate(
                model,
                tokenizer,
                tasks,
                cfg.env.eval,
                cfg.sampling.max_tokens,
                seed=cfg.trainer.seed,
            )
            log.write({"step": step, **result})
    finally:
        log.close()
    rows = read_rows(path)
    return {"before": rows[0], "after": rows[-1]}
