"""Per-chunk features computed once: an append-only JSONL cache in front of a feature function.

Scoring a corpus with a language model takes minutes to hours on a CPU; the classifier and
the signatures are rerun far more often than that. Each chunk's features are stored under
(model, extractor, chunk length, document, chunk index) as soon as they are computed, so an
interrupted run resumes where it stopped and a rerun is instant. The chunk's text hash is
stored too: if the corpus changes (the bundled sample is a truncated copy of the full corpus),
a stale entry is recomputed rather than silently reused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from rlnvr_horace.chunks import Chunk

FeatureFn = Callable[[str], Mapping[str, float]]


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


class FeatureCache:
    """Features of chunks under one model and one feature extractor, kept in a JSONL file."""

    def __init__(self, path: Path, model: str, extractor: str):
        self.path, self.model, self.extractor = Path(path), model, extractor
        self._rows: dict[tuple, tuple[str, dict[str, float]]] = {}
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:  # a line cut short by an interrupted run
                    continue
                self._rows[self._key(row)] = (row["sha1"], row["features"])

    @staticmethod
    def _key(row: Mapping) -> tuple:
        keys = ("model", "extractor", "chunk_words", "document", "index")
        return tuple(row[k] for k in keys)

    def _row(self, chunk: Chunk) -> dict:
        return {
            "model": self.model,
            "extractor": self.extractor,
            "chunk_words": chunk.chunk_words,
            "document": chunk.document,
            "index": chunk.index,
        }

    def get(self, chunk: Chunk) -> dict[str, float] | None:
        """The stored features of ``chunk``, or None if absent or computed from other text."""
        hit = self._rows.get(self._key(self._row(chunk)))
        return hit[1] if hit and hit[0] == text_hash(chunk.text) else None

    def put(self, chunk: Chunk, features: Mapping[str, float]) -> None:
        """Store ``features`` for ``chunk`` in memory and on disk (one appended line)."""
        row = self._row(chunk) | {"sha1": text_hash(chunk.text), "features": dict(features)}
        self._rows[self._key(row)] = (row["sha1"], row["features"])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(row) + "\n")


def chunk_features(
    chunks: Sequence[Chunk],
    features: FeatureFn,
    cache: FeatureCache | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, float]]:
    """``features(chunk.text)`` for every chunk, from the cache where it has them."""
    out = []
    for i, chunk in enumerate(chunks):
        row = cache.get(chunk) if cache else None
        if row is None:
            row = {k: float(v) for k, v in features(chunk.text).items()}
            if cache:
                cache.put(chunk, row)
        out.append(row)
        if progress:
            progress(i + 1, len(chunks))
    return out


def cadence_extractor(model: str, backend: str) -> tuple[str, FeatureFn]:
    """The cadence feature function under ``model``, and a tag naming what it computes.

    The model is loaded on the first call only, so a run answered wholly from the cache
    never loads it. The tag holds a hash of the feature names and the scoring settings:
    when either changes, cached rows no longer match and are recomputed.
    """
    from rlnvr_horace.cadence import FEATURE_NAMES, cadence_features
    from rlnvr_horace.token_metrics import ScoringConfig, load_scorer, score_text

    config = ScoringConfig()
    spec = json.dumps([list(FEATURE_NAMES), config.__dict__], sort_keys=True)
    tag = f"cadence-{hashlib.sha1(spec.encode()).hexdigest()[:10]}"
    loaded: list = []

    def features(text: str) -> Mapping[str, float]:
        if not loaded:
            loaded.extend(load_scorer(model, backend))
        net, tokenizer = loaded
        return cadence_features(score_text(text, net, tokenizer, backend, config))

    return tag, features


def corpus_features(
    chunks: Sequence[Chunk],
    model: str,
    backend: str,
    cache_path: Path | None,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, float]]:
    """Cadence features of every chunk under ``model``, cached in ``cache_path`` if given."""
    tag, features = cadence_extractor(model, backend)
    cache = FeatureCache(cache_path, model, tag) if cache_path else None
    return chunk_features(chunks, features, cache, progress)
