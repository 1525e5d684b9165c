"""Walter's post ingestion on the committed real samples, in every shape users have them."""

import copy
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from rlnvr_walter.posts import (
    REASONS,
    Post,
    canonical_url,
    ingest_paths,
    iso_utc,
    parse_post,
)

BLUESKY = Path(__file__).resolve().parent.parent / "data" / "samples" / "bluesky"
MOST_LIKED = BLUESKY / "most_liked_posts" / "most_liked_posts_sample.jsonl"
ARCHIVE = BLUESKY / "author_archive_keegan" / "archive.parquet"


def sdk_lines() -> list[dict]:
    return [json.loads(line) for line in MOST_LIKED.read_text(encoding="utf-8").splitlines()]


def facet_links(sdk: dict) -> list[str]:
    facets = sdk["record"]["facets"] or ""
    return [p[5:] for p in re.split(r";(?=(?:link|mention|tag):)", facets) if p.startswith("link:")]


def to_api_view(sdk: dict) -> dict:
    """A real SDK-dumped post rewritten in the live API's camelCase postView shape."""
    rec = sdk["record"]
    record = {"$type": "app.bsky.feed.post", "text": rec["text"], "createdAt": rec["created_at"]}
    view = {
        "uri": sdk["uri"],
        "cid": sdk["cid"],
        "author": {"did": sdk["author"]["did"], "handle": sdk["author"]["handle"]},
        "record": record,
        "replyCount": sdk["reply_count"],
        "repostCount": sdk["repost_count"],
        "likeCount": sdk["like_count"],
        "quoteCount": 0,
        "indexedAt": sdk["indexed_at"],
        "labels": [],
    }
    card = rec["embed"]["external"]
    if card:
        external = {k: card[k] for k in ("uri", "title", "description")}
        record["embed"] = {"$type": "app.bsky.embed.external", "external": external}
        view["embed"] = {"$type": "app.bsky.embed.external#view", "external": external}
    links = facet_links(sdk)
    if links:
        end = len(rec["text"].encode())
        record["facets"] = [
            {
                "index": {"byteStart": 0, "byteEnd": end},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}],
            }
            for uri in links
        ]
    return view


def content(post: Post) -> Post:
    """The post without provenance, to compare one post read from two shapes."""
    return replace(post, source="", seen_at=None)


@pytest.fixture(scope="module")
def sample_posts() -> tuple[list[Post], object]:
    return ingest_paths([BLUESKY])


def test_samples_read_in_every_shape(sample_posts):
    posts, summary = sample_posts
    by_folder = {}
    for post in posts:
        by_folder.setdefault(Path(post.source).parent.name, []).append(post)
    assert summary.files == 4 and summary.records == 974 + 100 + 1413
    # The only bad records in the real samples are image-only posts without text.
    assert set(summary.skipped) == {"no_text"}
    assert (
        summary.posts
        == summary.unique
        == len(posts)
        == summary.records - summary.skipped["no_text"]
    )
    assert {k: len(v) for k, v in by_folder.items()} == {
        "most_liked_posts": 915,
        "author_feeds": 85,
        "author_archive_keegan": 1407,
    }
    assert len({p.author_did for p in by_folder["author_archive_keegan"]}) == 15
    iso = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
    assert all(iso.fullmatch(p.created_at) for p in posts)
    assert all(p.text.strip() and p.author_did.startswith("did:") for p in posts)
    # most-liked snapshots carry their sync time; author feeds and the archive do not.
    assert {p.seen_at for p in by_folder["most_liked_posts"]} >= {"2024-05-08T22:21:35.000Z"}
    assert {p.seen_at for p in by_folder["author_feeds"]} == {None}


def test_sdk_dump_fields(sample_posts):
    posts, _ = sample_posts
    post = next(p for p in posts if p.uri.endswith("3krwrn4rato2z"))  # Bluesky's roadmap post
    assert post.author_handle == "bsky.app"
    assert post.url == "https://bsky.social/about/blog/05-07-2024-product-roadmap"
    assert post.title == "Product Roadmap - Bluesky"
    assert post.description.startswith("What’s coming next?")
    assert post.created_at == "2024-05-07T23:53:56.683Z"
    assert post.likes > 4000 and post.reposts > 1000 and post.replies > 300


