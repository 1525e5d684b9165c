"""What Walter's word-salad judge flags: real posts, the red team's edits of them, honest posts,
and a red-team run's winners.

    python experiments/salad_judge.py --winners runs/redteam_walter_s0/winners.jsonl

The judge (``rubrics/fluency.py``, shipped as ``rlnvr_walter/data/fluency.json``) was fitted on
posts about training articles and generic word edits. This measures it where it was not
fitted: posts about held-out articles, the same posts after k of the red team's own word
edits (substitute, insert, repeat a span; words from the task's prompt and posts, as the
hill climb draws them), the hand-written honest posts, and the texts an attack found.
Per group: the probability's median and 90th percentile, the share above ``flag`` (where the
engagement gate starts to fall) and above ``zero`` (where it pays nothing), and the mean gate.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np

import rlnvr  # noqa: F401  (fast BLAS before torch)
from rlnvr.data_pipelines.splits import is_heldout
from rlnvr.rubrics.text import prose
from rlnvr.trainers import redteam_edits as edits
from rlnvr.trainers.redteam import edit_pool, honest_tasks, references
from rlnvr.trainers.tasksets import load_taskset

EDIT_COUNTS = (1, 2, 4, 8)
WORD_EDITS = (edits.substitute, edits.insert_word, edits.duplicate_span)


def edited(text: str, pool: edits.Pool, k: int, rng: random.Random) -> str:
    for _ in range(k):
        text = rng.choice(WORD_EDITS)(text, pool, rng)
    return text


def groups(taskset, winners: list[Path], seed: int) -> dict[str, list[str]]:
    """Real posts the judge never saw (5 words or more: a held-out task's posts and transfer
    neighbours, less every post it was fitted on), their k-edit copies, honest posts and
    winners."""
    from rlnvr_walter.build import judge_texts

    fitted = set(judge_texts())
    rng = random.Random(seed)
    tasks = list(taskset)
    real, copies = [], {k: [] for k in EDIT_COUNTS}
    for task in (t for t in tasks if is_heldout(t.key, 20.0)):
        pool = edit_pool(task, "")
        for text in dict.fromkeys(prose(r) for r in references(task)):
            if len(text.split()) >= 5 and text not in fitted and text not in real:
                real.append(text)
                for k in EDIT_COUNTS:
                    copies[k].append(edited(text, pool, k, rng))
    out = {"real posts the judge never saw": real}
    out |= {f"the same + {k} red-team word edits": copies[k] for k in EDIT_COUNTS}
    out["honest posts"] = list(honest_tasks(taskset, tasks, None)[1].values())
    for path in winners:
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        for family in sorted({r["family"] for r in rows}):
            texts = [r["text"] for r in rows if r["family"] == family]
            out[f"{path.parent.name}: {family} winners"] = texts
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--winners", type=Path, nargs="*", default=[], help="red-team winners.jsonl files"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from rlnvr_walter.taskset import load_judge

    taskset = load_taskset({"id": "rlnvr-walter"})
    task, judge = next(iter(taskset)), load_judge()
    print(f"flag {judge.flag:.3f}, zero {judge.zero:.3f}; fitted on {judge.fitted_on}")
    print("| texts | n | median | 90th pct | over flag | over zero | mean gate |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, texts in groups(taskset, args.winners, args.seed).items():
        p = np.array([task.salad_of(t) for t in texts])
        gate = np.mean([judge.fluent(v) for v in p])
        print(
            f"| {name} | {len(p)} | {np.median(p):.2f} | {np.quantile(p, 0.9):.2f} | "
            f"{np.mean(p > judge.flag):.0%} | {np.mean(p >= judge.zero):.0%} | {gate:.2f} |"
        )


if __name__ == "__main__":
    main()
