"""How much each Horace reward component knows about the author, and how much it is noise.

    .venv/bin/python experiments/horace_reliability.py [--words 150] [--edits 24]
        [--scoring-model M --data-dir D]   # D: the data `rlnvr_horace.build --model M` wrote

A component earns its weight by telling the author apart from the rest, and loses it by moving
when nothing about the style has: a search (the red team's, or a policy's group of samples)
keeps the luckiest of many near-identical texts, so the reward it finds above an honest text
grows with the component's edit noise, times its weight. Per component:

* ``AUC``: for each target author, the chance that one of their own ``--words``-word chunks
  (the build's calibration chunks) outscores another author's chunk, averaged over authors
  (0.5: blind). The copy guard is off (the chunks are the literature sample itself); Delta's
  space and the classifier were fitted on these chunks, so their AUC is in-sample;
* ``edit noise``: the standard deviation of the component's change when one word of a
  packaged honest completion is substituted, inserted, deleted or repeated
  (``rlnvr.trainers.redteam_edits``), ``--edits`` edits per honest text; and the mean
  change, a direction a policy could learn;
* ``garbling``: the mean change after 1, 3, 6 and 12 such edits in a row (``--garble``
  texts per honest text and count). A component that keeps rising as the text is garbled
  pays a direction a policy can learn; one whose single-edit wins fall away with more edits
  is paying noise, which a search can exploit (it keeps the luckiest text) and a policy's
  gradient, averaged over samples and tasks, mostly cannot;
* ``rank``: for each packaged honest imitation, the target author's rank among all authors
  when the same text is scored on one task per author (1: the target scores highest),
  averaged: what the component knows about an imitation, not about the author's own prose.

``AUC - 0.5`` over the edit noise is the component's signal per unit of noise; with the rank,
what the default weights follow.
"""

from __future__ import annotations

import argparse
import asyncio
import random
from dataclasses import replace

import numpy as np
from sklearn.metrics import roc_auc_score

from rlnvr.trainers import redteam_edits as edits
from rlnvr.trainers.redteam import honest_tasks, prompt_text, references
from rlnvr.trainers.tasksets import load_taskset
from rlnvr.trainers.traces import reward_weights, score_async

MOVES = (edits.substitute, edits.insert_word, edits.delete_word, edits.duplicate_span)
SCORER: dict[str, str] = {}  # [env.taskset.task] fields naming another scoring model and its data


def horace(**task):
    """The rlnvr-horace taskset, scored as ``--scoring-model`` reads it."""
    return load_taskset({"id": "rlnvr-horace", "task": {**SCORER, **task}})


def one_per_author(tasks) -> dict:
    """The first task of each author: where a text is scored as that author's."""
    first = {}
    for task in tasks:
        first.setdefault(task.data.author, task)
    return first


def author_chunks(words: int, authors: set[str]) -> list[tuple[str, str]]:
    """(author, text) of the build's calibration chunks of ``words`` words of ``authors``."""
    from rlnvr_horace._vendor.literature import read_corpus
    from rlnvr_horace.build import DEFAULT_SRC, author_of, calibration_chunks
    from rlnvr_horace.taskset import unwrap

    documents = read_corpus(DEFAULT_SRC)
    targets = [replace(d, text=unwrap(d.text)) for d in documents if author_of(d) in authors]
    chunks, who = calibration_chunks(targets, words)
    return [(a, c.text) for c, a in zip(chunks, who, strict=True)]


async def separation(words: int) -> dict[str, float]:
    """Each component's AUC of own vs other authors' chunks, averaged over target authors."""
    guards = ["length", "repetition", "surprisal_range", "typicality"]  # no copy guard
    first = one_per_author(horace(guards=guards))
    chunks = author_chunks(words, set(first))
    out: dict[str, list[float]] = {}
    for author, task in sorted(first.items()):
        scores = await asyncio.gather(*(score_async(task, text) for _, text in chunks))
        own = np.array([a == author for a, _ in chunks])
        for name in [*scores[0].rewards, "reward"]:
            v = np.array([s.reward if name == "reward" else s.rewards[name] for s in scores])
            out.setdefault(name, []).append(float(roc_auc_score(own, v)))  # ties count half
    return {name: float(np.mean(v)) for name, v in out.items()}


