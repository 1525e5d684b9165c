"""Headlines stored per UTC day: one ``YYYY-MM-DD.json`` file per day in a folder.

Varro's prompt is the headlines of day t and its reward the headlines of day t+1, so the day
a headline lands on is the UTC date of its publication time, whatever feed or archive it came
from. Each day file is a JSON list of records ``{id, title, link, source, published, feed}``
sorted by (published, id), one record per line, so that the same content always gives the
same bytes and a re-run that adds nothing rewrites nothing.

The same story reaches the store by several roads (two feeds, a live feed and an archive,
one archive that kept the feed's guid and another that kept only the link), often with
publication times hours apart, so a duplicate is looked for across the whole store, not only
on its day. Two headlines are the same if their ids are equal, or if their canonical links
are equal and at least one of them has no guid of its own (its id is its link): an archive
that kept only the link then matches the feed that also sent a guid, while two items with
different guids that point at one landing page (``census.gov`` releases, market alerts) stay
two headlines.
Day files are replaced atomically, under a lock file (``.lock``) so that two ingests cannot
interleave; a file that cannot be read is an error that names it and is never overwritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_tz
from functools import cached_property
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from rlnvr_varro._vendor.atomic import atomic_write_text

try:  # a lock keeps two ingests from interleaving read-modify-write; POSIX only
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

FIELDS = ("id", "title", "link", "source", "published", "feed")
_DAY_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.json$")
_TAG = re.compile(r"<(?:/?[A-Za-z][^<>]*|!--.*?--)>", re.DOTALL)
# Only ";"-terminated entities: "AT&T", "S&P 500" and "M&A" are headlines, not entities.
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
# RFC 822's zone names; email.utils reads any other name as UTC.
_ZONES = frozenset(("UT", "UTC", "GMT", "Z", "AST", "ADT", "EST", "EDT", "CST", "CDT"))
_ZONES |= {"MST", "MDT", "PST", "PDT"}
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\x00"))
# Query parameters that say which feed or campaign a link came from, not which article it is.
_TRACKING = frozenset(
    ("at_medium", "at_campaign", "cmpid", "fbclid", "gclid", "mc_cid", "mc_eid", "mod")
    + ("ref_src", "smid", "source")
)


class HeadlineStoreError(ValueError):
    """A day file that cannot be read; the message names it, the file is left untouched."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}; the file was left as it is: fix or move it aside")
        self.path = path


def clean_title(text: str) -> str:
    """Plain one-line text: HTML tags and entities removed, whitespace collapsed.

    Feeds send titles plain, as HTML, or as HTML escaped once more (``&amp;lt;b&amp;gt;``,
    which feedparser hands over as ``&lt;b&gt;``), so tags are stripped both before and
    after unescaping.
    """
    text = _TAG.sub(" ", text)
    text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    text = _TAG.sub(" ", text).translate(_INVISIBLE)
    return " ".join(text.split())


def canonical_link(url: str) -> str:
    """The link with its tracking noise removed, for comparing two links to one article.

    http and https, host case, default ports, a trailing slash, parameter order and
    feed-tracking parameters (``utm_*``, ``mod``, ``at_campaign``, ...) do not change which
    article a link names. The fragment is kept: it tells apart the entries of one devlog or
    live page.
    """
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return url
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:  # "host:abc": keep whatever was written
        port, host = None, parts.netloc.lower()
    if port not in (None, 80, 443):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/") or "/"
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in _TRACKING
    )
    return urlunsplit(("https", host, path, urlencode(query), parts.fragment))


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def headline_id(guid: str, link: str, source: str, title: str) -> str:
    """A stable id: the item's guid, else its canonical link, else a hash of source + title.

    A guid that is a URL is canonicalised like a link (archives often keep the link as the
    id), and ``tag:``/``urn:`` ids are global. Any other guid is only unique within its
    site, so it is prefixed with the link's host (or the source):
    ``guid:marketwatch.com:WP-MKTW-0004376756``.
    """
    guid, link = guid.strip(), link.strip()
    if guid:
        if urlsplit(guid).scheme.lower() in ("http", "https"):
            return canonical_link(guid)
        if guid.split(":", 1)[0].lower() in ("tag", "urn"):  # globally unique by design
            return guid
        return f"guid:{_host(link) or source.strip()}:{guid}"
    if link:
        return canonical_link(link)
    digest = hashlib.sha256(f"{source.strip()}\n{title.casefold()}".encode()).hexdigest()
    return f"sha256:{digest[:20]}"


