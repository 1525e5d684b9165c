"""Load any verifiers v1 taskset from its config table, as `vf-eval` and prime-rl would.

``{"id": "rlnvr-walter", ...}`` resolves through verifiers' own plugin loader (installed
package, or hub id ``owner/name``); a dotted module path such as
``rlnvr.tasksets.word_count`` is imported directly. The rest of the table validates into the
taskset's own config class, so ``[env.taskset.task.rewards]`` weights work unchanged.
"""

from __future__ import annotations

import importlib
from typing import Any

import verifiers.v1 as vf
from verifiers.v1.configs.taskset import TasksetConfig
from verifiers.v1.utils.generic import concrete_type
from verifiers.v1.utils.loaders import _plugin_class, taskset_class


def taskset_type(taskset_id: str) -> type[vf.Taskset]:
    if "." in taskset_id and "/" not in taskset_id:
        return _plugin_class(importlib.import_module(taskset_id), vf.Taskset, "taskset")
    return taskset_class(taskset_id)


def load_taskset(table: dict[str, Any]) -> vf.Taskset:
    if not table.get("id"):
        raise ValueError("env.taskset.id is missing: name an installed taskset, e.g. rlnvr-walter")
    cls = taskset_type(table["id"])
    config = concrete_type(cls, TasksetConfig).model_validate(table)
    return cls(config)


def load_tasks(table: dict[str, Any]) -> list[vf.Task]:
    """Every task of a finite taskset; keys must be unique (the curriculum's levels)."""
    taskset = load_taskset(table)
    if not taskset.bounded:
        raise ValueError(f"taskset {table['id']!r} is infinite: bound it before training")
    tasks = list(taskset)
    keys = [t.key for t in tasks]
    if len(set(keys)) != len(keys):
        raise ValueError(f"taskset {table['id']!r} yields duplicate task keys")
    return tasks
