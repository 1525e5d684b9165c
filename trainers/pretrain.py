"""Pretrain the bundled tiny Qwen3-architecture model from scratch with MLX.

One command and a seed reproduce the committed model: the corpus, the tokenizer, the data
order and the initialisation all derive from ``PretrainConfig``. Training checkpoints every
``checkpoint_every`` steps, and rerunning the same command resumes from the last checkpoint.
The output folder is a standard Hugging Face / mlx_lm model folder (config.json,
model.safetensors, tokenizer files) plus a model card, a loss log and a loss plot.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
import numpy as np
from mlx.utils import tree_flatten, tree_unflatten
from mlx_lm.models import qwen3

from rlnvr.data_pipelines.atomic import atomic_write_text, save_safetensors_atomic
from rlnvr.data_pipelines.pretrain_corpus import Piece, build_corpus
from rlnvr.data_pipelines.splits import is_heldout
from rlnvr.trainers.jsonl_log import JsonlLog, read_rows, trim_after
from rlnvr.trainers.tokenizer import END_OF_TEXT, format_chat, save_tokenizer, train_tokenizer


@dataclass
class PretrainConfig:
    data_dir: str
    out: str
    seed: int = 0
    vocab_size: int = 8192
    hidden_size: int = 256
    num_layers: int = 4
    num_heads: int = 4
    num_kv_heads: int = 2
    head_dim: int = 64
    intermediate_size: int = 768
    seq_len: int = 256
    batch_size: int = 16
    steps: int = 1800
    learning_rate: float = 3e-3
    warmup_steps: int = 100
    weight_decay: float = 0.1
    heldout_percent: float = 2.0
    eval_every: int = 250
    eval_blocks: int = 64  # held-out blocks scored during training; all of them at the end
    checkpoint_every: int = 100
    headline_cutoff: str = "2025-08-01"


def model_config(cfg: PretrainConfig, tokenizer) -> dict:
    """A config.json that both mlx_lm and transformers read as Qwen3."""
    return {
        "architectures": ["Qwen3ForCausalLM"],
        "model_type": "qwen3",
        "vocab_size": len(tokenizer),
        "hidden_size": cfg.hidden_size,
        "intermediate_size": cfg.intermediate_size,
        "num_hidden_layers": cfg.num_layers,
        "num_attention_heads": cfg.num_heads,
        "num_key_value_heads": cfg.num_kv_heads,
        "head_dim": cfg.head_dim,
        "hidden_act": "silu",
        "max_position_embeddings": 2048,
        "rms_norm_eps": 1e-6,
        "rope_theta": 10000.0,
        "tie_word_embeddings": True,
        "attention_bias": False,
        "bos_token_id": None,
        "eos_token_id": tokenizer.convert_tokens_to_ids("<|im_end|>"),
        "pad_token_id": tokenizer.pad_token_id,
        "torch_dtype": "bfloat16",
    }


def piece_text(piece: Piece, tokenizer) -> str:
    if piece.messages:
        messages = [{"role": r, "content": c} for r, c in piece.messages]
        return format_chat(tokenizer, messages)
    return piece.text


def tokenize_split(pieces: list[Piece], tokenizer) -> np.ndarray:
    """Concatenate pieces into one token stream, each followed by <|endoftext|>."""
    eot = tokenizer.convert_tokens_to_ids(END_OF_TEXT)
    texts = [piece_text(p, tokenizer) for p in pieces]
    encoded = tokenizer.backend_tokenizer.encode_batch(texts, add_special_tokens=False)
    ids = [tok for enc in encoded for tok in (*enc.ids, eot)]
    return np.asarray(ids, dtype=np.int32)


def split_pieces(pieces: list[Piece], heldout_percent: float) -> tuple[list[Piece], list[Piece]]:
    """Training pieces and held-out plain-text pieces, by key hash. A chat example is held
    out with the text it was made from, so nothing leaks across."""
    held = [is_heldout(p.key.removesuffix(":chat"), heldout_percent) for p in pieces]
    train = [p for p, h in zip(pieces, held, strict=False) if not h]
    val = [p for p, h in zip(pieces, held, strict=False) if h and p.text]
    return train, val


def prepare(cfg: PretrainConfig, work: Path):
    """Corpus -> tokenizer -> token streams; cached in ``work`` so a resume skips it."""
    from transformers import AutoTokenizer

    tok_dir, cache = work / "tokenizer", work / "tokens.npz"
    if cache.exists() and tok_dir.exists():
        data = np.load(cache)
        return AutoTokenizer.from_pretrained(str(tok_dir)), data["train"], data["val"]
    pieces = build_corpus(Path(cfg.data_dir), cfg.headline_cutoff)
    train, val = split_pieces(pieces, cfg.heldout_percent)
    plain = (p.text or " ".join(c for _, c in p.messages) for p in train)
    tokenizer = train_tokenizer(plain, cfg.vocab_size)
    train_ids, val_ids = tokenize_split(train, tokenizer), tokenize_split(val, tokenizer)
    save_tokenizer(tokenizer, tok_dir)
    np.savez(cache, train=train_ids, val=val_ids)
    return tokenizer, train_ids, val_ids


def batch_indices(num_blocks: int, step: int, batch: int, seed: int) -> np.ndarray:
    """Blocks for ``step``: a seeded permutation per epoch, so resuming needs only the step."""
    start = step * batch
    epoch, offset = divmod(start, num_blocks)
    order = np.random.default_rng([seed, epoch]).permutation(num_blocks)
    idx = order[offset : offset + batch]
    if len(idx) < batch:
        nxt = np.random.default_rng([seed, epoch + 1]).permutation(num_blocks)
        idx = np.concatenate([idx, nxt[: batch - len(idx)]])
    return idx


def next_token_loss(model: nn.Module, tokens: mx.array) -> mx.array:
    logits = model(tokens[:, :-1]).astype(mx.float32)
    return nn.losses.cross_entropy(logits, tokens[:, 1:], reduction="mean")


def heldout_loss(
    model: nn.Module, val: np.ndarray, seq_len: int, max_blocks: int | None = None, batch: int = 32
) -> float:
    """Mean next-token loss (nats) over held-out tokens, in fixed blocks (all, or the first N)."""
    n = (len(val) - 1) // seq_len
    n = min(n, max_blocks) if max_blocks else n
    blocks = np.stack([val[i * seq_len : i * seq_len + seq_len + 1] for i in range(n)])
    total = 0.0
    for start in range(0, n, batch):
        chunk = mx.array(blocks[start : start + batch])
        total += next_token_loss(model, chunk).item() * len(chunk)
    return total / n


def unigram_loss(train: np.ndarray, val: np.ndarray, vocab: int) -> float:
    """Held-out loss of an add-one-smoothed unigram model: the floor any LM must beat."""
    counts = np.bincount(train, minlength=vocab).astype(np.float64) + 1.0
    logp = np.log(counts / counts.sum())
    return float(-logp[val].mean())


def build_model(cfg: PretrainConfig, config: dict) -> qwen3.Model:
    mx.random.seed(cfg.seed)
    model = qwen3.Model(qwen3.ModelArgs.from_dict(config))
    model.set_dtype(mx.float32)
    return model


def _schedule(cfg: PretrainConfig):
    warmup = min(cfg.warmup_steps, cfg.steps // 10)
    warm = optim.linear_schedule(1e-7, cfg.learning_rate, max(warmup, 1))
    decay = optim.cosine_decay(cfg.learning_rate, cfg.steps - warmup, cfg.learning_rate / 20)
    return optim.join_schedules([warm, decay], [warmup])


def _save_checkpoint(work: Path, model: nn.Module, opt: optim.Optimizer, step: int) -> None:
    save_safetensors_atomic(work / "weights.safetensors", dict(tree_flatten(model.parameters())))
    save_safetensors_atomic(work / "optimizer.safetensors", dict(tree_flatten(opt.state)))
    atomic_write_text(work / "step.json", json.dumps({"step": step}))


def _load_checkpoint(work: Path, model: nn.Module, opt: optim.Optimizer) -> int:
    if not (work / "step.json").exists():
        return 0
    model.load_weights(str(work / "weights.safetensors"))
    opt.state = tree_unflatten(list(mx.load(str(work / "optimizer.safetensors")).items()))
    return json.loads((work / "step.json").read_text())["step"]


def pretrain(cfg: PretrainConfig, progress=None) -> dict:
    """Train, resuming from ``out/.work`` if present; return the model card's numbers."""
    out = Path(cfg.out)
    work = out / ".work"
    work.mkdir(parents=True, exist_ok=True)
    atomic_write_text(work / "pretrain_config.json", json.dumps(asdict(cfg), indent=2))
    tokenizer, train, val = prepare(cfg, work)
    config = model_config(cfg, tokenizer)
    model = build_model(cfg, config)
    opt = optim.AdamW(learning_rate=_schedule(cfg), weight_decay=cfg.weight_decay)
    opt.init(model.trainable_parameters())
    step = _load_checkpoint(work, model, opt)
    num_blocks = (len(train) - 1) // (cfg.seq_len + 1)
    blocks = train[: num_blocks * (cfg.seq_len + 1)].reshape(num_blocks, cfg.seq_len + 1)

    loss_and_grad = nn.value_and_grad(model, next_token_loss)
    state = [model.state, opt.state]

    @partial(mx.compile, inputs=state, outputs=state)
    def train_step(tokens):
        loss, grads = loss_and_grad(model, tokens)
        grads, _ = optim.clip_grad_norm(grads, 1.0)
        opt.update(model, grads)
        return loss

    log_path = work / "log.jsonl"
    kept = trim_after(log_path, step)
    tokens_per_step = cfg.batch_size * cfg.seq_len
    t0 = time.perf_counter() - (kept[-1]["seconds"] if kept else 0.0)
    log = JsonlLog(log_path)
    try:
        while step < cfg.steps:
            tokens = mx.array(blocks[batch_indices(num_blocks, step, cfg.batch_size, cfg.seed)])
            loss = train_step(tokens)
            mx.eval(loss, state)
            step += 1
            row = {
                "step": step,
                "loss": loss.item(),
                "lr": opt.learning_rate.item(),
                "tokens": step * tokens_per_step,
                "seconds": time.perf_counter() - t0,
            }
            if step % cfg.eval_every == 0 or step == cfg.steps:
                row["val_loss"] = heldout_loss(model, val, cfg.seq_len, cfg.eval_blocks)
            log.write(row)
            if progress:
                progress(step, cfg.steps, row)
            if step % cfg.checkpoint_every == 0 or step == cfg.steps:
                _save_checkpoint(work, model, opt, step)
    finally:
        log.close()
    return finish(cfg, model, tokenizer, config, train, val, work)


