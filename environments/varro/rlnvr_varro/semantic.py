"""Semantic skill of a forecast: closeness to tomorrow's headlines over a base rate.

A forecaster is scored against climatology, not in absolute terms: a text about subjects that
are in the news every day (the Fed, AI stocks) sits close to every day's headlines, so its
closeness to day t+1 says nothing about foresight. Varro measures the same text's closeness
to the headlines of earlier days (the base days, stored with the task) and pays only the
excess. With sentence embeddings (L2-normalised, so a dot product is a cosine similarity):

    c(s, D)   = mean of the k largest cos(s, h) over the headlines h of day D   (k = 3)
    base(s)   = mean_j c(s, B_j)        over the base days B_1 .. B_m
    skill(s)  = c(s, t+1) - base(s)     for each claim s of x
    semantic  = sum_s clip((skill(s) - floor) / scale, 0, 1) / max(n, min_claims)

Each distinct plausible sentence of the forecast (``rlnvr_varro.structure.plausible``: five
words or more, with grammar and content words of its own) that is not a verification
sentence such as "Verify with Friday's close", which says how to check the claims and is the
structure reward's business, is one claim, embedded alone and scored alone. A whole-text
embedding moves with the order of the sentences and with a repeated span by more than the
skill scale, so a search that only reordered an honest forecast gained reward; claims scored
one by one do not move, and a generic sentence added to a forecast fills a slot at about 0
instead of riding on it.

Claims are the writer's sentences: runs of words pasted from today's headlines are cut out of
each claim before it is embedded (a pasted headline earns nothing, the same story in the
forecaster's own words does), and a sentence that was all paste stays a claim that earns 0.
Cutting first and splitting afterwards made claims of the fragments a cut leaves ("tariff
White House next."), which a search filled with today's words.

Each claim is clipped before the claims are pooled, and the pool has at least ``min_claims``
(2) slots. A mean of raw skills, clipped afterwards, paid a forecast for saying less: a claim
that missed pulled the one that came true under the floor, so cutting it raised the reward
(the red team's truncations won that way, and a policy would learn to write one claim). Now a
claim that misses earns 0 and costs nothing but its slot, a forecast of one claim fills half
the slots, and claims past ``min_claims`` share the same total, so padding dilutes.

The base days are up to 14 stored days before t-2 (``rlnvr_varro.base``): stories run for
several days, so the days just before t would count today's running story as base rate and
punish persistence, the strongest simple forecast. Only past days, as a live forecaster has.

``c`` is a top-k mean, not the single best match: a day's feed mixes ~15 stories, and one
lucky headline out of many should not decide; the mean of the k best asks for a story several
titles carry. Every day, t+1's and the base days', is cut to the same number of headlines
(``rlnvr_varro.base.PER_DAY``), because the expected top-k mean grows with the number of
headlines it is taken over.

The same numbers give ``relevance``, which ties the structure reward to substance, pooled the
same way:

    relevance = sum_s clip((c(s, t) - base(s) - floor) / scale, 0, 1) / max(n, min_claims)

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

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rlnvr_varro._vendor.embeddings import Embedder, shared_embedder
from rlnvr_varro._vendor.hacks import strip_copied
from rlnvr_varro.leak import COPY_RUN
from rlnvr_varro.structure import VERIFY_CUES, plausible, sentences

DEFAULT_K = 3
DEFAULT_FLOOR = 0.035
DEFAULT_SCALE = 0.11
DEFAULT_MIN_CLAIMS = 2


def closeness(similarities: Sequence[float] | np.ndarray, k: int = DEFAULT_K) -> float:
    """The mean of the ``k`` largest values (all of them if fewer); 0.0 if none."""
    sims = np.asarray(similarities, dtype=np.float64).ravel()
    if sims.size == 0:
        return 0.0
    if k < 1:
        raise ValueError(f"k must be >= 1, not {k}")
    return float(np.sort(sims)[-min(k, sims.size) :].mean())


def claims(text: str) -> list[str]:
    """The distinct plausible sentences of ``text`` that do not open with a verification cue,
    case and spacing ignored for the comparison (none for text without a plausible sentence)."""
    seen: dict[str, str] = {}
    for piece in sentences(text):
        if plausible(piece) and not VERIFY_CUES.match(piece):
            seen.setdefault(" ".join(piece.casefold().split()), piece)
    return list(seen.values())


def pooled(
    skills: Sequence[float] | np.ndarray,
    floor: float = DEFAULT_FLOOR,
    scale: float = DEFAULT_SCALE,
    min_claims: int = DEFAULT_MIN_CLAIMS,
    made: int | None = None,
) -> float:
    """``sum_s clip((skill_s - floor) / scale, 0, 1) / max(n, min_claims)`` over the claims'
    skills: each claim is paid alone, and fewer than ``min_claims`` leave slots empty. ``made``:
    the claims the forecast made, if more than were measured (the rest earn 0)."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, not {scale}")
    if min_claims < 1:
        raise ValueError(f"min_claims must be >= 1, not {min_claims}")
    paid = np.clip((np.asarray(skills, dtype=np.float64) - floor) / scale, 0.0, 1.0)
    return float(paid.sum() / max(paid.size, made or 0, min_claims))


@dataclass(frozen=True)
class SemanticSkill:
    score: float  # the claims' skills, pooled: the reward component
    relevance: float  # the claims' closeness to today over the base, pooled the same way
    skill: float  # sim_tomorrow - sim_base (means over the claims)
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
    pasted_from: Sequence[str] = (),
    embedder: Embedder | None = None,
    k: int = DEFAULT_K,
    floor: float = DEFAULT_FLOOR,
    scale: float = DEFAULT_SCALE,
    min_claims: int = DEFAULT_MIN_CLAIMS,
) -> SemanticSkill:
    """Skill of ``forecast`` for day t+1 and its relevance to day t, over the base rate of
    ``base_days`` (see the module docstring); runs of ``COPY_RUN`` words found in
    ``pasted_from`` are cut out of each claim first. With no claim or no base day there is no
    skill to measure: everything is 0. With no ``tomorrow`` yet (the daily loop before
    resolution) only ``relevance`` and ``sim_today`` are known."""
    made = claims(forecast)
    own = [strip_copied(c, pasted_from, COPY_RUN)[0] for c in made]
    own = [c for c in own if c]
    base_days = [list(day) for day in base_days if day]
    if not own or not base_days:
        return NONE
    embedder = embedder or shared_embedder()
    days = [list(tomorrow), list(today), *base_days]
    flat = [h for day in days for h in day]
    sims = embedder.similarity(own, flat)
    per_day, start = [], 0  # per day: c(s, D) for each claim s
    for day in days:
        block = sims[:, start : start + len(day)]
        per_day.append(np.array([closeness(row, k) for row in block]))
        start += len(day)
    s1, s0, base = per_day[0], per_day[1], np.mean(per_day[2:], axis=0)
    return SemanticSkill(
        pooled(s1 - base, floor, scale, min_claims, len(made)) if tomorrow else 0.0,
        pooled(s0 - base, floor, scale, min_claims, len(made)) if today else 0.0,
        float(np.mean(s1 - base)) if tomorrow else 0.0,
        float(s1.mean()),
        float(s0.mean()),
        float(base.mean()),
    )
