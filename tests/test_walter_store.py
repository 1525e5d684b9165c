"""The normalised post store: provenance, atomic writes, idempotent re-ingest, updates."""

import copy
import json
from pathlib import Path

import pytest

from rlnvr_walter.post_store import read_posts, update_store, write_posts
from rlnvr_walter.posts import ingest_paths

BLUESKY = Path(__file__).resolve().parent.parent / "data" / "samples" / "bluesky"
MOST_LIKED = BLUESKY / "most_liked_posts" / "most_liked_posts_sample.jsonl"


def test_store_round_trip_with_provenance(tmp_path):
    store = tmp_path / "walter" / "posts.jsonl"
    posts, summary = update_store(store, [BLUESKY])
    assert len(posts) == summary.unique > 2000
    assert read_posts(store) == posts
    lines = store.read_text(encoding="utf-8").split("\n")  # texts hold U+2028: not splitlines
    assert lines.pop() == "" and any("\u2028" in line for line in lines)
    rows = [json.loads(line) for line in lines]
    assert [r["uri"] for r in rows] == sorted(r["uri"] for r in rows)
    sources = {Path(r["source"]).relative_to(BLUESKY).parts[0] for r in rows}
    assert sources == {"most_liked_posts", "author_feeds", "author_archive_keegan"}
    assert all(Path(r["source"]).is_file() for r in rows)


def test_reingest_is_idempotent(tmp_path):
    store = tmp_path / "posts.jsonl"
    first, _ = update_store(store, [BLUESKY])
    text, stamp = store.read_bytes(), store.stat().st_mtime_ns
    again, _ = update_store(store, [BLUESKY])
    assert again == first
    assert store.read_bytes() == text and store.stat().st_mtime_ns == stamp  # not rewritten
    assert write_posts(store, first + first) is False  # duplicates collapse to the same store
    assert [p.name for p in tmp_path.iterdir()] == ["posts.jsonl"]


def test_newer_snapshot_updates_counts_in_place(tmp_path):
    store = tmp_path / "posts.jsonl"
    update_store(store, [MOST_LIKED])
    sdk = json.loads(MOST_LIKED.read_text(encoding="utf-8").splitlines()[0])
    later = copy.deepcopy(sdk)
    later["metadata"]["synctimestamp"] = "2024-07-01-00:00:00"
    later["like_count"] += 500
    snapshot = tmp_path / "incoming" / "most_liked_posts_2024-07-01.jsonl"
    snapshot.parent.mkdir()
    snapshot.write_text(json.dumps(later) + "\n")
    before = {p.uri: p for p in read_posts(store)}
    posts, summary = update_store(store, [snapshot])
    after = {p.uri: p for p in read_posts(store)}
    assert summary.unique == 1 and after.keys() == before.keys()
    assert after[sdk["uri"]].likes == sdk["like_count"] + 500
    assert after[sdk["uri"]].source == str(snapshot)
    assert {u: p for u, p in after.items() if u != sdk["uri"]} == {
        u: p for u, p in before.items() if u != sdk["uri"]
    }
    # The older snapshot ingested again does not roll the counts back.
    update_store(store, [MOST_LIKED])
    assert {p.uri: p for p in read_posts(store)}[sdk["uri"]].likes == sdk["like_count"] + 500


def test_crash_mid_write_keeps_previous_store(tmp_path, monkeypatch):
    store = tmp_path / "posts.jsonl"
    posts, _ = ingest_paths([MOST_LIKED])
    write_posts(store, posts[:10])
    previous = store.read_bytes()

    def crash(self, text, *args, **kwargs):
        Path.write_bytes(self, text[: len(text) // 2].encode())
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_text", crash)
    with pytest.raises(OSError, match="disk full"):
        write_posts(store, posts)
    monkeypatch.undo()
    assert store.read_bytes() == previous
    assert [p.name for p in tmp_path.iterdir()] == ["posts.jsonl"]


def test_corrupt_store_names_the_line(tmp_path):
    store = tmp_path / "posts.jsonl"
    posts, _ = ingest_paths([MOST_LIKED])
    write_posts(store, posts[:3])
    lines = store.read_text(encoding="utf-8").split("\n")
    lines[1] = lines[1][:40]
    store.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ValueError, match=r"posts\.jsonl, line 2"):
        read_posts(store)
    store.write_text(json.dumps({"uri": "at://x", "colour": "red"}) + "\n")
    with pytest.raises(ValueError, match="line 1.*colour"):
        read_posts(store)