def test_author_feed_embeds_and_parquet_links(sample_posts):
    posts, _ = sample_posts
    feeds = [p for p in posts if "author_feeds" in p.source]
    with_card = [p for p in feeds if p.title]
    assert len(with_card) == 14 and all(p.url.startswith("https://") for p in with_card)
    archive = [p for p in posts if p.source.endswith("archive.parquet")]
    linked = [p for p in archive if p.url]
    assert len(linked) == 747 and all(p.title is None for p in linked)  # rows with links
    kean = next(p for p in archive if p.uri.endswith("3lavjqgroqm27"))
    assert kean.url == (
        "https://nytimes.com/athletic/5919241/2024/11/14/moise-kean-fiorentina-italy-everton"
    )
    assert (kean.likes, kean.reposts, kean.replies) == (38, 3, 2)
    assert kean.created_at == "2024-11-14T09:17:52.738Z"


def test_live_api_camelcase_matches_sdk_dump(tmp_path):
    lines = sdk_lines()
    chosen = [s for s in lines if s["record"]["text"].strip()][:200]
    views = [to_api_view(s) for s in chosen]
    feed = tmp_path / "getAuthorFeed.json"
    feed.write_text(json.dumps({"feed": [{"post": v} for v in views], "cursor": "x"}))
    jsonl = tmp_path / "posts.jsonl"
    jsonl.write_text("".join(json.dumps(v) + "\n" for v in views))
    expected = {p.uri: content(p) for p in (parse_post(s) for s in chosen)}
    assert sum(p.url is not None for p in expected.values()) > 100
    for path in (feed, jsonl):
        posts, summary = ingest_paths([path])
        assert not summary.skipped and summary.unique == len(chosen)
        assert {p.uri: content(p) for p in posts} == expected


def test_link_from_facets_when_there_is_no_card(tmp_path):
    facet_only = [
        s
        for s in sdk_lines()
        if not s["record"]["embed"]["has_external"] and facet_links(s) and s["record"]["text"]
    ]
    assert len(facet_only) >= 10
    for sdk in facet_only:
        for shape in (sdk, to_api_view(sdk)):
            post = parse_post(shape)
            assert post.url == canonical_url(facet_links(sdk)[0])
            assert post.title is None and post.description is None
    post = parse_post(next(s for s in facet_only if s["uri"].endswith("3krycm4lctd2e")))
    assert post.url == "https://futurism.com/advon-ai-content"  # after a mention facet


@pytest.mark.parametrize(
    ("variants", "canonical"),
    [
        (
            [
                "https://www.nytimes.com/2024/05/08/us/rfk-jr-brain-health-memory-loss.html",
                "https://www.nytimes.com/2024/05/08/us/rfk-jr-brain-health-memory-loss.html"
                "?unlocked_article_code=1.qU0.HiQE.i7fZF-oqy297",
                "https://www.nytimes.com/2024/05/08/us/rfk-jr-brain-health-memory-loss.html"
                "?unlocked_article_code=1.qU0.cbSD.rPh5oJQtZsjS&smid=nytcore-ios-share"
                "&referringSource=articleShare&sgrp=c-cb",
            ],
            "https://nytimes.com/2024/05/08/us/rfk-jr-brain-health-memory-loss.html",
        ),
        (
            [
                "https://apnews.com/article/live-transmission-israel-associated-press-"
                "57e8f662907334ba3599156276381190?taid=664c9c58d740d60001d59053"
                "&utm_campaign=TrueAnthem&utm_medium=AP&utm_source=Twitter",
                "https://apnews.com/article/live-transmission-israel-associated-press-"
                "57e8f662907334ba3599156276381190",
            ],
            "https://apnews.com/article/live-transmission-israel-associated-press-"
            "57e8f662907334ba3599156276381190",
        ),
        (
            [
                "https://www.mediaite.com/news/rfk-jr-claims-a-worm-ate-part-of-his-brain-and-then-died/",
                "HTTP://WWW.Mediaite.com/news/rfk-jr-claims-a-worm-ate-part-of-his-brain-and-then-died",
            ],
            "https://mediaite.com/news/rfk-jr-claims-a-worm-ate-part-of-his-brain-and-then-died",
        ),
        (
            [
                "https://www.theguardian.com/environment/article/2024/may/17/economic-damage-"
                "climate-change-report#:~:text=The%20economic%20damage%20wrought%20by",
                "https://www.theguardian.com/environment/article/2024/may/17/economic-damage-"
                "climate-change-report?CMP=Share_iOSApp_Other",
            ],
            "https://theguardian.com/environment/article/2024/may/17/economic-damage-"
            "climate-change-report",
        ),
        (
            ["http://faculty.washington.edu/kstarbi/PRR-faq.html"],
            "https://faculty.washington.edu/kstarbi/PRR-faq.html",
        ),
        (
            [
                "https://x.com/astronomisty/status/1793061565043728874?s=46&t=lE1W6zn9EWXBzYmdLNmOYg",
                "https://x.com/astronomisty/status/1793061565043728874",
            ],
            "https://x.com/astronomisty/status/1793061565043728874",
        ),
        (  # the query names the video: kept, and sorted
            ["https://www.youtube.com/watch?v=Nidwz3BzFCM&t=460s&si=Nw5n8Wlgu94Fhm3I"],
            "https://youtube.com/watch?t=460s&v=Nidwz3BzFCM",
        ),
        (
            [
                "https://photos.shetlandmuseumandarchives.org.uk/index.php?a=ViewItem&pg=46"
                "&WINID=1716354427484#xFWgKZEVjaMAAAGPnrInjQ/64969"
            ],
            "https://photos.shetlandmuseumandarchives.org.uk/index.php?WINID=1716354427484"
            "&a=ViewItem&pg=46",
        ),
        (  # the link text a post shows: no scheme
            ["bsky.social/about/blog/05-07-2024-product-roadmap/"],
            "https://bsky.social/about/blog/05-07-2024-product-roadmap",
        ),
    ],
)
def test_canonical_url_real_variants(variants, canonical):
    assert {canonical_url(v) for v in variants} == {canonical}


