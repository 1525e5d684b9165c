"""The Horace taskset and its rubric, with the real scoring model (rlnvr-tiny, no mocks).

The honest continuations below were written by hand for three authors' tasks, in imitation
of the author and not copied from anything (more, for held-out tasks, ship in
``rlnvr_horace/data/honest.jsonl``). Every adversarial text must score below the honest one
for the same task; most must score about nothing.
"""

from __future__ import annotations

import asyncio
import io
import random
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest
from odd_inputs import ODD_INPUTS
from verifiers.v1.configs.taskset import TasksetConfig
from verifiers.v1.utils.generic import concrete_type
from verifiers.v1.utils.loaders import taskset_class

from rlnvr.data_pipelines.literature import iter_documents
from rlnvr.data_pipelines.splits import is_heldout
from rlnvr.trainers.protocols import HonestCompletions, TaskReferences
from rlnvr.trainers.traces import completion_trace, score
from rlnvr_horace import HoraceConfig, HoraceTaskConfig, HoraceTaskset
from rlnvr_horace.cadence import FEATURE_NAMES
from rlnvr_horace.calibration import GRID, closeness, margin_score
from rlnvr_horace.chunks import split_words
from rlnvr_horace.ngram_overlap import (
    build_index,
    copy_share,
    load_indexes,
    ngram_hashes,
    save_indexes,
)
from rlnvr_horace.style_classifier import fit, load_classifier, save_classifier, sklearn_pipeline
from rlnvr_horace.taskset import cadence_of, style_data, unwrap

HONEST = {
    "Edgar Allan Poe": (
        "True, I had resolved upon it long before the night arrived; and yet, when the hour "
        "came, my hand trembled upon the lamp. I am not mad. A madman could not have counted, "
        "as I counted, every stroke of the clock in that low and dismal chamber, nor marked how "
        "the damp crept along the stones like a slow and living thing. He slept. I watched him "
        "sleep. And as I watched, there rose within me a feeling I cannot name \u2014 not pity, "
        "not fear, but a terrible and exquisite patience, such as the grave must feel for those "
        "who walk above it."
    ),
    "Jane Austen": (
        "It was generally agreed among the families of the neighbourhood that Mr. Crawford's "
        "return to Ashby could not be a matter of indifference to anybody. He had four thousand "
        "a year, an agreeable address, and a sister who was known to be in want of a companion; "
        "and though Mrs. Elton declared that she had never thought him handsome, she was "
        "observed to sit nearer the window on the morning he was expected. Anne, who had less "
        "to hope from him than any of them, was perhaps the only person in the room who could "
        "listen to his praises with composure, and even she found her attention wandering."
    ),
    "Ernest Hemingway": (
        "We walked down to the river in the morning and the grass was wet and cold. Bill "
        "carried the rods and I carried the bait in a can. The water was high and brown from "
        "the rain and it moved fast along the bank under the trees. We sat on a log and put the "
        "worms on the hooks. It was quiet and you could hear the water going over the stones. "
        'Bill lit a cigarette and looked at the river. "It\'s a good river," he said. "It\'s a '
        'fine river," I said. We fished until noon and caught four trout and then we ate lunch.'
    ),
}
# Near the average of all authors, and in no one's voice: under the reward of 2026-12-01
# (closeness capped at 1 below the author's median own-chunk distance, 40-word calibration)
# this got signature closeness 1.0 for 14 of the 16 authors.
BLAND = (
    "The letter arrived on a Tuesday, though nobody could afterwards agree which Tuesday it "
    "had been. Mrs. Hale read it twice at the breakfast table, folded it into her apron, and "
    "said only that the weather would turn before evening, which it did."
)
OTHER = "Charles Dickens"  # whose prose is pasted into the other authors' tasks
REWARDS = {"signature": 0.05, "margin": 0.0, "delta": 0.95, "classifier": 0.0}
METRICS = {
    "words",
    "signature_distance",
    "nearest_distance",
    "signature_margin",
    "delta_margin",
    "p_author",
    "copy_share",
    "surprisal_mean",
    "repetition",
    "guard",
}


