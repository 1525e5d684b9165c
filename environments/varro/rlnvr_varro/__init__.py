"""Varro: forecast tomorrow's news from today's headlines (rlnvr, verifiers v1 taskset)."""

from rlnvr_varro.taskset import VarroConfig, VarroData, VarroTask, VarroTaskConfig, VarroTaskset

__all__ = ["VarroConfig", "VarroData", "VarroTask", "VarroTaskConfig", "VarroTaskset"]