def test_canonical_url_keeps_distinct_pages_apart():
    a = canonical_url("https://electionlawblog.org/?p=143214")
    b = canonical_url("https://electionlawblog.org/?p=143227")
    assert a != b and a.endswith("?p=143214")
    for not_web in ("mailto:a@b.org", "at://did:plc:x/app.bsky.feed.post/1", "", None, "http://"):
        assert canonical_url(not_web) is None


def test_posts_about_one_article_group_together(sample_posts):
    posts, _ = sample_posts
    rfk = [p for p in posts if p.url and "rfk-jr-brain-health-memory-loss" in p.url]
    assert len(rfk) >= 3 and len({p.url for p in rfk}) == 1


def _snapshot(sdk: dict, stamp: str, extra_likes: int) -> dict:
    snap = copy.deepcopy(sdk)
    snap["metadata"]["synctimestamp"] = stamp
    snap["like_count"] += extra_likes
    return snap


@pytest.mark.parametrize("extra_likes", [150, -20])  # later counts win, even when lower
def test_dedupe_keeps_the_latest_snapshot(tmp_path, extra_likes):
    sdk = next(s for s in sdk_lines() if s["record"]["embed"]["has_external"])
    early = tmp_path / "most_liked_posts_2024-05-08.jsonl"
    early.write_text(json.dumps(_snapshot(sdk, "2024-05-08-22:21:35", 0)) + "\n")
    late = tmp_path / "most_liked_posts_2024-06-11.jsonl"
    late.write_text(json.dumps(_snapshot(sdk, "2024-06-11-16:37:03", extra_likes)) + "\n")
    for order in ([early, late], [late, early]):
        posts, summary = ingest_paths(order)
        assert (summary.posts, summary.unique, summary.duplicates) == (2, 1, 1)
        assert posts[0].likes == sdk["like_count"] + extra_likes
        assert posts[0].seen_at == "2024-06-11T16:37:03.000Z"
        assert posts[0].source == str(late)


def test_dedupe_without_snapshot_time_keeps_higher_engagement(tmp_path):
    feed = json.loads(next((BLUESKY / "author_feeds").glob("*.json")).read_text())
    item = feed["feed"][0]
    bumped = copy.deepcopy(item)
    bumped["post"]["repost_count"] += 5
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(json.dumps({"feed": [bumped]}))
    second.write_text(json.dumps({"feed": [item]}))
    posts, _ = ingest_paths([first, second])
    assert len(posts) == 1 and posts[0].reposts == item["post"]["repost_count"] + 5
    second.write_text(json.dumps({"feed": [item], "cursor": None}))
    first.write_text(json.dumps({"feed": [item]}))
    posts, _ = ingest_paths([first, second])  # equal counts: the later file wins
    assert posts[0].source == str(second)


