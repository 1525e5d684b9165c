"""Does a post's text say whether it did better than its author's usual post, and does it say
which post about the same article did better?

    .venv/bin/python experiments/walter_engagement_signal.py [--folds 5]

Walter's engagement reward asks the second question: it pays resembling the posts about this
article that beat the article's base rate. With 1 to 5 posts per article the reward cannot
show it has an answer (no within-article correlation, ``environments/walter/README.md``), and
the red team's hill climb wins on the steepness that leaves. This asks the data directly,
without the reward: a linear probe on the bundled MiniLM's embeddings of the packaged posts
(``data/tasks.jsonl``; then with the transfer pool's posts, ``data/pool.jsonl``, added), fitted
out of fold with every author's posts held out together
(the author is the DID in the post's ``at://`` uri), predicts

* across the corpus: whether a post's weight (log1p engagement minus its author's baseline)
  is above 0 (logistic regression, ROC AUC) and the weight itself (ridge, Spearman);
* within an article: for every pair of posts about the same URL with different weights,
  whether the probe orders them as their weights do (0.5: no signal).

A probe that separates posts across the corpus but not within an article has learnt what
kinds of posts, authors or subjects do well, not what to say about a given article.
"""

from __future__ import annotations

import argparse
import json
from importlib.resources import files

import numpy as np
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold

import rlnvr  # noqa: F401  (fast BLAS before torch)
from rlnvr_walter._vendor.embeddings import shared_embedder


def packaged_posts(with_pool: bool) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """The packaged posts about task URLs (and, ``with_pool``, the transfer pool's posts about
    other URLs): texts, weights, authors, URLs."""
    data = files("rlnvr_walter").joinpath("data")
    rows = map(json.loads, data.joinpath("tasks.jsonl").read_text("utf-8").splitlines())
    posts = [(p, r["url"]) for r in rows for p in r["posts"]]
    if with_pool:
        pool = map(json.loads, data.joinpath("pool.jsonl").read_text("utf-8").splitlines())
        seen = {p["text"] for p, _ in posts}
        posts += [(p, p["url"]) for p in pool if p["text"] not in seen]
    author = [p["uri"].split("/")[2] if p.get("uri") else url for p, url in posts]
    return (
        [p["text"] for p, _ in posts],
        np.array([p["weight"] for p, _ in posts]),
        np.array(author),
        np.array([url for _, url in posts]),
    )


def out_of_fold(x: np.ndarray, w: np.ndarray, groups: np.ndarray, folds: int):
    """Out-of-fold P(weight > 0) and predicted weight, each author's posts in one fold."""
    p, pred = np.zeros(len(w)), np.zeros(len(w))
    for train, test in GroupKFold(folds).split(x, w, groups):
        probe = LogisticRegression(C=0.1, max_iter=2000).fit(x[train], w[train] > 0)
        p[test] = probe.predict_proba(x[test])[:, 1]
        pred[test] = Ridge(alpha=10.0).fit(x[train], w[train]).predict(x[test])
    return p, pred


def within_article(pred: np.ndarray, w: np.ndarray, urls: np.ndarray) -> tuple[int, float]:
    """Pairs of posts about one URL with different weights, and the share the probe orders
    as their weights are ordered."""
    hits = []
    for url in set(urls):
        idx = np.flatnonzero(urls == url)
        for i in idx:
            for j in idx[idx > i]:
                if w[i] != w[j]:
                    hits.append((pred[i] - pred[j]) * (w[i] - w[j]) > 0)
    return len(hits), float(np.mean(hits)) if hits else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    for with_pool in (False, True):
        texts, w, authors, urls = packaged_posts(with_pool)
        x = np.asarray(shared_embedder().encode(texts))
        p, pred = out_of_fold(x, w, authors, args.folds)
        pairs, concordant = within_article(pred, w, urls)
        name = "task posts and the transfer pool" if with_pool else "task posts"
        print(
            f"{name}: {len(texts)} posts ({np.mean(w > 0):.0%} above 0), "
            f"{len(set(authors))} authors, {len(set(urls))} articles"
        )
        print(
            f"  across the corpus: AUC of weight > 0 {roc_auc_score(w > 0, p):.3f}, "
            f"Spearman of predicted weight {spearmanr(pred, w).statistic:.3f}"
        )
        print(f"  within an article: {pairs} pairs, {concordant:.3f} ordered as their weights")
        length = spearmanr([len(t) for t in texts], w).statistic
        print(f"  post length alone, Spearman with weight: {length:.3f}")


if __name__ == "__main__":
    main()
