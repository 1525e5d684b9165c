"""Burrows' Delta: the stylometry baseline every author-attribution method has to beat.

Burrows (2002): take the most frequent words (MFW) of a reference corpus, turn each text into
relative frequencies of those words, z-score each word against the corpus, and attribute a text
to the author whose mean z-vector (centroid) is nearest in mean absolute difference. Function
words dominate the MFW list, and how often an author uses "the", "of" or "which" is a habit they
do not control, which is why this simple rule is hard to beat.

Two later variants read short texts better, and the reward uses both (``char_n``, ``metric``):

* **Character n-grams** instead of words (``char_n``). A hundred words give a few dozen
  function-word counts but some five hundred character trigrams, which also see punctuation
  (the semicolons, dashes and quotation habits that words drop), inflections and spelling.
  The text is read after typographic normalisation (curly quotes, ``--`` and ``–`` as ``—``,
  the ``_`` of italics), so that the commonest marks of how a book was typeset are not taken
  for how its author wrote.
* **Cosine Delta** (``metric="cosine"``; Smith and Aldridge 2011, the most robust Delta in Evert
  et al. 2017): the angle between z-vectors, not their mean absolute difference, so a text is
  judged by the *pattern* of its deviations from the corpus mean, not by how far it deviates
  overall; a short text deviates far in every direction, and under Manhattan distance that
  noise made it roughly equally far from every author.

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
from functools import cached_property

import numpy as np

from rlnvr_horace._vendor.length import word_count
from rlnvr_horace.calibration import margin_score

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")
_TYPOGRAPHY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                             "\u2013": "\u2014", "_": None})  # fmt: skip
_SPACE = re.compile(r"\s+")


def words(text: str) -> list[str]:
    """Lower-cased word tokens (apostrophes kept inside words: "don't", "o'er")."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def char_ngrams(text: str, n: int) -> list[str]:
    """Overlapping ``n``-character slices of the lower-cased text, after typographic
    normalisation (straight quotes, one dash, no italics marks, single spaces)."""
    flat = _SPACE.sub(" ", text.lower().translate(_TYPOGRAPHY).replace("--", "\u2014")).strip()
    return [flat[i : i + n] for i in range(len(flat) - n + 1)]


Bag = Counter  # feature -> count of one text; leave-one-out refits reuse bags, not re-tokenise


def bag(text: str | Bag, char_n: int | None = None) -> Bag:
    """The word counts (or character ``char_n``-gram counts) of ``text``; a bag is passed
    through, so it must have been counted with the same ``char_n``."""
    if isinstance(text, Counter):
        return text
    return Counter(words(text) if char_n is None else char_ngrams(text, char_n))


@dataclass(frozen=True)
class DeltaSpace:
    """The fitted list of most frequent features (words, or character n-grams) with each
    one's mean and standard deviation of relative frequency."""

    vocabulary: tuple[str, ...]
    mean: np.ndarray
    std: np.ndarray
    z_clip: float | None = None  # cap on |z|; None: uncapped (Burrows' original)
    char_n: int | None = None  # None: words (Burrows' original); n: character n-grams

    def frequencies(self, texts: Sequence[str | Bag]) -> np.ndarray:
        """Relative frequency of each vocabulary feature in each text, shape (texts,
        features)."""
        out = np.zeros((len(texts), len(self.vocabulary)))
        for i, text in enumerate(texts):
            counts = bag(text, self.char_n)
            total = max(sum(counts.values()), 1)
            out[i] = [counts.get(w, 0) / total for w in self.vocabulary]
        return out

    def zscores(self, texts: Sequence[str | Bag]) -> np.ndarray:
        """Each text's z-vector over the vocabulary, shape (texts, words), capped at
        ``z_clip``."""
        z = (self.frequencies(texts) - self.mean) / self.std
        return z if self.z_clip is None else np.clip(z, -self.z_clip, self.z_clip)


def fit_delta(
    texts: Sequence[str | Bag],
    n_mfw: int = 150,
    z_clip: float | None = None,
    char_n: int | None = None,
) -> DeltaSpace:
    """The ``n_mfw`` most frequent words (or character ``char_n``-grams) of ``texts`` with
    their frequency mean and std.

    Ties in frequency break alphabetically, so the same texts always give the same space.
    """
    if z_clip is not None and z_clip <= 0:
        raise ValueError(f"z_clip must be positive (or None for no cap), got {z_clip}")
    if char_n is not None and char_n < 1:
        raise ValueError(f"char_n must be positive (or None for words), got {char_n}")
    texts = [bag(t, char_n) for t in texts]
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(text)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    vocabulary = tuple(w for w, _ in ranked[:n_mfw])
    space = DeltaSpace(vocabulary, np.zeros(len(vocabulary)), np.ones(len(vocabulary)))
    freqs = space.frequencies(texts)
    std = freqs.std(axis=0)
    return DeltaSpace(vocabulary, freqs.mean(axis=0), np.where(std > 0, std, 1.0), z_clip, char_n)