def pasted(sample: dict, author: str, words: int = 120) -> str:
    """A passage of the author's sample text, verbatim (from the middle of a long document)."""
    pieces = split_words(sample[author], words)
    return pieces[len(pieces) // 2]


def doctored(text: str, every: int = 6) -> str:
    """Every ``every``-th word swapped, so that no word 6-gram of the original survives."""
    words = text.split()
    return " ".join("very" if i % every == 0 else w for i, w in enumerate(words))


def salad(text: str) -> str:
    words = text.split()
    random.Random(0).shuffle(words)
    return " ".join(words)


ADVERSARIAL = {
    "pasted_passage": lambda t, s: pasted(s, t.data.author),
    "pasted_other_author": lambda t, s: pasted(s, OTHER),
    "doctored_paste": lambda t, s: doctored(pasted(s, t.data.author)),
    "word_salad": lambda t, s: salad(pasted(s, t.data.author)),
    "one_word_repeated": lambda t, s: " ".join([max(t.data.opening.split(), key=len)] * 120),
    "empty": lambda t, s: "",
    "opening_echoed": lambda t, s: t.data.opening,
    "prompt_echoed": lambda t, s: t.data.prompt,
    "honest_8_times": lambda t, s: " ".join([HONEST[t.data.author]] * 8),
}


def load(**config) -> list:
    cls = taskset_class("rlnvr-horace")  # how verifiers resolves `--env.taskset.id`
    return list(
        cls(concrete_type(cls, TasksetConfig).model_validate({"id": "rlnvr-horace"} | config))
    )


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def tasks() -> list:
    return load()


@pytest.fixture(scope="module")
def by_author(tasks) -> dict:
    first = {}
    for task in tasks:
        first.setdefault(task.data.author, task)
    return first


@pytest.fixture(scope="module")
def sample(samples: Path) -> dict[str, str]:
    """Each author's text as the build saw it (display names, documents joined)."""
    from rlnvr_horace.build import author_of

    texts: dict[str, list[str]] = {}
    for doc in iter_documents(samples / "literature"):
        texts.setdefault(author_of(doc), []).append(doc.text)
    return {author: "\n\n".join(parts) for author, parts in texts.items()}


@pytest.fixture(scope="module")
def honest(by_author) -> dict:
    return {author: score(by_author[author], text) for author, text in HONEST.items()}


# --- the taskset and its package data -----------------------------------------------------


def test_tasks_are_openings_of_each_author(tasks, sample):
    authors = {t.data.author for t in tasks}
    assert len(authors) == 16 and len(tasks) == 128
    assert all(sum(t.data.author == a for t in tasks) == 8 for a in authors)
    assert len({t.key for t in tasks}) == len(tasks)
    normalised = {a: " ".join(text.split()) for a, text in sample.items()}
    for task in tasks:
        data = task.data
        assert (
            data.prompt == f"Continue this passage in the style of {data.author}:\n{data.opening}"
        )
        assert 8 <= len(data.opening.split()) <= 40
        assert data.opening in normalised[data.author]  # the author's own sentence


def test_package_data_is_small_and_consistent(tasks):
    folder = files("rlnvr_horace").joinpath("data")
    sizes = {p.name: len(p.read_bytes()) for p in folder.iterdir() if p.is_file()}
    assert set(sizes) >= {
        "tasks.jsonl",
        "signatures.json",
        "classifier.json",
        "ngrams.npz",
        "honest.jsonl",
    }
    assert sum(sizes.values()) < 3_000_000
    data = style_data()
    authors = {t.data.author for t in tasks}
    assert set(data.signatures) == set(data.classifier.classes) == authors
    assert data.classifier.features == tuple(sorted(FEATURE_NAMES))
    assert data.meta["model"] == "rlnvr-tiny" and data.meta["chunk_words"] == 150
    assert data.delta.space.z_clip == 2.0  # one rare word cannot decide a short text's Delta
    assert (data.delta.space.char_n, data.delta.centroids.metric) == (3, "cosine")
    calibrations = [s.meta["calibration"] for s in data.signatures.values()]
    for signature, cal in zip(data.signatures.values(), calibrations, strict=True):
        assert signature.n_chunks >= 20 and cal["words"] == [80, 150, 300]
        own_150 = cal["d_own"][cal["words"].index(150)]
        assert 0 < own_150 < 1.0
        # a longer text's features are steadier estimates: own chunks lie closer with length
        # (within sampling noise: Poe has ~18 chunks of 300 words)
        assert np.all(np.diff(cal["d_own"]) < 0.01), signature.author
        assert cal["d_own"][0] > cal["d_own"][-1] + 0.1, signature.author
        for key in ("distance", "margin"):  # quantiles over GRID, one row per length
            assert np.shape(cal[key]) == (3, len(GRID))
            assert all(row == sorted(row) for row in cal[key])
    # most authors' own chunks lie closer to their signature than other authors' chunks
    closer = [np.less(cal["d_own"], cal["d_other"]) for cal in calibrations]
    assert np.mean(closer) >= 0.8
    for task in tasks:  # every opening is in the copy index: echoing it is copying
        assert copy_share(task.data.opening, data.ngrams) == 1.0


def test_closeness_and_margin_are_calibrated_at_the_texts_length():
    # own chunks' distances uniform on [1.0, 2.0] at 80 words, on [0.5, 1.0] at 150;
    # other authors' chunks' margins toward the author uniform on [-0.4, 0.4] at both lengths
    grid = np.array(GRID)
    cal = {
        "words": [80, 150],
        "distance": [list(1.0 + grid), list(0.5 + 0.5 * grid)],
        "margin": [list(-0.4 + 0.8 * grid)] * 2,  # other authors' chunks' margins
        "m_own": [0.32, 0.32],  # the margin most own chunks reach: past 90% of other authors'
    }
    # continuous: the share of own chunks of that length further away, not capped at the median
    assert closeness(1.5, 80, cal) == pytest.approx(0.5)
    assert closeness(1.2, 80, cal) == pytest.approx(0.8)
    assert closeness(0.9, 80, cal) == 1.0 and closeness(2.5, 80, cal) == 0.0
    assert closeness(0.75, 150, cal) == pytest.approx(0.5)
    assert closeness(1.125, 115, cal) == pytest.approx(0.5)  # interpolated between lengths
    assert closeness(1.5, 40, cal) == pytest.approx(0.5)  # shorter: judged as at 80 words
    assert closeness(float("nan"), 80, cal) == 0.0
    # margin: 0 when no nearer the author than to the typical other author, or no more than
    # other authors' chunks are (here their margins are uniform on [-0.4, 0.4]); full at the
    # margin most of the author's own chunks reach (past 90% of them: 0.8 of the way), not
    # beyond all of them
    assert margin_score(0.0, 80, cal) == margin_score(-0.3, 80, cal) == 0.0
    assert margin_score(0.2, 80, cal) == pytest.approx(0.5 / 0.8)
    assert margin_score(0.32, 80, cal) == pytest.approx(1.0)
    assert margin_score(0.5, 150, cal) == 1.0 and margin_score(float("inf"), 80, cal) == 0.0
    # an author whose own chunks are no nearer them than others' typical chunks: full
    # pay waits for other authors' 75th percentile, never for their median
    central = cal | {"m_own": [0.0, 0.0]}
    assert margin_score(0.1, 80, central) == pytest.approx(0.5)
    assert margin_score(0.2, 80, central) == pytest.approx(1.0)


def test_config_filters_authors_and_checks_the_scoring_model():
    assert taskset_class("rlnvr-horace") is HoraceTaskset
    config = HoraceConfig(id="rlnvr-horace", authors=["Edgar Allan Poe", "Oscar Wilde"])
    poe = list(HoraceTaskset(config))
    assert len(poe) == 16 and {t.data.author for t in poe} == {"Edgar Allan Poe", "Oscar Wilde"}
    with pytest.raises(ValueError, match="unknown authors"):
        load(authors=["Edgar Poe"])
    with pytest.raises(ValueError, match="built with 'rlnvr-tiny'"):
        HoraceTaskConfig(scoring_model="Qwen/Qwen3-0.6B")
    with pytest.raises(ValueError, match="built with 'rlnvr-tiny'"):
        load(task={"scoring_model": "Qwen/Qwen3-0.6B"})


def test_components_metrics_and_weights(by_author):
    task = by_author["Jane Austen"]
    trace = completion_trace(task, HONEST["Jane Austen"])
    asyncio.run(task.score(trace))
    assert {k: r.weight for k, r in trace.rewards.items()} == REWARDS
    assert all(0.0 <= r.score <= 1.0 for r in trace.rewards.values())
    assert set(trace.metrics) >= METRICS
    assert trace.reward == pytest.approx(sum(r.score * r.weight for r in trace.rewards.values()))
    # as `[env.taskset.task.rewards] classifier = {weight = 0.1}` in a TOML config: the cadence
    # terms shown but not paid by default are paid once weighted
    cadence = {"margin": {"weight": 0.1}, "classifier": {"weight": 0.1}}
    reweighted = load(authors=["Jane Austen"], task={"rewards": cadence})
    result = score(reweighted[0], HONEST["Jane Austen"])
    r = result.rewards
    expected = 0.05 * r["signature"] + 0.1 * r["margin"] + 0.95 * r["delta"] + 0.1 * r["classifier"]
    assert result.reward == pytest.approx(expected)


# --- honest and adversarial continuations -------------------------------------------------


@pytest.mark.parametrize("author", list(HONEST))
def test_honest_imitation_is_rewarded(honest, author):
    result = honest[author]
    assert result.reward > 0.05
    assert result.metrics["guard"] == 1.0 and result.metrics["copy_share"] < 0.05
    assert 90 <= result.metrics["words"] <= 120


@pytest.mark.parametrize("author", list(HONEST))
@pytest.mark.parametrize("case", list(ADVERSARIAL))
def test_adversarial_scores_below_honest(by_author, sample, honest, author, case):
    task = by_author[author]
    hack = score(task, ADVERSARIAL[case](task, sample))
    assert hack.reward < honest[author].reward, (case, hack)
    # A doctored paste is the author's own prose with every sixth word swapped: the 6-gram copy
    # guard no longer sees it, and its word habits are the author's, so the Delta margin pays
    # part of it, in proportion to Delta's weight (Hemingway: 0.26 with Delta weighted 0.95,
    # before and after its z was capped at 2 and full pay moved to the margin 70% of the
    # author's chunks reach; 0.22 at 0.8 paid in full at their median; 0.18 at 0.7 paid in full
    # beyond every other author's chunk, 0.10 at 0.4; under 0.05 before the delta component;
    # honest 0.95-0.99). A known hole: 5-grams catch it (17-19% of a doctored paste's, at most
    # 4% of an honest text's) but also a continuation that restates the opening.
    assert hack.reward < (0.3 if case == "doctored_paste" else 0.05), (case, hack)


def test_bland_paragraph_is_not_paid_as_every_author(by_author, honest):
    """Text near the average of all authors is no longer as close as each author's own
    prose: closeness is a share of the author's own chunks (not capped at their median), 43
    words are judged against the author's 80-word chunks, and the margin pays only nearness
    to the target beyond other authors' prose."""
    bland = {author: score(task, BLAND) for author, task in by_author.items()}
    assert all(r.rewards["signature"] < 0.6 for r in bland.values())
    assert sum(r.rewards["margin"] == 0.0 for r in bland.values()) >= len(bland) / 2
    assert all(bland[a].reward < honest[a].reward for a in HONEST)
    mean_honest = np.mean([r.reward for r in honest.values()])
    assert np.mean([r.reward for r in bland.values()]) < 0.3 * mean_honest


def test_honest_completions_are_paid_above_the_bland_paragraph(tasks):
    taskset = HoraceTaskset(HoraceConfig(id="rlnvr-horace"))
    assert isinstance(taskset, HonestCompletions) and isinstance(tasks[0], TaskReferences)
    written = taskset.honest_completions()
    by_id = {t.key: t for t in tasks}
    assert len(written) >= 10 and all(is_heldout(k, 20.0) for k in written)
    rows = files("rlnvr_horace").joinpath("data/honest.jsonl").read_text().splitlines()
    assert all('"written_by": "hand, from the prompt only"' in row for row in rows)
    results = {k: score(by_id[k], text) for k, text in written.items()}
    bland = {k: score(by_id[k], BLAND) for k in written}
    assert all(r.metrics["copy_share"] < 0.05 for r in results.values())
    above = [results[k].reward > bland[k].reward for k in written]
    assert np.mean(above) >= 0.8, {k: (results[k].reward, bland[k].reward) for k in written}
    assert by_id[next(iter(written))].references() == [by_id[next(iter(written))].data.opening]


@pytest.fixture(scope="module")
def fresh() -> dict[str, str]:
    """Six imitations written by hand after the reward was tuned (experiments/data)."""
    path = Path(__file__).resolve().parents[1] / "experiments/data/horace_fresh_imitations.jsonl"
    return HoraceTaskset(HoraceConfig(id="rlnvr-horace", honest=str(path))).honest_completions()


def test_a_neighbours_pastiche_is_not_paid_on_the_targets_task(tasks, fresh):
    """Under Delta's margin over the *median* other author, this Gatsby pastiche was paid
    0.98 on an Emily Bronte task (Emily Bronte ranked second of 16 for it in word habits)."""
    by_key = {t.key: t for t in tasks}
    gatsby = "f-scott-fitzgerald/the-great-gatsby/304"
    assert score(by_key[gatsby], fresh[gatsby]).reward > 0.8
    assert score(by_key["emily-bronte/wuthering/34"], fresh[gatsby]).reward < 0.1


def test_an_imitation_delta_names_is_paid_nearly_in_full(tasks, fresh):
    """Delta pays all but a short slope once a text is nearer its author than its five
    nearest rivals are (full at the margin 95% of the author's own chunks reach). Full at
    70% of them, the Thackeray imitation (margin 0.002) sat at 0.82 on a long slope, and the
    red team's garbled edits of it climbed to 0.90-0.97 in both seeds run."""
    delta = style_data().delta
    author = {t.key: t.data.author for t in tasks}
    packaged = HoraceTaskset(HoraceConfig(id="rlnvr-horace")).honest_completions()
    imitations = [(author[k], text) for k, text in (packaged | fresh).items()]
    named = [(a, t) for a, t in imitations if delta.margin(t, a) > 0]
    assert len(named) >= 16, len(named)  # all but a few of the 18
    assert min(delta.pay(t, a) for a, t in named) >= 0.95


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="known limitation: at about 100 words this hand-written Emily Bronte imitation reads "
    "nearer several other authors than her in character trigrams, and is paid about 0 "
    "(environments/horace/README.md, Red team)",
)
def test_the_fresh_emily_bronte_imitation_is_paid(tasks, fresh):
    task = next(t for t in tasks if t.key == "emily-bronte/wuthering/34")
    assert score(task, fresh[task.key]).reward > 0.5


