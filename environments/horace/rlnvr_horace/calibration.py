"""Per-author, per-length calibration of the style reward: how the author's own chunks sit.

A signature distance means nothing on its own: a 80-word text's features are noisier than a
300-word text's, so it lies further from every signature, and some authors sit near the
centre of the corpus, where other authors' prose lies about as close as their own. So the
reward reads a text's numbers against the author's own chunks *of the text's length*, stored
as quantiles (:data:`GRID`) at a few lengths by ``rlnvr_horace.build`` and interpolated
between them (the shortest below, the longest above):

* ``distance``: the distance of the author's own chunks to their signature. A text's
  closeness is the share of those chunks that lie further away (:func:`closeness`):
  continuous, 0.5 for a text as close as the author's median chunk, never capped there. The
  old reward paid 1 to anything closer than that median, and at short lengths the median was
  loose enough that text near the average of all authors reached it for all of them.
* ``margin``: the text's median distance to the *other* authors' signatures minus its distance to
  the target's: above 0 when the text is nearer the target than to the typical other author, about
  0 for text equally near everyone (Delta's margin, read the same way, is over the text's nearest
  rivals instead: ``rlnvr_horace.burrows_delta.margins``). Some authors sit near the centre of the
  corpus, where most prose is nearer them than to the rest, so a positive margin alone is no
  skill: the calibration stores the margins toward the target of *other* authors' chunks of that
  length, and :func:`margin_score` pays only the part of a margin beyond theirs
  (:func:`beyond_others`: 0 up to their median, rising with the share of them it passes), and pays
  it in full at a margin most of the author's own chunks of that length reach (``m_own``: their
  :data:`OWN_FULL` quantile; Delta's margin, over the nearest rivals, at its own
  ``rlnvr_horace.burrows_delta.DELTA_OWN_FULL``).

Why full where most of the author's own chunks are, and not beyond every other author's
chunk: a text more author-like than the author's typical prose is a caricature, not more
skill, and the last stretch of the scale is where a search finds its gains. Paid up to
"beyond all of them", an honest imitation that reads as the author's typical chunk sat in
the middle of the scale, and the best of a few hundred blind edits of it (noise, not skill)
beat it on most tasks. Full at the author's *median* chunk (or later, at other authors' 75th
percentile) still left over a third of the author's own prose, and two honest imitations of
twelve, on the slope, where a one-word edit or another author's passage could lift them by
a fifth of the scale.
Where the author's own chunks are barely nearer them than other authors' chunks are
(Dickens, near the centre of the corpus), full pay waits for other authors' 75th
percentile (:data:`FULL_AT_LEAST`), so the typical other author's prose is never paid in full.

Measured (rlnvr's ``docs/horace.md``): under rlnvr-tiny an author's own chunks are rarely
nearer their signature than every other author's (the nearest signature names the author of
11-14% of 80-150-word chunks), so a margin over the *nearest* other author would pay almost
no real prose of the author; the median other author is the base rate instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

GRID = tuple(round(0.05 * i, 2) for i in range(21))  # the quantiles stored: 0, 0.05, ..., 1
FULL_AT_LEAST = 0.5  # a margin is never paid in full before other authors' 75th percentile
OWN_FULL = 0.3  # pay is full at the margin 70% of the author's own chunks reach (``m_own``)


def quantiles(values: Sequence[float]) -> list[float]:
    """``values`` at the quantiles of :data:`GRID`, rounded for a stable JSON file."""
    return [round(float(v), 6) for v in np.quantile(np.asarray(values, dtype=float), GRID)]


def at_length(words: int, calibration: Mapping, key: str) -> np.ndarray:
    """The quantiles of ``key`` interpolated at ``words`` (clamped to the calibrated range)."""
    table = np.asarray(calibration[key], dtype=float)  # lengths x quantiles
    lengths = calibration["words"]
    return np.array([np.interp(words, lengths, table[:, j]) for j in range(table.shape[1])])


def closeness(distance: float, words: int, calibration: Mapping) -> float:
    """Share of the author's own chunks of ``words`` words further from their signature than
    ``distance``: 1 closer than all of them, 0 further than all (and for a non-finite one)."""
    if not np.isfinite(distance):
        return 0.0
    q = at_length(words, calibration, "distance")
    return float(1.0 - np.interp(distance, q, GRID))


def beyond_others(margin: float, words: int, calibration: Mapping) -> float:
    """0 for a text no nearer the author than to the typical other author, or no nearer than
    other authors' chunks of that length typically are; rising to 1 beyond all of them."""
    if not np.isfinite(margin) or margin <= 0:
        return 0.0
    share_below = float(np.interp(margin, at_length(words, calibration, "margin"), GRID))
    return max(0.0, 2.0 * share_below - 1.0)


def margin_score(margin: float, words: int, calibration: Mapping) -> float:
    """:func:`beyond_others`, full at the margin most of the author's own chunks of that
    length reach (``m_own``), or at :data:`FULL_AT_LEAST` if theirs is below it."""
    own = float(np.interp(words, calibration["words"], calibration["m_own"]))
    full = max(beyond_others(own, words, calibration), FULL_AT_LEAST)
    return min(1.0, beyond_others(margin, words, calibration) / full)
