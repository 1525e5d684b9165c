"""Walter: the RLNVR reward, its hack penalties, the packaged data and the taskset.

Scoring goes through verifiers' own loader and ``Task.score`` (``rlnvr.trainers.traces``)
with the real bundled embedding model, so these are the numbers a hub eval would see.
"""

import json
import math
from importlib.resources import files

import numpy as np
import pytest
import verifiers.v1 as vf
from odd_inputs import ODD_INPUTS
from verifiers.v1.configs.taskset import TasksetConfig
from verifiers.v1.utils.generic import concrete_type
from verifiers.v1.utils.loaders import taskset_class

from rlnvr.data_pipelines.splits import is_heldout
from rlnvr.rubrics import hacks
from rlnvr.rubrics import text as units
from rlnvr.trainers.protocols import HonestCompletions, TaskReferences
from rlnvr.trainers.traces import completion_trace, score
from rlnvr_walter.engagement import (
    closeness,
    engagement_reward,
    engagement_values,
    weight_scale,
)
from rlnvr_walter.posts import Post

ENV = "rlnvr-walter"
ROADMAP = "https://bsky.social/about/blog/05-07-2024-product-roadmap"  # 1 post: transfer
ALBINI = (  # 5 posts: within-URL engagement contrast
    "https://pitchfork.com/news/steve-albini-storied-producer-and-icon-of-the-rock-"
    "underground-dies-at-61"
)
HONEST = {
    ROADMAP: "Bluesky's roadmap is out: DMs, video and better custom feeds are coming. "
    "Anti-harassment tools first, which is the right order.",
    ALBINI: "Steve Albini has died at 61. He recorded Nirvana, Pixies and PJ Harvey, refused "
    "royalties on principle, and wrote the essay every band should read before signing a "
    "deal. A huge loss for independent music.",
}
# Hand-written paraphrases of each task's best post (cosine to it between sim_high, 0.72, and
# 0.9: the band where the old reward paid the full engagement with no copy penalty).
PARAPHRASE = {
    ROADMAP: "Bluesky says what's next: the features people asked for most are on the way. "
    "Direct messages, video, better custom feeds, stronger anti-harassment tools and a new "
    "OAuth sign-in.",
    ALBINI: "Goddamn. RIP Steve Albini (@electricalwsop.bsky.social), one of the most "
    "monumental people in music, full stop.",
}
INVISIBLE = ("\u034f", "\u200b", "\u2060", "\u00ad")


def sprinkle(text: str) -> str:
    """The text with an invisible character after every third letter."""
    out = []
    for i, ch in enumerate(text):
        out.append(ch)
        if ch.isalpha() and i % 3 == 0:
            out.append(INVISIBLE[i % len(INVISIBLE)])
    return "".join(out)


PENALTIES = {
    "near_copy": -1.0,
    "over_length": -1.0,
    "prompt_echo": -0.5,
    "hashtag_spam": -0.5,
    "link_dump": -0.5,
    "repetition": -0.5,
    "keyword_stuffing": -0.5,
    "emoji_spam": -0.5,
}
REWARDS = {"engagement": 1.0, **PENALTIES}
METRICS = {
    "graphemes",
    "words",
    "hashtags",
    "links",
    "emoji",
    "similarity",
    "on_topic",
    "readable_share",
    "salad",
    "transfer_posts",
}


# The detectors that need nothing but the text.
TEXT_DETECTORS = (
    hacks.hashtag_spam,
    hacks.link_dump,
    hacks.repetition,
    hacks.keyword_stuffing,
    hacks.emoji_spam,
    hacks.over_length,
)


def load(**fields):
    cls = taskset_class(ENV)  # how verifiers resolves `--env.taskset.id`
    return list(cls(concrete_type(cls, TasksetConfig)(id=ENV, **fields)))


@pytest.fixture(scope="module")
def tasks():
    return {t.data.url: t for t in load()}


def top_post(task) -> str:
    return max(task.data.posts, key=lambda p: p.weight).text


