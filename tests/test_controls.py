"""The controls behind `rlnvr controls`: paired differences, equal length, sameness."""

import numpy as np

from rlnvr.trainers import controls as c
from rlnvr.trainers.models import load_mlx
from rlnvr.trainers.rollout import SamplingConfig
from rlnvr.trainers.tasksets import load_tasks


def test_paired_difference_uses_the_pairs_not_the_two_spreads():
    before = np.array([0.1, 0.5, 0.9, 0.3, 0.7])
    after = before + 0.05  # a tiny, perfectly consistent gain on very different tasks
    mean, half = c.paired(before, after)
    assert np.isclose(mean, 0.05) and half < 1e-9
    mean, half = c.paired(before, before[::-1])
    assert np.isclose(mean, 0.0) and half > 0.1


def test_no_stop_writes_exactly_the_budget_and_both_models_match_length():
    tasks = load_tasks({"id": "rlnvr.tasksets.word_count"})[:4]
    model, tokenizer = load_mlx("rlnvr-tiny")
    sampling = SamplingConfig(temperature=1.0, max_tokens=48)
    free = c.sample(model, tokenizer, tasks, 2, sampling, seed=0)
    budget = c.equal_length_budget(free)
    assert 1 <= budget <= 48
    fixed = SamplingConfig(temperature=1.0, max_tokens=budget)
    equal = c.sample(c.NoStop(model, tokenizer.eos_token_ids), tokenizer, tasks, 2, fixed, 0)
    assert equal.tokens() == [budget] * 8
    assert all(r.truncated for g in equal.rollouts for r in g)
    assert equal.per_task().shape == (4,)


def test_side_by_side_and_table_name_every_task_and_control():
    tasks = load_tasks({"id": "rlnvr.tasksets.word_count"})[:2]
    model, tokenizer = load_mlx("rlnvr-tiny")
    replies = c.sample(model, tokenizer, tasks, 1, SamplingConfig(max_tokens=16), seed=1)
    text = c.side_by_side(tasks, replies, replies, prompt_chars=40)
    assert all(f"`{t.key}`" in text for t in tasks)
    assert text.count("**base**") == text.count("**trained**") == 2
    table = c.markdown([c.Row("held-out reward", 0.1, 0.3, (0.2, 0.05)), c.Row("x", None, 1.0)])
    assert "+0.200 ± 0.050" in table and "| x | - | 1.000 | - |" in table


def test_sameness_is_high_for_one_answer_everywhere():
    from rlnvr.rubrics.embeddings import shared_embedder

    embedder = shared_embedder()
    keys = ["a", "b", "c"]
    same = c.sameness(["The sea is calm tonight."] * 3, keys, embedder)
    varied = c.sameness(["The sea is calm tonight.", "Stocks fell on Friday.",
                         "My cat sleeps all day."], keys, embedder)  # fmt: skip
    assert same > 0.99 and varied < same - 0.3


def test_the_strongest_attack_is_an_attack_not_the_noise_diagnostic():
    """``random_edits`` picks the best of many blind edits by the task's own reward: it
    measures the reward's noise and often has the highest mean (Horace's controls reported it
    as the best attack), but no policy can learn it."""
    from rlnvr.trainers.redteam import FamilyReport, Report

    def row(family: str, mean: float) -> FamilyReport:
        return FamilyReport(family, mean, 0.7, 0, 10, "-", [])

    report = Report([row("perturb", 0.6), row("hill_climb", 0.65), row("random_edits", 0.76)], 0, 0)
    assert report.strongest_attack.family == "hill_climb"
    assert Report([row("random_edits", 0.76)], 0, 0).strongest_attack is None
