"""Leak detector for a forecast: meta talk, instruction echo, headlines copied from the prompt.

A forecast is the answer, not talk about the task. Three signals, each in [0, 1]:

* **meta**: talk about the request or the writer instead of the world: "the user wants",
  "as an AI", "here is a forecast", "I will write", "let me think", "the prompt asks",
  "five beats", chat-template or reasoning tags. ``meta = min(1, 0.5 x distinct patterns
  found)``: one slip halves, two or more is a full leak.
* **echo**: the instruction repeated. ``echo = min(1, f / 0.3)`` where ``f`` is the share of
  the instruction's word 4-grams found in the text (30% of them copied is a full echo; a
  common phrase such as "what happens next" is one 4-gram, a few percent).
* **copy**: prompt headlines pasted back. A headline of at least five words counts as copied
  when the text holds a run of at least ``max(5, 60% of its words)`` of its consecutive words
  (case and punctuation ignored); ``copy = min(1, copied / 2)``. Naming a company or a
  figure from a headline is not copying.

``leak = 1 - (1 - meta)(1 - echo)(1 - copy)``: any one full signal is a full leak, and
partial signals add up.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

META_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\bthe user\b|\buser(?:'s)? (?:wants|asked|asks|is asking|requests?|request)\b",
        r"\bas an? (?:ai|language model|assistant|llm)\b|\b(?:ai|language) model\b",
        r"\bhere(?:'s|’s| is| are) (?:a|an|the|my|your|one)\b[^.]{0,30}?"
        r"\b(?:forecast|paragraph|prediction|answer|response|attempt)\b",
        r"\bI(?:'ll|’ll| will| need to| should| must| have to| am going to| can| would)"
        r" (?:write|provide|produce|generate|create|give|craft|draft|answer|respond|now)\b",
        r"\b(?:let me|let's|let’s) (?:think|write|start|begin|draft|craft|break|consider|try)\b",
        r"\bthe (?:prompt|instructions?|task|request|question) (?:asks?|says|wants|requires"
        r"|is asking|calls for)\b",
        r"\b(?:five|5) beats?\b|\bbeats? of (?:a|the) forecast\b",
        r"\b(?:okay|ok|sure|certainly|alright)[,!.] (?:here|i|let)\b",
        r"</?think>|<\|im_(?:start|end)\|>|<\|endoftext\|>|\[/?INST\]",
        r"\bI (?:cannot|can't|can’t|am unable to) (?:predict|forecast|know|provide)\b",
        r"\bas (?:requested|instructed|asked)\b|\bin this (?:forecast|paragraph|response)\b",
        r"\b(?:the|these|today's|today’s) headlines (?:provided|given|above|listed|you)\b",
    )
)

_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _ngrams(toks: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(toks[i : i + n]) for i in range(len(toks) - n + 1)}


def meta_talk(text: str) -> float:
    hits = sum(bool(p.search(text)) for p in META_PATTERNS)
    return min(1.0, 0.5 * hits)


def instruction_echo(text: str, instruction: str, n: int = 4) -> float:
    grams = _ngrams(tokens(instruction), n)
    if not grams:
        return 0.0
    share = len(grams & _ngrams(tokens(text), n)) / len(grams)
    return min(1.0, share / 0.3)


def copied_headlines(text: str, headlines: Sequence[str]) -> list[str]:
    hay = tokens(text)
    grams: dict[int, set[tuple[str, ...]]] = {}
    copied = []
    for headline in headlines:
        needle = tokens(headline)
        if len(needle) < 5:
            continue
        run = max(5, math.ceil(0.6 * len(needle)))
        if run not in grams:
            grams[run] = _ngrams(hay, run)
        if _ngrams(needle, run) & grams[run]:
            copied.append(headline)
    return copied


@dataclass(frozen=True)
class LeakScore:
    leak: float  # combined, in [0, 1]
    meta: float
    echo: float
    copy: float
    copied: tuple[str, ...] = ()


def leak_score(text: str, instruction: str = "", headlines: Sequence[str] = ()) -> LeakScore:
    """How much of ``text`` is leak rather than forecast; see the module docstring."""
    if not text.strip():
        return LeakScore(0.0, 0.0, 0.0, 0.0)
    meta = meta_talk(text)
    echo = instruction_echo(text, instruction) if instruction else 0.0
    copied = copied_headlines(text, headlines)
    copy = min(1.0, len(copied) / 2)
    leak = 1.0 - (1.0 - meta) * (1.0 - echo) * (1.0 - copy)
    return LeakScore(leak, meta, echo, copy, tuple(copied))