def long_on_topic(task) -> str:
    """~1,000 characters of on-topic, non-repetitive prose (the honest post, then more)."""
    more = {
        ROADMAP: " Direct messages ship first, then video uploads, then better custom feeds "
        "anyone can build and share. OAuth logins are coming too, so third-party apps stop "
        "asking for app passwords. Nothing has a date yet and the team has been slow to ship "
        "before, but the order of priorities is right: a network grows only if people feel "
        "safe posting there. I would still like edit buttons, better search and a proper way "
        "to move between servers without losing followers. The federation story needs more "
        "detail too, since self-hosting is the point of the protocol. Still, it is the "
        "clearest plan they have published, and it answers most of what users asked for.",
        ALBINI: " He ran Electrical Audio in Chicago for decades, charged bands a flat day "
        "rate, and treated a young punk band and a famous one exactly the same. His "
        "engineering was dry and honest: good microphones in front of a band playing in a "
        "real room. He was also a poker player, a food blogger and, late in life, a "
        "thoughtful critic of his younger self, apologising publicly for the cruelty of his "
        "early writing. Few people in music changed their minds in public so gracefully. "
        "Shellac had a new album due out next week. Listen to it loud.",
    }
    return HONEST[task.data.url] + more[task.data.url]


# name -> (make the text from the task, the component that must catch it)
ADVERSARIAL = {
    "spacex_x20": (lambda t: " ".join(["#SpaceX"] * 20), "hashtag_spam"),
    "copy_of_top_post": (top_post, "near_copy"),
    "copy_plus_comment": (lambda t: top_post(t) + " So good!", "near_copy"),
    "copy_with_invisible_characters": (lambda t: sprinkle(top_post(t)), "near_copy"),
    "title_with_invisible_characters": (lambda t: sprinkle(t.data.title), "prompt_echo"),
    "bare_url": (lambda t: t.data.url, "link_dump"),
    "emoji_spam": (lambda t: "🚀🔥" * 15, "emoji_spam"),
    "empty": (lambda t: "", None),
    "chars_1000": (long_on_topic, "over_length"),
    "title_pasted": (lambda t: t.data.title, "prompt_echo"),
    "title_and_description": (lambda t: f"{t.data.title} {t.data.description}", "prompt_echo"),
    "keyword_stuffing": (
        lambda t: {
            ROADMAP: "Bluesky roadmap DMs video custom feeds anti-harassment OAuth login "
            "features requested",
            ALBINI: "Steve Albini producer Nirvana Pixies Shellac Big Black engineer Chicago "
            "rock underground legend dies",
        }[t.data.url],
        "keyword_stuffing",
    ),
    "repetition": (lambda t: (HONEST[t.data.url].split(".")[0] + ". ") * 5, "repetition"),
}

# The adversarial cases that can be built for any task (the others are written per URL).
GENERIC = (
    "spacex_x20",
    "copy_of_top_post",
    "copy_plus_comment",
    "copy_with_invisible_characters",
    "title_with_invisible_characters",
    "bare_url",
    "emoji_spam",
    "title_pasted",
    "title_and_description",
)


# --- the taskset through verifiers' loader ----------------------------------------------


def test_taskset_loads_through_verifiers(tasks):
    assert len(tasks) >= 400
    assert list(tasks)[0] == ROADMAP  # task order is stable across rebuilds
    roadmap, albini = tasks[ROADMAP], tasks[ALBINI]
    assert "Product Roadmap - Bluesky" in roadmap.data.prompt
    assert "300" in roadmap.data.prompt
    assert len(roadmap.data.posts) == 1 and len(roadmap.data.transfer) == 5
    assert len(albini.data.posts) == 5 and albini.data.transfer == []
    assert len({t.key for t in tasks.values()}) == len(tasks)


def test_config_filters_and_transfer_modes():
    multi = load(min_posts=2)
    assert multi and all(len(t.data.posts) >= 2 for t in multi)
    off = load(transfer="off")
    assert all(t.data.transfer == [] for t in off)
    assert all(len(t.data.transfer) <= 8 for t in load(transfer_k=8))
    with pytest.raises(ValueError):
        load(transfer_k=9)
    with pytest.raises(ValueError):
        load(sim_low=0.8, sim_high=0.7)
    with pytest.raises(ValueError):
        load(sim_high=0.8, sim_copy=0.75)
    with pytest.raises(ValueError, match="article"):
        load(reach="nearest")
    assert {t.data.reward_params.reach for t in load(reach="fixed")} == {"fixed"}


def test_tasks_share_one_embedder(tasks):
    a, b = tasks[ROADMAP], tasks[ALBINI]
    assert a._embedder() is b._embedder()
    from rlnvr_walter import shared_embedder

    assert shared_embedder(a.data.reward_params.embedding_model) is a._embedder()


