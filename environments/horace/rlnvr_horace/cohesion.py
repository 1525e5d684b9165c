"""Cohesion delta: how much a text's likelihood depends on the order of its units.

A cohesive text (each line, sentence or paragraph set up by the one before) is easier to
predict in its own order than shuffled. Following the Horace spec the delta is

    delta = log-likelihood per token of the unit-shuffled text - that of the original
          = mean surprisal of the original - mean surprisal of the shuffled text (nats),

averaged over ``n_shuffles`` seeded shuffles. It is **negative for a cohesive text** (order
helps the model) and near 0 for a list of unrelated units. Units are lines for poems,
paragraphs when there are at least three, else sentences::

    from rlnvr_horace.token_metrics import load_scorer
    from rlnvr_horace.cohesion import cohesion_delta

    model, tokenizer = load_scorer("rlnvr-tiny", backend="torch")
    cohesion_delta(text, model, tokenizer, form="novel").delta  # e.g. -0.12
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import regex

from rlnvr_horace.token_metrics import (
    DEFAULT_CONFIG,
    ScoringConfig,
    detect_backend,
    encode,
    score_ids,
    start_token_id,
)

MIN_PARAGRAPHS = 3
_PARAGRAPH_BREAK = regex.compile(r"\n[ \t]*\n\s*")
_SENTENCE_END = regex.compile(r"(?<=[.!?…][\"'”’)\]]*)\s+(?=\S)")


@dataclass(frozen=True)
class Cohesion:
    """The delta (nats/token, NaN when the text has fewer than two units) and its parts."""

    delta: float
    original: float  # mean surprisal of the text as written
    shuffled: tuple[float, ...]  # mean surprisal of each shuffle
    unit: str  # "line", "paragraph" or "sentence"
    n_units: int


def split_units(text: str, form: str | None = None) -> tuple[list[str], str, str]:
    """``(units, separator, unit name)``: lines of a poem, else paragraphs, else sentences."""
    if form == "poem":
        return [line for line in text.splitlines() if line.strip()], "\n", "line"
    paragraphs = [p.strip() for p in _PARAGRAPH_BREAK.split(text) if p.strip()]
    if len(paragraphs) >= MIN_PARAGRAPHS:
        return paragraphs, "\n\n", "paragraph"
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s]
    return sentences, " ", "sentence"


def shuffled(units: list[str], rng: np.random.Generator) -> list[str]:
    """A permutation of ``units`` that differs from their order (when one exists)."""
    if len(set(units)) < 2:
        return list(units)
    while True:
        order = rng.permutation(len(units))
        if any(units[i] != unit for i, unit in zip(order, units, strict=True)):
            return [units[i] for i in order]


def mean_surprisal(text: str, model, tokenizer, backend: str, cfg: ScoringConfig) -> float:
    """Mean surprisal per token of ``text`` (nats), scored as :func:`score_text` does."""
    ids, _ = encode(text, tokenizer)
    start = start_token_id(tokenizer)
    inputs = ids if start is None else np.concatenate([[start], ids])
    values = score_ids(inputs, model, backend, cfg, full=False)["surprisal"]
    return float(values.mean()) if len(values) else math.nan


def truncate(text: str, tokenizer, max_tokens: int | None) -> str:
    """The part of ``text`` covered by its first ``max_tokens`` tokens."""
    if max_tokens is None:
        return text
    _, offsets = encode(text, tokenizer, max_tokens)
    return text[: int(offsets[-1, 1])] if len(offsets) else ""


def cohesion_delta(
    text: str,
    model,
    tokenizer,
    backend: str | None = None,
    form: str | None = None,
    n_shuffles: int = 3,
    seed: int = 0,
    cfg: ScoringConfig = DEFAULT_CONFIG,
    max_tokens: int | None = None,
) -> Cohesion:
    """The cohesion delta of ``text`` (its first ``max_tokens`` tokens), see the module doc."""
    backend = backend or detect_backend(model)
    units, sep, name = split_units(truncate(text, tokenizer, max_tokens), form)
    if len(units) < 2:
        return Cohesion(math.nan, math.nan, (), name, len(units))
    original = mean_surprisal(sep.join(units), model, tokenizer, backend, cfg)
    rng = np.random.default_rng(seed)
    scores = tuple(
        mean_surprisal(sep.join(shuffled(units, rng)), model, tokenizer, backend, cfg)
        for _ in range(n_shuffles)
    )
    return Cohesion(original - float(np.mean(scores)), original, scores, name, len(units))
