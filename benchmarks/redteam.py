"""The full red-team search on one training config: 300 reward calls per task, per family, per
seed, seeds 0 1 2 (``rlnvr.trainers.redteam.FULL``).

    python benchmarks/redteam.py configs/word_count.toml [--out runs/redteam/bench]

Prints the table (family, mean reward, honest mean, wins/N, component), the reward calls made
and the wall time, and writes winners.jsonl, table.md and summary.json to --out. The same
search as `rlnvr redteam @ CONFIG` with its default budget, without the CLI's start-up.
"""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path

import rlnvr  # noqa: F401  (fast BLAS first)
from rlnvr.trainers.redteam import FULL, markdown, redteam, write
from rlnvr.trainers.tasksets import load_taskset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("config", type=Path, help="A training config (its [env.taskset]).")
    parser.add_argument("--out", type=Path, default=Path("runs/redteam/bench"))
    args = parser.parse_args()
    env = tomllib.loads(args.config.read_text()).get("env", {})
    table = env.get("taskset", {"id": "rlnvr.tasksets.word_count"})
    heldout = float(env.get("eval", {}).get("heldout_percent", 20.0))
    report = redteam(load_taskset(table), FULL, heldout_percent=heldout)
    write(report, args.out)
    print(markdown(report))
    print(
        f"{table['id']} ({args.config}): {report.families[0].n} tasks, {FULL.calls} calls per "
        f"task per family per seed, seeds {' '.join(map(str, FULL.seeds))}: {report.calls} "
        f"reward calls in {report.seconds:.1f} s; {'FAILED' if report.failed else 'passed'}"
    )


if __name__ == "__main__":
    main()