def test_honest_completions_can_come_from_a_file_and_a_bad_record_is_named(tmp_path):
    path = tmp_path / "fresh.jsonl"
    path.write_text('{"id": "jane-austen/emma/1", "completion": "It was."}\n', "utf-8")
    taskset = HoraceTaskset(HoraceConfig(id="rlnvr-horace", honest=str(path)))
    assert taskset.honest_completions() == {"jane-austen/emma/1": "It was."}
    bad = {
        '{"id": "a", "completion": "b"}\n{"id": "c"}\n': r"fresh.jsonl: record 2 .*'completion'",
        '{"id": "a", "completion": "b"}\n[1, 2]\n': "fresh.jsonl: record 2 is not a JSON object",
        '{"id": "a", "completion": "b"}\n' * 2: "fresh.jsonl: record 2 repeats id 'a'",
        "\n": "fresh.jsonl holds no records",
    }
    for text, error in bad.items():
        path.write_text(text, "utf-8")
        with pytest.raises(ValueError, match=f"env.taskset.honest: .*{error}"):
            taskset.honest_completions()
    missing = HoraceTaskset(HoraceConfig(id="rlnvr-horace", honest=str(tmp_path)))
    with pytest.raises(ValueError, match="env.taskset.honest: .* is not a file"):
        missing.honest_completions()


