"""The trainer's models: the bundled default, a fetched model, a local folder, or a hub id.

All go through :func:`resolve` (:mod:`rlnvr.data_pipelines.model_folder`), so
``Qwen/Qwen3-0.6B`` on a user's machine and the bundled ``rlnvr-tiny`` or a fetched
``smollm2-135m`` here take the same code path: MLX through ``mlx_lm.load``, PyTorch through
``transformers.AutoModelForCausalLM``.
"""

from __future__ import annotations

from pathlib import Path

from rlnvr.data_pipelines import model_folder
from rlnvr.data_pipelines.model_folder import ModelFolderError, check_folder
from rlnvr.trainers.model_fetch import FETCHABLE, fetched_folder

BUNDLED_NAME = "rlnvr-tiny"
__all__ = ["BUNDLED_NAME", "ModelFolderError", "bundled_model_path", "check_folder", "resolve"]


def bundled_model_path() -> Path:
    """The tiny base model shipped inside the package (works offline)."""
    import rlnvr

    return Path(rlnvr.__file__).resolve().parent / "assets" / BUNDLED_NAME


def resolve(model: str | Path | None) -> str:
    """A checked folder path or a hub id; empty means the bundled model. A fetchable name
    (``smollm2-135m``) means its folder in the cache, or an error giving the fetch command."""
    name = str(model or BUNDLED_NAME)
    named = {BUNDLED_NAME: bundled_model_path()}
    if name in FETCHABLE:
        named[name] = fetched_folder(name)
    return model_folder.resolve(name, named)


def load_mlx(model: str | Path | None = None, adapter_path: str | None = None):
    """``(model, tokenizer)`` through ``mlx_lm.load``; fp32 on CPU, where 16-bit matmuls crawl."""
    return model_folder.load_mlx(resolve(model), adapter_path)


def load_torch(model: str | Path | None = None):
    """``(model, tokenizer)`` through ``transformers``, from the same folder or hub id, fp32."""
    return model_folder.load_torch(resolve(model))
