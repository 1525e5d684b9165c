"""An automated red team for any verifiers taskset: search for text that outscores the honest.

A reward is only as good as the cheapest text that beats an honest answer. Given the tasks,
hand-written honest completions h_t for some of them (the evaluated tasks E, from
:class:`~rlnvr.trainers.protocols.HonestCompletions`) and a budget of C reward calls per
task, per family, per seed, each family proposes texts and keeps the best it finds, x_f(t).
With r_t the task's reward (verifiers' weighted sum of its components s_c with weights w_c):

    win_f(t)   = r_t(x_f(t)) - r_t(h_t) > MARGIN (0.05)
    row f      = mean_t r_t(x_f(t)), mean_t r_t(h_t), sum_t win_f(t) / |E|
    component  = argmax_c w_c (s_c(x_f(t)) - s_c(h_t)) on each won task (positive part only);
                 a family's is the most frequent one over its wins
    failed     = some attack family wins on more than FAIL_SHARE (10%) of E

Families; each selects only on rewards of data it is allowed to see:

- ``templates``: ONE text for every task. Fitted on training tasks (not held out, not in E):
  a random sample F of up to ``fit_tasks`` of them, objective mean_{t in F} r_t(x). Candidates
  are every honest text, generic sentences and pairs of them; then the (mu + lambda) climb
  below on that objective, with words and sentences of the candidates and of F's prompts.
  Each candidate costs |F| calls, C|E| per seed; the seed with the best training mean is the
  template, evaluated once on E.
- ``perturb``: the task's references (:class:`~rlnvr.trainers.protocols.TaskReferences`), its
  honest text and the other honest texts are ranked by the objective (r_t; see Time); the best
  K are perturbed, one perturbation per call (word substitution, reordering, truncation,
  padding, invisible characters, splicing two of them), and the perturbed text the objective
  likes best is the family's. Only perturbed texts count.
- ``cross_task``: other tasks' honest texts, the best by the objective (up to C of them).
- ``hill_climb``: black-box (mu + lambda) evolution on r_t from the task's honest text and a
  pool sentence: each generation, lambda children, each one edit (insert/delete/replace a
  word, insert/delete a sentence, duplicate a span, reorder) of a random parent among the mu
  best, with words and sentences from the task's prompt, references and honest text; the mu
  best of parents and children survive, children first on ties (neutral moves drift).

And one diagnostic, reported beside them but never failing a search:

- ``random_edits``: the best of C random single edits (the climb's edits) of the honest text,
  scored on t, with no search: the reward's resolution around honest writing. Its expected
  best grows with C as sigma sqrt(2 ln C) for edit noise sigma, so when it wins about as often
  as ``hill_climb`` the climb's wins are that noise, not a direction a policy could learn
  (every selection is on t's own reward here, dated taskset or not: a measurement, not an
  attack).

Seeds are independent restarts of every search; per task, the family's text is the best over
seeds by the same objective the search used (r_t itself for ``random_edits``). Identical (task,
text) pairs are scored once.

Time. For a taskset whose tasks happen in time (:class:`~rlnvr.trainers.protocols.Dated`:
Varro's days), a text written for a later task knows what happened after an earlier one, an
advantage no policy has. There, task t is attacked only with what existed before it: the
honest texts of earlier tasks (``perturb``, ``cross_task``, template candidates), and a
template fitted on earlier training tasks, one fit per evaluated task (with C/|F| candidate
evaluations, so the family still costs C calls per task); with no earlier training task the
template is the first generic sentence, unfitted. Selecting on t's own reward would be an
oracle there (the reward is t's outcome, which no forecaster has when it writes), so every
attack but the template takes as its objective the mean reward over the ``RECENT`` latest
earlier training tasks: the climb and the perturbations start from t's texts and keep the
edits a policy trained on the days before could have learned, cross-task copying and the
choice among seeds pick by it too, and only the text chosen that way is scored on t.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from statistics import fmean

import verifiers.v1 as vf

from rlnvr.data_pipelines.splits import is_heldout
from rlnvr.trainers import redteam_edits as edits
from rlnvr.trainers.protocols import Dated, HonestCompletions, TaskReferences, require
from rlnvr.trainers.redteam_edits import GENERIC, Pool
from rlnvr.trainers.traces import Score, reward_weights, score_async

MARGIN = 0.05
FAIL_SHARE = 0.10
ATTACKS = ("templates", "perturb", "cross_task", "hill_climb")
DIAGNOSTICS = ("random_edits",)
FAMILIES = (*ATTACKS, *DIAGNOSTICS)
MU, LAMBDA = 4, 8  # survivors and children per generation of the climb
TOP_SOURCES = 4  # sources the perturb family perturbs
BATCH = 16  # texts scored concurrently per task (asyncio.gather)
RECENT = 2  # earlier tasks a dated hill climb optimises on


@dataclass(frozen=True)
class Budget:
    calls: int = 300
    """Reward calls per evaluated task, per family, per seed."""
    seeds: tuple[int, ...] = (0, 1, 2)
    """Independent restarts."""
    max_tasks: int | None = None
    """Evaluate at most this many of the tasks with honest completions (taskset order)."""
    fit_tasks: int = 16
    """Training tasks a template is fitted on."""


FULL = Budget()
FAST = Budget(calls=16, seeds=(0,), max_tasks=10, fit_tasks=4)  # seconds on a cheap reward


@dataclass(frozen=True)
class Attempt:
    text: str
    score: Score


Progress = Callable[[int, int], None]  # (reward calls made, planned)


class Scorer:
    """The task's reward through ``score_async``, each (task, text) scored once, in batches."""

    def __init__(self, progress: Progress | None = None, planned: int = 0) -> None:
        self.cache: dict[tuple[str, str], Score] = {}
        self.calls = 0
        self.progress = progress
        self.planned = planned  # an upper bound on the calls, for a progress bar

    async def many(self, task: vf.Task, texts: Sequence[str]) -> list[Attempt]:
        new = [t for t in dict.fromkeys(texts) if (task.key, t) not in self.cache]
        for i in range(0, len(new), BATCH):
            chunk = new[i : i + BATCH]
            scores = await asyncio.gather(*(score_async(task, t) for t in chunk))
            self.cache.update({(task.key, t): s for t, s in zip(chunk, scores, strict=True)})
            self.calls += len(chunk)
            if self.progress:
                self.progress(self.calls, max(self.planned, self.calls))
        return [Attempt(t, self.cache[(task.key, t)]) for t in texts]