def test_every_component_is_visible_in_trace_rewards(tasks):
    import asyncio

    task = tasks[ROADMAP]
    trace = completion_trace(task, HONEST[ROADMAP])
    asyncio.run(task.score(trace))
    assert {k: r.weight for k, r in trace.rewards.items()} == REWARDS
    assert all(r is not None and 0.0 <= r.score <= 1.0 for r in trace.rewards.values())
    assert set(trace.metrics) >= METRICS
    assert trace.reward == pytest.approx(sum(r.score * r.weight for r in trace.rewards.values()))


# --- the adversarial table --------------------------------------------------------------


@pytest.mark.parametrize("url", [ROADMAP, ALBINI], ids=["roadmap-1post", "albini-5posts"])
def test_honest_post_is_rewarded(tasks, url):
    honest = score(tasks[url], HONEST[url])
    assert honest.reward >= 0.5
    assert all(honest.rewards[name] == 0.0 for name in PENALTIES)
    assert honest.metrics["graphemes"] <= 300


@pytest.mark.parametrize("url", [ROADMAP, ALBINI], ids=["roadmap-1post", "albini-5posts"])
@pytest.mark.parametrize("case", list(ADVERSARIAL))
def test_adversarial_post_scores_below_honest(tasks, url, case):
    task = tasks[url]
    make, catcher = ADVERSARIAL[case]
    honest = score(task, HONEST[url])
    hack = score(task, make(task))
    assert hack.reward < honest.reward - 0.3, (case, hack.rewards)
    if catcher is not None:
        assert hack.rewards[catcher] >= 0.5, (case, hack.rewards)
    else:
        assert hack.reward == 0.0


def test_copying_the_best_post_is_not_the_optimum(tasks):
    task = tasks[ALBINI]
    honest, copy = score(task, HONEST[ALBINI]), score(task, top_post(task))
    # Resembling a post stops paying before it becomes a copy, and the copy is penalised.
    assert copy.rewards["engagement"] < honest.rewards["engagement"]
    assert copy.rewards["near_copy"] == 1.0
    assert copy.reward < 0.0 < honest.reward


@pytest.mark.parametrize("url", [ROADMAP, ALBINI], ids=["roadmap-1post", "albini-5posts"])
def test_paraphrase_of_the_best_post_does_not_beat_honest(tasks, url):
    """Between sim_high and sim_copy the old reward paid a paraphrase in full, penalty-free."""
    task = tasks[url]
    para, honest = score(task, PARAPHRASE[url]), score(task, HONEST[url])
    s = task.data.reward_params
    whole = task._similarities(units.canonical(PARAPHRASE[url]), own_words=False)
    assert s.sim_high < whole.max() < 0.9
    assert para.reward < honest.reward - 0.1, (para.rewards, honest.rewards)


@pytest.mark.parametrize("url", [ROADMAP, ALBINI], ids=["roadmap-1post", "albini-5posts"])
@pytest.mark.parametrize("make", [top_post, lambda t: t.data.title], ids=["copy", "title"])
def test_invisible_characters_change_nothing(tasks, url, make):
    """Invisible characters leave an embedding as it was; they must not switch off the
    character n-gram copy check or the prompt-echo check either."""
    task = tasks[url]
    clean, dirty = score(task, make(task)), score(task, sprinkle(make(task)))
    assert dirty.rewards == pytest.approx(clean.rewards, abs=1e-6)
    assert max(dirty.rewards["near_copy"], dirty.rewards["prompt_echo"]) >= 0.5


# Base SmolLM2's reply on a Japanese article (runs/walter_smollm2 side by side): nonsense
# that all-MiniLM-L6-v2, an English model, placed close to the real Japanese posts.
JAPANESE_SOUP = (
    "ハラスメントグバシリス-ハラスアンティア信号はハラスメント防止グョンや規近で、送攳！☥"
)


def test_text_the_embedder_cannot_read_is_not_paid(tasks):
    def japanese(task) -> bool:
        return units.script_share(task.data.title, ["Latin"]) < 0.5

    every_script = [t for t in load(scripts=()) if japanese(t)]
    assert every_script, "the packaged sample has Japanese articles"
    paid = max(score(t, JAPANESE_SOUP).rewards["engagement"] for t in every_script)
    assert paid > 0.1  # the hole the script gate closes
    assert not any(japanese(t) for t in tasks.values())
    soup = score(tasks[ROADMAP], JAPANESE_SOUP)
    assert soup.rewards["engagement"] == 0.0 and soup.metrics["readable_share"] == 0.0
    named = score(tasks[ROADMAP], HONEST[ROADMAP] + " (ブルースカイ)")
    assert named.metrics["readable_share"] == 1.0
    assert named.rewards["engagement"] > 0
    with pytest.raises(ValueError, match="Klingon"):
        load(scripts=("Klingon",))


