"""The daily loop: roll out today, learn from earlier rollouts once their truth is in.

For any taskset whose truth arrives a day late (:class:`rlnvr.trainers.protocols.
DelayedResolution`; Varro: forecasts resolved by the next day's headlines). One pass per UTC
day ``d`` (``rlnvr daily`` runs today's; ``rlnvr backtest`` replays stored days in order, as if
each were live; the taskset's store is filled beforehand, e.g. by ``rlnvr varro ingest``, and
the loop only ever asks for days up to ``d``):

1. generate ``group_size`` completions for each of the day's ``tasks_per_day`` tasks with the
   current policy, score what can be scored now, and store them with their sampling
   log-probs (:mod:`rlnvr.trainers.forecast_ledger`);
2. resolve the completions of earlier days against what day ``d`` knows with the taskset's
   own rewards;
3. run the GSPO update on them: their log-probs came from yesterday's policy, so the
   importance ratio is genuinely off-policy;
4. checkpoint (weights, optimizer, the last day done) atomically.

A killed loop resumes at the day it stopped: stored forecasts are reused, not regenerated,
and a resolved day is read back, not scored again. The update of an unfinished day is redone
from the checkpoint before it, so it counts once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import mlx.core as mx
import numpy as np
import verifiers.v1 as vf
from pydantic import Field
from pydantic_config import BaseConfig

from rlnvr.trainers import checkpoint
from rlnvr.trainers.config import TrainConfig
from rlnvr.trainers.evaluate import component_means, evaluate
from rlnvr.trainers.forecast_ledger import Forecast, ForecastLedger
from rlnvr.trainers.gspo import group_advantages, informative_groups
from rlnvr.trainers.jsonl_log import JsonlLog, trim_after
from rlnvr.trainers.protocols import DelayedResolution, require
from rlnvr.trainers.rollout import generate_groups
from rlnvr.trainers.scoring import score_groups
from rlnvr.trainers.tasksets import load_taskset
from rlnvr.trainers.trainer import Trainer

logger = logging.getLogger("rlnvr.daily")


class DailyConfig(BaseConfig):
    tasks_per_day: int = Field(2, ge=1)
    """Tasks per day, each showing a different slice of the day's data."""


class DailyLoopConfig(TrainConfig):
    output: str = "runs/daily"
    daily: DailyConfig = DailyConfig()


def table_row(forecasts: list[Forecast]) -> dict[str, float]:
    """The per-day columns: the weighted reward, then each reward and metric's mean."""
    means = component_means(forecasts)  # type: ignore[arg-type]  (same fields as Score)
    row = {"reward": float(np.mean([f.reward for f in forecasts]))}
    return row | {key.split("/", 1)[1]: value for key, value in means.items()}


@dataclass
class DayResult:
    day: str
    forecasts: int
    resolved_day: str | None
    row: dict


