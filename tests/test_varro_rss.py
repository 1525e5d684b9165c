"""RSS/Atom ingestion against a real HTTP server on 127.0.0.1 serving real headlines.

The feeds are real items from data/samples/headlines written back as RSS 2.0 and Atom
documents (MarketWatch items as foresight-forge kept them, with guids and RFC 822 dates;
the same MarketWatch stories as Varro kept them, links only; ScienceDaily items with their
EDT times as ISO 8601 offsets), plus hand-broken copies: cut off, undated, latin-1, over
the size cap, an HTML page, HTTP errors, a server that does not answer in time.
"""

import contextlib
import gzip
import json
import logging
import shutil
import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from rlnvr_varro.archives import import_archives
from rlnvr_varro.headline_store import HeadlineStore, canonical_link
from rlnvr_varro.rss import (
    DEFAULT_MAX_BYTES,
    feed_location,
    ingest_feeds,
    load_feed_list,
)

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples" / "headlines"


def _foresight(day: str) -> list[dict]:
    return json.loads((SAMPLES / "foresight_forge_raw" / f"{day}.json").read_text("utf-8"))


MARKETWATCH = [i for i in _foresight("2025-08-07") if i["id"].startswith("WP-MKTW-")]
VARRO_MW = [
    {"title": h["text"], "link": h["link"], "published": h["timestamp"]}
    for h in json.loads((SAMPLES / "varro_daily" / "20250803_headlines.json").read_text("utf-8"))[
        "headlines"
    ]
    if "marketwatch.com" in h["link"]
]
SCIENCEDAILY = [
    i for d in ("2025-08-10", "2025-08-13") for i in _foresight(d) if "sciencedaily" in i["link"]
]
ACCENTED = [
    i
    for d, start in [
        ("2025-08-12", "Show HN: Play Pokémon"),
        ("2025-08-13", "Cristiano Ronaldo and Georgina Rodríguez"),
        ("2025-08-09", "Telefon Hírmondó"),
        ("2025-08-06", "Cannibal Modernity"),
    ]
    for i in _foresight(d)
    if i["title"].startswith(start)
]
HIMS = next(i for i in _foresight("2025-08-05") if i["title"].startswith("Hims & Hers stock"))


def rss(title: str, items: list[dict], *, encoding: str = "utf-8", declare=True, dates=True):
    """An RSS 2.0 document; ``items`` as foresight-forge stored them (id, title, link,
    published); a title is written as given, so pre-escaped markup stays markup."""
    out = [f'<?xml version="1.0" encoding="{encoding}"?>'] if declare else []
    out.append(f'<rss version="2.0"><channel><title>{escape(title)}</title>')
    for item in items:
        parts = [f"<title>{item.get('raw_title') or escape(item['title'])}</title>"]
        parts.append(f"<link>{escape(item['link'])}</link>")
        if item.get("id"):
            parts.append(f'<guid isPermaLink="false">{escape(item["id"])}</guid>')
        if dates and item.get("published"):
            published = item["published"]
            if published[:1].isdigit():  # Varro kept ISO 8601; RSS wants RFC 822
                published = format_datetime(datetime.fromisoformat(published))
            parts.append(f"<pubDate>{published}</pubDate>")
        out.append("<item>" + "".join(parts) + "</item>")
    out.append("</channel></rss>\n")
    return "\n".join(out).encode(encoding)


def atom(title: str, items: list[dict]) -> bytes:
    """An Atom 1.0 document; RFC 822 times become ISO 8601 with their own offset, every
    other entry carrying only <updated>."""
    out = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom">']
    out.append(f"<title>{escape(title)}</title><id>urn:sciencedaily:top</id>")
    for n, item in enumerate(items):
        when = parsedate_to_datetime(item["published"]).isoformat()
        stamp = f"<updated>{when}</updated>" if n % 2 else f"<published>{when}</published>"
        out.append(
            f"<entry><title>{escape(item['title'])}</title><id>{escape(item['id'])}</id>"
            f'<link rel="alternate" href="{escape(item["link"])}"/>{stamp}</entry>'
        )
    out.append("</feed>\n")
    return "\n".join(out).encode()


