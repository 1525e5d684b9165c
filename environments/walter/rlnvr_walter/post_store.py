"""The normalised post store: JSONL, one post per line sorted by uri, with its source file.

Written atomically (a crash mid-write leaves the previous store), and merged with the same
latest-counts rule as ingestion, so re-ingesting the same files is a no-op (the file stays
byte-identical and is not rewritten) while a newer snapshot updates counts in place.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, fields
from pathlib import Path

from rlnvr_walter._vendor.atomic import atomic_write_text
from rlnvr_walter.posts import IngestSummary, Post, dedupe, ingest_paths

_FIELDS = {f.name for f in fields(Post)}


def dumps_posts(posts: Iterable[Post]) -> str:
    """The store's text for ``posts`` (deduplicated, sorted by uri)."""
    return "".join(json.dumps(asdict(p), ensure_ascii=False) + "\n" for p in dedupe(posts))


def write_posts(path: Path, posts: Iterable[Post]) -> bool:
    """Atomically write ``posts`` to ``path``; False (and no write) if it already holds them."""
    path, text = Path(path), dumps_posts(posts)
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    atomic_write_text(path, text)
    return True


def read_posts(path: Path) -> list[Post]:
    """The posts of a store; a corrupt line fails with the file and line number."""
    posts = []
    # split on "\n" only: str.splitlines would also split inside texts at U+2028 and the like
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("not a JSON object")
            if row.keys() - _FIELDS:
                raise ValueError(f"unexpected fields {sorted(row.keys() - _FIELDS)}")
            posts.append(Post(**row))
        except (ValueError, TypeError) as err:
            raise ValueError(f"{path}, line {number}: not a stored post ({err})") from err
    return posts


def update_store(store: Path, paths: Iterable[str | Path]) -> tuple[list[Post], IngestSummary]:
    """Ingest ``paths`` into ``store`` (created if missing); returns all stored posts.

    Posts already stored stay unless a newly read version has later counts.
    """
    store = Path(store)
    new, summary = ingest_paths(paths)
    old = read_posts(store) if store.exists() else []
    merged = dedupe([*old, *new])
    write_posts(store, merged)
    return merged, summary
