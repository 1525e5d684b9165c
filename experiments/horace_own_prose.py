"""What does Horace's reward pay the authors' own prose, beside the honest imitations?

    .venv/bin/python experiments/horace_own_prose.py [--words 110] [--per-author 4]

The ceiling a reward should reach is the author's own writing: a reward that pays an author's
typical passage less than an imitation pays caricature. This scores ``--per-author`` random
chunks of ``--words`` words of each target author's sample text (``data/samples/literature``)
on one of that author's tasks with the copying guard off (the chunks are the sample itself),
the same chunks on the next author's task (the base rate: real prose, but not the target's),
and the packaged honest imitations on their tasks, and prints each component's mean.
"""

from __future__ import annotations

import argparse
import asyncio
import random
from dataclasses import replace
from pathlib import Path
from statistics import fmean

from rlnvr.trainers.redteam import honest_tasks
from rlnvr.trainers.tasksets import load_taskset
from rlnvr.trainers.traces import Score, score_async
from rlnvr_horace._vendor.literature import read_corpus
from rlnvr_horace.build import DISPLAY
from rlnvr_horace.chunks import chunk_documents
from rlnvr_horace.taskset import unwrap

NO_COPY_GUARD = ["length", "repetition", "surprisal_range", "typicality"]


def own_chunks(words: int, per_author: int, authors: set[str]) -> list[tuple[str, str]]:
    """(author, text) for ``per_author`` random chunks of each author in ``authors``."""
    docs = [replace(d, text=unwrap(d.text)) for d in read_corpus(Path("data/samples/literature"))]
    by_author: dict[str, list[str]] = {}
    for chunk in chunk_documents(docs, words):
        author = DISPLAY.get(chunk.author, chunk.author)
        if author in authors:
            by_author.setdefault(author, []).append(chunk.text)
    rng = random.Random(0)
    return [(a, t) for a, ts in by_author.items() for t in rng.sample(ts, min(per_author, len(ts)))]


def report(name: str, scores: list[Score]) -> None:
    parts = ", ".join(f"{k} {fmean(s.rewards[k] for s in scores):.3f}" for k in scores[0].rewards)
    print(f"{name} (n={len(scores)}): reward {fmean(s.reward for s in scores):.3f}; {parts}")


async def main(args: argparse.Namespace) -> None:
    taskset = load_taskset({"id": "rlnvr-horace"})
    tasks, honest = honest_tasks(taskset, list(taskset), None)
    unguarded = load_taskset({"id": "rlnvr-horace", "task": {"guards": NO_COPY_GUARD}})
    one_task = {}
    for task in unguarded:
        one_task.setdefault(task.data.author, task)
    chunks = own_chunks(args.words, args.per_author, set(one_task))
    report("honest imitations", [await score_async(t, honest[t.key]) for t in tasks])
    report("authors' own prose", [await score_async(one_task[a], text) for a, text in chunks])
    authors = sorted(one_task)
    nxt = {a: authors[(i + 1) % len(authors)] for i, a in enumerate(authors)}
    others = [await score_async(one_task[nxt[a]], text) for a, text in chunks]
    report("another author's prose", others)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=110)
    parser.add_argument("--per-author", type=int, default=4)
    asyncio.run(main(parser.parse_args()))
