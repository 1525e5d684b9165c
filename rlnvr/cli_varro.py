"""`rlnvr varro daily` and `rlnvr varro backtest`: training on rewards that arrive a day late."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from rlnvr.cli_data import default_feeds, varro

console = Console()
PASSTHROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}
COLUMNS = ("reward", "semantic", "structure", "zeros", "leak", "words", "quality")
DESCRIPTION = (
    "Load a TOML config with `@ file.toml` (e.g. configs/varro_daily.toml), then override any "
    "field: --trainer.group-size 8 --sampling.max-tokens 128 --daily.tasks-per-day 2. "
    "Rerunning with the same --output resumes at the first unfinished day."
)


def _loop_config(args: list[str], prog: str):
    from pydantic_config import cli

    from rlnvr.trainers.daily_loop import DailyLoopConfig

    return cli(DailyLoopConfig, args=args, prog=prog, description=DESCRIPTION)


def _print_header(title: str) -> None:
    """The per-day table is markdown, one row printed as each day finishes (pasteable)."""
    console.print(title, markup=False, soft_wrap=True)
    header = "| day | made | resolved | " + " | ".join(COLUMNS) + " | log ratio |"
    console.print(header, markup=False, soft_wrap=True)
    console.print("|---" * (len(COLUMNS) + 4) + "|", markup=False, soft_wrap=True)


def _print_row(result) -> None:
    row = result.row
    cells = [f"{row[c]:.3f}" if c in row else "-" for c in COLUMNS]
    ratio = f"{row['log_ratio']:+.4f}" if "log_ratio" in row else "-"
    resolved = result.resolved_day or "-"
    line = f"| {result.day} | {result.forecasts} | {resolved} | {' | '.join(cells)} | {ratio} |"
    console.print(line, markup=False, soft_wrap=True)


def _eval_line(name: str, result: dict) -> str:
    if not result.get("n_tasks"):
        return f"{name}: no held-out days"
    parts = [
        f"{c} {result[k]:.3f}"
        for c in COLUMNS
        for k in (f"reward/{c}", f"metric/{c}")
        if k in result
    ]
    return (
        f"{name}: reward {result['reward']:.3f} ± {result['reward_ci95']:.3f} "
        f"({result['n_tasks']} tasks); " + ", ".join(parts)
    )


def _log(path: Path, row: dict, rows: list[dict]) -> None:
    from rlnvr.trainers.jsonl_log import JsonlLog

    log = JsonlLog(path)
    log.write(row)
    log.close()
    rows.append(row)


@varro.command(context_settings=PASSTHROUGH)
def backtest(
    ctx: typer.Context,
    start: Annotated[str, typer.Option("--from", help="First day to replay (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last day to replay (YYYY-MM-DD).")],
    archive: Annotated[
        Path,
        typer.Option(help="Archived headlines to replay (varro_daily/ and foresight_forge_raw/)."),
    ] = Path("data/samples/headlines"),
    eval_days: Annotated[
        int, typer.Option(help="Days after --to scored before and after training (held out).")
    ] = 5,
) -> None:
    """Replay archived days as if live: forecast each day, learn from the day before.

    The archive is imported into RUN/store once; each day only sees headlines up to itself.
    Prints a per-day table (the day's forecasts made, yesterday's resolved, their reward
    components) and held-out reward before and after on the days that follow --to.
    """
    from rlnvr.data_pipelines.headline_archives import archive_files, import_archives
    from rlnvr.data_pipelines.headline_store import HeadlineStore
    from rlnvr.trainers import checkpoint
    from rlnvr.trainers.daily_loop import DailyLoop, store_days
    from rlnvr.trainers.jsonl_log import read_rows

    cfg = _loop_config(ctx.args, "rlnvr varro backtest")
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    cfg.daily.store = str(Path(cfg.output) / "store")
    store = HeadlineStore(cfg.daily.store)
    files = archive_files(archive) if archive.is_dir() else [archive]
    console.print(str(import_archives(store, files)).splitlines()[0], markup=False, soft_wrap=True)
    days = store_days(store, first, last)
    if not days:
        raise typer.BadParameter(f"no archived headlines between {start} and {end}")
    loop = DailyLoop(cfg)
    held_out, eval_tasks = [], []
    for day in store_days(store, last + timedelta(days=1), None):
        if len(held_out) == eval_days:
            break
        if tasks := loop.heldout_tasks(day):
            held_out.append(day)
            eval_tasks += tasks
    evals_path = Path(cfg.output) / "eval.jsonl"
    evals = read_rows(evals_path)
    if not evals and checkpoint.latest(Path(cfg.output)) is None:  # the untrained policy
        _log(evals_path, {"when": "before", **loop.evaluate(eval_tasks)}, evals)
    _print_header(f"Varro backtest {start} .. {end}, {cfg.model.path} -> {cfg.output}")
    loop.run(days, on_day=_print_row)
    _log(
        evals_path, {"when": "after", "step": loop.trainer.step, **loop.evaluate(eval_tasks)}, evals
    )
    console.print(f"held-out days: {', '.join(d.isoformat() for d in held_out) or 'none'}")
    for row in [r for r in evals if r["when"] == "before"] + evals[-1:]:
        console.print(_eval_line(row["when"], row), markup=False, soft_wrap=True)


@varro.command(context_settings=PASSTHROUGH)
def daily(
    ctx: typer.Context,
    day: Annotated[
        str | None, typer.Option(help="The day to run (YYYY-MM-DD; default: today, UTC).")
    ] = None,
    feeds: Annotated[
        Path | None, typer.Option(help="Feed list to ingest first (default: the curated one).")
    ] = None,
    ingest: Annotated[bool, typer.Option(help="Fetch the feeds before forecasting.")] = True,
) -> None:
    """Today's step of the live loop: ingest, forecast, resolve yesterday, update, checkpoint.

    Run it once a day (cron). Forecasts wait in RUN/forecasts/ until the next day's
    headlines arrive; a day already done is skipped, a killed run resumes where it stopped.
    """
    from rlnvr.data_pipelines.headline_store import HeadlineStore
    from rlnvr.data_pipelines.rss import ingest_feeds, load_feed_list
    from rlnvr.trainers.daily_loop import DailyLoop

    cfg = _loop_config(ctx.args, "rlnvr varro daily")
    when = date.fromisoformat(day) if day else datetime.now(UTC).date()
    if ingest:
        report = ingest_feeds(
            HeadlineStore(cfg.daily.store), load_feed_list(feeds or default_feeds())
        )
        console.print(str(report), markup=False, soft_wrap=True)
    _print_header(f"Varro daily {when}, {cfg.model.path} -> {cfg.output}")
    DailyLoop(cfg).run([when], on_day=_print_row)