def test_a_reply_the_guard_already_zeroes_is_never_read_by_the_scoring_model(by_author):
    task = by_author["Jane Austen"]
    prose = ODD_INPUTS["long_prose"]
    before = cadence_of.cache_info()
    result = score(task, prose)
    after = cadence_of.cache_info()
    assert result.reward == 0.0 and result.metrics["words"] > task.config.hard_max_words
    assert after.misses == before.misses and after.hits == before.hits  # never called
    assert result.metrics["signature_distance"] == 10.0 and result.metrics["p_author"] == 0.0


@pytest.mark.parametrize("name", sorted(ODD_INPUTS))
def test_odd_inputs_score_finite_and_unpaid(by_author, name):
    result = score(by_author["Edgar Allan Poe"], ODD_INPUTS[name])
    values = [*result.rewards.values(), *result.metrics.values(), result.reward]
    assert all(np.isfinite(v) for v in values), result
    assert all(0.0 <= v <= 1.0 for v in result.rewards.values())
    assert 0.0 <= result.metrics["guard"] <= 1.0 and 0.0 <= result.metrics["p_author"] <= 1.0
    assert result.reward <= 0.01, result


def test_guards_are_what_stop_a_pasted_passage(by_author, sample):
    task = by_author["Jane Austen"]
    passage = pasted(sample, "Jane Austen")
    guarded = score(task, passage)
    assert guarded.reward == 0.0 and guarded.metrics["copy_share"] == 1.0
    unguarded = load(authors=["Jane Austen"], task={"guards": ["length", "repetition"]})[0]
    # the author's own prose matches the author's cadence; it is paid little here because
    # this passage is one of Austen's whose word habits Delta does not credit to her (delta 0,
    # and Delta weighs 0.95), the cost of a reward that rests on word habits
    paid = score(unguarded, passage)
    assert paid.reward > guarded.reward and paid.rewards["signature"] > 0.3, paid


