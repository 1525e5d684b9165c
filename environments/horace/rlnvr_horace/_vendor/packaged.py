# Generated from data_pipelines/packaged.py by scripts/vendor.py: do not edit.
"""Read data files shipped inside an installed package (works from a wheel or a checkout)."""

from __future__ import annotations

import json
from importlib.resources import files


def read_jsonl(package: str, name: str) -> list[dict]:
    """Rows of ``name`` inside ``package``; a bad line names the file and line number."""
    resource = files(package).joinpath(name)
    rows = []
    # split on "\n" only: splitlines() would also break at U+2028 inside JSON strings
    for number, line in enumerate(resource.read_text(encoding="utf-8").split("\n"), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as err:
            raise ValueError(f"{package}/{name}, line {number}: invalid JSON ({err})") from err
    return rows
