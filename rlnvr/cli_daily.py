"""`rlnvr daily` and `rlnvr backtest`: training on rewards that arrive a day late.

For any taskset that implements :class:`rlnvr.trainers.protocols.DelayedResolution` (Varro:
forecasts resolved by the next day's headlines), over the days its store holds.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()
PASSTHROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}
DESCRIPTION = (
    "Load a TOML config with `@ file.toml` (e.g. configs/varro_daily.toml), then override any "
    "field: --trainer.group-size 8 --sampling.max-tokens 128 --daily.tasks-per-day 2 "
    "--env.taskset.store DIR. Rerunning with the same --output resumes at the first "
    "unfinished day."
)


def _loop_config(args: list[str], prog: str):
    from pydantic_config import cli

    from rlnvr.trainers.daily_loop import DailyLoopConfig

    return cli(DailyLoopConfig, args=args, prog=prog, description=DESCRIPTION)


def _columns(loop, days: list[date]) -> list[str]:
    """Reward, then each reward component and metric, from one task's score of a blank reply."""
    from rlnvr.trainers.traces import score

    for day in days:
        if tasks := loop.day_tasks(day):
            result = score(tasks[0], "")
            return ["reward", *result.rewards, *result.metrics]
    return ["reward"]


def _print_header(title: str, columns: list[str]) -> None:
    """The per-day table is markdown, one row printed as each day finishes (pasteable)."""
    console.print(title, markup=False, soft_wrap=True)
    header = "| day | made | resolved | " + " | ".join(columns) + " | log ratio |"
    console.print(header, markup=False, soft_wrap=True)
    console.print("|---" * (len(columns) + 4) + "|", markup=False, soft_wrap=True)


def _row_printer(columns: list[str]):
    def print_row(result) -> None:
        row = result.row
        cells = [f"{row[c]:.3f}" if c in row else "-" for c in columns]
        ratio = f"{row['log_ratio']:+.4f}" if "log_ratio" in row else "-"
        resolved = result.resolved_day or "-"
        line = f"| {result.day} | {result.forecasts} | {resolved} | {' | '.join(cells)} | {ratio} |"
        console.print(line, markup=False, soft_wrap=True)

    return print_row


def _eval_line(name: str, result: dict) -> str:
    if not result.get("n_tasks"):
        return f"{name}: no held-out days"
    parts = [
        f"{k.split('/', 1)[1]} {v:.3f}"
        for k, v in result.items()
        if k.startswith(("reward/", "metric/")) and not k.endswith("_ci95")
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


def backtest(
    ctx: typer.Context,
    start: Annotated[str, typer.Option("--from", help="First day to replay (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Last day to replay (YYYY-MM-DD).")],
    eval_days: Annotated[
        int, typer.Option(help="Days after --to scored before and after training (held out).")
    ] = 5,
) -> None:
    """Replay stored days as if live: roll out each day, learn from the days before.

    The taskset's store must hold the days (Varro: `rlnvr varro ingest --archive
    data/samples/headlines --store DIR`, then --env.taskset.store DIR); each day only sees
    what is stored up to itself. Prints a per-day table (the day's completions made, earlier
    ones resolved, their reward components) and held-out reward before and after on the
    days that follow --to.
    """
    from rlnvr.trainers import checkpoint
    from rlnvr.trainers.daily_loop import DailyLoop, days_between
    from rlnvr.trainers.jsonl_log import read_rows

    cfg = _loop_config(ctx.args, "rlnvr backtest")
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    loop = DailyLoop(cfg)
    days = days_between(loop.taskset, first, last)
    if not days:
        raise typer.BadParameter(f"the taskset's store holds no days between {start} and {end}")
    held_out, eval_tasks = [], []
    for day in days_between(loop.taskset, last + timedelta(days=1), None):
        if len(held_out) == eval_days:
            break
        if tasks := loop.heldout_tasks(day):
            held_out.append(day)
            eval_tasks += tasks
    evals_path = Path(cfg.output) / "eval.jsonl"
    evals = read_rows(evals_path)
    if not evals and checkpoint.latest(Path(cfg.output)) is None:  # the untrained policy
        _log(evals_path, {"when": "before", **loop.evaluate(eval_tasks)}, evals)
    columns = _columns(loop, days)
    _print_header(f"backtest {start} .. {end}, {cfg.model.path} -> {cfg.output}", columns)
    loop.run(days, on_day=_row_printer(columns))
    _log(
        evals_path, {"when": "after", "step": loop.trainer.step, **loop.evaluate(eval_tasks)}, evals
    )
    console.print(f"held-out days: {', '.join(d.isoformat() for d in held_out) or 'none'}")
    for row in [r for r in evals if r["when"] == "before"] + evals[-1:]:
        console.print(_eval_line(row["when"], row), markup=False, soft_wrap=True)


def daily(
    ctx: typer.Context,
    day: Annotated[
        str | None, typer.Option(help="The day to run (YYYY-MM-DD; default: today, UTC).")
    ] = None,
) -> None:
    """Today's step of the live loop: roll out, resolve earlier days, update, checkpoint.

    Run it once a day after filling the taskset's store (cron; Varro: `rlnvr varro ingest
    --store DIR && rlnvr daily @ configs/varro_daily.toml`). Completions wait in
    RUN/forecasts/ until their truth arrives; a day already done is skipped, a killed run
    resumes where it stopped.
    """
    from rlnvr.trainers.daily_loop import DailyLoop

    cfg = _loop_config(ctx.args, "rlnvr daily")
    when = date.fromisoformat(day) if day else datetime.now(UTC).date()
    loop = DailyLoop(cfg)
    columns = _columns(loop, [when])
    _print_header(f"daily {when}, {cfg.model.path} -> {cfg.output}", columns)
    loop.run([when], on_day=_row_printer(columns))


def register(app: typer.Typer) -> None:
    app.command(context_settings=PASSTHROUGH)(backtest)
    app.command(context_settings=PASSTHROUGH)(daily)
