"""GSPO (Qwen, arXiv 2507.18071) and GRPO policy losses, with group advantages.

Notation per completion i of a group of G for one task: reward r_i, completion tokens y_it
(masked), log-probs under the current policy (logp) and the sampling policy (old).

    A_i   = (r_i - mean r) / (std r + eps)                                  group advantage
    s_i   = exp(mean_t [logp_it - old_it])                      GSPO: one ratio per sequence
    L     = -mean_i min(s_i A_i, clip(s_i, 1 - eps_low, 1 + eps_high) A_i)
    GRPO  : the same with a ratio per token, averaged over each sequence's tokens first.

With one optimiser step per rollout batch every ratio is exactly 1; they matter once a batch
is split into several minibatch steps, or when rollouts are scored a day later (Varro).
An optional k3 estimate of KL(pi || ref), exp(ref - logp) - (ref - logp) - 1 per token,
leashes the policy to a reference (for LoRA: the same model with adapters switched off).
"""

from __future__ import annotations

from typing import Literal

import mlx.core as mx
import numpy as np
from pydantic_config import BaseConfig


class LossConfig(BaseConfig):
    kind: Literal["gspo", "grpo"] = "gspo"
    """gspo: one length-normalised ratio per sequence; grpo: a ratio per token (ablation)."""
    eps_low: float = 3e-4
    """GSPO lower clip (GRPO uses 0.2)."""
    eps_high: float = 4e-4
    """GSPO upper clip (GRPO uses 0.28)."""
    kl_beta: float = 0.0
    """Weight of the k3 KL leash to the reference (0 = off; LoRA reference = adapters off)."""


GRPO_CLIP = (0.2, 0.28)


def group_advantages(rewards: np.ndarray, eps: float = 1e-4) -> np.ndarray:
    """``rewards`` has shape (groups, G); each row is normalised on its own."""
    mean = rewards.mean(axis=1, keepdims=True)
    std = rewards.std(axis=1, keepdims=True)
    return (rewards - mean) / (std + eps)


def informative_groups(rewards: np.ndarray, tol: float = 1e-8) -> np.ndarray:
    """Boolean mask of groups whose rewards differ: a constant group carries no signal."""
    return rewards.std(axis=1) > tol


# Architectures whose forward is exactly ``head(model.model(x))``: for them the vocabulary
# projection, a large share of a small model's step, can skip the prompt positions.
PLAIN_HEAD_MODELS = {"qwen2", "qwen3", "llama", "mistral"}


def completion_logprobs(
    model, inputs: mx.array, targets: mx.array, start: int, temperature: float = 1.0
) -> mx.array:
    """log pi(targets[:, start:]) given ``inputs``; positions before ``start`` (the prompt,
    which carries no loss) skip the LM head where the architecture allows it."""
    if not plain_head(model):
        return token_logprobs(model(inputs)[:, start:], targets[:, start:], temperature)
    hidden = model.model(inputs)[:, start:]
    return token_logprobs(lm_head(model, hidden), targets[:, start:], temperature)


def plain_head(model) -> bool:
    """Whether ``model``'s forward is ``head(model.model(x))`` with a standard KV-cache
    interface (what skipping prompt positions and sharing prompts rely on)."""
    return getattr(model, "model_type", None) in PLAIN_HEAD_MODELS


def lm_head(model, hidden: mx.array) -> mx.array:
    """The vocabulary projection of a ``PLAIN_HEAD_MODELS`` model (tied or not)."""
    if hasattr(model, "lm_head"):
        return model.lm_head(hidden)
    return model.model.embed_tokens.as_linear(hidden)


def token_logprobs(logits: mx.array, targets: mx.array, temperature: float = 1.0) -> mx.array:
    """log pi(target) under softmax(logits / T), shape (B, L).

    The normaliser is log(sum(exp(logits - max))) with the max held constant, not
    ``mx.logsumexp``: the same value (the shift cancels), and on CPU its backward pass is
    about half the cost, a sizeable share of a small model's step (measured in
    benchmarks/train_step.py)."""
    logits = logits.astype(mx.float32) / temperature
    logits = logits - mx.stop_gradient(logits.max(axis=-1, keepdims=True))
    picked = mx.take_along_axis(logits, targets[..., None], axis=-1).squeeze(-1)
    return picked - mx.log(mx.exp(logits).sum(axis=-1))


def _clipped(ratio: mx.array, adv: mx.array, low: float, high: float):
    clipped = mx.clip(ratio, 1 - low, 1 + high)
    loss = -mx.minimum(ratio * adv, clipped * adv)
    active = (ratio * adv > clipped * adv).astype(mx.float32)  # the clip bound is binding
    return loss, active


def policy_loss(
    logp: mx.array,
    old: mx.array,
    mask: mx.array,
    advantages: mx.array,
    cfg: LossConfig,
    ref: mx.array | None = None,
) -> tuple[mx.array, dict[str, mx.array]]:
    """Loss over a minibatch of B completions; ``logp``, ``old``, ``mask``: (B, L)."""
    mask = mask.astype(mx.float32)
    lengths = mx.maximum(mask.sum(axis=1), 1.0)
    delta = (logp - old) * mask
    if cfg.kind == "gspo":
        ratio = mx.exp(delta.sum(axis=1) / lengths)
        per_seq, active = _clipped(ratio, advantages, cfg.eps_low, cfg.eps_high)
        clip_frac = active.mean()
    else:
        ratio = mx.exp(delta)
        per_tok, active = _clipped(ratio, advantages[:, None], *GRPO_CLIP)
        per_seq = (per_tok * mask).sum(axis=1) / lengths
        clip_frac = (active * mask).sum() / mask.sum()
    loss = per_seq.mean()
    stats = {"clip_frac": clip_frac, "log_ratio": (delta.sum(axis=1) / lengths).mean()}
    if ref is not None:
        diff = (ref - logp) * mask
        kl = ((mx.exp(diff) - diff - 1) * mask).sum(axis=1) / lengths
        stats["kl"] = kl.mean()
        loss = loss + cfg.kl_beta * kl.mean()
    return loss, stats