async def honest_ranks() -> dict[str, float]:
    """Each component's mean rank of the target author among all authors for the packaged honest
    imitations (each scored on one task per author; 1: the target scores highest)."""
    taskset = horace()
    tasks, honest = honest_tasks(taskset, list(taskset), None)
    first = one_per_author(taskset)
    ranks: dict[str, list[int]] = {}
    for task in tasks:
        text = honest[task.key]
        scores = {a: await score_async(t, text) for a, t in first.items()}
        for name in [*scores[task.data.author].rewards, "reward"]:
            value = {
                a: s.reward if name == "reward" else s.rewards[name] for a, s in scores.items()
            }
            above = sum(v > value[task.data.author] for v in value.values())
            ranks.setdefault(name, []).append(1 + above)
    return {name: float(np.mean(r)) for name, r in ranks.items()}


def garble(text: str, k: int, pool: edits.Pool, rng: random.Random) -> str:
    """``text`` after ``k`` random one-word edits in a row."""
    for _ in range(k):
        text = rng.choice(MOVES)(text, pool, rng)
    return text


async def edit_changes(n: int, k: int = 1) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Per component, its change under ``n`` texts of ``k`` one-word edits of each honest
    text; the reward weights."""
    taskset = horace()
    tasks, honest = honest_tasks(taskset, list(taskset), None)
    changes: dict[str, list[float]] = {}
    for task in tasks:
        rng = random.Random(task.key)
        pool = edits.Pool.of([prompt_text(task), *references(task), honest[task.key]])
        base = await score_async(task, honest[task.key])
        kids = [garble(honest[task.key], k, pool, rng) for _ in range(n)]
        for s in await asyncio.gather(*(score_async(task, k) for k in kids)):
            changes.setdefault("reward", []).append(s.reward - base.reward)
            for name, v in s.rewards.items():
                changes.setdefault(name, []).append(v - base.rewards[name])
    return {k: np.array(v) for k, v in changes.items()}, reward_weights(tasks[0])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=150, help="chunk length for the AUC")
    parser.add_argument("--edits", type=int, default=24, help="one-word edits per honest text")
    parser.add_argument("--garble", type=int, default=6, help="garbled texts per honest text")
    parser.add_argument("--scoring-model", help="another scoring model (with --data-dir)")
    parser.add_argument("--data-dir", help="the package data built with it (rlnvr_horace.build)")
    args = parser.parse_args()
    if args.scoring_model:
        SCORER.update(scoring_model=args.scoring_model, data_dir=args.data_dir)
    noise, weights = await edit_changes(args.edits)
    aucs = await separation(args.words)
    ranks = await honest_ranks()
    print(
        f"| component | weight | AUC own vs other ({args.words} words) | edit noise (std) "
        "| mean edit effect | (AUC - 0.5) / noise | target's rank for the honest imitations |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in sorted(aucs, key=lambda n: n == "reward"):
        std, mean = noise[name].std(), noise[name].mean()
        weight = f"{weights[name]:.2f}" if name in weights else "-"
        print(
            f"| {name} | {weight} | {aucs[name]:.3f} | {std:.3f} | {mean:+.3f} "
            f"| {(aucs[name] - 0.5) / std:.1f} | {ranks[name]:.1f} |"
        )
    await print_garbling(args.garble)


async def print_garbling(n: int, counts: tuple[int, ...] = (1, 3, 6, 12)) -> None:
    """Mean change of each component as an honest text takes more random edits."""
    curve = {k: (await edit_changes(n, k))[0] for k in counts}
    names = sorted(curve[counts[0]], key=lambda n: n == "reward")
    print("\n| edits | " + " | ".join(names) + " |")
    print("|---:|" + "---:|" * len(names))
    for k, changes in curve.items():
        print(f"| {k} | " + " | ".join(f"{changes[n].mean():+.3f}" for n in names) + " |")


if __name__ == "__main__":
    asyncio.run(main())
