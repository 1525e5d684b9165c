"""Author baselines, shrinkage and normalised weights: a hand-checked case, then real data."""

import math
import statistics
from dataclasses import replace
from pathlib import Path

import pytest

from rlnvr_walter.baselines import (
    author_baselines,
    log_engagement,
    normalised_weights,
    posts_by_url,
)
from rlnvr_walter.posts import ingest_paths

BLUESKY = Path(__file__).resolve().parent.parent / "data" / "samples" / "bluesky"
LN2 = math.log(2)


@pytest.fixture(scope="module")
def sample_posts():
    return ingest_paths([BLUESKY])[0]


def _hand_example(sample_posts):
    """Real posts of two real authors, counts set so that log1p(engagement) = m * ln 2."""
    archive = [p for p in sample_posts if p.source.endswith("archive.parquet")]
    a_did = archive[0].author_did
    a_posts = [p for p in archive if p.author_did == a_did][:5]
    b_post = next(p for p in archive if p.author_did != a_did)
    # A: engagement 0, 1, 3, 7, 15 -> log1p = 0, 1, 2, 3, 4 (x ln 2); B: 63 -> 6 ln 2.
    counts = (0, 1, 3, 7, 15)
    a = [replace(p, likes=e, reposts=0, replies=0) for p, e in zip(a_posts, counts, strict=True)]
    b = replace(b_post, likes=40, reposts=20, replies=3)
    return a, b


def test_baselines_by_hand(sample_posts):
    a, b = _hand_example(sample_posts)
    baselines = author_baselines([*a, b], k=3)
    # Global median of 0, 1, 2, 3, 4, 6 (x ln 2) = 2.5 ln 2.
    assert baselines.global_median == pytest.approx(2.5 * LN2)
    # A: median 2 ln 2, 5 posts -> weight 5/8: 5/8 * 2 + 3/8 * 2.5 = 2.1875 (x ln 2).
    assert baselines.authors[a[0].author_did].median == pytest.approx(2 * LN2)
    assert baselines.of(a[0].author_did) == pytest.approx(2.1875 * LN2)
    # B: one post, 6 ln 2, weight 1/4: 1/4 * 6 + 3/4 * 2.5 = 3.375 (x ln 2).
    assert baselines.of(b.author_did) == pytest.approx(3.375 * LN2)
    assert baselines.authors[b.author_did].posts == 1
    assert baselines.weight(b) == pytest.approx((6 - 3.375) * LN2)
    assert baselines.weight(a[4]) == pytest.approx((4 - 2.1875) * LN2)
    assert baselines.of("did:plc:never-seen") == baselines.global_median
    weights = normalised_weights([*a, b], k=3)
    assert weights[b.uri] == pytest.approx(baselines.weight(b))


def test_shrinkage_strength(sample_posts):
    a, b = _hand_example(sample_posts)
    unshrunk = author_baselines([*a, b], k=0)
    assert unshrunk.of(b.author_did) == pytest.approx(6 * LN2)  # own median only
    assert unshrunk.weight(b) == pytest.approx(0.0)
    heavy = author_baselines([*a, b], k=1e9)
    assert heavy.of(b.author_did) == pytest.approx(heavy.global_median)
    with pytest.raises(ValueError):
        author_baselines([*a, b], k=-1)
    with pytest.raises(ValueError):
        author_baselines([])


def test_baselines_on_real_authors(sample_posts):
    baselines = author_baselines(sample_posts)
    archive = [p for p in sample_posts if p.source.endswith("archive.parquet")]
    for did in {p.author_did for p in archive}:
        own = [log_engagement(p) for p in sample_posts if p.author_did == did]
        known = baselines.authors[did]
        assert known.posts == len(own) >= 15
        assert known.median == pytest.approx(statistics.median(own))
        # Shrunk towards the global median by k / (n + k) of the way.
        gap = baselines.global_median - known.median
        assert known.baseline - known.median == pytest.approx(3 / (len(own) + 3) * gap)
        # A robust centre: about half of an author's posts beat their baseline.
        above = sum(baselines.weight(p) > 0 for p in archive if p.author_did == did)
        assert 0.3 < above / len(own) < 0.7
    # Most-liked feeds are biased high: those authors sit above the archive's.
    liked = [p for p in sample_posts if "most_liked" in p.source]
    assert statistics.median(map(log_engagement, liked)) > baselines.global_median


def test_posts_by_url(sample_posts):
    groups = posts_by_url(sample_posts)
    assert list(groups) == sorted(groups)
    assert sum(map(len, groups.values())) == sum(p.url is not None for p in sample_posts)
    rfk = next(g for url, g in groups.items() if "rfk-jr-brain-health-memory-loss" in url)
    assert len(rfk) >= 3 and len({p.author_did for p in rfk}) >= 2
    assert [p.created_at for p in rfk] == sorted(p.created_at for p in rfk)
    assert sum(len({p.author_did for p in g}) >= 2 for g in groups.values()) >= 10
