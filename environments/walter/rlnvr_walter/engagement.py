"""RLNVR engagement reward: resemble the posts that did unusually well, rescaled to [0, 1].

No verifier can say whether a post about an article is good, but real people already
answered for the posts others wrote about it. Each historical post ``j`` carries a
normalised weight ``w_j`` = log1p(likes + reposts + replies) minus its author's baseline
(``rlnvr_walter.baselines``: "was this unusually good for its author?"). A
candidate post ``c`` is rewarded by how closely it resembles the posts that did well:

    value      n_j  = logistic((w_j - centre) / scale)          in (0, 1)
    closeness  f(s) = clip((s - low) / (high - low), 0, 1)      s = cos(c, post_j)
    engagement E    = max_j f(s_j) * n_j / max_j n_j            in [0, 1]

- ``centre`` and ``scale`` are global (median and 1.4826 x MAD of the weights of every
  post in the corpus), so a weight means the same on every URL; the logistic keeps one
  viral outlier from flattening everyone else to zero, and a below-baseline post still
  has some value (being like a real post about the article is worth something).
- Dividing by the URL's best value makes 1.0 reachable on every URL: it is "as close to
  the URL's best post as the closest real posts about one article are to each other".
- ``f`` is a ramp, not the raw cosine: below ``low`` (about the 95th percentile of the
  similarity of posts about *different* articles) a post is off topic and earns nothing;
  at ``high`` (about the 90th percentile between posts about the *same* article) it earns
  full credit, so pushing similarity further (towards a copy) gains nothing. A copy has
  to be stopped by a penalty anyway: see ``rlnvr_walter._vendor.hacks.near_copy``.

Transfer, for URLs with a single historical post (no within-URL contrast to learn from):
the URL also gets the ``k`` posts on *other* URLs most similar to its own post, each with a
relevance ``r_t`` (their cosine to the URL's post, clipped to [0, 1]) that discounts its
value, ``n_t * r_t``. The normaliser becomes the largest (discounted) value of all
references, and

    E = max(own, transfer),  own = max_j f(s_j) n_j / Z,
    transfer = max_t f(s_t) n_t r_t / Z            (mode "max")
             = mean_t f(s_t) n_t r_t / Z           (mode "topk_mean", over the k posts)

so a flop on this URL is outranked by a neighbour that did well on a similar article.
The neighbours are found from the URL's post, not from the candidate: searching the
whole pool with the candidate would let a policy copy the corpus' most viral post onto
every URL.

Everything here is pure numpy on similarities and weights; embeddings are the caller's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

TransferMode = Literal["max", "topk_mean", "off"]
MAD_TO_SIGMA = 1.4826


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


def closeness(similarities: Sequence[float], low: float, high: float) -> np.ndarray:
    """Cosine similarity -> [0, 1]: 0 at or below ``low``, 1 at or above ``high``."""
    s = np.nan_to_num(np.asarray(list(similarities), dtype=np.float64), nan=0.0)
    if high <= low:
        return (s > low).astype(np.float64)
    return np.clip((s - low) / (high - low), 0.0, 1.0)


def engagement_reward(
    similarities: Sequence[float],
    values: Sequence[float],
    *,
    low: float,
    high: float,
    transfer_similarities: Sequence[float] = (),
    transfer_values: Sequence[float] = (),
    transfer_relevance: Sequence[float] = (),
    mode: TransferMode = "max",
) -> float:
    """The RLNVR engagement reward E in [0, 1] (see the module docstring).

    ``similarities[j]``/``values[j]``: the candidate's cosine to the URL's own post j and
    that post's value (``engagement_values``). The ``transfer_*`` sequences are the same
    for the transfer posts plus their relevance; empty or ``mode="off"`` means none.
    """
    if mode not in ("max", "topk_mean", "off"):
        raise ValueError(f"transfer mode must be max, topk_mean or off, got {mode!r}")
    own_f = closeness(similarities, low, high)
    own_v = np.clip(np.nan_to_num(np.asarray(list(values), dtype=np.float64)), 0.0, None)
    if own_f.shape != own_v.shape:
        raise ValueError("similarities and values must have the same length")
    use_transfer = mode != "off" and len(transfer_values) > 0
    if use_transfer:
        t_f = closeness(transfer_similarities, low, high)
        t_v = np.clip(np.nan_to_num(np.asarray(list(transfer_values), dtype=np.float64)), 0, None)
        t_r = np.clip(np.nan_to_num(np.asarray(list(transfer_relevance), dtype=np.float64)), 0, 1)
        if not (t_f.shape == t_v.shape == t_r.shape):
            raise ValueError("transfer similarities, values and relevance must match")
        t_v = t_v * t_r
    else:
        t_f = t_v = np.zeros(0)
    z = max(float(own_v.max(initial=0.0)), float(t_v.max(initial=0.0)))
    if z <= 0.0:
        return 0.0
    own = float((own_f * own_v).max(initial=0.0)) / z
    transfer = 0.0
    if use_transfer:
        terms = t_f * t_v / z
        transfer = float(terms.max()) if mode == "max" else float(terms.mean())
    return float(min(1.0, max(0.0, own, transfer)))
