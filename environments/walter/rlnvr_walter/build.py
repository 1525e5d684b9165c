"""Build Walter's packaged task data from Bluesky posts (files or folders, any shape).

    python -m rlnvr_walter.build [PATHS ...] [--out DIR]   # default: the repository's samples

Writes three files into ``rlnvr_walter/data/``:

- ``tasks.jsonl``: one row per linked article (canonical URL) that has a title: the
  article's title and description and its historical posts with their normalised weights
  (log1p(engagement) minus the author's baseline) and raw log1p(engagement), plus, for
  single-post URLs, the transfer neighbours as ``[pool index, relevance]`` pairs;
- ``pool.jsonl``: the posts the transfer neighbours point at (shared by every task, never
  repeated per task);
- ``meta.json``: the global centre/scale the reward's logistic uses (of the normalised and
  of the raw values), the embedding model that found the neighbours, the similarity
  calibration, and the ingest summary;
- ``fluency.json``: the word-salad judge (``_vendor.fluency``) fitted on the posts about
  training articles (never a held-out one); ``--judge-only`` refits just this from the
  packaged rows.

Task order is stable across rebuilds: URLs already in ``tasks.jsonl`` keep their positions
(so ``--select.include.idx`` ranges keep meaning the same tasks), new URLs follow, oldest
first post first.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rlnvr_walter._vendor import fluency
from rlnvr_walter._vendor.atomic import atomic_write_text
from rlnvr_walter._vendor.embeddings import DEFAULT_MODEL, Embedder
from rlnvr_walter._vendor.splits import is_heldout
from rlnvr_walter._vendor.text import prose
from rlnvr_walter.baselines import (
    DEFAULT_K,
    author_baselines,
    log_engagement,
    posts_by_url,
)
from rlnvr_walter.engagement import weight_scale
from rlnvr_walter.posts import IngestSummary, Post, canonical_url, ingest_paths

DATA_DIR = Path(__file__).resolve().parent / "data"
# The samples the packaged data is built from, in an rlnvr checkout.
SAMPLES = Path(__file__).resolve().parents[3] / "data" / "samples" / "bluesky"
TRANSFER_K = 8  # neighbours stored per single-post URL (WalterConfig.transfer_k <= this)
MAX_POSTS = 50  # historical posts kept per URL (the highest weights)
HELDOUT_PERCENT = 20.0  # rlnvr's default held-out share: the judge sees none of those posts
JUDGE_MIN_WORDS = 5  # shorter posts ("wow", a bare link) say nothing about word order


@dataclass
class BuildSummary:
    ingest: IngestSummary
    tasks: int = 0
    multi_post: int = 0
    pool: int = 0
    skipped_untitled: int = 0
    calibration: dict[str, float] = field(default_factory=dict)
    bytes: dict[str, int] = field(default_factory=dict)

    def table(self) -> str:
        sizes = ", ".join(f"{name} {size / 1024:.0f} KiB" for name, size in self.bytes.items())
        cal = ", ".join(f"{k} {v:.3f}" for k, v in self.calibration.items())
        return (
            f"{self.ingest.table()}\n"
            f"{self.tasks} tasks ({self.multi_post} with 2+ posts, "
            f"{self.tasks - self.multi_post} single-post with transfer), "
            f"{self.skipped_untitled} URLs skipped (no title, or only bare links), "
            f"pool {self.pool} posts\n"
            f"similarity calibration: {cal}\nfiles: {sizes}"
        )


def _first(values: Iterable[str | None]) -> str:
    """The most common non-empty value, ties to the first seen."""
    counts = Counter(v.strip() for v in values if v and v.strip())
    return counts.most_common(1)[0][0] if counts else ""


def _previous_order(path: Path) -> list[str]:
    if not path.exists():
        return []
    order = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.strip():
            url = canonical_url(json.loads(line).get("url"))
            if url and url not in order:
                order.append(url)
    return order


def _percentiles(values: Sequence[float], qs: Sequence[int]) -> list[float]:
    return [float(v) for v in np.percentile(np.asarray(values), qs)] if values else []


def build_rows(
    posts: Sequence[Post],
    embedder: Embedder,
    previous: Sequence[str] = (),
    transfer_k: int = TRANSFER_K,
    max_posts: int = MAX_POSTS,
    seed: int = 0,
) -> tuple[list[dict], list[dict], dict]:
    """(task rows, pool rows, meta) from deduplicated posts; pure apart from embedding."""
    baselines = author_baselines(posts, DEFAULT_K)  # every post counts for its author
    # References are posts with words besides the link: a bare link cannot be resembled.
    groups = {
        u: kept
        for u, ps in posts_by_url(posts).items()
        if (kept := [p for p in ps if prose(p.text)])
    }
    weight = {p.uri: round(baselines.weight(p), 4) for ps in groups.values() for p in ps}
    centre, scale = weight_scale(list(weight.values()))
    # Raw log1p(engagement) too, for the ablation that scores without author baselines.
    raw = {p.uri: round(log_engagement(p), 4) for ps in groups.values() for p in ps}
    raw_centre, raw_scale = weight_scale(list(raw.values()))

    titled = {u: ps for u, ps in groups.items() if _first(p.title for p in ps)}
    first_seen = {u: ps[0].created_at for u, ps in titled.items()}
    rank = {u: i for i, u in enumerate(previous)}
    order = sorted(titled, key=lambda u: (rank.get(u, len(rank)), first_seen[u], u))

    # Embed every linked post once: neighbours for transfer, and the calibration numbers.
    every = [(u, p) for u, ps in groups.items() for p in ps]
    vectors = embedder.encode([prose(p.text) for _, p in every])
    urls = np.array([u for u, _ in every])
    row_of = {p.uri: i for i, (_, p) in enumerate(every)}

    pool_index: dict[str, int] = {}
    pool: list[dict] = []
    tasks: list[dict] = []
    for url in order:
        own = sorted(titled[url], key=lambda p: -weight[p.uri])[:max_posts]
        row = {
            "id": url,
            "url": url,
            "title": _first(p.title for p in titled[url]),
            "description": _first(p.description for p in titled[url]),
            "posts": [
                {"uri": p.uri, "text": p.text, "weight": weight[p.uri], "raw": raw[p.uri]}
                for p in own
            ],
            "transfer": [],
        }
        if len(own) == 1 and transfer_k > 0:
            sims = vectors @ vectors[row_of[own[0].uri]]
            sims[urls == url] = -np.inf
            for i in np.argsort(-sims, kind="stable")[: transfer_k * 2]:
                _, neighbour = every[i]
                if sims[i] <= 0 or prose(neighbour.text) == prose(own[0].text):
                    continue  # unrelated, or the same text cross-posted to another URL
                if neighbour.uri not in pool_index:
                    pool_index[neighbour.uri] = len(pool)
                    pool.append(
                        {
                            "uri": neighbour.uri,
                            "url": neighbour.url,
                            "text": neighbour.text,
                            "weight": weight[neighbour.uri],
                            "raw": raw[neighbour.uri],
                        }
                    )
                row["transfer"].append([pool_index[neighbour.uri], round(float(sims[i]), 4)])
                if len(row["transfer"]) == transfer_k:
                    break
        tasks.append(row)

    within = [
        float(vectors[row_of[a.uri]] @ vectors[row_of[b.uri]])
        for ps in groups.values()
        for i, a in enumerate(ps)
        for b in ps[i + 1 :]
    ]
    rng = random.Random(seed)
    cross = []
    for _ in range(min(5000, len(every) * 4)):
        i, j = rng.randrange(len(every)), rng.randrange(len(every))
        if urls[i] != urls[j]:
            cross.append(float(vectors[i] @ vectors[j]))
    w50, w90 = _percentiles(within, [50, 90]) or [float("nan")] * 2
    c50, c95 = _percentiles(cross, [50, 95]) or [float("nan")] * 2
    meta = {
        "weight_centre": round(centre, 4),
        "weight_scale": round(scale, 4),
        "raw_centre": round(raw_centre, 4),
        "raw_scale": round(raw_scale, 4),
        "baseline_k": DEFAULT_K,
        "embedding_model": embedder.model_name,
        "transfer_k": transfer_k,
        "max_posts": max_posts,
        "calibration": {
            "same_url_p50": round(w50, 4),
            "same_url_p90": round(w90, 4),
            "other_url_p50": round(c50, 4),
            "other_url_p95": round(c95, 4),
        },
        "counts": {
            "posts": len(posts),
            "linked_posts": len(every),
            "urls": len(groups),
            "tasks": len(tasks),
            "multi_post_tasks": sum(len(t["posts"]) > 1 for t in tasks),
            "pool": len(pool),
        },
    }
    return tasks, pool, meta


def _dump_jsonl(rows: Iterable[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in rows)


def build(
    paths: Sequence[str | Path],
    out_dir: str | Path = DATA_DIR,
    embedder: Embedder | None = None,
    transfer_k: int = TRANSFER_K,
    max_posts: int = MAX_POSTS,
) -> BuildSummary:
    """Ingest ``paths`` (post files or folders, any shape), then :func:`write_data`."""
    posts, ingest = ingest_paths(paths)
    return write_data(posts, ingest, out_dir, embedder, transfer_k, max_posts)


def write_data(
    posts: list[Post],
    ingest: IngestSummary,
    out_dir: str | Path,
    embedder: Embedder | None = None,
    transfer_k: int = TRANSFER_K,
    max_posts: int = MAX_POSTS,
    extra_meta: dict | None = None,
) -> BuildSummary:
    """Build the rows of ``posts`` and write ``tasks.jsonl``, ``pool.jsonl`` and ``meta.json``
    (with ``extra_meta`` added) into ``out_dir`` atomically."""
    out = Path(out_dir)
    embedder = embedder or Embedder(DEFAULT_MODEL)
    previous = _previous_order(out / "tasks.jsonl")
    tasks, pool, meta = build_rows(posts, embedder, previous, transfer_k, max_posts)
    meta["ingest"] = {
        "files": ingest.files,
        "records": ingest.records,
        "unique": ingest.unique,
        "skipped": dict(sorted(ingest.skipped.items())),
    }
    meta |= extra_meta or {}
    files = {
        "tasks.jsonl": _dump_jsonl(tasks),
        "pool.jsonl": _dump_jsonl(pool),
        "meta.json": json.dumps(meta, indent=2, ensure_ascii=False) + "\n",
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        atomic_write_text(out / name, text)
        (out / name).chmod(0o644)  # package data: readable by all (the temp file was 0600)
    titled_urls = {t["url"] for t in tasks}
    return BuildSummary(
        ingest=ingest,
        tasks=len(tasks),
        multi_post=meta["counts"]["multi_post_tasks"],
        pool=len(pool),
        skipped_untitled=meta["counts"]["urls"] - len(titled_urls),
        calibration=meta["calibration"],
        bytes={name: len(text.encode("utf-8")) for name, text in files.items()},
    )


def judge_texts(data_dir: str | Path = DATA_DIR) -> list[str]:
    """The posts the salad judge learns real writing from: every packaged post (a task's or
    a transfer neighbour's) about a training article, as prose of 5 words or more."""
    data = Path(data_dir)
    rows = [json.loads(line) for line in (data / "tasks.jsonl").read_text().splitlines()]
    pool = [json.loads(line) for line in (data / "pool.jsonl").read_text().splitlines()]
    posts = [(r["url"], p["text"]) for r in rows for p in r["posts"]]
    posts += [(p["url"], p["text"]) for p in pool]
    texts = [prose(t) for url, t in posts if not is_heldout(url, HELDOUT_PERCENT)]
    return list(dict.fromkeys(t for t in texts if len(t.split()) >= JUDGE_MIN_WORDS))


def fit_judge(data_dir: str | Path = DATA_DIR, embedder: Embedder | None = None) -> dict:
    """Fit the salad judge on :func:`judge_texts` and write ``fluency.json`` atomically."""
    judge = fluency.fit(embedder or Embedder(DEFAULT_MODEL), judge_texts(data_dir))
    atomic_write_text(Path(data_dir) / "fluency.json", judge.dumps())
    (Path(data_dir) / "fluency.json").chmod(0o644)
    return judge.fitted_on | {"flag": judge.flag, "zero": judge.zero}


def store_digest(path: Path) -> str:
    """sha256 of a post store's bytes: the key of the task data built from it."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", default=[str(SAMPLES)], help="post files or folders")
    parser.add_argument(
        "--out", default=str(DATA_DIR), help="folder to write (default: the package's data/)"
    )
    parser.add_argument("--transfer-k", type=int, default=TRANSFER_K)
    parser.add_argument("--max-posts", type=int, default=MAX_POSTS)
    parser.add_argument(
        "--judge-only", action="store_true", help="refit only fluency.json from the rows in --out"
    )
    args = parser.parse_args(argv)
    if not args.judge_only:
        summary = build(args.paths, args.out, transfer_k=args.transfer_k, max_posts=args.max_posts)
        print(summary.table())
    print(f"fluency.json: {fit_judge(args.out)}")


if __name__ == "__main__":
    main()
