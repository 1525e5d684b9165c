# Generated from rubrics/length.py by scripts/vendor.py: do not edit.
"""Graded length reward: 1 inside a target band, falling off linearly outside it.

A hard 0/1 cut gives a policy no gradient towards the band; a graded one does, and an empty
completion always scores 0.
"""

from __future__ import annotations


def word_count(text: str) -> int:
    return len(text.split())


def band_score(n: float, low: float, high: float) -> float:
    """1.0 for ``low <= n <= high``; linear to 0 at ``n = 0`` and at ``n = 2 * high``."""
    if n <= 0:
        return 0.0
    if n < low:
        return n / low
    if n <= high:
        return 1.0
    return max(0.0, 1.0 - (n - high) / high)
