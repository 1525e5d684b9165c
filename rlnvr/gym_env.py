"""Gymnasium environments over rlnvr's tasksets: one prompt in, one text out, one reward.

Importing this module registers ``rlnvr/<Name>-v0`` for every installed environment package
(:mod:`rlnvr.registry`: ``rlnvr/Varro-v0``, ``rlnvr/Walter-v0``, ``rlnvr/Horace-v0`` with the
three of this repository; needs the ``gym`` extra)::

    import gymnasium as gym
    import rlnvr.gym_env  # registers the three ids (or: gym.make("rlnvr.gym_env:rlnvr/Walter-v0"))

    env = gym.make("rlnvr/Walter-v0")
    prompt, info = env.reset(seed=0)  # a seeded task; the prompt is the observation
    post = "Bluesky's roadmap is out: DMs, video and better custom feeds are coming."
    _, reward, terminated, truncated, info = env.step(post)
    print(reward, info["rewards"])  # weighted reward, then each component unweighted
    env = gym.make("rlnvr/Varro-v0", config={"max_headlines": 5})  # any [env.taskset] field

Gymnasium 1.x dropped the ``gymnasium.envs`` entry-point plugins that 0.26-0.29 loaded on
import, so registration happens on ``import rlnvr.gym_env``; the ``"module:id"`` form of
``gym.make`` imports the module itself.

An episode is one step: ``reset`` picks a task with the env's seeded generator (or
``options={"index": i}``), ``step(text)`` scores the text with the task's own ``@vf.reward``
and ``@vf.metric`` methods through ``Task.score`` (:mod:`rlnvr.trainers.traces`, the numbers
``vf-eval`` and the trainer see) and ends the episode. Observations and actions are
``gymnasium.spaces.Text`` over every assigned character except control characters (newline,
tab and carriage return are in), as real headlines and posts carry no-break spaces, emoji and
CJK. ``gymnasium.utils.env_checker.check_env`` passes; what it cannot judge: sampling the action
space gives uniform random characters, which exercises ``step`` but is no sensible policy, and
there is nothing to render.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Mapping
from functools import cache
from typing import Any

import gymnasium
from gymnasium import spaces

from rlnvr.registry import installed
from rlnvr.trainers.tasksets import load_tasks
from rlnvr.trainers.traces import score

MAX_PROMPT_CHARS = 32_768  # the longest shipped prompt has ~1,600
MAX_COMPLETION_CHARS = 8_192  # past every reward's length limits


@cache
def text_charset() -> frozenset[str]:
    """Every assigned, non-control character, plus the whitespace controls text uses."""
    skip = {"Cc", "Cs", "Cn", "Co"}  # controls, surrogates, unassigned, private use
    chars = (chr(i) for i in range(sys.maxunicode + 1))
    return frozenset(c for c in chars if unicodedata.category(c) not in skip) | set("\n\t\r")


class TasksetEnv(gymnasium.Env[str, str]):
    """One verifiers v1 taskset as a single-step text environment."""

    metadata = {"render_modes": []}

    def __init__(self, taskset: str, config: Mapping[str, Any] | None = None) -> None:
        """``taskset``: an installed taskset id; ``config``: the rest of its ``[env.taskset]``."""
        self.tasks = load_tasks({**(config or {}), "id": taskset})
        self.observation_space = spaces.Text(MAX_PROMPT_CHARS, charset=text_charset())
        self.action_space = spaces.Text(MAX_COMPLETION_CHARS, min_length=0, charset=text_charset())
        self._index: int | None = None

    def _prompt(self) -> str:
        prompt = self.tasks[self._index].data.prompt
        if not isinstance(prompt, str):
            raise TypeError(f"task {self._index} has a chat prompt; this env serves text prompts")
        return prompt

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        index = (options or {}).get("index")
        if index is not None and not 0 <= int(index) < len(self.tasks):
            raise ValueError(
                f"options['index'] = {index}: the taskset has tasks 0..{len(self.tasks) - 1}"
            )
        self._index = int(self.np_random.integers(len(self.tasks)) if index is None else index)
        return self._prompt(), {"index": self._index, "task_id": self.tasks[self._index].data.id}

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        if self._index is None:
            raise RuntimeError("call reset() before step(): an episode is one step")
        if not isinstance(action, str):
            raise TypeError(f"the action is the completion text, got {type(action).__name__}")
        result = score(self.tasks[self._index], action)
        info = {
            "index": self._index,
            "task_id": self.tasks[self._index].data.id,
            "rewards": dict(result.rewards),
            "metrics": dict(result.metrics),
        }
        prompt, self._index = self._prompt(), None  # one step per episode
        return prompt, result.reward, True, False, info


for _env in installed():
    gymnasium.register(
        id=_env.gym_id, entry_point="rlnvr.gym_env:TasksetEnv", kwargs={"taskset": _env.taskset_id}
    )
