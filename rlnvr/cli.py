"""The `rlnvr` command line. Each subcommand's --help is its documentation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

import rlnvr  # noqa: F401  (loads the fast BLAS before anything imports mlx)
from rlnvr import cli_controls, cli_daily, cli_models, cli_redteam, cli_sample, cli_show
from rlnvr.registry import installed

app = typer.Typer(
    help="rlnvr: reinforcement learning from non-verified rewards.\n\n"
    "A local MLX trainer for small language models on any verifiers taskset; each installed "
    "environment package adds its own commands below.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",  # docstrings reflow to the terminal's width
)
console = Console()

ModelOpt = Annotated[
    str,
    typer.Option(
        "--model",
        "-m",
        help="'rlnvr-tiny' (bundled, offline), 'smollm2-135m' (after `rlnvr models fetch "
        "smollm2-135m`), a local model folder, or a Hugging Face hub id such as "
        "Qwen/Qwen3-0.6B (needs internet the first time).",
    ),
]


@app.command()
def generate(
    prompt: Annotated[str, typer.Argument(help="What to ask the model.")] = (
        "Write a Bluesky post about this article.\nTitle: Scientists map the ocean floor"
    ),
    model: ModelOpt = "rlnvr-tiny",
    max_tokens: Annotated[int, typer.Option(help="Most tokens to generate.")] = 96,
    temperature: Annotated[float, typer.Option("--temp", help="Sampling temperature.")] = 0.8,
    top_p: Annotated[float, typer.Option(help="Nucleus sampling threshold.")] = 0.95,
    chat: Annotated[bool, typer.Option(help="Wrap the prompt in the chat template.")] = True,
    seed: Annotated[int, typer.Option(help="Sampling seed.")] = 0,
) -> None:
    """Generate a reply from a model and report its speed in tokens/s."""
    from rlnvr.trainers.generation import generate as run
    from rlnvr.trainers.models import load_mlx

    net, tokenizer = load_mlx(model)
    out = run(
        net,
        tokenizer,
        prompt,
        chat=chat,
        max_tokens=max_tokens,
        temperature=temperature,
        top_p=top_p,
        seed=seed,
    )
    console.print(f"[bold]prompt[/bold]\n{prompt}\n[bold]reply[/bold]")
    console.print(out.text, markup=False)
    console.print(
        f"[dim]{out.generation_tokens} tokens at {out.tokens_per_second:.1f} tokens/s "
        f"(prompt {out.prompt_tokens} tokens, finish: {out.finish_reason})[/dim]"
    )


@app.command()
def doctor() -> None:
    """Print the backend, BLAS in use, MLX device, where models and data come from, and fixes."""
    from rlnvr.doctor import run_checks

    checks = run_checks()
    table = Table(show_header=True, header_style="bold")
    table.add_column("check")
    table.add_column("value", overflow="fold")
    for check in checks:
        table.add_row(check.name, check.value)
    console.print(table)
    fixes = [c for c in checks if c.fix]
    if not fixes:
        console.print("[green]Nothing to fix.[/green]")
    for check in fixes:
        console.print(f"[yellow]fix[/yellow] {check.name}: {check.fix}")


@app.command()
def pretrain(
    data: Annotated[
        Path,
        typer.Option(
            help="Data folder laid out like data/samples (literature/, headlines/, bluesky/).",
        ),
    ] = Path("data/samples"),
    out: Annotated[Path, typer.Option(help="Output model folder.")] = Path("runs/pretrain"),
    seed: Annotated[int, typer.Option(help="Seed for initialisation and data order.")] = 0,
    steps: Annotated[int, typer.Option(help="Optimizer steps.")] = 1800,
    batch_size: Annotated[int, typer.Option(help="Sequences per step.")] = 16,
    seq_len: Annotated[int, typer.Option(help="Tokens per sequence.")] = 256,
    learning_rate: Annotated[float, typer.Option(help="Peak AdamW learning rate.")] = 3e-3,
    vocab_size: Annotated[int, typer.Option(help="BPE vocabulary size.")] = 8192,
    num_layers: Annotated[int, typer.Option(help="Transformer layers.")] = 4,
    hidden_size: Annotated[int, typer.Option(help="Model width.")] = 256,
) -> None:
    """Pretrain a tiny Qwen3-architecture model from scratch with MLX (how rlnvr-tiny was made).

    Rerunning the same command resumes from the last checkpoint in OUT/.work. The bundled model
    was made with --data pointing at the full data set (command and numbers: its model card).
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from rlnvr.trainers.model_card import write_model_card
    from rlnvr.trainers.pretrain import PretrainConfig
    from rlnvr.trainers.pretrain import pretrain as run

    cfg = PretrainConfig(
        data_dir=str(data),
        out=str(out),
        seed=seed,
        steps=steps,
        batch_size=batch_size,
        seq_len=seq_len,
        learning_rate=learning_rate,
        vocab_size=vocab_size,
        num_layers=num_layers,
        hidden_size=hidden_size,
    )
    columns = (
        TextColumn("pretrain"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("loss {task.fields[loss]:.3f}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("pretrain", total=steps, loss=float("nan"))
        stats = run(cfg, progress=lambda s, n, row: bar.update(task, completed=s, loss=row["loss"]))
    write_model_card(out, command=_command_line())
    console.print_json(json.dumps(stats))


PASSTHROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}


def _train_config(args: list[str], prog: str, description: str):
    from pydantic_config import cli

    from rlnvr.trainers.config import TrainConfig

    return cli(TrainConfig, args=args, prog=prog, description=description)


def _ci(row: dict, name: str = "reward") -> str:
    return f"{row[name]:.3f} ± {row.get(name + '_ci95', float('nan')):.3f}"


BACKENDS = ("mlx", "trl")
TRAIN_HELP = (
    "Train with GSPO and a UED curriculum. Load a TOML config with `@ file.toml`, then "
    "override any field, e.g. `--trainer.steps 40 --sampling.temperature 0.9`. Rerunning "
    "with the same --output resumes from the last checkpoint.\n\n"
    "--backend mlx (default): the local MLX trainer, for one machine (Apple silicon, or "
    "Linux CPU). --backend trl: the same tasksets, rewards and curriculum through TRL's "
    "GRPOTrainer (PyTorch, GSPO as importance_sampling_level='sequence'), for GPUs and "
    "runs that outgrow one machine; needs the [trl] extra. Several GPUs: `accelerate launch "
    "--num_processes N -m rlnvr.cli train --backend trl @ file.toml` (docs/scale_out.md)."
)


@app.command(context_settings=PASSTHROUGH, add_help_option=False)
def train(
    ctx: typer.Context,
    backend: Annotated[
        str, typer.Option(help="mlx: the local MLX trainer; trl: TRL on PyTorch, multi-GPU.")
    ] = "mlx",
) -> None:
    """Train a model on a verifiers taskset: GSPO, curriculum, checkpoints (see --help)."""
    from rlnvr.trainers.plots import plot_run

    if backend not in BACKENDS:
        raise typer.BadParameter(f"--backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    cfg = _train_config(ctx.args, "rlnvr train [--backend mlx|trl]", TRAIN_HELP)
    result = _train_trl(cfg) if backend == "trl" else _train_mlx(cfg)
    if result is None:  # a non-main process of a multi-process TRL run
        return
    for path in plot_run(cfg.output):
        console.print(f"plot: {path}")
    if result:
        console.print(
            f"held-out reward: before {_ci(result['before'])} -> "
            f"after {_ci(result['after'])} ({result['after']['n_tasks']} tasks)"
        )


def _train_trl(cfg) -> dict | None:
    from accelerate import PartialState

    from rlnvr.trainers.trl_backend import train as run

    result = run(cfg, announce=console.print)
    return result if PartialState().is_main_process else None


def _train_mlx(cfg) -> dict:
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from rlnvr.trainers.trainer import Trainer

    trainer = Trainer(cfg)
    console.print(
        f"[bold]{cfg.env.taskset['id']}[/bold]: {len(trainer.train_tasks)} training tasks, "
        f"{len(trainer.eval_tasks)} held out; {'LoRA' if trainer.lora else 'full'} fine-tune "
        f"of {cfg.model.path} -> {cfg.output}"
    )
    columns = (
        TextColumn("train"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("reward {task.fields[reward]:.3f}"),
        TextColumn("{task.fields[tps]:.0f} tok/s"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[hack]}"),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(
            "train",
            total=cfg.trainer.steps,
            completed=trainer.step,
            reward=float("nan"),
            tps=0.0,
            hack="",
        )

        def on_step(row: dict) -> None:
            fired = row.get("monitor/warnings")
            bar.update(
                task,
                completed=row["step"],
                reward=row["reward_mean"],
                tps=row["gen_tokens_per_s"],
                hack=f"[bold red]hack? {', '.join(fired)}[/bold red]" if fired else "",
            )

        result = trainer.run(on_step=on_step)
    if trainer.monitor is not None:
        console.print(trainer.monitor.summary(), markup=False)
        console.print(f"monitor: {trainer.run_dir / 'monitor.json'}")
    return result


@app.command("eval", context_settings=PASSTHROUGH, add_help_option=False)
def evaluate(ctx: typer.Context) -> None:
    """Score a model on the held-out tasks of a taskset: every component, with a 95% CI."""
    from rlnvr.trainers.evaluate import evaluate as run
    from rlnvr.trainers.models import load_mlx
    from rlnvr.trainers.tasksets import load_tasks
    from rlnvr.trainers.trainer import split_tasks

    cfg = _train_config(
        ctx.args,
        "rlnvr eval",
        "Evaluate --model.path (with --model.adapters for LoRA) on the held-out split of "
        "--env.taskset, the same split `rlnvr train` never trains on.",
    )
    model, tokenizer = load_mlx(cfg.model.path, adapter_path=cfg.model.adapters)
    _, tasks = split_tasks(load_tasks(cfg.env.taskset), cfg.env.eval)
    result = run(
        model, tokenizer, tasks, cfg.env.eval, cfg.sampling.max_tokens, seed=cfg.trainer.seed
    )
    table = Table(
        "component",
        "mean ± 95% CI",
        title=f"{cfg.env.taskset['id']}, "
        f"{result['n_tasks']} held-out tasks, model {cfg.model.path}",
    )
    for name in [k for k in result if k not in ("n_tasks",) and not k.endswith("_ci95")]:
        table.add_row(name, _ci(result, name))
    console.print(table)


@app.command()
def ablate(
    ablation: Annotated[Path, typer.Argument(help="Ablation file: base config and variants.")],
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default runs/ablate/NAME).")
    ] = None,
    seeds: Annotated[
        list[int] | None,
        typer.Option("--seed", help="Seeds to run (repeatable; default: the file's)."),
    ] = None,
    steps: Annotated[
        int | None,
        typer.Option(help="Training steps for every variant (default: the base config's)."),
    ] = None,
) -> None:
    """Train every reward variant of an ablation with the same seeds and budget, then compare.

    Each variant (a partial config over the base, e.g. other [env.taskset.task.rewards]
    weights) is trained and evaluated on the same held-out tasks; writes table.md (every
    component, mean ± spread over seeds), results.json and ablation.png. Reruns resume.
    """
    from rlnvr.trainers.ablation import load_ablation, markdown, run_config, summarise
    from rlnvr.trainers.plots import plot_ablation
    from rlnvr.trainers.trainer import Trainer

    spec = load_ablation(ablation)
    folder = out or Path("runs/ablate") / ablation.stem
    results: dict[str, list[dict]] = {}
    before: dict = {}
    for variant in spec.variants:
        for seed in seeds or spec.seeds:
            cfg = run_config(spec, variant, seed, folder, steps)
            console.print(f"[bold]{variant}[/bold] seed {seed} -> {cfg.output}")
            result = Trainer(cfg).run()
            if not result:
                raise typer.BadParameter(
                    f"{variant} (seed {seed}, {cfg.output}): no held-out tasks to compare on; "
                    "check env.eval.heldout_percent and env.eval.max_tasks"
                )
            before = before or result["before"]
            results.setdefault(variant, []).append(result["after"])
    table = summarise(results)
    text = markdown(spec.question, before, table)
    (folder / "table.md").write_text(text)
    (folder / "results.json").write_text(json.dumps({"before": before, "after": results}, indent=2))
    console.print(text, markup=False, soft_wrap=True)
    console.print(f"wrote {plot_ablation(table, folder / 'ablation.png')}")


@app.command()
def plot(run_dir: Annotated[Path, typer.Argument(help="A run folder written by rlnvr train.")]):
    """Draw a run's reward and training curves as PNG files in its folder."""
    from rlnvr.trainers.plots import plot_run

    for path in plot_run(run_dir):
        console.print(f"wrote {path}")


def _command_line() -> str:
    import shlex
    import sys

    return "rlnvr " + " ".join(shlex.quote(a) for a in sys.argv[1:])


cli_daily.register(app)
cli_show.register(app)
cli_controls.register(app)
cli_sample.register(app)
cli_redteam.register(app)
cli_models.register(app)


def _add_environments() -> None:
    """Each installed environment's own commands as `rlnvr NAME ...` (rlnvr.registry)."""
    for env in installed():
        try:
            commands = env.commands()
        except ImportError as err:  # an extra its CLI needs is missing: say so, keep the rest
            console.print(f"[yellow]rlnvr {env.name}: commands unavailable ({err})[/yellow]")
            continue
        app.add_typer(commands, name=env.name)


_add_environments()


def main() -> None:
    from rlnvr.data_pipelines.model_folder import ModelFolderError

    try:
        app()
    except ModelFolderError as err:  # a wrong path is the user's to fix: one line, no traceback
        Console(stderr=True).print(f"[red]error:[/] {err}", highlight=False)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
