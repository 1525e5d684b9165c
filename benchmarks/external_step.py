"""One GSPO optimizer step: rlnvr's trainer vs TRL (PyTorch) and mlx-lm-lora (MLX), on CPU.

    .venv/bin/python benchmarks/external_step.py [--model rlnvr-tiny] [--lora] [--batch 8]
        [--length 128] [--prompt L/4] [--repeats 3] [--rounds 5] [--group-size 8]
        [--torch-threads N] [--sides trl,torch,lora,lora_ref,mlx,ours,ours_packed]

All sides are timed in turns (a round times each for ``repeats`` steps; the median round
counts), so a busy machine slows them alike. rlnvr's side is ``Trainer.update`` with one
minibatch: as by default (each prompt run once for the rows that share it) and with packed
rows (prompt + completion per row, compiled), the way every other side computes.

Each side takes one policy-loss forward, backward and AdamW update (no generation) on the
same weights (``--model``: the bundled rlnvr-tiny by default, or e.g. smollm2-135m), with the
batch of benchmarks/train_step.py: B sequences of L random token ids, the first ``--prompt``
(L/4 unless given) a prompt and the rest a completion, random advantages, old log-probs -5.
Each run of ``--group-size`` rows shares its prompt, as the G completions of a rollout
group do in every GRPO/GSPO trainer (``--group-size 1``: no row shares one).

``--lora`` trains LoRA adapters instead of every weight, on every side alike: rlnvr's
defaults (rank 8, scale 20, every linear layer of the last 16 blocks, as mlx_lm's
``linear_to_lora_layers`` puts them; peft's ``LoraConfig`` with the same modules, rank and
scale on the torch sides). The issue's LoRA comparison on the real model:

    .venv/bin/python benchmarks/external_step.py --model smollm2-135m --lora --batch 32 \
        --length 214 --prompt 150 --repeats 1 --rounds 3 --sides lora,ours

(32 completions of 64 tokens, 8 per 150-token prompt). ``--sides`` picks which of the
sides below run (each loads what it needs; on a 135M model each costs seconds a step).

- TRL ``GRPOTrainer`` with ``importance_sampling_level="sequence"`` and ``loss_type="grpo"``
  (GSPO as the paper has it), fp32, no activation checkpointing (GRPOConfig turns it on);
  timed: ``trainer.compute_loss`` on an already-generated inputs dict, ``backward``, then the
  trainer's own optimizer (fused AdamW) ``step`` and ``zero_grad``.
- mlx-lm-lora's GRPO step as ``train_grpo`` runs it after generation: ``grpo_loss`` through
  ``nn.value_and_grad`` in its microbatch loop, the finite-gradient check, the optimizer
  update. Its loss is always on-policy (the ratio is ``exp(logp - stop_gradient(logp))``, no
  old log-probs), so only the advantages are fed. Timed twice: beta=0 (like ours and TRL's
  default) and its CLI default beta=0.1, which adds a forward pass of a frozen reference copy.

References: the same GSPO loss written in a few lines of torch (AdamW) and of MLX (AdamW,
as the plain step of benchmarks/train_step.py). Tokens/s counts B x (L-1) per step.
On a machine shared with other busy processes, torch's OpenMP threads stall each other
(timing.set_torch_threads); ``--torch-threads 1`` avoids that. The default leaves torch's
own thread count.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from timing import add_side_options, chosen_sides, interleaved, set_torch_threads

import rlnvr  # noqa: F401  (fast BLAS before mlx)
from rlnvr.trainers.config import ModelConfig
from rlnvr.trainers.models import load_mlx, resolve

LR = 1e-5
EPS_LOW, EPS_HIGH = 3e-4, 4e-4  # GSPO's clip range, as in train_step.py's plain step
OLD_LOGP = -5.0  # train_step.py's rollouts carry log-prob -5 for every completion token
MLX_LORA_BETA = 0.1  # mlx-lm-lora's CLI default KL coefficient
LORA = ModelConfig()  # rlnvr's LoRA defaults (rank, scale, layers), used on every side
SIDES = ("trl", "torch", "lora", "lora_ref", "mlx", "ours", "ours_packed")

Step = Callable[[], None]


@dataclass(frozen=True)
class Batch:
    prompts: np.ndarray  # (B, P) int
    completions: np.ndarray  # (B, C) int
    advantages: np.ndarray  # (B,) float32


def make_batch(batch: int, length: int, vocab: int, group: int, prompt: int) -> Batch:
    """The draws of train_step.py (seed 0): advantages first, then prompt and completion;
    each run of ``group`` rows shares its prompt, as a rollout group does."""
    rng = np.random.default_rng(0)
    advantages = rng.standard_normal(batch).astype(np.float32)
    rows, ids = [], None
    for i in range(batch):
        ids = rng.integers(0, vocab, prompt) if i % group == 0 else ids
        rows.append((ids, rng.integers(0, vocab, length - prompt)))
    return Batch(np.stack([p for p, _ in rows]), np.stack([c for _, c in rows]), advantages)


# --- PyTorch: TRL and a plain reference ---------------------------------------------------


def load_torch_model(folder: str) -> Any:
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
    model.train()
    return model


def peft_lora(model: Any) -> Any:
    """peft's LoraConfig matching mlx_lm's adapters: every linear layer of the last
    ``LORA.lora_layers`` blocks, rank ``lora_rank``, scale ``lora_scale`` (alpha = scale x r)."""
    from peft import LoraConfig

    layers = model.config.num_hidden_layers
    linear = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
    return LoraConfig(
        r=LORA.lora_rank, lora_alpha=LORA.lora_scale * LORA.lora_rank, lora_dropout=0.0,
        target_modules=linear,
        layers_to_transform=list(range(max(layers - LORA.lora_layers, 0), layers)),
    )


def zero_reward(completions: list, **kwargs: Any) -> list[float]:
    return [0.0] * len(completions)


def trl_trainer(
    folder: str, workdir: str, *, rows: int, group: int, max_tokens: int, lora: bool = False,
    reward: Callable[..., list[float]] = zero_reward, prompts: list | None = None,
) -> Any:
    """A GSPO GRPOTrainer on CPU in fp32 (LoRA through peft), its optimizer created: ready
    for compute_loss on ready-made inputs, or for training_step on ``rows`` dataset rows
    (``rows // group`` prompts of ``prompts``, each ``group`` times; it generates with
    transformers' ``generate``, up to ``max_tokens`` per completion)."""
    from datasets import Dataset
    from transformers import AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    config = GRPOConfig(
        output_dir=workdir, use_cpu=True, bf16=False, report_to="none",
        importance_sampling_level="sequence", loss_type="grpo", beta=0.0,
        epsilon=EPS_LOW, epsilon_high=EPS_HIGH, learning_rate=LR,
        per_device_train_batch_size=rows, num_generations=group,
        max_completion_length=max_tokens, activation_checkpointing=False,
    )
    model = load_torch_model(folder)
    trainer = GRPOTrainer(
        model=model, reward_funcs=reward, args=config,
        train_dataset=Dataset.from_dict({"prompt": prompts or ["bench"] * rows}),
        processing_class=AutoTokenizer.from_pretrained(folder),
        peft_config=peft_lora(model) if lora else None,
    )
    trainer.current_gradient_accumulation_steps = 1  # set by Trainer.train's loop otherwise
    trainer.create_optimizer()
    return trainer


def trl_inputs(batch: Batch) -> dict[str, Any]:
    """What _generate_and_score_completions hands to compute_loss, for fixed completions."""
    import torch

    prompt_ids = torch.from_numpy(batch.prompts).long()
    completion_ids = torch.from_numpy(batch.completions).long()
    completion_mask = torch.ones_like(completion_ids)
    return {
        "prompt_ids": prompt_ids,
        "prompt_mask": torch.ones_like(prompt_ids),
        "completion_ids": completion_ids,
        "completion_mask": completion_mask,
        "advantages": torch.from_numpy(batch.advantages),
        "num_items_in_batch": completion_mask.sum(),
        "old_per_token_logps": torch.full(completion_ids.shape, OLD_LOGP),
    }


def trl_step(trainer: Any, inputs: dict[str, Any]) -> Step:
    model, optimizer = trainer.model, trainer.optimizer

    def step() -> None:
        loss = trainer.compute_loss(model, inputs)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

    return step


def torch_plain_step(model: Any, batch: Batch) -> Step:
    """The reference: GSPO in a few lines of torch, logits for every position like the MLX one."""
    import torch

    ids = torch.from_numpy(np.concatenate([batch.prompts, batch.completions], 1)).long()
    inputs, targets = ids[:, :-1], ids[:, 1:]
    mask = torch.zeros(inputs.shape)
    mask[:, batch.prompts.shape[1] - 1:] = 1
    old = OLD_LOGP * mask
    adv = torch.from_numpy(batch.advantages)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=LR)

    def step() -> None:
        logits = model(input_ids=inputs).logits.float()
        logp = logits.log_softmax(-1).gather(-1, targets[..., None]).squeeze(-1)
        ratio = torch.exp(((logp - old) * mask).sum(1) / mask.sum(1))
        clipped = ratio.clamp(1 - EPS_LOW, 1 + EPS_HIGH)
        loss = -torch.minimum(ratio * adv, clipped * adv).mean()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

    return step


