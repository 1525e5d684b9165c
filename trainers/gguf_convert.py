"""A GGUF file (llama.cpp's format) as a model folder that ``mlx_lm`` and ``transformers`` open.

Some small models reach this machine only as GGUF files inside PyPI packages (no model hub).
``transformers`` can read a GGUF, dequantising it, but refuses to ``save_pretrained`` the model it
made, so this writes the folder itself: the state dict in fp32 safetensors (16-bit storage would
miss the project's 1e-4 log-prob parity between MLX and torch), the config without the
``quantization_config`` that would send loaders back to the GGUF, and the tokenizer with its
chat template. A tied ``lm_head`` is left out, as in a Hugging Face checkpoint: both loaders tie
it back from the embedding.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# llama.cpp names how a byte-level vocabulary cuts text before BPE (``tokenizer.ggml.pre``);
# transformers' GGUF reader knows some names and falls back to GPT-2's split for the rest. These
# cut out every digit on its own first, then apply GPT-2's split (llama.cpp's llama-vocab.cpp),
# as SmolLM2's own tokenizer does. GPT-2's split alone differs on spaces before a number:
# "a  2" gives "Ġ", "Ġ", "2" instead of "ĠĠ", "2", which the model saw in training.
DIGIT_SPLIT_PRE = frozenset(
    {"smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva"}
)

# Config keys that describe the GGUF load, not the model; the folder must not carry them.
_LOAD_ONLY_KEYS = ("quantization_config", "_name_or_path", "_model_name_or_path")
# tokenizer_config.json keys that describe where the tokenizer was loaded from.
_TOKENIZER_LOAD_KEYS = ("is_local", "local_files_only", "backend")
# The class that loads tokenizer.json as written, pre-tokenizer included, in transformers 4 and 5
# (5 names the GGUF-built tokenizer "TokenizersBackend", which 4 does not know; "GPT2Tokenizer"
# would rebuild GPT-2's pre-tokenizer and drop the digit split).
TOKENIZER_CLASS = "PreTrainedTokenizerFast"


@dataclass(frozen=True)
class GGUFSummary:
    """What a model card says about a GGUF's weights: architecture, name, size, storage."""

    architecture: str
    name: str
    parameters: int
    parameters_by_type: dict[str, int]  # GGML storage type (Q4_1, Q8_0, F32, ...) -> parameters


def summarise_gguf(gguf_file: Path) -> GGUFSummary:
    """Read the GGUF's header: which tensors went through which quantisation."""
    from gguf import GGUFReader

    reader = GGUFReader(str(gguf_file))
    by_type: Counter[str] = Counter()
    for tensor in reader.tensors:
        by_type[tensor.tensor_type.name] += int(tensor.n_elements)

    def text(key: str) -> str:
        field = reader.fields.get(key)
        return str(field.contents()) if field is not None else ""

    return GGUFSummary(
        architecture=text("general.architecture"),
        name=text("general.name"),
        parameters=sum(by_type.values()),
        parameters_by_type=dict(by_type.most_common()),
    )


def convert_gguf(gguf_file: Path, out: Path) -> None:
    """Write ``out``/{model.safetensors, config.json, generation_config.json, tokenizer files}.

    ``out`` must not exist yet or be empty; the caller makes the result visible atomically."""
    gguf_file = Path(gguf_file)
    out.mkdir(parents=True, exist_ok=True)
    model = _load_model(gguf_file)
    write_weights(model, out)
    write_config(model, out)
    model.generation_config.save_pretrained(out)
    write_tokenizer(load_tokenizer(gguf_file), out, model.config.max_position_embeddings)


def _load_model(gguf_file: Path):
    import torch
    from transformers import AutoModelForCausalLM

    return AutoModelForCausalLM.from_pretrained(
        str(gguf_file.parent), gguf_file=gguf_file.name, dtype=torch.float32
    )


def write_weights(model, out: Path) -> None:
    """The state dict as one fp32 safetensors file, tied ``lm_head`` left out."""
    import torch
    from safetensors.torch import save_file

    tied = bool(getattr(model.config, "tie_word_embeddings", False))
    tensors = {
        name: tensor.detach().to(torch.float32).contiguous()
        for name, tensor in model.state_dict().items()
        if not (tied and name == "lm_head.weight")
    }
    save_file(tensors, str(out / "model.safetensors"), metadata={"format": "pt"})


def write_config(model, out: Path) -> None:
    """``config.json`` as a Hugging Face checkpoint has it: fp32, no GGUF quantisation entry."""
    config = json.loads(model.config.to_json_string(use_diff=True))
    for key in _LOAD_ONLY_KEYS:
        config.pop(key, None)
    config["architectures"] = [type(model).__name__]
    config["dtype"] = "float32"
    # transformers 5 writes RoPE settings only as ``rope_parameters``; mlx_lm (and transformers
    # 4) read ``rope_theta`` and ``rope_scaling`` and would silently fall back to a theta of
    # 10000 (SmolLM2's is 100000: log-probs off by several nats). Write both spellings.
    rope = config.get("rope_parameters") or {}
    if "rope_theta" in rope:
        config.setdefault("rope_theta", rope["rope_theta"])
    if rope.get("rope_type", "default") != "default":
        config.setdefault("rope_scaling", rope)
    (out / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")


def load_tokenizer(gguf_file: Path):
    """The GGUF's tokenizer (vocabulary, merges, special tokens, chat template), with the
    digit split its ``tokenizer.ggml.pre`` asks for where transformers does not apply it."""
    from gguf import GGUFReader
    from tokenizers import pre_tokenizers
    from transformers import AutoTokenizer

    gguf_file = Path(gguf_file)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf_file.parent), gguf_file=gguf_file.name)
    field = GGUFReader(str(gguf_file)).fields.get("tokenizer.ggml.pre")
    if field is not None and str(field.contents()) in DIGIT_SPLIT_PRE:
        tokenizer.backend_tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
            [
                pre_tokenizers.Digits(individual_digits=True),
                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
            ]
        )
    return tokenizer


def write_tokenizer(tokenizer, out: Path, context: int) -> None:
    """tokenizer.json, the chat template and a tokenizer_config.json any transformers reads."""
    tokenizer.save_pretrained(out)
    path = out / "tokenizer_config.json"
    config = json.loads(path.read_text())
    for key in _TOKENIZER_LOAD_KEYS:
        config.pop(key, None)
    config["tokenizer_class"] = TOKENIZER_CLASS
    config["model_max_length"] = int(context)  # the GGUF states none: "unlimited" otherwise
    path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
