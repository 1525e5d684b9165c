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


def completion_trace(task: vf.Task, completion: str, truncated: bool = False) -> vf.Trace:
    """The trace a rollout would leave: prompt turns, the completion as a sampled turn, and
    the model call that made it (``finish_reason`` "length" when it hit the token budget, so
    a task's ``trace.is_truncated`` says so, as it does for a served rollout)."""
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
    call = vf.ModelCall(node=len(nodes) - 1, finish_reason="length" if truncated else "stop")
    return vf.Trace(
        task=vf.TraceTask(type=type(task).__name__, data=task.data, key=task.key, hash=task.hash),
        agent=vf.AgentInfo(config=vf.AgentConfig(), name="rlnvr"),
        nodes=nodes,
        calls=[call],
        is_completed=True,
        ok=True,
    )


async def score_async(task: vf.Task, completion: str, truncated: bool = False) -> Score:
    trace = completion_trace(task, completion, truncated)
    await task.score(trace)
    rewards = {k: float(r.score) for k, r in trace.rewards.items() if r is not None}
    metrics = {k: float(v) for k, v in trace.metrics.items() if v is not None}
    return Score(float(trace.reward), rewards, metrics)


def score(task: vf.Task, completion: str, truncated: bool = False) -> Score:
    """Synchronous :func:`score_async`, for code that is not already in an event loop."""
    return asyncio.run(score_async(task, completion, truncated))


def reward_weights(task: vf.Task) -> dict[str, float]:
    """Each reward component's weight, as ``Task.score`` applies it (1.0 when undeclared)."""
    return {fn.__name__: float(getattr(fn, "_vf_weight", 1.0)) for fn in task.hooks("reward")}
