# Generated from data_pipelines/packaged.py by scripts/vendor.py: do not edit.
"""Read data files shipped inside an installed package (works from a wheel or a checkout)."""

from __future__ import annotations

import json
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path


def read_jsonl(package: str, name: str) -> list[dict]:
    """Rows of ``name`` inside ``package``; a bad line names the file and line number."""
    return read_rows(files(package).joinpath(name))


def read_rows(resource: Traversable | Path) -> list[dict]:
    """Rows of a JSONL file (packaged or on disk); a bad line names the file and line number."""
    rows = []
    # split on "\n" only: splitlines() would also break at U+2028 inside JSON strings
    for number, line in enumerate(resource.read_text(encoding="utf-8").split("\n"), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as err:
            raise ValueError(f"{resource}, line {number}: invalid JSON ({err})") from err
    return rows
