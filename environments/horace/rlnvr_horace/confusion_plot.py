"""Confusion matrices of author attribution as PNG heat maps (matplotlib, Agg: no display)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np


def plot_confusion(
    confusion: Sequence[Sequence[int]],
    labels: Sequence[str],
    title: str,
    path: Path,
) -> None:
    """Draw ``confusion[true][predicted]`` with rows as fractions of each author's chunks.

    Rows are the tested authors (the first ``len(confusion)`` labels), columns every author
    predicted or tested. Colour is the row fraction, so authors with few chunks stay readable;
    the cell text is the raw count.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts = np.asarray(confusion, dtype=float)
    fractions = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    rows, cols = counts.shape
    fig, ax = plt.subplots(figsize=(2.5 + 0.45 * cols, 2 + 0.4 * rows), dpi=110)
    image = ax.imshow(fractions, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i in range(rows):
        for j in range(cols):
            if counts[i, j]:
                colour = "white" if fractions[i, j] > 0.6 else "black"
                ax.text(j, i, int(counts[i, j]), ha="center", va="center", fontsize=7, c=colour)
    ax.set_xticks(range(cols), labels[:cols], rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(rows), labels[:rows], fontsize=8)
    ax.set_xlabel("predicted author")
    ax.set_ylabel("true author (held-out document)")
    ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=ax, fraction=0.03, label="fraction of the author's chunks")
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
