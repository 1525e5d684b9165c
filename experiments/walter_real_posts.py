"""What Walter pays real posts: each post about an article with several posts, scored as a
reply on that article with itself left out, and on the next such article (the base rate).

    .venv/bin/python experiments/walter_real_posts.py [--reach fixed article]

A reward that pays writing about an article should pay its real posts on their own article
(the other posts about it are the references) and nothing on another article. Each
``--reach`` value is a setting of ``reach`` (``fixed``: closeness full at ``sim_high`` for
every post, the graded ramp; ``article``: where a post about the article gets). Printed per
setting: the mean total and engagement of the posts on their own article, the share paid
any engagement, and the same on the next article.
"""

from __future__ import annotations

import argparse

import numpy as np

import rlnvr  # noqa: F401  (fast BLAS before torch)
from rlnvr.trainers.traces import score
from rlnvr_walter.taskset import WalterConfig, WalterTask, WalterTaskset


def without(task: WalterTask, i: int) -> WalterTask:
    """The task with its post ``i`` left out of the references."""
    posts = [p for j, p in enumerate(task.data.posts) if j != i]
    return WalterTask(task.data.model_copy(update={"posts": posts}), task.config)


def measure(reach: str) -> dict[str, float]:
    tasks = list(WalterTaskset(WalterConfig(min_posts=2, reach=reach)).load())
    own, other = [], []
    for k, task in enumerate(tasks):
        after = tasks[(k + 1) % len(tasks)]
        for i, post in enumerate(task.data.posts):
            own.append(score(without(task, i), post.text))
            other.append(score(after, post.text))

    def stats(scores) -> tuple[float, float, float]:
        e = np.array([s.rewards["engagement"] for s in scores])
        return float(np.mean([s.reward for s in scores])), float(e.mean()), float((e > 0).mean())

    (ot, oe, op), (xt, xe, xp) = stats(own), stats(other)
    return dict(
        posts=len(own),
        own_total=ot,
        own_engagement=oe,
        own_paid=op,
        other_total=xt,
        other_engagement=xe,
        other_paid=xp,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reach", nargs="+", default=["fixed", "article"])
    args = parser.parse_args()
    print("| reach | posts | own article: total, engagement, paid | next article: same |")
    print("|---|---:|---|---|")
    for value in args.reach:
        m = measure(value)
        print(
            f"| {value} | {m['posts']} | {m['own_total']:.3f}, {m['own_engagement']:.3f}, "
            f"{m['own_paid']:.0%} | {m['other_total']:.3f}, {m['other_engagement']:.3f}, "
            f"{m['other_paid']:.0%} |"
        )


if __name__ == "__main__":
    main()
