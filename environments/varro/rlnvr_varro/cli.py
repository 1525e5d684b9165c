"""`rlnvr varro ...`: Varro's own commands (the package registers them with rlnvr's CLI).

Needs the ``cli`` extra (typer, feedparser, pyyaml). ``rlnvr daily`` and ``rlnvr backtest``
(the trainer's daily loop) read the headline store these commands fill.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()
app = typer.Typer(help="Varro: next-day news forecasting from RSS headlines.", no_args_is_help=True)


def default_feeds() -> Path:
    """The curated feed list shipped with the package."""
    return Path(__file__).resolve().parent / "feeds.yaml"


@app.command()
def ingest(
    store: Annotated[
        Path, typer.Option(help="Headline store folder (one JSON file per UTC day).")
    ] = Path("data/headlines"),
    feeds: Annotated[
        Path | None,
        typer.Option(
            help="YAML list of RSS/Atom feed URLs (default: the curated list in this package).",
        ),
    ] = None,
    archive: Annotated[
        list[Path] | None,
        typer.Option(
            help="Import archived headline files or folders instead of fetching feeds "
            "(`varro_daily/*.json` or `foresight_forge_raw/*.json`); repeatable.",
        ),
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds per feed request.")] = 20.0,
    max_mb: Annotated[float, typer.Option(help="Largest feed body accepted, in MB.")] = 10.0,
) -> None:
    """Fetch feeds (or import archives) into the per-day headline store.

    Idempotent: running it twice adds nothing. Atomic: a day file is replaced only by a
    complete new version. A feed that fails is reported with its reason; the others go on.
    """
    from rlnvr_varro.archives import archive_files, import_archives
    from rlnvr_varro.headline_store import HeadlineStore
    from rlnvr_varro.rss import ingest_feeds, load_feed_list

    target = HeadlineStore(store)
    if archive:
        files = [f for path in archive for f in (archive_files(path) if path.is_dir() else [path])]
        console.print(str(import_archives(target, files)), markup=False)
        return
    feed_list = load_feed_list(feeds or default_feeds())
    report = ingest_feeds(target, feed_list, timeout=timeout, max_bytes=int(max_mb * 2**20))
    console.print(str(report), markup=False)
