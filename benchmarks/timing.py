"""Timing for benchmarks on a shared machine: the contenders take turns.

Run the benchmark scripts from the repository root (``python benchmarks/NAME.py``); they
import this module from their own folder.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

Step = Callable[[], object]
Work = Callable[[], float]


def _rounds(steps: dict[str, Step], repeats: int, rounds: int) -> dict[str, list[tuple]]:
    """Per step, one (seconds per call, its calls' return values) per round, the steps
    taking turns in every round after one warm-up call each (which also compiles)."""
    for step in steps.values():
        step()
    samples: dict[str, list[tuple]] = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            results = [step() for _ in range(repeats)]
            samples[name].append(((time.perf_counter() - start) / repeats, results))
    return samples


def interleaved(steps: dict[str, Step], repeats: int, rounds: int) -> dict[str, float]:
    """Median over ``rounds`` of each step's mean time, the steps taking turns in every
    round, so load from other processes on a shared machine hits them all alike."""
    samples = _rounds(steps, repeats, rounds)
    return {name: float(np.median([t for t, _ in s])) for name, s in samples.items()}


class Rate(NamedTuple):
    per_second: float  # median over rounds of the round's work / the round's time
    seconds: float  # median over rounds of the time per call


def interleaved_rates(steps: dict[str, Work], repeats: int, rounds: int) -> dict[str, Rate]:
    """Each step's work per second and time per call, medians over ``rounds``, where a
    call returns the work it did (tokens generated, say): for steps whose work varies from
    call to call, as sampled completions that stop at different lengths do. The steps take
    turns as in :func:`interleaved`."""
    samples = _rounds(steps, repeats, rounds)
    return {
        name: Rate(
            float(np.median([sum(work) / (t * len(work)) for t, work in s])),
            float(np.median([t for t, _ in s])),
        )
        for name, s in samples.items()
    }


def set_torch_threads(threads: int) -> int:
    """``torch.set_num_threads(threads)`` unless 0; returns the count torch will use. On a
    machine shared with other busy processes torch's OpenMP threads stall each other (a
    2-thread step was ~13x slower than a 1-thread one here while another job held both
    cores), so the torch sides take ``--torch-threads 1`` there."""
    import torch

    if threads > 0:
        torch.set_num_threads(threads)
    return torch.get_num_threads()


def add_side_options(
    parser: argparse.ArgumentParser, known: Sequence[str], torch_side: str
) -> None:
    """``--torch-threads`` (for ``torch_side``) and ``--sides``, shared by the benchmarks that
    time torch next to MLX."""
    threads = f"torch.set_num_threads for {torch_side} (0: torch's default)"
    parser.add_argument("--torch-threads", type=int, default=0, help=threads)
    sides = f"comma-separated sides to time, of {', '.join(known)}"
    parser.add_argument("--sides", default=",".join(known), help=sides)


def chosen_sides(parser: argparse.ArgumentParser, text: str, known: Sequence[str]) -> list[str]:
    """The comma-separated ``--sides`` a benchmark times, each one of ``known``."""
    sides = [s for s in text.split(",") if s]
    if unknown := set(sides) - set(known):
        parser.error(f"unknown sides: {', '.join(sorted(unknown))}")
    return sides
