"""Timing for benchmarks on a shared machine: the contenders take turns.

Run the benchmark scripts from the repository root (``python benchmarks/NAME.py``); they
import this module from their own folder.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

Step = Callable[[], object]


def interleaved(steps: dict[str, Step], repeats: int, rounds: int) -> dict[str, float]:
    """Median over ``rounds`` of each step's mean time, the steps taking turns in every
    round, so load from other processes on a shared machine hits them all alike."""
    for step in steps.values():
        step()  # warm-up (and compilation)
    samples: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            for _ in range(repeats):
                step()
            samples[name].append((time.perf_counter() - start) / repeats)
    return {name: float(np.median(t)) for name, t in samples.items()}
