"""Varro: Forecast tomorrow's news from today's headlines (rlnvr, verifiers v1 taskset)"""

from rlnvr_varro.taskset import VarroConfig, VarroData, VarroTask, VarroTaskset

__all__ = ["VarroConfig", "VarroData", "VarroTask", "VarroTaskset"]
