"""The word-count taskset: the honest, learnable reward the trainer's learning proofs use."""

import asyncio

import pytest
from odd_inputs import ODD_INPUTS

from rlnvr.tasksets.word_count import OFF_TOPIC
from rlnvr.trainers.tasksets import load_tasks
from rlnvr.trainers.traces import score_async


def reward(text: str, target: int, **config) -> float:
    tasks = load_tasks({"id": "rlnvr.tasksets.word_count", **config})
    task = next(t for t in tasks if t.data.target == target)
    return asyncio.run(score_async(task, text)).rewards["closeness"]


@pytest.mark.parametrize(
    ("words", "target", "tolerance", "expected"),
    [
        (10, 10, 1.0, 1.0),
        (5, 10, 1.0, 0.5),
        (15, 10, 1.0, 0.5),
        (20, 10, 1.0, 0.0),
        (9, 10, 0.25, 0.6),  # 1 - 1 / 2.5
        (7, 10, 0.25, 0.0),  # 30% off: outside the band
        (13, 10, 0.25, 0.0),
    ],
)
def test_closeness_is_graded_within_the_tolerance_band(words, target, tolerance, expected):
    text = " ".join(["sea"] * words)
    assert reward(text, target, tolerance=tolerance, topics=1) == pytest.approx(expected)


def test_empty_reply_scores_zero_and_tolerance_must_be_positive():
    assert reward("", 2, min_words=2) == 0.0
    with pytest.raises(ValueError, match="tolerance"):
        load_tasks({"id": "rlnvr.tasksets.word_count", "tolerance": 0})


def test_a_reply_cut_off_by_the_token_budget_earns_nothing():
    tasks = load_tasks({"id": "rlnvr.tasksets.word_count"})
    task = next(t for t in tasks if t.data.target == 8)
    text = "The grey sea rolls under a heavy sky."
    assert asyncio.run(score_async(task, text)).rewards["closeness"] == 1.0
    assert asyncio.run(score_async(task, text, truncated=True)).rewards["closeness"] == 0.0


def test_a_reply_that_does_not_name_its_topic_keeps_little():
    tasks = load_tasks({"id": "rlnvr.tasksets.word_count"})
    stars = next(t for t in tasks if t.data.target == 6 and t.data.topic == "the stars")
    named = asyncio.run(score_async(stars, "A star burned above the hill.")).reward
    fixed = asyncio.run(score_async(stars, "There is not not there now.")).reward
    assert named == 1.0 and fixed == pytest.approx(OFF_TOPIC)


def test_character_soup_earns_nothing_and_words_keep_their_reward():
    """The soup a 5M model learned under the old counter (8 tokens for an 8-word target)."""
    soup = "M  éyAIina’AINAN R ãoN Cried RyAIried Rleaseaker"
    assert reward(soup, 8) == 0.0
    assert reward("The grey sea rolls under a heavy sky.", 8) == 1.0
    # 7 of 8 tokens are words: the factor is (7/8 - 0.5) / (0.9 - 0.5)
    assert reward("The grey sea rolls under a heavy xqzt.", 8) == pytest.approx(0.9375)
    assert 0.0 < reward("The grey sea zzkq under xqzt heavy qqpz.", 8) < 0.5


@pytest.mark.parametrize("name", sorted(ODD_INPUTS))
def test_odd_input_never_raises_and_earns_nothing(name):
    """NULs inside real words are dropped: the reply is scored as the words it has."""
    text = ODD_INPUTS[name]
    expected = reward(text.replace("\x00", ""), 8) if name == "nul" else 0.0
    assert reward(text, 8) == expected
