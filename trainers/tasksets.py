"""Load any verifiers v1 taskset from its config table, as `vf-eval` and prime-rl would.

``{"id": "rlnvr-walter", ...}`` resolves through verifiers' own plugin loader (installed
package, or hub id ``owner/name``); a dotted module path such as
``rlnvr.tasksets.word_count`` is imported directly. The rest of the table validates into the
taskset's own config class, so ``[env.taskset.task.rewards]`` weights work unchanged.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import verifiers.v1 as vf
from verifiers.v1.configs.taskset import TasksetConfig
from verifiers.v1.utils.generic import concrete_type


def exported_taskset(module: ModuleType) -> type[vf.Taskset]:
    """The one ``vf.Taskset`` subclass ``module`` exports in ``__all__`` (the hub's rule)."""
    found = [
        obj
        for name in getattr(module, "__all__", ())
        if isinstance(obj := getattr(module, name, None), type)
        and issubclass(obj, vf.Taskset)
        and obj is not vf.Taskset
    ]
    if len(found) != 1:
        names = ", ".join(c.__name__ for c in found) or "none"
        raise TypeError(
            f"{module.__name__}: export exactly one vf.Taskset subclass in __all__ (found {names})"
        )
    return found[0]


def taskset_type(taskset_id: str) -> type[vf.Taskset]:
    dotted = "." in taskset_id and "/" not in taskset_id
    module = importlib.import_module(taskset_id) if dotted else vf.import_taskset(taskset_id)
    return exported_taskset(module)


def load_taskset(table: dict[str, Any]) -> vf.Taskset:
    if not table.get("id"):
        raise ValueError("env.taskset.id is missing: name an installed taskset, e.g. rlnvr-walter")
    cls = taskset_type(table["id"])
    config = concrete_type(cls, TasksetConfig).model_validate(table)
    return cls(config)


def load_tasks(table: dict[str, Any]) -> list[vf.Task]:
    """Every task of a finite taskset; keys must be unique (the curriculum's levels)."""
    return tasks_of(load_taskset(table), table["id"])


def tasks_of(taskset: vf.Taskset, name: str) -> list[vf.Task]:
    """Every task of a finite, loaded taskset (``name`` for errors), keys unique."""
    if not taskset.bounded:
        raise ValueError(f"taskset {name!r} is infinite: bound it before training")
    tasks = list(taskset)
    keys = [t.key for t in tasks]
    if len(set(keys)) != len(keys):
        raise ValueError(f"taskset {name!r} yields duplicate task keys")
    return tasks
