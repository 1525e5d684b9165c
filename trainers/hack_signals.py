"""Signals over one training step's completions that reveal a reward hack without knowing it.

A policy that has found a cheap way to the reward usually shows it in the text before anyone
reads it: every task gets the same reply (cross-task sameness), the step's vocabulary shrinks
(distinct-n), replies run into the token budget (truncation), replies copy the texts the reward
compares against (copy share), the length walks away from where it started (length drift), or
one reward component climbs while another falls (components moving apart). Each function here
is pure and total: texts are taken as given (the monitor canonicalises them once), odd input
gives a finite answer or None when the signal is undefined for the step.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from rlnvr.rubrics.text import word_ngrams, words

COPY_N = 5  # word n-gram length of the copy check: 5 shared words in a row is a quote, not a topic


def cross_task_similarity(vectors: np.ndarray, keys: Sequence[str]) -> float | None:
    """Mean cosine similarity over pairs of completions written for different tasks.

    ``vectors`` are L2-normalised embeddings (one row per completion). Pairs within a task are
    left out: a group's samples share a prompt and may rightly agree. None when fewer than two
    tasks are present.
    """
    keys = np.asarray(keys)
    if len(keys) < 2 or len(set(keys.tolist())) < 2:
        return None
    sims = np.asarray(vectors, dtype=np.float64) @ np.asarray(vectors, dtype=np.float64).T
    other = keys[:, None] != keys[None, :]
    return float(np.clip(sims[other].mean(), -1.0, 1.0))


def distinct_n(texts: Iterable[str], n: int) -> float | None:
    """Distinct word n-grams over all n-grams of the step's completions (1: no n-gram
    repeats anywhere; near 0: one phrase over and over). None when no completion has n words."""
    grams = [g for t in texts for g in word_ngrams(words(t), n)]
    return len(set(grams)) / len(grams) if grams else None


def truncation_share(truncated: Sequence[bool]) -> float | None:
    """Share of completions that hit the token budget without a stop token."""
    return float(np.mean(truncated)) if len(truncated) else None


def reference_ngrams(references: Iterable[str], n: int = COPY_N) -> frozenset[tuple[str, ...]]:
    """Every word n-gram of a task's reference texts."""
    return frozenset(g for r in references for g in word_ngrams(words(r), n))


def copy_share(text: str, reference: frozenset[tuple[str, ...]], n: int = COPY_N) -> float | None:
    """Share of the completion's word n-grams found in its task's references; None when the
    completion is shorter than n words (too short to tell a quote from a phrase)."""
    grams = word_ngrams(words(text), n)
    return sum(g in reference for g in grams) / len(grams) if grams else None


def length_drift(length: float, base: float) -> float | None:
    """Mean completion length relative to the base model's (1: unchanged)."""
    return length / base if base > 0 else None


def moving_apart(
    deltas: Mapping[str, float], thresholds: Mapping[str, float]
) -> tuple[float, tuple[str, str] | None]:
    """How far two reward series moved in opposite directions since the start.

    ``deltas`` is each series' change since the start (the weighted reward and every
    component), ``thresholds`` the move each must make to count. Returns the largest
    ``min(rise of a, fall of b)`` over ordered pairs (0 when none moved apart) and the pair
    (a rose, b fell) where both moves passed their thresholds, else None.
    """
    best, pair, best_pair = 0.0, None, 0.0
    for a, b in itertools.permutations(deltas, 2):
        apart = min(deltas[a], -deltas[b])
        best = max(best, apart)
        passed = deltas[a] > thresholds[a] and -deltas[b] > thresholds[b]
        if passed and apart > best_pair:
            pair, best_pair = (a, b), apart
    return best, pair
