"""Unsupervised environment design over tasks: Prioritized Level Replay (Jiang et al. 2021).

A *level* is one task (a prompt, a URL, a day of headlines, an author). After each rollout
group the level gets a score that estimates how much there is still to learn from it:

    std           spread of the group's rewards
    pvl           positive value loss, mean_i max(r_i - mean r, 0) (mean r is the value baseline)
    learnability  p (1 - p) with p the mean reward, for rewards in [0, 1]
    progress      |mean r - the level's mean r the last time it was played| (absolute
                  learning progress; the group's std on a first visit)

The first three score what a level's group *could* teach; ``progress`` scores whether the
policy is actually learning on it. On a continuous reward every group has spread, and PLR
with ``pvl`` replays the levels the policy already does best on (training reward rises, held
out does not: docs/results.md, "Curriculum on a real model"); learning progress drops a level
once its reward stops moving, whichever way.

Replay draws seen levels with P = (1 - rho) P_score + rho P_stale, where P_score is rank-based,
proportional to (1 / rank)^(1 / beta), and P_stale grows with the steps since a level was last
drawn, so old scores get refreshed. With probability 1 - replay_prob (and while unseen levels
remain) a fresh level is drawn instead. ``uniform`` ignores all of this: the baseline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic_config import BaseConfig

SCORES = ("std", "pvl", "learnability", "progress")


class CurriculumConfig(BaseConfig):
    kind: Literal["plr", "uniform"] = "plr"
    """Prioritized level replay, or uniform sampling (the baseline)."""
    score: Literal["std", "pvl", "learnability", "progress"] = "pvl"
    """How a rollout group scores its level."""
    beta: float = 0.3
    """Rank temperature: lower concentrates replay on the top-ranked levels."""
    rho: float = 0.3
    """Weight of staleness in the replay distribution."""
    replay_prob: float = 0.5
    """Chance that a slot replays a seen level rather than drawing an unseen one."""
    min_seen: int = 4
    """Levels seen before replay starts."""


def level_score(rewards: np.ndarray, kind: str, last_mean: float | None = None) -> float:
    """The level's score from its latest group (``last_mean``: its previous mean reward,
    which only ``progress`` reads)."""
    rewards = np.asarray(rewards, dtype=np.float64)
    if kind == "progress":
        return float(rewards.std() if last_mean is None else abs(rewards.mean() - last_mean))
    if kind == "std":
        return float(rewards.std())
    if kind == "pvl":
        return float(np.maximum(rewards - rewards.mean(), 0).mean())
    if kind == "learnability":
        p = float(np.clip(rewards.mean(), 0, 1))
        return p * (1 - p)
    raise ValueError(f"curriculum score must be one of {SCORES}, got {kind!r}")


@dataclass
class Curriculum:
    keys: list[str]
    config: CurriculumConfig = field(default_factory=CurriculumConfig)
    scores: dict[str, float] = field(default_factory=dict)
    last_drawn: dict[str, int] = field(default_factory=dict)
    means: dict[str, float] = field(default_factory=dict)  # each level's last mean reward
    step: int = 0

    def __post_init__(self) -> None:
        if len(set(self.keys)) != len(self.keys):
            raise ValueError("curriculum levels must have unique keys")

    def replay_distribution(self) -> tuple[list[str], np.ndarray]:
        """Seen levels and their replay probabilities."""
        seen = [k for k in self.keys if k in self.scores]
        scores = np.array([self.scores[k] for k in seen])
        ranks = np.empty(len(seen))
        ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(seen) + 1)
        by_score = (1 / ranks) ** (1 / self.config.beta)
        by_score /= by_score.sum()
        stale = np.array([self.step - self.last_drawn.get(k, 0) for k in seen], dtype=float)
        by_stale = stale / stale.sum() if stale.sum() > 0 else np.full(len(seen), 1 / len(seen))
        return seen, (1 - self.config.rho) * by_score + self.config.rho * by_stale

    def sample(self, n: int, rng: np.random.Generator) -> list[str]:
        """``n`` distinct levels for the next step (fewer only if there are fewer levels)."""
        n = min(n, len(self.keys))
        if self.config.kind == "uniform":
            chosen = list(rng.choice(self.keys, size=n, replace=False))
        else:
            chosen = self._sample_plr(n, rng)
        self.step += 1
        for key in chosen:
            self.last_drawn[key] = self.step
        return chosen

    def _sample_plr(self, n: int, rng: np.random.Generator) -> list[str]:
        unseen = [k for k in self.keys if k not in self.scores]
        seen_count = len(self.keys) - len(unseen)
        replay_ok = seen_count >= self.config.min_seen
        n_replay = int(rng.binomial(n, self.config.replay_prob)) if replay_ok else 0
        n_replay = max(n_replay, n - len(unseen))  # no fresh levels left: replay the rest
        n_replay = min(n_replay, seen_count)
        picks: list[str] = []
        if n_replay:
            seen, probs = self.replay_distribution()
            picks += list(rng.choice(seen, size=n_replay, replace=False, p=probs))
        fresh = n - len(picks)
        if fresh:
            picks += list(rng.choice(unseen, size=fresh, replace=False))
        return [str(k) for k in picks]

    def update(self, key: str, rewards: np.ndarray) -> None:
        self.scores[key] = level_score(rewards, self.config.score, self.means.get(key))
        self.means[key] = float(np.mean(rewards))

    def state_dict(self) -> dict:
        return {
            "scores": self.scores,
            "last_drawn": self.last_drawn,
            "means": self.means,
            "step": self.step,
        }

    def load_state_dict(self, state: dict) -> None:
        self.scores = dict(state["scores"])
        self.last_drawn = {k: int(v) for k, v in state["last_drawn"].items()}
        self.means = {k: float(v) for k, v in state.get("means", {}).items()}  # older checkpoints
        self.step = int(state["step"])
