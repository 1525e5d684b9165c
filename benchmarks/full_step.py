"""A whole training step, rollouts included: rlnvr's trainer vs mlx-lm-lora's train_grpo vs
TRL's GRPOTrainer, on CPU.

    .venv/bin/python benchmarks/full_step.py [--model rlnvr-tiny] [--lora] [--tasks 4]
        [--group 8] [--max-tokens 64] [--rounds 2] [--torch-threads N]
        [--sides rlnvr,mlx_lm_lora,trl]

One step: sample ``group`` completions (T=1, up to ``--max-tokens``) for each of ``tasks``
prompts, score them, normalise advantages per group, one GSPO optimizer update (AdamW, no
KL term, lr 1e-5). Prompts and reward are the toy taskset's (``rlnvr.tasksets.toy_hackable``:
"Write about the sea." and the like; reward = share of the word "the" in the reply, which
differs within nearly every group at T=1, so no side skips its update), rendered with the
model's chat template on every side. ``--lora`` trains rlnvr's default adapters on every side
(benchmarks/external_step.py: rank 8, the last 16 blocks); otherwise every weight.

- ``rlnvr``: ``Trainer.train_step`` (curriculum draw, ``generate_groups``, the taskset's own
  rewards, groups without signal dropped, ``update`` in one minibatch), the hack monitor off;
- ``mlx_lm_lora``: what train_grpo (mlx-lm-lora 5.10) does per iteration with
  ``batch_size = tasks``: ``generate_grpo`` (its BatchGenerator runs ``batch_size``
  sequences at a time, each group's prompt prefilled once), its reward and advantage code,
  then its step (external_step.mlx_lora_update: microbatches of ``batch_size`` rows, beta 0);
- ``mlx_lm_lora_b1``: the same at its CLI default ``batch_size 1``, where generation runs one
  completion at a time and the step one row at a time: ``tasks`` iterations of one prompt,
  gradients accumulated into one update (``gradient_accumulation_steps = tasks``);
- ``trl``: ``GRPOTrainer.training_step`` (transformers ``generate``, rewards, loss and
  backward), then its optimizer's step; fp32, no activation checkpointing, GSPO settings.

Each round times one step of each side in turn (timing.interleaved_rates); printed: the
median over ``--rounds`` of generated tokens per second of step time, and seconds per step.
Target: rlnvr at least 3x mlx-lm-lora.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from typing import Any

from external_step import LR, add_mlx_lora, mlx_lora_update, trl_trainer
from timing import add_side_options, chosen_sides, interleaved_rates, set_torch_threads

import rlnvr  # noqa: F401  (fast BLAS before mlx)
from rlnvr.rubrics.text import canonical, words
from rlnvr.trainers.config import TrainConfig
from rlnvr.trainers.models import load_mlx, resolve
from rlnvr.trainers.rollout import chat_messages, prompt_ids
from rlnvr.trainers.tasksets import load_tasks

TASKSET = {"id": "rlnvr.tasksets.toy_hackable"}
SIDES = ("rlnvr", "mlx_lm_lora", "mlx_lm_lora_b1", "trl")
Side = Callable[[], int]  # one training step; returns the tokens it generated


def the_share(completions: list, **kwargs: Any) -> list[float]:
    """toy_hackable's reward (the share of "the" among the reply's words) as mlx-lm-lora and
    TRL call a reward function (TRL passes conversational completions as message lists)."""
    out = []
    for completion in completions:
        text = completion if isinstance(completion, str) else completion[-1]["content"]
        tokens = words(canonical(text))
        out.append(tokens.count("the") / len(tokens) if tokens else 0.0)
    return out


def rlnvr_side(args: argparse.Namespace, workdir: str, stats: list[dict]) -> Side:
    from rlnvr.trainers.trainer import Trainer

    cfg = {
        "output": workdir,
        "model": {"path": args.model, "lora": args.lora},
        "sampling": {"max_tokens": args.max_tokens},
        "trainer": {"tasks_per_step": args.tasks, "group_size": args.group, "minibatches": 1,
                    "learning_rate": LR},
        "env": {"taskset": TASKSET},
        "monitor": {"enabled": False},
    }
    trainer = Trainer(TrainConfig.model_validate(cfg))

    def run() -> int:
        row = trainer.train_step()
        stats.append(row)
        return round(row["completion_len"] * args.tasks * args.group)

    return run


def mlx_lm_lora_side(args: argparse.Namespace, tasks: list, batch_size: int) -> Side:
    """train_grpo's iterations with ``batch_size`` prompts each, covering ``tasks`` with
    gradient accumulation (one optimizer update, as its ``gradient_accumulation_steps``)."""
    from mlx_lm_lora.trainer.grpo_trainer import _rollout_rewards, generate_grpo

    model, tokenizer = load_mlx(args.model)
    if args.lora:
        add_mlx_lora(model)
    prompts = [prompt_ids(tokenizer, t) for t in tasks]
    chunks = [prompts[i : i + batch_size] for i in range(0, len(prompts), batch_size)]
    update = mlx_lora_update(model, None, 0.0, args.max_tokens)

    def run() -> int:
        grad, produced = None, 0
        for k, chunk in enumerate(chunks, 1):
            n = len(chunk)
            completions, texts, indices = generate_grpo(
                model, tokenizer, chunk, args.max_tokens, args.group, n, end_token="",
                temperature=1.0, top_p=1.0, top_k=0, min_p=0.0,
            )
            batch = (chunk, [[]] * n, [""] * n, [""] * n, None)
            advantages, _ = _rollout_rewards(batch, texts, indices, [the_share], None)
            grad = update(chunk, completions, indices, advantages, grad, k == len(chunks), k)
            produced += sum(c.size for c in completions)
        return produced

    return run


def trl_side(args: argparse.Namespace, tasks: list, workdir: str) -> Side:
    messages = [chat_messages(t) for t in tasks]
    trainer = trl_trainer(
        resolve(args.model), workdir, rows=len(tasks) * args.group, group=args.group,
        max_tokens=args.max_tokens, lora=args.lora, reward=the_share, prompts=messages,
    )
    rows = [{"prompt": m} for m in messages for _ in range(args.group)]
    model, optimizer = trainer.model, trainer.optimizer

    def run() -> int:
        model.train()
        trainer.training_step(model, rows, None)
        optimizer.step()
        optimizer.zero_grad()
        return int(trainer._buffered_inputs[0]["completion_mask"].sum())

    return run


NAMES = {
    "rlnvr": "rlnvr Trainer.train_step",
    "mlx_lm_lora": "mlx-lm-lora train_grpo, batch_size=tasks",
    "mlx_lm_lora_b1": "mlx-lm-lora train_grpo, batch_size=1",
    "trl": "TRL GRPOTrainer step (torch fp32)",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="rlnvr-tiny")
    parser.add_argument("--lora", action="store_true", help="train LoRA adapters on every side")
    parser.add_argument("--tasks", type=int, default=4)
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2)
    add_side_options(parser, SIDES, "the TRL side")
    args = parser.parse_args()
    sides = chosen_sides(parser, args.sides, SIDES)
    threads = set_torch_threads(args.torch_threads)
    tasks = load_tasks(TASKSET)[: args.tasks]
    stats: list[dict] = []

    with tempfile.TemporaryDirectory() as workdir:
        builders = {
            "rlnvr": lambda: rlnvr_side(args, workdir + "/rlnvr", stats),
            "mlx_lm_lora": lambda: mlx_lm_lora_side(args, tasks, batch_size=len(tasks)),
            "mlx_lm_lora_b1": lambda: mlx_lm_lora_side(args, tasks, batch_size=1),
            "trl": lambda: trl_side(args, tasks, workdir + "/trl"),
        }
        steps = {side: builders[side]() for side in sides}
        rates = interleaved_rates(steps, repeats=1, rounds=args.rounds)

    print(f"{args.tasks} prompts x {args.group} completions, up to {args.max_tokens} new tokens, "
          f"model {args.model}{' LoRA' if args.lora else ''}, one update per step, median of "
          f"{args.rounds} interleaved rounds (after one warm-up step each), {threads} torch "
          "threads")
    for side in sides:
        print(f"{NAMES[side]:<40} {rates[side].per_second:>8.1f} generated tokens/s "
              f"{rates[side].seconds:>7.1f} s/step")
    if stats:
        lengths = sum(r["completion_len"] for r in stats) / len(stats)
        dropped = sum(r["frac_zero_std"] for r in stats) / len(stats)
        print(f"rlnvr: {lengths:.1f} tokens per completion, {dropped:.0%} of groups without "
              "signal (not trained on)")
    targets = {"mlx_lm_lora": " (target >= 3x)", "mlx_lm_lora_b1": " (target >= 3x)"}
    for other in ("mlx_lm_lora", "mlx_lm_lora_b1", "trl"):
        if "rlnvr" in rates and other in rates:
            ratio = rates["rlnvr"].per_second / rates[other].per_second
            print(f"rlnvr / {NAMES[other]}: {ratio:.2f}x tokens/s{targets.get(other, '')}")


if __name__ == "__main__":
    main()
