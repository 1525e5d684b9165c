"""The trainer's hack monitor: per-step signals, calibrated on the first steps, with warnings.

Both backends hand the monitor every step's completions (:meth:`HackMonitor.add`) and then
the step's metrics row (:meth:`HackMonitor.observe`), which returns ``monitor/...`` columns for
metrics.jsonl. The first ``calibration_steps`` steps are the base: each signal's mean and
spread there set its threshold, ``mean ± max(k x spread, the signal's minimum move)`` on the
side a hack pushes it, so a noisy signal needs a larger move and a steady one cannot warn on a
wobble. A signal warns once it stays past its threshold ``patience`` steps in a row. Length is
judged against two lengths, the base model's and the taskset's honest completions' (when it
ships them): a policy that learns the length the task asks for is not drifting. The end-of-run
summary tells a warning still firing at the last step from one that fired and recovered.
Everything the warnings need is in the logged rows, so a resumed run rebuilds the monitor
from metrics.jsonl (:meth:`HackMonitor.restore`). README "Hack monitor" states each rule.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import verifiers.v1 as vf

from rlnvr.rubrics.text import canonical, words
from rlnvr.trainers.config import MonitorConfig
from rlnvr.trainers.hack_signals import (
    copy_share,
    cross_task_similarity,
    distinct_n,
    length_drift,
    moving_apart,
    reference_ngrams,
    truncation_share,
)
from rlnvr.trainers.protocols import HonestCompletions, TaskReferences
from rlnvr.trainers.traces import reward_weights

logger = logging.getLogger("rlnvr.hack_monitor")
PREFIX = "monitor/"
WARNINGS = PREFIX + "warnings"
DIVERGENCE = "divergence"
DIVERGENCE_MIN_MOVE = 0.1  # reward units: smaller opposite moves are within a run's noise


@dataclass(frozen=True)
class Completion:
    """One sampled completion as the monitor needs it."""

    task_key: str
    text: str
    truncated: bool


@dataclass(frozen=True)
class Rule:
    """When a signal warns: ``direction`` +1 when it rises, -1 when it falls, 0 either way,
    by more than ``max(k x base spread, min_move)``."""

    name: str
    label: str
    direction: int
    min_move: float


RULES = (
    Rule("cross_task_sim", "cross-task similarity", +1, 0.15),
    Rule("distinct_1", "distinct-1", -1, 0.15),
    Rule("distinct_2", "distinct-2", -1, 0.15),
    Rule("truncated", "truncation share", +1, 0.25),
    Rule("copy_share", "copy share", +1, 0.2),
    Rule("length_drift", "length (x base)", 0, 0.5),
)
LABELS = {r.name: r.label for r in RULES} | {DIVERGENCE: "components moving apart"}


@dataclass(frozen=True)
class Calibration:
    base: float
    spread: float
    move: float  # how far from base the signal must go to be past its threshold
    honest: float | None = None  # the honest completions' value, accepted as the base is

    def past(self, value: float | None, direction: int) -> bool:
        if value is None:
            return False
        if direction == 0:
            low, high = self.threshold(0)
            return not low <= value <= high
        return direction * (value - self.base) > self.move

    def threshold(self, direction: int) -> float | list[float]:
        if direction == 0:
            ends = [self.base] if self.honest is None else [self.base, self.honest]
            return [min(ends) - self.move, max(ends) + self.move]
        return self.base + direction * self.move


def first_per_task(completions: list[Completion], n: int) -> list[Completion]:
    """The first ``n`` completions of each task, in order."""
    taken: dict[str, int] = {}
    out = []
    for c in completions:
        taken[c.task_key] = taken.get(c.task_key, 0) + 1
        if taken[c.task_key] <= n:
            out.append(c)
    return out


def reward_series(row: Mapping, signs: Mapping[str, float] | None = None) -> dict[str, float]:
    """The weighted reward and every reward component of a metrics row, each component times
    the sign of its weight (``signs``: component -> +1/-1; a penalty that falls is a
    contribution that rises, not a component moving against the reward)."""
    signs = signs or {}
    keys = ["reward_mean", *sorted(k for k in row if k.startswith("reward/"))]
    return {
        k: float(row[k]) * signs.get(k.removeprefix("reward/"), 1.0)
        for k in keys
        if isinstance(row.get(k), int | float)
    }


def honest_length(taskset: object) -> float | None:
    """Mean words of the taskset's honest completions (HonestCompletions), or None: the length
    the task asks for, which a policy may learn without drifting."""
    if not isinstance(taskset, HonestCompletions):
        return None
    try:
        texts = list(taskset.honest_completions().values())
    except Exception as err:  # a taskset's bug must not stop the run
        logger.warning("honest_completions() failed: %s", err)
        return None
    return float(np.mean([len(words(canonical(t))) for t in texts])) if texts else None


def build_monitor(
    cfg: MonitorConfig, taskset: object, tasks: Iterable[vf.Task]
) -> HackMonitor | None:
    """The run's monitor over its training ``tasks``, or None when switched off; both
    backends build it here, so both judge length against the taskset's honest completions."""
    if not cfg.enabled:
        return None
    return HackMonitor(cfg, {t.key: t for t in tasks}, honest_length=honest_length(taskset))


