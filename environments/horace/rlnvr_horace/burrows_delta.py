"""Burrows' Delta: the stylometry baseline every author-attribution method has to beat.

Burrows (2002): take the most frequent words (MFW) of a reference corpus, turn each text into
relative frequencies of those words, z-score each word against the corpus, and attribute a text
to the author whose mean z-vector (centroid) is nearest in mean absolute difference. Function
words dominate the MFW list, and how often an author uses "the", "of" or "which" is a habit they
do not control, which is why this simple rule is hard to beat.

The word list, means and standard deviations are fitted on training texts only, so that a
held-out text's own words never shape the features it is judged by. The z-scores can be capped
(``z_clip``): in a text of a hundred words one use of a rarer listed word is a relative
frequency of 1%, many standard deviations above its mean, so uncapped that single word
outweighs the rest of the profile, and a one-word edit moves the text's Delta by as much as
the difference between two authors. The z-vectors are exposed
as features so that a classifier can use them alongside cadence features.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")


def words(text: str) -> list[str]:
    """Lower-cased word tokens (apostrophes kept inside words: "don't", "o'er")."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


Bag = Counter  # word -> count of one text; leave-one-out refits reuse bags, not re-tokenise


def bag(text: str | Bag) -> Bag:
    """The word counts of ``text`` (a bag is passed through)."""
    return text if isinstance(text, Counter) else Counter(words(text))


@dataclass(frozen=True)
class DeltaSpace:
    """The fitted MFW list with each word's mean and standard deviation of relative frequency."""

    vocabulary: tuple[str, ...]
    mean: np.ndarray
    std: np.ndarray
    z_clip: float | None = None  # cap on |z|; None: uncapped (Burrows' original)

    @property
    def feature_names(self) -> list[str]:
        return [f"mfw:{w}" for w in self.vocabulary]

    def frequencies(self, texts: Sequence[str | Bag]) -> np.ndarray:
        """Relative frequency of each vocabulary word in each text, shape (texts, words)."""
        out = np.zeros((len(texts), len(self.vocabulary)))
        for i, text in enumerate(texts):
            counts = bag(text)
            total = max(sum(counts.values()), 1)
            out[i] = [counts.get(w, 0) / total for w in self.vocabulary]
        return out

    def zscores(self, texts: Sequence[str | Bag]) -> np.ndarray:
        """Each text's z-vector over the vocabulary, shape (texts, words), capped at
        ``z_clip``."""
        z = (self.frequencies(texts) - self.mean) / self.std
        return z if self.z_clip is None else np.clip(z, -self.z_clip, self.z_clip)


def fit_delta(
    texts: Sequence[str | Bag], n_mfw: int = 150, z_clip: float | None = None
) -> DeltaSpace:
    """The ``n_mfw`` most frequent words of ``texts`` with their frequency mean and std.

    Ties in frequency break alphabetically, so the same texts always give the same space.
    """
    if z_clip is not None and z_clip <= 0:
        raise ValueError(f"z_clip must be positive (or None for no cap), got {z_clip}")
    texts = [bag(t) for t in texts]
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(text)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    vocabulary = tuple(w for w, _ in ranked[:n_mfw])
    space = DeltaSpace(vocabulary, np.zeros(len(vocabulary)), np.ones(len(vocabulary)))
    freqs = space.frequencies(texts)
    std = freqs.std(axis=0)
    return DeltaSpace(vocabulary, freqs.mean(axis=0), np.where(std > 0, std, 1.0), z_clip)


@dataclass(frozen=True)
class DeltaCentroids:
    """Burrows' nearest-centroid rule over z-vectors: one mean z-vector per author."""

    authors: tuple[str, ...]
    centroids: np.ndarray  # (authors, words)

    @classmethod
    def fit(cls, z: np.ndarray, authors: Sequence[str]) -> DeltaCentroids:
        labels = np.asarray(authors)
        names = tuple(sorted(set(authors)))
        return cls(names, np.stack([z[labels == a].mean(axis=0) for a in names]))

    def distances(self, z: np.ndarray) -> np.ndarray:
        """Delta of each text to each author: mean |z - centroid|, shape (texts, authors)."""
        return np.abs(z[:, None, :] - self.centroids[None, :, :]).mean(axis=2)

    def predict(self, z: np.ndarray) -> list[str]:
        """The author with the smallest Delta, for each text."""
        return [self.authors[j] for j in self.distances(z).argmin(axis=1)]


@dataclass(frozen=True)
class DeltaModel:
    """A fitted Delta space and its author centroids: what the reward's ``delta`` reads.

    ``margin`` is the cadence margin's twin in word habits: the text's median Delta to the
    other authors minus its Delta to the target, above 0 when its function-word profile is
    nearer the target than to the typical other author. ``calibration`` holds, per author and
    length, the quantiles of that margin for *other* authors' chunks
    (``rlnvr_horace.calibration.margin_score`` reads them as it reads the cadence margin's).
    """

    space: DeltaSpace
    centroids: DeltaCentroids
    calibration: dict[str, dict]

    def margin(self, text: str | Bag, author: str) -> float:
        d = self.centroids.distances(self.space.zscores([text]))[0]
        j = self.centroids.authors.index(author)
        return float(np.median(np.delete(d, j)) - d[j])

    def to_json(self) -> dict:
        return {
            "vocabulary": list(self.space.vocabulary),
            "mean": [round(float(x), 9) for x in self.space.mean],
            "std": [round(float(x), 9) for x in self.space.std],
            "z_clip": self.space.z_clip,
            "authors": list(self.centroids.authors),
            "centroids": [[round(float(x), 6) for x in row] for row in self.centroids.centroids],
            "calibration": self.calibration,
        }

    @classmethod
    def from_json(cls, data: dict) -> DeltaModel:
        space = DeltaSpace(
            tuple(data["vocabulary"]),
            np.asarray(data["mean"]),
            np.asarray(data["std"]),
            data.get("z_clip"),
        )
        centroids = DeltaCentroids(tuple(data["authors"]), np.asarray(data["centroids"]))
        return cls(space, centroids, data["calibration"])
