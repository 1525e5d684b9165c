"""Does Horace's reward prefer its own scoring model's writing to honest human imitations?

    .venv/bin/python experiments/horace_self_preference.py [--model smollm2-135m] [--samples F]

The scoring model (rlnvr-tiny) is also the policy a run starts from, and it was pretrained on
the very novels the signatures are built from: if its own samples already score as well as a
careful human imitation, a run is paid for staying what it is, not for learning style. Here
the base model (``--model``: rlnvr-tiny, or another policy such as smollm2-135m, for comparison)
writes ``--per-task`` continuations of each held-out task (``is_heldout(key,
20.0)``, as ``rlnvr train`` splits) at T = 1 with the config's token budget
(``configs/horace.toml``: 192), and the taskset's reward scores them beside the hand-written
honest completions shipped in ``rlnvr_horace/data/honest.jsonl``; beside the rewards, the
distance to the author and the margin over the other authors. The samples are stored in
``--samples`` (default ``runs/horace_self_samples_<model>.json``) on the first run and read
back after, so that two versions of the reward are
compared on the same texts. Prints the mean ± 95% CI (over tasks) of every component.

Only the bundled rlnvr-tiny can be the scoring model for now: the package data is built with
it, and SmolLM2-135M (``docs/horace.md``) is not available on this machine yet.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import rlnvr  # noqa: F401  (fast BLAS before mlx)
from rlnvr.data_pipelines.splits import is_heldout
from rlnvr.trainers.evaluate import mean_ci
from rlnvr.trainers.traces import score

METRICS = ("signature_distance", "signature_margin")


def base_samples(
    model_path: str, tasks: list, per_task: int, max_tokens: int, seed: int
) -> dict[str, list[str]]:
    """``per_task`` continuations of each task by the base model ``model_path``, at T = 1."""
    import mlx.core as mx

    from rlnvr.trainers.models import load_mlx
    from rlnvr.trainers.rollout import SamplingConfig, generate_groups

    mx.random.seed(seed)
    model, tokenizer = load_mlx(model_path)
    sampling = SamplingConfig(temperature=1.0, max_tokens=max_tokens)
    groups = generate_groups(model, tokenizer, tasks, per_task, sampling)
    return {task.key: [r.text for r in group] for task, group in zip(tasks, groups, strict=True)}


def component(result, key: str) -> float:
    """The total, a reward component or a metric of one scored text."""
    if key == "reward":
        return result.reward
    return result.rewards[key] if key in result.rewards else result.metrics[key]


def table(name: str, scores: list[list]) -> list[str]:
    """One row per component: the mean over tasks of each task's mean."""
    rows = []
    for key in ["reward", *sorted(scores[0][0].rewards), *METRICS]:
        per_task = [np.mean([component(s, key) for s in g]) for g in scores]
        mean, half = mean_ci(np.array(per_task))
        rows.append(f"| {name} | {key} | {mean:.3f} ± {half:.3f} |")
    return rows


def main() -> None:
    from rlnvr_horace import HoraceConfig, HoraceTaskset

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="rlnvr-tiny", help="the policy whose samples are scored")
    parser.add_argument("--samples", type=Path, default=None)
    parser.add_argument("--per-task", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=192)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    taskset = HoraceTaskset(HoraceConfig(id="rlnvr-horace"))
    tasks = [t for t in taskset if is_heldout(t.key, 20.0)]
    args.samples = args.samples or Path(f"runs/horace_self_samples_{Path(args.model).name}.json")
    if args.samples.exists():
        samples = json.loads(args.samples.read_text())
    else:
        samples = base_samples(args.model, tasks, args.per_task, args.max_tokens, args.seed)
        args.samples.parent.mkdir(parents=True, exist_ok=True)
        args.samples.write_text(json.dumps(samples, indent=1))
    by_key = {t.key: t for t in tasks}
    base = [[score(by_key[k], text) for text in texts] for k, texts in samples.items()]
    honest = [[score(by_key[k], text)] for k, text in taskset.honest_completions().items()]
    print(f"{len(base)} held-out tasks x {args.per_task} base samples; {len(honest)} honest")
    print("| texts | component | mean ± 95% CI |\n|---|---|---|")
    print("\n".join(table(f"{args.model} samples", base) + table("honest imitations", honest)))


if __name__ == "__main__":
    main()
