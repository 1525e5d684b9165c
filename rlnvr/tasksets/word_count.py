"""Word count: write about a topic in exactly N words.

An honest, learnable reward for proving the trainer learns: graded closeness of the reply's
word count to the target, 1 - |n - N| / (t N) (floored at 0) with tolerance t (default 1),
nothing for an empty reply. A smaller t narrows the band that earns anything, so more
targets start with no signal at all: the setting a curriculum is for.

Targets far from what the model writes (the tiny base model writes 10-20 words whatever it
is asked) score 0 for every sample at first: such groups carry no signal until nearer targets
have taught the model to control its length. ``configs/word_count_wide.toml`` spreads the
targets wide for the curriculum study.
"""

from __future__ import annotations

from collections.abc import Iterator

import verifiers.v1 as vf
from pydantic import Field

from rlnvr.rubrics.length import word_count

TOPICS = [
    "the sea",
    "a storm",
    "the market",
    "a garden",
    "the moon",
    "a city at night",
    "winter",
    "a train",
    "an election",
    "coffee",
    "a lost letter",
    "the harvest",
    "a library",
    "rain",
    "a new phone",
    "the river",
    "a football match",
    "bread",
    "a quiet morning",
    "the stars",
]
PROMPT = "Write about {topic} in exactly {n} words."


class WordCountConfig(vf.TasksetConfig):
    min_words: int = 2
    """Smallest target length."""
    max_words: int = 16
    """Largest target length."""
    topics: int = len(TOPICS)
    """How many of the built-in topics to pair with each target (fewer: fewer, denser levels)."""
    tolerance: float = Field(default=1.0, gt=0)
    """Relative miss at which the reward reaches 0 (0.25: a 40-word target needs 30+ words)."""


class WordCountData(vf.TaskData):
    topic: str
    target: int
    tolerance: float = 1.0


class WordCountTask(vf.Task[WordCountData, vf.State, vf.TaskConfig]):
    @property
    def key(self) -> str:
        return self.data.id or self.hash

    @vf.reward(weight=1.0)
    async def closeness(self, trace: vf.Trace) -> float:
        n, target = word_count(trace.last_reply), self.data.target
        return 0.0 if n == 0 else max(0.0, 1 - abs(n - target) / (self.data.tolerance * target))

    @vf.metric
    async def words(self, trace: vf.Trace) -> float:
        return float(word_count(trace.last_reply))


class WordCountTaskset(vf.Taskset[WordCountTask, WordCountConfig]):
    def load(self) -> Iterator[WordCountTask]:
        for n in range(self.config.min_words, self.config.max_words + 1):
            for topic in TOPICS[: self.config.topics]:
                data = WordCountData(
                    id=f"{n}:{topic}",
                    prompt=PROMPT.format(topic=topic, n=n),
                    topic=topic,
                    target=n,
                    tolerance=self.config.tolerance,
                )
                yield WordCountTask(data, self.config.task)


__all__ = ["WordCountConfig", "WordCountTaskset"]
