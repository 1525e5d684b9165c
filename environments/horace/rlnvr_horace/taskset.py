"""Horace taskset (placeholder): continue an opening line in its author's style.

This first version ships the opening lines of eleven public-domain short stories and a
length reward only. The cadence-signature and classifier rewards and their guards arrive with
the Horace issue; the task data and config shapes stay.
"""

from __future__ import annotations

from collections.abc import Iterator

import verifiers.v1 as vf

from rlnvr.data_pipelines.packaged import read_jsonl
from rlnvr.rubrics.length import band_score, word_count

PROMPT = "Continue this passage in the style of {author}:\n{opening}"


class HoraceConfig(vf.TasksetConfig):
    authors: list[str] = []
    """Keep only these authors (all when empty)."""


class HoraceData(vf.TaskData):
    author: str
    opening: str


class HoraceTask(vf.Task[HoraceData, vf.State, vf.TaskConfig]):
    @vf.reward(weight=1.0)
    async def length(self, trace: vf.Trace) -> float:
        """Placeholder: a passage of 60-200 words."""
        return band_score(word_count(trace.last_reply), 60, 200)


class HoraceTaskset(vf.Taskset[HoraceTask, HoraceConfig]):
    def load(self) -> Iterator[HoraceTask]:
        for row in read_jsonl("rlnvr_horace", "data/tasks.jsonl"):
            if self.config.authors and row["author"] not in self.config.authors:
                continue
            prompt = PROMPT.format(author=row["author"], opening=row["opening"])
            data = HoraceData(
                id=row["id"], prompt=prompt, author=row["author"], opening=row["opening"]
            )
            yield HoraceTask(data, self.config.task)