def test_transfer_mode_changes_single_post_reward_only():
    text = "Bluesky is finally adding direct messages and video, and moderation tools first."
    single, multi = {}, {}
    for mode in ("off", "max", "topk_mean"):
        by_url = {t.data.url: t for t in load(transfer=mode)}
        single[mode] = score(by_url[ROADMAP], text).rewards["engagement"]
        multi[mode] = score(by_url[ALBINI], HONEST[ALBINI]).reward
    assert single["off"] <= single["max"] and single["topk_mean"] <= single["max"]
    assert multi["off"] == multi["max"] == multi["topk_mean"]


def test_author_baseline_off_values_posts_by_raw_engagement():
    """On this URL the post that did best for its author is not the most engaged one: the
    two modes must disagree about which post a reply should resemble."""
    url = (
        "https://apnews.com/article/"
        "live-transmission-israel-associated-press-57e8f662907334ba3599156276381190"
    )
    for author_baseline in (True, False):
        task = {t.data.url: t for t in load(author_baseline=author_baseline)}[url]
        posts = task.data.posts
        best_for_author = max(range(len(posts)), key=lambda j: posts[j].weight)
        most_engaged = max(range(len(posts)), key=lambda j: posts[j].raw)
        assert best_for_author != most_engaged
        s = task.data.reward_params
        field = "weight" if author_baseline else "raw"
        values = engagement_values(
            [getattr(p, field) for p in posts], s.weight_centre, s.weight_scale
        )
        # a reply at full closeness to one post, off topic for the others
        a, b = (
            engagement_reward(
                [s.sim_high if i == j else 0.0 for i in range(len(posts))],
                values,
                low=s.sim_low,
                high=s.sim_high,
            )
            for j in (best_for_author, most_engaged)
        )
        assert (a > b) == author_baseline, (author_baseline, a, b)


# --- robustness: no input makes a reward raise ------------------------------------------

WEIRD = [
    "",
    "   \n\t  ",
    "\x00\x01\x02",
    "\ud800 lone surrogate \udfff",
    "Z̴̧̛͓a̷̢̛l̵̡̛g̶̢̛o̷̧̕ " * 20,
    "مرحبا بالعالم " * 10,
    "👨‍👩‍👧‍👦" * 400,
    "x" * 20_000,
    "#",
    "http://",
    "<think>planning the post</think>Bluesky roadmap: DMs and video are coming.",
    "\u200b\u200d\ufeff",
    "1.0e308 NaN inf -inf",
]


@pytest.mark.parametrize("text", WEIRD, ids=range(len(WEIRD)))
def test_rewards_never_raise_and_stay_in_range(tasks, text):
    result = score(tasks[ROADMAP], text)
    assert set(result.rewards) == set(REWARDS)
    assert all(0.0 <= v <= 1.0 and math.isfinite(v) for v in result.rewards.values())
    assert math.isfinite(result.reward)


def test_none_content_and_missing_reply_score_zero(tasks):
    import asyncio

    task = tasks[ALBINI]
    for content in (None, ""):
        trace = completion_trace(task, "placeholder")
        trace.nodes[-1] = trace.nodes[-1].model_copy(
            update={"message": vf.AssistantMessage(content=content)}
        )
        asyncio.run(task.score(trace))
        assert trace.reward == 0.0 and set(trace.rewards) == set(REWARDS)
    bare = completion_trace(task, "x")
    bare.nodes = bare.nodes[:-1]  # the model never answered
    asyncio.run(task.score(bare))
    assert bare.reward == 0.0


@pytest.mark.parametrize("url", [ROADMAP, ALBINI], ids=["roadmap-1post", "albini-5posts"])
@pytest.mark.parametrize("name", list(ODD_INPUTS))
def test_odd_inputs_score_finite_and_unpaid(tasks, url, name):
    result = score(tasks[url], ODD_INPUTS[name])
    assert set(result.rewards) == set(REWARDS)
    assert all(0.0 <= v <= 1.0 and math.isfinite(v) for v in result.rewards.values())
    assert math.isfinite(result.reward) and result.reward <= 1e-6, result.rewards