Objective = Callable[[list[str]], Awaitable[list[float]]]


async def evolve(
    objective: Objective, start: list[str], pool: Pool, evaluations: int, rng: random.Random
) -> tuple[str, float]:
    """(mu + lambda) climb: the best text found in ``evaluations`` objective calls."""
    start = list(dict.fromkeys(start))[: max(1, evaluations)]
    population = list(zip(start, await objective(start), strict=True))
    left = evaluations - len(start)
    while left > 0:
        parents = sorted(population, key=lambda p: -p[1])[:MU]
        kids = [edits.mutate(rng.choice(parents)[0], pool, rng) for _ in range(min(LAMBDA, left))]
        left -= len(kids)
        population = sorted(
            list(zip(kids, await objective(kids), strict=True)) + parents, key=lambda p: -p[1]
        )[:MU]
    return max(population, key=lambda p: p[1])


def best(attempts: Sequence[Attempt]) -> Attempt:
    return max(attempts, key=lambda a: a.score.reward)


def references(task: vf.Task) -> list[str]:
    return list(task.references()) if isinstance(task, TaskReferences) else []


def edit_pool(task: vf.Task, honest: str) -> Pool:
    """What an edit of ``task``'s text may insert: its prompt, references and honest text."""
    return Pool.of([prompt_text(task), *references(task), honest])


def prompt_text(task: vf.Task) -> str:
    prompt = task.data.prompt
    if isinstance(prompt, str):
        return prompt
    return " ".join(str(m.content) for m in prompt or [] if isinstance(m.content, str))


