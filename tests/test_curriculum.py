import numpy as np
import pytest

from rlnvr.trainers.curriculum import Curriculum, CurriculumConfig, level_score


def test_level_scores():
    r = np.array([1.0, 0.0, 0.0, 1.0])
    assert level_score(r, "std") == pytest.approx(0.5)
    assert level_score(r, "pvl") == pytest.approx(0.25)  # mean of max(r - 0.5, 0)
    assert level_score(r, "learnability") == pytest.approx(0.25)
    assert level_score(np.ones(4), "pvl") == 0


def test_replay_distribution_is_rank_based_with_staleness():
    cur = Curriculum(["a", "b", "c"], CurriculumConfig(beta=0.5, rho=0.2))
    cur.scores = {"a": 0.9, "b": 0.1, "c": 0.5}
    cur.last_drawn = {"a": 4, "b": 2, "c": 3}
    cur.step = 5
    keys, probs = cur.replay_distribution()
    assert keys == ["a", "b", "c"]
    by_rank = np.array([1, 1 / 3, 1 / 2]) ** 2  # ranks a=1, b=3, c=2; exponent 1/beta
    by_rank /= by_rank.sum()
    stale = np.array([1, 3, 2]) / 6
    assert probs == pytest.approx(0.8 * by_rank + 0.2 * stale)
    assert probs.sum() == pytest.approx(1)


def test_unseen_levels_first_then_replay_favours_high_scores():
    keys = [f"t{i}" for i in range(20)]
    cur = Curriculum(keys, CurriculumConfig(replay_prob=1.0, min_seen=20, rho=0.0, beta=0.1))
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(5):
        batch = cur.sample(4, rng)
        assert not seen & set(batch)  # nothing replayed before every level is seen
        seen |= set(batch)
        for k in batch:
            cur.update(k, np.array([0.0, 1.0]) if k == "t7" else np.array([0.5, 0.5]))
    counts = {k: 0 for k in keys}
    for _ in range(200):
        for k in cur.sample(1, rng):
            counts[k] += 1
    assert counts["t7"] > 150


def test_uniform_ignores_scores():
    cur = Curriculum(["a", "b"], CurriculumConfig(kind="uniform"))
    cur.scores = {"a": 1.0, "b": 0.0}
    rng = np.random.default_rng(1)
    draws = [cur.sample(1, rng)[0] for _ in range(400)]
    assert 150 < draws.count("b") < 250


def test_state_round_trip():
    cur = Curriculum(["a", "b", "c", "d"])
    rng = np.random.default_rng(2)
    for k in cur.sample(2, rng):
        cur.update(k, np.array([0.0, 1.0]))
    clone = Curriculum(["a", "b", "c", "d"])
    clone.load_state_dict(cur.state_dict())
    assert clone.state_dict() == cur.state_dict()
    assert clone.sample(3, np.random.default_rng(5)) == cur.sample(3, np.random.default_rng(5))


def test_learning_progress_follows_a_levels_mean_reward_not_its_spread():
    """A level whose reward stopped moving scores 0 however wide its group; one the policy is
    getting better (or worse) at scores the change; a first visit scores its spread."""
    cur = Curriculum(["still", "moving"], CurriculumConfig(score="progress"))
    cur.update("still", np.array([0.0, 1.0, 0.0, 1.0]))
    cur.update("moving", np.array([0.1, 0.3]))
    assert cur.scores == pytest.approx({"still": 0.5, "moving": 0.1})  # std on a first visit
    cur.update("still", np.array([1.0, 0.0, 1.0, 0.0]))  # same mean, same spread
    cur.update("moving", np.array([0.5, 0.7]))  # mean 0.2 -> 0.6
    assert cur.scores == pytest.approx({"still": 0.0, "moving": 0.4})
    seen, probs = cur.replay_distribution()
    assert probs[seen.index("moving")] > probs[seen.index("still")]


def test_a_checkpoint_without_level_means_still_loads():
    cur = Curriculum(["a", "b"], CurriculumConfig(score="progress"))
    cur.load_state_dict({"scores": {"a": 0.2}, "last_drawn": {"a": 1}, "step": 1})
    cur.update("a", np.array([0.0, 1.0]))  # no previous mean: scored by its spread
    assert cur.scores["a"] == pytest.approx(0.5)