# Hill-climb winners of `rlnvr redteam --taskset rlnvr-walter --seeds 0` before the salad judge
# (rewards 1.000, 1.000 and 0.997, against honest posts at 0.705, 0.747 and 0.602), pasted
# verbatim: the right words in an order nobody writes.
SALAD = {
    "https://apnews.com/article/moose-kills-alaska-man-photograph-calves-"
    "3b4aae076c5e29a5d59da9644052cb12": "Congrats for finding out. sad reminder a mother "
    "between moose between moose is of the out. their animals you get is with the post text "
    "only. Congrats for finding out.",
    "https://prospect.org/economy/2024-05-22-raiding-red-lobster": "Red Lobster didn't go "
    "because of Endless Shrimp. The Prospect traces its trouble back to monopolist seafood "
    "what’s crippled private equity Reply equity equity estate equity estate The shrimp joke "
    "Losses always a cover story. Red Lobster didn't go bankrupt because of Endless Shrimp.",
    "https://dailyprogress.com/news/local/education/police-raid-uva-encampment-arrest-anti-war"
    "-protesters/article_b869f354-0a54-11ef-9a35-bf020acf72c1.html": "Whatever think sending "
    'police us against students details who were "In were quiet until then is a by a '
    "Charlottesville will have to a Charlottesville will have to have to answer She, for. A "
    "peaceful anti-war encampment at UVa ended with a police raid and arrests on Saturday cops.",
}


def honest_posts() -> dict[str, str]:
    taskset = taskset_class(ENV)(concrete_type(taskset_class(ENV), TasksetConfig)(id=ENV))
    return taskset.honest_completions()


@pytest.mark.parametrize("key", list(SALAD), ids=["moose", "red-lobster", "uva"])
def test_word_salad_that_won_the_climb_is_not_paid(key):
    """On the graded ramp it was found on (``reach`` fixed), the salad beats the honest post
    without the judge; with the judge it earns nothing, and the honest post keeps what it
    earned. Under the default reach the honest post is paid in full, as it was not on the
    ramp, so no climb toward the best post can beat it there."""

    def task(**cfg):
        return next(t for t in load(**cfg) if t.key == key)

    honest, salad = honest_posts()[key], SALAD[key]
    gated, ungated = task(reach="fixed"), task(reach="fixed", fluency=False)
    assert score(ungated, salad).reward > score(ungated, honest).reward + 0.05
    result = score(gated, salad)
    assert result.rewards["engagement"] == 0.0 and result.metrics["salad"] > 0.75
    assert score(gated, honest).reward == pytest.approx(score(ungated, honest).reward)
    graded = score(gated, honest).rewards["engagement"]
    reached = score(task(), honest).rewards["engagement"]
    assert reached >= 0.95 and graded < reached - 0.05, (graded, reached)
    assert score(task(), salad).rewards["engagement"] == 0.0


def test_the_salad_judge_reads_real_posts_as_written(tasks):
    """Posts about held-out articles, which the judge never saw: at most 1 in 10 is flagged;
    every honest post is read as written."""
    from rlnvr_walter.taskset import load_judge

    task = next(iter(tasks.values()))
    held = [t for t in tasks.values() if is_heldout(t.key, 20.0)]
    posts = dict.fromkeys(units.prose(p.text) for t in held for p in t.data.posts)
    p_real = np.array([task.salad_of(p) for p in posts if len(p.split()) >= 5])
    assert len(p_real) >= 40 and np.mean(p_real > load_judge().flag) <= 0.1
    assert all(task.fluent(text) == 1.0 for text in honest_posts().values())


def test_honest_completions_are_held_out_and_beat_the_hacks(tasks):
    taskset = taskset_class(ENV)(concrete_type(taskset_class(ENV), TasksetConfig)(id=ENV))
    assert isinstance(taskset, HonestCompletions)
    honest = taskset.honest_completions()
    assert len(honest) >= 10 and all(is_heldout(key, 20.0) for key in honest)
    by_id = {t.key: t for t in tasks.values()}
    rewards, hacked = [], []
    for key, text in honest.items():
        task = by_id[key]
        assert isinstance(task, TaskReferences) and task.references()
        result = score(task, text)
        assert result.metrics["graphemes"] <= 300
        assert all(result.rewards[name] < 0.5 for name in PENALTIES), (key, result.rewards)
        rewards.append(result.reward)
        hacked.append(max(score(task, ADVERSARIAL[case][0](task)).reward for case in GENERIC))
    assert np.mean(rewards) > 0.3
    assert np.mean(rewards) > np.mean(hacked) + 0.3


