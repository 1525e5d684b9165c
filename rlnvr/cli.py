"""The `rlnvr` command line. Each subcommand's --help is its documentation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

import rlnvr  # noqa: F401  (loads the fast BLAS before anything imports mlx)

app = typer.Typer(
    help="rlnvr: reinforcement learning from non-verified rewards.\n\n"
    "Environments (Varro, Walter, Horace) and a local MLX trainer for small language models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()

ModelOpt = Annotated[
    str,
    typer.Option(
        "--model",
        "-m",
        help="'rlnvr-tiny' (bundled, offline), a local model folder, or a Hugging Face hub id "
        "such as Qwen/Qwen3-0.6B (needs internet the first time).",
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
    is reproduced by: rlnvr pretrain --data ../shared/data --out rlnvr/assets/rlnvr-tiny --seed 0
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


def _command_line() -> str:
    import shlex
    import sys

    return "rlnvr " + " ".join(shlex.quote(a) for a in sys.argv[1:])


def main() -> None:
    app()


if __name__ == "__main__":
    main()
