"""One GSPO optimizer step: rlnvr's trainer vs TRL (PyTorch) and mlx-lm-lora (MLX), on CPU.

    .venv/bin/python benchmarks/external_step.py [--batch 8] [--length 128] [--repeats 3]
                            [--rounds 5] [--group-size 8] [--torch-threads N]

All sides are timed in turns (a round times each for ``repeats`` steps; the median round
counts), so a busy machine slows them alike. rlnvr's side is ``Trainer.update`` with one
minibatch: as by default (each prompt run once for the rows that share it) and with packed
rows (prompt + completion per row, compiled), the way every other side computes.

Each side takes one policy-loss forward, backward and AdamW update (no generation) on the
bundled rlnvr-tiny weights, with the batch of benchmarks/train_step.py: B sequences of L
random token ids, the last 3/4 of each a completion, random advantages, old log-probs -5.
Each run of ``--group-size`` rows shares its prompt, as the G completions of a rollout
group do in every GRPO/GSPO trainer (``--group-size 1``: no row shares one).

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
(a 2-thread step was ~13x slower than a 1-thread one here while another job held both
cores); ``--torch-threads 1`` avoids that. The default leaves torch's own thread count.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from timing import interleaved

import rlnvr  # noqa: F401  (fast BLAS before mlx)
from rlnvr.trainers.models import load_mlx, resolve

MODEL = "rlnvr-tiny"
LR = 1e-5
EPS_LOW, EPS_HIGH = 3e-4, 4e-4  # GSPO's clip range, as in train_step.py's plain step
OLD_LOGP = -5.0  # train_step.py's rollouts carry log-prob -5 for every completion token
MLX_LORA_BETA = 0.1  # mlx-lm-lora's CLI default KL coefficient

Step = Callable[[], None]


@dataclass(frozen=True)
class Batch:
    prompts: np.ndarray  # (B, P) int
    completions: np.ndarray  # (B, C) int
    advantages: np.ndarray  # (B,) float32


def make_batch(batch: int, length: int, vocab: int, group: int) -> Batch:
    """The draws of train_step.py (seed 0): advantages first, then prompt and completion;
    each run of ``group`` rows shares its prompt, as a rollout group does."""
    rng = np.random.default_rng(0)
    prompt = length // 4
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


def zero_reward(completions: list, **kwargs: Any) -> list[float]:
    return [0.0] * len(completions)


def trl_trainer(folder: str, batch: Batch, workdir: str) -> Any:
    """A GSPO GRPOTrainer on CPU in fp32, its optimizer created, ready for compute_loss."""
    from datasets import Dataset
    from transformers import AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    n = len(batch.advantages)
    config = GRPOConfig(
        output_dir=workdir, use_cpu=True, bf16=False, report_to="none",
        importance_sampling_level="sequence", loss_type="grpo", beta=0.0,
        epsilon=EPS_LOW, epsilon_high=EPS_HIGH, learning_rate=LR,
        per_device_train_batch_size=n, num_generations=n,
        max_completion_length=batch.completions.shape[1], activation_checkpointing=False,
    )
    trainer = GRPOTrainer(
        model=load_torch_model(folder), reward_funcs=zero_reward, args=config,
        train_dataset=Dataset.from_dict({"prompt": ["bench"] * n}),
        processing_class=AutoTokenizer.from_pretrained(folder),
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
    optimizer = torch.optim.AdamW(model.parameters(), lr=LR)

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


def mlx_lora_step(model: Any, ref_model: Any, batch: Batch, beta: float) -> Step:
    """train_grpo's inner ``step`` after generation and rewards, one optimizer update."""
    import mlx.core as mx
    import mlx.nn as nn
    import mlx.optimizers as optim
    from mlx.utils import tree_flatten
    from mlx_lm_lora.trainer.grpo_trainer import _grpo_value_and_grad, grpo_loss
    from mlx_lm_lora.trainer.sft_trainer import average_gradients

    n = len(batch.advantages)
    prompts = [row.tolist() for row in batch.prompts]
    kwargs = dict(
        batch=(prompts, [[]] * n, [""] * n, [""] * n, None),
        completions=[mx.array(row, dtype=mx.int32) for row in batch.completions],
        completion_texts=[""] * n, batch_indices=list(range(n)),
        advantages=mx.array(batch.advantages), reward_metrics=None,
        beta=beta, epsilon=EPS_LOW, epsilon_high=EPS_HIGH, ref_model=ref_model,
        grpo_loss_type="grpo", importance_sampling_level="sequence",
        max_tokens=batch.completions.shape[1],
    )
    optimizer = optim.AdamW(learning_rate=LR)
    loss_value_and_grad = nn.value_and_grad(model, grpo_loss)
    state = [model.state, optimizer.state, mx.random.state]
    model.train()

    def step() -> None:
        # train_grpo splits the rollouts into microbatches of len(prompts) rows each
        (loss, tokens, _), grad = _grpo_value_and_grad(loss_value_and_grad, model, n, **kwargs)
        finite = mx.isfinite(loss) & mx.all(
            mx.stack([mx.all(mx.isfinite(g)) for _, g in tree_flatten(grad)]))
        if not finite.item():
            raise FloatingPointError("non-finite GRPO loss or gradients")
        optimizer.update(model, average_gradients(grad))
        mx.eval(state, loss, tokens)

    return step


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


