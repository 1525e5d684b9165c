"""Copy detection against a corpus: the share of a text's word n-grams found in it.

A style reward that compares a text with an author's own prose is maximised by the author's
own prose, so pasting a remembered passage must cost more than it earns. Six consecutive
words are rarely shared by chance (an honest imitation of a few hundred words shares almost
none with a novel), while a pasted passage shares nearly all of its 6-grams.

An index is the sorted, unique 32-bit hashes of a corpus's n-grams: 4 bytes per n-gram, so
the ~350k words of rlnvr's literature sample fit in 1.4 MB and ship with an environment
without the text. Two different n-grams share a hash with probability ~n_index / 2**32
(1e-4 here), which cannot turn an honest text into a copy. Hashes are BLAKE2b of the
case-folded words (curly apostrophes straightened, links dropped: ``rlnvr_horace._vendor.text``),
so they are the same on every machine and Python process.

::

    index = build_index([novel_text, story_text])
    copy_share("It was the best of times, it was the worst of times", index)  # in [0, 1]
    save_indexes(path, {"Dickens": index}); load_indexes(path)["Dickens"]
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from rlnvr_horace._vendor.text import words

N = 6
_SEPARATOR = "\x1f"  # not a word character, so ("a b", "c") and ("a", "b c") differ
_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed zip timestamps: rebuilding gives identical bytes


def ngram_words(text: str | None) -> list[str]:
    """The words n-grams are made of: case-folded, curly apostrophes straightened."""
    return [w.replace("\u2019", "'") for w in words(text)]


def ngram_hashes(text: str | None, n: int = N) -> np.ndarray:
    """uint32 hash of each word ``n``-gram of ``text``, in order (empty if fewer words)."""
    tokens = ngram_words(text)
    grams = (_SEPARATOR.join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    digests = b"".join(hashlib.blake2b(g.encode(), digest_size=4).digest() for g in grams)
    return np.frombuffer(digests, dtype="<u4").astype(np.uint32)


def build_index(texts: Iterable[str], n: int = N) -> np.ndarray:
    """Sorted unique hashes of every ``n``-gram of ``texts`` (n-grams never span two texts)."""
    parts = [ngram_hashes(t, n) for t in texts]
    return np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.uint32)


def merge(indexes: Iterable[np.ndarray]) -> np.ndarray:
    """One index holding the n-grams of all ``indexes``."""
    parts = list(indexes)
    return np.unique(np.concatenate(parts)) if parts else np.zeros(0, np.uint32)


def found(hashes: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Per hash, whether ``index`` (sorted) holds it."""
    if len(index) == 0:
        return np.zeros(len(hashes), dtype=bool)
    at = np.searchsorted(index, hashes).clip(max=len(index) - 1)
    return index[at] == hashes


def copy_share(text: str | None, index: np.ndarray, n: int = N) -> float:
    """Share of ``text``'s ``n``-grams that occur in the indexed corpus (0 below n words)."""
    hashes = ngram_hashes(text, n)
    return float(found(hashes, index).mean()) if len(hashes) else 0.0


def save_indexes(path: Path, indexes: Mapping[str, np.ndarray]) -> None:
    """Write named indexes as one ``.npz`` (readable with ``np.load``), byte-reproducibly:
    ``np.savez`` stamps each member with the current time, so a rebuild would always differ."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as archive:
        for name in sorted(indexes):
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_EPOCH)
            with archive.open(info, "w") as member:
                np.lib.format.write_array(member, np.asarray(indexes[name], dtype=np.uint32))
    tmp.replace(path)


def load_indexes(source) -> dict[str, np.ndarray]:
    """The indexes saved by :func:`save_indexes` (a path or a binary file object)."""
    with np.load(source) as archive:
        return {name: archive[name] for name in archive.files}
