import pytest
import verifiers.v1 as vf
from test_horace_env import HONEST as HORACE_HONEST
from verifiers.v1.configs.taskset import TasksetConfig
from verifiers.v1.utils.generic import concrete_type
from verifiers.v1.utils.loaders import taskset_class

from rlnvr.trainers.traces import score

ENVS = ["rlnvr-varro", "rlnvr-walter", "rlnvr-horace"]
HONEST = {
    # Varro pays skill over earlier days' news: a forecast of task 0's (2025-07-14) own news
    "rlnvr-varro": (
        "Poison control centers report more child poisonings from nicotine pouches this week, "
        "and regulators in several states move within days to restrict candy-like flavors, "
        "driven by the new study of a 763% spike. US beef prices climb another 1-2% by Friday "
        "as restaurants rethink menus. Verify with FDA statements and the USDA weekly boxed "
        "beef report on Friday."
    ),
    "rlnvr-walter": "Bluesky's roadmap is out: DMs, video and better custom feeds are coming. "
    "Anti-harassment tools first, which is the right order.",
    "rlnvr-horace": (
        "I had borne his slights in silence for a year, and in silence I had counted them, "
        "each one laid upon the last like stones upon a grave. He thought me a patient man. "
        "He was right, though not in the way he supposed; for patience, I have found, is "
        "only a long memory that has learned to smile. So when the carnival came, and the "
        "streets were loud with bells and masks, I went to find him, and I was smiling."
    ),
}

# Scored against the honest text in the standalone install: a task its honest text fits
# (Horace: the Poe imitation on a Poe task) and a cheap attack that must score lower.
HONEST_TASK = {"rlnvr-horace": "edgar-allan-poe/the-cask-of-amontillado/0"}
ADVERSARIAL = {
    "rlnvr-varro": "Forecast forecast forecast. " * 12,
    "rlnvr-walter": "#news #bluesky #tech #ai #follow #like #share #viral " * 3,
    "rlnvr-horace": "the the the the the the the the the the the the " * 6,
}


def load(env_id: str):
    cls = taskset_class(env_id)  # how verifiers resolves `--env.taskset.id`
    return list(cls(concrete_type(cls, TasksetConfig)(id=env_id)))


@pytest.mark.parametrize("env_id", ENVS)
def test_taskset_loads_real_tasks(env_id):
    tasks = load(env_id)
    assert len(tasks) >= 5
    assert all(t.data.prompt and t.data.id for t in tasks)
    assert len({t.key for t in tasks}) == len(tasks)


@pytest.mark.parametrize("env_id", ENVS)
def test_offline_scoring_through_task_score(env_id):
    tasks = load(env_id)
    task, text = tasks[0], HONEST[env_id]
    if env_id == "rlnvr-horace":  # style is per author: an imitation of Poe, on a Poe task
        task = next(t for t in tasks if t.data.author == "Edgar Allan Poe")
        text = HORACE_HONEST["Edgar Allan Poe"]
    assert score(task, "").reward == 0.0
    honest = score(task, text).reward
    # real rewards depend on the day's / URL's real data: an honest text scores well, not 1.0
    assert honest >= 0.25
    assert score(task, "ok").reward < min(0.5, honest)


@pytest.mark.parametrize("env_id", ENVS)
def test_task_data_keeps_verifiers_own_fields(env_id):
    """A field verifiers reserves on TaskData (0.4.1: ``scoring``) must not be redeclared with
    another type: ``Task.score`` would not notice, a real rollout crashes."""
    data = type(load(env_id)[0].data)
    base = vf.TaskData.model_fields
    changed = {
        name
        for name, field in data.model_fields.items()
        if name in base and field.annotation != base[name].annotation
    }
    assert changed <= {"description"}, changed
