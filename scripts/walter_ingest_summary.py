"""Ingest Bluesky posts into a temporary post store and print what came out, as markdown.

    python scripts/walter_ingest_summary.py [PATHS ...]   # default: data/samples/bluesky

What a body of posts gives Walter: records read, unique posts, how many link to an article,
how many articles, and how many of those several authors posted about (the URLs with an
engagement contrast between authors), plus every skipped record by reason. It goes through
the same store update as ``rlnvr walter ingest``, into a store that is thrown away.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import rlnvr  # noqa: F401  (fast BLAS before anything imports mlx)
from rlnvr_walter.post_store import update_store
from rlnvr_walter.posts import REASONS, IngestSummary, Post

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples" / "bluesky"


def summary_rows(posts: Sequence[Post], summary: IngestSummary) -> list[tuple[str, int, str]]:
    """(measure, count, note) rows: the ingest's counts, then one row per skip reason."""
    authors: dict[str, set[str]] = defaultdict(set)
    posts_per_url: dict[str, int] = defaultdict(int)
    for post in posts:
        if post.url:
            authors[post.url].add(post.author_did)
            posts_per_url[post.url] += 1
    rows = [
        ("files", summary.files, ""),
        ("records read", summary.records, "lines, list items, rows"),
        ("valid posts", summary.posts, "before deduplication"),
        ("unique posts", summary.unique, "by at:// uri, latest counts kept"),
        ("with a URL", sum(1 for p in posts if p.url), "link card or link facet"),
        ("distinct URLs", len(authors), "canonical: no tracking parameters"),
        ("URLs with 2+ posts", sum(n > 1 for n in posts_per_url.values()), ""),
        ("URLs with several authors", sum(len(a) > 1 for a in authors.values()), ""),
        ("skipped", sum(summary.skipped.values()), "all reasons"),
    ]
    for reason, count in sorted(summary.skipped.items(), key=lambda kv: (-kv[1], kv[0])):
        rows.append((f"skipped: {reason}", count, REASONS[reason]))
    return rows


def markdown(rows: Sequence[tuple[str, int, str]]) -> str:
    lines = ["| measure | count | note |", "|---|---:|---|"]
    lines += [f"| {name} | {count:,} | {note} |" for name, count, note in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[SAMPLES])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        posts, summary = update_store(Path(tmp) / "posts.jsonl", args.paths)
    print(f"Ingest of {', '.join(map(str, args.paths))}\n")
    print(markdown(summary_rows(posts, summary)))


if __name__ == "__main__":
    main()
