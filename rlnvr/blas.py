"""Fast BLAS for MLX on Linux CPU.

The `mlx[cpu]` wheel links a bundled reference BLAS (about 4 GFLOP/s for fp32 matmul). Loading
the system OpenBLAS with RTLD_GLOBAL *before* `mlx.core` is imported makes the dynamic linker
resolve MLX's BLAS symbols to OpenBLAS instead (about 200 GFLOP/s here). That is all this module
does; `import rlnvr` calls :func:`enable` so every entry point (CLI, tests, library use) gets it.

Debian's OpenBLAS 0.3.21 does not recognise recent AVX-512 Xeons and falls back to SSE3 kernels;
``OPENBLAS_CORETYPE=SkylakeX`` selects its AVX-512 kernels. It is set only where the CPU reports
avx512f and never over a value already in the environment.

Opt out with ``RLNVR_BLAS=reference``; point at another library with ``RLNVR_OPENBLAS=/path``.
Install the library with ``apt-get install libopenblas0-pthread``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

DEBIAN_OPENBLAS = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0"
_loaded: str | None = None


@dataclass(frozen=True)
class BlasStatus:
    library: str | None  # the OpenBLAS file loaded ahead of MLX, if any
    coretype: str | None
    reason: str  # why this is the state, in words a user can act on


def _candidates() -> list[str]:
    override = os.environ.get("RLNVR_OPENBLAS")
    if override:
        return [override]
    found = ctypes.util.find_library("openblas")
    return [p for p in (DEBIAN_OPENBLAS, found) if p]


def _cpu_has_avx512() -> bool:
    try:
        return " avx512f" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


def enable() -> BlasStatus:
    """Load OpenBLAS ahead of MLX on Linux; idempotent and safe to call anywhere."""
    global _loaded
    if _loaded:
        return BlasStatus(_loaded, os.environ.get("OPENBLAS_CORETYPE"), "OpenBLAS loaded")
    if sys.platform != "linux":
        return BlasStatus(None, None, f"not needed on {platform.system()} (MLX uses its own)")
    if os.environ.get("RLNVR_BLAS") == "reference":
        return BlasStatus(None, None, "disabled by RLNVR_BLAS=reference")
    if "mlx.core" in sys.modules:
        return BlasStatus(None, None, "mlx.core was imported before rlnvr: import rlnvr first")
    for path in _candidates():
        if not Path(path).exists() and "/" in path:
            continue
        if _cpu_has_avx512():
            os.environ.setdefault("OPENBLAS_CORETYPE", "SkylakeX")
        try:
            ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
        except OSError:
            continue
        _loaded = path
        return BlasStatus(path, os.environ.get("OPENBLAS_CORETYPE"), "OpenBLAS loaded")
    return BlasStatus(
        None, None, "OpenBLAS not found: `apt-get install libopenblas0-pthread` (~7x faster MLX)"
    )


def mapped_blas_libraries() -> list[str]:
    """BLAS shared libraries mapped into this process (Linux), to show what really runs."""
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return []
    names = {line.split()[-1] for line in maps.splitlines() if "blas" in line.lower()}
    return sorted(n for n in names if n.startswith("/"))