class DailyLoop:
    """The policy and optimizer of a :class:`Trainer`, fed one day at a time."""

    def __init__(self, cfg: DailyLoopConfig) -> None:
        self.cfg = cfg
        self.trainer = Trainer(cfg)
        self.taskset = load_taskset(cfg.env.taskset)
        require(self.taskset, DelayedResolution, "the daily loop")
        self.ledger = ForecastLedger(cfg.output)
        self.last_day: str | None = None
        self.learned: list[str] = []  # forecast days whose resolution has been trained on

    # -- tasks from the taskset -----------------------------------------------------------

    def day_tasks(self, day: date) -> list[vf.Task]:
        """The day's tasks; empty when the day is too thin."""
        return self.taskset.open_tasks(day, self.cfg.daily.tasks_per_day)

    def resolving_task(self, stored: dict, today: date) -> vf.Task | None:
        """The stored task with what ``today`` knows as its reference, if enough."""
        return self.taskset.resolve_task(stored, today)

    # -- the two halves of a rollout --------------------------------------------------------

    def forecast(self, day: date) -> list[Forecast]:
        """Today's forecasts, generated and stored once (read back on a rerun)."""
        key = day.isoformat()
        if self.ledger.has_forecasts(key):
            return self.ledger.forecasts(key)
        tasks = self.day_tasks(day)
        if not tasks:
            logger.warning("%s: too few usable headlines to forecast from", key)
            return []
        t = self.trainer
        groups = generate_groups(
            t.model, t.tokenizer, tasks, self.cfg.trainer.group_size, self.cfg.sampling
        )
        scores = score_groups(tasks, groups)  # no reference yet: structure only
        forecasts = [
            Forecast(key, task.data.model_dump(), r, s.reward, s.rewards, s.metrics)
            for task, group, group_scores in zip(tasks, groups, scores, strict=True)
            for r, s in zip(group, group_scores, strict=True)
        ]
        self.ledger.save_forecasts(key, forecasts)
        return forecasts

    def resolve(self, day: str, today: date) -> list[Forecast]:
        """Day ``day``'s forecasts scored against ``today``'s headlines, once."""
        if self.ledger.is_resolved(day):
            return self.ledger.resolved(day)
        stored = self.ledger.forecasts(day)
        by_task: dict[str, list[Forecast]] = {}
        for f in stored:
            by_task.setdefault(f.task["id"], []).append(f)
        tasks, groups = [], []
        for group in by_task.values():
            task = self.resolving_task(group[0].task, today)
            if task is not None:
                tasks.append(task)
                groups.append(group)
        if not tasks:
            return []
        scores = score_groups(tasks, [[f.rollout for f in g] for g in groups])
        resolved = [  # with the resolving task's data: the reference it was scored on
            Forecast(f.day, task.data.model_dump(), f.rollout, s.reward, s.rewards, s.metrics)
            for task, g, gs in zip(tasks, groups, scores, strict=True)
            for f, s in zip(g, gs, strict=True)
        ]
        self.ledger.save_resolved(day, resolved)
        return resolved

    def learn(self, resolved: list[Forecast], step: int) -> dict:
        """One off-policy GSPO update on a day's resolved groups."""
        by_task: dict[str, list[Forecast]] = {}
        for f in resolved:
            by_task.setdefault(f.task["id"], []).append(f)
        rewards = np.array([[f.reward for f in g] for g in by_task.values()])
        keep, advantages = informative_groups(rewards), group_advantages(rewards)
        samples = [
            (f.rollout, float(a))
            for g, a_row, k in zip(by_task.values(), advantages, keep, strict=True)
            if k
            for f, a in zip(g, a_row, strict=True)
        ]
        rng = np.random.default_rng([self.cfg.trainer.seed, step])
        stats = self.trainer.update(samples, rng) if samples else {}
        return {"frac_zero_std": float(1 - keep.mean()), **stats}

    # -- one day, many days ---------------------------------------------------------------------

    def run_day(self, day: date) -> DayResult:
        """Forecast ``day``; resolve and learn from every earlier forecast day not yet learned
        from whose next day's headlines are in (usually just yesterday; more after a missed
        day or a thin one). A day that made nothing and learned nothing is not marked done, so
        a later run the same day (more headlines ingested) tries again."""
        t = self.trainer
        step = t.step + 1
        mx.random.seed(self.cfg.trainer.seed * 1_000_003 + step)
        start = time.perf_counter()
        made = self.forecast(day)
        resolved_days, resolved = [], []
        for past in self.ledger.days():
            if past >= day.isoformat() or past in self.learned:
                continue
            forecasts = self.resolve(past, date.fromisoformat(past) + timedelta(days=1))
            if forecasts:
                resolved_days.append(past)
                resolved += forecasts
        row = {**table_row(resolved), **self.learn(resolved, step)} if resolved else {}
        if made:
            row["structure_now"] = table_row(made).get("structure", 0.0)
        if made or resolved:
            t.step = step
            self.last_day = day.isoformat()
            self.learned += resolved_days
            extra = {"day": self.last_day, "learned": self.learned}
            checkpoint.save(t.run_dir, t.model, t.opt, checkpoint.TrainingState(step, {}, extra))
        row |= {
            "step": t.step,
            "day": day.isoformat(),
            "forecasts": len(made),
            "resolved": len(resolved),
            "seconds": time.perf_counter() - start,
        }
        return DayResult(day.isoformat(), len(made), ", ".join(resolved_days) or None, row)

    def resume(self) -> None:
        folder = checkpoint.latest(self.trainer.run_dir)
        if folder is None:
            return
        if not self.cfg.resume:
            raise ValueError(
                f"{self.trainer.run_dir} already holds a run (checkpoints, stored forecasts): "
                "resume it, or choose a new --output"
            )
        state = checkpoint.load(folder, self.trainer.model, self.trainer.opt)
        self.trainer.step, self.last_day = state.step, state.extra.get("day")
        self.learned = list(state.extra.get("learned", []))
        trim_after(self.trainer.run_dir / "days.jsonl", state.step)

    def run(self, days: list[date], on_day: Callable[[DayResult], None] | None = None) -> None:
        """Process ``days`` in order, skipping those a previous run already finished."""
        self.trainer.run_dir.mkdir(parents=True, exist_ok=True)
        self.resume()
        (self.trainer.run_dir / "config.json").write_text(self.cfg.model_dump_json(indent=2))
        log = JsonlLog(self.trainer.run_dir / "days.jsonl")
        try:
            for day in days:
                if self.last_day is not None and day.isoformat() <= self.last_day:
                    continue
                result = self.run_day(day)
                log.write(result.row)
                if on_day:
                    on_day(result)
        finally:
            log.close()
        for day in self.ledger.pending():
            if self.last_day and day < self.last_day:
                logger.warning("%s: forecasts never resolved (no next-day headlines)", day)

    def heldout_tasks(self, day: date) -> list[vf.Task]:
        """Day ``day``'s tasks already resolved by the next day's headlines (for evaluation);
        empty when either day is too thin."""
        tasks = [
            self.resolving_task(task.data.model_dump(), day + timedelta(days=1))
            for task in self.day_tasks(day)
        ]
        return [t for t in tasks if t is not None]

    def evaluate(self, tasks: list[vf.Task]) -> dict:
        """Held-out score of the current policy on ``tasks`` (from :meth:`heldout_tasks`)."""
        if not tasks:
            return {"n_tasks": 0}
        t = self.trainer
        return evaluate(
            t.model,
            t.tokenizer,
            tasks,
            self.cfg.env.eval,
            self.cfg.sampling.max_tokens,
            seed=self.cfg.trainer.seed,
        )


def days_between(taskset: DelayedResolution, first: date | None, last: date | None) -> list[date]:
    """The taskset's days from ``first`` to ``last`` (either end open when None)."""
    return [
        d
        for d in taskset.periods()
        if (first is None or d >= first) and (last is None or d <= last)
    ]