# --- MLX: mlx-lm-lora and a plain reference -----------------------------------------------


def add_mlx_lora(model: Any) -> None:
    """Freeze the weights and add rlnvr's default adapters, as its trainer does."""
    from mlx_lm.tuner.utils import linear_to_lora_layers

    model.freeze()
    linear_to_lora_layers(
        model, min(LORA.lora_layers, len(model.layers)),
        {"rank": LORA.lora_rank, "scale": LORA.lora_scale, "dropout": 0.0},
    )


Update = Callable[..., Any]


def mlx_lora_update(model: Any, ref_model: Any, beta: float, max_tokens: int) -> Update:
    """train_grpo's inner ``step`` after generation and rewards:
    ``update(prompts, completions, batch_indices, advantages, prev_grad=None, do_update=True,
    count=1)``, where completion i answers ``prompts[batch_indices[i]]``; like train_grpo, in
    microbatches of len(prompts) rows, adding ``prev_grad`` (gradient accumulation), and
    either updating with the gradient averaged over ``count`` iterations or returning it."""
    import mlx.core as mx
    import mlx.nn as nn
    import mlx.optimizers as optim
    from mlx.utils import tree_flatten, tree_map
    from mlx_lm_lora.trainer.grpo_trainer import _grpo_value_and_grad, grpo_loss
    from mlx_lm_lora.trainer.sft_trainer import average_gradients

    optimizer = optim.AdamW(learning_rate=LR)
    loss_value_and_grad = nn.value_and_grad(model, grpo_loss)
    state = [model.state, optimizer.state, mx.random.state]
    model.train()

    def update(prompts: list[list[int]], completions: list, indices: list[int], advantages,
               prev_grad: Any = None, do_update: bool = True, count: int = 1) -> Any:
        p, n = len(prompts), len(completions)
        (loss, tokens, _), grad = _grpo_value_and_grad(
            loss_value_and_grad, model, p,
            batch=(prompts, [[]] * p, [""] * p, [""] * p, None), completions=completions,
            completion_texts=[""] * n, batch_indices=indices, advantages=advantages,
            reward_metrics=None, beta=beta, epsilon=EPS_LOW, epsilon_high=EPS_HIGH,
            ref_model=ref_model, grpo_loss_type="grpo", importance_sampling_level="sequence",
            max_tokens=max_tokens,
        )
        if prev_grad is not None:
            grad = tree_map(lambda x, y: x + y, grad, prev_grad)
        finite = mx.isfinite(loss) & mx.all(
            mx.stack([mx.all(mx.isfinite(g)) for _, g in tree_flatten(grad)]))
        if not finite.item():
            raise FloatingPointError("non-finite GRPO loss or gradients")
        if do_update:
            grad = average_gradients(grad)
            if count > 1:
                grad = tree_map(lambda x: x / count, grad)
            optimizer.update(model, grad)
            grad = None
        mx.eval(state, loss, tokens, grad)
        return grad

    return update


