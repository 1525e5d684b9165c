"""Walter: write a Bluesky post about a linked article, rewarded by real engagement (RLNVR).

rlnvr's verifiers v1 taskset; see README.md for the reward, the data and the arguments.
"""

from rlnvr_walter.taskset import (
    HistoricalPost,
    RewardParams,
    TransferRef,
    WalterConfig,
    WalterData,
    WalterTask,
    WalterTaskset,
    shared_embedder,
)

__all__ = [
    "HistoricalPost",
    "TransferRef",
    "WalterConfig",
    "WalterData",
    "RewardParams",
    "WalterTask",
    "WalterTaskset",
    "shared_embedder",
]