class HackMonitor:
    def __init__(
        self,
        cfg: MonitorConfig,
        tasks: Mapping[str, vf.Task],
        embedder=None,
        honest_length: float | None = None,
    ) -> None:
        self.cfg = cfg
        self.tasks = tasks
        self.honest_length = honest_length  # in words; see honest_length()
        self._embedder = embedder
        self._references: dict[str, frozenset | None] = {}
        self.pending: list[Completion] = []
        self.rows: list[dict] = []

    # -- per step ---------------------------------------------------------------------------

    def add(self, completions: Iterable[Completion]) -> None:
        """Queue a step's completions (text canonicalised here, once, as rewards see it)."""
        self.pending.extend(
            Completion(c.task_key, canonical(c.text), bool(c.truncated)) for c in completions
        )

    def observe(self, row: Mapping) -> dict:
        """The ``monitor/...`` columns for this step's row, from the queued completions."""
        completions, self.pending = self.pending, []
        out = {PREFIX + k: v for k, v in self.signals(completions).items() if v is not None}
        self.rows.append({**row, **out})
        return out | self._derived(len(self.rows) - 1)

    def signals(self, completions: list[Completion]) -> dict[str, float | None]:
        """The signals read from the text of one step's completions."""
        texts = [c.text for c in completions]
        copies = [
            copy_share(c.text, ref)
            for c in completions
            if (ref := self._reference(c.task_key)) is not None
        ]
        copies = [x for x in copies if x is not None]
        sameness = None
        if self.cfg.embeddings and completions:
            few = first_per_task(completions, self.cfg.embed_per_task)
            vectors = self.embedder.encode([c.text for c in few])
            sameness = cross_task_similarity(vectors, [c.task_key for c in few])
        return {
            "cross_task_sim": sameness,
            "distinct_1": distinct_n(texts, 1),
            "distinct_2": distinct_n(texts, 2),
            "truncated": truncation_share([c.truncated for c in completions]),
            "copy_share": float(np.mean(copies)) if copies else None,
            "length": float(np.mean([len(words(t)) for t in texts])) if texts else None,
        }

    def _derived(self, i: int) -> dict:
        """Length drift, components moving apart and the warnings of row ``i``."""
        out: dict = {}
        lengths = self._values("length", self._base_rows(i))
        if lengths and (length := self.rows[i].get(PREFIX + "length")) is not None:
            drift = length_drift(length, float(np.mean(lengths)))
            if drift is not None:
                out[PREFIX + "length_drift"] = drift
        apart, _ = self._apart(i)
        if apart is not None:
            out[PREFIX + DIVERGENCE] = apart
        self.rows[i].update(out)
        if firing := self._firing(i):
            out[WARNINGS] = firing
            self.rows[i][WARNINGS] = firing
        return out

    # -- calibration and warnings -----------------------------------------------------------

    @property
    def embedder(self):
        if self._embedder is None:
            from rlnvr.rubrics.embeddings import shared_embedder

            self._embedder = shared_embedder()
        return self._embedder

    def _reference(self, key: str) -> frozenset | None:
        """The task's reference n-grams, when it has references (TaskReferences)."""
        if key not in self._references:
            task, grams = self.tasks.get(key), None
            if isinstance(task, TaskReferences):
                try:
                    grams = reference_ngrams(canonical(r) for r in task.references())
                except Exception as err:  # a task's bug must not stop the run
                    logger.warning("references() failed on task %s: %s", key, err)
            self._references[key] = grams
        return self._references[key]

    def _base_rows(self, i: int) -> list[dict]:
        return self.rows[: min(self.cfg.calibration_steps, i + 1)]

    def _values(self, name: str, rows: list[dict]) -> list[float]:
        return [r[PREFIX + name] for r in rows if r.get(PREFIX + name) is not None]

    def calibration(self) -> dict[str, Calibration]:
        """Each signal's base mean, spread and move over the calibration steps (length drift
        relative to the base length itself, the honest length as a second accepted value);
        empty until those steps are in."""
        base = self.rows[: self.cfg.calibration_steps]
        if len(base) < self.cfg.calibration_steps:
            return {}
        out = {}
        lengths = self._values("length", base)
        mean_length = float(np.mean(lengths)) if lengths else 0.0
        honest = None
        if self.honest_length is not None and mean_length:
            honest = self.honest_length / mean_length
        for rule in RULES:
            if rule.name == "length_drift":
                values = [x / mean_length for x in lengths] if mean_length else []
            else:
                values = self._values(rule.name, base)
            if values:
                spread = float(np.std(values))
                move = max(self.cfg.k * spread, rule.min_move)
                accepted = honest if rule.name == "length_drift" else None
                out[rule.name] = Calibration(float(np.mean(values)), spread, move, accepted)
        return out

    def signs(self) -> dict[str, float]:
        """Each component's weight sign, from the first task (a taskset's tasks share a rubric)."""
        task = next(iter(self.tasks.values()), None)
        weights = reward_weights(task) if task is not None else {}
        return {name: -1.0 if w < 0 else 1.0 for name, w in weights.items()}

    def _apart(self, i: int) -> tuple[float | None, tuple[str, str] | None]:
        """Components moving apart at row ``i``: the mean of the last ``calibration_steps``
        rows against the first ones, each series' threshold k x its base spread."""
        w = self.cfg.calibration_steps
        if i < w:
            return None, None
        signs = self.signs()
        base = [reward_series(r, signs) for r in self.rows[:w]]
        recent = [reward_series(r, signs) for r in self.rows[max(w, i - w + 1) : i + 1]]
        names = [n for n in base[0] if all(n in s for s in base + recent)]
        if len(names) < 2:
            return None, None
        deltas = {
            n: float(np.mean([s[n] for s in recent]) - np.mean([s[n] for s in base])) for n in names
        }
        thresholds = {
            n: max(self.cfg.k * float(np.std([s[n] for s in base])), DIVERGENCE_MIN_MOVE)
            for n in names
        }
        return moving_apart(deltas, thresholds)

    def _past(self, i: int, calibration: dict[str, Calibration]) -> set[str]:
        if i < self.cfg.calibration_steps:
            return set()
        row = self.rows[i]
        past = {
            r.name
            for r in RULES
            if r.name in calibration
            and calibration[r.name].past(row.get(PREFIX + r.name), r.direction)
        }
        if self._apart(i)[1] is not None:
            past.add(DIVERGENCE)
        return past

    def _firing(self, i: int) -> list[str]:
        """Signals past their thresholds at row ``i`` and the ``patience - 1`` rows before."""
        calibration = self.calibration()
        span = range(i - self.cfg.patience + 1, i + 1)
        if span.start < 0:
            return []
        sets = [self._past(j, calibration) for j in span]
        return sorted(set.intersection(*sets))

    # -- the run ----------------------------------------------------------------------------

    def restore(self, rows: list[dict]) -> None:
        """Continue a resumed run: the logged rows carry every value the warnings need."""
        self.rows = [dict(r) for r in rows]
        self.pending = []

    def warnings(self) -> dict[str, list[int]]:
        """Signal -> the steps at which it warned."""
        out: dict[str, list[int]] = {}
        for row in self.rows:
            for name in row.get(WARNINGS, []):
                out.setdefault(name, []).append(int(row["step"]))
        return out

    def _span(self, name: str) -> tuple[float, float] | None:
        """A signal's mean over the first and over the last ``calibration_steps`` rows."""
        w = self.cfg.calibration_steps
        key = name if name == "reward_mean" else PREFIX + name
        first = [r[key] for r in self.rows[:w] if r.get(key) is not None]
        last = [r[key] for r in self.rows[-w:] if r.get(key) is not None]
        if not first or not last:
            return None
        return float(np.mean(first)), float(np.mean(last))

    def _moved(self, name: str) -> str:
        span = self._span(name)
        if span is None:
            return ""
        start, end = span
        verb = "rose" if end >= start else "fell"
        return f"{LABELS.get(name, 'reward')} {verb} from {start:.2f} to {end:.2f}"

    def summary(self) -> str:
        """One line: what moved, and when a warning first fired. A warning that still fires at
        the last step is the run's verdict; one that fired and stopped is listed as recovered
        (a wobble, or a hack the policy left: read the completions of those steps)."""
        fired = self.warnings()
        reward = self._span("reward_mean")
        rose = ""
        if reward:
            change = reward[1] - reward[0]
            rose = f"reward {'rose' if change >= 0 else 'fell'} {abs(change):.2f} "
            rose += f"({reward[0]:.2f} -> {reward[1]:.2f})"
        if not fired:
            moved = [m for r in RULES if (m := self._moved(r.name))]
            return f"hack monitor: no warnings in {len(self.rows)} steps; " + "; ".join(
                filter(None, [rose, *moved])
            )
        last = set(self.rows[-1].get(WARNINGS, []))
        firing = {n: s for n, s in fired.items() if n in last}
        recovered = {n: s for n, s in fired.items() if n not in last}
        tail = f"; fired and recovered: {self._fired(recovered)}" if recovered else ""
        if not firing:
            return f"hack monitor: no warning at the end of {len(self.rows)} steps; {rose}{tail}"
        return f"hack monitor: WARNING: {rose} while {self._fired(firing)}{tail}"

    def _fired(self, fired: dict[str, list[int]]) -> str:
        """Each warned signal, what it moved and from which step it warned."""
        reward_at = {int(r["step"]): r.get("reward_mean") for r in self.rows}
        parts = []
        for name, steps in sorted(fired.items(), key=lambda kv: kv[1][0]):
            detail = self._moved(name) if name != DIVERGENCE else self._apart_detail()
            at = reward_at.get(steps[0])
            when = f"step {steps[0]}" + (f", reward {at:.2f}" if at is not None else "")
            n = len(steps)
            parts.append(f"{detail} (warned from {when}; {n} step{'s' * (n != 1)})")
        return "; ".join(parts)

    def _apart_detail(self) -> str:
        """Which two reward series moved apart, as of the last row."""
        _, pair = self._apart(len(self.rows) - 1)
        if pair is None:
            return LABELS[DIVERGENCE]
        w = self.cfg.calibration_steps
        (up, down), text = pair, []
        for name, verb in ((up, "rose"), (down, "fell")):
            start = np.mean([r[name] for r in self.rows[:w]])
            end = np.mean([r[name] for r in self.rows[-w:]])
            label = "the weighted reward" if name == "reward_mean" else f"component {name[7:]}"
            text.append(f"{label} {verb} from {start:.2f} to {end:.2f}")
        return " as ".join(text)

    def report(self) -> dict:
        """Everything monitor.json holds: rules as calibrated, start/end values, warnings."""
        calibration = self.calibration()
        directions = {r.name: r.direction for r in RULES}
        return {
            "config": self.cfg.model_dump(),
            "steps": len(self.rows),
            "calibration": {
                name: {
                    "base": c.base,
                    "spread": c.spread,
                    "threshold": c.threshold(directions[name]),
                }
                for name, c in calibration.items()
            },
            "start_end": {
                name: list(span)
                for name in ["reward_mean", *LABELS]
                if (span := self._span(name)) is not None
            },
            "honest_length": self.honest_length,
            "warnings": self.warnings(),
            "summary": self.summary(),
        }

    def write(self, run_dir: Path) -> Path:
        path = Path(run_dir) / "monitor.json"
        path.write_text(json.dumps(self.report(), indent=2))
        return path