def _routes() -> dict[str, tuple]:
    """path -> (status, content type [newline content encoding], body, seconds to wait,
    whether to send Content-Length)."""
    mw = rss("MarketWatch.com - Top Stories", MARKETWATCH)
    cut = mw.index(escape(MARKETWATCH[2]["title"]).encode()) + 12
    padding = b"<!-- " + b"x" * (DEFAULT_MAX_BYTES + 1024) + b" -->"
    huge = mw.replace(b"<channel>", b"<channel>" + padding)
    html_page = (
        b"<!DOCTYPE html><html><head><title>CBC News</title></head><body>"
        b"<h1>CBC News</h1><a href='/news'>News</a></body></html>"
    )
    hims = {**HIMS, "raw_title": "&lt;b&gt;Hims &amp;amp; Hers&lt;/b&gt;\n   stock falls 10% on"}
    hims["raw_title"] += " revenue miss"
    untitled = {**MARKETWATCH[0], "raw_title": "&lt;b&gt; &lt;/b&gt;"}
    # An HTML entity XML does not define, as real feeds send: the XML is not well-formed.
    nbsp = [{**i, "raw_title": escape(i["title"]).replace(" ", "&nbsp;", 1)} for i in MARKETWATCH]
    latin = "application/rss+xml; charset=ISO-8859-1"
    bomb = gzip.compress(mw[:-20] + b" " * (DEFAULT_MAX_BYTES + 1) + mw[-20:])
    sciencedaily = atom("ScienceDaily", SCIENCEDAILY)
    nodates = rss("SD", SCIENCEDAILY, dates=False)
    latin_declared = rss("HN", ACCENTED, encoding="ISO-8859-1")
    latin_bare = rss("HN", ACCENTED, encoding="ISO-8859-1", declare=False)
    return {
        "/marketwatch.rss": (200, "application/rss+xml", mw, 0, True),
        "/varro-marketwatch.rss": (200, "application/rss+xml", rss("MW", VARRO_MW), 0, True),
        "/sciencedaily.atom": (200, "application/atom+xml", sciencedaily, 0, True),
        "/markup.rss": (200, "text/xml", rss("CNBC", [hims, untitled]), 0, True),
        "/truncated.rss": (200, "application/rss+xml", mw[:cut], 0, True),
        "/nbsp.rss": (200, "application/rss+xml", rss("MW", nbsp), 0, True),
        "/cut-early.rss": (200, "application/rss+xml", mw[:60], 0, True),
        "/nodates.rss": (200, "application/rss+xml", nodates, 0, True),
        "/latin1.rss": (200, "application/rss+xml", latin_declared, 0, True),
        "/latin1-header.rss": (200, latin, latin_bare, 0, True),
        "/huge.rss": (200, "application/rss+xml", huge, 0, True),
        "/huge-stream.rss": (200, "application/rss+xml", huge, 0, False),
        "/page.html": (200, "text/html; charset=utf-8", html_page, 0, True),
        "/error.rss": (500, "text/plain", b"Internal Server Error", 0, True),
        "/slow.rss": (200, "application/rss+xml", mw, 1.5, True),
        "/gzip.rss": (200, "application/rss+xml\ngzip", gzip.compress(mw), 0, True),
        "/bomb.rss": (200, "application/rss+xml\ngzip", bomb, 0, True),
    }  # fmt: skip


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, tuple] = {}

    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.path not in self.routes:
            self.send_error(404, "Not Found")
            return
        status, content_type, body, wait, length = self.routes[self.path]
        time.sleep(wait)
        self.send_response(status)
        content_type, _, encoding = content_type.partition("\n")
        self.send_header("Content-Type", content_type)
        if encoding:
            self.send_header("Content-Encoding", encoding)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # client gave up
            self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    _Handler.routes = _routes()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(root.glob("*.json"))}


def test_real_feeds_ingest_and_dedupe_across_feeds(server, tmp_path):
    store = HeadlineStore(tmp_path)
    feeds = [f"{server}/marketwatch.rss", f"{server}/varro-marketwatch.rss"]
    feeds.append(f"{server}/sciencedaily.atom")
    report = ingest_feeds(store, feeds, timeout=5)
    mw, varro, sd = report.feeds
    assert [f.status for f in report.feeds] == ["ok", "ok", "ok"] and not report.warnings
    assert (mw.entries, mw.added) == (len(MARKETWATCH), len(MARKETWATCH))
    assert (sd.entries, sd.added) == (len(SCIENCEDAILY), len(SCIENCEDAILY))
    # Varro's copies of two MarketWatch stories (links only, other times) are duplicates.
    known = {canonical_link(i["link"]) for i in MARKETWATCH}
    overlap = sum(canonical_link(i["link"]) in known for i in VARRO_MW)
    assert overlap == 2 and (varro.duplicates, varro.added) == (overlap, len(VARRO_MW) - overlap)
    stored = list(store)
    assert len(stored) == report.added == len({h.id for h in stored})
    upstart = [h for h in stored if "upstarts-stock" in h.link]
    assert len(upstart) == 1 and upstart[0].id == "guid:marketwatch.com:WP-MKTW-0004369985"
    assert {h.source for h in stored} == {"MarketWatch.com - Top Stories", "MW", "ScienceDaily"}
    assert all(h.feed in feeds for h in stored)
    text = str(report)
    assert all(f in text for f in feeds) and "3 feeds (3 read, 0 failed)" in text


