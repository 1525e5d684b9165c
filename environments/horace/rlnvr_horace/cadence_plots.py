"""PNG plots of a cadence analysis: one document's surprisal series, and authors side by side.

The series plot is how a reader checks a spike by eye (which token, what came after); the
author bars are the corpus-level view (who writes cohesively, who spikes often), one group of
bars per scoring model so that models can be compared at a glance.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from rlnvr_horace.cadence import spikes  # noqa: E402
from rlnvr_horace.token_metrics import TokenMetrics  # noqa: E402

MAX_LABELS = 12  # spikes labelled with their token text


def plot_series(metrics: TokenMetrics, path: Path, title: str, limit: int = 400) -> Path:
    """The first ``limit`` tokens' surprisal, the mean, the spike threshold and the spikes.

    Spikes are found over the whole series (as the statistics are), then drawn where shown.
    """
    s = metrics.surprisal.astype(np.float64)
    peaks = spikes(s)
    shown = peaks[peaks < limit]
    fig, ax = plt.subplots(figsize=(12, 3.6))
    ax.plot(np.arange(min(limit, len(s))), s[:limit], lw=0.8, color="0.35", label="surprisal")
    if len(s):
        ax.axhline(s.mean(), color="tab:blue", lw=0.8, ls="--", label="mean")
        ax.axhline(s.mean() + s.std(), color="tab:red", lw=0.8, ls=":", label="spike threshold")
    ax.scatter(shown, s[shown], color="tab:red", s=12, zorder=3, label="spikes")
    for i in shown[np.argsort(-s[shown])][:MAX_LABELS]:
        ax.annotate(repr(metrics.tokens[i].strip())[1:-1], (i, s[i]), fontsize=7, ha="center",
                    xytext=(0, 3), textcoords="offset points")  # fmt: skip
    ax.set(xlabel="token", ylabel="surprisal (nats)", title=title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=7, ncols=4)
    return _save(fig, path)


def plot_authors(rows: Sequence[dict], path: Path, models: Sequence[str]) -> Path:
    """Per-author mean cohesion delta and spike rate, one bar per scoring model."""
    authors = sorted({row["author"] for row in rows})
    fig, axes = plt.subplots(2, 1, figsize=(max(7, 0.45 * len(authors) + 3), 8), sharex=True)
    width = 0.8 / max(1, len(models))
    x = np.arange(len(authors))
    for k, model in enumerate(models):
        for ax, key in zip(axes, ("cohesion_delta", "spike_rate"), strict=True):
            means = [_author_mean(rows, author, model, key) for author in authors]
            ax.bar(x + (k - (len(models) - 1) / 2) * width, means, width, label=model)
    labels = {"cohesion_delta": "cohesion delta (nats/token; < 0: cohesive)",
              "spike_rate": "spikes per 100 tokens"}  # fmt: skip
    for ax, key in zip(axes, labels, strict=True):
        ax.set_title(labels[key], fontsize=10)
        ax.axhline(0, color="0.5", lw=0.6)
    axes[1].set_xticks(x, authors, rotation=60, ha="right", fontsize=8)
    axes[0].legend(fontsize=7)
    return _save(fig, path)


def _author_mean(rows: Sequence[dict], author: str, model: str, key: str) -> float:
    values = [r[key] for r in rows if r["author"] == author and r["model"] == model]
    finite = [v for v in values if np.isfinite(v)]
    return float(np.mean(finite)) if finite else 0.0


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
