"""Importing the two real headline archives (copies of data/samples/headlines files)."""

import json
import shutil
from datetime import date
from pathlib import Path

from rlnvr_varro.archives import import_archives, read_archive
from rlnvr_varro.headline_store import HeadlineStore

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples" / "headlines"
VARRO = ["20250802_headlines.json", "20250803_headlines.json", "20250804_headlines.json"]
FORESIGHT = ["2025-08-07.json", "2025-08-09.json"]
UPSTART = "Upstart’s stock takes a mysterious dive after earnings. What’s behind the move."


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "headlines"
    for folder, names in (("varro_daily", VARRO), ("foresight_forge_raw", FORESIGHT)):
        (root / folder).mkdir(parents=True)
        for name in names:
            shutil.copy(SAMPLES / folder / name, root / folder / name)
    return root


def _records(root: Path) -> int:
    total = 0
    for path in root.rglob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        total += len(data["headlines"] if isinstance(data, dict) else data)
    return total


def test_both_formats_import_into_one_deduplicated_store(tmp_path):
    root = _copy(tmp_path)
    store = HeadlineStore(tmp_path / "store")
    report = import_archives(store, root)
    assert report.files == 5 and report.records == _records(root) and not report.skipped
    assert report.added + report.duplicates == report.records
    assert report.added == len(list(store))

    # The Upstart story is in two Varro files (link only, 2025-08-06 18:46 UTC) and in
    # foresight-forge's file with MarketWatch's guid at 2025-08-07 00:20 UTC: stored once.
    upstart = [h for h in store if "upstarts-stock-takes-a-mysterious-dive" in h.link]
    assert [h.title for h in upstart] == [UPSTART]
    # Varro's 20250802 file holds items published on 2025-08-08: a headline's day is its own.
    varro = json.loads((root / "varro_daily" / VARRO[0]).read_text(encoding="utf-8"))
    first = varro["headlines"][0]
    stored = [h for h in store.day(date(2025, 8, 8)) if h.link == first["link"]]
    assert [(h.title, h.source, h.feed) for h in stored] == [
        (first["text"], first["source"], first["url"])
    ]
    # foresight-forge items have no source: the link's host stands in.
    noah = [h for h in store if "noahpinion" in h.link]
    assert noah and all(h.source == "noahpinion.blog" for h in noah)


def test_reimport_adds_nothing_and_changes_no_file(tmp_path):
    root = _copy(tmp_path)
    store = HeadlineStore(tmp_path / "store")
    import_archives(store, root)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in store.root.glob("*.json")}
    again = import_archives(HeadlineStore(store.root), root)
    assert again.added == 0 and again.duplicates == again.records
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in store.root.glob("*.json")}
    assert after == before


def test_bad_records_are_skipped_and_reported_never_a_crash(tmp_path):
    root = _copy(tmp_path)
    ff = root / "foresight_forge_raw" / FORESIGHT[0]
    items = json.loads(ff.read_text(encoding="utf-8"))
    del items[3]["title"]
    items[5]["published"] = "the day after tomorrow"
    items[6]["published"] = "Fri, 08 Aug 2025 21:08:00 BST"  # zone RFC 822 does not know
    items[7]["title"] = "<b> </b>"
    items.append("not a record")
    ff.write_text(json.dumps(items), encoding="utf-8")
    varro_path = root / "varro_daily" / VARRO[1]
    varro = json.loads(varro_path.read_text(encoding="utf-8"))
    varro["headlines"][2].pop("timestamp")
    varro_path.write_text(json.dumps(varro), encoding="utf-8")
    (root / "varro_daily" / "20250805_headlines.json").write_text('{"date": "2025', "utf-8")

    store = HeadlineStore(tmp_path / "store")
    report = import_archives(store, root)
    found = {(s.file.name, s.index, s.field) for s in report.skipped}
    assert found == {
        (ff.name, 3, "title"),
        (ff.name, 5, "published"),
        (ff.name, 6, "published"),
        (ff.name, 7, "title"),
        (ff.name, len(items) - 1, "record"),
        (varro_path.name, 2, "timestamp"),
        ("20250805_headlines.json", -1, "file"),
    }
    text = str(report)
    assert f"{ff} record 5, published: not an RFC 822 or ISO 8601 date" in text
    assert f"{varro_path} record 2, timestamp: missing date" in text
    assert "7 skipped" in text
    # Everything else was imported.
    assert report.added + report.duplicates == report.records - 6
    assert report.added == len(list(store))
    assert items[4]["title"] in {h.title for h in store}


def test_read_archive_single_file():
    headlines, skipped, count = read_archive(SAMPLES / "foresight_forge_raw" / "2025-08-11.json")
    assert count == len(headlines) + len(skipped) and not skipped
    marketwatch = [h for h in headlines if h.id.startswith("guid:marketwatch.com:WP-MKTW-")]
    assert marketwatch and all(
        h.link_key.startswith("https://www.marketwatch.com/") for h in marketwatch
    )
