"""Held-out bits per byte: a perplexity that compares models whose tokenizers differ.

Per-token perplexity depends on the tokenizer (rlnvr-tiny's 8,192-token vocabulary cuts the
same text into more, easier pieces than SmolLM2's 49,152), so the model cards compare models
by the nats their next-token predictions cost per byte of text, in bits.

The text is rlnvr-tiny's own held-out pretraining text: the plain-text pieces that
``rlnvr pretrain`` holds out by key hash (its ``pretrain_config.json``: 2% of pieces,
headlines before the cutoff), built from the project's data folder. Each model scores it as
``pretrain.heldout_loss`` scores rlnvr-tiny: every piece tokenized with the model's own
tokenizer and followed by ``<|endoftext|>``, the stream cut into blocks of 256 + 1 tokens
that overlap by one, so every token but the first is predicted once with up to 256 tokens
of context (rlnvr-tiny's training context). Bits per byte sum the nats of every predicted
text token (the separators' are left out: they stand for no bytes) over the UTF-8 bytes of
those tokens, divided by ln 2. The per-token perplexity over all predicted tokens is the
number rlnvr-tiny's card gives (71.4), which checks the procedure.

    .venv/bin/python -m rlnvr.trainers.byte_perplexity --data DATA_DIR rlnvr-tiny smollm2-135m

(``DATA_DIR``: the data folder rlnvr-tiny was pretrained from, as ``rlnvr pretrain --data``)

prints (in ~15 minutes on 2 CPU cores, nearly all of them SmolLM2's)

    model            bits/byte    tokens bytes/token  ppl/token
    rlnvr-tiny          1.5620   164,352        3.93       71.4
    smollm2-135m        1.3717   157,696        4.10       51.0

That is too slow for ``rlnvr models fetch``, so the fetched model's card states the value
measured once (``model_fetch.FETCHABLE``).
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import rlnvr  # noqa: F401  (fast BLAS before mlx)
from rlnvr.data_pipelines.model_folder import hf_tokenizer
from rlnvr.data_pipelines.pretrain_corpus import Piece, build_corpus
from rlnvr.trainers.models import bundled_model_path, load_mlx
from rlnvr.trainers.pretrain import split_pieces, tokenize_split
from rlnvr.trainers.tokenizer import END_OF_TEXT


@dataclass(frozen=True)
class HeldoutScore:
    model: str
    targets: int  # predicted tokens, separators included
    token_nats: float  # their total next-token loss
    text_bytes: int  # UTF-8 bytes of the predicted text tokens
    text_nats: float  # the loss of those tokens alone

    @property
    def bits_per_byte(self) -> float:
        return self.text_nats / self.text_bytes / math.log(2)

    @property
    def token_perplexity(self) -> float:
        return math.exp(self.token_nats / self.targets)


def pretrain_config() -> dict:
    """The split and context rlnvr-tiny was pretrained with (its ``pretrain_config.json``)."""
    return json.loads((bundled_model_path() / "pretrain_config.json").read_text())


def heldout_pieces(data_dir: Path, config: dict) -> list[Piece]:
    pieces = build_corpus(Path(data_dir), config["headline_cutoff"])
    return split_pieces(pieces, config["heldout_percent"])[1]


def _byte_decoder() -> dict[str, int]:
    """Byte-level BPE's printable stand-in character -> the byte it stands for (GPT-2's
    table, which every byte-level tokenizer here uses)."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1)]
    printable += range(ord("®"), ord("ÿ") + 1)
    chars, extra = {}, 0
    for b in range(256):
        if b in printable:
            chars[chr(b)] = b
        else:
            chars[chr(256 + extra)] = b
            extra += 1
    return chars


def token_bytes(tokenizer) -> np.ndarray:
    """UTF-8 bytes each token id stands for (0 for special tokens)."""
    decoder, special = _byte_decoder(), set(tokenizer.all_special_ids)
    vocab = tokenizer.get_vocab()
    sizes = np.zeros(max(vocab.values()) + 1, dtype=np.int64)
    for token, i in vocab.items():
        if i not in special and all(c in decoder for c in token):
            sizes[i] = len(token)
    return sizes


def score(model_name: str, pieces: list[Piece], context: int, max_blocks: int | None = None,
          batch: int = 8) -> HeldoutScore:
    """``model_name``'s loss on ``pieces`` in blocks of ``context`` + 1 tokens (above)."""
    import mlx.core as mx
    import mlx.nn as nn

    model, wrapper = load_mlx(model_name)
    tokenizer = hf_tokenizer(wrapper)
    stream = tokenize_split(pieces, tokenizer)
    n = (len(stream) - 1) // context
    n = min(n, max_blocks) if max_blocks else n
    blocks = np.stack([stream[i * context : i * context + context + 1] for i in range(n)])
    targets = blocks[:, 1:]
    sizes = token_bytes(tokenizer)[targets]
    text = targets != tokenizer.convert_tokens_to_ids(END_OF_TEXT)
    losses = np.empty(targets.shape, dtype=np.float64)
    for start in range(0, n, batch):
        chunk = mx.array(blocks[start : start + batch])
        logits = model(chunk[:, :-1]).astype(mx.float32)
        loss = nn.losses.cross_entropy(logits, chunk[:, 1:], reduction="none")
        losses[start : start + batch] = np.array(loss)
    return HeldoutScore(
        model=model_name, targets=int(targets.size), token_nats=float(losses.sum()),
        text_bytes=int(sizes[text].sum()), text_nats=float(losses[text].sum()),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", help="model names or folders, e.g. rlnvr-tiny")
    parser.add_argument("--data", required=True, help="the project's data folder (pretraining)")
    parser.add_argument("--max-blocks", type=int, default=None, help="score only the first N")
    args = parser.parse_args()
    config = pretrain_config()
    pieces = heldout_pieces(Path(args.data), config)
    print(f"held-out text: {len(pieces)} pieces, "
          f"{sum(len(p.text.encode()) for p in pieces):,} bytes; blocks of {config['seq_len']}")
    print(f"{'model':<16}{'bits/byte':>10}{'tokens':>10}{'bytes/token':>12}{'ppl/token':>11}")
    for name in args.models:
        s = score(name, pieces, config["seq_len"], args.max_blocks)
        print(f"{name:<16}{s.bits_per_byte:>10.4f}{s.targets:>10,}"
              f"{s.text_bytes / s.targets:>12.2f}{s.token_perplexity:>11.1f}")


if __name__ == "__main__":
    main()
