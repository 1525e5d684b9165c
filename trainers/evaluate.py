"""Held-out evaluation: mean reward per component with a 95% confidence interval.

The unit of the interval is the task (each task's samples are averaged first), since samples
of one task are not independent.
"""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import verifiers.v1 as vf
from scipy import stats

from rlnvr.trainers.rollout import SamplingConfig, generate_groups
from rlnvr.trainers.scoring import score_groups
from rlnvr.trainers.traces import Score


def mean_ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Mean and the half-width of its t-interval."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) < 2:
        return float(values.mean()) if len(values) else float("nan"), float("nan")
    half = stats.t.ppf((1 + level) / 2, len(values) - 1) * values.std(ddof=1) / len(values) ** 0.5
    return float(values.mean()), float(half)


def component_means(scores: list[Score]) -> dict[str, float]:
    """Mean of every reward component and metric, as ``reward/NAME`` and ``metric/NAME``."""
    out = {}
    for prefix, field in (("reward", "rewards"), ("metric", "metrics")):
        tables = [getattr(s, field) for s in scores]
        for name in sorted({k for t in tables for k in t}):
            out[f"{prefix}/{name}"] = float(np.mean([t[name] for t in tables if name in t]))
    return out


def evaluate(model, tokenizer, tasks: list[vf.Task], cfg, max_tokens: int, seed: int) -> dict:
    """Score ``tasks`` (greedy when ``cfg.temperature`` is 0, else ``cfg.samples`` each)."""
    mx.random.seed(seed)
    samples = 1 if cfg.temperature == 0 else cfg.samples
    sampling = SamplingConfig(temperature=cfg.temperature, max_tokens=max_tokens)
    groups = generate_groups(model, tokenizer, tasks, samples, sampling)
    scores = score_groups(tasks, groups)
    per_task = [
        component_means(g) | {"reward": float(np.mean([s.reward for s in g]))} for g in scores
    ]
    out: dict[str, float] = {"n_tasks": len(tasks)}
    for name in per_task[0] if per_task else []:
        mean, half = mean_ci(np.array([row[name] for row in per_task]))
        out[name], out[f"{name}_ci95"] = mean, half
    return out