def test_ingesting_again_adds_nothing_and_changes_no_file(server, tmp_path):
    feeds = [f"{server}/marketwatch.rss", f"{server}/sciencedaily.atom", f"{server}/nodates.rss"]
    first = ingest_feeds(HeadlineStore(tmp_path), feeds, timeout=5)
    before = _snapshot(tmp_path)
    again = ingest_feeds(HeadlineStore(tmp_path), feeds, timeout=5)
    assert first.added > 0 and again.added == 0
    assert again.duplicates == first.added + first.duplicates
    assert _snapshot(tmp_path) == before


def test_dates_become_utc_days(server, tmp_path):
    store = HeadlineStore(tmp_path)
    ingest_feeds(store, [f"{server}/sciencedaily.atom", f"{server}/marketwatch.rss"], timeout=5)
    by_title = {h.title: h for h in store}
    # 'Fri, 08 Aug 2025 21:39:48 EDT' written as 2025-08-08T21:39:48-04:00: the 9th in UTC.
    alaska = next(i for i in SCIENCEDAILY if i["title"].startswith("Scientists reveal Alaska"))
    assert alaska["published"] == "Fri, 08 Aug 2025 21:39:48 EDT"
    assert by_title[alaska["title"]].published == "2025-08-09T01:39:48+00:00"
    assert by_title[alaska["title"]] in store.day("2025-08-09")
    for item in SCIENCEDAILY + MARKETWATCH:
        utc = parsedate_to_datetime(item["published"]).astimezone(UTC)
        assert by_title[item["title"]].published == utc.isoformat()
        assert by_title[item["title"]].day == utc.date()


def test_titles_are_cleaned(server, tmp_path):
    store = HeadlineStore(tmp_path)
    report = ingest_feeds(store, [f"{server}/markup.rss"], timeout=5)
    assert [h.title for h in store] == [HIMS["title"]]  # 'Hims & Hers stock falls 10% on ...'
    # An item whose title is only markup makes no headline: counted and reported.
    result = report.feeds[0]
    assert (result.status, result.entries, result.added, result.skipped) == ("ok", 2, 1, 1)
    assert report.warnings == [f"{server}/markup.rss: 1 item skipped (title is empty)"]


def test_latin1_feeds_read_with_their_encoding(server, tmp_path):
    assert len(ACCENTED) == 4
    for path in ("/latin1.rss", "/latin1-header.rss"):
        store = HeadlineStore(tmp_path / path.strip("/"))
        report = ingest_feeds(store, [server + path], timeout=5)
        assert report.feeds[0].status == "ok", report.feeds[0].reason
        assert sorted(h.title for h in store) == sorted(i["title"] for i in ACCENTED)


def test_feed_without_dates_uses_the_fetch_time_and_says_so(server, tmp_path, caplog):
    store = HeadlineStore(tmp_path)
    start = datetime.now(UTC).replace(microsecond=0)
    with caplog.at_level(logging.WARNING, logger="rlnvr.rss"):
        report = ingest_feeds(store, [f"{server}/nodates.rss"], timeout=5)
    end = datetime.now(UTC)
    result = report.feeds[0]
    assert (result.status, result.undated, result.added) == ("ok", 10, 10)
    assert "10 items without a date: used the fetch time" in result.reason
    assert f"{server}/nodates.rss: 10 items without a date" in report.warnings[0]
    assert any(f"{server}/nodates.rss" in r.getMessage() for r in caplog.records)
    assert all(start <= h.published_at <= end for h in store)


def test_truncated_feed_keeps_only_complete_entries(server, tmp_path, caplog):
    store = HeadlineStore(tmp_path)
    with caplog.at_level(logging.WARNING, logger="rlnvr.rss"):
        report = ingest_feeds(store, [f"{server}/truncated.rss"], timeout=5)
    result = report.feeds[0]
    assert result.status == "partial" and "truncated document" in result.reason
    # Cut inside the third item's title: the two complete items are kept, word for word.
    assert sorted(h.title for h in store) == sorted(i["title"] for i in MARKETWATCH[:2])
    assert any("truncated.rss" in r.getMessage() for r in caplog.records)


def test_sloppy_xml_is_read_with_a_warning(server, tmp_path):
    store = HeadlineStore(tmp_path)
    report = ingest_feeds(store, [f"{server}/nbsp.rss"], timeout=5)
    result = report.feeds[0]
    assert result.status == "partial" and "undefined entity" in result.reason
    assert result.added == len(MARKETWATCH) and report.warnings
    assert sorted(h.title for h in store) == sorted(i["title"] for i in MARKETWATCH)


