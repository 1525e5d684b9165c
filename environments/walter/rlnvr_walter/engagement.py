"""RLNVR engagement reward: resemble the posts that did better than the URL's typical post.

No verifier can say whether a post about an article is good, but real people already
answered for the posts others wrote about it. Each historical post ``j`` carries a
normalised weight ``w_j`` = log1p(likes + reposts + replies) minus its author's baseline
(``rlnvr_walter.baselines``: "was this unusually good for its author?"). A candidate post
``c`` is rewarded by how closely it resembles the posts that did better than the URL's base
rate, so that only what the unusually good posts did earns reward; resembling a post that
did no better than the URL's typical post earns about zero:

    value      n_j = logistic((w_j - centre) / scale)             in (0, 1)
    base rate  b   = sum_j r_j n_j / sum_j r_j                    (r_j = 1 for the URL's posts)
    excess     e_j = r_j * max(n_j - b, 0)                        what post j did above the base
    reach      h_j = min(high, a * cos(article, post_j))      (h_j = high without a reach)
    closeness  f_j = min(rise(s_j), fall(w_j))        s_j = cos(own words of c, post_j)
                                                      w_j = cos(c, post_j)
               rise(s) = clip((s - low) / (h_j - low), 0, 1)  (0 if h_j <= low: out of reach)
               fall(s) = clip((copy - s) / (copy - high), 0, 1)
    engagement E   = max_j f_j e_j / max_j e_j                    in [0, 1]; 0 if every e_j = 0
                     (e_j = 0 for a post out of reach)

- ``centre`` and ``scale`` are global (median and 1.4826 x MAD of the weights of every
  post in the corpus), so a weight means the same on every URL; the logistic keeps one
  viral outlier from flattening everyone else to zero.
- ``b`` is the URL's base rate: the mean value of its posts. Resembling a post that did no
  better than that earns nothing, resembling the best post in reach earns 1 (dividing by the
  largest excess in reach makes 1.0 reachable on every URL that has a post in reach above
  its base rate).
- ``rise`` is a ramp, not the raw cosine: below ``low`` (about the 95th percentile of the
  similarity of posts about *different* articles) a post is off topic and earns nothing; at
  the reach ``h_j`` closeness is full, and at ``high`` (about the 90th percentile between
  posts about the *same* article) at the latest. Beyond ``high`` a reply is paraphrasing
  post j rather than writing its own, so ``fall`` takes closeness back to 0 at ``copy``,
  where the embedding copy penalty (``near_copy``) starts: no band of similarity is paid as
  a post and not yet penalised as a copy, and a paraphrase of the best post earns less than
  a post of one's own. ``rise`` reads the candidate's own words (the caller leaves out runs
  lifted from the posts), ``fall`` the whole candidate: lifting a post's words earns no
  resemblance, and leaving them out cannot carry a near-copy back into the paid band.
- ``h_j``, the reach: closeness to post j is full where a post about the article gets, ``a``
  (``ARTICLE_REACH``, 0.8) times post j's cosine to this article's title and description
  (for a transfer post too, though it is about another article). With 1 to 5 posts per
  article the data cannot say which way of writing about an article did better (a probe on
  the posts' embeddings orders two posts about one article no better than chance,
  ``experiments/walter_engagement_signal.py``), so the reward does not pretend to: a reply
  about the article reaches its good posts in full, and the red team's climb toward a post's
  own words, above what the article explains, earns nothing more. A post that strayed so far
  from its article that no reply about it comes near (reach at or below ``low``) is out of
  reach: it still counts toward the base rate, but pays nothing.

Transfer, for URLs with a single historical post (no within-URL contrast to learn from):
the URL also gets the ``k`` posts on *other* URLs most similar to its own post, each with a
relevance ``r_t`` (their cosine to the URL's post, clipped to [0, 1]). They set the base
rate (``b`` above: the relevance-weighted mean of the URL's post and its neighbours, so the
URL's post earns reward to resemble only if it did better than posts about similar
articles), and their excess, discounted by relevance, can be resembled too:

    E = max(own, transfer),  own = max_j f_j e_j / Z,  Z = the largest excess in reach
    transfer = max_t f_t e_t / Z                   (mode "max")
             = mean_t f_t e_t / Z                  (mode "topk_mean", over the k posts)

A lone reference (a single-post URL with transfer "off") is measured against the corpus'
median post (value 1/2). The neighbours are found from the URL's post, not from the
candidate: searching the whole pool with the candidate would let a policy copy the corpus'
most viral post onto every URL.

Everything here is pure numpy on similarities and weights; embeddings are the caller's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

TransferMode = Literal["max", "topk_mean", "off"]
ReachMode = Literal["article", "fixed"]
ARTICLE_REACH = 0.8  # a: the share of a post's cosine to its article at which it is reached
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
    similarities: Sequence[float],
    low: float,
    high: float,
    copy: float = 1.0,
    whole: Sequence[float] | None = None,
    reach: Sequence[float] | None = None,
) -> np.ndarray:
    """Cosine similarity -> [0, 1]: 0 at or below ``low``, 1 from each post's full point
    (``full_at``) to ``high``, back to 0 at ``copy`` and above (a paraphrase is not a post of
    one's own). ``whole``: the similarities the fall reads (default: ``similarities``). A
    post whose full point is at or below ``low`` is out of reach and earns nothing."""
    if high <= low:
        raise ValueError(f"need low < high, got {low} and {high}")
    s = _finite(similarities)
    w = s if whole is None else _finite(whole)
    full = full_at(reach, high, s.size)
    if not (w.shape == s.shape == full.shape):
        raise ValueError("similarities, whole and reach must have the same length")
    in_reach = full > low
    rise = np.where(in_reach, (s - low) / np.where(in_reach, full - low, 1.0), 0.0)
    fall = (w < copy).astype(np.float64) if copy <= high else (copy - w) / (copy - high)
    return np.clip(np.minimum(rise, fall), 0.0, 1.0)


def full_at(reach: Sequence[float] | None, high: float, n: int) -> np.ndarray:
    """Where closeness to each of ``n`` posts is full: its reach, never past ``high``
    (``high`` for every post without a reach)."""
    return np.full(n, float(high)) if reach is None else np.minimum(_finite(reach), high)


def engagement_reward(
    similarities: Sequence[float],
    values: Sequence[float],
    *,
    low: float,
    high: float,
    copy: float = 1.0,
    transfer_similarities: Sequence[float] = (),
    transfer_values: Sequence[float] = (),
    transfer_relevance: Sequence[float] = (),
    mode: TransferMode = "max",
    whole: Sequence[float] | None = None,
    transfer_whole: Sequence[float] | None = None,
    reach: Sequence[float] | None = None,
    transfer_reach: Sequence[float] | None = None,
) -> float:
    """The RLNVR engagement reward E in [0, 1] (see the module docstring).

    ``similarities[j]``/``values[j]``: the candidate's cosine to the URL's own post j and
    that post's value (``engagement_values``). The ``transfer_*`` sequences are the same
    for the transfer posts plus their relevance; empty or ``mode="off"`` means none.
    ``whole``/``transfer_whole``: the whole candidate's cosines, which the fall toward a
    copy reads (default: the same as the similarities). ``reach``/``transfer_reach``: where
    closeness to each post is full (default: ``high``).
    """
    if mode not in ("max", "topk_mean", "off"):
        raise ValueError(f"transfer mode must be max, topk_mean or off, got {mode!r}")
    own_f = closeness(similarities, low, high, copy, whole, reach)
    own_v = _values(values)
    if own_f.shape != own_v.shape:
        raise ValueError("similarities and values must have the same length")
    use_transfer = mode != "off" and len(transfer_values) > 0
    if use_transfer:
        t_f = closeness(transfer_similarities, low, high, copy, transfer_whole, transfer_reach)
        t_v = _values(transfer_values)
        t_r = np.clip(_finite(transfer_relevance), 0, 1)
        if not (t_f.shape == t_v.shape == t_r.shape):
            raise ValueError("transfer similarities, values and relevance must match")
        t_in = full_at(transfer_reach, high, t_v.size) > low
    else:
        t_f = t_v = t_r = t_in = np.zeros(0)
    weight = own_v.size + t_r.sum()
    if weight <= 0.0:
        return 0.0
    lone = own_v.size + np.count_nonzero(t_r) < 2
    base = MEDIAN_VALUE if lone else float((own_v.sum() + (t_r * t_v).sum()) / weight)
    # A post out of reach counts toward the base rate but has no excess to pay or to scale by.
    own_e = np.clip(own_v - base, 0.0, None) * (full_at(reach, high, own_v.size) > low)
    t_e = t_r * np.clip(t_v - base, 0.0, None) * t_in
    z = max(float(own_e.max(initial=0.0)), float(t_e.max(initial=0.0)))
    if z <= 0.0:
        return 0.0
    own = float((own_f * own_e).max(initial=0.0)) / z
    transfer = 0.0
    if use_transfer:
        terms = t_f * t_e / z
        transfer = float(terms.max()) if mode == "max" else float(terms.mean())
    return float(min(1.0, max(0.0, own, transfer)))


def _finite(x: Sequence[float]) -> np.ndarray:
    """A finite float array (NaN counts as 0)."""
    return np.nan_to_num(np.asarray(list(x), dtype=np.float64), nan=0.0)


def _values(values: Sequence[float]) -> np.ndarray:
    """Values as a finite float array in [0, 1]."""
    return np.clip(_finite(values), 0.0, 1.0)
