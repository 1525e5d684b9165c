"""Horace: write in the style of an author, rewarded by cadence (rlnvr, verifiers v1 taskset)."""

from rlnvr_horace.taskset import (
    HoraceConfig,
    HoraceData,
    HoraceTask,
    HoraceTaskConfig,
    HoraceTaskset,
)

__all__ = ["HoraceConfig", "HoraceData", "HoraceTask", "HoraceTaskConfig", "HoraceTaskset"]
