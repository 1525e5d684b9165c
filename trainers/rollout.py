"""Rollouts: G sampled completions per task with mlx_lm's batched generator.

Each completion keeps its token ids and the sampling policy's log-prob of every token,
the stop token included (the policy must learn when to stop). Temperature is applied to
the logits *before* they are normalised, so the stored log-probs are those of the
distribution actually sampled from, and training divides its logits by the same T.
(top-p / top-k truncate that distribution further; their log-probs are not renormalised,
as in most RL trainers.)
"""

from __future__ import annotations

from dataclasses import dataclass

import mlx.core as mx
import mlx.nn as nn
import verifiers.v1 as vf
from mlx_lm.generate import BatchGenerator
from mlx_lm.sample_utils import make_sampler
from pydantic_config import BaseConfig
from verifiers.v1.types import content_text

from rlnvr.trainers.traces import prompt_messages


class SamplingConfig(BaseConfig):
    temperature: float = 1.0
    """Sampling temperature; training divides its logits by the same value."""
    top_p: float = 1.0
    """Nucleus sampling threshold (1.0 = off)."""
    top_k: int = 0
    """Sample among the k most likely tokens (0 = off)."""
    max_tokens: int = 64
    """Most tokens per completion."""


@dataclass(frozen=True)
class Rollout:
    task_key: str
    prompt_ids: list[int]
    completion_ids: list[int]
    logprobs: list[float]
    text: str
    truncated: bool  # hit max_tokens without a stop token


class Tempered(nn.Module):
    """The model with its logits divided by T, so generation and training see one policy."""

    def __init__(self, model: nn.Module, temperature: float) -> None:
        super().__init__()
        self.inner = model
        self.temperature = temperature
        if hasattr(model, "make_cache"):  # models with special caches (sliding window, ...)
            self.make_cache = model.make_cache

    @property
    def layers(self):
        return self.inner.layers

    def __call__(self, inputs: mx.array, cache=None, **kwargs) -> mx.array:
        return self.inner(inputs, cache=cache, **kwargs) / self.temperature


def chat_messages(task: vf.Task) -> list[dict[str, str]]:
    """The task's prompt as plain chat-template messages (what any trainer's template takes)."""
    return [
        {"role": m.role, "content": content_text(m.content)} for m in prompt_messages(task.data)
    ]


def prompt_ids(tokenizer, task: vf.Task) -> list[int]:
    text = tokenizer.apply_chat_template(
        chat_messages(task), add_generation_prompt=True, tokenize=False
    )
    return tokenizer.encode(text, add_special_tokens=False)


def generate_groups(
    model: nn.Module,
    tokenizer,
    tasks: list[vf.Task],
    group_size: int,
    sampling: SamplingConfig,
) -> list[list[Rollout]]:
    """``group_size`` completions for each task, grouped per task in input order."""
    prompts = [prompt_ids(tokenizer, t) for t in tasks]
    flat = [p for p in prompts for _ in range(group_size)]
    stop_ids = set(tokenizer.eos_token_ids)
    if sampling.temperature == 0:  # greedy (evaluation): log-probs are the untempered ones
        policy, sampler = model, make_sampler(temp=0.0)
    else:
        policy = model if sampling.temperature == 1 else Tempered(model, sampling.temperature)
        sampler = make_sampler(temp=1.0, top_p=sampling.top_p, top_k=sampling.top_k)
    gen = BatchGenerator(
        policy,
        stop_tokens=[[t] for t in stop_ids],
        sampler=sampler,
        completion_batch_size=len(flat),
        prefill_batch_size=len(flat),
    )
    uids = gen.insert(flat, [sampling.max_tokens] * len(flat))
    tokens: dict[int, list[int]] = {u: [] for u in uids}
    logprobs: dict[int, list[float]] = {u: [] for u in uids}
    while responses := gen.next_generated():
        for r in responses:
            tokens[r.uid].append(r.token)
            logprobs[r.uid].append(r.logprobs[r.token].item())
    gen.close()
    groups = []
    for i, task in enumerate(tasks):
        group = []
        for uid in uids[i * group_size : (i + 1) * group_size]:
            ids = tokens[uid]
            stopped = bool(ids) and ids[-1] in stop_ids
            text = tokenizer.decode(ids[:-1] if stopped else ids)
            group.append(Rollout(task.key, prompts[i], ids, logprobs[uid], text, not stopped))
        groups.append(group)
    return groups
