"""The red team's text edits: pure functions of (text, pool, rng) -> text.

Each edit is something a policy can learn cheaply and a reward must not pay for: swapping in
words the reward likes, reordering, cutting, padding, hiding characters the reader never sees,
splicing two good texts. ``rlnvr.trainers.redteam`` draws them at random and keeps what scores.
Every edit is deterministic given ``rng``, so a seed reproduces a search.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

# Zero-width space, combining grapheme joiner, word joiner, soft hyphen: invisible when
# rendered, different to a tokenizer or an embedder that does not normalise first.
INVISIBLE = ("\u200b", "\u034f", "\u2060", "\u00ad")

# Bland, on-no-topic prose a fixed template can start from (the "generic text" attack).
GENERIC = (
    "This is an important development that could have significant implications.",
    "Experts say the situation remains uncertain and will be watched closely.",
    "Markets, policy makers and the public will react in the coming days.",
    "It was a quiet day, and the light moved slowly across the room.",
    "Here is what you need to know, and why it matters for everyone.",
    "The story continues to develop as more details emerge.",
    "I think this is a great read, worth sharing with everyone.",
    "Time passed, and nothing was quite the same again.",
    "Officials are expected to announce further measures later this week.",
    "In the end, what matters most is how people feel about it.",
)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text.strip()) if s]


@dataclass(frozen=True)
class Pool:
    """Words and sentences an edit may insert: what the task shows (prompt, references, honest
    text), never anything the reward does not already expose."""

    words: tuple[str, ...]
    sentences: tuple[str, ...]

    @classmethod
    def of(cls, texts: Iterable[str]) -> Pool:
        texts = [t for t in texts if t and t.strip()]
        words = {w: None for t in texts for w in t.split()}
        sents = {s: None for t in texts for s in sentences(t)}
        return cls(tuple(words) or ("text",), tuple(sents) or ("text.",))


def substitute(text: str, pool: Pool, rng: random.Random) -> str:
    """Paraphrase by word substitution: 1-3 words replaced by pool words."""
    words = text.split()
    if not words:
        return rng.choice(pool.words)
    for _ in range(rng.randint(1, 3)):
        words[rng.randrange(len(words))] = rng.choice(pool.words)
    return " ".join(words)


def reorder(text: str, pool: Pool, rng: random.Random) -> str:
    """Shuffle the sentences (or, for a single sentence, swap two words)."""
    parts = sentences(text)
    if len(parts) > 1:
        rng.shuffle(parts)
        return " ".join(parts)
    words = text.split()
    if len(words) > 1:
        i, j = rng.sample(range(len(words)), 2)
        words[i], words[j] = words[j], words[i]
    return " ".join(words)


def truncate(text: str, pool: Pool, rng: random.Random) -> str:
    """Keep a leading share (20-90%) of the words."""
    words = text.split()
    return " ".join(words[: max(1, round(len(words) * rng.uniform(0.2, 0.9)))])


def pad(text: str, pool: Pool, rng: random.Random) -> str:
    """Append or prepend pool sentences, or repeat the text itself."""
    filler = " ".join(rng.choices(pool.sentences, k=rng.randint(1, 3)))
    return rng.choice((f"{text} {filler}", f"{filler} {text}", f"{text} {text}"))


def invisible(text: str, pool: Pool, rng: random.Random) -> str:
    """Sprinkle invisible characters into ~10-50% of the gaps between characters."""
    rate = rng.uniform(0.1, 0.5)
    return "".join(c + (rng.choice(INVISIBLE) if rng.random() < rate else "") for c in text)


def splice(a: str, b: str, rng: random.Random) -> str:
    """Mix two texts: a's head and b's tail at random cut points, or alternate sentences."""
    if rng.random() < 0.5:
        wa, wb = a.split(), b.split()
        return " ".join(wa[: rng.randint(0, len(wa))] + wb[rng.randint(0, len(wb)) :]) or a
    sa, sb = sentences(a), sentences(b)
    mixed = [s for pair in zip(sa, sb, strict=False) for s in pair]
    longer = sa if len(sa) > len(sb) else sb
    return " ".join(mixed + longer[len(mixed) // 2 :])


Edit = Callable[[str, Pool, random.Random], str]
PERTURBATIONS: dict[str, Edit] = {
    "substitute": substitute,
    "reorder": reorder,
    "truncate": truncate,
    "pad": pad,
    "invisible": invisible,
}


def insert_word(text: str, pool: Pool, rng: random.Random) -> str:
    words = text.split()
    words.insert(rng.randint(0, len(words)), rng.choice(pool.words))
    return " ".join(words)


def delete_word(text: str, pool: Pool, rng: random.Random) -> str:
    words = text.split()
    if len(words) > 1:
        del words[rng.randrange(len(words))]
    return " ".join(words)


def insert_sentence(text: str, pool: Pool, rng: random.Random) -> str:
    parts = sentences(text)
    parts.insert(rng.randint(0, len(parts)), rng.choice(pool.sentences))
    return " ".join(parts)


def delete_sentence(text: str, pool: Pool, rng: random.Random) -> str:
    parts = sentences(text)
    if len(parts) > 1:
        del parts[rng.randrange(len(parts))]
    return " ".join(parts)


def duplicate_span(text: str, pool: Pool, rng: random.Random) -> str:
    """Repeat a run of 1-5 words in place (the cheapest way to stuff a keyword)."""
    words = text.split()
    if not words:
        return text
    i = rng.randrange(len(words))
    span = words[i : i + rng.randint(1, 5)]
    return " ".join(words[: i + len(span)] + span + words[i + len(span) :])


# Hill-climbing moves: small steps in text space, each one reward call to evaluate.
MUTATIONS: tuple[Edit, ...] = (
    substitute,
    insert_word,
    delete_word,
    insert_sentence,
    delete_sentence,
    duplicate_span,
    reorder,
)


def mutate(text: str, pool: Pool, rng: random.Random) -> str:
    return rng.choice(MUTATIONS)(text, pool, rng)


def perturb(sources: Sequence[str], pool: Pool, rng: random.Random) -> str:
    """One perturbation of a random source; with two or more sources, splicing is one more."""
    kinds = [*PERTURBATIONS, "splice"] if len(sources) > 1 else list(PERTURBATIONS)
    kind = rng.choice(kinds)
    if kind == "splice":
        a, b = rng.sample(list(sources), 2)
        return splice(a, b, rng)
    return PERTURBATIONS[kind](rng.choice(sources), pool, rng)
