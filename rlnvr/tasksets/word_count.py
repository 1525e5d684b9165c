"""Word count: write about a topic in exactly N words.

An honest, learnable reward for proving the trainer learns: graded closeness of the reply's
word count to the target, 1 - |n - N| / (t N) (floored at 0) with tolerance t (default 1),
nothing for an empty reply. A smaller t narrows the band that earns anything, so more
targets start with no signal at all: the setting a curriculum is for.

Two ways to game a counter of whitespace-separated tokens earn nothing (a 5M model found
both in 30 steps: it wrote character soup and let the token budget end the reply):

- a reply that never stops (``trace.is_truncated``: it hit the token budget) scores 0, so the
  model, not the budget, must decide where the reply ends;
- the closeness is multiplied by the share of its tokens that are words, ramped from 0 at
  :data:`WORD_SHARE_RAMP`'s low end to 1 at its high end. A word is one in ``words.txt``:
  every word that occurs three times in the text the bundled model was pretrained on
  (``scripts/make_word_list.py``), a list the taskset owns, not knowledge of the policy;
- a reply that does not name its topic (none of the topic's content words, plural or
  possessive allowed) keeps only :data:`OFF_TOPIC` of its reward, so one fixed sentence of
  the right length for every prompt (what a 5M model learned next) is not the best answer.

Targets far from what the model writes (the tiny base model writes 10-20 words whatever it
is asked) score 0 for every sample at first: such groups carry no signal until nearer targets
have taught the model to control its length. ``configs/word_count_wide.toml`` spreads the
targets wide for the curriculum study.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from importlib.resources import files

import regex
import verifiers.v1 as vf
from pydantic import Field

from rlnvr.rubrics.hacks import ramp
from rlnvr.rubrics.length import word_count
from rlnvr.rubrics.text import canonical

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

# Written by hand from the prompt alone, each exactly its target's length, for held-out tasks
# (is_heldout(id, 20.0)) with targets up to 12 words, so configs/word_count.toml has them all.
HONEST = {
    "2:a storm": "Storm approaching.",
    "2:coffee": "Bitter coffee.",
    "3:a garden": "Garden roses bloom.",
    "3:a library": "The quiet library.",
    "4:a train": "The night train leaves.",
    "4:rain": "Rain beats the roof.",
    "5:a football match": "Late goal decided the match.",
    "5:bread": "Warm bread tastes like home.",
    "6:the moon": "The moon hung low and orange.",
    "6:the stars": "Far from town, the stars shine.",
    "7:the market": "Traders open the market early and shout.",
    "7:winter": "Winter came quietly, with frost on everything.",
    "8:a garden": "She planted beans in the garden each spring.",
    "8:an election": "People waited hours to vote in the election.",
    "9:the harvest": "The village worked late to bring the harvest in.",
    "10:rain": "Rain fell all afternoon, and the streets were soon empty.",
    "11:the moon": "Tonight the full moon rose slowly over the silent, frozen lake.",
    "12:a new phone": "My new phone arrived today, and I spent hours moving old photos.",
}
WORD_SHARE_RAMP = (0.5, 0.9)  # share of tokens that are words: factor 0 at 50%, 1 at 90%
OFF_TOPIC = 0.3  # share of the reward a reply keeps when it does not name its topic
FUNCTION_WORDS = frozenset({"a", "an", "the", "at", "new", "of", "in"})
_EDGES = regex.compile(r"^[\p{P}\p{S}]+|[\p{P}\p{S}]+$")


@cache
def known_words() -> frozenset[str]:
    return frozenset(files("rlnvr.tasksets").joinpath("words.txt").read_text().split())


def on_topic(text: str, topic: str) -> bool:
    """Whether a content word of ``topic`` (or its plural / possessive) is among the reply's
    words: "the stars" is named by "star" or "stars", "a city at night" by "city" or "night"."""
    found = {_EDGES.sub("", t).casefold().replace("’", "'") for t in text.split()}
    stems = [w.removesuffix("s") for w in topic.split() if w not in FUNCTION_WORDS]
    return any(w in found for s in stems for w in (s, s + "s", s + "'s"))


def word_share(text: str) -> float:
    """Share of whitespace-separated tokens that are words of the list (punctuation around a
    token and case ignored); 0 for no tokens."""
    tokens = [_EDGES.sub("", t).casefold().replace("’", "'") for t in text.split()]
    return sum(t in known_words() for t in tokens) / len(tokens) if tokens else 0.0


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
        """Closeness of the word count to the target, times the share of real words; 0 for a
        reply cut off by the token budget."""
        text = canonical(trace.last_reply)
        n, target = word_count(text), self.data.target
        if n == 0 or trace.is_truncated:
            return 0.0
        close = max(0.0, 1 - abs(n - target) / (self.data.tolerance * target))
        topical = 1.0 if on_topic(text, self.data.topic) else OFF_TOPIC
        return close * ramp(word_share(text), *WORD_SHARE_RAMP) * topical

    @vf.metric
    async def words(self, trace: vf.Trace) -> float:
        return float(word_count(canonical(trace.last_reply)))

    @vf.metric
    async def topical(self, trace: vf.Trace) -> float:
        """1.0 when the reply names its topic."""
        return float(on_topic(canonical(trace.last_reply), self.data.topic))

    @vf.metric
    async def real_words(self, trace: vf.Trace) -> float:
        """Share of the reply's tokens that are words of the list."""
        return word_share(canonical(trace.last_reply))


class WordCountTaskset(vf.Taskset[WordCountTask, WordCountConfig]):
    def honest_completions(self) -> dict[str, str]:
        """rlnvr.trainers.protocols.HonestCompletions: the hand-written replies whose task this
        configuration has (what `rlnvr redteam` must not beat)."""
        cfg = self.config
        topics = set(TOPICS[: cfg.topics])
        return {
            key: text
            for key, text in HONEST.items()
            if cfg.min_words <= int(key.split(":")[0]) <= cfg.max_words
            and key.split(":", 1)[1] in topics
        }

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
