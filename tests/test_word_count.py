"""The word-count taskset: the honest, learnable reward the trainer's learning proofs use."""

import asyncio

import pytest

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
    text = " ".join(["word"] * words)
    assert reward(text, target, tolerance=tolerance) == pytest.approx(expected)


def test_empty_reply_scores_zero_and_tolerance_must_be_positive():
    assert reward("", 2, min_words=2) == 0.0
    with pytest.raises(ValueError, match="tolerance"):
        load_tasks({"id": "rlnvr.tasksets.word_count", "tolerance": 0})
