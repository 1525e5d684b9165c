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


@walter.command("collect")
def walter_collect(
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

    from rlnvr.data_pipelines.bluesky_live import (
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


def _components(rewards: dict[str, float], main: str) -> str:
    """The main reward always, the other components (Walter's penalties) when they fired."""
    shown = [main] + [n for n in rewards if n != main and rewards[n] != 0.0]
    return "\n".join(f"{n} {rewards.get(n, 0.0):.2f}" for n in shown)


@walter.command("show")
def walter_show(
    model: Annotated[
        str, typer.Option("--model", "-m", help="The base model: 'rlnvr-tiny', a folder or hub id.")
    ] = "rlnvr-tiny",
    trained: Annotated[
        str | None,
        typer.Option(help="The trained model's folder (a full fine-tune), e.g. runs/walter/model."),
    ] = None,
    adapters: Annotated[
        str | None,
        typer.Option(help="LoRA adapters trained on top of --model, e.g. runs/walter/adapters."),
    ] = None,
    urls: Annotated[int, typer.Option(help="Held-out URLs to show.")] = 5,
    seed: Annotated[int, typer.Option(help="Picks the URLs and seeds sampling.")] = 0,
    temperature: Annotated[float, typer.Option(help="Sampling temperature (0: greedy).")] = 0.7,
    max_tokens: Annotated[int, typer.Option(help="Most tokens per post.")] = 96,
    heldout_percent: Annotated[
        float, typer.Option(help="Held-out share of URLs, as in `rlnvr train` (same split).")
    ] = 20.0,
) -> None:
    """Show what a base and a trained model write for the same held-out URLs.

    Each post sits next to its reward components (engagement, and the penalties that fired);
    the last table has each model's mean reward over the URLs shown.
    """
    if trained is None and adapters is None:
        raise typer.BadParameter("give the trained model: --trained FOLDER or --adapters FOLDER")
    from rich.table import Table
    from rich.text import Text

    from rlnvr.trainers.compare import compare, pick_tasks
    from rlnvr.trainers.config import EvalConfig
    from rlnvr.trainers.models import load_mlx
    from rlnvr.trainers.rollout import SamplingConfig
    from rlnvr.trainers.tasksets import load_tasks
    from rlnvr.trainers.trainer import split_tasks

    after = trained or model
    sources = {
        "base": model,
        "trained": after + (f" + adapters {adapters}" if adapters else ""),
    }
    loaders = {
        "base": lambda: load_mlx(model),
        "trained": lambda: load_mlx(after, adapter_path=adapters),
    }
    split = EvalConfig(heldout_percent=heldout_percent, max_tasks=10**9)
    _, heldout = split_tasks(load_tasks({"id": "rlnvr-walter"}), split)
    tasks = pick_tasks(heldout, urls, seed)
    sampling = SamplingConfig(temperature=temperature, max_tokens=max_tokens)
    result = compare(loaders, tasks, sampling, seed=seed)
    for i, task in enumerate(tasks):
        table = Table(show_lines=True, expand=True)
        table.add_column("model", width=max(map(len, result.replies)))
        table.add_column("post", ratio=1)
        table.add_column("reward", justify="right", width=6)
        table.add_column("components", width=24)
        table.title = Text(f"{i + 1}. {task.data.title}", style="bold")
        table.caption = Text(task.data.url)
        for name, replies in result.replies.items():
            reply = replies[i]
            post = Text(reply.text + (" [cut at max tokens]" if reply.truncated else ""))
            components = Text(_components(reply.score.rewards, main="engagement"))
            table.add_row(name, post, f"{reply.score.reward:+.2f}", components)
        console.print(table)
    summary = Table("model", "source", f"mean reward ({len(tasks)} URLs)", "mean engagement")
    for name in result.replies:
        summary.add_row(
            name,
            Text(sources[name]),
            f"{result.mean_reward(name):+.3f}",
            f"{result.mean_component(name, 'engagement'):.3f}",
        )
    console.print(summary)
