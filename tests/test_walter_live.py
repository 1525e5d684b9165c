"""Live collection against a local XRPC replay server, through the real atproto SDK client.

The server (http.server on 127.0.0.1) answers from recorded responses built from real posts
(tests/fixtures/bluesky_api, see build.py there); a test queues other answers (429, 500)
in front of them to play the API's bad days.
"""

import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from rlnvr_walter.live import (
    LoginError,
    Query,
    RetryPolicy,
    collect,
    credentials,
    login,
)
from rlnvr_walter.post_store import read_posts
from rlnvr_walter.posts import canonical_url

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bluesky_api"
HANDLE, PASSWORD = "walter-test.bsky.social", "w4lt-3rte-5tpa-55wd"
ALBINI = (
    "https://pitchfork.com/news/steve-albini-storied-producer-and-icon-of-the-rock-"
    "underground-dies-at-61"
)
AUTHOR = "jeremie.com"
FAST = RetryPolicy(attempts=3, backoff_s=0.01, max_wait_s=5.0)
SEARCH, FEED = "app.bsky.feed.searchPosts", "app.bsky.feed.getAuthorFeed"


def recorded(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def xrpc_error(status: int, error: str, message: str, headers: dict | None = None):
    return status, headers or {}, {"error": error, "message": message}


class Replay(ThreadingHTTPServer):
    """Recorded XRPC answers; ``script[nsid]`` answers first (None: the recorded one)."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server_port}"
        self.script: dict[str, list] = defaultdict(list)
        self.calls: list[tuple[float, str, dict, dict]] = []  # time, nsid, params, headers
        session = json.dumps(recorded("createSession.json")).replace("{base_url}", self.base_url)
        self.session = json.loads(session)

    def answer(self, nsid: str, params: dict, headers: dict, body: dict):
        if self.script[nsid]:
            scripted = self.script[nsid].pop(0)
            if scripted is not None:
                return scripted
        if nsid == "com.atproto.server.createSession":
            if body == {"identifier": HANDLE, "password": PASSWORD}:
                return 200, {}, self.session
            return xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password")
        if headers.get("authorization") != f"Bearer {self.session['accessJwt']}":
            return xrpc_error(401, "AuthenticationRequired", "Authentication Required")
        cursor = params.get("cursor")
        if nsid == SEARCH:
            if canonical_url(params.get("url")) != ALBINI or params.get("q") is None:
                return 200, {}, {"posts": []}
            page = {None: 1, recorded("searchPosts.albini.1.json")["cursor"]: 2}[cursor]
            return 200, {}, recorded(f"searchPosts.albini.{page}.json")
        if nsid == FEED:
            if params.get("actor") != AUTHOR:
                return xrpc_error(400, "InvalidRequest", "Profile not found")
            page = {None: 1, recorded("getAuthorFeed.jeremie.1.json")["cursor"]: 2}[cursor]
            return 200, {}, recorded(f"getAuthorFeed.jeremie.{page}.json")
        return xrpc_error(501, "MethodNotImplemented", "Method Not Implemented")


class Handler(BaseHTTPRequestHandler):
    server: Replay

    def _reply(self) -> None:
        url = urlsplit(self.path)
        nsid = url.path.removeprefix("/xrpc/")
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length)) if length else {}
        self.server.calls.append((time.time(), nsid, params, headers))
        status, extra, payload = self.server.answer(nsid, params, headers, body)
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        for key, value in {"content-type": "application/json", **extra}.items():
            self.send_header(key, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _reply

    def log_message(self, *args) -> None:  # keep the test output clean
        pass


@pytest.fixture
def server():
    replay = Replay()
    thread = threading.Thread(target=replay.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield replay
    replay.shutdown()
    replay.server_close()


def run(server, tmp_path, *queries: Query, retry: RetryPolicy = FAST):
    client = login(HANDLE, PASSWORD, server.base_url)
    return collect(client, queries, tmp_path / "posts.jsonl", tmp_path / "raw", retry=retry)


def calls(server, nsid: str) -> list[dict]:
    return [params for _, name, params, _ in server.calls if name == nsid]


# --- login, search with pages, author feed ----------------------------------------------


def test_login_then_search_by_url_across_two_pages(server, tmp_path):
    report = run(server, tmp_path, Query("url", ALBINI))
    (result,) = report.results
    assert (result.pages, result.posts, result.retries, result.error) == (2, 5, 0, None)
    assert [p.get("cursor") for p in calls(server, SEARCH)] == [None, "3"]
    assert all(p["url"] == ALBINI and p["q"] == ALBINI for p in calls(server, SEARCH))
    token = f"Bearer {server.session['accessJwt']}"
    assert all(h["authorization"] == token for _, n, _, h in server.calls if n == SEARCH)
    posts = read_posts(tmp_path / "posts.jsonl")
    assert len(posts) == report.stored == 5 and {p.url for p in posts} == {ALBINI}
    views = [v for n in (1, 2) for v in recorded(f"searchPosts.albini.{n}.json")["posts"]]
    likes = {v["uri"]: v["likeCount"] for v in views}
    assert {p.uri: p.likes for p in posts} == likes
    assert all(p.seen_at and p.source == str(report.snapshot) for p in posts)
    rows = [json.loads(line) for line in report.snapshot.read_text().splitlines()]
    assert len(rows) == 5 and all(r["query"] == f"url {ALBINI}" and r["fetched_at"] for r in rows)


def test_author_feed_and_a_later_run_updates_counts(server, tmp_path):
    first = run(server, tmp_path, Query("author", AUTHOR))
    (result,) = first.results
    assert (result.pages, result.posts, result.error) == (2, 5, None)
    assert calls(server, FEED)[0]["filter"] == "posts_no_replies"
    posts = read_posts(tmp_path / "posts.jsonl")
    assert len(posts) == 5 and {(p.author_handle, p.author_did) for p in posts} == {
        (AUTHOR, "did:plc:gnmc53xy3rhbyepipqv2b3rl")
    }
    page = recorded("getAuthorFeed.jeremie.1.json")
    for item in page["feed"]:
        item["post"]["likeCount"] += 100
    server.script[FEED] = [(200, {}, page)]
    second = run(server, tmp_path, Query("author", AUTHOR))
    after = {p.uri: p for p in read_posts(tmp_path / "posts.jsonl")}
    assert second.stored == 5 and len(after) == 5  # deduplicated by uri
    before = {p.uri: p for p in posts}
    bumped = {item["post"]["uri"] for item in page["feed"]}
    assert all(after[u].likes == before[u].likes + (100 if u in bumped else 0) for u in after)
    assert len(list((tmp_path / "raw").iterdir())) == 2  # one raw snapshot per run


# --- the API's bad days -----------------------------------------------------------------


def test_rate_limit_waits_for_the_reset_then_succeeds(server, tmp_path, caplog):
    reset = int(time.time()) + 1
    limits = {"ratelimit-limit": "3000", "ratelimit-remaining": "0", "ratelimit-reset": str(reset)}
    server.script[SEARCH] = [xrpc_error(429, "RateLimitExceeded", "Rate Limit Exceeded", limits)]
    with caplog.at_level(logging.WARNING, logger="rlnvr.bluesky_live"):
        report = run(server, tmp_path, Query("url", ALBINI))
    (result,) = report.results
    assert (result.pages, result.posts, result.retries, result.error) == (2, 5, 1, None)
    times = [t for t, name, _, _ in server.calls if name == SEARCH]
    assert len(times) == 3 and times[1] >= reset - 0.01  # the retry came after the reset
    assert "HTTP 429 RateLimitExceeded" in caplog.text and "retrying in" in caplog.text


def test_rate_limit_beyond_the_longest_wait_gives_up_at_once(server, tmp_path):
    limits = {"ratelimit-reset": str(int(time.time()) + 3600)}
    server.script[FEED] = [xrpc_error(429, "RateLimitExceeded", "Rate Limit Exceeded", limits)]
    report = run(server, tmp_path, Query("author", AUTHOR), Query("url", ALBINI))
    feed, search = report.results
    assert feed.pages == 0 and feed.retries == 0
    assert "HTTP 429" in feed.error and "> max wait 5 s" in feed.error
    assert search.error is None and report.stored == 5


def test_server_error_is_reported_and_the_rest_collected(server, tmp_path):
    # The author's first page arrives, then the server fails on every try of the second.
    server.script[FEED] = [None] + [xrpc_error(500, "InternalServerError", "Internal Error")] * 3
    queries = (Query("author", AUTHOR), Query("author", "nobody.invalid"), Query("url", ALBINI))
    report = run(server, tmp_path, *queries)
    feed, unknown, search = report.results
    assert (feed.pages, feed.posts, feed.retries) == (1, 3, 2)
    assert feed.error == "HTTP 500 InternalServerError: Internal Error, 3 tries"
    assert unknown.retries == 0 and unknown.error == "HTTP 400 InvalidRequest: Profile not found"
    assert search.error is None and search.posts == 5
    assert [r.query for r in report.failed] == [feed.query, unknown.query]
    assert report.stored == 8  # the feed's first page is kept
    assert "gave up: HTTP 500" in report.table() and "ok" in report.table()


def test_malformed_responses_give_the_query_up(server, tmp_path):
    server.script[FEED] = [(200, {}, b"<html>Bad gateway</html>")]
    server.script[SEARCH] = [(200, {}, {"posts": [{"uri": "at://x"}]})]  # not a post view
    feed, search, again = run(
        server, tmp_path, Query("author", AUTHOR), Query("url", ALBINI), Query("url", ALBINI)
    ).results
    assert feed.error.startswith("malformed response (ValueError: ")
    assert search.error == "malformed response (ModelError: 4 validation errors for Response)"
    assert again.error is None and again.posts == 5


def test_unreachable_server_is_a_login_error(tmp_path):
    with pytest.raises(LoginError, match=r"http://127\.0\.0\.1:9: login failed \(NetworkError"):
        login(HANDLE, PASSWORD, "http://127.0.0.1:9", timeout=5)


# --- credentials ------------------------------------------------------------------------


def test_bad_credentials_fail_clearly_without_echoing_them(server):
    with pytest.raises(LoginError) as caught:
        login(HANDLE, "wrong-pass-word-here", server.base_url)
    message = str(caught.value)
    assert "login refused (HTTP 401 AuthenticationRequired: Invalid identifier or password)" in (
        message
    )
    assert "BSKY_HANDLE" in message and "BSKY_APP_PASSWORD" in message
    assert HANDLE not in message and "wrong-pass-word-here" not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    with pytest.raises(LoginError, match="set BSKY_HANDLE and BSKY_APP_PASSWORD"):
        credentials({"BSKY_HANDLE": HANDLE})
    assert credentials({"BSKY_HANDLE": f" {HANDLE} ", "BSKY_APP_PASSWORD": PASSWORD}) == (
        HANDLE,
        PASSWORD,
    )


def test_credentials_never_reach_logs_reports_or_files(server, tmp_path, caplog):
    server.script[FEED] = [None] + [xrpc_error(500, "InternalServerError", "Internal Error")] * 3
    server.script[SEARCH] = [xrpc_error(429, "RateLimitExceeded", "slow down")]
    with caplog.at_level(logging.DEBUG):  # every logger, the SDK's and httpx's included
        report = run(server, tmp_path, Query("author", AUTHOR), Query("url", ALBINI))
        with pytest.raises(LoginError):
            login(HANDLE, "not-the-password", server.base_url)
    assert report.failed and caplog.records
    written = "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())
    secrets = (HANDLE, PASSWORD, "not-the-password", server.session["accessJwt"])
    for text in (caplog.text, report.table(), written):
        assert not any(secret in text for secret in secrets)


def rlnvr_cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BSKY_")}
    return subprocess.run(
        [sys.executable, "-m", "rlnvr.cli", *args],
        capture_output=True,
        text=True,
        env={**clean, "COLUMNS": "200", **env},
        timeout=120,
    )


def test_cli_collects_into_the_store_and_keeps_secrets(server, tmp_path):
    store = tmp_path / "data" / "posts.jsonl"
    args = ("walter", "collect", "--url", ALBINI, "--author", AUTHOR, "--author", "nobody.invalid")
    args += ("--store", str(store), "--base-url", server.base_url, "--attempts", "2")
    out = rlnvr_cli(*args, env={"BSKY_HANDLE": HANDLE, "BSKY_APP_PASSWORD": PASSWORD})
    assert out.returncode == 1, out.stderr  # one query failed: reported, the rest stored
    assert "gave up: HTTP 400 InvalidRequest: Profile not found" in out.stdout
    assert f"{store}: 10 posts" in out.stdout
    assert len(read_posts(store)) == 10
    assert [p.name for p in (store.parent / "bluesky_live").iterdir()][0].endswith(".jsonl")
    for secret in (HANDLE, PASSWORD, server.session["accessJwt"]):
        assert secret not in out.stdout + out.stderr
    bad = rlnvr_cli(*args, env={"BSKY_HANDLE": HANDLE, "BSKY_APP_PASSWORD": "wrong"})
    assert bad.returncode == 2 and "login refused" in bad.stderr
    assert "Traceback" not in bad.stderr and HANDLE not in bad.stdout + bad.stderr
    missing = rlnvr_cli(*args, env={})
    assert missing.returncode == 2 and "set BSKY_HANDLE and BSKY_APP_PASSWORD" in missing.stderr