def finish(cfg, model, tokenizer, config, train, val, work: Path) -> dict:
    """Write the model folder (16-bit weights), then measure it as users will load it."""
    out = Path(cfg.out)
    weights = {k: v.astype(mx.bfloat16) for k, v in tree_flatten(model.parameters())}
    save_safetensors_atomic(out / "model.safetensors", weights, {"format": "mlx"})
    atomic_write_text(out / "config.json", json.dumps(config, indent=2))
    gen = {
        "eos_token_id": [config["eos_token_id"], tokenizer.pad_token_id],
        "pad_token_id": tokenizer.pad_token_id,
    }
    atomic_write_text(out / "generation_config.json", json.dumps(gen, indent=2))
    save_tokenizer(tokenizer, out)
    shutil.copy(work / "log.jsonl", out / "training_log.jsonl")
    shutil.copy(work / "pretrain_config.json", out / "pretrain_config.json")
    model.load_weights(list(weights.items()))
    model.set_dtype(mx.float32)
    log = read_rows(work / "log.jsonl")
    val_loss = heldout_loss(model, val, cfg.seq_len)
    stats = {
        "parameters": sum(v.size for _, v in tree_flatten(model.parameters())),
        "train_tokens_available": int(len(train)),
        "heldout_tokens": int(len(val)),
        "tokens_seen": cfg.steps * cfg.batch_size * cfg.seq_len,
        "training_seconds": log[-1]["seconds"],
        "heldout_loss": val_loss,
        "heldout_perplexity": math.exp(val_loss),
        "unigram_perplexity": math.exp(unigram_loss(train, val, len(tokenizer))),
    }
    atomic_write_text(out / "pretrain_stats.json", json.dumps(stats, indent=2))
    return stats
