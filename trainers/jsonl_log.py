"""Append-only JSONL logs that survive a kill and a resume.

A row is flushed as soon as it is written; on resume, rows logged after the checkpoint
being resumed are dropped (atomically), so a resumed run's log has each step exactly once.
"""

from __future__ import annotations

import json
from pathlib import Path

from rlnvr.data_pipelines.atomic import atomic_write_text


def read_rows(path: Path) -> list[dict]:
    if not Path(path).exists():
        return []
    return [json.loads(line) for line in Path(path).read_text().split("\n") if line.strip()]


def trim_after(path: Path, step: int) -> list[dict]:
    """Keep rows with ``step <= step``; return them."""
    kept = [r for r in read_rows(path) if r["step"] <= step]
    if Path(path).exists():
        atomic_write_text(path, "".join(json.dumps(r) + "\n" for r in kept))
    return kept


class JsonlLog:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a")

    def write(self, row: dict) -> None:
        self._file.write(json.dumps(row) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()
