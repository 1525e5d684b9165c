"""Author signatures: how an author's cadence features are distributed over chunks of their prose.

A signature holds, per feature, the mean, standard deviation and quantiles of that feature over
an author's chunks (all of the same length, e.g. 1,500 words, scored by the same model). The
Horace reward asks how far a generated text's features lie from a target author's signature:
:func:`signature_distance` is the mean over features of ``|x - mean| / std``, the diagonal
Mahalanobis distance in units of the author's own chunk-to-chunk spread. Each feature's term is
capped at ``clip`` so that one degenerate feature (a text of one repeated token has zero
entropy) cannot dominate, and a missing or non-finite value counts as the cap: broken text is
never rewarded as close.

Signatures are plain JSON (:func:`save_signatures`, :func:`load_signatures`) so that an
environment can ship them without the corpus or the model that produced them; the file records
the model and chunk length, because a distance is only meaningful under the same ones.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from rlnvr_horace._vendor.atomic import atomic_write_text

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
FORMAT_VERSION = 1


@dataclass(frozen=True)
class FeatureStats:
    """One feature over an author's chunks."""

    mean: float
    std: float
    quantiles: dict[str, float]  # "0.05" -> value, for QUANTILES


@dataclass(frozen=True)
class Signature:
    """An author's cadence signature over ``n_chunks`` chunks."""

    author: str
    n_chunks: int
    features: dict[str, FeatureStats]
    meta: dict[str, str | int | float] = field(default_factory=dict)  # model, chunk_words, ...


def feature_stats(values: Sequence[float]) -> FeatureStats:
    """Mean, population std and quantiles of finite ``values`` (NaNs from short chunks skipped)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return FeatureStats(math.nan, math.nan, {str(q): math.nan for q in QUANTILES})
    quantiles = {
        str(q): float(v) for q, v in zip(QUANTILES, np.quantile(x, QUANTILES), strict=True)
    }
    return FeatureStats(float(x.mean()), float(x.std()), quantiles)


def build_signatures(
    authors: Sequence[str],
    features: Sequence[Mapping[str, float]],
    meta: Mapping[str, str | int] | None = None,
    min_chunks: int = 5,
) -> dict[str, Signature]:
    """One signature per author with at least ``min_chunks`` chunks.

    ``authors[i]`` wrote the chunk whose features are ``features[i]``. Authors with fewer
    chunks are left out: a spread estimated from two chunks would make every distance noise.
    """
    rows: dict[str, list[Mapping[str, float]]] = defaultdict(list)
    for author, row in zip(authors, features, strict=True):
        rows[author].append(row)
    signatures = {}
    for author, group in sorted(rows.items()):
        if len(group) < min_chunks:
            continue
        names = sorted(group[0])
        stats = {n: feature_stats([row[n] for row in group]) for n in names}
        signatures[author] = Signature(author, len(group), stats, dict(meta or {}))
    return signatures


def signature_distance(
    features: Mapping[str, float],
    signature: Signature,
    names: Iterable[str] | None = None,
    clip: float = 10.0,
) -> float:
    """Mean over features of ``min(|x - mean| / std, clip)``: 0 is the author's average chunk.

    About 0.8 for a typical chunk of the author's own (the mean |z| of a normal variable),
    larger the further the text strays. ``names`` restricts the features compared (default:
    all of the signature's); a feature the signature has but ``features`` lacks raises
    ``KeyError``, because comparing on a silently smaller set would flatter the text.
    """
    names = sorted(signature.features) if names is None else list(names)
    if not names:
        raise ValueError("no features to compare")
    total = 0.0
    for name in names:
        stats = signature.features[name]
        if name not in features:
            raise KeyError(f"feature {name!r} is in {signature.author}'s signature, not the text's")
        x = float(features[name])
        if not (math.isfinite(x) and math.isfinite(stats.mean)):
            total += clip
            continue
        z = abs(x - stats.mean) / stats.std if stats.std > 0 else (0.0 if x == stats.mean else clip)
        total += min(z, clip)
    return total / len(names)


def nearest_author(features: Mapping[str, float], signatures: Mapping[str, Signature]) -> str:
    """The author whose signature is closest to ``features``."""
    return min(signatures, key=lambda a: signature_distance(features, signatures[a]))


def save_signatures(path: Path, signatures: Mapping[str, Signature]) -> None:
    """Write ``signatures`` as one JSON object keyed by author (atomically: never half-written)."""
    payload = {
        "version": FORMAT_VERSION,
        "quantiles": list(QUANTILES),
        "authors": {a: asdict(s) for a, s in signatures.items()},
    }
    atomic_write_text(path, json.dumps(payload, indent=1))


def load_signatures(path: Path) -> dict[str, Signature]:
    """Read a file written by :func:`save_signatures`."""
    payload = json.loads(Path(path).read_text())
    if payload.get("version") != FORMAT_VERSION:
        raise ValueError(f"{path}: signature format {payload.get('version')}, expected 1")
    try:
        return {
            author: Signature(
                entry["author"],
                entry["n_chunks"],
                {name: FeatureStats(**stats) for name, stats in entry["features"].items()},
                entry["meta"],
            )
            for author, entry in payload["authors"].items()
        }
    except (KeyError, TypeError) as err:
        raise ValueError(f"{path}: not a signature file ({type(err).__name__}: {err})") from err
