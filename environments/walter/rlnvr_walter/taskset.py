"""Walter taskset (placeholder): write a Bluesky post about a linked article.

This first version ships twenty real linked articles from the Bluesky sample and a length
reward only. The engagement-weighted RLNVR reward and its penalties arrive with the Walter
issue; the task data and config shapes stay.
"""

from __future__ import annotations

from collections.abc import Iterator

import verifiers.v1 as vf

from rlnvr.data_pipelines.packaged import read_jsonl
from rlnvr.rubrics.length import band_score, word_count

PROMPT = "Write a Bluesky post about this article.\nTitle: {title}\n{description}"
MAX_GRAPHEMES = 300


class WalterConfig(vf.TasksetConfig):
    with_description: bool = True
    """Show the article's description under its title."""


class WalterData(vf.TaskData):
    url: str
    title: str
    description: str = ""


class WalterTask(vf.Task[WalterData, vf.State, vf.TaskConfig]):
    @vf.reward(weight=1.0)
    async def length(self, trace: vf.Trace) -> float:
        """Placeholder: 8-50 words and within Bluesky's 300-character limit."""
        text = trace.last_reply
        return band_score(word_count(text), 8, 50) if len(text) <= MAX_GRAPHEMES else 0.0

    @vf.metric
    async def chars(self, trace: vf.Trace) -> float:
        return float(len(trace.last_reply))


class WalterTaskset(vf.Taskset[WalterTask, WalterConfig]):
    def load(self) -> Iterator[WalterTask]:
        for row in read_jsonl("rlnvr_walter", "data/tasks.jsonl"):
            description = row["description"] if self.config.with_description else ""
            prompt = PROMPT.format(title=row["title"], description=description).strip()
            data = WalterData(
                id=row["id"],
                prompt=prompt,
                url=row["url"],
                title=row["title"],
                description=row["description"],
            )
            yield WalterTask(data, self.config.task)