@pytest.mark.parametrize(
    "fn",
    [
        *TEXT_DETECTORS,
        lambda t: hacks.prompt_echo(t, [None, "", "title"]),
        lambda t: hacks.near_copy(t, [None, "", "ref"]),
    ],
)
def test_detectors_are_total(fn):
    for value in [None, *WEIRD, 42]:
        assert 0.0 <= fn(value) <= 1.0
    assert fn(None) == 0.0 and fn("") == 0.0
    assert hacks.semantic_copy(None) == 0.0 and hacks.semantic_copy(float("nan")) == 0.0


# --- rubric units ------------------------------------------------------------------------


def test_graphemes_are_counted_as_bluesky_counts_them():
    assert units.grapheme_count("👨‍👩‍👧‍👦") == 1  # ZWJ family: 7 code points
    assert units.grapheme_count("🇫🇷👍🏽e\u0301") == 3  # flag, skin tone, combining accent
    family = "👨‍👩‍👧‍👦" * 300
    assert len(family) == 2100 and hacks.over_length(family) == 0.0
    assert hacks.over_length("a" * 300) == 0.0
    assert hacks.over_length("a" * 301) == pytest.approx(0.5 + 0.5 / 300)
    assert hacks.over_length("a" * 600) == 1.0


def test_text_units():
    text = "Read this: https://x.com/a?b=1 and pitchfork.com/news/steve-a... #Music #1 e.g. U.S."
    assert units.links(text) == ["https://x.com/a?b=1", "pitchfork.com/news/steve-a..."]
    assert units.hashtags(text) == ["#Music"]
    assert units.links("see apnews.com today") == ["apnews.com"]
    assert units.links("Mr.Smith went home") == []
    assert units.prose("what the fuck pitchfork.com/news/steve-a...") == "what the fuck"
    assert units.emoji("ok 👍🏽 © 🇫🇷") == ["👍🏽", "🇫🇷"]
    assert units.script_share("Bluesky、DMや動画", ["Latin"]) == pytest.approx(9 / 12)
    assert units.script_share("café 123 👍🏽", ["Latin"]) == 1.0
    assert units.script_share("", ["Latin"]) == 1.0
    assert units.script_share("Привет world", ["Latin", "Cyrillic"]) == 1.0


def test_detectors_fire_on_hacks_not_on_posts():
    post = "Bluesky's roadmap is out: DMs, video and better custom feeds are coming."
    for fn in (hacks.hashtag_spam, hacks.link_dump, hacks.repetition, hacks.emoji_spam):
        assert fn(post) == 0.0
    assert hacks.hashtag_spam(post + " #bluesky #tech") == 0.0
    assert hacks.hashtag_spam(" ".join(["#SpaceX"] * 20)) == 1.0
    assert hacks.link_dump("https://example.com/article") == 1.0
    assert hacks.link_dump(post + " bsky.social/about/blog/0...") == 0.0
    assert hacks.emoji_spam(post + " 🎉") == 0.0 and hacks.emoji_spam("🚀" * 12) == 1.0
    assert hacks.repetition("great news! " * 6) == 1.0
    assert hacks.keyword_stuffing("Bluesky roadmap DMs video feeds OAuth login features") == 1.0
    assert hacks.keyword_stuffing(post) == 0.0
    assert hacks.prompt_echo("Product Roadmap - Bluesky", ["Product Roadmap - Bluesky"]) == 1.0
    assert hacks.prompt_echo(post, ["Product Roadmap - Bluesky"]) == 0.0
    assert hacks.near_copy(post, [post.upper() + " https://bsky.app"]) == 1.0
    assert hacks.near_copy("seems bad", ["Seems bad."]) == 0.0  # too short to call a copy


def test_detectors_leave_real_posts_alone():
    """Calibration: on the shipped real posts each detector is 0 for >= 95% of them."""
    posts = [p["text"] for row in _rows("tasks.jsonl") for p in row["posts"]]
    posts += [row["text"] for row in _rows("pool.jsonl")]
    assert len(posts) > 1000
    for fn in TEXT_DETECTORS:
        flagged = sum(fn(t) > 0 for t in posts) / len(posts)
        assert flagged <= 0.05, (fn.__name__, flagged)


