"""Varro taskset (placeholder): read a day's headlines, forecast what happens next.

This first version ships six real days of headlines and a length reward only. The real
rewards (semantic closeness to the next day's headlines, the five-beat structure, echo and
leak guards) arrive with the Varro issue; the task data and config shapes stay.
"""

from __future__ import annotations

from collections.abc import Iterator

import verifiers.v1 as vf

from rlnvr.data_pipelines.packaged import read_jsonl
from rlnvr.rubrics.length import band_score, word_count

PROMPT = (
    "Today's headlines ({day}):\n{headlines}\n\n"
    "Write one short forecast paragraph about what happens next: the object, the direction "
    "with a small magnitude, a tight timeframe, the drivers, and how to verify it."
)


class VarroConfig(vf.TasksetConfig):
    max_headlines: int = 12
    """Headlines shown in each prompt."""


class VarroData(vf.TaskData):
    day: str
    headlines: list[str]


class VarroTask(vf.Task[VarroData, vf.State, vf.TaskConfig]):
    @vf.reward(weight=1.0)
    async def length(self, trace: vf.Trace) -> float:
        """Placeholder: a forecast paragraph of 40-120 words."""
        return band_score(word_count(trace.last_reply), 40, 120)

    @vf.metric
    async def words(self, trace: vf.Trace) -> float:
        return float(word_count(trace.last_reply))


class VarroTaskset(vf.Taskset[VarroTask, VarroConfig]):
    def load(self) -> Iterator[VarroTask]:
        for row in read_jsonl("rlnvr_varro", "data/tasks.jsonl"):
            headlines = row["headlines"][: self.config.max_headlines]
            day = f"{row['id'][:4]}-{row['id'][4:6]}-{row['id'][6:]}"
            prompt = PROMPT.format(day=day, headlines="\n".join(f"- {h}" for h in headlines))
            data = VarroData(id=row["id"], prompt=prompt, day=day, headlines=headlines)
            yield VarroTask(data, self.config.task)
