"""Collect posts live from Bluesky with the atproto SDK: posts about URLs, authors' feeds.

Walter's reward is only as good as the posts about each article, and the samples are one
snapshot; an account holder can grow them. Two queries: ``app.bsky.feed.searchPosts`` with
the article's URL (posts linking to it), and ``app.bsky.feed.getAuthorFeed`` (an author's
own posts: the baseline that tells an unusually good post from a usual one). Both page by
cursor.

A collection run must survive the API's habits. A 429 waits for the ``ratelimit-reset``
time the server names, a 5xx or a dropped connection backs off exponentially, both within
a bound; past it the query is given up with its reason and the others go on. Every page
already fetched is kept: the raw post views go into one snapshot file (JSONL, each line
with its query and fetch time) and then into the post store through the same update path
as ``rlnvr walter ingest``, atomically, even when the run is interrupted.

Credentials come from the environment and go only to ``createSession``: never into a log
line, a report or an exception message (reasons are scrubbed of them, just in case).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Literal

from atproto import Client
from atproto_client.exceptions import (
    ModelError,
    RateLimitExceededError,
    RequestErrorBase,
    UnauthorizedError,
)
from atproto_client.models.utils import get_model_as_dict
from atproto_client.request import Request
from atproto_core.exceptions import AtProtocolError

from rlnvr_walter._vendor.atomic import atomic_write_text
from rlnvr_walter.post_store import update_store
from rlnvr_walter.posts import IngestSummary

logger = logging.getLogger("rlnvr.bluesky_live")

HANDLE_ENV = "BSKY_HANDLE"
PASSWORD_ENV = "BSKY_APP_PASSWORD"
DEFAULT_BASE_URL = "https://bsky.social"
PAGE_LIMIT = 100  # the most posts one page may hold (both methods)


class LoginError(RuntimeError):
    """Missing or refused credentials; the message names the variables, never their values."""


@dataclass(frozen=True)
class Query:
    kind: Literal["url", "author"]
    value: str  # the article's URL, or the author's handle or DID

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    """Tries per page before the query is given up."""
    backoff_s: float = 2.0
    """Wait after the first server error or dropped connection; doubles on each retry."""
    max_wait_s: float = 120.0
    """Longest single wait; a rate limit that resets later gives the query up at once."""


@dataclass
class QueryResult:
    query: Query
    pages: int = 0
    posts: int = 0
    retries: int = 0
    error: str | None = None  # why the query was given up (its earlier pages are kept)


@dataclass
class CollectReport:
    results: list[QueryResult]
    snapshot: Path | None = None  # the raw pages of this run (None when nothing came back)
    ingest: IngestSummary | None = None
    stored: int = 0  # posts in the store after the update

    @property
    def failed(self) -> list[QueryResult]:
        return [r for r in self.results if r.error]

    def table(self) -> str:
        width = max([len("query"), *(len(str(r.query)) for r in self.results)])
        lines = [f"{'query':<{width}}  {'pages':>5}  {'posts':>6}  {'retries':>7}  status"]
        for r in self.results:
            status = f"gave up: {r.error}" if r.error else "ok"
            lines.append(
                f"{str(r.query):<{width}}  {r.pages:>5}  {r.posts:>6,}  {r.retries:>7}  {status}"
            )
        if self.snapshot is not None:
            lines.append(f"raw pages: {self.snapshot}")
        if self.ingest is not None:
            lines.append(self.ingest.table())
        return "\n".join(lines)

    __str__ = table


# --- credentials and login --------------------------------------------------------------


def credentials(env: Mapping[str, str] = os.environ) -> tuple[str, str]:
    """(handle, app password) from ``BSKY_HANDLE`` and ``BSKY_APP_PASSWORD``."""
    handle, password = env.get(HANDLE_ENV, "").strip(), env.get(PASSWORD_ENV, "")
    if not handle or not password:
        raise LoginError(
            f"set {HANDLE_ENV} and {PASSWORD_ENV} to a Bluesky handle and an app password "
            "(Settings > Privacy and security > App passwords)"
        )
    return handle, password


def _reason(err: Exception, secrets: Sequence[str] = ()) -> str:
    """What went wrong, in one line: the HTTP status and XRPC error, or the transport error."""
    if isinstance(err, RequestErrorBase) and err.response is not None:
        text = f"HTTP {err}"
    else:
        cause = err.__cause__ or err.__context__  # the transport's own error, if any
        detail = str(cause or err) or (type(cause).__name__ if cause else "")
        text = f"{type(err).__name__}: {detail}" if detail else type(err).__name__
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text.splitlines()[0][:300] if text else text


def login(
    handle: str, password: str, base_url: str = DEFAULT_BASE_URL, timeout: float = 30.0
) -> Client:
    """A logged-in SDK client; its requests then go to the account's PDS (from the session)."""
    client = Client(base_url=base_url, request=Request(timeout=timeout))
    try:
        client.login(handle, password, fetch_bsky_profile=False)
    except UnauthorizedError as err:
        raise LoginError(
            f"{base_url}: login refused ({_reason(err, (handle, password))}); "
            f"check {HANDLE_ENV} and {PASSWORD_ENV}"
        ) from None
    except AtProtocolError as err:  # unreachable server, 5xx, malformed session
        raise LoginError(f"{base_url}: login failed ({_reason(err, (handle, password))})") from None
    return client


