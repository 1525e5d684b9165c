"""Model card and loss plot for a pretrained model folder, built from its own logs."""

from __future__ import annotations

import json
from pathlib import Path

from rlnvr.data_pipelines.atomic import atomic_write_text


def plot_loss(log: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    tokens = [r["tokens"] / 1e6 for r in log]
    ax.plot(tokens, [r["loss"] for r in log], lw=0.8, alpha=0.6, label="train loss")
    val = [(r["tokens"] / 1e6, r["val_loss"]) for r in log if "val_loss" in r]
    if val:
        ax.plot(*zip(*val, strict=False), "o-", color="C3", label="held-out loss")
    ax.set_xlabel("tokens seen (millions)")
    ax.set_ylabel("cross-entropy (nats/token)")
    ax.set_title("rlnvr-tiny pretraining")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_model_card(folder: Path, command: str) -> None:
    folder = Path(folder)
    stats = json.loads((folder / "pretrain_stats.json").read_text())
    cfg = json.loads((folder / "pretrain_config.json").read_text())
    config = json.loads((folder / "config.json").read_text())
    log = [json.loads(line) for line in (folder / "training_log.jsonl").read_text().splitlines()]
    plot_loss(log, folder / "loss.png")
    minutes = stats["training_seconds"] / 60
    card = f"""---
license: mit
library_name: mlx
tags: [mlx, qwen3, tiny, rlnvr]
---

# rlnvr-tiny

A {stats["parameters"] / 1e6:.2f}M-parameter Qwen3-architecture causal language model trained from
scratch by `rlnvr pretrain`, so that rlnvr's tests and offline default have a real model to
load, sample from and train, with no model hub. It is a test and teaching model, not a useful
writer: expect locally fluent, globally incoherent text.

| | |
|---|---|
| architecture | Qwen3 ({config["num_hidden_layers"]} layers, hidden {config["hidden_size"]}, \
{config["num_attention_heads"]} heads / {config["num_key_value_heads"]} KV heads, \
head dim {config["head_dim"]}, MLP {config["intermediate_size"]}, tied embeddings) |
| parameters | {stats["parameters"]:,} |
| tokenizer | byte-level BPE, {config["vocab_size"]:,} tokens, Qwen ChatML special tokens and \
chat template |
| context trained | {cfg["seq_len"]} tokens |
| tokens seen | {stats["tokens_seen"]:,} ({cfg["steps"]} steps x {cfg["batch_size"]} x \
{cfg["seq_len"]}) |
| training tokens available | {stats["train_tokens_available"]:,} |
| training time | {minutes:.1f} min on 2 CPU cores (MLX, fp32, OpenBLAS) |
| held-out tokens | {stats["heldout_tokens"]:,} ({cfg["heldout_percent"]}% of pieces, by hash) |
| **held-out perplexity** | **{stats["heldout_perplexity"]:.1f}** |
| unigram baseline perplexity | {stats["unigram_perplexity"]:.1f} (add-one smoothed, same tokens) |
| weights | bfloat16 safetensors; load in fp32 on CPU |

![loss curve](loss.png)

## Data

Public-domain novels and stories (26 British novels collected by
computationalstylistics/A_Small_Collection_of_British_Fiction; Hemingway, Fitzgerald, Wodehouse,
Poe, Twain and others from strangeloopcanon/Horace), RSS headlines before
{cfg["headline_cutoff"]} (strangeloopcanon/Varro, Apache-2.0; strangeloopcanon/foresight-forge),
and Bluesky posts (METResearchGroup/bluesky-research, MIT). Headlines from
{cfg["headline_cutoff"]} on are kept out: Varro evaluates forecasts against them. A few
thousand chat-formatted pieces (continue a passage in an author's style; write a post about
an article) teach the chat template and `<|im_end|>`.

## Reproduce

```bash
{command}
```

Hyperparameters: `pretrain_config.json`; per-step loss: `training_log.jsonl`.

## Use

```python
from rlnvr.trainers.models import load_mlx, load_torch
model, tokenizer = load_mlx("rlnvr-tiny")      # mlx_lm
model, tokenizer = load_torch("rlnvr-tiny")    # transformers, same numbers within 1e-4
```
"""
    atomic_write_text(folder / "README.md", card)
