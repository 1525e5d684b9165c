"""Does the trainer learn, and does the curriculum help? Several seeds, one table.

    .venv/bin/python experiments/learning.py @ configs/word_count.toml \
        --curricula plr uniform --seeds 0 1 2 --out runs/learning

Each (curriculum, seed) is a full `rlnvr train` run with held-out evaluations every
``trainer.eval_every`` steps. Printed: held-out reward before and after (mean and spread over
seeds), and the first step at which each run reaches a threshold reward (default: 90% of the
best final reward of any run), i.e. steps to the same held-out reward.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import rlnvr  # noqa: F401  (fast BLAS before mlx)
from rlnvr.trainers.jsonl_log import read_rows


def run(args: list[str], curriculum: str, seed: int, out: Path) -> list[dict]:
    from pydantic_config import cli

    from rlnvr.trainers.config import TrainConfig
    from rlnvr.trainers.trainer import Trainer

    folder = out / f"{curriculum}-seed{seed}"
    cfg = cli(TrainConfig, args=[*args, "--curriculum.kind", curriculum,
                                 "--trainer.seed", str(seed), "--output", str(folder)])
    Trainer(cfg).run()
    return read_rows(folder / "eval.jsonl")


def steps_to(evals: list[dict], threshold: float) -> int | None:
    return next((e["step"] for e in evals if e["reward"] >= threshold), None)


def zero_std_fraction(folder: Path) -> float:
    """Share of rollout groups with no reward spread (no signal), over the whole run."""
    return float(np.mean([r["frac_zero_std"] for r in read_rows(folder / "metrics.jsonl")]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--curricula", nargs="+", default=["plr", "uniform"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--out", type=Path, default=Path("runs/learning"))
    parser.add_argument("--threshold", type=float, default=None)
    args, train_args = parser.parse_known_args()
    results = {(c, s): run(train_args, c, s, args.out)
               for c in args.curricula for s in args.seeds}
    best = max(r[-1]["reward"] for r in results.values())
    threshold = args.threshold if args.threshold is not None else 0.9 * best
    print(f"| curriculum | held-out before | held-out after | mean over the curve "
          f"| steps to {threshold:.3f} | frac_zero_std |")
    print("|---|---|---|---|---|---|")
    for c in args.curricula:
        before = np.array([results[c, s][0]["reward"] for s in args.seeds])
        after = np.array([results[c, s][-1]["reward"] for s in args.seeds])
        # the area under the held-out curve (evaluations after step 0): speed and level
        curve = np.array([np.mean([e["reward"] for e in results[c, s][1:]]) for s in args.seeds])
        reached = [steps_to(results[c, s], threshold) for s in args.seeds]
        zero = np.mean([zero_std_fraction(args.out / f"{c}-seed{s}") for s in args.seeds])
        print(f"| {c} | {before.mean():.3f} ± {before.std():.3f} | "
              f"{after.mean():.3f} ± {after.std():.3f} | {curve.mean():.3f} ± {curve.std():.3f} "
              f"| {reached} | {zero:.2f} |")
    summary = {f"{c}-seed{s}": r for (c, s), r in results.items()}
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
