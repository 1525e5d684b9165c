"""`rlnvr sample`: generation paced by a taskset's phase schedule (Horace: an author's)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

console = Console()
PLAN_SHOWN = 60  # tokens of the phase plan printed, one letter each


def sample(
    taskset: Annotated[str, typer.Option(help="A taskset that offers schedules: rlnvr-horace.")],
    schedule: Annotated[str, typer.Option(help="The schedule's name (Horace: an author).")],
    prompt: Annotated[str, typer.Option(help="Opening to continue (raw text, no chat template).")],
    model: Annotated[
        str, typer.Option("--model", "-m", help="'rlnvr-tiny' (bundled), a folder or a hub id.")
    ] = "rlnvr-tiny",
    plain: Annotated[
        bool, typer.Option("--plain", help="Plain sampling at --temperature, for comparison.")
    ] = False,
    jitter: Annotated[
        bool,
        typer.Option(
            "--jitter/--regular",
            help="Cycle lengths drawn around the schedule's mean with its spread, or fixed.",
        ),
    ] = True,
    n: Annotated[int, typer.Option("--n", min=1, help="Continuations, seeds seed..seed+n-1.")] = 1,
    seed: Annotated[int, typer.Option(help="Seed of the first continuation.")] = 0,
    max_tokens: Annotated[int, typer.Option(min=1, help="Tokens per continuation, at most.")] = 200,
    temperature: Annotated[
        float, typer.Option(min=0.0, help="Base temperature (the other phases scale with it).")
    ] = 1.0,
) -> None:
    """Continue --prompt with each token drawn in the phase --schedule plans for it.

    Horace's schedules cycle through base, spike (hotter, top-k/top-p cut) and cooldown
    (cooler) phases paced by the author's cadence signature: a spike every `ipi_mean` tokens
    on average (cycle lengths as irregular as their inter-peak intervals unless --regular),
    lasting their mean run of surprising tokens, then a short cooldown. Prints each phase's
    sampling settings and each continuation.
    """
    from rlnvr.trainers.models import load_mlx
    from rlnvr.trainers.phased_sampler import PhaseSampling, PlainSchedule, generate_phased
    from rlnvr.trainers.protocols import PhasedTaskset, require
    from rlnvr.trainers.tasksets import load_taskset

    source = load_taskset({"id": taskset})
    require(source, PhasedTaskset, "rlnvr sample")
    names = list(source.schedule_names())
    if schedule not in names:
        raise typer.BadParameter(f"unknown schedule {schedule!r}; known: {', '.join(names)}")
    plan = (
        PlainSchedule(PhaseSampling(temperature))
        if plain
        else source.phase_schedule(schedule, jitter=jitter, temperature=temperature)
    )
    net, tokenizer = load_mlx(model)
    phases = plan.phases(max_tokens, seed)
    for name in dict.fromkeys(phases):
        p = plan.sampling(name)
        console.print(f"[dim]{name}: temperature {p.temperature:.2f}, top-p {p.top_p}, "
                      f"top-k {p.top_k or 'off'}[/dim]")  # fmt: skip
    console.print(f"[dim]plan: {''.join(name[0] for name in phases[:PLAN_SHOWN])}[/dim]")
    for i in range(n):
        out = generate_phased(net, tokenizer, prompt, plan, max_tokens, seed + i)
        console.rule(f"seed {seed + i}: {len(out.token_ids)} tokens ({out.finish_reason})")
        console.print(prompt + out.text, markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(sample)
