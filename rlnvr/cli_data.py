"""`rlnvr varro ...` and `rlnvr walter ...`: the environments' data commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()
varro = typer.Typer(
    help="Varro: next-day news forecasting from RSS headlines.", no_args_is_help=True
)
walter = typer.Typer(
    help="Walter: Bluesky posts rewarded by real engagement.", no_args_is_help=True
)


def default_feeds() -> Path:
    import rlnvr

    return Path(rlnvr.__file__).resolve().parent / "assets" / "feeds.yaml"


@varro.command("ingest")
def varro_ingest(
    store: Annotated[
        Path, typer.Option(help="Headline store folder (one JSON file per UTC day).")
    ] = Path("data/headlines"),
    feeds: Annotated[
        Path | None,
        typer.Option(
            help="YAML list of RSS/Atom feed URLs (default: the curated list shipped with rlnvr).",
        ),
    ] = None,
    archive: Annotated[
        list[Path] | None,
        typer.Option(
            help="Import archived headline files or folders instead of fetching feeds "
            "(varro_daily/*.json or foresight_forge_raw/*.json); repeatable.",
        ),
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds per feed request.")] = 20.0,
    max_mb: Annotated[float, typer.Option(help="Largest feed body accepted, in MB.")] = 10.0,
) -> None:
    """Fetch feeds (or import archives) into the per-day headline store.

    Idempotent: running it twice adds nothing. Atomic: a day file is replaced only by a
    complete new version. A feed that fails is reported with its reason; the others go on.
    """
    from rlnvr.data_pipelines.headline_archives import archive_files, import_archives
    from rlnvr.data_pipelines.headline_store import HeadlineStore
    from rlnvr.data_pipelines.rss import ingest_feeds, load_feed_list

    target = HeadlineStore(store)
    if archive:
        files = [f for path in archive for f in (archive_files(path) if path.is_dir() else [path])]
        console.print(str(import_archives(target, files)), markup=False)
        return
    feed_list = load_feed_list(feeds or default_feeds())
    report = ingest_feeds(target, feed_list, timeout=timeout, max_bytes=int(max_mb * 2**20))
    console.print(str(report), markup=False)


@walter.command("ingest")
def walter_ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Post files or folders: SDK dumps or API JSON, JSONL, Parquet.",
        ),
    ],
    store: Annotated[Path, typer.Option(help="Post store (JSONL) to create or update.")] = Path(
        "data/posts.jsonl"
    ),
) -> None:
    """Read posts in any shape into the post store, deduplicated by uri (latest counts win).

    Bad records are skipped and counted by reason; the summary says how many and why.
    """
    from rlnvr.data_pipelines.post_store import update_store

    posts, summary = update_store(store, paths)
    console.print(summary.table(), markup=False)
    linked = {p.url for p in posts if p.url}
    console.print(f"{store}: {len(posts):,} posts, {len(linked):,} distinct linked URLs")