@dataclass
class Search:
    """What every family sees: the tasks to attack, their honest texts, the training tasks."""

    scorer: Scorer
    tasks: list[vf.Task]  # E
    honest: dict[str, str]  # task key -> honest text, for E
    train: list[vf.Task]  # candidates for F
    budget: Budget
    period: dict[str, date] | None = None  # task key -> its day, for a Dated taskset
    edit_wins: dict[str, list[float]] = field(default_factory=dict)  # random_edits, per seed

    def earlier(self, key: str, before: vf.Task | None) -> bool:
        """Whether task ``key`` could be known when attacking ``before`` (always, undated)."""
        if before is None or self.period is None:
            return key != getattr(before, "key", None)
        return self.period[key] < self.period[before.key]

    def others(self, task: vf.Task) -> list[str]:
        return [text for key, text in self.honest.items() if self.earlier(key, task)]

    async def template(self, seed: int, before: vf.Task | None = None) -> tuple[str, float]:
        """One seed's fitted template and its mean training reward (fitted on the training
        tasks before ``before`` when the taskset is dated)."""
        rng = random.Random(f"templates:{seed}:{getattr(before, 'key', '')}")
        train = [t for t in self.train if self.earlier(t.key, before)]
        if not train:
            return GENERIC[0], 0.0
        fit = rng.sample(train, min(self.budget.fit_tasks, len(train)))
        known = self.others(before) if before is not None else list(self.honest.values())
        singles = [*known, *GENERIC]
        pairs = [" ".join(rng.sample(singles, 2)) for _ in range(len(GENERIC))]
        start = rng.sample(singles + pairs, len(singles + pairs))
        fitted_on = 1 if before is not None else len(self.tasks)
        evaluations = max(2, self.budget.calls * fitted_on // len(fit))
        pool = Pool.of([*singles, *(prompt_text(t) for t in fit)])
        start = start[: max(1, evaluations // 2)]
        return await evolve(self.objective(fit), start, pool, evaluations, rng)

    async def dated_template(self, task: vf.Task) -> Attempt:
        """The best template over seeds fitted before ``task``, scored on it."""
        fits = [await self.template(seed, before=task) for seed in self.budget.seeds]
        return (await self.scorer.many(task, [max(fits, key=lambda f: f[1])[0]]))[0]

    def selected_on(self, task: vf.Task) -> list[vf.Task]:
        """The tasks whose reward an attack on ``task`` may select its text by: ``task`` itself,
        or for a dated taskset the ``RECENT`` latest earlier training tasks (t's own reward is
        its outcome, an oracle no forecaster has; none when t has no earlier training task)."""
        if self.period is None:
            return [task]
        earlier = (t for t in self.train if self.earlier(t.key, task))
        return sorted(earlier, key=lambda t: self.period[t.key])[-RECENT:]

    def objective(self, on: list[vf.Task]) -> Objective:
        """Mean reward over the tasks ``on``."""

        async def reward(texts: list[str]) -> list[float]:
            per_task = await asyncio.gather(*(self.scorer.many(t, texts) for t in on))
            return [fmean(a[i].score.reward for a in per_task) for i in range(len(texts))]

        return reward

    async def ranked(self, on: list[vf.Task], texts: Sequence[str]) -> list[str]:
        """``texts``, best first by the mean reward over the tasks ``on``."""
        values = await self.objective(on)(list(texts))
        return [t for _, t in sorted(zip(values, texts, strict=True), key=lambda p: -p[0])]

    async def choose(self, task: vf.Task, texts: Sequence[str]) -> str:
        """The best of ``texts`` by the objective on ``selected_on(task)`` (the task's honest
        text when there is nothing to choose from or to choose by: no attack)."""
        on = self.selected_on(task)
        return (await self.ranked(on, texts))[0] if on and texts else self.honest[task.key]

    async def perturb(self, task: vf.Task, rng: random.Random) -> str:
        on = self.selected_on(task)
        if not on:
            return self.honest[task.key]
        evaluations = max(2, self.budget.calls // len(on))
        others = self.others(task)
        sources = [*references(task), self.honest[task.key], *rng.sample(others, len(others))]
        sources = sources[: max(2, evaluations // 4)]
        top = (await self.ranked(on, sources))[:TOP_SOURCES]
        pool = Pool.of([prompt_text(task), *top])
        kids = [edits.perturb(top, pool, rng) for _ in range(max(1, evaluations - len(sources)))]
        return await self.choose(task, kids)

    async def cross_task(self, task: vf.Task, rng: random.Random) -> str:
        """The best other task's honest text (the task's own when there is none: no attack)."""
        others = self.others(task)
        return await self.choose(task, rng.sample(others, min(len(others), self.budget.calls)))

    def pool(self, task: vf.Task) -> Pool:
        return edit_pool(task, self.honest[task.key])

    async def hill_climb(self, task: vf.Task, rng: random.Random) -> str:
        pool, on = self.pool(task), self.selected_on(task)
        if not on:
            return self.honest[task.key]
        start = [self.honest[task.key], rng.choice(pool.sentences)]
        evaluations = max(2, self.budget.calls // len(on))
        text, _ = await evolve(self.objective(on), start, pool, evaluations, rng)
        return await self.choose(task, [text])

    async def random_edits(self, task: vf.Task, rng: random.Random) -> str:
        honest, pool = self.honest[task.key], self.pool(task)
        kids = await self.scorer.many(
            task, [edits.mutate(honest, pool, rng) for _ in range(self.budget.calls)]
        )
        honest_reward = (await self.scorer.many(task, [honest]))[0].score.reward
        share = fmean(a.score.reward - honest_reward > MARGIN for a in kids)
        self.edit_wins.setdefault(task.key, []).append(share)
        return best(kids).text

    async def family(self, name: str) -> dict[str, Attempt]:
        """Task key -> the family's text, the best over seeds by its objective, scored on it."""
        if name == "templates":
            if not self.train:
                raise ValueError("templates: no training tasks to fit on (every task is held out)")
            if self.period is not None:
                return {t.key: await self.dated_template(t) for t in self.tasks}
            fits = [await self.template(seed) for seed in self.budget.seeds]
            text = max(fits, key=lambda f: f[1])[0]
            return {t.key: (await self.scorer.many(t, [text]))[0] for t in self.tasks}
        attack = getattr(self, name)
        found: dict[str, Attempt] = {}
        for task in self.tasks:
            tries = [
                await attack(task, random.Random(f"{name}:{seed}:{task.key}"))
                for seed in self.budget.seeds
            ]
            if name not in DIAGNOSTICS:  # random_edits measures t's own reward: best on t
                tries = [await self.choose(task, tries)]
            found[task.key] = best(await self.scorer.many(task, tries))
        return found


def let_through(attack: Score, honest: Score, weights: Mapping[str, float]) -> str | None:
    """The component whose weighted gain over the honest text is largest, if any is positive."""
    gains = {
        c: weights.get(c, 1.0) * (attack.rewards.get(c, 0.0) - honest.rewards.get(c, 0.0))
        for c in {**attack.rewards, **honest.rewards}
    }
    top = max(gains, key=lambda c: gains[c], default=None)
    return top if top is not None and gains[top] > 0 else None


@dataclass(frozen=True)
class FamilyReport:
    family: str
    mean: float
    honest_mean: float
    wins: int
    n: int
    component: str  # "-" without wins
    winners: list[dict] = field(repr=False)

    @property
    def failed(self) -> bool:
        return self.family not in DIAGNOSTICS and self.wins > FAIL_SHARE * self.n


def summarise(
    family: str, found: Mapping[str, Attempt], honest: Mapping[str, Attempt], tasks: list[vf.Task]
) -> FamilyReport:
    winners = []
    for task in tasks:
        attack, ref = found[task.key], honest[task.key]
        if attack.score.reward - ref.score.reward > MARGIN:
            component = let_through(attack.score, ref.score, reward_weights(task)) or "-"
            winners.append(
                {
                    "family": family,
                    "task": task.key,
                    "reward": attack.score.reward,
                    "honest_reward": ref.score.reward,
                    "component": component,
                    "rewards": attack.score.rewards,
                    "honest_rewards": ref.score.rewards,
                    "text": attack.text,
                    "honest": ref.text,
                }
            )
    components = Counter(w["component"] for w in winners)
    return FamilyReport(
        family=family,
        mean=fmean(found[t.key].score.reward for t in tasks),
        honest_mean=fmean(honest[t.key].score.reward for t in tasks),
        wins=len(winners),
        n=len(tasks),
        component=components.most_common(1)[0][0] if components else "-",
        winners=winners,
    )


@dataclass(frozen=True)
class Report:
    families: list[FamilyReport]
    calls: int
    seconds: float
    edit_win_share: float | None = None
    """The share of random single edits of an honest text that beat it by more than
    ``MARGIN`` (mean over tasks and seeds; ``random_edits`` measures it). A search of C calls
    that does no better than blind edits still wins a task with chance 1 - (1 - share)^C."""

    @property
    def failed(self) -> bool:
        return any(f.failed for f in self.families)

    @property
    def strongest_attack(self) -> FamilyReport | None:
        """The attack family with the highest mean reward (diagnostics measure noise, they
        are no text a policy could learn); None when no attack family ran."""
        attacks = [f for f in self.families if f.family not in DIAGNOSTICS]
        return max(attacks, key=lambda f: f.mean, default=None)


def honest_tasks(
    taskset: object, tasks: list[vf.Task], max_tasks: int | None
) -> tuple[list[vf.Task], dict[str, str]]:
    """The tasks with honest completions (taskset order, at most ``max_tasks``) and the texts."""
    require(taskset, HonestCompletions, "rlnvr redteam")
    honest = dict(taskset.honest_completions())  # type: ignore[attr-defined]
    chosen = [t for t in tasks if t.key in honest][:max_tasks]
    if not chosen:
        raise ValueError(
            f"none of the {len(honest)} honest completions names one of the taskset's "
            f"{len(tasks)} tasks"
        )
    return chosen, {t.key: honest[t.key] for t in chosen}


async def redteam_async(
    taskset: vf.Taskset,
    budget: Budget = FULL,
    families: Sequence[str] = FAMILIES,
    heldout_percent: float = 20.0,
    progress: Progress | None = None,
) -> Report:
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown or not families:
        raise ValueError(f"unknown families {unknown}: choose from {', '.join(FAMILIES)}")
    started = time.perf_counter()
    everything = list(taskset)
    tasks, honest = honest_tasks(taskset, everything, budget.max_tasks)
    train = [t for t in everything if not is_heldout(t.key, heldout_percent)]
    scorer = Scorer(progress, planned_calls(len(tasks), budget, families))
    period = (
        {t.key: taskset.task_period(t) for t in everything} if isinstance(taskset, Dated) else None
    )
    search = Search(
        scorer, tasks, honest, [t for t in train if t.key not in honest], budget, period
    )
    reference = {t.key: (await search.scorer.many(t, [honest[t.key]]))[0] for t in tasks}
    reports = [summarise(name, await search.family(name), reference, tasks) for name in families]
    shares = [fmean(s) for s in search.edit_wins.values()]
    return Report(
        reports,
        search.scorer.calls,
        time.perf_counter() - started,
        fmean(shares) if shares else None,
    )


def redteam(taskset: vf.Taskset, budget: Budget = FULL, **kwargs) -> Report:
    """Synchronous :func:`redteam_async`."""
    return asyncio.run(redteam_async(taskset, budget, **kwargs))


def planned_calls(n_tasks: int, budget: Budget, families: Sequence[str]) -> int:
    """An upper bound on the reward calls of a search on ``n_tasks`` evaluated tasks."""
    return n_tasks * (1 + len(families) * (budget.calls * len(budget.seeds) + 1))


def markdown(report: Report) -> str:
    lines = ["| family | mean | honest mean | wins/N | component |", "|---|---|---|---|---|"]
    for f in report.families:
        name = f"{f.family} (noise)" if f.family in DIAGNOSTICS else f.family
        lines.append(
            f"| {name} | {f.mean:.3f} | {f.honest_mean:.3f} | {f.wins}/{f.n} | {f.component} |"
        )
    if report.edit_win_share is not None:
        lines.append(
            f"\n{report.edit_win_share:.1%} of random single edits of an honest text beat it by "
            f"more than {MARGIN}"
        )
    return "\n".join(lines)


def write(report: Report, folder: Path) -> Path:
    """winners.jsonl (every winning text), table.md and summary.json; returns winners.jsonl."""
    folder.mkdir(parents=True, exist_ok=True)
    winners = folder / "winners.jsonl"
    rows = [w for f in report.families for w in f.winners]
    winners.write_text("".join(json.dumps(w, ensure_ascii=False) + "\n" for w in rows))
    (folder / "table.md").write_text(markdown(report) + "\n")
    summary = {
        "failed": report.failed,
        "calls": report.calls,
        "seconds": report.seconds,
        "edit_win_share": report.edit_win_share,
        "families": [
            {k: v for k, v in asdict(f).items() if k != "winners"} for f in report.families
        ],
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return winners
