"""Semantic skill of a forecast: closeness to tomorrow's headlines over a base rate.

A forecaster is scored against climatology, not in absolute terms: a text about subjects that
are in the news every day (the Fed, AI stocks) sits close to every day's headlines, so its
closeness to day t+1 says nothing about foresight. Varro measures the same text's closeness
to the headlines of earlier days (the base days, stored with the task) and pays only the
excess. With sentence embeddings (L2-normalised, so a dot product is a cosine similarity):

    c(s, D)   = mean of the k largest cos(s, h) over the headlines h of day D   (k = 3)
    base(s)   = mean_j c(s, B_j)        over the base days B_1 .. B_m
    skill(x)  = mean over the sentences s of x of  c(s, t+1) - base(s)
    semantic  = clip((skill - floor) / scale, 0, 1)

Each distinct sentence of the forecast (of at least ``MIN_SENTENCE_WORDS`` words, not a
verification sentence such as "Verify with Friday's close", which says how to check the
claims and is the structure reward's business; the whole text if none is left) is one claim,
embedded alone, and the forecast's skill is the mean over
its claims. A whole-text embedding moves with the order of the sentences and with a repeated
span by more than the skill scale, so a search that only reorders an honest forecast gained
reward; a mean over distinct sentences does not move, and a generic sentence added to a
forecast dilutes it instead of riding on it.

The base days are up to 14 stored days before t-2 (``rlnvr_varro.base``): stories run for
several days, so the days just before t would count today's running story as base rate and
punish persistence, the strongest simple forecast. Only past days, as a live forecaster has.

``c`` is a top-k mean, not the single best match: a day's feed mixes ~15 stories, and one
lucky headline out of many should not decide; the mean of the k best asks for a story several
titles carry. Every day, t+1's and the base days', is cut to the same number of headlines
(``rlnvr_varro.base.PER_DAY``), because the expected top-k mean grows with the number of
headlines it is taken over.

The same numbers give ``relevance``, which ties the structure reward to substance:

    relevance = clip((mean_s c(s, t) - base(s) - floor) / scale, 0, 1)

how much more the forecast is about today's headlines than about any day's. Five beats around
a fixed subject have relevance ~0 and earn no structure reward; a forecast that continues
today's story (the subject, not the text: copying is the leak detector's business) has full
relevance.

``floor`` and ``scale`` map skill to [0, 1]. They are measured on the packaged days
(all-MiniLM-L6-v2; another embedding model needs its own; the numbers are in the README):
``floor`` is about the mean skill of fixed paragraphs (the same text every day), so a text
with no foresight earns nothing on an average day; ``floor + scale`` is about the mean skill of
a forecast written with hindsight (a template filled with day t+1's top headline), the most a
forecast can be expected to reach.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rlnvr_varro._vendor.embeddings import Embedder, shared_embedder
from rlnvr_varro.structure import VERIFY_CUES

DEFAULT_K = 3
MIN_SENTENCE_WORDS = 4  # shorter pieces ("Verify.", a dangling clause) are not a claim
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\s*\n\s*")
DEFAULT_FLOOR = 0.035
DEFAULT_SCALE = 0.11


def closeness(similarities: Sequence[float] | np.ndarray, k: int = DEFAULT_K) -> float:
    """The mean of the ``k`` largest values (all of them if fewer); 0.0 if none."""
    sims = np.asarray(similarities, dtype=np.float64).ravel()
    if sims.size == 0:
        return 0.0
    if k < 1:
        raise ValueError(f"k must be >= 1, not {k}")
    return float(np.sort(sims)[-min(k, sims.size) :].mean())


def claims(text: str) -> list[str]:
    """The distinct sentences of ``text`` with at least ``MIN_SENTENCE_WORDS`` words that do
    not open with a verification cue, case and spacing ignored for the comparison; ``[text]``
    if there are none."""
    seen: dict[str, str] = {}
    for piece in _SENTENCE_END.split(text.strip()):
        if len(piece.split()) >= MIN_SENTENCE_WORDS and not VERIFY_CUES.match(piece):
            seen.setdefault(" ".join(piece.casefold().split()), piece)
    return list(seen.values()) or [text.strip()]


def rescale(skill: float, floor: float = DEFAULT_FLOOR, scale: float = DEFAULT_SCALE) -> float:
    """``clip((skill - floor) / scale, 0, 1)``."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, not {scale}")
    return float(min(1.0, max(0.0, (skill - floor) / scale)))


@dataclass(frozen=True)
class SemanticSkill:
    score: float  # clip((skill - floor) / scale, 0, 1): the reward component
    relevance: float  # clip((sim_today - sim_base - floor) / scale, 0, 1)
    skill: float  # sim_tomorrow - sim_base
    sim_tomorrow: float  # c(x, t+1)
    sim_today: float  # c(x, t)
    sim_base: float  # mean c(x, B_j)


NONE = SemanticSkill(0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def semantic_skill(
    forecast: str,
    tomorrow: Sequence[str],
    today: Sequence[str],
    base_days: Sequence[Sequence[str]],
    *,
    embedder: Embedder | None = None,
    k: int = DEFAULT_K,
    floor: float = DEFAULT_FLOOR,
    scale: float = DEFAULT_SCALE,
) -> SemanticSkill:
    """Skill of ``forecast`` for day t+1 and its relevance to day t, over the base rate of
    ``base_days`` (see the module docstring). With no text or no base day there is no skill
    to measure: everything is 0. With no ``tomorrow`` yet (the daily loop before resolution)
    only ``relevance`` and ``sim_today`` are known."""
    text = forecast.strip()
    base_days = [list(day) for day in base_days if day]
    if not text or not base_days:
        return NONE
    embedder = embedder or shared_embedder()
    days = [list(tomorrow), list(today), *base_days]
    flat = [h for day in days for h in day]
    sims = embedder.similarity(claims(text), flat)
    per_day, start = [], 0  # per day: the mean over claims of c(s, D)
    for day in days:
        block = sims[:, start : start + len(day)]
        per_day.append(float(np.mean([closeness(row, k) for row in block])))
        start += len(day)
    s1, s0, base = per_day[0], per_day[1], float(np.mean(per_day[2:]))
    skill = s1 - base if tomorrow else 0.0
    return SemanticSkill(
        rescale(skill, floor, scale) if tomorrow else 0.0,
        rescale(s0 - base, floor, scale) if today else 0.0,
        skill,
        s1,
        s0,
        base,
    )
