"""Score a completion with a verifiers v1 task, offline, through ``Task.score``.

The trainer generates text itself (MLX), so it builds the ``vf.Trace`` a verifiers rollout
would have produced: the task's prompt as user turn(s), the completion as a sampled
assistant turn. The task's own ``@vf.reward``/``@vf.metric`` methods then score it exactly as
they would in ``vf-eval`` or on a hub worker.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import verifiers.v1 as vf


@dataclass(frozen=True)
class Score:
    reward: float  # weighted sum, as verifiers computes it
    rewards: dict[str, float]  # each component, unweighted
    metrics: dict[str, float]


def prompt_messages(data: vf.TaskData) -> list[vf.Message]:
    """The task's prompt as chat messages (system prompt first, when set)."""
    messages: list[vf.Message] = []
    if data.system_prompt:
        messages.append(vf.SystemMessage(content=data.system_prompt))
    if isinstance(data.prompt, str):
        messages.append(vf.UserMessage(content=data.prompt))
    elif data.prompt:
        messages.extend(data.prompt)
    return messages


def completion_trace(task: vf.Task, completion: str) -> vf.Trace:
    nodes = [
        vf.MessageNode(parent=i - 1 if i else None, message=m)
        for i, m in enumerate(prompt_messages(task.data))
    ]
    nodes.append(
        vf.MessageNode(
            parent=len(nodes) - 1 if nodes else None,
            message=vf.AssistantMessage(content=completion),
            sampled=True,
        )
    )
    return vf.Trace(
        task=vf.TraceTask(type=type(task).__name__, data=task.data, key=task.key, hash=task.hash),
        agent=vf.AgentInfo(config=vf.AgentConfig(), name="rlnvr"),
        nodes=nodes,
        is_completed=True,
        ok=True,
    )


async def score_async(task: vf.Task, completion: str) -> Score:
    trace = completion_trace(task, completion)
    await task.score(trace)
    rewards = {k: float(r.score) for k, r in trace.rewards.items() if r is not None}
    metrics = {k: float(v) for k, v in trace.metrics.items() if v is not None}
    return Score(float(trace.reward), rewards, metrics)


def score(task: vf.Task, completion: str) -> Score:
    """Synchronous :func:`score_async`, for code that is not already in an event loop."""
    return asyncio.run(score_async(task, completion))
