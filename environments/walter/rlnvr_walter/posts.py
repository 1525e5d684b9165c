"""Bluesky posts in every shape real users have -> one deduplicated list of ``Post``.

Walter rewards a written post by the engagement of real posts about the same article, so
ingestion must (a) read what people actually hold: the atproto SDK's snake_case dumps
(``py_type``), the live API's camelCase JSON (``$type``, ``likeCount``), JSONL, whole feeds,
Parquet archives, and even a raw camelCase record inside a snake_case dump (it happens in
the real author feeds); (b) keep only the latest counts of a post seen in several snapshots;
(c) reduce every link to one canonical URL, so that posts about one article group together
whatever tracking junk each sharer's app appended. A bad record is skipped and counted by
reason in an ``IngestSummary``, never a crash: one broken line must not cost a day's data.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

SUFFIXES = (".jsonl", ".json", ".parquet")

# Why a record was skipped (the keys of IngestSummary.skipped).
REASONS = {
    "unreadable_file": "the whole file could not be read or parsed",
    "unsupported_file": "a file given by name whose suffix is not .jsonl, .json or .parquet",
    "invalid_json": "a JSONL line that is not JSON (or not UTF-8)",
    "not_a_post": "a record with no post record in it",
    "missing_uri": "no at:// uri",
    "missing_author": "no author, or an author without a did",
    "no_text": "empty or missing text (image-only posts): nothing to learn to write",
    "bad_date": "created_at (or the snapshot time) missing or unparsable",
    "no_counts": "none of like/repost/reply counts present",
    "bad_counts": "a count that is negative, a string, a bool or fractional",
    "unknown_embed": "an embed whose type this reader does not know",
}


@dataclass(frozen=True)
class Post:
    """One Bluesky post, normalised; ``url`` is canonical (see ``canonical_url``)."""

    uri: str
    author_did: str
    author_handle: str
    text: str
    created_at: str  # ISO 8601 in UTC, millisecond precision, "Z" suffix
    url: str | None
    title: str | None
    description: str | None
    likes: int
    reposts: int
    replies: int
    source: str = ""  # provenance: the file this version of the post was read from
    seen_at: str | None = None  # when these counts were observed, where the source says

    @property
    def engagement(self) -> int:
        return self.likes + self.reposts + self.replies


class BadRecord(ValueError):
    """A record that cannot become a ``Post``; ``reason`` is a key of ``REASONS``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class IngestSummary:
    """What an ingest read, kept and skipped (with where, so a skip can be looked at)."""

    files: int = 0
    records: int = 0
    posts: int = 0  # valid records, before deduplication
    unique: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[tuple[str, int | None]]] = field(default_factory=dict)
    max_examples: int = 3

    def skip(self, reason: str, source: str, index: int | None) -> None:
        self.skipped[reason] += 1
        shown = self.examples.setdefault(reason, [])
        if len(shown) < self.max_examples:
            shown.append((source, index))

    @property
    def duplicates(self) -> int:
        return self.posts - self.unique

    def table(self) -> str:
        head = (
            f"{self.files} files, {self.records:,} records -> {self.posts:,} posts -> "
            f"{self.unique:,} unique ({self.duplicates:,} duplicates merged), "
            f"{sum(self.skipped.values()):,} skipped"
        )
        if not self.skipped:
            return head
        width = max(len("reason"), *map(len, self.skipped))
        lines = [head, f"  {'reason':<{width}}  {'count':>7}  examples (file#record)"]
        for reason, count in sorted(self.skipped.items(), key=lambda kv: (-kv[1], kv[0])):
            shown = ", ".join(
                Path(src).name + ("" if i is None else f"#{i}") for src, i in self.examples[reason]
            )
            lines.append(f"  {reason:<{width}}  {count:>7,}  {shown}")
        return "\n".join(lines)

    __str__ = table


# --- URLs -------------------------------------------------------------------------------

