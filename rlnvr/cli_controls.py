"""`rlnvr controls`: does a trained model's held-out gain survive the controls?"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()
PASSTHROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}
PROMPT_CHARS = 600


def controls(
    ctx: typer.Context,
    trained: Annotated[
        str | None, typer.Option(help="The trained model's folder (a full fine-tune).")
    ] = None,
    adapters: Annotated[
        str | None, typer.Option(help="LoRA adapters trained on top of --model.path.")
    ] = None,
    samples: Annotated[int, typer.Option(help="Replies per held-out task and model.")] = 4,
    shown: Annotated[int, typer.Option(help="Held-out tasks written side by side.")] = 10,
    attack: Annotated[bool, typer.Option(help="Run the red team's fast search too.")] = True,
    seed: Annotated[int, typer.Option(help="Seeds sampling (both models alike).")] = 0,
) -> None:
    """Score a base and a trained model on the same held-out tasks, with the controls.

    Takes the training config (`@ configs/walter_smollm2.toml`; --model.path is the base model).
    Reports the paired before/after difference with its 95% CI, the same at equal length (both
    models write the base model's median number of tokens, no stop token), cross-task sameness,
    every reward component, and the red team's best attack next to the trained model on the
    tasks with honest completions. Writes controls.md (the table and the replies side by side)
    and controls.json into `<output>/controls/`.
    """
    if trained is None and adapters is None:
        raise typer.BadParameter("give the trained model: --trained FOLDER or --adapters FOLDER")
    from pydantic_config import cli

    from rlnvr.rubrics.embeddings import shared_embedder
    from rlnvr.trainers import controls as c
    from rlnvr.trainers.config import TrainConfig
    from rlnvr.trainers.models import load_mlx
    from rlnvr.trainers.rollout import SamplingConfig
    from rlnvr.trainers.tasksets import load_taskset
    from rlnvr.trainers.trainer import split_tasks

    cfg = cli(TrainConfig, args=ctx.args, prog="rlnvr controls", description=controls.__doc__)
    taskset = load_taskset(cfg.env.taskset)
    everything = list(taskset)
    _, heldout = split_tasks(everything, cfg.env.eval)
    best = c.best_attack(taskset, cfg.env.eval.heldout_percent) if attack else None
    attacked = [t for t in everything if best and t.key in best.task_keys]
    loaders = {
        "base": lambda: load_mlx(cfg.model.path),
        "trained": lambda: load_mlx(trained or cfg.model.path, adapter_path=adapters),
    }
    main, equal, on_attack, budget = {}, {}, {}, 0
    for name, load in loaders.items():
        console.print(f"[bold]{name}[/]: {len(heldout)} held-out tasks x {samples}")
        model, tokenizer = load()
        main[name] = c.sample(model, tokenizer, heldout, samples, cfg.sampling, seed)
        budget = budget or c.equal_length_budget(main["base"])
        fixed = SamplingConfig(**{**cfg.sampling.model_dump(), "max_tokens": budget})
        policy = c.NoStop(model, tokenizer.eos_token_ids)
        equal[name] = c.sample(policy, tokenizer, heldout, samples, fixed, seed)
        if attacked:
            on_attack[name] = c.sample(model, tokenizer, attacked, samples, cfg.sampling, seed)
        del model, policy
    rows = _rows(c, main, equal, on_attack, best, heldout, budget, shared_embedder())
    table = c.markdown(rows)
    folder = Path(cfg.output) / "controls"
    folder.mkdir(parents=True, exist_ok=True)
    n = min(shown, len(heldout))
    pairs = c.side_by_side(heldout[:n], _head(main["base"], n), _head(main["trained"], n),
                           PROMPT_CHARS)  # fmt: skip
    head = f"{len(heldout)} held-out tasks x {samples} replies; equal length = {budget} tokens"
    (folder / "controls.md").write_text(f"{head}\n\n{table}\n\n## Side by side\n\n{pairs}")
    (folder / "controls.json").write_text(
        json.dumps({"equal_length_tokens": budget, "rows": [r.__dict__ for r in rows]}, indent=2)
    )
    console.print(head)
    console.print(table, markup=False, highlight=False)
    console.print(f"written: {folder / 'controls.md'}")


def _head(replies, n: int):
    return type(replies)(replies.rollouts[:n], replies.scores[:n])


def _rows(c, main, equal, on_attack, best, heldout, budget, embedder) -> list:
    base, after = main["base"], main["trained"]
    keys = [t.key for t in heldout]
    rows = [
        c.Row(
            "held-out reward",
            base.per_task().mean(),
            after.per_task().mean(),
            c.paired(base.per_task(), after.per_task()),
        ),  # fmt: skip
        c.Row(
            f"equal length ({budget} tokens)",
            equal["base"].per_task().mean(),
            equal["trained"].per_task().mean(),
            c.paired(equal["base"].per_task(), equal["trained"].per_task()),
        ),  # fmt: skip
        c.Row("words per reply", base.words(), after.words()),
        c.Row(
            "cross-task sameness",
            c.sameness(base.first_texts(), keys, embedder),
            c.sameness(after.first_texts(), keys, embedder),
        ),  # fmt: skip
    ]
    names = sorted({k for g in base.scores + after.scores for s in g for k in s.rewards})
    for name in names:
        mean = [float(sum(s.rewards.get(name, 0.0) for g in r.scores for s in g)
                      / sum(len(g) for g in r.scores)) for r in (base, after)]  # fmt: skip
        rows.append(c.Row(f"component {name}", *mean))
    if best and on_attack:
        n = len(best.task_keys)
        model = [on_attack[name].per_task().mean() for name in ("base", "trained")]
        rows.append(c.Row(f"red-team tasks ({n}): model reward", *model))
        rows.append(c.Row(f"red-team tasks: best attack ({best.family})", best.mean, best.mean))
        rows.append(c.Row("red-team tasks: honest completions", best.honest_mean, best.honest_mean))
    return rows


def register(app: typer.Typer) -> None:
    app.command(context_settings=PASSTHROUGH)(controls)
