"""Rubric ablations: the same training budget and seeds under several reward configurations.

An ablation file names a base training config and its variants, each a partial config merged
over the base (usually a change of ``[env.taskset.task.rewards]`` weights or a reward knob):

    question = "Does Varro's structure reward help?"
    base = "../varro.toml"            # relative to this file
    seeds = [0, 1]

    [variants.full]                   # the base as it is

    [variants.no_structure.env.taskset.task.rewards]
    structure = { weight = 0.0 }

Every (variant, seed) is a full ``rlnvr train`` run in ``OUT/VARIANT-seedN``; the held-out split
is by task key, so every variant is scored on the same tasks, and every reward component is
reported unweighted, so variants that weigh components differently stay comparable.
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rlnvr.trainers.config import TrainConfig


@dataclass
class Ablation:
    question: str
    base: dict
    variants: dict[str, dict]
    seeds: list[int] = field(default_factory=lambda: [0])


def merge(base: dict, override: dict) -> dict:
    """``base`` with ``override`` merged in, table by table (neither is modified)."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_ablation(path: Path) -> Ablation:
    path = Path(path)
    with path.open("rb") as f:
        spec = tomllib.load(f)
    for key in ("base", "variants"):
        if key not in spec:
            raise ValueError(f"{path}: missing '{key}'")
    base_path = (path.parent / spec["base"]).resolve()
    if not base_path.exists():
        raise ValueError(f"{path}: base config {base_path} does not exist")
    with base_path.open("rb") as f:
        base = tomllib.load(f)
    if not spec["variants"]:
        raise ValueError(f"{path}: no variants")
    return Ablation(spec.get("question", path.stem), base, spec["variants"], spec.get("seeds", [0]))


def run_config(
    ablation: Ablation, variant: str, seed: int, out: Path, steps: int | None = None
) -> TrainConfig:
    """The variant's full config; ``steps`` (if given) is every variant's budget."""
    merged = merge(ablation.base, ablation.variants[variant])
    trainer = {"seed": seed} | ({"steps": steps} if steps is not None else {})
    merged = merge(merged, {"output": str(out / f"{variant}-seed{seed}"), "trainer": trainer})
    return TrainConfig.model_validate(merged)


def summarise(results: dict[str, list[dict]]) -> dict[str, dict[str, tuple[float, float]]]:
    """Per variant, the mean and spread over seeds of each held-out value after training."""
    table = {}
    for variant, rows in results.items():
        names = [k for k in rows[0] if k != "step" and not k.endswith("_ci95") and k != "n_tasks"]
        table[variant] = {
            n: (float(np.mean([r[n] for r in rows])), float(np.std([r[n] for r in rows])))
            for n in names
            if all(n in r for r in rows)
        }
    return table


def markdown(question: str, before: dict, table: dict[str, dict[str, tuple[float, float]]]) -> str:
    """One row per variant: held-out weighted reward and every component, mean ± spread."""
    columns = sorted({c for row in table.values() for c in row if c.startswith("reward/")})
    head = ["variant", "reward (own weights)", *(c.removeprefix("reward/") for c in columns)]
    lines = [f"**{question}**", "", "| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    # Components are unweighted, so the base model's are the same under every variant; its
    # weighted reward is not (each variant weighs differently) and is left out.
    cells = ["-", *(f"{before.get(c, float('nan')):.3f}" for c in columns)]
    lines.append("| base model (before) | " + " | ".join(cells) + " |")
    for variant, row in table.items():
        cells = [
            f"{row[c][0]:.3f} ± {row[c][1]:.3f}" if c in row else "-" for c in ["reward", *columns]
        ]
        lines.append(f"| {variant} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
