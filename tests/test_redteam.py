"""`rlnvr redteam`: the automated red team, on word_count, a hackable toy and the environments."""

import asyncio
import json
import random
from dataclasses import replace
from pathlib import Path

import pytest

from rlnvr.data_pipelines.splits import is_heldout
from rlnvr.rubrics.text import canonical
from rlnvr.trainers.protocols import HonestCompletions
from rlnvr.trainers.redteam import (
    FAIL_SHARE,
    FAMILIES,
    FAST,
    Scorer,
    Search,
    honest_tasks,
    let_through,
    markdown,
    redteam,
    write,
)
from rlnvr.trainers.redteam_edits import INVISIBLE, Pool, invisible, perturb
from rlnvr.trainers.tasksets import load_taskset
from rlnvr.trainers.traces import Score, score

REPO = Path(__file__).resolve().parent.parent
TOY = "fixtures.redteam_toy"  # tests/fixtures/redteam_toy.py: half its reward is keyword share


def test_word_count_honest_completions_hit_their_targets():
    taskset = load_taskset({"id": "rlnvr.tasksets.word_count"})
    honest = taskset.honest_completions()
    tasks = [t for t in taskset if t.key in honest]
    assert len(tasks) == len(honest)
    assert sum(is_heldout(t.key, 20.0) for t in tasks) >= 10
    assert all(score(t, honest[t.key]).reward == 1.0 for t in tasks)


def test_red_team_finds_nothing_on_word_count():
    report = redteam(load_taskset({"id": "rlnvr.tasksets.word_count", "max_words": 12}), FAST)
    assert [f.family for f in report.families] == list(FAMILIES)
    assert not report.failed
    by_family = {f.family: f for f in report.families}
    copy = by_family["cross_task"]
    assert copy.wins == 0 and copy.mean <= copy.honest_mean == 1.0
    # the template cannot fit every target length at once
    assert by_family["templates"].mean < 0.5


def test_red_team_beats_a_hackable_reward_and_names_the_component(tmp_path):
    taskset = load_taskset({"id": TOY})
    report = redteam(taskset, FAST)
    assert report.failed
    climb = next(f for f in report.families if f.family == "hill_climb")
    assert climb.failed and climb.component == "keyword"
    assert climb.mean > climb.honest_mean
    rows = [json.loads(line) for line in write(report, tmp_path).read_text().splitlines()]
    assert len(rows) == sum(f.wins for f in report.families)
    for row in rows:
        assert row["reward"] > row["honest_reward"] + 0.05
        assert row["component"] == "keyword" and "great" in row["text"].lower()
    assert "| hill_climb |" in (tmp_path / "table.md").read_text()
    # a seed reproduces the search
    again = redteam(taskset, FAST)
    assert [f.winners for f in again.families] == [f.winners for f in report.families]


def test_random_edits_measure_noise_and_never_fail_a_search(tmp_path):
    report = redteam(load_taskset({"id": TOY}), FAST, families=["random_edits", "hill_climb"])
    noise, climb = report.families
    # the keyword reward has a direction: the climb finds it, random single edits do not
    assert climb.wins > FAIL_SHARE * climb.n and noise.wins < climb.wins
    assert noise.n == climb.n and noise.honest_mean == climb.honest_mean
    noisy = replace(noise, wins=noise.n)  # a reward as noisy as its edits is not an attack
    assert not noisy.failed and not replace(report, families=[noisy]).failed
    assert "| random_edits (noise) |" in markdown(report)
    # one inserted keyword adds 0.5 / 13 < 0.05 to the honest sentence's reward: no single edit
    # wins, the climb needs several in one direction
    assert report.edit_win_share == 0.0 and "0.0% of random single edits" in markdown(report)
    assert redteam(load_taskset({"id": TOY}), FAST, families=["hill_climb"]).edit_win_share is None


@pytest.mark.parametrize("family", ["perturb", "cross_task", "hill_climb"])
def test_a_dated_attack_selects_on_earlier_tasks_and_scores_its_task_once(family):
    """On a dated taskset t's reward is t's outcome: an attack may read it once, for the text
    it chose (among edits, other tasks' texts and seeds) by the earlier tasks' rewards."""
    taskset = load_taskset({"id": "fixtures.redteam_toy_dated"})
    everything = list(taskset)
    tasks, honest = honest_tasks(taskset, everything, FAST.max_tasks)
    train = [t for t in everything if t.key not in honest]
    period = {t.key: taskset.task_period(t) for t in everything}
    search = Search(Scorer(), tasks, honest, train, replace(FAST, seeds=(0, 1)), period)
    for task in tasks:
        on = search.selected_on(task)
        assert 0 < len(on) <= 2 and all(period[t.key] < period[task.key] for t in on)
    found = asyncio.run(search.family(family))
    for task in tasks:
        scored_on_t = {text for key, text in search.scorer.cache if key == task.key}
        assert scored_on_t == {found[task.key].text}
    if family == "hill_climb":  # the keyword hack pays on every day: climbing earlier days finds it
        honest_reward = {t.key: score(t, honest[t.key]).reward for t in tasks}
        assert sum(found[k].score.reward > r for k, r in honest_reward.items()) > len(tasks) // 2


