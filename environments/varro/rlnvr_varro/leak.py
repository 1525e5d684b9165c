"""Leak detector for a forecast: meta talk, instruction echo, headlines copied from the prompt.

A forecast is the answer, not talk about the task. Three signals, each in [0, 1]:

* **meta**: talk about the request or the writer instead of the world: "the user wants",
  "as an AI", "here is a forecast", "I will write", "let me think", "the prompt asks",
  "five beats", chat-template or reasoning tags. ``meta = min(1, 0.5 x distinct patterns
  found)``: one slip halves, two or more is a full leak.
* **echo**: the instruction repeated. ``echo = min(1, f / 0.3)`` where ``f`` is the share of
  the instruction's word 4-grams found in the text (30% of them copied is a full echo; a
  common phrase such as "what happens next" is one 4-gram, a few percent).
* **copy**: prompt headlines pasted back, measured on the text, not its subject: the share
  of the text's words that lie in a run of at least ``COPY_RUN`` (5) consecutive words also
  found in one of today's headlines (case and punctuation ignored), ramped from 0 at 25% of
  the text to 1 at 60%. Pasting headlines, or stringing them into prose, is copy; writing
  about today's story (persistence, a legitimate forecast) is not, nor is naming a company or
  a figure, quoting one headline inside a forecast, or an ordinary five-word phrase that
  happens to be a short headline ("what to watch this week"): each is a small share of the
  text. (An earlier rule counted a headline as copied whenever the text held five of its
  consecutive words, which flagged such phrases.)

``leak = 1 - (1 - meta)(1 - echo)(1 - copy)``: any one full signal is a full leak, and
partial signals add up.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rlnvr_varro._vendor.hacks import ramp, strip_copied

COPY_RUN = 5  # words in a run that counts as copied
COPY_RAMP = (0.25, 0.6)  # copied share of the text: copy 0 at 25%, 1 at 60%

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


def copied_share(text: str, headlines: Sequence[str], n: int = COPY_RUN) -> float:
    """Share of the words of ``text`` inside a run of ``n`` consecutive words that also
    occurs in one of ``headlines``."""
    return strip_copied(text, headlines, n)[1]


@dataclass(frozen=True)
class LeakScore:
    leak: float  # combined, in [0, 1]
    meta: float
    echo: float
    copy: float
    copied_share: float = 0.0


def leak_score(text: str, instruction: str = "", headlines: Sequence[str] = ()) -> LeakScore:
    """How much of ``text`` is leak rather than forecast; see the module docstring."""
    if not text.strip():
        return LeakScore(0.0, 0.0, 0.0, 0.0)
    meta = meta_talk(text)
    echo = instruction_echo(text, instruction) if instruction else 0.0
    share = copied_share(text, headlines)
    copy = ramp(share, *COPY_RAMP)
    leak = 1.0 - (1.0 - meta) * (1.0 - echo) * (1.0 - copy)
    return LeakScore(leak, meta, echo, copy, share)
