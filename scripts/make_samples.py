"""Rebuild data/samples/ from the full data folder (the project's shared data set).

    python scripts/make_samples.py SOURCE_DATA_DIR data/samples

Small, attributed slices, laid out like the source so every loader reads both the same way.
Novels are cut to their first ~60,000 characters (Project Gutenberg boilerplate removed);
everything else is copied byte for byte or record for record.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from rlnvr.data_pipelines.literature import strip_gutenberg

NOVEL_CHARS = 60_000
FORESIGHT_DAYS = [f"2025-07-{d}" for d in range(15, 22)]
FORESIGHT_DAYS += [f"2025-08-{d:02d}" for d in range(1, 15)]
OTHER_POSTS = 400
AUTHOR_FEEDS = 2


def _copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    end = text.rfind("\n", 0, limit)
    return text[: end if end > 0 else limit]


def literature(src: Path, dst: Path) -> None:
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src)
        if path.suffix == ".txt" and path.stem.lower() != "readme":
            body = strip_gutenberg(path.read_text(encoding="utf-8", errors="replace"))
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            (dst / rel).write_text(_cut(body, NOVEL_CHARS) + "\n", encoding="utf-8")
        elif path.is_file():
            _copy(path, dst / rel)


def headlines(src: Path, dst: Path) -> None:
    for path in sorted(src.glob("varro_daily/*")):
        _copy(path, dst / path.relative_to(src))
    for day in FORESIGHT_DAYS:
        path = src / "foresight_forge_raw" / f"{day}.json"
        if path.exists():
            _copy(path, dst / path.relative_to(src))
    _copy(src / "foresight_forge_sources.yaml", dst / "foresight_forge_sources.yaml")


def bluesky(src: Path, dst: Path) -> None:
    latest: dict[str, str] = {}
    for path in sorted(src.glob("most_liked_posts/*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                latest[json.loads(line)["uri"]] = line
    linked = [ln for ln in latest.values() if '"has_external": true' in ln]
    others = [ln for ln in latest.values() if '"has_external": true' not in ln][:OTHER_POSTS]
    out = dst / "most_liked_posts" / "most_liked_posts_sample.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(linked + others) + "\n", encoding="utf-8")
    _copy(src / "most_liked_posts" / "LICENSE", out.parent / "LICENSE")
    for path in sorted(src.glob("author_feeds/feed_*.json"))[:AUTHOR_FEEDS]:
        _copy(path, dst / path.relative_to(src))
    _copy(src / "author_feeds" / "LICENSE", dst / "author_feeds" / "LICENSE")
    for path in sorted((src / "author_archive_keegan").iterdir()):
        _copy(path, dst / path.relative_to(src))


def main(source: str, target: str) -> None:
    src, dst = Path(source), Path(target)
    literature(src / "literature", dst / "literature")
    headlines(src / "headlines", dst / "headlines")
    bluesky(src / "bluesky", dst / "bluesky")


if __name__ == "__main__":
    main(*sys.argv[1:3])
