"""Ingest RSS/Atom feeds into a ``HeadlineStore``, one feed's failure never costing another's.

A real feed list is messy (bare hosts, HTML pages, dead URLs, slow or huge responses), so each
feed is fetched, parsed and stored on its own: whatever goes wrong becomes a warning naming
the feed and the reason, a row in the ``IngestReport``, and nothing else. Bodies are read
incrementally up to a size cap and parsed from bytes by feedparser, which reads the document's
own encoding (a latin-1 feed works). Each feed's headlines are added to the store as soon as
that feed is parsed, so a later failure or a kill loses nothing already stored.
"""

from __future__ import annotations

import http.client
import io
import logging
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import yaml

from rlnvr_varro.headline_store import Headline, HeadlineStore, clean_title

logger = logging.getLogger("rlnvr.rss")

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_TIMEOUT = 20.0
USER_AGENT = "rlnvr/0.1 (headline ingest; feedparser)"  # some hosts refuse Python's default
_CHUNK = 64 * 1024
_ROOT_END = (b"</rss>", b"</feed>", b"</rdf:RDF>", b"</RDF>")


class FeedError(Exception):
    """A feed that could not be read; the message is the reason shown in the report."""


@dataclass(frozen=True)
class Fetched:
    body: bytes
    url: str  # after redirects
    content_type: str
    fetched_at: datetime


@dataclass(frozen=True)
class ParsedFeed:
    source: str
    headlines: list[Headline]
    entries: int
    undated: int  # entries without a date, stamped with the fetch time
    skipped: int  # entries that make no headline (no title)
    skip_reason: str = ""  # the first one
    note: str = ""  # recovered from malformed XML, and similar


@dataclass
class FeedResult:
    """One feed's line in the report. ``status`` is ok, partial, empty or failed."""

    feed: str
    status: str
    entries: int = 0
    added: int = 0
    duplicates: int = 0
    skipped: int = 0
    undated: int = 0
    reason: str = ""

    @property
    def warns(self) -> bool:
        return self.status in ("failed", "partial") or self.undated > 0 or self.skipped > 0


@dataclass
class IngestReport:
    """Per-feed results and totals; ``str(report)`` is a short table."""

    feeds: list[FeedResult] = field(default_factory=list)

    @property
    def added(self) -> int:
        return sum(f.added for f in self.feeds)

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.feeds)

    @property
    def failed(self) -> list[FeedResult]:
        return [f for f in self.feeds if f.status == "failed"]

    @property
    def warnings(self) -> list[str]:
        return [f"{f.feed}: {f.reason}" for f in self.feeds if f.warns]

    def __str__(self) -> str:
        width = min(60, max([len(f.feed) for f in self.feeds] + [4]))
        head = f"{'feed':<{width}}  {'status':<7} {'items':>5} {'added':>5} {'dup':>5} {'skip':>4}"
        lines = [head + "  reason", "-" * (len(head) + 8)]
        for f in self.feeds:
            name = f.feed if len(f.feed) <= width else f.feed[: width - 1] + "…"
            lines.append(
                f"{name:<{width}}  {f.status:<7} {f.entries:>5} {f.added:>5} "
                f"{f.duplicates:>5} {f.skipped:>4}  {f.reason}".rstrip()
            )
        ok = sum(f.status != "failed" for f in self.feeds)
        lines.append(
            f"{len(self.feeds)} feeds ({ok} read, {len(self.failed)} failed): "
            f"{sum(f.entries for f in self.feeds)} items, {self.added} added, "
            f"{self.duplicates} duplicates"
        )
        return "\n".join(lines)


def feed_location(entry: str) -> str:
    """A feed-list entry as a URL or a local path; a bare host gets ``https://``."""
    entry = entry.strip()
    if "://" in entry or entry.startswith(("/", ".", "~")) or Path(entry).exists():
        return entry
    first = entry.split("/", 1)[0]
    return f"https://{entry}" if "." in first else entry


