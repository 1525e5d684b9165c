"""How long each taskset's rewards take on odd input, and that they stay finite and in range.

    python benchmarks/odd_inputs.py [--taskset ID ...]

Every completion of ``tests/odd_inputs.py`` (empty, controls, lone surrogates, zero-width only,
2,000 combining marks, a 100,000-character word, 100,000 characters of prose, ...) is scored
with the first task of each taskset through ``Task.score``, after one warm-up call that loads
the taskset's models. Prints seconds per input (the target: a second or less each) and every
component's value. Default tasksets: every installed environment, and word_count.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from odd_inputs import ODD_INPUTS  # noqa: E402

import rlnvr  # noqa: E402, F401  (fast BLAS first)
from rlnvr.registry import installed  # noqa: E402
from rlnvr.trainers.tasksets import load_tasks  # noqa: E402
from rlnvr.trainers.traces import score  # noqa: E402

TARGET_S = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = [env.taskset_id for env in installed()] + ["rlnvr.tasksets.word_count"]
    parser.add_argument("--taskset", nargs="+", default=default)
    args = parser.parse_args()
    print("| taskset | input | seconds | reward | components finite |")
    print("|---|---|---:|---:|---|")
    slowest = 0.0
    for taskset in args.taskset:
        task = load_tasks({"id": taskset})[0]
        score(task, "A warm-up reply of a few ordinary words.")
        for name, text in ODD_INPUTS.items():
            start = time.perf_counter()
            result = score(task, text)
            seconds = time.perf_counter() - start
            slowest = max(slowest, seconds)
            values = [result.reward, *result.rewards.values(), *result.metrics.values()]
            finite = all(math.isfinite(v) for v in values)
            print(f"| {taskset} | {name} | {seconds:.3f} | {result.reward:.3f} | {finite} |")
    verdict = "met" if slowest <= TARGET_S else "missed"
    print(f"slowest: {slowest:.3f} s (target <= {TARGET_S:.1f} s: {verdict})")


if __name__ == "__main__":
    main()
