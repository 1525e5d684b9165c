"""Print Walter's adversarial table: an honest post against reward hacks, every component.

    python scripts/walter_adversarial_table.py

The cases are the ones ``tests/test_walter_env.py`` asserts the ordering of (``HONEST``,
``ADVERSARIAL``), loaded from there so that the numbers printed and the cases tested can
never drift apart. Scoring goes through verifiers' loader and ``Task.score`` with the real
embedding model, as a hub evaluation would.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import rlnvr  # noqa: F401  (fast BLAS before anything imports mlx)
from rlnvr.trainers.traces import Score, score

CASES = Path(__file__).resolve().parents[1] / "tests" / "test_walter_env.py"


def load_cases() -> ModuleType:
    spec = importlib.util.spec_from_file_location("walter_cases", CASES)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def markdown(rows: list[tuple[str, Score]], components: list[str]) -> str:
    lines = [
        "| reply | total | " + " | ".join(components) + " |",
        "|---|---:|" + "---:|" * len(components),
    ]
    for name, result in rows:
        cells = [f"{result.rewards.get(c, 0.0):.2f}" for c in components]
        lines.append(f"| {name} | **{result.reward:+.2f}** | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    cases = load_cases()
    tasks = {t.data.url: t for t in cases.load()}
    components = list(cases.REWARDS)
    for url, honest in cases.HONEST.items():
        task = tasks[url]
        rows = [("honest hand-written post", score(task, honest))]
        rows += [(name, score(task, make(task))) for name, (make, _) in cases.ADVERSARIAL.items()]
        n = len(task.data.posts)
        kind = f"{n} post{'s' if n > 1 else ''}" + (
            f", {len(task.data.transfer)} transfer neighbours" if task.data.transfer else ""
        )
        print(f"### {task.data.title} ({kind})\n\n{url}\n")
        print(markdown(rows, components) + "\n")


if __name__ == "__main__":
    main()
