"""Varro taskset: read one day's headlines, forecast what happens next.

A task is one UTC day t of real RSS headlines (``data/tasks.jsonl``, built by
``rlnvr_varro.build`` from the archives through rlnvr's headline store). The prompt
shows up to ``max_headlines`` of day t's headlines and asks for one short forecast paragraph
with five beats. Day t+1's headlines ride in the task data for the reward and never appear
in the prompt; so do the base days' headlines (earlier days, the semantic skill's base rate).

Rewards (separate ``@vf.reward`` components, weights overridable with
``[env.taskset.task.rewards] semantic = {weight = ...}``):

* ``semantic`` (0.75): skill over a base rate, as forecasters are scored against
  climatology: closeness to day t+1's headlines minus the same text's mean closeness to the
  headlines of earlier days (the task's base days, ``rlnvr_varro.base``), claim by claim, each
  rescaled to [0, 1] and pooled over at least two slots (``rlnvr_varro.semantic``). A text that
  fits every day's news earns nothing, and cutting a claim that missed earns nothing either;
* ``structure`` (0.25): the five beats, counted only in plausible sentences
  (``rlnvr_varro.structure``), times the forecast's relevance to today's headlines over the
  same base rate, so five beats around a fixed subject earn nothing.

Each component is multiplied by the same guard, ``length_guard(words) x (1 - leak) x prose``
(``rlnvr_varro.guard``, ``rlnvr_varro.leak``; prose ramps the share of
words in plausible sentences, ``rlnvr_varro.structure.prose_share``), so empty, overlong,
meta-talking, instruction-echoing, headline-pasting or word-soup text cannot score well. Every
component reads the reply once through ``canonical`` (the one normalisation: NFKC, invisible
and stray characters removed, whitespace collapsed), so every detector and the embedder see the
same text and odd input scores 0 instead of raising. Metrics:
``zeros`` (1.0 when the weighted reward is exactly 0), ``leak``, ``words``, ``quality`` (1.0
for a forecast one would publish: on length, no leak, at least four of the five beats, and
with semantic skill above the floor), and the top-k closeness of the text to day t+1's and
to day t's headlines (``sim_tomorrow``, ``sim_today``; unscaled, before the base rate).
Per-run means of these make the daily loop's table.

Scoring knobs live on the task config (``VarroTaskConfig``, ``[env.taskset.task]``), not on
the taskset config: a served worker rebuilds each task from its data and
``config.taskset.task`` without calling ``load()``, so that is the only config a reward sees.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from datetime import date, timedelta
from typing import Any

import verifiers.v1 as vf
from pydantic import Field

from rlnvr_varro._vendor.embeddings import DEFAULT_MODEL
from rlnvr_varro._vendor.hacks import ramp
from rlnvr_varro._vendor.length import word_count
from rlnvr_varro._vendor.packaged import read_jsonl
from rlnvr_varro._vendor.text import canonical
from rlnvr_varro.base import MIN_BASE_DAYS, PER_DAY, base_from_store
from rlnvr_varro.build import rows_from_store
from rlnvr_varro.guard import length_guard
from rlnvr_varro.headline_store import HeadlineStore
from rlnvr_varro.leak import leak_score
from rlnvr_varro.selection import reference, spread
from rlnvr_varro.semantic import (
    DEFAULT_FLOOR,
    DEFAULT_K,
    DEFAULT_MIN_CLAIMS,
    DEFAULT_SCALE,
    SemanticSkill,
    semantic_skill,
    shared_embedder,
)
from rlnvr_varro.structure import prose_share, structure_score

INSTRUCTION = (
    "Write one short forecast paragraph (40-120 words) about what happens next. Give five "
    "beats: the object (what will move), its direction with a small magnitude, a tight "
    "timeframe, the named drivers, and a verification sketch (the data or source that will "
    "settle it). Write only the forecast."
)
PROMPT = "Today's headlines ({day}):\n{headlines}\n\n" + INSTRUCTION
QUALITY_BEATS = 4


PROSE_RAMP = (0.3, 0.8)  # share of words in plausible sentences: guard 0 at 30%, 1 at 80%


class VarroTaskConfig(vf.TaskConfig):
    """Scoring knobs, under ``[env.taskset.task]``."""

    semantic_k: int = Field(DEFAULT_K, ge=1)
    """A day's closeness is the mean of the k best similarities to its headlines (1: the
    single best match)."""
    skill_floor: float = DEFAULT_FLOOR
    """Skill (closeness over the base rate) that maps to 0: about what a fixed paragraph
    reaches on an average day (measured for MiniLM; change with the model)."""
    skill_scale: float = Field(DEFAULT_SCALE, gt=0)
    """Skill above the floor that maps to 1: ``floor + scale`` is about what a forecast
    written with hindsight reaches."""
    min_claims: int = Field(DEFAULT_MIN_CLAIMS, ge=1)
    """Each claim's skill is paid alone and the claims share at least this many slots: a
    forecast of fewer claims leaves slots empty, one of more divides by its own count (1:
    the mean of the claims' clipped skills, which pays cutting a claim that missed)."""
    relevance_gate: bool = True
    """Multiply structure by the forecast's relevance to today's headlines over the base rate
    (off: five beats pay whatever the subject)."""
    embedding_model: str = DEFAULT_MODEL
    """Sentence-transformers model name or folder (default: all-MiniLM-L6-v2, offline)."""
    min_words: int = Field(25, ge=1)
    """Below this the guard ramps down linearly to 0 at 0 words."""
    max_words: int = Field(150, ge=1)
    """Above this the guard ramps down linearly ..."""
    hard_max_words: int = Field(250, ge=2)
    """... to 0 here; longer text scores 0."""
    leak_gate: bool = True
    """Multiply every component by (1 - leak)."""
    prose_gate: bool = True
    """Multiply every component by the share of words in plausible sentences, ramped from 0
    at 30% to 1 at 80% (word soup that embeds near tomorrow's headlines scores 0)."""


class VarroConfig(vf.TasksetConfig):
    """Load-time knobs, under ``[env.taskset]``; scoring knobs are under ``task``."""

    store: str | None = None
    """A headline store folder (``rlnvr varro ingest`` fills it): tasks are built from its days,
    as the packaged ones were from the archives. Default: the packaged sample."""
    min_today: int = Field(12, ge=1)
    """A day needs this many usable headlines (per task) to be forecast from."""
    min_tomorrow: int = Field(8, ge=1)
    """A forecast resolves only against at least this many next-day headlines."""

    max_headlines: int = Field(15, ge=1, le=20)
    """Day-t headlines shown in each prompt (the packaged pool holds 20 or fewer)."""
    max_reference: int = Field(PER_DAY, ge=1)
    """Day t+1 headlines the semantic reward compares against (the packaged data holds up to
    16, as many as each base day: a day's top-k closeness grows with its headline count)."""
    task: VarroTaskConfig = VarroTaskConfig()


class VarroData(vf.TaskData):
    day: str
    """Day t (ISO date): the headlines in the prompt."""
    headlines: list[str]
    """Day t's headlines exactly as shown in the prompt."""
    next_day: str
    """Day t+1 (ISO date)."""
    next_headlines: list[str]
    """Day t+1's headlines: the reward's reference, never shown to the model."""
    base_days: list[str]
    """The base days (ISO dates, most recent first): earlier days, before t-2."""
    base_headlines: list[list[str]]
    """Each base day's headlines: the base rate the semantic skill is measured against."""


def reply(trace: vf.Trace) -> str:
    """The reply as every detector and the embedder see it (``canonical``)."""
    return canonical(trace.last_reply)


# Set while `zeros` scores a scratch copy of the trace, so that inner pass skips `zeros`.
_INNER_SCORING: ContextVar[bool] = ContextVar("rlnvr_varro_inner_scoring", default=False)


class VarroTask(vf.Task[VarroData, vf.State, VarroTaskConfig]):
    @property
    def key(self) -> str:
        """The task's id (its day), so held-out splits survive changes to its data."""
        return self.data.id

    def references(self) -> list[str]:
        """The texts a forecast could copy (``TaskReferences``): today's headlines. Tomorrow's
        are the answer, which no forecaster has when it writes."""
        return list(self.data.headlines)

    def guard(self, text: str) -> float:
        """length_guard(words) x (1 - leak) x prose: the factor every component is multiplied by."""
        cfg = self.config
        g = length_guard(word_count(text), cfg.min_words, cfg.max_words, cfg.hard_max_words)
        if g > 0 and cfg.leak_gate:
            g *= 1.0 - self.leak_of(text)
        if g > 0 and cfg.prose_gate:
            g *= ramp(prose_share(text), *PROSE_RAMP)
        return g

    def leak_of(self, text: str) -> float:
        return leak_score(text, INSTRUCTION, self.data.headlines).leak

    def semantic_of(self, text: str) -> SemanticSkill:
        """Skill and relevance of the forecast's claims in its own words: runs of
        ``COPY_RUN`` words pasted from today's headlines are cut out of each claim before it
        is embedded, so a pasted headline earns no closeness to tomorrow's (the story it
        carries on may, in the writer's words)."""
        cfg = self.config
        return semantic_skill(
            text,
            self.data.next_headlines,
            self.data.headlines,
            self.data.base_headlines,
            pasted_from=self.data.headlines,
            embedder=shared_embedder(cfg.embedding_model),
            k=cfg.semantic_k,
            floor=cfg.skill_floor,
            scale=cfg.skill_scale,
            min_claims=cfg.min_claims,
        )

    @vf.reward(weight=0.75)
    async def semantic(self, trace: vf.Trace) -> float:
        """Skill: closeness to day t+1's headlines over the base days', in [0, 1], guarded."""
        text = reply(trace)
        g = self.guard(text)
        return g * self.semantic_of(text).score if g > 0 else 0.0

    @vf.reward(weight=0.25)
    async def structure(self, trace: vf.Trace) -> float:
        """Share of the five beats present in plausible sentences, stuffing-penalised, times
        relevance to today's headlines over the base rate, guarded."""
        text = reply(trace)
        g = self.guard(text)
        if g == 0:
            return 0.0
        beats = structure_score(text).score
        if beats == 0 or not self.config.relevance_gate:
            return g * beats
        return g * beats * self.semantic_of(text).relevance

    @vf.metric
    async def zeros(self, trace: vf.Trace) -> float:
        """1.0 when the weighted reward is exactly 0. Metrics run before rewards in verifiers,
        so this scores a scratch copy of the trace with the task's own rewards and their
        configured weights (``Task.score``: plugged rewards and TOML overrides included)."""
        if _INNER_SCORING.get():
            return 0.0  # the scratch pass below: its metrics are thrown away
        scratch = trace.model_copy(deep=True)
        scratch.rewards, scratch.metrics = {}, {}
        token = _INNER_SCORING.set(True)
        try:
            await self.score(scratch)
        finally:
            _INNER_SCORING.reset(token)
        return float(scratch.reward == 0.0)

    @vf.metric
    async def leak(self, trace: vf.Trace) -> float:
        """Meta talk, instruction echo and pasted prompt headlines, combined, in [0, 1]."""
        return self.leak_of(reply(trace))

    @vf.metric
    async def words(self, trace: vf.Trace) -> float:
        return float(word_count(reply(trace)))

    @vf.metric
    async def quality(self, trace: vf.Trace) -> float:
        """1.0 for a publishable forecast: guard 1 (on length, no leak), >= 4 of 5 beats,
        semantic skill above the floor. A run's mean is the share of forecasts worth reading."""
        text = reply(trace)
        if self.guard(text) < 1.0 or structure_score(text).score < QUALITY_BEATS / 5:
            return 0.0
        return float(self.semantic_of(text).score > 0)

    def measurable(self, text: str) -> bool:
        """Within the hard word maximum: past it the guard is 0 and no forecast is read, so the
        similarity metrics do not embed a 100k-character reply claim by claim."""
        return word_count(text) <= self.config.hard_max_words

    @vf.metric
    async def sim_tomorrow(self, trace: vf.Trace) -> float:
        """Top-k closeness to day t+1's headlines (unguarded, before the base rate; 0 past the
        hard word maximum)."""
        text = reply(trace)
        return self.semantic_of(text).sim_tomorrow if self.measurable(text) else 0.0

    @vf.metric
    async def sim_today(self, trace: vf.Trace) -> float:
        """Top-k closeness to the prompt's day-t headlines (unguarded, before the base rate; 0
        past the hard word maximum)."""
        text = reply(trace)
        return self.semantic_of(text).sim_today if self.measurable(text) else 0.0


class VarroTaskset(vf.Taskset[VarroTask, VarroConfig]):
    """One task per day: the packaged sample, or the days of ``store``.

    Also a delayed-resolution taskset (``rlnvr.trainers.protocols.DelayedResolution``) over its
    store, for the daily loop: forecast on day t, resolve on day t+1.
    """

    def load(self) -> Iterator[VarroTask]:
        if self.config.store is None:
            rows = read_jsonl("rlnvr_varro", "data/tasks.jsonl")
        else:
            cfg = self.config
            pool = max(cfg.max_headlines, 20)
            rows = rows_from_store(
                self.headline_store(), pool, cfg.max_reference, cfg.min_today, cfg.min_tomorrow
            )
        for row in rows:
            yield self.make_task(**row)

    def honest_completions(self) -> dict[str, str]:
        """Hand-written honest forecasts (``data/honest.jsonl``), each from its day's headlines
        only, as a forecaster would write them: task id -> completion."""
        return {r["id"]: r["completion"] for r in read_jsonl("rlnvr_varro", "data/honest.jsonl")}

    def make_task(
        self,
        id: str,
        day: str,
        headlines: list[str],
        next_day: str,
        next_headlines: list[str],
        base_days: list[str],
        base_headlines: list[list[str]],
    ) -> VarroTask:
        """One task from a day's headline pool, its (possibly not yet known) next-day reference
        and its base days."""
        shown = headlines[: self.config.max_headlines]
        data = VarroData(
            id=id,
            prompt=PROMPT.format(day=day, headlines="\n".join(f"- {h}" for h in shown)),
            day=day,
            headlines=shown,
            next_day=next_day,
            next_headlines=next_headlines[: self.config.max_reference],
            base_days=base_days,
            base_headlines=base_headlines,
        )
        return VarroTask(data, self.config.task)

    def task_period(self, task: VarroTask) -> date:
        """The forecast's day t (``rlnvr.trainers.protocols.Dated``): a forecast written on a
        later day knows headlines this one could not."""
        return date.fromisoformat(task.data.day)

    # -- delayed resolution (the daily loop) ----------------------------------------------

    def headline_store(self) -> HeadlineStore:
        if self.config.store is None:
            raise ValueError("env.taskset.store is not set: the daily loop reads a headline store")
        return HeadlineStore(self.config.store)

    def periods(self) -> list[date]:
        return self.headline_store().days()

    def open_tasks(self, day: date, count: int) -> list[VarroTask]:
        """``count`` tasks for ``day``, its headlines dealt round-robin, with the base days
        ``build`` gives a packaged task; [] when the day or its base is too thin."""
        store = self.headline_store()
        per_task = self.config.max_headlines
        titles = spread(store.day(day), per_task * count)
        base = base_from_store(store, day)
        if len(titles) < self.config.min_today * count or len(base) < MIN_BASE_DAYS:
            return []
        nxt = (day + timedelta(days=1)).isoformat()
        days, base_titles = [d.isoformat() for d, _ in base], [t for _, t in base]
        return [
            self.make_task(
                f"{day}/{i}", day.isoformat(), titles[i::count], nxt, [], days, base_titles
            )
            for i in range(count)
        ]

    def resolve_task(self, data: Mapping[str, Any], today: date) -> VarroTask | None:
        """The stored task with ``today``'s headlines as its reference, if enough, and its base
        days read from the store as ``open_tasks`` read them."""
        store = self.headline_store()
        day = date.fromisoformat(data["day"])
        ref = reference(store.day(day), store.day(today), self.config.max_reference)
        base = base_from_store(store, day)
        if len(ref) < self.config.min_tomorrow or len(base) < MIN_BASE_DAYS:
            return None
        fields = {k: data[k] for k in ("id", "day", "headlines", "next_day")}
        return self.make_task(
            **fields,
            next_headlines=ref,
            base_days=[d.isoformat() for d, _ in base],
            base_headlines=[t for _, t in base],
        )