def test_each_bad_feed_warns_and_the_others_are_still_ingested(server, tmp_path, caplog):
    # A store that already holds a real archive day: nothing in it may be lost.
    archive = tmp_path / "archive" / "foresight_forge_raw"
    archive.mkdir(parents=True)
    shutil.copy(SAMPLES / "foresight_forge_raw" / "2025-08-09.json", archive)
    store = HeadlineStore(tmp_path / "store")
    import_archives(store, archive.parent)
    old = {h.id: h for h in store}
    bad = {
        f"{server}/missing.rss": "HTTP 404 Not Found",
        f"{server}/error.rss": "HTTP 500",
        f"{server}/page.html": "not a feed (an HTML page)",
        f"{server}/cut-early.rss": "malformed feed",
        f"{server}/huge.rss": "is over the 10 MB cap",
        f"{server}/huge-stream.rss": "body larger than the 10 MB cap",
        "http://127.0.0.1:9/closed.rss": "cannot connect",
        str(tmp_path / "no-such-feed.xml"): "cannot read",
    }
    feeds = list(bad)
    feeds.insert(3, f"{server}/marketwatch.rss")
    feeds.append(f"{server}/sciencedaily.atom")
    with caplog.at_level(logging.WARNING, logger="rlnvr.rss"):
        report = ingest_feeds(store, feeds, timeout=5)

    results = {f.feed: f for f in report.feeds}
    assert [f.feed for f in report.feeds] == feeds
    messages = [r.getMessage() for r in caplog.records]
    for feed, reason in bad.items():
        assert results[feed].status == "failed" and reason in results[feed].reason, feed
        assert any(feed in m and reason in m for m in messages), feed
        assert any(w.startswith(f"{feed}: ") and reason in w for w in report.warnings)
    assert results[f"{server}/marketwatch.rss"].added == len(MARKETWATCH)
    assert results[f"{server}/sciencedaily.atom"].status == "ok"
    now = {h.id: h for h in store}
    assert all(now[i] == h for i, h in old.items())
    assert len(now) == len(old) + report.added
    table = str(report)
    assert "10 feeds (2 read, 8 failed)" in table and "HTTP 404 Not Found" in table


def test_a_server_that_does_not_answer_times_out(server, tmp_path):
    store = HeadlineStore(tmp_path)
    feeds = [f"{server}/slow.rss", f"{server}/sciencedaily.atom"]
    started = time.monotonic()
    report = ingest_feeds(store, feeds, timeout=0.3)
    assert time.monotonic() - started < 1.4
    assert report.feeds[0].status == "failed" and "timed out" in report.feeds[0].reason
    assert report.feeds[1].added == len(SCIENCEDAILY)


def test_compressed_bodies_are_inflated_within_the_cap(server, tmp_path):
    store = HeadlineStore(tmp_path)
    report = ingest_feeds(store, [f"{server}/gzip.rss", f"{server}/bomb.rss"], timeout=5)
    ok, bomb = report.feeds
    assert (ok.status, ok.added) == ("ok", len(MARKETWATCH))
    assert bomb.status == "failed" and "cap once decompressed" in bomb.reason


def test_local_paths_and_file_urls(server, tmp_path):
    path = tmp_path / "feeds" / "marketwatch.rss"
    path.parent.mkdir()
    path.write_bytes(rss("MarketWatch.com - Top Stories", MARKETWATCH))
    store = HeadlineStore(tmp_path / "store")
    first = ingest_feeds(store, [str(path)])
    second = ingest_feeds(store, [path.as_uri()])
    assert (first.added, second.added, second.duplicates) == (len(MARKETWATCH), 0, len(MARKETWATCH))
    assert {h.feed for h in store} == {str(path)}


def test_feed_list_from_the_real_sources_file(tmp_path):
    copy = tmp_path / "sources.yaml"
    shutil.copy(SAMPLES / "foresight_forge_sources.yaml", copy)
    feeds = load_feed_list(copy)
    assert feeds[0] == "https://rss.nytimes.com/services/xml/rss/nyt/HomePage.xml"
    assert "https://www.cbc.ca" in feeds and "https://www.cbc.ca/rss" in feeds  # bare hosts
    assert all(f.startswith("https://") for f in feeds) and len(feeds) == len(set(feeds))
    assert feed_location("feeds/local.xml") == "feeds/local.xml"
    (tmp_path / "bad.yaml").write_text("feeds: {a: 1}\n")
    with pytest.raises(ValueError, match="bad.yaml"):
        load_feed_list(tmp_path / "bad.yaml")