def set_torch_threads(threads: int) -> int:
    import torch

    if threads > 0:
        torch.set_num_threads(threads)
    return torch.get_num_threads()


def report(name: str, seconds: float, tokens: int) -> None:
    print(f"{name:<46} {seconds:.3f} s/step  {tokens / seconds:>8.0f} tokens/s")


def ours_step(batch: Batch, compile: bool, share: bool) -> Step:
    """rlnvr's own update (the trainer's minibatch step) on the same batch."""
    from rlnvr.trainers.config import TrainConfig
    from rlnvr.trainers.rollout import Rollout
    from rlnvr.trainers.trainer import Trainer

    cfg = {"model": {"path": MODEL}, "trainer": {"minibatches": 1, "learning_rate": LR,
                                                 "compile": compile, "share_prompt": share}}
    trainer = Trainer(TrainConfig.model_validate(cfg))
    samples = [
        (Rollout("bench", p.tolist(), c.tolist(), [OLD_LOGP] * len(c), "", True), float(a))
        for p, c, a in zip(batch.prompts, batch.completions, batch.advantages, strict=True)
    ]
    rng = np.random.default_rng(0)
    return lambda: trainer.update(samples, rng)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--group-size", type=int, default=8,
                        help="rows sharing one prompt (8: one rollout group; 1: none shared)")
    parser.add_argument("--torch-threads", type=int, default=0,
                        help="torch.set_num_threads for the torch sides (0: torch's default)")
    args = parser.parse_args()
    torch_threads = set_torch_threads(args.torch_threads)

    folder = resolve(MODEL)
    model, _ = load_mlx(MODEL)
    batch = make_batch(args.batch, args.length, model.args.vocab_size, args.group_size)
    tokens = args.batch * (args.length - 1)
    ref_model, _ = load_mlx(MODEL)
    ref_model.freeze()  # as mlx-lm-lora's load_reference_model does

    with tempfile.TemporaryDirectory() as workdir:
        trainer = trl_trainer(folder, batch, workdir)
        steps = {
            "trl": trl_step(trainer, trl_inputs(batch)),
            "torch": torch_plain_step(load_torch_model(folder), batch),
            "lora": mlx_lora_step(model, None, batch, beta=0.0),
            "lora_ref": mlx_lora_step(model, ref_model, batch, MLX_LORA_BETA),
            "mlx": mlx_plain_step(model, batch),
            "ours": ours_step(batch, compile=True, share=True),
            "ours_packed": ours_step(batch, compile=True, share=False),
        }
        times = interleaved(steps, args.repeats, args.rounds)

    print(f"batch {args.batch} x {args.length} tokens ({args.group_size} rows per prompt), "
          f"model {MODEL}, median of {args.rounds} interleaved rounds of {args.repeats} steps, "
          f"{torch_threads} torch threads")
    report("TRL GRPOTrainer (GSPO, torch CPU)", times["trl"], tokens)
    report("plain torch GSPO step", times["torch"], tokens)
    report("mlx-lm-lora GRPO (GSPO, beta=0)", times["lora"], tokens)
    report(f"mlx-lm-lora GRPO (GSPO, beta={MLX_LORA_BETA}, ref model)", times["lora_ref"], tokens)
    report("plain MLX GSPO step", times["mlx"], tokens)
    report("rlnvr trainer step (shared prompt, default)", times["ours"], tokens)
    report("rlnvr trainer step (packed rows, compiled)", times["ours_packed"], tokens)
    print(f"TRL / plain torch time:              {times['trl'] / times['torch']:.2f}x")
    print(f"mlx-lm-lora (beta=0) / plain MLX:    {times['lora'] / times['mlx']:.2f}x")
    print(f"mlx-lm-lora (beta=0) / rlnvr:        {times['lora'] / times['ours']:.2f}x "
          "(target >= 1.3x)")
    print(f"rlnvr / plain MLX time:              {times['ours'] / times['mlx']:.2f}x "
          "(target <= 1.1x)")
    print(f"TRL / rlnvr time:                    {times['trl'] / times['ours']:.2f}x")


if __name__ == "__main__":
    main()
