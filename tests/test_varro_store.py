"""The per-day headline store: format, dedupe, idempotency, atomicity, corrupt files.

Headlines are real ones from data/samples/headlines (foresight-forge's raw RSS items and
Varro's daily archive), with the fields those archives kept.
"""

import json
import os
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from rlnvr_varro.headline_store import (
    Headline,
    HeadlineStore,
    HeadlineStoreError,
    canonical_link,
    clean_title,
    parse_date,
)

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples" / "headlines"


def _foresight(day: str) -> list[Headline]:
    """Every item of one real foresight-forge file that has a date."""
    out = []
    for item in json.loads((SAMPLES / "foresight_forge_raw" / f"{day}.json").read_text()):
        if item["published"]:
            out.append(
                Headline.create(
                    item["title"],
                    parse_date(item["published"]),
                    link=item["link"],
                    guid=item["id"],
                    feed=f"archive:foresight_forge_raw/{day}.json",
                )
            )
    return out


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(root.glob("*.json"))}


def test_headlines_land_on_their_utc_day_sorted_and_round_trip(tmp_path):
    items = _foresight("2025-08-13")
    store = HeadlineStore(tmp_path / "store")
    result = store.add(items)
    assert result.added == len(items) and result.duplicates == 0
    assert sum(result.per_day.values()) == len(items)
    # Real items in one collection file span several publication days.
    assert len(store.days()) > 1 and store.days() == sorted(store.days())
    stored = [h for day in store.days() for h in store.day(day)]
    assert sorted(stored, key=lambda h: h.id) == sorted(items, key=lambda h: h.id)
    for day in store.days():
        headlines = store.day(day)
        assert all(h.day == day for h in headlines)
        assert [(h.published, h.id) for h in headlines] == sorted(
            (h.published, h.id) for h in headlines
        )
        rows = json.loads(store.path(day).read_text(encoding="utf-8"))
        assert [list(r) for r in rows] == [
            ["id", "title", "link", "source", "published", "feed"]
        ] * len(rows)
    # 'Mon, 11 Aug 2025 23:52:41 EDT' is 03:52:41 UTC on the 12th.
    guilt = next(h for h in items if h.title.startswith("Trapped in guilt and shame?"))
    assert guilt.published == "2025-08-12T03:52:41+00:00" and guilt.day == date(2025, 8, 12)
    assert guilt in store.day("2025-08-12")
    assert store.day(date(1999, 1, 1)) == []


def test_same_headlines_give_same_bytes_in_any_order(tmp_path):
    a, b = HeadlineStore(tmp_path / "a"), HeadlineStore(tmp_path / "b")
    a.add(_foresight("2025-08-07"))
    unique = list(a)  # the file holds a few duplicates; which one wins depends on order
    b.add(reversed(unique[:10]))
    b.add(reversed(unique[10:]))
    assert [v[0] for v in _snapshot(a.root).values()] == [v[0] for v in _snapshot(b.root).values()]


def test_adding_twice_adds_nothing_and_rewrites_nothing(tmp_path):
    items = _foresight("2025-08-07") + _foresight("2025-08-08")
    store = HeadlineStore(tmp_path)
    first = store.add(items)
    before = _snapshot(tmp_path)
    again = HeadlineStore(tmp_path).add(items)  # a fresh process: no cache
    assert again.added == 0 and again.duplicates == len(items) and again.per_day == {}
    assert _snapshot(tmp_path) == before
    assert first.added + first.duplicates == len(items)


