"""Build the Horace taskset's package data from the bundled literature sample.

    python -m rlnvr_horace.build [LITERATURE_DIR] [--model rlnvr-tiny] [--cache F]

LITERATURE_DIR (default ``data/samples/literature``) is read with
``rlnvr_horace._vendor.literature.read_corpus`` (a user's corpus too). Every author with at least
``--min-words`` words of text becomes a target; the script writes, into
``environments/horace/rlnvr_horace/data/``:

- ``tasks.jsonl``: up to ``--per-author`` opening lines per author, each the first sentence
  (8-40 words, narration, not dialogue) of a paragraph, spread evenly over the author's
  documents: ``{"id", "author", "opening", "source"}``;
- ``signatures.json``: each author's cadence signature over ``--chunk-words``-word chunks (about
  the length of a completion) under the scoring model, and in its meta the calibration the
  reward uses, per text length (:data:`CALIBRATION_WORDS`; ``rlnvr_horace.calibration``):
  quantiles of the distance of the author's own chunks of that many words to the signature,
  and of the margin toward the author of every other target author's chunks, with the medians
  ``d_own`` and ``d_other``. Per length because a short text's features are noisier
  estimates, so it lies further from every signature: calibrated at one length, the reward
  would pay for writing longer (a policy trained that way learned exactly that);
- ``delta.json``: Cosine Delta over the same chunks (``rlnvr_horace.burrows_delta``: the
  ``--n-mfw`` most frequent features, character trigrams unless ``--delta-char-n`` says
  otherwise, their means and spreads, each author's centroid) and, per
  author and length, the quantiles of the Delta margin toward the author of other authors'
  chunks and the margin at which pay is full (``m_own``, the ``--delta-own-full`` quantile of
  the author's own chunks' margins), which the ``delta`` reward reads;
- ``classifier.json``: a multinomial logistic regression over the same chunks' cadence features
  (``rlnvr_horace.style_classifier``: fitted here with scikit-learn, evaluated with numpy);
- ``ngrams.npz``: hashed word 6-grams of every author's sample text, targets or not, for the
  copy guard (``rlnvr_horace.ngram_overlap``).

Chunks are cut from the unwrapped text (``rlnvr_horace.taskset.unwrap``: one line per
paragraph), the form the reward reads a completion in.

Rerunnable and deterministic: the same sample and model give byte-identical files. Scoring the
corpus takes a few minutes on a CPU; ``--cache`` keeps each chunk's features (keyed by model,
feature set and chunk text) so a rerun only refits.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from rlnvr_horace._vendor.atomic import atomic_write_text
from rlnvr_horace._vendor.literature import Document, read_corpus
from rlnvr_horace.burrows_delta import (
    DELTA_OWN_FULL,
    RIVALS,
    DeltaCentroids,
    DeltaModel,
    fit_delta,
    margins,
)
from rlnvr_horace.calibration import OWN_FULL, quantiles
from rlnvr_horace.chunk_features import cadence_extractor, corpus_features
from rlnvr_horace.chunks import chunk_documents, spread
from rlnvr_horace.ngram_overlap import build_index, save_indexes
from rlnvr_horace.signatures import build_signatures, save_signatures, signature_distance
from rlnvr_horace.style_classifier import fit, save_classifier
from rlnvr_horace.taskset import paragraphs, unwrap

CALIBRATION_WORDS = (80, 150, 300)  # the reward's range: min_words .. max_words
CALIBRATION_CHUNKS = 30  # per author and length
# The sample the packaged data is built from, in an rlnvr checkout.
DEFAULT_SRC = Path(__file__).resolve().parents[3] / "data" / "samples" / "literature"
DEFAULT_OUT = Path(__file__).resolve().parent / "data"

# How the prompt names an author (the sample's file names abbreviate them).
DISPLAY = {
    "ABronte": "Anne Brontë",
    "Austen": "Jane Austen",
    "CBronte": "Charlotte Brontë",
    "Dickens": "Charles Dickens",
    "EBronte": "Emily Brontë",
    "Eliot": "George Eliot",
    "Fielding": "Henry Fielding",
    "Richardson": "Samuel Richardson",
    "Sterne": "Laurence Sterne",
    "Thackeray": "William Makepeace Thackeray",
    "Trollope": "Anthony Trollope",
    "F Scott Fitzgerald": "F. Scott Fitzgerald",
    "P G Wodehouse": "P. G. Wodehouse",
    "O Henry": "O. Henry",
    "Guy De Maupassant": "Guy de Maupassant",
}
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’']?\s+")
_ABBREVIATIONS = {"mr.", "mrs.", "dr.", "st.", "messrs.", "mme.", "mlle.", "mons.", "no.", "esq."}
_BAD_CHARS = re.compile(r"[\d_\[\]{}<>|*#@/\\]")


def author_of(doc: Document) -> str:
    return DISPLAY.get(doc.author, doc.author)


def opening_of(paragraph: str, min_words: int = 8, max_words: int = 40) -> str | None:
    """The paragraph's first sentence if it makes a good prompt: narration (not a quotation)
    of ``min_words``-``max_words`` words, plain prose: no digits or markup, no heading run into
    it ("CHAPTER IV The Green Silk Purse Poor Joe's..."), no title-case list, quotes balanced."""
    sentence = _SENTENCE_END.split(paragraph.strip(), maxsplit=1)[0].strip()
    words = sentence.split()
    if not min_words <= len(words) <= max_words or not sentence[0].isupper():
        return None
    if sentence[-1] not in ".!?" or words[-1].lower() in _ABBREVIATIONS:
        return None
    bare = [re.sub(r"[^A-Za-z]", "", w) for w in words]
    if _BAD_CHARS.search(sentence) or any(len(w) > 1 and w.isupper() for w in bare):
        return None
    if sum(w[:1].isupper() for w in bare[1:]) > 0.4 * len(bare):
        return None
    balanced = sentence.count('"') % 2 == 0 and sentence.count("“") == sentence.count("”")
    return sentence if balanced else None


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("ë", "e")).strip("-")


def candidates(documents: list[Document], authors: list[str]) -> dict[str, list[dict]]:
    """Per author, every paragraph whose first sentence makes a good opening, in order."""
    found: dict[str, list[dict]] = defaultdict(list)
    for doc in documents:
        author = author_of(doc)
        if author not in authors:
            continue
        for i, paragraph in enumerate(paragraphs(doc.text)):
            opening = opening_of(paragraph)
            if opening:
                found[author].append(
                    {
                        "id": f"{slug(author)}/{slug(doc.title)}/{i}",
                        "author": author,
                        "opening": opening,
                        "source": f"{doc.form}/{doc.title}",
                    }
                )
    return found


def task_rows(found: dict[str, list[dict]], authors: list[str], per_author: int) -> list[dict]:
    """Up to ``per_author`` openings per author, spread over their documents in order."""
    return [found[a][i] for a in authors for i in spread(len(found[a]), per_author)]


def calibration_chunks(targets: list[Document], words: int) -> tuple[list, np.ndarray]:
    """Up to ``CALIBRATION_CHUNKS`` chunks of ``words`` words per author, spread over their
    text (the same cap for everyone, so that other authors weigh alike), and their authors."""
    by_author = defaultdict(list)
    for chunk in chunk_documents(targets, words):
        by_author[DISPLAY.get(chunk.author, chunk.author)].append(chunk)
    picks = [(cs, spread(len(cs), CALIBRATION_CHUNKS)) for cs in by_author.values()]
    chunks = [cs[i] for cs, indices in picks for i in indices]
    return chunks, np.array([DISPLAY.get(c.author, c.author) for c in chunks])


def own_full(margins: np.ndarray, q: float = OWN_FULL) -> float:
    """The margin at which pay is full: the ``q`` quantile of the author's own chunks'
    margins (``rlnvr_horace.calibration.margin_score``)."""
    return round(float(np.quantile(margins, q)), 6)


def build_delta(
    targets: list[Document],
    chunks: list,
    authors: list[str],
    n_mfw: int,
    z_clip: float | None,
    q: float = DELTA_OWN_FULL,
    char_n: int | None = None,
    metric: str = "manhattan",
    rivals: int | None = RIVALS,
) -> dict:
    """The Delta space (``n_mfw`` most frequent words, or character ``char_n``-grams, of
    ``chunks``, z capped at ``z_clip``) and author centroids under ``metric``, and per author
    and length in :data:`CALIBRATION_WORDS` the
    quantiles of the Delta margin toward the author of the other authors' chunks
    (``margin``) and the margin the ``q`` quantile of the author's own chunks reach
    (``m_own``), as ``DeltaModel.to_json`` writes them."""
    texts = [c.text for c in chunks]
    space = fit_delta(texts, n_mfw, z_clip, char_n)
    centroids = DeltaCentroids.fit(space.zscores(texts), authors, metric)
    calibration: dict[str, dict] = {
        a: {"words": [], "margin": [], "m_own": []} for a in centroids.authors
    }
    for words in CALIBRATION_WORDS:
        picked, who = calibration_chunks(targets, words)
        d = centroids.distances(space.zscores([c.text for c in picked]))
        for j, author in enumerate(centroids.authors):
            margin = margins(d, j, rivals)
            cal = calibration[author]
            cal["words"].append(words)
            cal["margin"].append(quantiles(margin[who != author]))
            cal["m_own"].append(own_full(margin[who == author], q))
    return DeltaModel(space, centroids, calibration, rivals).to_json()


def calibrate(targets: list[Document], signatures: dict, s: BuildSettings) -> dict[str, dict]:
    """Per target author and length in :data:`CALIBRATION_WORDS`, from up to
    ``CALIBRATION_CHUNKS`` chunks per author of that length spread over their text (the same
    cap at every length, so that other authors weigh alike): the quantiles
    (``rlnvr_horace.calibration.GRID``) of the own chunks' ``distance`` to the signature and
    of the other authors' chunks' ``margin`` toward it (median distance to the signatures of
    the authors other than this one, minus the distance to this one's), the own chunks'
    full-pay margin ``m_own`` (:func:`own_full`), and the medians ``d_own`` of their distance
    and ``d_other`` of every other author's chunks' distance."""
    keys = ("words", "distance", "margin", "m_own", "d_own", "d_other")
    out: dict[str, dict] = {a: {k: [] for k in keys} for a in signatures}
    for words in CALIBRATION_WORDS:
        chunks, authors = calibration_chunks(targets, words)
        rows = corpus_features(chunks, s.model, s.backend, s.cache)
        names = list(signatures)
        dist = np.array([[signature_distance(r, signatures[a]) for a in names] for r in rows])
        for j, author in enumerate(names):
            mine = authors == author
            margin = margins(dist, j, rivals=None)
            cal = out[author]
            cal["words"].append(words)
            cal["distance"].append(quantiles(dist[mine, j]))
            cal["margin"].append(quantiles(margin[~mine]))
            cal["m_own"].append(own_full(margin[mine]))
            cal["d_own"].append(round(float(np.median(dist[mine, j])), 6))
            cal["d_other"].append(round(float(np.median(dist[~mine, j])), 6))
    return out


@dataclass(frozen=True)
class BuildSettings:
    """What the package data is built with (the CLI flags of :func:`main`)."""

    model: str = "rlnvr-tiny"
    backend: str = "torch"
    chunk_words: int = 150
    min_words: int = 3000  # words of text an author needs to become a target
    per_author: int = 8  # openings per author
    c: float = 0.03  # the classifier's inverse L2 penalty
    z_clip: float = 4.0  # cap on standardised features
    cache: Path | None = None  # chunk features, keyed by model, feature set and text
    n_mfw: int = 2000  # most frequent features (words or character n-grams) in the Delta space
    delta_z_clip: float = 2.0  # cap on Delta's z-scores (``rlnvr_horace.burrows_delta``)
    delta_char_n: int | None = 3  # Delta over character trigrams (None: over words)
    delta_metric: str = "cosine"  # Cosine Delta ("manhattan": Burrows' original)
    delta_rivals: int | None = RIVALS  # Delta's margin over this many nearest other authors
    delta_own_full: float = DELTA_OWN_FULL  # quantile of own chunks' Delta margins paid in full


def build_data(src: Path, out: Path, settings: BuildSettings = BuildSettings()) -> str:
    """Write tasks.jsonl, signatures.json, classifier.json and ngrams.npz for the corpus
    ``src`` into ``out`` (each file atomically); return a summary table."""
    s = settings
    documents = read_corpus(src)
    totals: dict[str, int] = defaultdict(int)
    for doc in documents:
        totals[author_of(doc)] += len(doc.text.split())
    authors = sorted(a for a, n in totals.items() if n >= s.min_words)
    if len(authors) < 2:
        raise ValueError(f"{src}: need two authors with >= {s.min_words} words, found {authors}")

    found = candidates(documents, authors)
    tasks = task_rows(found, authors, s.per_author)
    # scored as the reward scores a completion: hard-wrapped lines joined into paragraphs
    targets = [replace(d, text=unwrap(d.text)) for d in documents if author_of(d) in authors]
    chunks = chunk_documents(targets, s.chunk_words)
    chunk_authors = [DISPLAY.get(c.author, c.author) for c in chunks]
    rows = corpus_features(chunks, s.model, s.backend, s.cache)
    extractor, _ = cadence_extractor(s.model, s.backend)
    meta = {"model": s.model, "chunk_words": s.chunk_words, "extractor": extractor}
    signatures = build_signatures(chunk_authors, rows, meta)
    calibration = calibrate(targets, signatures, s)
    signatures = {
        a: replace(sig, meta=sig.meta | {"calibration": calibration[a]})
        for a, sig in signatures.items()
    }
    classifier = fit(rows, chunk_authors, c=s.c, z_clip=s.z_clip, meta=meta)
    delta = build_delta(
        targets, chunks, chunk_authors, s.n_mfw, s.delta_z_clip, q=s.delta_own_full,
        char_n=s.delta_char_n, metric=s.delta_metric, rivals=s.delta_rivals,
    )  # fmt: skip

    out.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in tasks)
    atomic_write_text(out / "tasks.jsonl", lines)
    save_signatures(out / "signatures.json", signatures)
    save_classifier(out / "classifier.json", classifier)
    atomic_write_text(out / "delta.json", json.dumps(delta, sort_keys=True) + "\n")
    texts: dict[str, list[str]] = defaultdict(list)
    for doc in documents:
        texts[author_of(doc)].append(doc.text)
    save_indexes(out / "ngrams.npz", {a: build_index(t) for a, t in texts.items()})

    predicted = classifier.predict_proba(classifier.matrix(rows)).argmax(axis=1)
    hits = sum(classifier.classes[k] == a for k, a in zip(predicted, chunk_authors, strict=True))
    report = [
        f"{len(tasks)} tasks, {len(authors)} authors, {len(chunks)} chunks",
        f"classifier: in-sample accuracy {hits / len(rows):.3f} (chance {1 / len(authors):.3f})",
    ]
    lengths = calibration[authors[0]]["words"]
    head = " | ".join(f"d_own / d_other at {n} words" for n in lengths)
    report += [f"| author | words | tasks | chunks | {head} |"]
    report += ["|---|---:|---:|---:|" + "---:|" * len(lengths)]
    for author in authors:
        cal = calibration[author]
        pairs = " | ".join(
            f"{o:.3f} / {d:.3f}" for o, d in zip(cal["d_own"], cal["d_other"], strict=True)
        )
        report.append(
            f"| {author} | {totals[author]} | {sum(t['author'] == author for t in tasks)} | "
            f"{signatures[author].n_chunks} | {pairs} |"
        )
    report += [f"{p.name}: {p.stat().st_size / 1024:.0f} KB" for p in sorted(out.iterdir())]
    return "\n".join(report)


DATA_FORMAT = 6  # bumped when build_data writes new data (2: delta.json, 3: m_own, 4: Delta's
# z cap and m_own at calibration.OWN_FULL, 5: Cosine Delta over character trigrams, its margin
# over the nearest rivals, 6: Delta's m_own at DELTA_OWN_FULL): a store's data is rebuilt


def corpus_digest(src: Path, model: str, backend: str) -> str:
    """sha256 over the corpus's files (names and bytes), the scoring model and
    :data:`DATA_FORMAT`: the key of the data built from it."""
    digest = hashlib.sha256(f"{DATA_FORMAT}\0{model}\0{backend}\0".encode())
    files = [src] if src.is_file() else sorted(p for p in src.rglob("*") if p.is_file())
    for path in files:
        digest.update(str(path.relative_to(src) if path != src else path.name).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", nargs="?", type=Path, default=DEFAULT_SRC)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--model", default="rlnvr-tiny", help="scoring model")
    parser.add_argument("--backend", default="torch", choices=["torch", "mlx"])
    parser.add_argument("--chunk-words", type=int, default=150)
    parser.add_argument("--min-words", type=int, default=3000, help="words a target needs")
    parser.add_argument("--per-author", type=int, default=8, help="openings per author")
    parser.add_argument("--c", type=float, default=0.03, help="classifier's inverse L2 penalty")
    parser.add_argument("--z-clip", type=float, default=4.0, help="cap on standardised features")
    parser.add_argument(
        "--n-mfw",
        type=int,
        default=2000,
        help="most frequent words or n-grams for Delta",
    )
    parser.add_argument("--delta-z-clip", type=float, default=2.0, help="cap on Delta's z")
    parser.add_argument(
        "--delta-char-n", type=int, default=3, help="Delta over character n-grams (0: over words)"
    )
    parser.add_argument(
        "--delta-metric", default="cosine", choices=["cosine", "manhattan"],
        help="Cosine Delta, or Burrows' mean absolute difference",
    )  # fmt: skip
    parser.add_argument(
        "--delta-rivals", type=int, default=RIVALS,
        help="Delta's margin over this many nearest other authors (0: the median other author)",
    )  # fmt: skip
    parser.add_argument(
        "--delta-own-full", type=float, default=DELTA_OWN_FULL,
        help="Delta pays in full at the margin this quantile of the author's own chunks reach",
    )  # fmt: skip
    parser.add_argument("--cache", type=Path, default=Path("runs") / "horace_features.jsonl")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1: a busy CPU)")
    args = parser.parse_args()
    if args.backend == "torch":
        import torch

        torch.set_num_threads(args.threads)
    settings = BuildSettings(
        args.model, args.backend, args.chunk_words, args.min_words, args.per_author, args.c,
        args.z_clip, args.cache, args.n_mfw, args.delta_z_clip, args.delta_char_n or None,
        args.delta_metric, args.delta_rivals or None, args.delta_own_full,
    )  # fmt: skip
    print(build_data(args.src, args.out, settings))


if __name__ == "__main__":
    main()
