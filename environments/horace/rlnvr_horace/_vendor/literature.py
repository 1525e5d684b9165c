# Generated from data_pipelines/literature.py by scripts/vendor.py: do not edit.
"""Public-domain literature as (author, title, text) documents.

Two layouts are understood, the ones the project ships and reads:
``british_fiction/Author_Title.txt`` and ``horace_corpus/<form>/<author>/<title>.txt``.
Project Gutenberg boilerplate is cut so that licence text never counts as an author's style.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

_FLAGS = re.MULTILINE | re.IGNORECASE
_START = re.compile(r"^\*\*\* ?START OF (THE|THIS) PROJECT GUTENBERG.*$", _FLAGS)
_END = re.compile(r"^\*\*\* ?END OF (THE|THIS) PROJECT GUTENBERG.*$", _FLAGS)


@dataclass(frozen=True)
class Document:
    """One literary work, with enough provenance to attribute it."""

    author: str
    title: str
    form: str  # novel, shortstory or poem
    path: Path
    text: str


def strip_gutenberg(text: str) -> str:
    """Return the body of a Project Gutenberg text (unchanged if it has no markers)."""
    text = text.lstrip("\ufeff")
    start = _START.search(text)
    if start:
        text = text[start.end() :]
    end = _END.search(text)
    if end:
        text = text[: end.start()]
    return text.strip()


def _author_name(slug: str) -> str:
    return " ".join(part.capitalize() for part in slug.replace("_", " ").split())


def iter_documents(root: Path) -> Iterator[Document]:
    """Yield every text under ``root`` (a ``literature/`` folder), sorted for reproducibility."""
    for path in sorted(root.glob("british_fiction/*.txt")):
        author, _, title = path.stem.partition("_")
        text = strip_gutenberg(path.read_text(encoding="utf-8", errors="replace"))
        yield Document(author, title or path.stem, "novel", path, text)
    for path in sorted(root.glob("horace_corpus/*/*/*.txt")):
        form, author = path.parent.parent.name, path.parent.name
        text = strip_gutenberg(path.read_text(encoding="utf-8", errors="replace"))
        yield Document(_author_name(author), path.stem.replace("_", " "), form, path, text)
