"""What a taskset offers beyond verifiers' ``Taskset`` when the trainer needs more of it.

The trainer knows no environment by name. Where a command needs one environment's own
knowledge (when its truth arrives, how its tokens should be paced, what its references are),
the environment's taskset implements one of these protocols and the command checks for it
with ``isinstance``; a taskset without it gets an error that names the protocol.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Protocol, runtime_checkable

import verifiers.v1 as vf


@runtime_checkable
class DelayedResolution(Protocol):
    """A taskset whose truth arrives after the rollout (Varro: the next day's headlines).

    A period is a UTC day. On day ``d`` the loop rolls out :meth:`open_tasks` (no reference
    yet) and stores each task's data; on a later day it rebuilds the task with
    :meth:`resolve_task` and scores the stored completions against what that day knows.
    """

    def periods(self) -> list[date]:
        """The days the taskset's store holds, in order."""
        ...

    def open_tasks(self, day: date, count: int) -> list[vf.Task]:
        """``count`` tasks for day ``day``, reference unknown; [] when the day is too thin."""
        ...

    def resolve_task(self, data: Mapping[str, Any], today: date) -> vf.Task | None:
        """The stored task rebuilt with the truth ``today`` knows; None if not enough yet."""
        ...


@runtime_checkable
class Dated(Protocol):
    """A taskset whose tasks happen in time (Varro: one day's forecast each), so a text
    written for a later task may carry what an earlier task's truth turned out to be. The red
    team attacks a task only with texts and fits a policy could have had by then."""

    def task_period(self, task: vf.Task) -> date:
        """The day the task is set on."""
        ...


@runtime_checkable
class PhaseSchedule(Protocol):
    """Per-token sampling phases (Horace: base, spike, cooldown paced like an author)."""

    def phases(self, n: int, seed: int = 0) -> list[str]:
        """The phase of each of the first ``n`` generated tokens."""
        ...

    def sampling(self, phase: str) -> Any:
        """How a phase draws: an object with ``temperature``, ``top_p`` and ``top_k``."""
        ...


@runtime_checkable
class PhasedTaskset(Protocol):
    """A taskset that paces generation by named schedules (Horace: one per author)."""

    def schedule_names(self) -> Sequence[str]: ...

    def phase_schedule(
        self, name: str, jitter: bool = True, temperature: float = 1.0
    ) -> PhaseSchedule: ...


def require(taskset: object, protocol: type, what: str) -> None:
    """Raise a ValueError naming the protocol unless ``taskset`` implements it."""
    if not isinstance(taskset, protocol):
        raise ValueError(
            f"{type(taskset).__module__}.{type(taskset).__name__} does not implement "
            f"rlnvr.trainers.protocols.{protocol.__name__}, which {what} needs"
        )


@runtime_checkable
class HonestCompletions(Protocol):
    """A taskset that ships hand-written honest completions for some of its tasks.

    The red team (``rlnvr redteam``) must not find text that outscores them; they are written
    from what the prompt shows (Varro: day t's headlines only), never from the reference.
    """

    def honest_completions(self) -> Mapping[str, str]:
        """Task id -> an honest completion written for that task."""
        ...


@runtime_checkable
class TaskReferences(Protocol):
    """A task whose reward compares against reference texts a policy could copy or drift
    toward (Walter: the real posts; Varro: today's headlines, not tomorrow's answer). The hack
    monitor measures how much of a completion copies them; the red team perturbs them."""

    def references(self) -> list[str]: ...