def _broken(tmp_path: Path) -> tuple[Path, dict[str, list[int]]]:
    """Real posts, each broken the way real files break, at known line numbers."""
    good = [s for s in sdk_lines() if s["record"]["text"].strip()][:12]
    lines = [json.dumps(s) for s in good]

    def breaks(index: int, change) -> None:
        sdk = copy.deepcopy(good[index])
        change(sdk)
        lines[index] = json.dumps(sdk)

    breaks(0, lambda s: s.pop("author"))
    breaks(1, lambda s: s["author"].pop("did"))
    breaks(2, lambda s: s["record"].update(text="  \n"))
    breaks(3, lambda s: s.update(like_count=-1))
    breaks(4, lambda s: s.update(repost_count="12"))
    breaks(5, lambda s: s["record"].update(embed={"py_type": "app.bsky.embed.poll", "q": "?"}))
    breaks(6, lambda s: s["record"].update(created_at="last Tuesday"))
    breaks(7, lambda s: s.pop("uri"))
    breaks(8, lambda s: [s.pop(k) for k in ("like_count", "repost_count", "reply_count")])
    lines[9] = lines[9][: len(lines[9]) // 2]  # a line cut off mid-write
    expected = {
        "missing_author": [0, 1],
        "no_text": [2],
        "bad_counts": [3, 4],
        "unknown_embed": [5],
        "bad_date": [6],
        "missing_uri": [7],
        "no_counts": [8],
        "invalid_json": [9],
    }
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path, expected


def test_bad_records_are_skipped_and_counted(tmp_path):
    path, expected = _broken(tmp_path)
    camel = [to_api_view(s) for s in sdk_lines() if s["record"]["text"].strip()][:3]
    camel[0]["likeCount"] = "7"
    camel[1]["record"]["createdAt"] = "2024-13-45T99:00:00Z"
    camel[2]["embed"] = {"$type": "app.bsky.embed.hologram#view"}
    api = tmp_path / "api.json"
    api.write_text(json.dumps({"posts": camel}))
    (tmp_path / "corrupt.parquet").write_bytes(b"PAR1 not really")
    (tmp_path / "truncated.json").write_text('{"feed": [')
    posts, summary = ingest_paths([tmp_path])
    assert len(posts) == 2 and summary.records == 15
    expected["bad_counts"].append(0)
    expected["bad_date"].append(1)
    expected["unknown_embed"].append(2)
    assert summary.skipped == {
        **{reason: len(at) for reason, at in expected.items()},
        "unreadable_file": 2,
    }
    assert set(summary.skipped) <= set(REASONS)
    for reason, at in expected.items():
        shown = summary.examples[reason]
        assert sorted(i for _, i in shown) == sorted(at)[:3]
    table = str(summary)
    assert "15 records -> 2 posts" in table
    assert re.search(r"bad_counts\s+3\s+api\.json#0, broken\.jsonl#3, broken\.jsonl#4", table)
    assert re.search(r"unreadable_file\s+2\s+corrupt\.parquet, truncated\.json", table)


def test_unsupported_and_missing_paths(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    posts, summary = ingest_paths([notes])
    assert posts == [] and summary.skipped == {"unsupported_file": 1}
    with pytest.raises(FileNotFoundError, match="nowhere"):
        ingest_paths([tmp_path / "nowhere"])


def test_timestamps_in_the_shapes_found():
    assert iso_utc("2024-05-07T23:53:56.683Z") == "2024-05-07T23:53:56.683Z"
    assert iso_utc("2024-05-20T14:01:02.123456+02:00") == "2024-05-20T12:01:02.123Z"
    assert iso_utc("2024-05-20T14:01:02Z") == "2024-05-20T14:01:02.000Z"
    assert iso_utc("2024-05-20T14:01:02.123456789Z") == "2024-05-20T14:01:02.123Z"
    assert iso_utc("2024-05-08-22:21:35") == "2024-05-08T22:21:35.000Z"  # MET's sync time
