"""Score rollouts with their tasks' own rewards; one failing sample never stops a run."""

from __future__ import annotations

import asyncio
import logging

import verifiers.v1 as vf

from rlnvr.trainers.rollout import Rollout
from rlnvr.trainers.traces import Score, score_async

logger = logging.getLogger("rlnvr.scoring")
FAILED = Score(reward=0.0, rewards={}, metrics={"reward_error": 1.0})


async def _safe(task: vf.Task, rollout: Rollout) -> Score:
    try:
        return await score_async(task, rollout.text, rollout.truncated)
    except Exception as err:  # a reward's bug must cost one sample, not the run
        logger.warning("reward failed on task %s: %s: %s", task.key, type(err).__name__, err)
        return FAILED


async def _score_all(tasks: list[vf.Task], groups: list[list[Rollout]]) -> list[list[Score]]:
    jobs = [_safe(task, r) for task, group in zip(tasks, groups, strict=True) for r in group]
    flat = await asyncio.gather(*jobs)
    sizes = [len(g) for g in groups]
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    return [flat[s : s + n] for s, n in zip(starts, sizes, strict=True)]


def score_groups(tasks: list[vf.Task], groups: list[list[Rollout]]) -> list[list[Score]]:
    """Scores shaped like ``groups``; a sample whose reward raises scores 0 and is logged."""
    return asyncio.run(_score_all(tasks, groups))
