"""`rlnvr show`: what a base and a trained model write for the same held-out tasks."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

console = Console()
PASSTHROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}
PROMPT_CHARS = 800  # of each task's prompt (its last message), shown above its table


def _components(score, weights: dict[str, float]) -> str:
    """The positively weighted rewards always, the others (penalties) when they fired, then
    the metrics (a word count, a similarity: what the reward saw)."""
    rewards = score.rewards
    shown = [n for n in rewards if weights.get(n, 1.0) > 0 or rewards[n] != 0.0]
    lines = [f"{n} {rewards[n]:.2f}" for n in shown]
    return "\n".join(lines + [f"[{n} {v:.3g}]" for n, v in score.metrics.items()])


def _prompt_text(task) -> str:
    prompt = task.data.prompt
    text = prompt if isinstance(prompt, str) else str(prompt[-1].content if prompt else "")
    return text if len(text) <= PROMPT_CHARS else text[: PROMPT_CHARS - 1] + "…"


def show(
    ctx: typer.Context,
    trained: Annotated[
        str | None,
        typer.Option(help="The trained model's folder (a full fine-tune), e.g. runs/walter/model."),
    ] = None,
    adapters: Annotated[
        str | None,
        typer.Option(help="LoRA adapters trained on top of --model.path, e.g. runs/x/adapters."),
    ] = None,
    tasks: Annotated[int, typer.Option(help="Held-out tasks to show.")] = 5,
    seed: Annotated[int, typer.Option(help="Picks the tasks and seeds sampling.")] = 0,
) -> None:
    """Show what a base and a trained model write for the same held-out tasks.

    Takes the training config (`@ configs/walter.toml`; --model.path is the base model, the
    held-out split is the one `rlnvr train` never trained on, sampling as configured). Each
    reply sits next to its reward components (the rewards, and the penalties that fired) and its
    metrics in brackets; the last table has each model's mean reward over the tasks shown.
    """
    if trained is None and adapters is None:
        raise typer.BadParameter("give the trained model: --trained FOLDER or --adapters FOLDER")
    from pydantic_config import cli
    from rich.table import Table
    from rich.text import Text

    from rlnvr.trainers.compare import compare, pick_tasks
    from rlnvr.trainers.config import TrainConfig
    from rlnvr.trainers.models import load_mlx
    from rlnvr.trainers.tasksets import load_tasks
    from rlnvr.trainers.trainer import split_tasks

    cfg = cli(TrainConfig, args=ctx.args, prog="rlnvr show", description=show.__doc__)
    base = cfg.model.path
    after = trained or base
    sources = {"base": base, "trained": after + (f" + adapters {adapters}" if adapters else "")}
    loaders = {
        "base": lambda: load_mlx(base),
        "trained": lambda: load_mlx(after, adapter_path=adapters),
    }
    _, heldout = split_tasks(load_tasks(cfg.env.taskset), cfg.env.eval)
    picked = pick_tasks(heldout, tasks, seed)
    result = compare(loaders, picked, cfg.sampling, seed=seed)
    weights = {
        name: float(spec.get("weight", 1.0)) if isinstance(spec, dict) else 1.0
        for name, spec in cfg.env.taskset.get("task", {}).get("rewards", {}).items()
    }
    for i, task in enumerate(picked):
        table = Table(show_lines=True, expand=True)
        table.add_column("model", width=max(map(len, result.replies)))
        table.add_column("reply", ratio=1)
        table.add_column("reward", justify="right", width=6)
        table.add_column("components", width=24)
        console.rule(f"{i + 1}. task {task.key}")
        console.print(_prompt_text(task), markup=False, highlight=False, soft_wrap=True)
        for name, replies in result.replies.items():
            reply = replies[i]
            text = Text(reply.text + (" [cut at max tokens]" if reply.truncated else ""))
            components = Text(_components(reply.score, weights))
            table.add_row(name, text, f"{reply.score.reward:+.2f}", components)
        console.print(table)
    summary = Table("model", "source", f"mean reward ({len(picked)} tasks)")
    for name in result.replies:
        summary.add_row(name, Text(sources[name]), f"{result.mean_reward(name):+.3f}")
    console.print(summary)


def register(app: typer.Typer) -> None:
    app.command(context_settings=PASSTHROUGH)(show)
