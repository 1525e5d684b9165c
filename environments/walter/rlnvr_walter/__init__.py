"""Walter: Write a Bluesky post about a linked article (rlnvr, verifiers v1 taskset)"""

from rlnvr_walter.taskset import WalterConfig, WalterData, WalterTask, WalterTaskset

__all__ = ["WalterConfig", "WalterData", "WalterTask", "WalterTaskset"]