# Query parameters that say who shared a link or how, never which page it is (lowercased).
# Collected from the real links in the data: NYT's smid/sgrp/unlocked_article_code, AP's
# taid, Substack's triggerShare, Spotify/YouTube's si, Bloomberg's accessToken, ...
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gbraid", "wbraid", "dclid", "msclkid", "yclid", "twclid",
        "igshid", "igsh", "si", "ref", "ref_src", "ref_url", "referrer", "referringsource",
        "source", "src", "smid", "smtyp", "sgrp", "cmp", "cmpid", "icid", "mod", "taid",
        "ex_cid", "esrc", "bxid", "cndid", "hasha", "hashb", "hashc", "share", "triggershare",
        "showwelcomeonshare", "triedredirect", "isfreemail", "unlocked_article_code", "gift",
        "accesstoken", "sref", "rref", "wpisrc", "pwapi_token", "sub_rt", "ab_channel", "usp",
        "pay", "support_journalism", "ocid", "cid_source", "s_cid", "spm",
    }
)  # fmt: skip
TRACKING_PREFIXES = ("utm_", "hsa_", "mc_", "pk_", "mtm_", "gad_", "_hs")
# Hosts whose query string is share tracking only (x.com/...status/N?s=46&t=...).
QUERYLESS_HOSTS = frozenset({"x.com", "twitter.com", "mobile.twitter.com"})
_OTHER_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:(?!\d)", re.IGNORECASE)


def _is_tracking(param: str) -> bool:
    key = unquote(param.partition("=")[0]).lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def canonical_url(url: object) -> str | None:
    """One spelling per page: https, lowercase host without ``www.``, no fragment, no
    tracking parameters, the others sorted, no trailing slash. ``None`` if not a web link.

    The query is kept byte for byte apart from dropping and sorting, so a parameter that
    does name the page (``?v=`` on YouTube, ``?p=`` on WordPress) is never re-encoded.
    """
    if not isinstance(url, str) or not url.strip():
        return None
    url = url.strip()
    if "://" not in url:
        if _OTHER_SCHEME.match(url):  # mailto:, at:, ...
            return None
        url = "https://" + url  # as typed in a post: "bsky.social/about/blog/..."
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.rstrip(".")  # lowercased, without user info and port
    host = host.removeprefix("www.")
    if ":" in host:
        host = f"[{host}]"
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    query = ""
    if host not in QUERYLESS_HOSTS:
        params = [p for p in parts.query.split("&") if p and not _is_tracking(p)]
        query = "&".join(sorted(params, key=lambda p: (p.partition("=")[0], p)))
    return urlunsplit(("https", host, parts.path.rstrip("/"), query, ""))


# --- one record -> Post -----------------------------------------------------------------

_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")
_SYNC_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}-\d{2}:\d{2}:\d{2}")  # "2024-05-08-22:21:35"
_FRACTION = re.compile(r"\.(\d+)")
_FACET_SPLIT = re.compile(r";(?=(?:link|mention|tag):)")  # "mention:did:...;link:https://..."
_COUNTS = ("like_count", "repost_count", "reply_count")
_EMBEDS = frozenset(
    {
        "app.bsky.embed.images", "app.bsky.embed.video", "app.bsky.embed.record",
        "app.bsky.embed.external", "app.bsky.embed.recordWithMedia",
    }
)  # fmt: skip
# Keys of the flattened, untyped embed in METResearchGroup's dumps (has_external, external).
_FLAT_EMBED_KEYS = frozenset({"has_external", "has_image", "has_embedded_record", "external"})


def _snake_key(key: object) -> object:
    if not isinstance(key, str):
        return key
    return "py_type" if key == "$type" else _CAMEL.sub(r"_\1", key).lower()