def parse_date(text: str) -> datetime:
    """A UTC datetime from RFC 822 (``Sun, 10 Aug 2025 19:28:00 GMT``) or ISO 8601.

    An ISO time without an offset is taken as UTC, as feedparser does, so an item lands on
    the same day whether it came from a live feed or an archive. An RFC 822 zone name that
    is not RFC 822's own (UT, GMT, EST .. PDT) or a numeric offset is an error: the day
    would be a guess.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty date")
    try:
        return _parse_date(text)
    except OverflowError as err:  # a year next to 1 or 9999, shifted by its offset
        raise ValueError(f"date out of range: {text!r}") from err


def _parse_date(text: str) -> datetime:
    parsed = parsedate_tz(text)
    if parsed is not None:
        # parsedate_tz reads an unknown zone name as UTC; refuse it instead (a time with no
        # zone at all is UTC, as for ISO times).
        zone = text.split()[-1].upper()
        if zone.isalpha() and zone not in _ZONES:
            raise ValueError(f"unknown time zone {zone!r} in {text!r}")
        offset = timezone(timedelta(seconds=parsed[9] or 0))
        return datetime(*parsed[:6], tzinfo=offset).astimezone(UTC)
    try:
        # Python 3.10 reads neither "Z" nor "+0000" as an offset.
        iso = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", re.sub(r"[Zz]$", "+00:00", text))
        moment = datetime.fromisoformat(iso)
    except ValueError:
        raise ValueError(f"not an RFC 822 or ISO 8601 date: {text!r}") from None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("published must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Headline:
    """One stored headline. ``published`` is ISO 8601 in UTC (``2025-08-10T19:28:00+00:00``)."""

    id: str
    title: str
    link: str
    source: str
    published: str
    feed: str

    def __post_init__(self) -> None:
        for name in FIELDS:
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"{name} must be a string")
        if not self.id or not self.title:
            raise ValueError("id and title must not be empty")
        # One exact form, so that ordering the strings orders the times.
        if _iso(datetime.fromisoformat(self.published)) != self.published:
            raise ValueError(
                f"published must look like 2025-08-10T19:28:00+00:00, not {self.published!r}"
            )

    @classmethod
    def create(
        cls,
        title: str,
        published: datetime,
        *,
        link: str = "",
        source: str = "",
        feed: str = "",
        guid: str = "",
    ) -> Headline:
        """A headline from raw feed fields: title cleaned, time in UTC, id derived."""
        title = clean_title(title)
        if not title:
            raise ValueError("title is empty")
        link, source = link.strip(), clean_title(source)
        return cls(
            id=headline_id(guid, link, source, title),
            title=title,
            link=link,
            source=source,
            published=_iso(published),
            feed=feed.strip(),
        )

    @property
    def day(self) -> date:
        return date.fromisoformat(self.published[:10])

    @property
    def published_at(self) -> datetime:
        return datetime.fromisoformat(self.published)

    @cached_property
    def link_key(self) -> str:
        """The canonical link if it names an article ("" for none or a bare site root,
        which unrelated items share)."""
        link = canonical_link(self.link) if self.link else ""
        parts = urlsplit(link)
        return link if link and (parts.path not in ("", "/") or parts.query) else ""

    @property
    def has_guid(self) -> bool:
        """Whether the id came from the item's own guid rather than from its link."""
        return not self.id.startswith("sha256:") and self.id != self.link_key

    def to_json(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FIELDS}


@dataclass(frozen=True)
class AddResult:
    """What one ``add`` did: new headlines, duplicates skipped, new headlines per day."""

    added: int
    duplicates: int
    per_day: dict[date, int] = field(default_factory=dict)


