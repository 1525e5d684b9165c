"""Does a held-out gain survive the controls? Base vs trained, on the same held-out tasks.

A rise in held-out reward counts only when it survives what could fake it:

- **paired difference**: each held-out task's mean reward after minus before (the same tasks,
  ``samples`` replies each, the same seed); the gain counts when its 95% t-interval excludes 0.
- **equal length**: both models write exactly ``L`` tokens with their stop tokens made
  impossible, ``L`` the base model's median reply length; a gain from writing longer or
  shorter (a length penalty escaped, a noisier feature averaged away) disappears here.
- **sameness**: mean cosine similarity between replies written for different tasks; a policy
  that found one answer for every task has learned the reward, not the task.
- **best attack**: the red team's best family (fast search) on the tasks with honest
  completions, next to the trained model's reward on those tasks.

Nothing here knows a taskset: the rewards are the tasks' own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import mlx.core as mx
import numpy as np
import verifiers.v1 as vf

from rlnvr.rubrics.text import words
from rlnvr.trainers.evaluate import mean_ci
from rlnvr.trainers.hack_signals import cross_task_similarity
from rlnvr.trainers.rollout import Rollout, SamplingConfig, Tempered, generate_groups
from rlnvr.trainers.scoring import score_groups
from rlnvr.trainers.traces import Score

Loader = Callable[[], tuple[object, object]]  # () -> (model, tokenizer)


class NoStop(Tempered):
    """The model with its stop tokens made impossible (logits -inf), so every reply runs to
    the token budget: two models compared this way write the same number of tokens."""

    def __init__(self, model, stop_ids) -> None:
        super().__init__(model, 1.0)
        self.stop_ids = sorted(stop_ids)
        self.stop_mask = None  # built on the first call, when the vocabulary size is known

    def __call__(self, inputs, cache=None, **kwargs):
        logits = self.inner(inputs, cache=cache, **kwargs)
        if self.stop_mask is None:
            ids = mx.array(self.stop_ids)
            self.stop_mask = mx.zeros(logits.shape[-1], dtype=mx.bool_).at[ids].add(True)
        return mx.where(self.stop_mask, -mx.inf, logits)


@dataclass(frozen=True)
class Replies:
    """One model's replies to a list of tasks: ``samples`` per task, in task order."""

    rollouts: list[list[Rollout]]
    scores: list[list[Score]]

    def per_task(self) -> np.ndarray:
        """Each task's mean reward (the unit of every interval here)."""
        return np.array([np.mean([s.reward for s in group]) for group in self.scores])

    def tokens(self) -> list[int]:
        return [len(r.completion_ids) for group in self.rollouts for r in group]

    def words(self) -> float:
        return float(np.mean([len(words(r.text)) for g in self.rollouts for r in g]))

    def first_texts(self) -> list[str]:
        return [group[0].text for group in self.rollouts]


def sample(
    model, tokenizer, tasks: list[vf.Task], samples: int, sampling: SamplingConfig, seed: int
) -> Replies:
    mx.random.seed(seed)
    rollouts = generate_groups(model, tokenizer, tasks, samples, sampling)
    return Replies(rollouts, score_groups(tasks, rollouts))


def paired(before: np.ndarray, after: np.ndarray) -> tuple[float, float]:
    """Mean and 95% half-width of the per-task difference after - before."""
    return mean_ci(np.asarray(after) - np.asarray(before))


def equal_length_budget(base: Replies) -> int:
    """The base model's median reply length in tokens (at least 1)."""
    return max(1, int(np.median(base.tokens())))


def sameness(texts: Sequence[str], keys: Sequence[str], embedder) -> float | None:
    """Cross-task similarity of one reply per task (see ``hack_signals``)."""
    vectors = embedder.encode(list(texts))
    return cross_task_similarity(vectors, list(keys))


@dataclass(frozen=True)
class Attack:
    family: str
    mean: float
    honest_mean: float
    task_keys: list[str]


def best_attack(taskset: vf.Taskset, heldout_percent: float) -> Attack:
    """The red team's best attack family (highest mean reward) in a fast search; the
    ``random_edits`` diagnostic measures noise, and is no attack a model could learn."""
    from rlnvr.trainers.redteam import ATTACKS, FAST, honest_tasks, redteam_async

    report = asyncio.run(
        redteam_async(taskset, FAST, families=ATTACKS, heldout_percent=heldout_percent)
    )
    top = report.strongest_attack
    tasks, _ = honest_tasks(taskset, list(taskset), FAST.max_tasks)
    return Attack(top.family, top.mean, top.honest_mean, [t.key for t in tasks])


@dataclass
class Row:
    """One control: base and trained values, and the paired difference where there is one."""

    control: str
    base: float | None
    trained: float | None
    diff: tuple[float, float] | None = None

    def cells(self) -> list[str]:
        def num(x: float | None) -> str:
            return "-" if x is None else f"{x:.3f}"

        diff = "-" if self.diff is None else f"{self.diff[0]:+.3f} ± {self.diff[1]:.3f}"
        return [self.control, num(self.base), num(self.trained), diff]


def markdown(rows: list[Row]) -> str:
    lines = ["| control | base | trained | trained - base (95% CI) |", "|---|---|---|---|"]
    return "\n".join(lines + ["| " + " | ".join(r.cells()) + " |" for r in rows])


def side_by_side(tasks: list[vf.Task], base: Replies, trained: Replies, prompt_chars: int) -> str:
    """Markdown: each task's prompt (its last message, cut) and both first replies with rewards."""
    out = []
    for i, task in enumerate(tasks):
        prompt = task.data.prompt
        text = prompt if isinstance(prompt, str) else str(prompt[-1].content if prompt else "")
        text = text if len(text) <= prompt_chars else text[: prompt_chars - 1] + "…"
        out.append(f"### {i + 1}. task `{task.key}`\n\n> " + text.replace("\n", "\n> "))
        for name, replies in (("base", base), ("trained", trained)):
            reply, score = replies.rollouts[i][0], replies.scores[i][0]
            cut = " *(cut at max tokens)*" if reply.truncated else ""
            body = reply.text.strip().replace("\n", " ")
            out.append(f"**{name}** (reward {score.reward:+.2f}){cut}: {body}")
    return "\n\n".join(out) + "\n"