def test_engagement_reward_formula():
    values = engagement_values([2.0, 0.0], centre=0.0, scale=1.0)
    assert values == pytest.approx([1 / (1 + math.exp(-2)), 0.5])
    # Closeness rises to 1 at high, stays, then falls back to 0 at copy.
    assert closeness([0.2, 0.51, 0.72, 0.81, 0.95], 0.3, 0.72, 0.9) == pytest.approx(
        [0, 0.5, 1, 0.5, 0]
    )
    assert closeness([0.72, 1.0], 0.3, 0.72) == pytest.approx([1, 0])  # default copy = 1
    # Base rate: the mean value b = (0.881 + 0.5) / 2; only the excess over b counts.
    assert engagement_reward([0.72, 0.1], values, low=0.3, high=0.72) == 1.0
    assert engagement_reward([0.1, 0.72], values, low=0.3, high=0.72) == 0.0  # a below-base post
    assert engagement_reward([0.51, 0.72], values, low=0.3, high=0.72) == pytest.approx(0.5)
    assert engagement_reward([0.81, 0.1], values, low=0.3, high=0.72, copy=0.9) == (
        pytest.approx(0.5)  # a paraphrase of the best post earns less than a post of one's own
    )
    assert engagement_reward([0.1, 0.1], values, low=0.3, high=0.72) == 0.0
    assert engagement_reward([0.72, 0.72], [0.6, 0.6], low=0.3, high=0.72) == 0.0  # no contrast
    # A lone reference is measured against the corpus median (value 0.5).
    assert engagement_reward([0.72], [0.7], low=0.3, high=0.72) == 1.0
    assert engagement_reward([0.72], [0.4], low=0.3, high=0.72) == 0.0
    # Transfer: the URL's post (0.5) and two neighbours (0.9, 0.7 at relevance 1.0, 0.5) set
    # b = (0.5 + 0.9 + 0.35) / 2.5 = 0.7; excesses: own 0, neighbours 0.2 x 1.0 and 0 x 0.5.
    kw = dict(low=0.3, high=0.72, transfer_values=[0.9, 0.7], transfer_relevance=[1.0, 0.5])

    def e(own_sim, transfer_sims, mode):
        return engagement_reward(
            [own_sim], [0.5], transfer_similarities=transfer_sims, mode=mode, **kw
        )

    assert e(0.72, [0.0, 0.0], "max") == 0.0  # the URL's post did worse than its neighbours
    assert e(0.0, [0.72, 0.0], "max") == 1.0  # resembling the neighbour that did better pays
    assert e(0.0, [0.72, 0.0], "topk_mean") == pytest.approx(0.5)  # (1 + 0) / 2
    assert e(0.72, [0.72, 0.72], "off") == 0.0  # alone: 0.5 is the corpus median, no excess
    assert engagement_reward([], [], low=0.3, high=0.72) == 0.0
    with pytest.raises(ValueError):
        engagement_reward([0.5], [0.5], low=0.3, high=0.72, mode="median")
    assert weight_scale([1.0, 1.0, 1.0]) == (1.0, 1.0)


def test_closeness_is_full_at_each_posts_reach():
    """A post's rise ends at its reach (never past ``high``); a post out of reach (reach at or
    below ``low``) pays nothing at any similarity, and does not set the scale."""
    assert closeness([0.35, 0.4, 0.51, 0.81], 0.3, 0.72, 0.9, reach=[0.4, 0.4, 0.9, 0.4]) == (
        pytest.approx([0.5, 1, 0.5, 0.5])  # a reach past high is high; the fall starts at high
    )
    assert closeness([0.29, 0.31, 0.7], 0.3, 0.72, reach=[0.3] * 3) == pytest.approx([0, 0, 0])
    values = engagement_values([2.0, 0.0, 3.0], centre=0.0, scale=1.0)
    kw = dict(low=0.3, high=0.72)
    # The third post did best but is out of reach: the first post's excess is the scale.
    assert engagement_reward([0.5, 0.1, 0.1], values, reach=[0.4, 0.5, 0.2], **kw) == 1.0
    assert engagement_reward([0.5, 0.1, 0.1], values, **kw) < 0.5  # the fixed reach: not so
    assert engagement_reward([0.35, 0.1, 0.9], values, reach=[0.4, 0.5, 0.2], **kw) == (
        pytest.approx(0.5)
    )
    with pytest.raises(ValueError, match="reach"):
        closeness([0.5], 0.3, 0.72, reach=[0.4, 0.4])
    with pytest.raises(ValueError, match="low < high"):
        closeness([0.5], 0.72, 0.3)
    assert closeness([0.5], 0.3, 0.72, reach=[float("nan")]) == pytest.approx([0])  # no reach
    # Transfer posts have reaches of their own; with transfer off they are ignored.
    t = dict(transfer_values=[0.9, 0.95], transfer_relevance=[1.0, 1.0])
    own = dict(reach=[0.5], transfer_similarities=[0.5, 0.1], **kw, **t)
    assert engagement_reward([0.1], [0.5], transfer_reach=[0.5, 0.2], **own) == (
        pytest.approx(1.0)  # the better neighbour is out of reach, so the other sets the scale
    )
    assert engagement_reward([0.1], [0.5], transfer_reach=[0.5, 0.5], **own) < 1.0
    assert engagement_reward([0.1], [0.5], mode="off", transfer_reach=[0.5, 0.2], **own) == 0.0


