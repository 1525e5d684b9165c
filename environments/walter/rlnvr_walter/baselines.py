"""Author baselines: how much engagement is normal for each author, and posts grouped by URL.

Walter's reward asks "was this post unusually good *for its author*?": 500 likes is a flop
for an account that always gets 5,000 and a triumph for one that gets 20. So each author
gets a baseline, a robust centre of their engagement: the median of log1p(likes + reposts
+ replies), which one viral post cannot drag. An author seen only once or twice has a
noisy median, so it is shrunk towards the global median with weight n / (n + k): after k
posts the author's own median counts as much as the prior. A post's normalised weight is
log1p(its engagement) minus its author's baseline (positive = better than usual).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rlnvr_walter.posts import Post

DEFAULT_K = 3.0


def log_engagement(post: Post) -> float:
    return math.log1p(post.engagement)


@dataclass(frozen=True)
class AuthorBaseline:
    author_did: str
    posts: int
    median: float  # median log1p(engagement) of the author's own posts
    baseline: float  # the median shrunk towards the global median


@dataclass(frozen=True)
class Baselines:
    """Every author's baseline, plus the global median used for authors never seen."""

    global_median: float
    k: float
    authors: Mapping[str, AuthorBaseline]

    def of(self, author_did: str) -> float:
        known = self.authors.get(author_did)
        return known.baseline if known else self.global_median

    def weight(self, post: Post) -> float:
        """log1p(engagement) - the author's baseline: > 0 means better than usual for them."""
        return log_engagement(post) - self.of(post.author_did)


def author_baselines(posts: Iterable[Post], k: float = DEFAULT_K) -> Baselines:
    """Baselines from deduplicated posts (a post counted twice would count twice here).

    The global median is over all posts, so it is the typical post's engagement; ``k = 0``
    turns shrinkage off.
    """
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    by_author: dict[str, list[float]] = defaultdict(list)
    for post in posts:
        by_author[post.author_did].append(log_engagement(post))
    if not by_author:
        raise ValueError("no posts to compute baselines from")
    global_median = statistics.median(v for values in by_author.values() for v in values)
    authors = {}
    for did, values in sorted(by_author.items()):
        n, median = len(values), statistics.median(values)
        share = n / (n + k)
        authors[did] = AuthorBaseline(did, n, median, share * median + (1 - share) * global_median)
    return Baselines(global_median, k, authors)


def normalised_weights(posts: Iterable[Post], k: float = DEFAULT_K) -> dict[str, float]:
    """Each post's normalised weight by uri, with baselines computed from the same posts."""
    posts = list(posts)
    baselines = author_baselines(posts, k)
    return {post.uri: baselines.weight(post) for post in posts}


def posts_by_url(posts: Iterable[Post]) -> dict[str, list[Post]]:
    """Posts with a linked URL, grouped by canonical URL (URLs sorted, posts oldest first)."""
    groups: dict[str, list[Post]] = defaultdict(list)
    for post in posts:
        if post.url:
            groups[post.url].append(post)
    return {
        url: sorted(group, key=lambda p: (p.created_at, p.uri))
        for url, group in sorted(groups.items())
    }