def test_a_crash_during_a_day_write_keeps_the_old_file(tmp_path, monkeypatch):
    items = _foresight("2025-08-13")
    store = HeadlineStore(tmp_path)
    store.add(items[:20])
    before = _snapshot(tmp_path)
    new = items[20:]
    new_days = sorted({h.day for h in new})
    assert len(new_days) >= 2
    real_replace = os.replace
    calls = []

    def dies_on_second_day(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", dies_on_second_day)
    with pytest.raises(OSError, match="No space left"):
        store.add(new)
    monkeypatch.setattr(os, "replace", real_replace)

    # The day being written when it died is exactly as before; no temporary file is left.
    died_on = Path(calls[1]).name
    if died_on in before:
        assert (tmp_path / died_on).read_bytes() == before[died_on][0]
    else:
        assert not (tmp_path / died_on).exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".lock") == sorted(
        {*before, Path(calls[0]).name}
    )
    for path in tmp_path.glob("*.json"):  # every file still parses
        json.loads(path.read_text())

    # Running the add again completes it: each headline stored once.
    survived = [h.id for h in HeadlineStore(tmp_path)]
    again = HeadlineStore(tmp_path).add(items)
    reference = HeadlineStore(tmp_path / "reference")
    assert again.added == reference.add(items).added - len(survived)
    assert sorted(h.id for h in store) == sorted(h.id for h in reference)


def test_corrupt_day_file_is_named_and_never_overwritten(tmp_path):
    items = _foresight("2025-08-07")
    store = HeadlineStore(tmp_path)
    store.add(items[:5])
    day = items[0].day
    path = store.path(day)
    path.write_text('[\n{"id": "x", "title": "half a rec', encoding="utf-8")
    with pytest.raises(HeadlineStoreError) as err:
        HeadlineStore(tmp_path).add(items)
    assert str(path) in str(err.value) and "corrupt" in str(err.value)
    assert path.read_text(encoding="utf-8") == '[\n{"id": "x", "title": "half a rec'
    with pytest.raises(HeadlineStoreError, match=str(path)):
        store.day(day)

    # Valid JSON with a broken record: the file and the record index are named.
    rows = [h.to_json() for h in items[:5] if h.day == day]
    rows[-1] = {**rows[-1], "published": "Thu, 07 Aug 2025 00:20:00 GMT"}
    path.write_text(json.dumps(rows), encoding="utf-8")
    with pytest.raises(HeadlineStoreError, match=rf"{path}: corrupt record {len(rows) - 1}"):
        HeadlineStore(tmp_path).day(day)


def test_dedupe_by_guid_link_and_hash(tmp_path):
    when = datetime(2025, 8, 7, 0, 20, tzinfo=UTC)
    upstart = "Upstart’s stock takes a mysterious dive after earnings. What’s behind the move."
    link = (
        "https://www.marketwatch.com/story/upstarts-stock-takes-a-mysterious-dive-after-"
        "earnings-whats-behind-the-move-c033d54e?mod=mw_rss_topstories"
    )
    # foresight-forge kept MarketWatch's guid; Varro kept only the link, six hours earlier
    # (another UTC day) and under another feed's tracking parameter.
    guid = Headline.create(upstart, when, link=link, guid="WP-MKTW-0004369985")
    bare = Headline.create(
        upstart,
        parse_date("2025-08-06T18:46:00+00:00"),
        link=link.replace("mw_rss_topstories", "mw_rss_marketpulse"),
        source="feeds.marketwatch",
    )
    assert guid.id == "guid:marketwatch.com:WP-MKTW-0004369985" and guid.has_guid
    assert bare.id == bare.link_key == guid.link_key and not bare.has_guid
    # Two Census releases: different guids, one landing page. They are two headlines.
    trade = Headline.create(
        "Quarterly Financial Report", when, link="https://www.census.gov/qfr", guid="qfr_trade"
    )
    retail = Headline.create(
        "Quarterly Financial Report - Retail",
        when,
        link="https://www.census.gov/qfr",
        guid="qfr_retail",
    )
    # No guid and no link: a hash of source and title.
    hashed = Headline.create("Telefon Hírmondó", when, source="Hacker News")
    assert hashed.id.startswith("sha256:")

    store = HeadlineStore(tmp_path)
    first = store.add([guid, trade, hashed])
    again = Headline.create("Telefon  Hírmondó", when, source="Hacker News")
    second = store.add([bare, retail, again])
    assert (first.added, second.added, second.duplicates) == (3, 1, 2)
    assert [h.title for h in store].count(upstart) == 1
    assert bare.day != guid.day  # found on another day's file


