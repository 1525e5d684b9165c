"""Import archived headline collections into a ``HeadlineStore``.

Two archives exist (``data/samples/headlines``, and in full in the project data set):

- ``varro_daily/YYYYMMDD_headlines.json``: ``{date, headlines: [{text, link, source,
  category, timestamp, url}]}`` (Varro's own collector; ``url`` is the feed);
- ``foresight_forge_raw/YYYY-MM-DD.json``: ``[{id, title, link, published}]`` with RFC 822
  dates (foresight-forge's raw RSS items).

A file's name is the day it was collected, not the day its items were published (a
``20250802`` file holds items published on 2025-08-08), so each headline goes to the day of its
own timestamp. Archives are real, hand-made data: a record without a title or with a date that
cannot be read is skipped and reported with its file, index and field, never a crash, and a
file that is not JSON or has neither shape is reported the same way (index -1).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from rlnvr_varro.headline_store import Headline, HeadlineStore, parse_date


@dataclass(frozen=True)
class Skipped:
    """A record (or, with ``index == -1``, a whole file) that was not imported."""

    file: Path
    index: int
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}" if self.index < 0 else f"{self.file} record {self.index}"
        return f"{where}, {self.field}: {self.reason}"


@dataclass
class ArchiveReport:
    files: int = 0
    records: int = 0
    added: int = 0
    duplicates: int = 0
    skipped: list[Skipped] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [
            f"{self.files} files, {self.records} records: {self.added} added, "
            f"{self.duplicates} duplicates, {len(self.skipped)} skipped"
        ]
        lines += [f"  skipped {s}" for s in self.skipped[:20]]
        if len(self.skipped) > 20:
            lines.append(f"  ... and {len(self.skipped) - 20} more")
        return "\n".join(lines)


def _text(record: dict, name: str) -> str:
    value = record.get(name)
    return value if isinstance(value, str) else ""


def _site(link: str) -> str:
    host = (urlsplit(link).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _headline(
    path: Path, index: int, record: object, names: dict[str, str], provenance: str
) -> Headline | Skipped:
    """One record as a headline; ``names`` maps title/date/link/source/feed/guid to the
    record's own field names."""
    if not isinstance(record, dict):
        return Skipped(path, index, "record", f"not an object: {type(record).__name__}")
    title_field, date_field = names["title"], names["date"]
    if not _text(record, title_field).strip():
        return Skipped(path, index, title_field, "missing or empty title")
    try:
        published = parse_date(_text(record, date_field))
    except ValueError as err:
        reason = "missing date" if not _text(record, date_field).strip() else str(err)
        return Skipped(path, index, date_field, reason)
    link = _text(record, names["link"])
    try:
        return Headline.create(
            _text(record, title_field),
            published,
            link=link,
            source=_text(record, names["source"]) or _site(link),
            feed=_text(record, names["feed"]) or provenance,
            guid=_text(record, names["guid"]),
        )
    except ValueError as err:  # e.g. a title that is only markup
        return Skipped(path, index, title_field, str(err))


_VARRO = {"title": "text", "date": "timestamp", "link": "link", "source": "source"}
_VARRO |= {"feed": "url", "guid": ""}
_FORESIGHT = {"title": "title", "date": "published", "link": "link", "source": ""}
_FORESIGHT |= {"feed": "", "guid": "id"}


def read_archive(path: Path) -> tuple[list[Headline], list[Skipped], int]:
    """Headlines, skipped records and the record count of one archive file (either format,
    told apart by its shape)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        return [], [Skipped(path, -1, "file", f"unreadable JSON ({err})")], 0
    if isinstance(data, dict) and isinstance(data.get("headlines"), list):
        records, names = data["headlines"], _VARRO
        provenance = f"archive:varro_daily/{path.name}"
    elif isinstance(data, list):
        records, names = data, _FORESIGHT
        provenance = f"archive:foresight_forge_raw/{path.name}"
    else:
        shape = "a list of items or an object with a headlines list"
        return [], [Skipped(path, -1, "file", f"not an archive ({shape} expected)")], 0
    headlines, skipped = [], []
    for index, record in enumerate(records):
        outcome = _headline(path, index, record, names, provenance)
        (skipped if isinstance(outcome, Skipped) else headlines).append(outcome)
    return headlines, skipped, len(records)


def archive_files(root: Path) -> list[Path]:
    """The archive files under ``root`` (a ``headlines/`` folder or one archive folder)."""
    root = Path(root)
    found = [*root.glob("varro_daily/*_headlines.json"), *root.glob("foresight_forge_raw/*.json")]
    if not found and root.is_dir():
        found = list(root.glob("*.json"))
    return sorted(found)


def import_archives(store: HeadlineStore, paths: Path | Iterable[Path]) -> ArchiveReport:
    """Import archive files (or every archive under one folder) into ``store`` in one add,
    so that rerunning it adds nothing and rewrites no file."""
    if isinstance(paths, (str, Path)):
        if not Path(paths).exists():
            raise FileNotFoundError(f"{paths}: no such archive file or folder")
        paths = [Path(paths)] if Path(paths).is_file() else archive_files(Path(paths))
    report = ArchiveReport()
    headlines: list[Headline] = []
    for path in paths:
        found, skipped, records = read_archive(Path(path))
        report.files += 1
        report.records += records
        report.skipped += skipped
        headlines += found
    result = store.add(headlines)
    report.added, report.duplicates = result.added, result.duplicates
    return report
