"""`rlnvr horace signatures` and `rlnvr horace classify`: author signatures and attribution.

Both cut a literature folder into chunks, compute each chunk's cadence features once (cached,
see :mod:`rlnvr_horace.chunk_features`) and then either summarise them per author or run the
leave-one-document-out author classifier against Burrows' Delta.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

console = Console()

DataOpt = Annotated[
    Path,
    typer.Option(
        "--data",
        help="Literature folder (`british_fiction/*.txt` and/or `horace_corpus/<form>/<author>/`).",
    ),
]
ChunkWordsOpt = Annotated[int, typer.Option(help="Words per chunk.")]
MaxPerDocOpt = Annotated[
    int,
    typer.Option(help="Most chunks per document, spread over it (0: all)."),
]
ModelOpt = Annotated[
    str,
    typer.Option(
        "--model",
        "-m",
        help="Scoring model: 'rlnvr-tiny', a fetched model's name ('smollm2-135m' after "
        "`rlnvr models fetch smollm2-135m`), a folder or a hub id.",
    ),
]
BackendOpt = Annotated[str, typer.Option(help="Scoring backend: torch (fast on CPU) or mlx.")]
CacheOpt = Annotated[
    Path, typer.Option(help="Per-chunk feature cache (JSONL); reruns read it instead of scoring.")
]


def _features(data: Path, chunk_words: int, max_per_doc: int, model: str, backend: str, cache):
    from rlnvr_horace.chunk_features import corpus_features
    from rlnvr_horace.chunks import load_chunks

    chunks = load_chunks(data, chunk_words, max_per_doc or None)
    if not chunks:
        raise typer.BadParameter(f"no chunks of {chunk_words} words in {data}")
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("cadence features", total=len(chunks))
        rows = corpus_features(
            chunks, model, backend, cache, progress=lambda i, n: bar.update(task, completed=i)
        )
    return chunks, rows


def _cells(score) -> list[str]:
    return [score.method, f"{score.accuracy:.3f}", f"{score.macro_f1:.3f}",
            str(score.n_chunks), str(score.n_authors)]  # fmt: skip


def _markdown(scores) -> str:
    rows = ["| method | accuracy | macro-F1 | chunks | authors |", "|---|---|---|---|---|"]
    return "\n".join(rows + ["| " + " | ".join(_cells(s)) + " |" for s in scores]) + "\n"


def signatures(
    out: Annotated[Path, typer.Option(help="Signatures JSON file to write.")],
    data: DataOpt = Path("data/samples/literature"),
    chunk_words: ChunkWordsOpt = 1500,
    max_per_document: MaxPerDocOpt = 40,
    model: ModelOpt = "rlnvr-tiny",
    backend: BackendOpt = "torch",
    cache: CacheOpt = Path("runs/horace_features.jsonl"),
    min_chunks: Annotated[int, typer.Option(help="Authors with fewer chunks are left out.")] = 5,
) -> None:
    """Write each author's cadence signature (per-feature mean, std, quantiles) as JSON."""
    from rlnvr_horace.chunk_features import cadence_extractor
    from rlnvr_horace.signatures import build_signatures, save_signatures

    chunks, rows = _features(data, chunk_words, max_per_document, model, backend, cache)
    extractor, _ = cadence_extractor(model, backend)  # names the feature definitions used
    meta = {"model": model, "chunk_words": chunk_words, "backend": backend, "features": extractor}
    built = build_signatures([c.author for c in chunks], rows, meta, min_chunks)
    save_signatures(out, built)
    table = Table("author", "chunks", header_style="bold")
    for author, signature in built.items():
        table.add_row(author, str(signature.n_chunks))
    console.print(table)
    left_out = sorted({c.author for c in chunks} - set(built))
    if left_out:
        console.print(f"[dim]fewer than {min_chunks} chunks, left out: {', '.join(left_out)}[/dim]")
    console.print(f"{len(built)} signatures -> {out}")


def classify(
    data: DataOpt = Path("data/samples/literature"),
    chunk_words: ChunkWordsOpt = 1500,
    max_per_document: MaxPerDocOpt = 40,
    model: ModelOpt = "rlnvr-tiny",
    backend: BackendOpt = "torch",
    cache: CacheOpt = Path("runs/horace_features.jsonl"),
    n_mfw: Annotated[int, typer.Option(help="Most frequent words for Burrows' Delta.")] = 150,
    c: Annotated[float, typer.Option("--c", help="Inverse L2 strength of the logreg.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Seed of the uniform chance baseline.")] = 0,
    out: Annotated[Path, typer.Option(help="Folder for results.json, .md and PNGs.")] = Path(
        "runs/horace_classify"
    ),
) -> None:
    """Leave-one-document-out author attribution: cadence vs Burrows' Delta vs both.

    Prints a table (method, accuracy, macro-F1, chunks, authors) and writes results.json,
    results.md and a confusion-matrix PNG per method under --out.
    """
    from rlnvr_horace.author_classifier import (
        DELTA,
        LATE_FUSION,
        LOGREG_BOTH,
        LOGREG_DELTA,
        MAJORITY,
        UNIFORM,
        accuracy_gain,
        cadence_matrix,
        cross_validate,
        score_all,
    )
    from rlnvr_horace.confusion_plot import plot_confusion

    chunks, rows = _features(data, chunk_words, max_per_document, model, backend, cache)
    x, names = cadence_matrix(rows)
    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("leave-one-document-out folds")
        predictions = cross_validate(
            chunks, x, n_mfw, c, seed, lambda i, n: bar.update(task, completed=i, total=n)
        )
    scores = score_all(predictions)
    out.mkdir(parents=True, exist_ok=True)
    meta = {
        "data": str(data),
        "chunk_words": chunk_words,
        "max_per_document": max_per_document,
        "model": model,
        "backend": backend,
        "n_mfw": n_mfw,
        "c": c,
        "seed": seed,
        "n_chunks": len(chunks),
        "n_candidate_authors": len({ch.author for ch in chunks}),
        "n_documents": len({ch.document for ch in chunks}),
        "cadence_features": names,
    }
    gains = [
        accuracy_gain(predictions, method, base)
        for method in (LOGREG_BOTH, LATE_FUSION)
        for base in (DELTA, LOGREG_DELTA)
    ]
    results = {
        "meta": meta,
        "scores": [s.__dict__ for s in scores],
        "accuracy_gains": [g.__dict__ for g in gains],
    }
    (out / "results.json").write_text(json.dumps(results, indent=1))
    lines = [
        f"{g.method} vs {g.baseline}: accuracy {g.gain:+.3f} "
        f"(95% CI {g.low:+.3f} to {g.high:+.3f}, held-out documents resampled)"
        for g in gains
    ]
    (out / "results.md").write_text(_markdown(scores) + "\n" + "\n".join(lines) + "\n")
    table = Table("method", "accuracy", "macro-F1", "chunks", "authors", header_style="bold")
    for s in scores:
        table.add_row(*_cells(s))
        if s.method not in (MAJORITY, UNIFORM):
            slug = "".join(ch if ch.isalnum() else "_" for ch in s.method).replace("__", "_")
            title = f"{s.method}: accuracy {s.accuracy:.2f} ({chunk_words}-word chunks)"
            plot_confusion(s.confusion, s.labels, title, out / f"confusion_{slug}.png")
    console.print(table)
    for line in lines:
        console.print(line)
    console.print(
        f"{len(chunks)} chunks of {chunk_words} words, {meta['n_documents']} documents, "
        f"{meta['n_candidate_authors']} candidate authors -> {out}"
    )
