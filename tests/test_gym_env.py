"""The gymnasium wrappers: registered ids, gymnasium's own env checker, one real episode each.

Every step runs the taskset's real rewards (the bundled embedding model for Varro and Walter),
so an episode's reward is the number ``vf-eval`` or the trainer would record.
"""

import math
import warnings

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env
from test_environments import HONEST

import rlnvr.gym_env  # noqa: F401  (registers the ids)
from rlnvr.registry import installed

IDS = [
    pytest.param("rlnvr/Varro-v0", marks=pytest.mark.slow),
    pytest.param("rlnvr/Walter-v0", marks=pytest.mark.slow),
    "rlnvr/Horace-v0",
]


@pytest.fixture(scope="module")
def envs():
    made: dict[str, gym.Env] = {}
    yield lambda env_id: made.setdefault(env_id, gym.make(env_id))
    for env in made.values():
        env.close()


def taskset_of(env_id: str) -> str:
    return {env.gym_id: env.taskset_id for env in installed()}[env_id]


def test_every_installed_environment_is_registered_from_the_entry_points():
    envs = {env.name: env for env in installed()}
    assert {"varro", "walter", "horace"} <= set(envs)
    assert envs["varro"].taskset_id == "rlnvr-varro" and envs["varro"].gym_id == "rlnvr/Varro-v0"
    assert {env.gym_id for env in envs.values()} <= set(gym.registry)


@pytest.mark.parametrize("env_id", IDS)
def test_passes_gymnasium_env_checker(env_id, envs):
    env = envs(env_id)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the checker reports most problems as warnings
        check_env(env.unwrapped)


@pytest.mark.parametrize("env_id", IDS)
def test_one_honest_episode(env_id, envs):
    env = envs(env_id)
    prompt, info = env.reset(seed=7, options={"index": 0})  # HONEST answers task 0
    assert info["index"] == 0 and prompt in env.observation_space

    obs, reward, terminated, truncated, info = env.step(HONEST[taskset_of(env_id)])
    assert (obs, terminated, truncated) == (prompt, True, False)
    assert info["rewards"] and all(0.0 <= r <= 1.0 for r in info["rewards"].values())
    assert all(math.isfinite(m) for m in info["metrics"].values())
    with pytest.raises(RuntimeError, match="reset"):
        env.step("a second step")  # an episode is one step

    env.reset(options={"index": 0})
    assert env.step("")[1] == 0.0 < reward  # an empty reply scores nothing


def test_seeded_reset_picks_tasks_reproducibly(envs):
    env = envs("rlnvr/Horace-v0")
    picks = [env.reset(seed=s)[1]["task_id"] for s in range(8)]
    assert picks == [env.reset(seed=s)[1]["task_id"] for s in range(8)]
    assert len(set(picks)) > 1


def test_make_by_module_path_and_taskset_config():
    env = gym.make("rlnvr.gym_env:rlnvr/Horace-v0", config={"authors": ["Oscar Wilde"]})
    prompt, info = env.reset(seed=0)
    assert len(env.unwrapped.tasks) == 8 and "Oscar Wilde" in prompt
    env.close()
