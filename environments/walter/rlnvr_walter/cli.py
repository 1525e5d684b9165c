"""`rlnvr walter ...`: Walter's own commands (the package registers them with rlnvr's CLI).

Needs the ``cli`` extra (typer, atproto, pyarrow via datasets). A store these commands fill
becomes tasks with ``[env.taskset] store = ...``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()
app = typer.Typer(help="Walter: Bluesky posts rewarded by real engagement.", no_args_is_help=True)


@app.command()
def ingest(
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
    from rlnvr_walter.post_store import update_store

    posts, summary = update_store(store, paths)
    console.print(summary.table(), markup=False)
    linked = {p.url for p in posts if p.url}
    console.print(f"{store}: {len(posts):,} posts, {len(linked):,} distinct linked URLs")


@app.command()
def collect(
    url: Annotated[
        list[str] | None,
        typer.Option(help="An article URL: collect the posts linking to it; repeatable."),
    ] = None,
    author: Annotated[
        list[str] | None,
        typer.Option(
            help="A handle or DID: collect the author's own posts (their engagement baseline); "
            "repeatable.",
        ),
    ] = None,
    store: Annotated[Path, typer.Option(help="Post store (JSONL) to create or update.")] = Path(
        "data/posts.jsonl"
    ),
    raw: Annotated[
        Path | None,
        typer.Option(
            help="Folder for each run's raw API pages (default: bluesky_live/ beside the store)."
        ),
    ] = None,
    base_url: Annotated[
        str, typer.Option(help="The account's server (its PDS, or a local replay server).")
    ] = "https://bsky.social",
    max_pages: Annotated[int, typer.Option(help="Most pages (of up to 100 posts) per query.")] = 10,
    attempts: Annotated[int, typer.Option(help="Tries per page before giving a query up.")] = 4,
    backoff: Annotated[
        float, typer.Option(help="Seconds to wait after a first server error; doubles each retry.")
    ] = 2.0,
    max_wait: Annotated[
        float, typer.Option(help="Longest wait, in seconds, for a rate limit to reset.")
    ] = 120.0,
) -> None:
    """Collect posts live from Bluesky into the post store (needs an account).

    Log in with the handle and app password in BSKY_HANDLE and BSKY_APP_PASSWORD (never
    printed). A rate limit waits for the server's reset time and a server error backs off,
    both bounded; a query that still fails is reported with its reason while the others go
    on, and every page fetched is stored. Exit status 1 if any query failed, 2 if login did.
    """
    import logging

    from rlnvr_walter.live import (
        LoginError,
        Query,
        RetryPolicy,
        collect,
        credentials,
        login,
    )

    queries = [Query("url", u) for u in url or []] + [Query("author", a) for a in author or []]
    if not queries:
        raise typer.BadParameter("give at least one --url or --author")
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    try:
        client = login(*credentials(), base_url=base_url)
    except LoginError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    retry = RetryPolicy(attempts=attempts, backoff_s=backoff, max_wait_s=max_wait)
    report = collect(client, queries, store, raw or store.parent / "bluesky_live", retry, max_pages)
    console.print(report.table(), markup=False)
    if report.snapshot is None:
        console.print(f"nothing collected: {store} unchanged", markup=False)
    else:
        console.print(f"{store}: {report.stored:,} posts", markup=False)
    if report.failed:
        raise typer.Exit(1)
