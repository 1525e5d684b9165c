"""Horace: Write in the style of an author (rlnvr, verifiers v1 taskset)"""

from rlnvr_horace.taskset import HoraceConfig, HoraceData, HoraceTask, HoraceTaskset

__all__ = ["HoraceConfig", "HoraceData", "HoraceTask", "HoraceTaskset"]
