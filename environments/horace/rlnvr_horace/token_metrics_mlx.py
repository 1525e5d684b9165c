"""MLX backend of :mod:`rlnvr_horace.token_metrics` (``mlx_lm`` models).

Same plan as the PyTorch backend, step for step, so the numbers agree: the body runs once per
batch of windows, the head only on scored positions, chunk by chunk to bound memory. The
metrics of each chunk of logits are computed by numpy
(:func:`~rlnvr_horace.token_metrics.metrics_from_logits` says why).
"""

from __future__ import annotations

import mlx.core as mx
import numpy as np

from rlnvr_horace.token_metrics import ScoringConfig, check_plain_head, metrics_from_logits

CHUNK_ELEMENTS = 1 << 21  # logits per chunk: 8 MiB of fp32, rows = this // vocab


def _head(model):
    """The output projection: ``lm_head``, or the tied input embedding used as one."""
    head = getattr(model, "lm_head", None)
    return head if head is not None else model.model.embed_tokens.as_linear


def _vocab(model) -> int:
    head = getattr(model, "lm_head", None)
    weight = head.weight if head is not None else model.model.embed_tokens.weight
    return int(weight.shape[0])


def score_windows(
    model, windows: np.ndarray, first_rows: np.ndarray, cfg: ScoringConfig, full: bool = True
) -> dict[str, np.ndarray]:
    """Metrics of the scored targets of a batch of equal-length windows, in order."""
    check_plain_head(getattr(model, "args", None), type(model).__module__)
    hidden = model.model(mx.array(windows))
    hidden = mx.concatenate([hidden[b, int(f) : -1] for b, f in enumerate(first_rows)])
    targets = np.concatenate([windows[b, int(f) + 1 :] for b, f in enumerate(first_rows)])
    head, step = _head(model), max(1, CHUNK_ELEMENTS // _vocab(model))
    parts = []
    for i in range(0, len(targets), step):
        logits = head(hidden[i : i + step]).astype(mx.float32)
        mx.eval(logits)
        parts.append(metrics_from_logits(np.array(logits), targets[i : i + step], cfg.top_p, full))
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
