"""Length guard for a forecast: empty or overlong text cannot score well.

``length_guard(n)`` multiplies every Varro reward component:

    0 words                       -> 0
    1 .. min_words                -> n / min_words          (ramp up)
    min_words .. max_words        -> 1
    max_words .. hard_max_words   -> linear from 1 down to 0
    over hard_max_words           -> 0

Defaults 25 / 150 / 250: a forecast paragraph is a few sentences; 250 words is an essay.
A graded guard (not a 0/1 cut) leaves a policy a gradient back into the band.
"""

from __future__ import annotations


def length_guard(
    n_words: int, min_words: int = 25, max_words: int = 150, hard_max_words: int = 250
) -> float:
    if not 0 < min_words <= max_words < hard_max_words:
        raise ValueError("need 0 < min_words <= max_words < hard_max_words")
    if n_words <= 0 or n_words > hard_max_words:
        return 0.0
    if n_words < min_words:
        return n_words / min_words
    if n_words <= max_words:
        return 1.0
    return (hard_max_words - n_words) / (hard_max_words - max_words)