class _Index:
    """Ids and links of stored headlines; see the module docstring for the rule."""

    def __init__(self) -> None:
        self.ids: set[str] = set()  # holds the link of every headline without a guid
        self.links: set[str] = set()

    def holds(self, h: Headline) -> bool:
        if h.id in self.ids:
            return True
        link = h.link_key
        return bool(link) and link in (self.ids if h.has_guid else self.links)

    def add(self, h: Headline) -> None:
        self.ids.add(h.id)
        if h.link_key:
            self.links.add(h.link_key)


def _sort_key(h: Headline) -> tuple[str, str]:
    return (h.published, h.id)


def _dumps(headlines: list[Headline]) -> str:
    lines = [json.dumps(h.to_json(), ensure_ascii=False) for h in headlines]
    return "[\n" + ",\n".join(lines) + "\n]\n"


class HeadlineStore:
    """A folder of per-UTC-day headline files; see the module docstring for the format."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._cache: dict[str, tuple[tuple[int, int], list[Headline]]] = {}

    def path(self, day: date | str) -> Path:
        day = date.fromisoformat(day) if isinstance(day, str) else day
        return self.root / f"{day.isoformat()}.json"

    def days(self) -> list[date]:
        """The days that have headlines, oldest first."""
        if not self.root.is_dir():
            return []
        found = []
        for path in self.root.iterdir():
            match = _DAY_FILE.match(path.name)
            if match and path.is_file():
                with contextlib.suppress(ValueError):  # 2025-13-40.json is not a day file
                    found.append(date.fromisoformat(match.group(1)))
        return sorted(found)

    def day(self, day: date | str) -> list[Headline]:
        """The headlines of one UTC day, sorted by publication time ([] for a day without)."""
        path = self.path(day)
        return list(self._load(path)) if path.exists() else []

    def __iter__(self) -> Iterator[Headline]:
        for day in self.days():
            yield from self.day(day)

    def add(self, headlines: Iterable[Headline]) -> AddResult:
        """Merge new headlines into their day files; duplicates (by id or link) are skipped.

        Only days that gain a headline are rewritten, each atomically, so adding the same
        headlines again changes no file. If a write fails, days written before it keep their
        new headlines and the rest keep their old content; adding again completes the job.
        """
        with self._locked():
            index = _Index()
            for day in self.days():
                for old in self._load(self.path(day)):
                    index.add(old)
            fresh: dict[date, list[Headline]] = {}
            duplicates = 0
            for headline in headlines:
                if index.holds(headline):
                    duplicates += 1
                    continue
                index.add(headline)
                fresh.setdefault(headline.day, []).append(headline)
            for day, new in sorted(fresh.items()):
                path = self.path(day)
                merged = sorted([*(self._load(path) if path.exists() else []), *new], key=_sort_key)
                atomic_write_text(path, _dumps(merged))
                self._remember(path, merged)
            per_day = {day: len(new) for day, new in sorted(fresh.items())}
            return AddResult(sum(per_day.values()), duplicates, per_day)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        if fcntl is None:  # pragma: no cover - Windows
            yield
            return
        with (self.root / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _load(self, path: Path) -> list[Headline]:
        """A day file's headlines, validated; cached until the file changes on disk."""
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._cache.get(path.name)
        if cached and cached[0] == stamp:
            return cached[1]
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise HeadlineStoreError(path, f"corrupt headline day file ({err})") from err
        if not isinstance(rows, list):
            raise HeadlineStoreError(path, "corrupt headline day file (not a JSON list)")
        headlines = []
        for index, row in enumerate(rows):
            try:
                if not isinstance(row, dict) or set(row) != set(FIELDS):
                    raise ValueError(f"expected an object with exactly {', '.join(FIELDS)}")
                headline = Headline(**row)
            except (TypeError, ValueError) as err:
                raise HeadlineStoreError(path, f"corrupt record {index} ({err})") from err
            if headline.day.isoformat() != path.stem:
                raise HeadlineStoreError(
                    path, f"record {index} was published on {headline.day}, not this day"
                )
            headlines.append(headline)
        self._cache[path.name] = (stamp, headlines)
        return headlines

    def _remember(self, path: Path, headlines: list[Headline]) -> None:
        stat = path.stat()
        self._cache[path.name] = ((stat.st_mtime_ns, stat.st_size), headlines)
