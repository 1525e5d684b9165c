"""`rlnvr horace analyze`: the cadence of a literary corpus under one or more language models.

Horace's own commands (this one, and `signatures` / `classify` from :mod:`rlnvr_horace.
cli_style`) reach `rlnvr horace ...` through the ``rlnvr.environments`` entry point.

For every document: per-token surprisal, entropy, rank and nucleus width
(:mod:`rlnvr_horace.token_metrics`), cadence statistics (:mod:`rlnvr_horace.cadence`) and
the cohesion delta (:mod:`rlnvr_horace.cohesion`). Writes per-token JSONL, a per-document
table (CSV and markdown), PNG plots, and with several models the Spearman correlation of the
authors' statistics between them.
"""

from __future__ import annotations

import csv
import json
import math
from itertools import combinations
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from rlnvr_horace._vendor.literature import CorpusError, Document, read_corpus

console = Console()
app = typer.Typer(
    help="Horace: write in the style of an author; cadence analysis of literature.",
    no_args_is_help=True,
)
DEFAULT_DATA = Path("data/samples/literature")
SUMMARY = ("surprisal_mean", "surprisal_std", "spike_rate", "ipi_mean", "cooldown_drop", "acf1")


def find_documents(paths: list[Path]) -> list[Document]:
    """Documents under ``paths``: corpus folders, CSV manifests or .txt files
    (:func:`rlnvr_horace._vendor.literature.read_corpus` says which layouts)."""
    docs: list[Document] = []
    for path in paths:
        try:
            docs.extend(read_corpus(path))
        except CorpusError as err:
            raise typer.BadParameter(str(err)) from None
    docs = [d for d in docs if d.text.strip()]
    if not docs:
        raise typer.BadParameter(f"no non-empty .txt documents under {', '.join(map(str, paths))}")
    return docs


def _slug(*parts: str) -> str:
    return "_".join("".join(c if c.isalnum() else "-" for c in p)[:40] for p in parts)


def analyze_document(doc: Document, model_name: str, scorer, settings: dict, out: Path) -> dict:
    """Score one document under one model; write its token rows and plot; return its row."""
    from rlnvr_horace.cadence import cadence_features
    from rlnvr_horace.cadence_plots import plot_series
    from rlnvr_horace.cohesion import cohesion_delta
    from rlnvr_horace.token_metrics import score_text

    net, tokenizer, backend, cfg = scorer
    max_tokens = settings["max_tokens"]
    metrics = score_text(doc.text, net, tokenizer, backend, cfg, max_tokens)
    cohesion = cohesion_delta(
        doc.text, net, tokenizer, backend, doc.form, settings["shuffles"], settings["seed"],
        cfg, max_tokens,
    )  # fmt: skip
    head = {"model": model_name, "author": doc.author, "title": doc.title}
    with (out / "tokens.jsonl").open("a", encoding="utf-8") as handle:
        handle.writelines(json.dumps(head | row) + "\n" for row in metrics.rows())
    plot_series(
        metrics, out / "plots" / f"series_{_slug(model_name, doc.author, doc.title)}.png",
        f"{doc.author}, {doc.title} ({model_name})",
    )  # fmt: skip
    return head | {
        "form": doc.form,
        "tokens": len(metrics),
        **cadence_features(metrics),
        "cohesion_delta": cohesion.delta,
        "cohesion_unit": cohesion.unit,
        "cohesion_units": cohesion.n_units,
    }


