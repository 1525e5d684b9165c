"""Shared-prompt updates vs packed ones: the trainer's GSPO update, same samples, both ways.

    .venv/bin/python benchmarks/shared_prompt.py [--groups 4] [--group-size 8] [--rounds 3]

A rollout batch is ``groups`` groups of ``group_size`` completions, each group with its own
prompt, shaped like our environments' (prompt and completion lengths in tokens):

    word count   prompt   40, completion  56
    Walter       prompt  150, completion  96
    Varro        prompt  900, completion 128

For each shape, ``Trainer.update`` (two minibatches, the defaults) runs with
``shared_prompt = true`` (each prompt once per minibatch, eager) and ``false`` (prompt +
completion packed per row, compiled as by default), taking turns; printed: seconds per
update and the speedup. Gradients are the same either way (tests/test_trainer.py).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
from timing import interleaved

import rlnvr  # noqa: F401  (fast BLAS before mlx)
from rlnvr.trainers.config import TrainConfig
from rlnvr.trainers.rollout import Rollout
from rlnvr.trainers.trainer import Trainer

SHAPES = {"word count": (40, 56), "Walter": (150, 96), "Varro": (900, 128)}


def samples(groups: int, size: int, prompt: int, completion: int, vocab: int) -> list:
    rng = np.random.default_rng(0)
    out = []
    for g in range(groups):
        ids = rng.integers(3, vocab, prompt).tolist()
        for a in rng.standard_normal(size):
            tokens = rng.integers(3, vocab, completion).tolist()
            out.append((Rollout(f"task{g}", ids, tokens, [-5.0] * completion, "", True), float(a)))
    return out


def update(trainer: Trainer, batch: list) -> Callable[[], dict]:
    rng = np.random.default_rng(0)
    return lambda: trainer.update(batch, rng)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=4)
    parser.add_argument("--group-size", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    trainers = {
        share: Trainer(TrainConfig.model_validate({"trainer": {"shared_prompt": share}}))
        for share in (True, False)
    }
    vocab = trainers[True].model.args.vocab_size
    print(f"{args.groups} groups x {args.group_size} completions, 2 minibatches, rlnvr-tiny")
    print("| shape | prompt | completion | packed s/update | shared s/update | speedup |")
    print("|---|---|---|---|---|---|")
    for name, (prompt, completion) in SHAPES.items():
        batch = samples(args.groups, args.group_size, prompt, completion, vocab)
        steps = {share: update(t, batch) for share, t in trainers.items()}
        times = interleaved(steps, repeats=1, rounds=args.rounds)
        print(
            f"| {name} | {prompt} | {completion} | {times[False]:.3f} | {times[True]:.3f} "
            f"| {times[False] / times[True]:.2f}x |"
        )


if __name__ == "__main__":
    main()