def mlx_lora_step(model: Any, ref_model: Any, batch: Batch, beta: float) -> Step:
    """:func:`mlx_lora_update` on the fixed batch, each row passed as its own prompt, so
    all rows go in one microbatch (train_grpo would run len(unique prompts) rows at a time:
    this gives it its largest, fastest matmuls)."""
    import mlx.core as mx

    update = mlx_lora_update(model, ref_model, beta, batch.completions.shape[1])
    n = len(batch.advantages)
    prompts = [row.tolist() for row in batch.prompts]
    completions = [mx.array(row, dtype=mx.int32) for row in batch.completions]
    advantages = mx.array(batch.advantages)
    return lambda: update(prompts, completions, list(range(n)), advantages)


def mlx_plain_step(model: Any, batch: Batch) -> Step:
    """The reference: train_step.py's plain MLX GSPO step."""
    import mlx.core as mx
    import mlx.nn as nn
    import mlx.optimizers as optim

    ids = np.concatenate([batch.prompts, batch.completions], 1).astype(np.int32)
    mask_np = np.zeros((ids.shape[0], ids.shape[1] - 1), dtype=np.float32)
    mask_np[:, batch.prompts.shape[1] - 1:] = 1
    inputs, targets = mx.array(ids[:, :-1]), mx.array(ids[:, 1:])
    mask, adv = mx.array(mask_np), mx.array(batch.advantages)
    old = OLD_LOGP * mask

    def loss_fn(model: Any) -> mx.array:
        logits = model(inputs).astype(mx.float32)
        logp = mx.take_along_axis(logits, targets[..., None], -1).squeeze(-1)
        logp = logp - mx.logsumexp(logits, axis=-1)
        ratio = mx.exp(((logp - old) * mask).sum(1) / mask.sum(1))
        clipped = mx.clip(ratio, 1 - EPS_LOW, 1 + EPS_HIGH)
        return -mx.minimum(ratio * adv, clipped * adv).mean()

    optimizer = optim.AdamW(learning_rate=LR)
    grad_fn = nn.value_and_grad(model, loss_fn)

    def step() -> None:
        loss, grads = grad_fn(model)
        optimizer.update(model, grads)
        mx.eval(model.parameters(), optimizer.state, loss)

    return step


