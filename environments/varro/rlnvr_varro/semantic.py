"""Semantic reward for a forecast: closeness to tomorrow's headlines, minus echo of today's.

The truth about a forecast written on day t arrives on day t+1, as that day's headlines.
With sentence embeddings (L2-normalised, so a dot product is the cosine similarity):

    s1  = agg_j cos(forecast, tomorrow_j)        closeness to what happened
    s0  = agg_i cos(forecast, today_i)           closeness to what the model was shown
    raw = s1 - echo_weight * max(0, s0 - s1)     echo term: only when nearer today than tomorrow
    semantic = clip((raw - floor) / (ceiling - floor), 0, 1)

``agg`` is ``max`` (the single best-matching headline) or ``topk_mean`` (the mean of the k
best, which rewards a forecast that matches a story several outlets ran rather than one
lucky title). The same aggregate is used for both days.

Why this echo term: most news continues, so a good forecast about a running story is close
to both days, and "similarity gained over today" (s1 - s0) would score it near zero. What
must lose is a text nearer to today than to tomorrow: a headline pasted back or restated
(s0 well above s1) has the gap subtracted again, while a forecast at least as close to
tomorrow as to today keeps s1 whole. With ``echo_weight = 1`` a pure restatement scores
``2*s1 - s0``, below its own s1 and below any forecast that reaches tomorrow as closely
without leaning on today.

The rescale maps ``floor`` to 0 and ``ceiling`` to 1 (clipped), so that semantic and
structure (each in [0, 1]) weigh what their weights say. Measured with all-MiniLM-L6-v2 (max
over up to 40 headlines of the packaged days): a forecast about another topic scores
s1 ~ 0.2-0.4, a generic markets paragraph ~ 0.3-0.5 (financial headlines are always there),
hand-written forecasts that anticipate the next day's news ~ 0.47-0.59, a near paraphrase of
one headline > 0.7. Hence the defaults ``floor = 0.25``, ``ceiling = 0.70``; another
embedding model needs its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from rlnvr_varro._vendor.embeddings import Embedder, shared_embedder

Mode = Literal["max", "topk_mean"]

DEFAULT_FLOOR = 0.25
DEFAULT_CEILING = 0.70


def aggregate(similarities: np.ndarray, mode: Mode = "max", k: int = 3) -> float:
    """``max`` or the mean of the ``k`` largest values (all of them if fewer); 0.0 if empty."""
    sims = np.asarray(similarities, dtype=np.float64).ravel()
    if sims.size == 0:
        return 0.0
    if mode == "max":
        return float(sims.max())
    if mode == "topk_mean":
        if k < 1:
            raise ValueError(f"k must be >= 1, not {k}")
        top = np.sort(sims)[-min(k, sims.size) :]
        return float(top.mean())
    raise ValueError(f"unknown semantic mode {mode!r}: use 'max' or 'topk_mean'")


def rescale(value: float, floor: float = DEFAULT_FLOOR, ceiling: float = DEFAULT_CEILING) -> float:
    if ceiling <= floor:
        raise ValueError(f"ceiling ({ceiling}) must be above floor ({floor})")
    return float(min(1.0, max(0.0, (value - floor) / (ceiling - floor))))


@dataclass(frozen=True)
class SemanticScore:
    score: float  # in [0, 1], the reward component
    raw: float  # s1 - echo_weight * max(0, s0 - s1)
    sim_tomorrow: float  # s1
    sim_today: float  # s0


def semantic_score(
    forecast: str,
    tomorrow: Sequence[str],
    today: Sequence[str] = (),
    *,
    embedder: Embedder | None = None,
    mode: Mode = "max",
    k: int = 3,
    echo_weight: float = 1.0,
    floor: float = DEFAULT_FLOOR,
    ceiling: float = DEFAULT_CEILING,
) -> SemanticScore:
    """Score ``forecast`` against day t+1 (``tomorrow``) with an echo term for day t
    (``today``); see the module docstring. Empty text or no reference scores 0."""
    text = forecast.strip()
    if not text or not tomorrow:
        return SemanticScore(0.0, 0.0, 0.0, 0.0)
    embedder = embedder or shared_embedder()
    refs = list(tomorrow) + list(today)
    sims = embedder.similarity([text], refs)[0]
    s1 = aggregate(sims[: len(tomorrow)], mode, k)
    s0 = aggregate(sims[len(tomorrow) :], mode, k) if today else 0.0
    raw = s1 - echo_weight * max(0.0, s0 - s1)
    return SemanticScore(rescale(raw, floor, ceiling), raw, s1, s0)
