# Generated from data_pipelines/splits.py by scripts/vendor.py: do not edit.
"""Deterministic train / held-out splits by a hash of a stable key.

Adding or removing items never moves the others across the split, and the same key lands
on the same side on every machine.
"""

from __future__ import annotations

import hashlib


def is_heldout(key: str, percent: float) -> bool:
    digest = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)
    return digest % 10_000 < percent * 100
