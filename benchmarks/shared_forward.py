"""Walter's score with the salad judge and the embedder sharing one MiniLM forward, vs two.

    python benchmarks/shared_forward.py [--edits 8] [--rounds 4]

The judge reads token states of the same prose the embedder embeds, so
``Embedder.pooled_states`` caches the sentence embedding it computes on the way. The baseline
runs the forward twice: it drops those cached embeddings, as the judge did before it shared.
Replies are blind edits of the honest posts (the red team's ``mutate``), new text every round,
so every reply costs its forwards; the two sides take turns. Prints ms per reply and the ratio.
"""

from __future__ import annotations

import argparse
import random
import time

import numpy as np

import rlnvr  # noqa: F401  (fast BLAS first)
from rlnvr.trainers import redteam_edits as edits
from rlnvr.trainers.redteam import edit_pool, honest_tasks
from rlnvr.trainers.tasksets import load_taskset
from rlnvr.trainers.traces import score


def main() -> None:
    from rlnvr_walter._vendor.embeddings import shared_embedder

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=8, help="edited replies per honest post")
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    taskset = load_taskset({"id": "rlnvr-walter"})
    tasks, honest = honest_tasks(taskset, list(taskset), 13)
    rng = random.Random(0)
    replies = [
        (task, edits.mutate(honest[task.key], edit_pool(task, honest[task.key]), rng))
        for task in tasks
        for _ in range(args.edits)
    ]
    for task in tasks:
        score(task, honest[task.key])  # load the models, embed the references
    embedder = shared_embedder()
    shared = embedder.pooled_states

    def twice(texts, layers):
        states = shared(texts, layers)
        for text in texts:
            embedder._cache.pop(text, None)
        return states

    seconds: dict[str, list[float]] = {"one forward (shared)": [], "two forwards": []}
    for r in range(args.rounds):
        for side, states in zip(seconds, (shared, twice), strict=True):
            embedder.pooled_states = states
            start = time.perf_counter()
            for task, text in replies:
                score(task, f"{text} {r}{len(side)}")
            seconds[side].append((time.perf_counter() - start) / len(replies))
    del embedder.pooled_states
    print(f"{len(replies)} replies, median of {args.rounds} alternating rounds")
    for side, times in seconds.items():
        print(f"{side:<22} {1000 * np.median(times):6.0f} ms per reply")
    one, two = (np.median(t) for t in seconds.values())
    print(f"two / one: {two / one:.2f}x")


if __name__ == "__main__":
    main()