# --- main ---------------------------------------------------------------------------------


def report(name: str, seconds: float, tokens: int) -> None:
    print(f"{name:<46} {seconds:.3f} s/step  {tokens / seconds:>8.0f} tokens/s")


def ours_step(model: str, lora: bool, batch: Batch, compile: bool, share: bool) -> Step:
    """rlnvr's own update (the trainer's minibatch step) on the same batch."""
    from rlnvr.trainers.config import TrainConfig
    from rlnvr.trainers.rollout import Rollout
    from rlnvr.trainers.trainer import Trainer

    cfg = {"model": {"path": model, "lora": lora},
           "trainer": {"minibatches": 1, "learning_rate": LR, "compile": compile,
                       "shared_prompt": share}}
    trainer = Trainer(TrainConfig.model_validate(cfg))
    samples = [
        (Rollout("bench", p.tolist(), c.tolist(), [OLD_LOGP] * len(c), "", True), float(a))
        for p, c, a in zip(batch.prompts, batch.completions, batch.advantages, strict=True)
    ]
    rng = np.random.default_rng(0)
    return lambda: trainer.update(samples, rng)


def build_steps(args: argparse.Namespace, sides: list[str], workdir: str) -> tuple[dict, Batch]:
    """The selected sides' steps; each model is loaded only if a selected side needs it."""
    folder = resolve(args.model)
    model, _ = load_mlx(args.model)
    prompt = args.length // 4 if args.prompt is None else args.prompt
    batch = make_batch(args.batch, args.length, model.args.vocab_size, args.group_size, prompt)
    if args.lora:
        add_mlx_lora(model)

    def reference() -> Any:
        ref_model, _ = load_mlx(args.model)
        ref_model.freeze()  # as mlx-lm-lora's load_reference_model does
        return ref_model

    def torch_model() -> Any:
        net = load_torch_model(folder)
        if not args.lora:
            return net
        from peft import get_peft_model

        return get_peft_model(net, peft_lora(net))

    builders: dict[str, Callable[[], Step]] = {
        "trl": lambda: trl_step(trl_trainer(folder, workdir, rows=args.batch, group=args.batch,
                                            max_tokens=batch.completions.shape[1],
                                            lora=args.lora), trl_inputs(batch)),
        "torch": lambda: torch_plain_step(torch_model(), batch),
        "lora": lambda: mlx_lora_step(model, None, batch, beta=0.0),
        "lora_ref": lambda: mlx_lora_step(model, reference(), batch, MLX_LORA_BETA),
        "mlx": lambda: mlx_plain_step(model, batch),
        "ours": lambda: ours_step(args.model, args.lora, batch, compile=True, share=True),
        "ours_packed": lambda: ours_step(args.model, args.lora, batch, compile=True, share=False),
    }
    return {side: builders[side]() for side in sides}, batch


