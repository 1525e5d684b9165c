"""One way to name a model: a registered name, a local folder, or a Hugging Face hub id.

Every loader goes through :func:`resolve`, so ``Qwen/Qwen3-0.6B`` on a user's machine and a
shipped folder here take the same code path: MLX through ``mlx_lm.load``, PyTorch through
``transformers.AutoModelForCausalLM``. A local folder is checked first so that a broken one gives
an error naming the folder and what is missing, not a stack trace from deep inside a loader.
The trainer registers its bundled model under a name; Horace registers its scoring model. A
model fetched with ``rlnvr models fetch NAME`` lives in ``$RLNVR_CACHE/models/NAME``
(:func:`model_dir`), and a bare ``NAME`` finds it there from any package, environments included.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

_HUB_ID = re.compile(r"^[\w.-]+/[\w.-]+$")
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "vocab.json", "tiktoken.model")


class ModelFolderError(ValueError):
    """A model folder that cannot be loaded; the message names the path and the problem."""


def check_folder(path: Path) -> None:
    """Raise :class:`ModelFolderError` unless ``path`` holds a loadable model."""
    if not path.is_dir():
        raise ModelFolderError(f"{path}: model folder does not exist")
    config = path / "config.json"
    if not config.exists():
        hint = ""
        if (path / "adapter_config.json").exists():
            hint = (" (this is a LoRA adapter folder: load it on top of its base model, "
                    "e.g. --adapters or --model.adapters)")  # fmt: skip
        raise ModelFolderError(f"{path}: config.json is missing{hint}")
    try:
        model_type = json.loads(config.read_text()).get("model_type")
    except json.JSONDecodeError as err:
        raise ModelFolderError(f"{config}: not valid JSON ({err})") from err
    if not model_type:
        raise ModelFolderError(f"{config}: field 'model_type' is missing")
    weights = sorted(path.glob("*.safetensors"))
    if not weights:
        raise ModelFolderError(f"{path}: no *.safetensors weights")
    for file in weights:
        _check_safetensors(file)
    if not any((path / name).exists() for name in _TOKENIZER_FILES):
        expected = ", ".join(_TOKENIZER_FILES)
        raise ModelFolderError(f"{path}: no tokenizer (expected one of {expected})")


def _check_safetensors(file: Path) -> None:
    from safetensors import safe_open

    try:
        with safe_open(str(file), framework="numpy") as handle:
            names = list(handle.keys())
    except Exception as err:  # safetensors raises its own error types for bad headers
        raise ModelFolderError(f"{file}: corrupt safetensors file ({err})") from err
    if not names:
        raise ModelFolderError(f"{file}: safetensors file holds no tensors")


def cache_dir() -> Path:
    """``$RLNVR_CACHE``, else the user's cache directory (``$XDG_CACHE_HOME`` or ~/.cache)."""
    explicit = os.environ.get("RLNVR_CACHE")
    if explicit:
        return Path(explicit).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rlnvr"


def model_dir(name: str) -> Path:
    """Where a fetched model lives (whether or not it is there yet)."""
    return cache_dir() / "models" / name


def resolve(model: str | Path, named: Mapping[str, Path] | None = None) -> str:
    """Map a model argument to what loaders take: a checked folder path or a hub id.

    ``named`` maps short names (``rlnvr-tiny``) to the folders they stand for; a bare name
    that is neither a folder here nor a hub id is looked up among the fetched models."""
    if named and str(model) in named:
        path = Path(named[str(model)])
        check_folder(path)
        return str(path)
    path, fetched = Path(model).expanduser(), model_dir(str(model))
    if not path.exists() and not _HUB_ID.match(str(model)) and fetched.is_dir():
        path = fetched
    if path.exists() or str(model).startswith((".", "/", "~")) or not _HUB_ID.match(str(model)):
        check_folder(path)
        return str(path)
    return str(model)  # a hub id: downloaded (or read from the HF cache) by the loader


def load_mlx(name: str, adapter_path: str | None = None):
    """``(model, tokenizer)`` of a resolved folder or hub id through ``mlx_lm.load``; fp32 on
    CPU, where 16-bit matmuls crawl."""
    import mlx.core as mx
    from mlx_lm import load

    net, tokenizer = load(name, adapter_path=adapter_path)
    if mx.default_device() == mx.cpu:
        net.set_dtype(mx.float32)
    return net, tokenizer


def load_torch(name: str):
    """``(model, tokenizer)`` of a resolved folder or hub id through ``transformers``, fp32."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    net = AutoModelForCausalLM.from_pretrained(name, dtype=torch.float32)
    net.eval()
    return net, AutoTokenizer.from_pretrained(name)


def hf_tokenizer(tokenizer):
    """The Hugging Face tokenizer inside mlx_lm's ``TokenizerWrapper`` (or itself)."""
    wrapped = type(tokenizer).__module__.startswith("mlx_lm")
    return tokenizer._tokenizer if wrapped else tokenizer


def start_token_id(tokenizer) -> int | None:
    """The document-start token to put before a raw text: ``bos_token`` if the tokenizer has
    one, else ``<|endoftext|>`` (the separator Qwen- and GPT-2-style models saw between
    pretraining documents); None when it has neither."""
    tok = hf_tokenizer(tokenizer)
    if tok.bos_token_id is not None:
        return int(tok.bos_token_id)
    sep = tok.convert_tokens_to_ids("<|endoftext|>")
    return None if sep is None or sep == tok.unk_token_id else int(sep)