def test_word_salad_reads_outside_the_authors_surprisal_range(by_author, sample):
    task = by_author["Jane Austen"]
    result = score(task, salad(pasted(sample, "Jane Austen")))
    q95 = task.author_signature().features["surprisal_mean"].quantiles["0.95"]
    assert result.metrics["surprisal_mean"] > q95 + task.config.surprisal_margin
    assert result.metrics["copy_share"] < 0.05 and result.metrics["guard"] < 0.5


def test_hard_wrapped_text_is_read_one_paragraph_per_line():
    wrapped = (
        "She was the youngest of the two daughters of a most affectionate,\n"
        "indulgent father; and had been mistress of his house.\n"
        "Sixteen years had Miss Taylor been in Mr. Woodhouse's family, less as a\n"
        "governess than a friend.\n\n\n"
        "CHAPTER II\n"
    )
    assert unwrap(wrapped) == (
        "She was the youngest of the two daughters of a most affectionate, indulgent father; "
        "and had been mistress of his house.\n"
        "Sixteen years had Miss Taylor been in Mr. Woodhouse's family, less as a governess "
        "than a friend.\nCHAPTER II"
    )
    reply = "A reply   with odd spacing.\n\nAnd a second paragraph, never wrapped."
    assert unwrap(reply) == "A reply with odd spacing.\nAnd a second paragraph, never wrapped."
    assert unwrap("") == ""


