"""Write the task file the (placeholder) Horace taskset ships, from data/samples.

    python scripts/make_horace_tasks.py data/samples

The environment package carries its own tasks so it installs and runs alone on a hub worker.
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
    _write(horace(root), ENVS / "horace/rlnvr_horace/data/tasks.jsonl")


if __name__ == "__main__":
    main(sys.argv[1])
