"""Literature documents cut into fixed-length chunks of words, each knowing its document.

Style statistics are compared on equal amounts of text: an author signature, Burrows' Delta and
the author classifier all see chunks of ``n_words`` words. A chunk is a slice of the original
text (line breaks and punctuation kept), because the cadence of a passage under a language
model depends on its layout as well as its words. Every chunk carries its document's identity
so that an evaluation can hold out a whole document, never just some of its chunks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rlnvr_horace._vendor.literature import Document, read_corpus

_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Chunk:
    """``n_words`` consecutive words of one document, as they appear in it."""

    author: str
    document: str  # stable id of the document: "<form>/<author>/<title>"
    index: int  # position of the chunk in the document (0 = first n_words words)
    chunk_words: int  # the chunk length asked for (the last chunk of a document may be shorter)
    text: str


def document_id(doc: Document) -> str:
    """A name for ``doc`` that is the same whichever folder the corpus was read from."""
    return f"{doc.form}/{doc.author}/{doc.title}"


def split_words(text: str, n_words: int, min_words: int | None = None) -> list[str]:
    """Cut ``text`` into consecutive slices of ``n_words`` words.

    A trailing slice shorter than ``min_words`` (default: half a chunk) is dropped, so that
    chunk statistics are not dominated by a document's last few lines.
    """
    if n_words < 1:
        raise ValueError(f"n_words must be positive, got {n_words}")
    min_words = n_words // 2 if min_words is None else min_words
    spans = [m.span() for m in _WORD.finditer(text)]
    pieces = []
    for start in range(0, len(spans), n_words):
        group = spans[start : start + n_words]
        if len(group) >= max(min_words, 1):
            pieces.append(text[group[0][0] : group[-1][1]])
    return pieces


def spread(n: int, k: int | None) -> list[int]:
    """``k`` indices spread evenly over ``range(n)`` (all of them when ``k`` is None or >= n).

    Capping chunks per document keeps one long novel (Pamela is 436k words) from outweighing an
    author's other works, and taking them across the whole book rather than its opening keeps
    the sample representative.
    """
    if k is None or k >= n:
        return list(range(n))
    return sorted({round(i * (n - 1) / max(k - 1, 1)) for i in range(k)})


def chunk_documents(
    documents: Iterable[Document], n_words: int, max_per_document: int | None = None
) -> list[Chunk]:
    """Chunks of every document, at most ``max_per_document`` each, in document order."""
    chunks = []
    for doc in documents:
        pieces = split_words(doc.text, n_words)
        doc_id = document_id(doc)
        for i in spread(len(pieces), max_per_document):
            chunks.append(Chunk(doc.author, doc_id, i, n_words, pieces[i]))
    return chunks


def load_chunks(root: Path, n_words: int, max_per_document: int | None = None) -> list[Chunk]:
    """Chunks of the corpus ``root`` (see :func:`read_corpus` for the layouts it reads)."""
    return chunk_documents(read_corpus(Path(root)), n_words, max_per_document)
