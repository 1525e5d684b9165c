# Generated from data_pipelines/literature.py by scripts/vendor.py: do not edit.
"""Literature as (author, title, text) documents: the project's samples or a user's corpus.

:func:`iter_documents` reads the two layouts the project ships (``british_fiction/
Author_Title.txt`` and ``horace_corpus/<form>/<author>/<title>.txt``). :func:`read_corpus`
reads those and a user's own folder, file by file:

- ``manifest.csv`` in the folder (or a CSV file given instead of a folder), with columns
  ``path, author, title`` (paths relative to the CSV): every listed file, nothing else;
- else a ``.txt`` file in a subfolder is ``author/title.txt`` (the folder names the author);
- a ``.txt`` file at the top is ``Author_Title.txt`` or ``author-title.txt`` (split at the
  first ``_``, else the first ``-``).

A file whose author cannot be told is an error that names it. Project Gutenberg boilerplate is
cut so that licence text never counts as an author's style.
"""

from __future__ import annotations

import csv
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


MANIFEST = "manifest.csv"
MANIFEST_FIELDS = ("path", "author", "title")


class CorpusError(ValueError):
    """A corpus file or manifest row that cannot be read; the message names it."""


def _read(path: Path) -> str:
    return strip_gutenberg(path.read_text(encoding="utf-8", errors="replace"))


def _from_manifest(manifest: Path) -> list[Document]:
    with manifest.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [f for f in MANIFEST_FIELDS if f not in (reader.fieldnames or [])]
        if missing:
            raise CorpusError(f"{manifest}: missing column(s) {', '.join(missing)}")
        docs = []
        for number, row in enumerate(reader, 2):
            where = f"{manifest}, line {number}"
            if not (row["path"] or "").strip() or not (row["author"] or "").strip():
                raise CorpusError(f"{where}: fields 'path' and 'author' must not be empty")
            path = manifest.parent / row["path"].strip()
            if not path.is_file():
                raise CorpusError(f"{where}: field 'path': {path} is not a file")
            title = (row["title"] or "").strip() or path.stem
            docs.append(Document(row["author"].strip(), title, "prose", path, _read(path)))
    return docs


def _top_level(path: Path) -> Document:
    """``Author_Title.txt`` or ``author-title.txt``."""
    for sep in ("_", "-"):
        author, found, title = path.stem.partition(sep)
        if found and author.strip() and title.strip():
            title = title.replace("_", " ")
            return Document(_author_name(author), title, "prose", path, _read(path))
    raise CorpusError(
        f"{path}: cannot tell the author (name it Author_Title.txt or author-title.txt, put it "
        f"in a folder named after its author, or list it in {MANIFEST})"
    )


def read_corpus(root: Path) -> list[Document]:
    """Every document of a corpus folder (or CSV manifest, or single ``.txt`` file)."""
    root = Path(root)
    if root.is_file() and root.suffix == ".csv":
        return _from_manifest(root)
    if root.is_file():  # one text: its folder names the author, as inside a corpus
        return [_in_folder(root)]
    if not root.is_dir():
        raise CorpusError(f"{root}: no such file or folder")
    if (root / MANIFEST).is_file():
        return _from_manifest(root / MANIFEST)
    if (root / "british_fiction").is_dir() or (root / "horace_corpus").is_dir():
        return list(iter_documents(root))
    docs = []
    for path in sorted(root.rglob("*.txt")):
        if path.parent == root:
            docs.append(_top_level(path))
        else:
            docs.append(_in_folder(path))
    return docs


def _in_folder(path: Path) -> Document:
    """``author/title.txt``; a folder called poem(s) marks verse."""
    form = "poem" if {"poem", "poems"} & set(path.parts) else "prose"
    return Document(_author_name(path.parent.name), path.stem.replace("_", " "), form, path,
                    _read(path))  # fmt: skip
