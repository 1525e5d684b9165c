"""Before and after: the same tasks, each model's reply, scored by the tasks' own rewards.

A mean reward that goes up can hide a policy that found a hack. Reading what a base and a
trained model actually write on the same held-out tasks, next to every reward component,
shows what training changed. Nothing here is specific to a taskset.

Models are loaded one at a time (a loader per name), so a comparison needs the memory of
one model, and every model samples from the same seed.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import mlx.core as mx
import numpy as np
import verifiers.v1 as vf

from rlnvr.trainers.rollout import SamplingConfig, generate_groups
from rlnvr.trainers.scoring import score_groups
from rlnvr.trainers.traces import Score

Loader = Callable[[], tuple[Any, Any]]  # () -> (model, tokenizer)


@dataclass(frozen=True)
class Reply:
    text: str
    score: Score
    truncated: bool  # hit max_tokens before a stop token


@dataclass(frozen=True)
class Comparison:
    tasks: list[vf.Task]
    replies: dict[str, list[Reply]]  # model name -> its reply to each task, in task order

    def mean_reward(self, name: str) -> float:
        return float(np.mean([r.score.reward for r in self.replies[name]]))

    def mean_component(self, name: str, component: str) -> float:
        return float(np.mean([r.score.rewards.get(component, 0.0) for r in self.replies[name]]))


def pick_tasks(tasks: Sequence[vf.Task], n: int, seed: int) -> list[vf.Task]:
    """``n`` of ``tasks`` chosen by ``seed``, kept in their original order."""
    chosen = sorted(random.Random(seed).sample(range(len(tasks)), min(n, len(tasks))))
    return [tasks[i] for i in chosen]


def compare(
    models: Mapping[str, Loader],
    tasks: Sequence[vf.Task],
    sampling: SamplingConfig,
    seed: int = 0,
) -> Comparison:
    """One reply per model per task (each model from ``seed``), scored by the task."""
    tasks = list(tasks)
    replies: dict[str, list[Reply]] = {}
    for name, load in models.items():
        model, tokenizer = load()
        mx.random.seed(seed)
        groups = generate_groups(model, tokenizer, tasks, 1, sampling)
        scores = score_groups(tasks, groups)
        replies[name] = [
            Reply(g[0].text, s[0], g[0].truncated) for g, s in zip(groups, scores, strict=True)
        ]
        del model  # free it before the next one loads
    return Comparison(tasks, replies)