# --- the packaged data -------------------------------------------------------------------


def _rows(name):
    text = files("rlnvr_walter").joinpath("data", name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.split("\n") if line.strip()]


def test_packaged_data_is_small_and_consistent():
    data = files("rlnvr_walter").joinpath("data")
    names = ("tasks.jsonl", "pool.jsonl", "meta.json")
    sizes = {name: len(data.joinpath(name).read_bytes()) for name in names}
    assert sum(sizes.values()) < 2 * 1024 * 1024, sizes
    tasks, pool = _rows("tasks.jsonl"), _rows("pool.jsonl")
    meta = json.loads(data.joinpath("meta.json").read_text(encoding="utf-8"))
    assert meta["counts"]["tasks"] == len(tasks) and meta["counts"]["pool"] == len(pool)
    assert meta["weight_scale"] > 0
    for row in tasks:
        assert row["title"] and row["posts"] and all(units.prose(p["text"]) for p in row["posts"])
        assert all(0 <= i < len(pool) and 0 < r <= 1 for i, r in row["transfer"])
        assert (len(row["posts"]) == 1) == bool(row["transfer"])
        assert all(pool[i]["url"] != row["url"] for i, _ in row["transfer"])


def test_build_rows_from_posts():
    from rlnvr_walter import shared_embedder
    from rlnvr_walter.build import build_rows

    embedder = shared_embedder()  # the one the tasks use: the model loads once

    def post(n, url, text, likes, author="did:plc:a"):
        return Post(
            uri=f"at://{author}/app.bsky.feed.post/{n}",
            author_did=author,
            author_handle="",
            text=text,
            created_at=f"2024-05-0{n}T00:00:00.000Z",
            url=url,
            title=f"Title {url[-1]}",
            description="",
            likes=likes,
            reposts=0,
            replies=0,
        )

    a, b, c = "https://ex.com/a", "https://ex.com/b", "https://ex.com/c"
    posts = [
        post(1, a, "The city council approved the new bike lanes downtown.", 50),
        post(2, a, "Bike lanes approved! Finally safer streets.", 5, "did:plc:b"),
        post(3, b, "Council votes yes on downtown cycling lanes", 10),
        post(4, c, "A kitten rescued from a tree by firefighters", 20),
        post(5, c, "ex.com/c", 1000),  # a bare link: not a reference
    ]
    tasks, pool, meta = build_rows(posts, embedder, previous=[c], transfer_k=2)
    assert [t["url"] for t in tasks] == [c, a, b]  # previous order first, then oldest first
    by_url = {t["url"]: t for t in tasks}
    assert [p["text"] for p in by_url[c]["posts"]] == [posts[3].text]
    assert by_url[a]["transfer"] == [] and len(by_url[a]["posts"]) == 2
    assert by_url[a]["posts"][0]["weight"] > by_url[a]["posts"][1]["weight"]
    assert by_url[a]["posts"][0]["raw"] == round(math.log1p(50), 4)
    # b's nearest post on another URL is about the same bike lanes.
    first, relevance = by_url[b]["transfer"][0]
    assert pool[first]["url"] == a and relevance > 0.3
    assert meta["counts"]["tasks"] == 3 and np.isfinite(meta["weight_centre"])