METRICS = ("manhattan", "cosine")


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (an all-zero row stays zero)."""
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norm > 0, norm, 1.0)


@dataclass(frozen=True)
class DeltaCentroids:
    """Burrows' nearest-centroid rule over z-vectors: one mean z-vector per author."""

    authors: tuple[str, ...]
    centroids: np.ndarray  # (authors, features)
    metric: str = "manhattan"  # or "cosine" (Cosine Delta)

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise ValueError(f"metric must be one of {METRICS}, got {self.metric!r}")

    @classmethod
    def fit(
        cls, z: np.ndarray, authors: Sequence[str], metric: str = "manhattan"
    ) -> DeltaCentroids:
        labels = np.asarray(authors)
        names = tuple(sorted(set(authors)))
        return cls(names, np.stack([z[labels == a].mean(axis=0) for a in names]), metric)

    def distances(self, z: np.ndarray) -> np.ndarray:
        """Delta of each text to each author, shape (texts, authors): mean |z - centroid|
        (Burrows), or 1 - cos(z, centroid) (Cosine Delta; 1 for an all-zero z)."""
        if self.metric == "manhattan":
            return np.abs(z[:, None, :] - self.centroids[None, :, :]).mean(axis=2)
        return 1.0 - unit_rows(z) @ self._unit_centroids.T

    @cached_property
    def _unit_centroids(self) -> np.ndarray:  # once per model, not once per reward call
        return unit_rows(self.centroids)

    def predict(self, z: np.ndarray) -> list[str]:
        """The author with the smallest Delta, for each text."""
        return [self.authors[j] for j in self.distances(z).argmin(axis=1)]


RIVALS = 5  # the margin is taken over the mean Delta to this many nearest other authors
DELTA_OWN_FULL = 0.05  # Delta's pay is full at the margin 95% of own chunks reach (``m_own``)


def margins(d: np.ndarray, j: int, rivals: int | None = RIVALS) -> np.ndarray:
    """Each text's mean distance to its ``rivals`` nearest authors other than author ``j``,
    minus its distance to ``j`` (``d``: texts x authors; with fewer other authors, all of
    them); ``rivals=None``: the median other author instead (Delta's rule until 2026-12-07,
    and the cadence margin's)."""
    if rivals is not None and rivals < 1:
        raise ValueError(f"rivals must be positive (or None for the median), got {rivals}")
    others = np.delete(d, j, axis=1)
    if rivals is None:
        return np.median(others, axis=1) - d[:, j]
    return np.sort(others, axis=1)[:, : min(rivals, others.shape[1])].mean(axis=1) - d[:, j]


@dataclass(frozen=True)
class DeltaModel:
    """A fitted Delta space and its author centroids: what the reward's ``delta`` reads.

    ``margin`` is the cadence margin's twin in style markers: the text's mean Delta to its
    ``rivals`` nearest other authors minus its Delta to the target, above 0 when its profile
    is nearer the target than to the authors it is nearest. Why the nearest few, not the
    median other author (the cadence margin's base rate): a neighbour's prose (Anne and
    Emily Brontë, Fitzgerald and Hemingway) is far nearer the target than the median author
    is, so over the median a neighbour's pastiche was paid in full on the target's task;
    over the single nearest author, noise at a hundred words decides, and honest imitations
    nearer one rival than their target (a few in any set) are paid nothing. ``calibration``
    holds, per author and length, the quantiles of that margin for *other* authors' chunks
    (``rlnvr_horace.calibration.margin_score`` reads them as it reads the cadence margin's),
    and the margin at which pay is full: the one :data:`DELTA_OWN_FULL` of the author's own
    chunks fall short of. Why so early, where the cadence margin waits for 70% of them: above
    0 this margin already names the target over its nearest rivals, and how far above it a
    hundred-word text lands is mostly chance (the author's own chunks scatter across the
    whole range), so a long slope there paid a search for chance: an honest imitation that
    sat on it was beaten by its own garbled edits, a few thousandths of margin an edit. What
    is left of the slope is short (at 100 words a margin just above 0 is paid 0.88-1.00).
    """

    space: DeltaSpace
    centroids: DeltaCentroids
    calibration: dict[str, dict]
    rivals: int | None = RIVALS  # new models; from_json reads a file without it as None

    def margin(self, text: str, author: str) -> float:
        d = self.centroids.distances(self.space.zscores([text]))
        return float(margins(d, self.centroids.authors.index(author), self.rivals)[0])

    def pay(self, text: str, author: str) -> float:
        """The ``delta`` reward before its guard: the margin read against ``author``'s
        calibration at the text's length."""
        return margin_score(self.margin(text, author), word_count(text), self.calibration[author])

    def to_json(self) -> dict:
        return {
            "vocabulary": list(self.space.vocabulary),
            "mean": [round(float(x), 9) for x in self.space.mean],
            "std": [round(float(x), 9) for x in self.space.std],
            "z_clip": self.space.z_clip,
            "char_n": self.space.char_n,
            "metric": self.centroids.metric,
            "authors": list(self.centroids.authors),
            "centroids": [[round(float(x), 6) for x in row] for row in self.centroids.centroids],
            "calibration": self.calibration,
            "rivals": self.rivals,
        }

    @classmethod
    def from_json(cls, data: dict) -> DeltaModel:
        space = DeltaSpace(
            tuple(data["vocabulary"]),
            np.asarray(data["mean"]),
            np.asarray(data["std"]),
            data.get("z_clip"),
            data.get("char_n"),
        )
        centroids = DeltaCentroids(
            tuple(data["authors"]), np.asarray(data["centroids"]), data.get("metric", "manhattan")
        )
        return cls(space, centroids, data["calibration"], data.get("rivals"))
