"""Build rlnvr-walter's packaged task data from Bluesky posts.

    python scripts/make_walter_tasks.py                      # the committed samples
    python scripts/make_walter_tasks.py FULL_DATA_DIR/bluesky --out /tmp/walter-data

Reads posts in any shape the data pipeline knows (files or folders), computes author
baselines and normalised weights, groups posts by canonical URL, finds transfer neighbours
for single-post URLs with the default embedding model, and writes tasks.jsonl, pool.jsonl
and meta.json (see rlnvr_walter.build). Prints the ingest summary and what was written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rlnvr_walter.build import DATA_DIR, MAX_POSTS, TRANSFER_K, build

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", default=[str(REPO / "data/samples/bluesky")])
    parser.add_argument(
        "--out", default=str(DATA_DIR), help="folder to write (default: the package's data/)"
    )
    parser.add_argument("--transfer-k", type=int, default=TRANSFER_K)
    parser.add_argument("--max-posts", type=int, default=MAX_POSTS)
    args = parser.parse_args(argv)
    summary = build(args.paths, args.out, transfer_k=args.transfer_k, max_posts=args.max_posts)
    print(summary.table())


if __name__ == "__main__":
    main()