# --- the portable classifier and the n-gram index -----------------------------------------


@pytest.mark.parametrize("n_classes", [2, 4])
def test_classifier_json_round_trip_matches_sklearn(tmp_path: Path, n_classes: int):
    rng = np.random.default_rng(0)
    names = ["a", "b", "c", "d"]
    labels = [f"author{i % n_classes}" for i in range(200)]
    x = rng.normal(size=(200, 4)) + np.array([int(y[-1]) for y in labels])[:, None] * [1, 0, 2, 0]
    rows = [dict(zip(names, row, strict=True)) for row in x]
    path = tmp_path / "classifier.json"
    save_classifier(path, fit(rows, labels, c=0.5, z_clip=None, meta={"model": "m"}))
    clf = load_classifier(path)
    expected = sklearn_pipeline(0.5).fit(x, labels).predict_proba(x)
    np.testing.assert_allclose(clf.predict_proba(clf.matrix(rows)), expected, atol=1e-6)
    assert clf.classes == tuple(sorted(set(labels))) and clf.meta == {"model": "m"}
    proba = clf.proba(rows[0])
    assert list(proba) == list(clf.classes) and sum(proba.values()) == pytest.approx(1.0)


def test_classifier_caps_extrapolation(tmp_path: Path):
    rng = np.random.default_rng(1)
    labels = [f"author{i % 3}" for i in range(150)]
    rows = [{"a": rng.normal() + int(y[-1]), "b": rng.normal()} for y in labels]
    capped = fit(rows, labels, z_clip=3.0)
    far = {"a": 1e6, "b": float("nan")}  # absurd and missing values are not extrapolated
    edge = {"a": capped.mean[0] + 3.0 * capped.scale[0], "b": capped.mean[1]}
    assert capped.proba(far) == pytest.approx(capped.proba(edge))
    with pytest.raises(KeyError):
        capped.proba({"a": 0.0})


