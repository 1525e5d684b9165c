"""Write the small task files the placeholder tasksets ship, from data/samples.

    python scripts/make_placeholder_tasks.py data/samples

Each environment package carries its own tasks so it installs and runs alone on a hub worker.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from rlnvr.data_pipelines.literature import iter_documents

ENVS = Path(__file__).resolve().parent.parent / "environments"


def _write(rows: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


def varro(samples: Path) -> list[dict]:
    rows = []
    for path in sorted(samples.glob("headlines/varro_daily/*.json"))[:6]:
        day = json.loads(path.read_text(encoding="utf-8"))
        rows.append({"id": day["date"], "headlines": [h["text"] for h in day["headlines"]][:12]})
    return rows


def walter(samples: Path) -> list[dict]:
    rows, seen = [], set()
    path = samples / "bluesky/most_liked_posts/most_liked_posts_sample.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        ext = (json.loads(line)["record"].get("embed") or {}).get("external") or {}
        if ext.get("uri") and ext.get("title") and ext["uri"] not in seen:
            seen.add(ext["uri"])
            rows.append(
                {
                    "id": ext["uri"],
                    "url": ext["uri"],
                    "title": ext["title"],
                    "description": ext.get("description") or "",
                }
            )
    return rows[:20]


def horace(samples: Path) -> list[dict]:
    rows = []
    for doc in iter_documents(samples / "literature"):
        if doc.form != "shortstory":
            continue
        first = re.split(r"(?<=[.!?])\s+", " ".join(doc.text.split()[:80]))[0]
        rows.append({"id": f"{doc.author}:{doc.title}", "author": doc.author, "opening": first})
    return rows


def main(samples: str) -> None:
    root = Path(samples)
    _write(varro(root), ENVS / "varro/rlnvr_varro/data/tasks.jsonl")
    _write(walter(root), ENVS / "walter/rlnvr_walter/data/tasks.jsonl")
    _write(horace(root), ENVS / "horace/rlnvr_horace/data/tasks.jsonl")


if __name__ == "__main__":
    main(sys.argv[1])
