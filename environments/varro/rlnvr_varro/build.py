"""Build the Varro taskset's packaged tasks from archived headlines.

    python -m rlnvr_varro.build [HEADLINES_DIR] [--out PATH]

(The taskset builds the same rows from a user's own headline store, ``[env.taskset] store``.)

HEADLINES_DIR (default ``data/samples/headlines``) holds the two archive formats
(``varro_daily/*_headlines.json`` and ``foresight_forge_raw/*.json``). They go through the
same importer as ``rlnvr varro ingest`` (``import_archives`` into a ``HeadlineStore`` in a
temporary folder), so every headline sits on the UTC day it was published, deduplicated
across both archives. A task is a day ``t`` with at least ``--min-today`` usable headlines
whose calendar next day ``t+1`` has at least ``--min-tomorrow``; each row is

    {"id": "2025-08-05", "day": "2025-08-05", "headlines": [...],
     "next_day": "2025-08-06", "next_headlines": [...],
     "base_days": ["2025-08-02", ...], "base_headlines": [[...], ...]}

``headlines`` is day t's pool for the prompt (the taskset shows the first ``max_headlines``),
``next_headlines`` day t+1's reference for the reward (never shown to the model),
``base_days``/``base_headlines`` the earlier days whose headlines are the semantic skill's base
rate (``rlnvr_varro.base``; a day without ``MIN_BASE_DAYS`` of them is not a task).

Which titles are kept: ``rlnvr_varro.selection`` (shared with the daily
loop, so live and packaged tasks are built alike).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import timedelta
from pathlib import Path

from rlnvr_varro.archives import import_archives
from rlnvr_varro.base import MIN_BASE_DAYS, PER_DAY, base_days
from rlnvr_varro.headline_store import HeadlineStore
from rlnvr_varro.selection import reference, spread

# The archives the packaged data is built from, in an rlnvr checkout.
DEFAULT_SRC = Path(__file__).resolve().parents[3] / "data" / "samples" / "headlines"
DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "tasks.jsonl"
MAX_BYTES = 1_000_000


def rows_from_store(
    store: HeadlineStore,
    pool: int = 20,
    limit: int = PER_DAY,
    min_today: int = 12,
    min_tomorrow: int = 8,
) -> list[dict]:
    """One task row per stored day ``t`` whose next day is stored too, both rich enough, with
    at least ``MIN_BASE_DAYS`` base days."""
    days = store.days()
    per_day = {d: store.day(d) for d in days}
    rows = []
    for day in days:
        nxt = day + timedelta(days=1)
        if nxt not in per_day:
            continue
        today = spread(per_day[day], pool)
        tomorrow = reference(per_day[day], per_day[nxt], limit)
        base = base_days(days, per_day.__getitem__, day)
        if len(today) < min_today or len(tomorrow) < min_tomorrow or len(base) < MIN_BASE_DAYS:
            continue
        rows.append(
            {
                "id": day.isoformat(),
                "day": day.isoformat(),
                "headlines": today,
                "next_day": nxt.isoformat(),
                "next_headlines": tomorrow,
                "base_days": [d.isoformat() for d, _ in base],
                "base_headlines": [titles for _, titles in base],
            }
        )
    return rows


def build(
    src: Path, pool: int = 20, limit: int = PER_DAY, min_today: int = 12, min_tomorrow: int = 8
) -> tuple[list[dict], str]:
    """Rows from archived headlines, imported into a temporary store first."""
    with tempfile.TemporaryDirectory() as tmp:
        store = HeadlineStore(tmp)
        report = import_archives(store, src)
        rows = rows_from_store(store, pool, limit, min_today, min_tomorrow)
    return rows, str(report).splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", nargs="?", type=Path, default=DEFAULT_SRC)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--pool", type=int, default=20, help="day-t headlines kept per task")
    parser.add_argument("--reference", type=int, default=PER_DAY, help="day t+1 headlines kept")
    parser.add_argument("--min-today", type=int, default=12)
    parser.add_argument("--min-tomorrow", type=int, default=8)
    args = parser.parse_args()
    rows, summary = build(args.src, args.pool, args.reference, args.min_today, args.min_tomorrow)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise SystemExit(f"{size} bytes is over the {MAX_BYTES}-byte budget: lower --reference")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"import: {summary}")
    print(f"{len(rows)} tasks ({rows[0]['day']} .. {rows[-1]['day']}), {size} bytes -> {args.out}")


if __name__ == "__main__":
    main()