def load_feed_list(path: Path | str) -> list[str]:
    """Feed locations from a YAML list of URLs (``feeds:`` mapping also accepted), in order,
    without repeats. A malformed list is an error naming the file."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ValueError(f"{path}: not valid YAML ({err})") from err
    if isinstance(data, dict):
        data = data.get("feeds")
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a YAML list of feed URLs")
    feeds = []
    for index, entry in enumerate(data):
        if not isinstance(entry, str) or not entry.strip():
            raise ValueError(f"{path}: entry {index} is not a URL: {entry!r}")
        feeds.append(feed_location(entry))
    return list(dict.fromkeys(feeds))


def _read_capped(stream: io.BufferedIOBase, max_bytes: int, deadline: float) -> bytes:
    chunks, size = [], 0
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise FeedError(f"body larger than the {_mb(max_bytes)} cap")
        if time.monotonic() > deadline:
            raise FeedError("timed out while reading the body")
        chunks.append(chunk)


def _inflate(body: bytes, max_bytes: int) -> bytes:
    """Decompress a gzip or zlib body, never past ``max_bytes`` (a small bomb stays small)."""
    try:
        inflater = zlib.decompressobj(wbits=47)  # 32 + 15: gzip or zlib header, detected
        out = inflater.decompress(body, max_bytes + 1)
    except zlib.error as err:
        raise FeedError(f"bad compressed body: {err}") from err
    if len(out) > max_bytes:
        raise FeedError(f"body larger than the {_mb(max_bytes)} cap once decompressed")
    return out


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB" if n >= 1024 * 1024 else f"{n} bytes"


def fetch(
    location: str, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES
) -> Fetched:
    """The body of a feed URL, ``file://`` URL or local path, at most ``max_bytes`` long.

    ``timeout`` bounds each network wait and, doubled, the whole read, so a server that
    trickles bytes cannot hold the ingest. Every failure is a ``FeedError`` with a reason.
    """
    deadline = time.monotonic() + 2 * timeout
    scheme = urlsplit(location).scheme.lower()
    if scheme in ("", "file"):
        if scheme:
            path = Path(urllib.request.url2pathname(urlsplit(location).path))
        else:
            path = Path(location).expanduser()
        try:
            with path.open("rb") as stream:
                body = _read_capped(stream, max_bytes, deadline)
        except OSError as err:
            raise FeedError(f"cannot read {path}: {err.strerror or err}") from err
        return Fetched(body, location, "", datetime.now(UTC))
    if scheme not in ("http", "https"):
        raise FeedError(f"unsupported URL scheme {scheme!r}")
    request = urllib.request.Request(location, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > max_bytes:
                raise FeedError(f"body of {int(length):,} bytes is over the {_mb(max_bytes)} cap")
            body = _read_capped(response, max_bytes, deadline)
            encoding = response.headers.get("Content-Encoding", "").strip().lower()
            if encoding in ("gzip", "x-gzip", "deflate"):  # sent although not asked for
                body = _inflate(body, max_bytes)
            content_type = response.headers.get("Content-Type", "")
            return Fetched(body, response.geturl(), content_type, datetime.now(UTC))
    except urllib.error.HTTPError as err:
        raise FeedError(f"HTTP {err.code} {err.reason}") from err
    except urllib.error.URLError as err:
        reason = err.reason
        if isinstance(reason, TimeoutError):
            raise FeedError(f"timed out after {timeout:g} s") from err
        raise FeedError(f"cannot connect: {reason}") from err
    except TimeoutError as err:
        raise FeedError(f"timed out after {timeout:g} s") from err
    except (OSError, ValueError, http.client.HTTPException) as err:  # reset, cut short, ...
        raise FeedError(f"{type(err).__name__}: {err}") from err


def _looks_like_html(body: bytes, content_type: str) -> bool:
    head = body[:512].lstrip().lower()
    return "html" in content_type.lower() or head.startswith((b"<!doctype html", b"<html"))


def _entry_time(entry: dict) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return datetime(*parsed[:6], tzinfo=UTC)  # feedparser gives UTC struct_time


def parse_feed(fetched: Fetched, feed: str) -> ParsedFeed:
    """Headlines from a fetched body; ``FeedError`` if it holds no readable feed.

    A document that is malformed but still yields entries (feedparser's loose parser) is
    kept, with a note; if it was cut off before its closing tag, its last entry may be cut
    too and is dropped. Entries without a date get the fetch time.
    """
    headers = {"content-location": fetched.url}
    if fetched.content_type:
        headers["content-type"] = fetched.content_type
    parsed = feedparser.parse(io.BytesIO(fetched.body), response_headers=headers)
    error = parsed.get("bozo_exception") if parsed.get("bozo") else None
    xml_error = error is not None and not isinstance(
        error, (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
    )
    entries = list(parsed.entries)
    if not entries:
        if not fetched.body.strip():
            raise FeedError("empty body")
        if _looks_like_html(fetched.body, fetched.content_type) and not parsed.get("version"):
            raise FeedError("not a feed (an HTML page)")
        if error is not None:
            raise FeedError(f"malformed feed: {error}")
        if not parsed.get("version"):
            raise FeedError("not a feed (no RSS or Atom document)")
    note = ""
    if xml_error and entries:
        note = f"malformed XML ({error}), kept what could be read"
        if not fetched.body.rstrip().endswith(_ROOT_END):
            entries = entries[:-1]
            note = f"truncated document ({error}), kept {len(entries)} complete entries"
    channel = parsed.get("feed", {})
    source = clean_title(channel.get("title", "")) or _site(fetched.url or feed)
    headlines, undated, skipped, skip_reason = [], 0, 0, ""
    for entry in entries:
        published = _entry_time(entry)
        if published is None:
            undated += 1
            published = fetched.fetched_at
        try:
            headlines.append(
                Headline.create(
                    entry.get("title", ""),
                    published,
                    link=entry.get("link", ""),
                    source=source,
                    feed=feed,
                    guid=entry.get("id", ""),
                )
            )
        except ValueError as err:
            skipped += 1
            skip_reason = skip_reason or str(err)
    return ParsedFeed(source, headlines, len(entries), undated, skipped, skip_reason, note)


def _site(location: str) -> str:
    parts = urlsplit(location)
    if parts.hostname:
        host = parts.hostname.lower()
        return host[4:] if host.startswith("www.") else host
    return Path(parts.path or location).stem


def _read(feed: str, timeout: float, max_bytes: int) -> ParsedFeed | FeedError:
    try:
        return parse_feed(fetch(feed, timeout=timeout, max_bytes=max_bytes), feed)
    except FeedError as err:
        return err
    except Exception as err:  # a parser bug on one odd feed must not stop the others
        return FeedError(f"unexpected {type(err).__name__}: {err}")


def ingest_feeds(
    store: HeadlineStore,
    feeds: Iterable[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    workers: int = 8,
) -> IngestReport:
    """Fetch and parse feeds (``workers`` at a time), add each one's headlines to ``store``
    in list order, and report per feed. Problems are logged as warnings on ``rlnvr.rss``."""
    feeds = [feed_location(f) for f in feeds]
    report = IngestReport()
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    try:
        jobs = [pool.submit(_read, f, timeout, max_bytes) for f in feeds]
        for feed, job in zip(feeds, jobs, strict=True):
            result = _store(store, feed, job.result())
            if result.warns:
                logger.warning("feed %s: %s", feed, result.reason)
            report.feeds.append(result)
    finally:  # a store error stops the ingest: do not wait for feeds nobody will store
        pool.shutdown(wait=True, cancel_futures=True)
    return report


def _items(n: int) -> str:
    return f"{n} item" if n == 1 else f"{n} items"


def _store(store: HeadlineStore, feed: str, outcome: ParsedFeed | FeedError) -> FeedResult:
    if isinstance(outcome, FeedError):
        return FeedResult(feed, "failed", reason=str(outcome))
    added = store.add(outcome.headlines)
    reasons = [outcome.note] if outcome.note else []
    if outcome.undated:
        reasons.append(f"{_items(outcome.undated)} without a date: used the fetch time")
    if outcome.skipped:
        reasons.append(f"{_items(outcome.skipped)} skipped ({outcome.skip_reason})")
    if not outcome.entries:
        reasons.append("no items")
    status = "partial" if outcome.note else "ok" if outcome.entries else "empty"
    return FeedResult(
        feed,
        status,
        entries=outcome.entries,
        added=added.added,
        duplicates=added.duplicates,
        skipped=outcome.skipped,
        undated=outcome.undated,
        reason="; ".join(reasons),
    )