def test_a_taskset_without_honest_completions_is_refused_by_name():
    from fixtures.redteam_toy import ToyTasks

    bare = ToyTasks(load_taskset({"id": TOY}).config)
    assert not isinstance(bare, HonestCompletions)
    with pytest.raises(ValueError, match="HonestCompletions"):
        redteam(bare, FAST)


def test_unknown_family_is_an_error():
    with pytest.raises(ValueError, match="hill_climb"):
        redteam(load_taskset({"id": TOY}), FAST, families=["telepathy"])


def test_invisible_characters_are_undone_by_the_one_normalisation():
    text = "The night train leaves at six."
    hidden = invisible(text, Pool.of([text]), random.Random(0))
    assert hidden != text and set(hidden) - set(text) <= set(INVISIBLE)
    assert canonical(hidden) == text


def test_perturbations_change_the_text_and_splice_two_sources():
    sources = ["Rain fell all day. The streets were empty.", "A storm came in from the sea."]
    pool = Pool.of(sources)
    rng = random.Random(1)
    outs = {perturb(sources, pool, rng) for _ in range(50)}
    assert len(outs - set(sources)) > 20
    assert any("Rain" in o and "storm" in o for o in outs)  # a splice of both


def test_component_is_the_largest_weighted_gain():
    honest = Score(0.4, {"engagement": 0.6, "near_copy": 0.2}, {})
    # engagement +0.1, but the penalty (weight -1) fell by 0.2: the penalty let it through
    attack = Score(0.7, {"engagement": 0.7, "near_copy": 0.0}, {})
    weights = {"engagement": 1.0, "near_copy": -1.0}
    assert let_through(attack, honest, weights) == "near_copy"
    assert let_through(honest, attack, weights) is None  # every weighted gain negative
    assert let_through(honest, honest, weights) is None


def rlnvr_redteam(*args: str):
    """The command in-process (``rlnvr.cli`` imports every installed environment once)."""
    from typer.testing import CliRunner

    from rlnvr.cli import app

    return CliRunner().invoke(app, ["redteam", *args], env={"COLUMNS": "200"})


def test_cli_exits_nonzero_when_a_family_wins_and_zero_when_none_does(tmp_path):
    out = rlnvr_redteam("--taskset", TOY, "--fast", "--out", str(tmp_path / "toy"))
    assert out.exit_code == 1, out.output
    assert "| hill_climb |" in out.stdout and "keyword" in out.stdout
    assert (tmp_path / "toy" / "winners.jsonl").read_text().strip()
    out = rlnvr_redteam(
        "@",
        str(REPO / "configs" / "word_count.toml"),
        "--fast",
        "--calls",
        "8",
        "--out",
        str(tmp_path / "wc"),
    )
    assert out.exit_code == 0, out.output
    assert "0/10" in out.stdout and "8 calls per task" in out.stdout
    assert (tmp_path / "wc" / "winners.jsonl").read_text() == ""
    out = rlnvr_redteam("--taskset", TOY, "--families", "telepathy", "--out", str(tmp_path))
    assert out.exit_code == 2 and "telepathy" in out.output  # a usage error, not a finding


ENV_BUDGET = replace(FAST, calls=6, max_tasks=5, fit_tasks=2)  # a call embeds or runs a model


# Known holes the red team finds today (strict: the test fails once a reward closes its hole,
# so the mark must then go). Each is a reward finding, not a bug in the red team.
ENVIRONMENTS = ("rlnvr-varro", "rlnvr-walter", "rlnvr-horace")
# None at this budget since 2026-12-03 (Horace's cadence terms reweighted), nor at the CLI's
# --fast budget since Delta's z cap (still none under character trigrams); what Horace's
# reward still misses on fresh references is marked in tests/test_horace_env.py.
KNOWN_HOLES: dict[str, str] = {}


@pytest.mark.slow
@pytest.mark.parametrize(
    "env_id",
    [
        pytest.param(
            env,
            marks=[pytest.mark.xfail(strict=True, reason=KNOWN_HOLES[env])]
            if env in KNOWN_HOLES
            else [],
        )
        for env in ENVIRONMENTS
    ],
)
def test_red_team_finds_nothing_on_the_environment(env_id):
    taskset = load_taskset({"id": env_id})
    if not isinstance(taskset, HonestCompletions):
        pytest.skip(f"{env_id} does not implement HonestCompletions yet")
    report = redteam(taskset, ENV_BUDGET)
    winners = [
        f"{w['family']} on {w['task']}: {w['reward']:.3f} vs honest {w['honest_reward']:.3f} "
        f"({w['component']}): {w['text'][:120]!r}"
        for f in report.families
        for w in f.winners
    ]
    assert not report.failed, "\n".join(winners)
