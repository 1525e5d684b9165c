"""PyTorch backend of :mod:`rlnvr_horace.token_metrics` (``transformers`` causal LMs).

The model body runs once per batch of windows; the output head runs only on the positions
that are scored (a window's left context is not projected onto the vocabulary again), chunk
by chunk, so at most one ``[rows, vocab]`` block of logits exists at a time however long the
text. Each chunk's metrics come from the shared numpy code
(:func:`~rlnvr_horace.token_metrics.metrics_from_logits` says why), the same code the MLX
backend uses.
"""

from __future__ import annotations

import numpy as np
import torch

from rlnvr_horace.token_metrics import ScoringConfig, check_plain_head, metrics_from_logits

CHUNK_ELEMENTS = 1 << 21  # logits per chunk: 8 MiB of fp32, rows = this // vocab


@torch.inference_mode()
def score_windows(
    model, windows: np.ndarray, first_rows: np.ndarray, cfg: ScoringConfig, full: bool = True
) -> dict[str, np.ndarray]:
    """Metrics of the scored targets of a batch of equal-length windows, in order."""
    check_plain_head(model.config, model.config.name_or_path)
    head = model.get_output_embeddings()
    hidden = model.base_model(input_ids=torch.from_numpy(windows).to(head.weight.device))
    hidden = hidden.last_hidden_state
    hidden = torch.cat([hidden[b, int(f) : -1] for b, f in enumerate(first_rows)])
    targets = np.concatenate([windows[b, int(f) + 1 :] for b, f in enumerate(first_rows)])
    step = max(1, CHUNK_ELEMENTS // head.weight.shape[0])
    parts = []
    for i in range(0, len(targets), step):
        logits = head(hidden[i : i + step]).float().cpu().numpy()
        parts.append(metrics_from_logits(logits, targets[i : i + step], cfg.top_p, full))
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
