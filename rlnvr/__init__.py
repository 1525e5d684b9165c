"""rlnvr: reinforcement learning from non-verified rewards.

Importing the package first loads a fast BLAS for MLX on Linux CPU (see :mod:`rlnvr.blas`);
that must happen before anything imports ``mlx.core``.
"""

from rlnvr import blas

__version__ = "0.1.0"
BLAS = blas.enable()
