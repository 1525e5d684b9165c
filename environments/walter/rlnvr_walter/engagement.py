"""RLNVR engagement reward: predicted engagement of a post over its URL's base rate, in [0, 1].

No verifier can say whether a post about an article is good, but real people already
answered for the posts others wrote about it. Each historical post ``j`` carries a
normalised weight ``w_j`` = log1p(likes + reposts + replies) minus its author's baseline
(``rlnvr_walter.baselines``: "was this unusually good for its author?"). A candidate post
``c`` is scored by the engagement the posts it resembles predict for it, measured against
the URL's base rate, so that writing like the typical post about a URL earns about zero
and only resembling what the unusually good posts did earns reward:

    value       n_j = logistic((w_j - centre) / scale)           in (0, 1)
    closeness   f_j = clip((s_j - low) / (high - low), 0, 1)     s_j = cos(c, post_j)
                      * clip((copy - s_j) / (copy - high), 0, 1)
    kernel      k_j = f_j * r_j                                  r_j: relevance (1 for own posts)
    prediction  v   = sum_j k_j n_j / sum_j k_j                  (the resembled posts' value)
    base rate   b   = sum_j r_j n_j / sum_j r_j                  (the URL's typical post)
    top         m   = max_j n_j
    engagement  E   = max_j k_j * clip((v - b) / (m - b), 0, 1)  in [0, 1]; 0 if m <= b

- ``centre`` and ``scale`` are global (median and 1.4826 x MAD of the weights of every
  post in the corpus), so a weight means the same on every URL; the logistic keeps one
  viral outlier from flattening everyone else to zero.
- ``v`` is a kernel regression: a reply as close to every post about the URL is predicted
  the URL's average (``v = b``, E = 0), a reply close only to the best post is predicted
  its value (``v = m``), a reply like the posts that flopped is below the base rate (E = 0).
- ``max_j k_j`` is how much the prediction is worth: off topic (every ``s_j <= low``, about
  the 95th percentile of the similarity of posts about *different* articles) earns nothing;
  at ``high`` (about the 90th percentile between posts about the *same* article) closeness
  is full. Beyond it a reply is paraphrasing post j rather than writing its own post, so
  post j's closeness falls back to 0 at ``copy``, where the embedding copy penalty
  (``near_copy``) starts: there is no band of similarity that is paid as a post and not
  yet penalised as a copy, and a paraphrase of the best post earns less than a reply at
  ``high`` from it.

Transfer, for URLs with a single historical post (no within-URL contrast): the URL also
gets the ``k`` posts on *other* URLs most similar to its own post, each with a relevance
``r_t`` (their cosine to the URL's post, clipped to [0, 1]) that weighs it in both the
prediction and the base rate. So the base rate of a single-post URL is taken from its
transfer neighbours: its own post earns reward to resemble only if it did better than the
posts about similar articles. A URL with one reference and no neighbours (transfer "off")
is measured against the corpus' median post (value 1/2). The neighbours are found from the
URL's post, not from the candidate: searching the whole pool with the candidate would let a
policy copy the corpus' most viral post onto every URL.

Everything here is pure numpy on similarities and weights; embeddings are the caller's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

TransferMode = Literal["neighbours", "off"]
MAD_TO_SIGMA = 1.4826
MEDIAN_VALUE = 0.5  # a post at the corpus' median weight: the base rate of a lone reference


def weight_scale(weights: Sequence[float]) -> tuple[float, float]:
    """(centre, scale) of a corpus' weights: the median and 1.4826 x MAD (1.0 if degenerate)."""
    w = np.asarray(list(weights), dtype=np.float64)
    w = w[np.isfinite(w)]
    if w.size == 0:
        return 0.0, 1.0
    centre = float(np.median(w))
    scale = float(MAD_TO_SIGMA * np.median(np.abs(w - centre)))
    return centre, scale if scale > 1e-9 else 1.0


def engagement_values(weights: Sequence[float], centre: float, scale: float) -> np.ndarray:
    """Each weight's value in (0, 1): a logistic over the global weight range."""
    w = np.nan_to_num(np.asarray(list(weights), dtype=np.float64), nan=centre)
    z = np.clip((w - centre) / max(scale, 1e-9), -60, 60)
    return 1.0 / (1.0 + np.exp(-z))


def closeness(
    similarities: Sequence[float], low: float, high: float, copy: float = 1.0
) -> np.ndarray:
    """Cosine similarity -> [0, 1]: 0 at or below ``low``, 1 from ``high`` to ``high``, back
    to 0 at ``copy`` and above (a paraphrase is not a post of one's own)."""
    s = np.nan_to_num(np.asarray(list(similarities), dtype=np.float64), nan=0.0)
    rise = (s > low).astype(np.float64) if high <= low else (s - low) / (high - low)
    fall = (s < copy).astype(np.float64) if copy <= high else (copy - s) / (copy - high)
    return np.clip(np.minimum(rise, fall), 0.0, 1.0)


def engagement_reward(
    similarities: Sequence[float],
    values: Sequence[float],
    *,
    low: float,
    high: float,
    copy: float = 1.0,
    relevance: Sequence[float] | None = None,
) -> float:
    """The RLNVR engagement reward E in [0, 1] (see the module docstring).

    ``similarities[j]``/``values[j]``: the candidate's cosine to reference post j and that
    post's value (``engagement_values``); ``relevance[j]`` in [0, 1] weighs the reference
    (1 for the URL's own posts, the default; a transfer neighbour's relevance otherwise).
    """
    f = closeness(similarities, low, high, copy)
    n = np.clip(np.nan_to_num(np.asarray(list(values), dtype=np.float64)), 0.0, 1.0)
    r = np.ones_like(n) if relevance is None else np.asarray(list(relevance), dtype=np.float64)
    r = np.clip(np.nan_to_num(r), 0.0, 1.0)
    if not (f.shape == n.shape == r.shape):
        raise ValueError("similarities, values and relevance must have the same length")
    if r.sum() <= 0.0:
        return 0.0
    base = MEDIAN_VALUE if np.count_nonzero(r) < 2 else float((r * n).sum() / r.sum())
    top = float(n[r > 0].max())
    kernel = f * r
    if top <= base + 1e-9 or kernel.sum() <= 0.0:
        return 0.0
    prediction = float((kernel * n).sum() / kernel.sum())
    skill = min(1.0, max(0.0, (prediction - base) / (top - base)))
    return float(min(1.0, max(0.0, kernel.max() * skill)))
