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
* ``margin``: the distance to the nearest *competitor* (another author, or the scoring model's
  own samples) minus the distance to the author. A text equally near everyone has margin 0,
  whoever it names; :func:`margin_score` rises from 0 there to 1 at the margin that
  :data:`MARGIN_FULL` of the author's own chunks stay below.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

GRID = tuple(round(0.05 * i, 2) for i in range(21))  # the quantiles stored: 0, 0.05, ..., 1
MARGIN_FULL = 0.75  # quantile of own chunks' margins that earns a margin score of 1
MIN_MARGIN_SCALE = 0.05  # floor on that margin, for authors whose own chunks rarely win


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


def margin_score(margin: float, words: int, calibration: Mapping) -> float:
    """0 for a text no nearer the author than to the nearest competitor, rising linearly to 1
    at the margin :data:`MARGIN_FULL` of the author's own chunks of that length stay below."""
    if not np.isfinite(margin) or margin <= 0:
        return 0.0
    full = np.interp(MARGIN_FULL, GRID, at_length(words, calibration, "margin"))
    return float(min(margin / max(full, MIN_MARGIN_SCALE), 1.0))