def test_concurrent_adds_lose_nothing(tmp_path):
    parts = [_foresight("2025-08-07"), _foresight("2025-08-08"), _foresight("2025-08-09")]
    threads = [threading.Thread(target=HeadlineStore(tmp_path).add, args=(p,)) for p in parts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = {h.id for h in HeadlineStore(tmp_path)}
    expected = HeadlineStore(tmp_path / "serial")
    for p in parts:
        expected.add(p)
    assert stored == {h.id for h in expected}


@pytest.mark.parametrize(
    ("raw", "utc"),
    [
        ("Sun, 10 Aug 2025 19:28:00 GMT", "2025-08-10T19:28:00+00:00"),
        ("Mon, 11 Aug 2025 23:52:41 EDT", "2025-08-12T03:52:41+00:00"),
        ("Tue, 15 Jul 2025 13:00:38 +0000", "2025-07-15T13:00:38+00:00"),
        ("Thu, 17 Jul 2025 16:31:11 -0000", "2025-07-17T16:31:11+00:00"),
        ("Sun, 13 Jul 2025 22:51:06 +0200", "2025-07-13T20:51:06+00:00"),
        ("2025-08-12T08:30:00Z", "2025-08-12T08:30:00+00:00"),
        ("2025-08-11T23:30:00-04:00", "2025-08-12T03:30:00+00:00"),
        ("2025-08-11T01:30:00+02:00", "2025-08-10T23:30:00+00:00"),
        ("2025-07-19T10:00:00", "2025-07-19T10:00:00+00:00"),  # no offset: UTC, as feedparser
    ],
)
def test_dates_normalise_to_utc(raw, utc):
    assert Headline.create("x", parse_date(raw)).published == utc


@pytest.mark.parametrize("raw", ["", "yesterday", "Sun, 10 Aug 2025 19:28:00 BST", "2025-13-01"])
def test_unreadable_dates_raise(raw):
    with pytest.raises(ValueError):
        parse_date(raw)


def test_titles_and_links_are_cleaned():
    assert clean_title("Hims &amp; Hers <b>stock</b>\n  falls 10% on revenue miss") == (
        "Hims & Hers stock falls 10% on revenue miss"
    )
    assert clean_title("&lt;i&gt;Bath &amp;amp; Body Works&lt;/i&gt;") == "Bath &amp; Body Works"
    assert clean_title("AT&T, S&P 500, M&A and R&D\u00a0 &#8217;n&nbsp;more") == (
        "AT&T, S&P 500, M&A and R&D ’n more"
    )
    assert clean_title("loved\u2060—all <!-- c --> it took") == "loved—all it took"
    bbc = "https://www.bbc.com/news/articles/cj4wwxz12jko?at_medium=RSS&at_campaign=rss"
    assert canonical_link(bbc) == "https://www.bbc.com/news/articles/cj4wwxz12jko"
    assert canonical_link("http://WWW.Example.com:80/a/?b=2&a=1&utm_source=x") == (
        "https://www.example.com/a?a=1&b=2"
    )
    assert canonical_link("https://ziglang.org/devlog/2026/#2026-01-31") != canonical_link(
        "https://ziglang.org/devlog/2026/#2026-02-13"
    )


def test_headline_rejects_non_utc_times():
    with pytest.raises(ValueError, match="timezone-aware"):
        Headline.create("x", datetime(2025, 8, 7, 0, 20))
    with pytest.raises(ValueError, match="must look like"):
        Headline("id", "t", "", "", "2025-08-07T00:20:00Z", "")
    with pytest.raises(ValueError, match="title is empty"):
        Headline.create("<b> </b>", datetime(2025, 8, 7, tzinfo=UTC))
