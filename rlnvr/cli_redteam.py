"""`rlnvr redteam`: search for text that outscores a taskset's honest completions."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from rich.console import Console

console = Console()
PASSTHROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}
HELP = (
    "Attack a taskset's reward before training on it. Load the training config with "
    "`@ file.toml` (its [env.taskset]) or name a taskset with --taskset ID; the taskset must "
    "implement rlnvr.trainers.protocols.HonestCompletions. Four families search for text that "
    "beats the honest completion by more than 0.05: templates (one text fitted on the "
    "training split), perturb (references and the best packaged texts perturbed: word "
    "substitution, reordering, truncation, padding, invisible characters, splicing), "
    "cross_task (other tasks' honest texts) and hill_climb (black-box edits with the reward "
    "as objective). A fifth row, random_edits, is a diagnostic, not an attack: the best of "
    "the same number of random single edits of the honest text, the reward's noise around "
    "honest writing (hill-climb wins it matches are that noise), with the share of those "
    "edits that beat the honest text under the table (a search of C calls no better than "
    "blind edits still wins with chance 1 - (1 - share)^C). On a "
    "dated taskset (Varro's days) attacks choose their text by the earlier tasks' reward, "
    "never by the task's own outcome. Prints family, mean reward, "
    "honest mean, wins/N and the component that let the winners through; writes "
    "winners.jsonl, table.md and summary.json to --out; exits 1 when an attack family wins "
    "on more than 10% of tasks. Budget: --calls reward calls per task, per family, per seed "
    "(full search: 300, seeds 0 1 2); --fast: 16 calls, seed 0, 10 tasks."
)


def _config(args: list[str]):
    from pydantic import ConfigDict
    from pydantic_config import BaseConfig, cli

    from rlnvr.trainers.config import EnvSection
    from rlnvr.trainers.redteam import FAMILIES, FULL

    class RedteamConfig(BaseConfig):
        # a training config's other sections ([model], [trainer], ...) are the trainer's
        model_config = ConfigDict(extra="ignore")

        env: EnvSection = EnvSection()
        calls: int = FULL.calls
        """Reward calls per evaluated task, per family, per seed."""
        seeds: list[int] = list(FULL.seeds)
        """Independent restarts of every search."""
        families: list[str] = list(FAMILIES)
        """Families to run."""
        max_tasks: int | None = None
        """Evaluate at most this many tasks with honest completions."""
        fit_tasks: int = FULL.fit_tasks
        """Training tasks a template is fitted on."""
        fast: bool = False
        """The test suite's budget (16 calls, seed 0, 10 tasks, 4 fit tasks); explicit
        --calls/--seeds/--max-tasks/--fit-tasks still win."""
        taskset: str | None = None
        """A taskset id (installed package, hub id or dotted module) instead of the config's."""
        out: str | None = None
        """Output folder (default runs/redteam/TASKSET)."""

    return cli(RedteamConfig, args=args, prog="rlnvr redteam", description=HELP)


def _budget(cfg):
    """--fast or the full budget, with the options given on the command line on top."""
    from dataclasses import replace

    from rlnvr.trainers.redteam import FAST, FULL

    given = {"calls", "seeds", "max_tasks", "fit_tasks"} & cfg.model_fields_set
    explicit = {k: tuple(v) if k == "seeds" else v for k, v in cfg if k in given}
    return replace(FAST if cfg.fast else FULL, **explicit)


def redteam(ctx: typer.Context) -> None:
    """Search for text that outscores the taskset's honest completions (see --help)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from rlnvr.trainers.redteam import markdown, redteam_async, write
    from rlnvr.trainers.tasksets import load_taskset

    cfg = _config(ctx.args)
    table = {"id": cfg.taskset} if cfg.taskset else cfg.env.taskset
    budget = _budget(cfg)
    taskset = load_taskset(table)
    name = str(table["id"]).rsplit(".", 1)[-1].rsplit("/", 1)[-1]
    folder = Path(cfg.out or Path("runs/redteam") / name)
    columns = (
        TextColumn("redteam"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} reward calls"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        job = bar.add_task("redteam", total=None)
        search = redteam_async(
            taskset,
            budget,
            families=cfg.families,
            heldout_percent=cfg.env.eval.heldout_percent,
            progress=lambda done, planned: bar.update(job, completed=done, total=planned),
        )
        try:  # no honest completions, an unknown family, nothing to fit a template on
            report = asyncio.run(search)
        except ValueError as err:
            raise typer.BadParameter(str(err)) from err
    winners = write(report, folder)
    console.print(markdown(report), markup=False, soft_wrap=True)
    console.print(
        f"{table['id']}: {report.families[0].n} tasks, {budget.calls} calls per task per "
        f"family per seed, seeds {' '.join(map(str, budget.seeds))}; {report.calls} reward "
        f"calls in {report.seconds:.1f} s"
    )
    console.print(f"winning texts: {winners} ({sum(f.wins for f in report.families)})")
    failing = [f.family for f in report.families if f.failed]
    if failing:
        console.print(f"[red]beats honest on more than 10% of tasks: {', '.join(failing)}[/red]")
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command(context_settings=PASSTHROUGH, add_help_option=False)(redteam)
