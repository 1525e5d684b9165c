"""Is an honest imitation paid on another author's task? Delta alone, text by task.

    .venv/bin/python experiments/horace_cross_author.py [--honest FILE] [--delta FILE] [--matrix]

Each honest imitation (the package's, or ``--honest``) is scored by the ``delta`` term
(``DeltaModel.pay``, before its guard) on every task that has
an imitation: on its own task it should be paid, on another author's task it should not,
and it must never beat that task's own imitation (what the red team's ``cross_task`` family
tries). ``--delta`` reads another delta.json (an earlier commit's, from ``git show``) to
compare; ``--matrix`` prints the scores, rows the texts, columns the tasks.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from rlnvr_horace import HoraceConfig, HoraceTaskset
from rlnvr_horace.burrows_delta import DeltaModel
from rlnvr_horace.taskset import style_data

MARGIN = 0.05  # the red team's "beats"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--honest", type=Path, help="honest imitations (JSONL; default packaged)")
    parser.add_argument("--delta", type=Path, help="a delta.json (default the package's)")
    parser.add_argument("--matrix", action="store_true", help="print every text on every task")
    args = parser.parse_args()
    taskset = HoraceTaskset(
        HoraceConfig(id="rlnvr-horace", honest=str(args.honest) if args.honest else None)
    )
    model = (
        DeltaModel.from_json(json.loads(args.delta.read_text("utf-8")))
        if args.delta
        else style_data().delta
    )
    honest = taskset.honest_completions()
    author = {t.key: t.data.author for t in taskset.load() if t.key in honest}
    keys = list(honest)
    scores = np.array([[model.pay(honest[k], author[t]) for t in keys] for k in keys])
    other = np.array([[author[k] != author[t] for t in keys] for k in keys])
    beats = scores > np.diag(scores)[None, :] + MARGIN
    if args.matrix:
        print("| text \\ task | " + " | ".join(author[t].split()[-1] for t in keys) + " |")
        print("|---|" + "---:|" * len(keys))
        for k, row in zip(keys, scores, strict=True):
            print(f"| {author[k]} | " + " | ".join(f"{v:.2f}" for v in row) + " |")
    paid = np.mean(scores[other] >= 0.5)
    print(
        f"own task: mean {np.diag(scores).mean():.3f} ({len(keys)} texts); another author's "
        f"task: mean {scores[other].mean():.3f}, paid 0.5 or more {paid:.1%}, "
        f"beats that task's imitation by more than {MARGIN} {np.mean(beats[other]):.1%} "
        f"({other.sum()} pairs)"
    )


if __name__ == "__main__":
    main()