def _snake(obj: object) -> object:
    """camelCase keys (live API, raw records) -> the SDK's snake_case; ``$type`` -> ``py_type``."""
    if isinstance(obj, dict):
        return {_snake_key(k): _snake(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_snake(v) for v in obj]
    return obj


def iso_utc(value: object) -> str:
    """A timestamp (ISO string, ``datetime``) as ISO 8601 UTC with milliseconds; naive = UTC."""
    if isinstance(value, str) and _SYNC_STAMP.fullmatch(value.strip()):
        value = datetime.strptime(value.strip(), "%Y-%m-%d-%H:%M:%S")
    if isinstance(value, str):
        text = value.strip()
        if text[-1:] in ("Z", "z"):
            text = text[:-1] + "+00:00"
        # Python 3.10's fromisoformat wants 3 or 6 fraction digits; the wire has 1 to 9.
        text = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], text, count=1)
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise BadRecord("bad_date") from None
    if not isinstance(value, datetime):
        raise BadRecord("bad_date")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        value = value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise BadRecord("bad_date") from None
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _snapshot_time(*objs: dict) -> str | None:
    for obj in objs:
        meta = obj.get("metadata")
        stamp = meta.get("synctimestamp") if isinstance(meta, dict) else None
        for key in ("fetched_at", "collected_at", "snapshot_at"):
            stamp = stamp or obj.get(key)
        if stamp is not None:
            return iso_utc(stamp)
    return None


def _count(value: object) -> int:
    if value is None:  # the lexicon makes counts optional
        return 0
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadRecord("bad_counts")
    return value


def _external(embed: object) -> dict | None:
    """The link card of an embed (record or view, typed or flattened), validating its type."""
    if embed is None:
        return None
    if not isinstance(embed, dict):
        raise BadRecord("unknown_embed")
    kind = embed.get("py_type")
    if kind is None:
        if embed and not _FLAT_EMBED_KEYS & embed.keys():
            raise BadRecord("unknown_embed")
        card = embed.get("external")
    elif not isinstance(kind, str) or kind.partition("#")[0] not in _EMBEDS:
        raise BadRecord("unknown_embed")
    elif kind.startswith("app.bsky.embed.recordWithMedia"):
        return _external(embed.get("media"))
    else:
        card = embed.get("external") if kind.startswith("app.bsky.embed.external") else None
    return card if isinstance(card, dict) else None


def _facet_links(facets: object) -> Iterator[object]:
    if isinstance(facets, str):  # SDK-flattened: "mention:did:plc:...;link:https://..."
        for part in _FACET_SPLIT.split(facets):
            if part.startswith("link:"):
                yield part[len("link:") :]
    elif isinstance(facets, list):
        for facet in facets:
            features = facet.get("features") if isinstance(facet, dict) else None
            for feature in features if isinstance(features, list) else []:
                kind = feature.get("py_type") if isinstance(feature, dict) else None
                if isinstance(kind, str) and kind.endswith("#link"):
                    yield feature.get("uri")


def _text_or_none(value: object) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _link(post: dict, record: dict) -> tuple[str | None, str | None, str | None]:
    """(canonical url, title, description): the link card first, else the first link facet."""
    cards = [_external(record.get("embed"))]
    if post is not record:
        cards.append(_external(post.get("embed")))  # the API's view of the same embed
    for card in cards:
        url = canonical_url(card.get("uri")) if card else None
        if url:
            return url, _text_or_none(card.get("title")), _text_or_none(card.get("description"))
    links = record.get("links")  # flat archives (Parquet): facet links as a list
    for raw in [*_facet_links(record.get("facets")), *(links if isinstance(links, list) else [])]:
        url = canonical_url(raw)
        if url:
            return url, None, None
    return None, None, None


def parse_post(raw: object, source: str = "") -> Post:
    """One record in any supported shape -> ``Post``; raises ``BadRecord`` with the reason.

    Shapes: a feed item (``{"post": view}``), a post view (``author``, ``record``, counts),
    or a flat row (``author_did``, ``text``, ``links``, counts: the Parquet archive).
    """
    if not isinstance(raw, dict):
        raise BadRecord("not_a_post")
    item = _snake(raw)
    post = item["post"] if isinstance(item.get("post"), dict) else item
    record = post.get("record")
    if record is None and "text" in post:
        record = post  # a flat row
    if not isinstance(record, dict):
        raise BadRecord("not_a_post")
    uri = post.get("uri")
    if not isinstance(uri, str) or not uri.startswith("at://"):
        raise BadRecord("missing_uri")
    author = post.get("author")
    if isinstance(author, dict):
        did, handle = author.get("did"), author.get("handle")
    else:
        did, handle = post.get("author_did"), post.get("author_handle")
    if not isinstance(did, str) or not did.startswith("did:"):
        raise BadRecord("missing_author")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BadRecord("no_text")
    created_at = iso_utc(record.get("created_at"))
    seen_at = _snapshot_time(item, post)
    if all(post.get(key) is None for key in _COUNTS):
        raise BadRecord("no_counts")
    likes, reposts, replies = (_count(post.get(key)) for key in _COUNTS)
    url, title, description = _link(post, record)
    return Post(
        uri=uri,
        author_did=did,
        author_handle=handle if isinstance(handle, str) else "",
        text=text,
        created_at=created_at,
        url=url,
        title=title,
        description=description,
        likes=likes,
        reposts=reposts,
        replies=replies,
        source=source,
        seen_at=seen_at,
    )


