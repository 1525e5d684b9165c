"""Sampling in phases: each generated token drawn with its phase's temperature, top-p, top-k.

A schedule (:class:`rlnvr.trainers.protocols.PhaseSchedule`) plans the phase of every token;
a taskset that offers schedules (Horace: base, spike and cooldown phases paced by an author's
cadence signature) implements :class:`rlnvr.trainers.protocols.PhasedTaskset`::

    import rlnvr  # first: fast BLAS before mlx
    from rlnvr.trainers.models import load_mlx
    from rlnvr.trainers.phased_sampler import generate_phased
    from rlnvr.trainers.tasksets import load_taskset

    schedule = load_taskset({"id": "rlnvr-horace"}).phase_schedule("Edgar Allan Poe")
    model, tokenizer = load_mlx("rlnvr-tiny")
    out = generate_phased(model, tokenizer, "It was a dark night.", schedule, 200, seed=0)
    out.text, out.phases  # the continuation, and the phase each of its tokens was drawn in

The prompt is raw text after the model's document-start token, as a scorer reads a text.
"""

from __future__ import annotations

from dataclasses import dataclass

from rlnvr.data_pipelines.model_folder import hf_tokenizer, start_token_id
from rlnvr.trainers.protocols import PhaseSchedule


@dataclass(frozen=True)
class PhaseSampling:
    temperature: float
    top_p: float = 1.0
    top_k: int = 0


@dataclass(frozen=True)
class PlainSchedule:
    """One phase for every token: ordinary sampling, through the same code path."""

    base: PhaseSampling

    def phases(self, n: int, seed: int = 0) -> list[str]:
        return ["base"] * n

    def sampling(self, phase: str) -> PhaseSampling:
        return self.base


@dataclass(frozen=True)
class PhasedText:
    """A continuation and, per generated token, the phase it was drawn in."""

    text: str
    token_ids: list[int]
    phases: list[str]
    finish_reason: str  # "stop" (end-of-text token) or "length"


def prompt_ids(tokenizer, prompt: str) -> list[int]:
    """``prompt``'s tokens after the document-start token."""
    ids = hf_tokenizer(tokenizer).encode(prompt, add_special_tokens=False)
    start = start_token_id(tokenizer)
    return ids if start is None else [start, *ids]


def generate_phased(
    model, tokenizer, prompt: str, schedule: PhaseSchedule, max_tokens: int = 200, seed: int = 0
) -> PhasedText:
    """Continue ``prompt`` (raw text, no chat template) with ``schedule``'s phases.

    One mlx_lm sampler per phase; a wrapper picks the phase from the plan of
    ``schedule.phases`` (``seed`` also seeds the plan). mlx_lm's ``generate_step`` draws one
    token ahead of the one it yields, so the phase log is cut to the tokens actually returned.
    Same ``seed``, same text.
    """
    import mlx.core as mx
    from mlx_lm.generate import generate_step
    from mlx_lm.sample_utils import make_sampler

    plan = schedule.phases(max_tokens + 1, seed)
    samplers = {}
    for name in dict.fromkeys(plan):
        p = schedule.sampling(name)
        samplers[name] = make_sampler(temp=p.temperature, top_p=p.top_p, top_k=p.top_k)
    phases: list[str] = []

    def sampler(logprobs: mx.array) -> mx.array:
        phase = plan[min(len(phases), max_tokens)]
        phases.append(phase)
        return samplers[phase](logprobs)

    mx.random.seed(seed)
    eos = set(tokenizer.eos_token_ids)
    tokens: list[int] = []
    finish = "length"
    inputs = mx.array(prompt_ids(tokenizer, prompt))
    for token, _ in generate_step(inputs, model, max_tokens=max_tokens, sampler=sampler):
        if token in eos:
            finish = "stop"
            break
        tokens.append(int(token))
    return PhasedText(tokenizer.decode(tokens), tokens, phases[: len(tokens)], finish)
