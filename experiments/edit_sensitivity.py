"""How a taskset's reward moves under one blind edit of an honest completion, per component.

    .venv/bin/python experiments/edit_sensitivity.py --taskset rlnvr-walter \
        [--edits 30] [--tasks 10]

The red team's ``random_edits`` row gives the share of single edits that beat the honest text
(``rlnvr.trainers.redteam.MARGIN`` or more); this says where the moves come from. For each of
the first ``--tasks`` tasks with an honest completion, ``--edits`` random single edits
(``rlnvr.trainers.redteam_edits.mutate``, the red team's pool) are scored and compared with
the honest text: the reward's change (std, mean, share up and share down by more than the
margin), then the same for each component that moved, in its own units (a penalty rises when
it docks the reward). A paid component whose upward share is near the reward's is the one a
search rides; a penalty that only rises is a guard doing its job.
"""

from __future__ import annotations

import argparse
import random

import numpy as np

import rlnvr  # noqa: F401  (fast BLAS before mlx)
from rlnvr.trainers import redteam_edits as edits
from rlnvr.trainers.redteam import MARGIN, edit_pool, honest_tasks
from rlnvr.trainers.tasksets import load_taskset
from rlnvr.trainers.traces import score


def line(name: str, moves: np.ndarray) -> str:
    return (
        f"| {name} | {moves.std():.3f} | {moves.mean():+.3f} | {np.mean(moves > MARGIN):.1%} "
        f"| {np.mean(moves < -MARGIN):.1%} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taskset", required=True)
    parser.add_argument("--edits", type=int, default=30)
    parser.add_argument("--tasks", type=int, default=10)
    args = parser.parse_args()
    taskset = load_taskset({"id": args.taskset})
    tasks, honest = honest_tasks(taskset, list(taskset), args.tasks)
    reward, components = [], {}
    for task in tasks:
        rng, pool = random.Random(f"edits:{task.key}"), edit_pool(task, honest[task.key])
        base = score(task, honest[task.key])
        for _ in range(args.edits):
            edited = score(task, edits.mutate(honest[task.key], pool, rng))
            reward.append(edited.reward - base.reward)
            for name, value in edited.rewards.items():
                components.setdefault(name, []).append(value - base.rewards.get(name, 0.0))
    print(f"{args.taskset}: {len(reward)} single edits of {len(tasks)} honest completions")
    print(f"| what | std | mean | up > {MARGIN} | down > {MARGIN} |\n|---|---:|---:|---:|---:|")
    print(line("reward", np.array(reward)))
    for name, moves in sorted(components.items()):
        if np.abs(moves).max() > 1e-9:
            print(line(name, np.array(moves)))


if __name__ == "__main__":
    main()