# --- files ------------------------------------------------------------------------------


def _json_items(data: object) -> list:
    if isinstance(data, dict):
        for key in ("feed", "posts"):  # getAuthorFeed / getTimeline, getPosts / searchPosts
            if isinstance(data.get(key), list):
                return data[key]
        return [data]
    return data if isinstance(data, list) else [data]


def read_records(path: Path) -> Iterator[tuple[int, object]]:
    """(index, record) pairs of one file; a JSONL line that is not JSON yields a ``BadRecord``.

    The index is the record's 0-based position (for JSONL, the 0-based line number).
    Raises ``OSError``/``ValueError`` if the file as a whole cannot be read.
    """
    path = Path(path)
    if path.suffix == ".jsonl":
        for index, line in enumerate(path.read_bytes().splitlines()):
            if line.strip():
                try:
                    yield index, json.loads(line)
                except ValueError:
                    yield index, BadRecord("invalid_json")
    elif path.suffix == ".json":
        yield from enumerate(_json_items(json.loads(path.read_bytes())))
    elif path.suffix == ".parquet":
        try:
            import pyarrow.parquet as pq
        except ImportError as err:
            raise ImportError(
                f'{path}: reading Parquet needs pyarrow (pip install "rlnvr[data]")'
            ) from err
        yield from enumerate(pq.read_table(path).to_pylist())
    else:
        raise ValueError(f"{path}: unsupported file type (expected one of {SUFFIXES})")


def _newer(post: Post, old: Post) -> bool:
    """Whether ``post`` (read after ``old``) has the later counts: by snapshot time if both
    have one, else by engagement (counts only grow), else the later read wins."""
    if post.seen_at and old.seen_at and post.seen_at != old.seen_at:
        return post.seen_at > old.seen_at
    return post.engagement >= old.engagement


def dedupe(posts: Iterable[Post]) -> list[Post]:
    """One post per uri with its latest counts, sorted by uri (order of input breaks ties)."""
    latest: dict[str, Post] = {}
    for post in posts:
        old = latest.get(post.uri)
        if old is None or _newer(post, old):
            latest[post.uri] = post
    return sorted(latest.values(), key=lambda p: p.uri)


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, folders as their supported files (recursively, sorted, no hidden ones)."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = (p for p in path.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
            files.extend(sorted(p for p in found if not p.name.startswith(".")))
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return files


def ingest_paths(paths: Iterable[str | Path]) -> tuple[list[Post], IngestSummary]:
    """Read every post under ``paths`` (files or folders), dedupe by uri, count what was skipped.

    Later files win ties, so pass snapshots oldest first (sorted names do that for
    timestamped files). Posts come back sorted by uri.
    """
    summary = IngestSummary()
    parsed: list[Post] = []
    for path in expand_paths(paths):
        summary.files += 1
        if path.suffix not in SUFFIXES:
            summary.skip("unsupported_file", str(path), None)
            continue
        try:
            records = list(read_records(path))
        except (OSError, ValueError):
            summary.skip("unreadable_file", str(path), None)
            continue
        for index, raw in records:
            summary.records += 1
            try:
                if isinstance(raw, BadRecord):
                    raise raw
                parsed.append(parse_post(raw, source=str(path)))
            except BadRecord as bad:
                summary.skip(bad.reason, str(path), index)
    summary.posts = len(parsed)
    posts = dedupe(parsed)
    summary.unique = len(posts)
    return posts, summary