def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def write_tables(rows: list[dict], out: Path) -> None:
    """documents.csv (every column) and documents.md (the summary columns)."""
    with (out / "documents.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    cols = ["model", "author", "title", "tokens", *SUMMARY, "cohesion_delta"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(_fmt(r[c]) for c in cols) + " |" for r in rows]
    (out / "documents.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def author_means(rows: list[dict], model: str, key: str) -> dict[str, float]:
    """Mean of ``key`` over each author's documents under ``model`` (NaNs skipped)."""
    by_author: dict[str, list[float]] = {}
    for row in rows:
        if row["model"] == model and math.isfinite(row[key]):
            by_author.setdefault(row["author"], []).append(row[key])
    return {author: sum(v) / len(v) for author, v in by_author.items()}


def model_agreement(rows: list[dict], models: list[str], keys: list[str]) -> list[dict]:
    """Spearman rank correlation of authors' mean statistics between each pair of models."""
    from scipy.stats import spearmanr

    out = []
    for a, b in combinations(models, 2):
        for key in keys:
            mean_a, mean_b = author_means(rows, a, key), author_means(rows, b, key)
            authors = sorted(set(mean_a) & set(mean_b))
            rho = math.nan
            if len(authors) >= 3:
                rho = float(
                    spearmanr([mean_a[x] for x in authors], [mean_b[x] for x in authors])[0]
                )
            out.append({"model_a": a, "model_b": b, "statistic": key, "authors": len(authors),
                        "spearman": rho})  # fmt: skip
    return out


SHORT = {"surprisal_mean": "s̄", "surprisal_std": "σ", "spike_rate": "spikes/100",
         "ipi_mean": "IPI", "cooldown_drop": "cooldown", "acf1": "ACF1",
         "cohesion_delta": "cohesion Δ"}  # fmt: skip


def _print_documents(rows: list[dict], models: list[str]) -> None:
    """One table per model; the full precision is in documents.csv."""
    keys = [*SUMMARY, "cohesion_delta"]
    for model in models:
        table = Table("author", "title", "tokens", *(SHORT[k] for k in keys), title=model)
        for r in (r for r in rows if r["model"] == model):
            cells = (r["author"], r["title"][:24], str(r["tokens"]))
            table.add_row(*cells, *(f"{r[k]:.3f}" for k in keys))
        console.print(table)


def _print_agreement(agreement: list[dict]) -> None:
    table = Table("model A", "model B", "statistic", "authors", "Spearman ρ", header_style="bold")
    for r in agreement:
        cells = (r["model_a"], r["model_b"], r["statistic"], str(r["authors"]), _fmt(r["spearman"]))
        table.add_row(*cells)
    console.print(table)


@app.command()
def analyze(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Literature folders (`british_fiction/*.txt`, "
            "`horace_corpus/<form>/<author>/*.txt`), folders of .txt files, or .txt files; "
            "a plain file's author is its folder's name. "
            f"Default: {DEFAULT_DATA}.",
            show_default=False,
        ),
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            "-m",
            help="Scoring model: 'rlnvr-tiny' (bundled), a fetched model's name, a folder "
            "or a hub id. Repeat to "
            "compare models (Spearman ρ of the authors' statistics between them).",
            show_default="rlnvr-tiny",
        ),
    ] = None,
    out: Annotated[Path, typer.Option(help="Output folder (replaced files, not merged).")] = Path(
        "runs/horace_analysis"
    ),
    backend: Annotated[
        str, typer.Option(help="torch (fastest on Linux CPU) or mlx (native on Apple silicon).")
    ] = "torch",
    max_tokens: Annotated[
        int, typer.Option(help="Tokens scored per document, from its start (0: all).")
    ] = 2048,
    window: Annotated[int, typer.Option(help="Tokens per model window.")] = 512,
    min_context: Annotated[
        int, typer.Option(help="Left context of every token in a later window, at least.")
    ] = 128,
    shuffles: Annotated[
        int, typer.Option(help="Unit shuffles averaged in the cohesion delta.")
    ] = 3,
    seed: Annotated[int, typer.Option(help="Seed of the cohesion shuffles.")] = 0,
    threads: Annotated[
        int,
        typer.Option(
            help="PyTorch CPU threads (0: torch's default). On a CPU shared with other jobs, "
            "1 can be several times faster than contended threads."
        ),
    ] = 0,
) -> None:
    """Cadence analysis of a corpus: per-token metrics, per-document statistics, plots.

    Each token gets its surprisal (-ln p, nats), the entropy of the model's prediction, the
    rank of the true token (1 = the model's top choice), the nucleus width (top tokens to
    reach 0.9 of the mass) and whether it sits on a content word. Long documents are scored
    in overlapping windows; every token once, with at least --min-context tokens before it.

    Per document: surprisal mean/std/CV/quantiles, spikes (s >= mean + std) per 100 tokens,
    inter-peak intervals, the entropy drop over the 3 tokens after a spike, autocorrelation
    at lags 1-3, runs above/below the median, what spikes sit on, and the cohesion delta
    (log-likelihood per token of the unit-shuffled text minus the original's: negative when
    the order of lines, paragraphs or sentences helps the model).

    Writes to --out: tokens.jsonl (one row per token), documents.csv and documents.md (one
    row per document and model), `plots/series_*.png` (surprisal with spikes marked),
    authors.png (cohesion delta and spike rate per author) and, with several --model,
    agreement.csv (Spearman ρ of the authors' mean statistics between each pair of models).
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from rlnvr_horace.cadence import FEATURE_NAMES
    from rlnvr_horace.cadence_plots import plot_authors
    from rlnvr_horace.token_metrics import ScoringConfig, load_scorer

    if threads > 0 and backend == "torch":
        import torch

        torch.set_num_threads(threads)
    models = model or ["rlnvr-tiny"]
    docs = find_documents(paths or [DEFAULT_DATA])
    try:
        cfg = ScoringConfig(window=window, min_context=min_context)
        scorers = {name: (*load_scorer(name, backend), backend, cfg) for name in models}
    except ValueError as err:
        raise typer.BadParameter(str(err)) from err
    out.mkdir(parents=True, exist_ok=True)
    (out / "tokens.jsonl").unlink(missing_ok=True)
    settings = {"max_tokens": max_tokens or None, "shuffles": shuffles, "seed": seed}
    rows = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("scoring", total=len(docs) * len(models))
        for name, scorer in scorers.items():
            for doc in docs:
                bar.update(task, description=f"{name}: {doc.author}, {doc.title[:24]}")
                rows.append(analyze_document(doc, name, scorer, settings, out))
                bar.advance(task)
    write_tables(rows, out)
    plot_authors(rows, out / "authors.png", models)
    _print_documents(rows, models)
    if len(models) > 1:
        agreement = model_agreement(rows, models, [*FEATURE_NAMES, "cohesion_delta"])
        with (out / "agreement.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(agreement[0]))
            writer.writeheader()
            writer.writerows(agreement)
        _print_agreement([r for r in agreement if r["statistic"] in (*SUMMARY, "cohesion_delta")])
    console.print(f"{len(docs)} documents x {len(models)} model(s) -> {out}")


def _register_style_commands() -> None:
    """`rlnvr horace signatures` and `classify` live in cli_style (another module)."""
    from rlnvr_horace.cli_style import classify, signatures

    app.command()(signatures)
    app.command()(classify)


_register_style_commands()
