"""Log-probs of a group's completions with their shared prompt run once.

The G completions of a rollout group share one prompt. Packing each as prompt + completion
runs the prompt through every layer G times; for Varro (about 900 prompt tokens, 128
completion tokens) that is most of an update's work. Here the prompt, minus its last token,
runs once as a batch of one; its per-layer keys and values are broadcast to the G rows, which
then run only [last prompt token, completion[:-1]] against them. The gradient flows back
through the broadcast (summed over the rows) into the prompt pass, so values and gradients
equal the packed forward's (tested to fp32 rounding).

It works for mlx_lm models whose attention layers take a ``cache`` with ``offset``,
``update_and_fetch`` and ``make_mask`` (Llama, Qwen2/3, Mistral: ``gspo.plain_head``).
"""

from __future__ import annotations

from dataclasses import dataclass

import mlx.core as mx
import numpy as np

from rlnvr.trainers.gspo import lm_head, token_logprobs
from rlnvr.trainers.rollout import Rollout


class _Capture:
    """Stands in for a layer's KV cache in the prompt pass: keeps the keys and values."""

    offset = 0

    def update_and_fetch(self, keys: mx.array, values: mx.array) -> tuple[mx.array, mx.array]:
        self.keys, self.values = keys, values
        return keys, values

    def make_mask(self, n: int, return_array: bool = False, window_size=None):
        return "causal" if n > 1 else None


class _Prefix:
    """Stands in for a layer's KV cache in the completion pass: the prompt's keys and
    values, broadcast to every row, in front of the row's own."""

    def __init__(self, capture: _Capture) -> None:
        self.keys, self.values = capture.keys, capture.values
        self.offset = capture.keys.shape[2]

    def update_and_fetch(self, keys: mx.array, values: mx.array) -> tuple[mx.array, mx.array]:
        rows = keys.shape[0]

        def joined(prefix: mx.array, own: mx.array) -> mx.array:
            return mx.concatenate([mx.broadcast_to(prefix, (rows, *prefix.shape[1:])), own], 2)

        return joined(self.keys, keys), joined(self.values, values)

    def make_mask(self, n: int, return_array: bool = False, window_size=None) -> mx.array:
        """Every row sees the whole prompt, and its own tokens causally."""
        return mx.arange(self.offset + n)[None] <= (self.offset + mx.arange(n))[:, None]


def group_logprobs(
    model, prompt: mx.array, completions: mx.array, temperature: float = 1.0
) -> mx.array:
    """log pi(completions[i, t]) for one prompt (P,) and right-padded completions (G, C)."""
    rows = completions.shape[0]
    first = mx.broadcast_to(prompt[-1:], (rows, 1))
    inputs = mx.concatenate([first, completions[:, :-1]], axis=1)
    cache = None
    if prompt.shape[0] > 1:
        captures = [_Capture() for _ in model.layers]
        model.model(prompt[None, :-1], cache=captures)
        cache = [_Prefix(c) for c in captures]
    hidden = model.model(inputs, cache=cache)
    return token_logprobs(lm_head(model, hidden), completions, temperature)


@dataclass
class PromptGroups:
    """A minibatch as (prompt, right-padded completions) per distinct prompt; ``rows`` maps
    each group's rows back to the minibatch's sample order."""

    prompts: list[mx.array]
    completions: list[mx.array]
    rows: list[np.ndarray]
    width: int  # the longest completion


def prompt_groups(prompts: list[list[int]], completions: list[list[int]], pad_id: int):
    """Bucket samples by identical prompt ids (a rollout group, or part of one)."""
    buckets: dict[tuple[int, ...], list[int]] = {}
    for i, prompt in enumerate(prompts):
        buckets.setdefault(tuple(prompt), []).append(i)
    width = max(len(c) for c in completions)
    out = PromptGroups([], [], [], width)
    for prompt, rows in buckets.items():
        longest = max(len(completions[i]) for i in rows)
        block = np.full((len(rows), longest), pad_id, dtype=np.int32)
        for j, i in enumerate(rows):
            block[j, : len(completions[i])] = completions[i]
        out.prompts.append(mx.array(np.asarray(prompt, dtype=np.int32)))
        out.completions.append(mx.array(block))
        out.rows.append(np.asarray(rows))
    return out


@dataclass
class SharedBatch:
    """A minibatch for the shared-prompt forward; ``old`` and ``mask`` are (B, width),
    aligned with the completions (``start`` is 0: the trainer's packed batches slice theirs)."""

    groups: PromptGroups
    old: mx.array
    mask: mx.array
    advantages: mx.array
    start: int = 0


def build_shared_batch(samples: list[tuple[Rollout, float]], pad_id: int) -> SharedBatch:
    rollouts = [r for r, _ in samples]
    groups = prompt_groups(
        [r.prompt_ids for r in rollouts], [r.completion_ids for r in rollouts], pad_id
    )
    old = np.zeros((len(rollouts), groups.width), dtype=np.float32)
    mask = np.zeros_like(old)
    for i, r in enumerate(rollouts):
        old[i, : len(r.logprobs)] = r.logprobs
        mask[i, : len(r.completion_ids)] = 1
    advantages = np.array([a for _, a in samples], dtype=np.float32)
    return SharedBatch(groups, mx.array(old), mx.array(mask), mx.array(advantages))


def batch_logprobs(model, groups: PromptGroups, temperature: float = 1.0) -> mx.array:
    """(B, width) completion log-probs in the minibatch's sample order (0 past each end)."""
    parts, order = [], np.concatenate(groups.rows)
    for prompt, block in zip(groups.prompts, groups.completions, strict=True):
        logp = group_logprobs(model, prompt, block, temperature)
        parts.append(mx.pad(logp, [(0, 0), (0, groups.width - logp.shape[1])]))
    stacked = mx.concatenate(parts, axis=0)
    return stacked[mx.array(np.argsort(order))]
