"""Does cadence-aware sampling bring a model's prose closer to a target author's signature?

    .venv/bin/python benchmarks/horace_sampler.py [--authors "Edgar Allan Poe" ...]
        [--seeds 3] [--max-tokens 200] [--calibrate 3] [--model rlnvr-tiny]

For each target author, every Horace task opening of that author (``tasks.jsonl``, 8 each) is
continued once per seed by each method, same model, same prompt, same seed, same token budget:

* ``plain``: temperature 1.0, no cuts;
* ``cadence``: :func:`rlnvr_horace.schedule.schedule_for` (base temperature 1.0);
* ``plain_cal`` / ``cadence_cal``: the same with the base temperature calibrated so that the
  mean surprisal of the text matches the author's (``surprisal_mean`` of the signature): a
  small model's text at temperature 1 reads far more (or less) surprising than the author,
  which moves most features of the signature at once, whatever the rhythm. The temperature is
  interpolated from a grid, each point measured on ``--calibrate`` continuations of *other*
  authors' openings (so the test prompts play no part in choosing it).

The cadence schedule draws its cycle lengths around the author's mean inter-peak interval
with their spread (``jitter``, the default; ``--regular`` for fixed cycles).

Each continuation is scored as the Horace environment scores a reply (``cadence_of``:
unwrapped, from a document start, rlnvr-tiny on torch) and compared with the target's shipped
signature (``signature_distance``; lower is closer; ~0.75 is the median for the author's own
150-word chunks), over all features and over the rhythm features alone
(``RHYTHM_FEATURES``: surprise spread, spike rate, inter-peak mean and CV, cooldown, runs),
which is what the schedule paces. Prints mean +- 95% CI (t) per author and method, and each
method's paired difference from ``plain`` (same prompt and seed).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import rlnvr  # noqa: F401  (fast BLAS before mlx)
from rlnvr.trainers.evaluate import mean_ci

AUTHORS = ("Edgar Allan Poe", "Ernest Hemingway", "Jane Austen", "Laurence Sterne")
GRID = (0.7, 0.85, 1.0, 1.15)
SCORER = ("rlnvr-tiny", "torch")


def score(text: str, signature) -> tuple[float, float, float]:
    """(signature distance, rhythm distance, mean surprisal) of a continuation, as the
    environment reads it."""
    from rlnvr_horace.schedule import RHYTHM_FEATURES
    from rlnvr_horace.signatures import signature_distance
    from rlnvr_horace.taskset import cadence_of

    features = cadence_of(text, *SCORER)
    rhythm = signature_distance(features, signature, RHYTHM_FEATURES)
    return signature_distance(features, signature), rhythm, features["surprisal_mean"]


def _surprisal(text: str) -> float:
    from rlnvr_horace.taskset import cadence_of

    return cadence_of(text, *SCORER)["surprisal_mean"]


def surprisal_curve(model, tokenizer, schedule, prompts, max_tokens: int) -> np.ndarray:
    """Per base temperature of ``GRID``, the median over ``prompts`` of the mean surprisal of
    ``schedule``'s continuations (a median: one broken text must not move the temperature),
    made non-decreasing (it rises with temperature, up to sampling noise)."""
    from rlnvr.trainers.phased_sampler import generate_phased

    means = []
    for temp in GRID:
        scaled = at_temperature(schedule, temp)
        texts = [
            generate_phased(model, tokenizer, p, scaled, max_tokens, seed=1000 + i).text
            for i, p in enumerate(prompts)
        ]
        means.append(float(np.median([_surprisal(t) for t in texts])))
    return np.maximum.accumulate(np.asarray(means))


def at_temperature(schedule, temperature: float):
    """The schedule with its base temperature moved (plain: its one temperature)."""
    from rlnvr.trainers.phased_sampler import PhaseSampling, PlainSchedule

    if isinstance(schedule, PlainSchedule):
        return PlainSchedule(PhaseSampling(temperature))
    return schedule.with_base_temperature(temperature)


def temperature_for(curve: np.ndarray, target: float) -> float:
    """The base temperature whose mean surprisal is ``target`` (interpolated on ``GRID``,
    clamped to its ends)."""
    return float(np.interp(target, curve, GRID))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--authors", nargs="+", default=list(AUTHORS))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=200)
    parser.add_argument("--calibrate", type=int, default=3, help="prompts per grid point (0: off)")
    parser.add_argument("--model", default="rlnvr-tiny")
    parser.add_argument("--regular", action="store_true", help="fixed cycles, no jitter")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    from rlnvr.data_pipelines.packaged import read_jsonl
    from rlnvr.trainers.models import load_mlx
    from rlnvr.trainers.phased_sampler import PhaseSampling, PlainSchedule, generate_phased
    from rlnvr_horace.schedule import schedule_for
    from rlnvr_horace.taskset import style_data

    model, tokenizer = load_mlx(args.model)
    signatures = style_data().signatures
    tasks = list(read_jsonl("rlnvr_horace", "data/tasks.jsonl"))
    started = time.perf_counter()
    results: dict[str, dict[str, np.ndarray]] = {}
    temps: dict[str, dict[str, float]] = {}
    others = [t["opening"] for t in tasks if t["author"] not in args.authors]
    others = others[:: max(1, len(others) // max(args.calibrate, 1))][: args.calibrate]
    tokens, plain_curve = args.max_tokens, None
    for author in args.authors:
        signature = signatures[author]
        openings = [t["opening"] for t in tasks if t["author"] == author]
        methods = {
            "plain": PlainSchedule(PhaseSampling(1.0)),
            "cadence": schedule_for(signature, jitter=not args.regular),
        }
        temps[author] = {}
        if args.calibrate:
            target = signature.features["surprisal_mean"].mean
            if plain_curve is None:  # the plain curve is the same for every author
                plain_curve = surprisal_curve(model, tokenizer, methods["plain"], others, tokens)
            curves = {
                "plain": plain_curve,
                "cadence": surprisal_curve(model, tokenizer, methods["cadence"], others, tokens),
            }
            shown = "; ".join(f"{k} {np.round(c, 2).tolist()}" for k, c in curves.items())
            print(f"{author}: surprisal at base temperatures {GRID}: {shown}", flush=True)
            for name, curve in curves.items():
                temps[author][f"{name}_cal"] = temp = temperature_for(curve, target)
                methods[f"{name}_cal"] = at_temperature(methods[name], temp)
        results[author] = {}
        for name, schedule in methods.items():
            rows = [
                score(
                    generate_phased(model, tokenizer, p, schedule, tokens, seed).text,
                    signature,
                )
                for p in openings
                for seed in range(args.seeds)
            ]
            results[author][name] = np.asarray(rows)
        print(f"{author}: done ({time.perf_counter() - started:.0f} s)", flush=True)
    report(results, temps, args)
    print(f"total {time.perf_counter() - started:.0f} s")


def report(results, temps, args) -> None:
    """Markdown tables: distances and surprisal per author and method, paired differences."""
    methods = list(next(iter(results.values())))
    n = len(next(iter(next(iter(results.values())).values())))
    everyone = {m: np.concatenate([r[m] for r in results.values()]) for m in methods}
    rows = [*results.items(), ("all", everyone)]
    others = [m for m in methods if m != "plain"]
    for column, what in ((0, "signature distance"), (1, "rhythm distance")):
        print(f"\n{what} (lower is closer), n = {n} per author and method; "
              f"{args.max_tokens} tokens, {args.model}")  # fmt: skip
        print("| author | " + " | ".join(methods) + " | mean surprisal (author) |")
        print("|---|" + "---|" * (len(methods) + 1))
        for author, scores in rows:
            cells = [_fmt(mean_ci(scores[m][:, column])) for m in methods]
            surprisal = " / ".join(f"{scores[m][:, 2].mean():.2f}" for m in methods)
            print(f"| {author} | " + " | ".join(cells) + f" | {surprisal} |")
        print(f"\n{what}: paired difference from plain (negative: closer to the author)")
        print("| author | " + " | ".join(f"{m} - plain" for m in others) + " |")
        print("|---|" + "---|" * len(others))
        for author, scores in rows:
            diffs = [mean_ci(scores[m][:, column] - scores["plain"][:, column]) for m in others]
            print(f"| {author} | " + " | ".join(map(_fmt, diffs)) + " |")
    if any(temps.values()):
        print("\ncalibrated base temperatures: " + "; ".join(
            f"{a}: " + ", ".join(f"{m} {t:.2f}" for m, t in ts.items()) for a, ts in temps.items()
        ))  # fmt: skip


def _fmt(mean_half: tuple[float, float]) -> str:
    mean, half = mean_half
    return f"{mean:.3f} ± {half:.3f}"


if __name__ == "__main__":
    main()