NAMES = {
    "trl": "TRL GRPOTrainer (GSPO, torch CPU)",
    "torch": "plain torch GSPO step",
    "lora": "mlx-lm-lora GRPO (GSPO, beta=0)",
    "lora_ref": f"mlx-lm-lora GRPO (GSPO, beta={MLX_LORA_BETA}, ref model)",
    "mlx": "plain MLX GSPO step",
    "ours": "rlnvr trainer step (shared prompt, default)",
    "ours_packed": "rlnvr trainer step (packed rows, compiled)",
}
# (numerator, denominator, label, target): time ratios printed when both sides ran
RATIOS = [
    ("trl", "torch", "TRL / plain torch time", ""),
    ("lora", "mlx", "mlx-lm-lora (beta=0) / plain MLX", ""),
    ("lora", "ours", "mlx-lm-lora (beta=0) / rlnvr", "(target >= 1.3x)"),
    ("ours", "mlx", "rlnvr / plain MLX time", "(target <= 1.1x)"),
    ("trl", "ours", "TRL / rlnvr time", ""),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="rlnvr-tiny")
    parser.add_argument("--lora", action="store_true",
                        help="train LoRA adapters (rank 8, last 16 blocks) on every side")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--prompt", type=int, default=None,
                        help="prompt tokens of each row (default: length // 4)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--group-size", type=int, default=8,
                        help="rows sharing one prompt (8: one rollout group; 1: none shared)")
    add_side_options(parser, SIDES, "the torch sides")
    args = parser.parse_args()
    sides = chosen_sides(parser, args.sides, SIDES)
    torch_threads = set_torch_threads(args.torch_threads)

    with tempfile.TemporaryDirectory() as workdir:
        steps, batch = build_steps(args, sides, workdir)
        times = interleaved(steps, args.repeats, args.rounds)

    tokens = args.batch * (args.length - 1)
    print(f"batch {args.batch} x {args.length} tokens (prompt {batch.prompts.shape[1]}, "
          f"{args.group_size} rows per prompt), model {args.model}"
          f"{' LoRA' if args.lora else ''}, median of {args.rounds} interleaved rounds of "
          f"{args.repeats} steps, {torch_threads} torch threads")
    for side in sides:
        report(NAMES[side], times[side], tokens)
    for num, den, label, target in RATIOS:
        if num in times and den in times:
            print(f"{label + ':':<37}{times[num] / times[den]:.2f}x {target}".rstrip())


if __name__ == "__main__":
    main()