def test_ngram_overlap(tmp_path: Path, sample):
    passage = pasted(sample, "Jane Austen")
    index = build_index([passage])
    assert copy_share(passage, index) == 1.0
    assert copy_share(HONEST["Jane Austen"], index) == 0.0
    half = " ".join(passage.split()[:60]) + " " + HONEST["Jane Austen"]
    assert 0.3 < copy_share(half, index) < 0.5
    assert copy_share(passage.upper().replace("'", "\u2019"), index) == 1.0  # case, quotes
    assert copy_share("five words are not enough", index) == 0.0
    assert copy_share("", index) == 0.0 and copy_share(None, index) == 0.0
    # hashes are the same in every process (BLAKE2b, not Python's salted hash)
    assert ngram_hashes("It was the best of times").tolist() == [1583382196]
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    save_indexes(first, {"Jane Austen": index, "Oscar Wilde": build_index(["x y z w v u t"])})
    save_indexes(second, load_indexes(first))
    assert first.read_bytes() == second.read_bytes()  # rebuilt data is byte-identical
    loaded = load_indexes(io.BytesIO(first.read_bytes()))
    np.testing.assert_array_equal(loaded["Jane Austen"], index)
    assert loaded["Oscar Wilde"].dtype == np.uint32 and len(loaded["Oscar Wilde"]) == 2