# --- one query, page by page ------------------------------------------------------------


class _GiveUp(Exception):
    """A query that cannot go on; the message is the reason reported for it."""


def _retryable(err: AtProtocolError) -> bool:
    if not isinstance(err, RequestErrorBase):
        return False
    status = err.response.status_code if err.response is not None else None
    return status is None or status == 429 or status >= 500


def _wait(err: AtProtocolError, attempt: int, retry: RetryPolicy) -> float:
    """Seconds to wait before the next try: the server's reset time if it named one."""
    if isinstance(err, RateLimitExceededError):
        if err.retry_after is not None:
            return err.retry_after
        if err.reset_at is not None:
            return max(err.reset_at.timestamp() - time.time(), 0.0)
    return retry.backoff_s * 2 ** (attempt - 1)


def _call_with_retry(
    call: Callable[[], tuple[list[dict], str | None]],
    query: Query,
    result: QueryResult,
    retry: RetryPolicy,
) -> tuple[list[dict], str | None]:
    attempt = 1
    while True:
        try:
            return call()
        except (ValueError, ModelError) as err:  # not JSON, or not the lexicon's shape
            raise _GiveUp(f"malformed response ({_reason(err)})") from None
        except AtProtocolError as err:
            reason = _reason(err)
            if not _retryable(err):
                raise _GiveUp(reason) from None
            if attempt == retry.attempts:
                raise _GiveUp(f"{reason}, {attempt} tries") from None
            wait = _wait(err, attempt, retry)
            if wait > retry.max_wait_s:
                raise _GiveUp(
                    f"{reason}, retry in {wait:.0f} s > max wait {retry.max_wait_s:.0f} s"
                ) from None
            logger.warning("%s: %s; retrying in %.1f s", query, reason, wait)
            result.retries += 1
            attempt += 1
            time.sleep(wait)


def _page(client: Client, query: Query, cursor: str | None) -> tuple[list[dict], str | None]:
    """One page of ``query`` as raw API items (``{"post": view, ...}``) and the next cursor."""
    if query.kind == "url":
        params = {"q": query.value, "url": query.value, "limit": PAGE_LIMIT, "cursor": cursor}
        response = client.app.bsky.feed.search_posts(params)
        items = [{"post": get_model_as_dict(post)} for post in response.posts]
    else:
        params = {
            "actor": query.value,
            "filter": "posts_no_replies",
            "limit": PAGE_LIMIT,
            "cursor": cursor,
        }
        response = client.app.bsky.feed.get_author_feed(params)
        items = [get_model_as_dict(item) for item in response.feed]
    return items, response.cursor


def fetch(
    client: Client,
    query: Query,
    result: QueryResult,
    retry: RetryPolicy = RetryPolicy(),
    max_pages: int = 10,
) -> Iterator[dict]:
    """Every item of ``query`` up to ``max_pages`` pages, each tagged with query and fetch time.

    A query given up sets ``result.error`` and stops; the items already yielded stand.
    """
    cursor: str | None = None
    try:
        while result.pages < max_pages:
            call = partial(_page, client, query, cursor)
            items, next_cursor = _call_with_retry(call, query, result, retry)
            fetched_at = datetime.now(UTC).isoformat(timespec="milliseconds")
            result.pages += 1
            result.posts += len(items)
            for item in items:
                yield {"query": str(query), "fetched_at": fetched_at, **item}
            if not next_cursor or next_cursor == cursor or not items:
                return
            cursor = next_cursor
    except _GiveUp as stop:
        result.error = str(stop)
        logger.warning("%s: gave up after %d pages: %s", query, result.pages, stop)


# --- a whole run into the store ---------------------------------------------------------


def save(items: list[dict], store: Path, raw_dir: Path) -> tuple[Path, IngestSummary, int]:
    """Write the raw items as a snapshot file, then merge it into the post store."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%S.%fZ")
    snapshot = Path(raw_dir) / f"bluesky_live_{stamp}.jsonl"
    text = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    atomic_write_text(snapshot, text)
    posts, summary = update_store(store, [snapshot])
    return snapshot, summary, len(posts)


def collect(
    client: Client,
    queries: Sequence[Query],
    store: Path,
    raw_dir: Path,
    retry: RetryPolicy = RetryPolicy(),
    max_pages: int = 10,
) -> CollectReport:
    """Run every query and store what came back; an interrupted run still stores its pages."""
    report = CollectReport(results=[])
    items: list[dict] = []
    try:
        for query in queries:
            result = QueryResult(query)
            report.results.append(result)
            for item in fetch(client, query, result, retry, max_pages):
                items.append(item)  # one by one: an interruption keeps every page so far
    finally:
        if items:
            report.snapshot, report.ingest, report.stored = save(items, store, raw_dir)
    return report
