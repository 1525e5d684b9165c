"""The Varro taskset and its rubric, with the real embedding model (no mocks).

Honest forecasts below were written by hand for two real days of the packaged data, from
that day's headlines only; each predicts a change. Every adversarial text must score below the
honest forecast for the same day. The reward pays skill over a base rate (closeness to day
t+1 over closeness to earlier days), so a fixed paragraph earns less than honest forecasts.
"""

from __future__ import annotations

import asyncio
import math
import re
from datetime import date, timedelta
from importlib.resources import files

import pytest
from odd_inputs import ODD_INPUTS
from verifiers.v1.configs.taskset import TasksetConfig
from verifiers.v1.utils.generic import concrete_type

from rlnvr.data_pipelines.splits import is_heldout
from rlnvr.rubrics.embeddings import shared_embedder
from rlnvr.rubrics.hacks import repeated_span
from rlnvr.trainers.protocols import HonestCompletions, TaskReferences
from rlnvr.trainers.traces import completion_trace, score
from rlnvr_varro import VarroConfig, VarroTaskConfig, VarroTaskset
from rlnvr_varro.archives import import_archives
from rlnvr_varro.base import BASE_DAYS, GAP, MIN_BASE_DAYS, PER_DAY
from rlnvr_varro.guard import length_guard
from rlnvr_varro.headline_store import HeadlineStore
from rlnvr_varro.leak import leak_score
from rlnvr_varro.semantic import claims, closeness, pooled, semantic_skill
from rlnvr_varro.structure import (
    has_direction,
    has_drivers,
    has_timeframe,
    has_verification,
    plausible,
    prose_share,
    structure_score,
)
from rlnvr_varro.taskset import INSTRUCTION

DAY = "2025-09-14"  # Sunday: crypto treasuries, AI stocks; Monday brings the Fed week
HONEST = (
    "Crypto treasury companies such as Strategy add more bitcoin and ether on Monday, and "
    "bitcoin edges up 1-2% by Wednesday as treasury buying and bets on a Fed rate cut this "
    "week support prices. Bitcoin miners keep shifting data centers to AI, driven by demand "
    "for GPU capacity. Verify with company filings on Monday and bitcoin quotes on Coinbase "
    "at Wednesday's close."
)
RESTATE = (
    "Mutuum Finance approached a $16 million presale milestone and sold over 700 million "
    "tokens, Vivek Ramaswamy sold $22.7 million of Roivant stock, bitcoin miners are powering "
    "AI's expansion, and analysts are betting on AI stocks that could become trillion-dollar "
    "giants."
)
DAY2 = "2025-08-21"  # Thursday before Powell's Jackson Hole speech
HONEST2 = (
    "US stocks rally 1-1.5% on Friday after Powell's Jackson Hole speech opens the door to a "
    "September rate cut, and ether climbs 5-10% as crypto rides the easier-money trade. "
    "Drivers: softer Fed guidance and cooling worries about Fed independence. Verify with "
    "Friday's S&P 500 close and the ETH price on Coinbase by Friday evening."
)
RESTATE2 = (
    "Powell's Jackson Hole speech is a big moment for the summer stock rally, bitcoin is "
    "steady near $114k amid worries about Fed rates and independence, Walmart is reporting "
    "earnings, and some analysts are still standing by Target despite its identity crisis."
)
STUFFED = {
    "bare_words": "Object direction rise fall 2% 3% by Friday within 48 hours next week "
    "because driven by due to verify by check confirmed if data source report.",
    "labels": "Object: stocks. Direction: rise 2%. Timeframe: by Friday, within 48 hours, "
    "next week. Drivers: because, driven by, due to. Verification: verify by, check, "
    "confirmed if, data source.",
    "empty_template": "The object will rise 2% by Friday because of the drivers, and we "
    "verify it with the data from the source before next week.",
    "repeated_cue": "Stocks rise 2% by Friday by Friday by Friday by Friday by Friday because "
    "because because because of earnings; verify verify verify verify with the close.",
    "comma_list": "Markets rise, fall, climb and drop 1%, 2%, 3% by Friday, Monday, tomorrow, "
    "next week, within 48 hours, because of, due to, driven by news; verify, check, confirm "
    "with data, reports, sources.",
    "word_salad": "rise fall climb drop gain lose 1% 2% Friday Monday tomorrow because due "
    "driven verify check confirm Reuters Bloomberg Apple Tesla",
    "repeated_sentence": " ".join(
        ["Stocks will rise 2% by Friday because of strong earnings; verify with the close."] * 8
    ),
}


def tasks(**task_config) -> dict:
    config = VarroConfig(id="rlnvr-varro", task=VarroTaskConfig(**task_config))
    return {t.data.day: t for t in VarroTaskset(config)}


@pytest.fixture(scope="module")
def by_day() -> dict:
    shared_embedder()  # one Embedder per model name per process, shared by every task
    return tasks()


def scored(task, text):
    trace = completion_trace(task, text)
    asyncio.run(task.score(trace))
    return trace


# -- the taskset ---------------------------------------------------------------------------


def test_tasks_are_real_days_with_tomorrow_hidden(by_day):
    raw = files("rlnvr_varro").joinpath("data/tasks.jsonl").read_bytes()
    assert len(raw) < 1_000_000
    assert len(by_day) >= 30
    for day, task in by_day.items():
        data = task.data
        assert data.id == day and data.next_day > day
        assert 12 <= len(data.headlines) <= 15  # default max_headlines = 15
        assert 8 <= len(data.next_headlines) <= PER_DAY
        # the base rate: only past days, none of the GAP days before t, at most PER_DAY each
        assert MIN_BASE_DAYS <= len(data.base_days) == len(data.base_headlines) <= BASE_DAYS
        last_base = (date.fromisoformat(day) - timedelta(days=GAP + 1)).isoformat()
        assert all(d <= last_base for d in data.base_days)
        assert all(8 <= len(h) <= PER_DAY for h in data.base_headlines)
        for headline in data.headlines:
            assert f"- {headline}\n" in data.prompt
        for headline in data.next_headlines:  # tomorrow never reaches the model
            assert headline not in data.prompt
        assert data.prompt.endswith(INSTRUCTION)


def test_config_caps_headlines_and_reference():
    config = concrete_type(VarroTaskset, TasksetConfig).model_validate(
        {"id": "rlnvr-varro", "max_headlines": 12, "max_reference": 10}
    )
    task = next(iter(VarroTaskset(config)))
    assert len(task.data.headlines) == 12 and len(task.data.next_headlines) == 10
    assert task.data.prompt.count("\n- ") == 12


# -- adversarial cases ---------------------------------------------------------------------


def word_soup(headlines: list[str], n_words: int = 90) -> str:
    """The names and numbers of ``headlines`` strung into "X's Y has been ..." with no
    sentence: what a policy trained on semantic closeness alone learned to write."""
    names = [w for h in headlines for w in re.findall(r"[A-Z][\w']+|\d[\w%$.]*", h)]
    soup = " ".join(f"{a}'s {b} has been" for a, b in zip(names[::2], names[1::2], strict=False))
    return " ".join(soup.split()[:n_words])


def adversarial(task) -> dict[str, str]:
    pasted = "\n".join(task.data.headlines)
    cases = {
        "headlines_pasted": pasted,
        "headlines_pasted_as_prose": ". ".join(task.data.headlines[:6]) + ".",
        "prompt_echoed": task.data.prompt,
        "instruction_echoed": INSTRUCTION,
        "empty": "",
        "2000_words": " ".join([HONEST] * 34),
        "meta_talk": "The user wants a forecast of what happens next from today's headlines. "
        "I should write about the object, a direction with a small magnitude, a tight "
        "timeframe, the drivers and a way to verify it.",
        "meta_then_forecast": "The user wants a forecast paragraph. Here is a forecast: " + HONEST,
        "restated_in_prose": RESTATE,
        "word_soup_of_today": word_soup(task.data.headlines),
        # the strongest soup: tomorrow's own names, which no policy sees
        "word_soup_of_tomorrow": word_soup(task.data.next_headlines),
    }
    cases.update({f"stuffed_{k}": v for k, v in STUFFED.items()})
    return cases


HONEST_BY_DAY = {DAY: HONEST, DAY2: HONEST2}


@pytest.mark.parametrize("day", [DAY, DAY2])
def test_honest_forecast_scores_well(by_day, day):
    s = score(by_day[day], HONEST_BY_DAY[day])
    assert structure_score(HONEST_BY_DAY[day]).score == 1.0
    # each claim is paid alone over two slots: on DAY the miners-to-AI claim did not come
    # true on Monday (skill ~0), so it fills its slot with 0 and the crypto-treasury claim
    # earns half (under the whole-text reward both days passed 0.2)
    assert s.rewards["semantic"] > 0.1 and s.rewards["structure"] > 0.2
    assert s.reward > 0.2
    assert s.metrics["leak"] == 0.0 and s.metrics["zeros"] == 0.0
    assert s.metrics["quality"] == 1.0


ADVERSARIAL = [
    "headlines_pasted",
    "headlines_pasted_as_prose",
    "prompt_echoed",
    "instruction_echoed",
    "empty",
    "2000_words",
    "meta_talk",
    "meta_then_forecast",
    "restated_in_prose",
    "word_soup_of_today",
    "word_soup_of_tomorrow",
    *(f"stuffed_{k}" for k in STUFFED),
]


@pytest.mark.parametrize("day", [DAY, DAY2])
@pytest.mark.parametrize("case", ADVERSARIAL)
def test_adversarial_case_scores_below_honest(by_day, day, case):
    task = by_day[day]
    honest = score(task, HONEST_BY_DAY[day])
    bad = score(task, adversarial(task)[case])
    # Restating today's news in one's own words continues today's story: not a hack any
    # more (persistence), but without a forecast's beats it stays below a forecast.
    # (DAY's honest forecast earns little, one of its two claims having come true, so the
    # margin is capped at half of it; every case but the restatement scores 0 there)
    margin = 0.15 if case == "restated_in_prose" else min(0.25, honest.reward / 2)
    assert bad.reward < honest.reward - margin, (case, bad)
    if case.startswith("stuffed_"):  # the beats do not count: no plausible sentence holds them
        assert bad.rewards["structure"] <= 0.2, (case, bad)


def test_guarded_cases_score_exactly_zero(by_day):
    task = by_day[DAY]
    cases = adversarial(task)
    for case in (
        "empty",
        "2000_words",
        "prompt_echoed",
        "headlines_pasted",
        "meta_then_forecast",
        "word_soup_of_today",
        "word_soup_of_tomorrow",
    ):
        s = score(task, cases[case])
        assert s.reward == 0.0 and s.metrics["zeros"] == 1.0, (case, s)
    for case in ("prompt_echoed", "headlines_pasted", "meta_talk", "meta_then_forecast"):
        assert score(task, cases[case]).metrics["leak"] == 1.0, case


def test_word_soup_makes_no_claim_and_the_prose_gate_stops_it_too(by_day):
    """A soup of tomorrow's names embeds close to tomorrow's headlines, but it holds no
    plausible sentence, so it makes no claim to score, gate or no gate; the prose gate zeroes
    its structure as well. An honest forecast is all prose and keeps its reward."""
    soup = word_soup(by_day[DAY2].data.next_headlines)
    ungated = tasks(prose_gate=False)[DAY2]
    assert claims(soup) == [] and score(ungated, soup).rewards["semantic"] == 0.0
    assert score(by_day[DAY2], soup).reward == 0.0
    assert prose_share(HONEST2) == 1.0 and prose_share(soup) == 0.0
    assert score(by_day[DAY2], HONEST2).reward == score(ungated, HONEST2).reward


@pytest.mark.parametrize(
    ("day", "change", "restate"), [(DAY, HONEST, RESTATE), (DAY2, HONEST2, RESTATE2)]
)
def test_restating_today_does_not_outscore_predicting_a_change(by_day, day, change, restate):
    task = by_day[day]
    predicted, restated = score(task, change), score(task, restate)
    # on DAY2 today's story (Powell at Jackson Hole) is tomorrow's: both saturate semantic
    assert restated.rewards["semantic"] <= predicted.rewards["semantic"]
    assert restated.reward < predicted.reward


def test_following_todays_story_is_not_punished(by_day):
    """Persistence is a forecast: the skill does not look at today's headlines at all (no
    echo term), so a today that holds the forecast's own story changes nothing; and a
    forecast about today's story is relevant, which pays its structure."""
    task = by_day[DAY2]
    data, embedder = task.data, shared_embedder()
    plain = semantic_skill(HONEST2, data.next_headlines, data.headlines, data.base_headlines)
    echoed = semantic_skill(
        HONEST2, data.next_headlines, [*data.headlines, HONEST2], data.base_headlines,
        embedder=embedder,
    )  # fmt: skip
    assert echoed.score == pytest.approx(plain.score, abs=1e-6) and plain.score > 0.5
    assert plain.relevance > 0.5  # about today's story: its beats are paid
    assert score(task, HONEST2).rewards["structure"] == pytest.approx(
        structure_score(HONEST2).score * plain.relevance
    )


def test_a_fixed_paragraph_earns_less_than_honest_forecasts(by_day):
    """The base rate: the same paragraph about AI stocks and a Fed cut every day (what a
    16-step run learned under the old reward) scores below the honest completions on their
    own days, and its five beats earn little structure where its subject is not the news."""
    fixed = (
        "AI stocks such as Nvidia and Microsoft edge up 1-2% by Friday as investors price a "
        "quarter-point Federal Reserve rate cut at the next meeting, driven by cooling "
        "inflation data and strong chip earnings. Treasury yields slip 5 basis points this "
        "week. Verify with the Nasdaq close on Friday and CME FedWatch odds."
    )
    honest = VarroTaskset(VarroConfig(id="rlnvr-varro")).honest_completions()
    ids = sorted(honest)
    ours = [score(by_day[i], honest[i]).reward for i in ids]
    theirs = [score(by_day[i], fixed).reward for i in ids]
    assert sum(ours) / len(ours) > sum(theirs) / len(theirs) + 0.05
    assert structure_score(fixed).score == 1.0
    tariffs = "2025-07-31"  # the day before Trump's tariff deadline: neither claim is the news
    assert score(by_day[tariffs], fixed).rewards["structure"] < 0.1
    assert score(tasks(relevance_gate=False)[tariffs], fixed).rewards["structure"] == 1.0


# -- reward components and config ----------------------------------------------------------


def test_components_are_separate_with_default_weights(by_day):
    trace = scored(by_day[DAY], HONEST)
    assert set(trace.rewards) == {"semantic", "structure"}
    assert trace.rewards["semantic"].weight == 0.75
    assert trace.rewards["structure"].weight == 0.25
    expected = 0.75 * trace.rewards["semantic"].score + 0.25 * trace.rewards["structure"].score
    assert trace.reward == pytest.approx(expected)
    assert {"zeros", "leak", "words", "sim_tomorrow", "sim_today"} <= set(trace.metrics)


def test_weights_come_from_config(by_day):
    default = scored(by_day[DAY], HONEST)
    # as `[env.taskset.task.rewards] structure = {weight = 0}` in a TOML config
    config = concrete_type(VarroTaskset, TasksetConfig).model_validate(
        {"id": "rlnvr-varro", "task": {"rewards": {"structure": {"weight": 0.0}}}}
    )
    task = {t.data.day: t for t in VarroTaskset(config)}[DAY]
    ablated = scored(task, HONEST)
    assert ablated.rewards["structure"].weight == 0.0
    assert ablated.rewards["structure"].score == default.rewards["structure"].score
    assert ablated.reward == pytest.approx(0.75 * default.rewards["semantic"].score)
    assert ablated.reward < default.reward


def test_zeros_metric_uses_the_configured_weights(by_day):
    no_beats = (
        "Traders are watching Powell's words at Jackson Hole closely, with September easing in "
        "play and crypto traders enjoying the easier-money mood."
    )
    base = score(by_day[DAY2], no_beats)
    assert base.rewards["structure"] == 0.0 < base.rewards["semantic"]
    assert base.metrics["zeros"] == 0.0
    only_structure = tasks(rewards={"semantic": {"weight": 0.0}})[DAY2]
    s = score(only_structure, no_beats)
    assert s.reward == 0.0 and s.metrics["zeros"] == 1.0


def test_cutting_a_claim_that_missed_earns_nothing(by_day):
    """Claims are paid one by one over two slots. Under a mean of raw skills the job-cuts claim
    (no skill on 2025-08-01) pulled the tariff claim down, and the red team's truncation that
    cut it doubled the semantic reward; now the cut forecast earns what the whole one does."""
    day = "2025-07-31"
    honest = VarroTaskset(VarroConfig(id="rlnvr-varro")).honest_completions()[day]
    missed = "More tech companies announce job cuts next week amid spending on AI. "
    assert missed in honest
    whole, cut = score(by_day[day], honest), score(by_day[day], honest.replace(missed, ""))
    assert whole.rewards["semantic"] > 0.3
    assert cut.rewards["semantic"] <= whole.rewards["semantic"] + 1e-9
    alone = tasks(min_claims=1)[day]  # one slot: the claim that came true alone earns it all
    assert score(alone, honest.replace(missed, "")).rewards["semantic"] > cut.rewards["semantic"]
    assert pooled([0.2, -0.3]) == pytest.approx(pooled([0.2])) == pytest.approx(0.5)
    assert pooled([0.2, 0.2, 0.0]) == pytest.approx(2 / 3)  # past two claims, they share
    assert pooled([0.0, 0.01], min_claims=1) == 0.0


def test_a_stutter_makes_no_claim():
    """The red team's hill climb beat the honest forecast of 2025-07-31 (0.751 vs 0.556) with
    its sentences spliced and said twice in a row; a sentence with a stutter is not one a
    writer meant, so it is no claim and its words do not count as prose."""
    climbed = (
        "Stocks Monday exporters in countries without Email a US trade deal fall 1-3% by Monday "
        "as Trump's August 1 magnitude, tariff deadline passes, driven by deadline passes, "
        "driven by new duty letters to holdouts, while partners with deals such as in and the "
        "EU the EU see their currencies by about 0.5%."
    )
    assert repeated_span(climbed) == "the eu"
    assert repeated_span("the deadline passes, driven by deadline passes, driven by letters")
    assert not plausible(climbed) and claims(climbed) == []
    assert repeated_span("Stocks fall 1-3% by Monday as the deadline passes.") == ""
    for text in VarroTaskset(VarroConfig(id="rlnvr-varro")).honest_completions().values():
        assert repeated_span(text) == "", text


def test_a_headline_with_no_grammar_makes_no_claim():
    """The red team's hill climb beat the honest forecast of 2025-07-31 (0.688 vs 0.556) by
    replacing its second claim with headline words ("Trump's tariff deadline change near"):
    a sentence with no function word is a headline or a list, not a claim in the
    forecaster's words, however short. Every honest forecast keeps both of its claims."""
    assert not plausible("Trump's tariff deadline change near. countries layoffs.")
    assert not plausible("Nvidia shares record high Friday")
    assert plausible("Nvidia shares rise 3% by Friday.")
    for text in VarroTaskset(VarroConfig(id="rlnvr-varro")).honest_completions().values():
        assert len(claims(text)) == 2, text


def test_a_cut_that_leaves_a_fragment_is_still_the_same_sentence(by_day):
    """A claim is a sentence: a full stop followed by a lower-case word does not start one
    ("U.S. stocks", or a cut such as "... Retailers costs. this week beat ..."). Read as its
    own claim, the fragment the red team's cut left scored more skill than the honest
    sentence it came from (0.133 vs 0.079) and beat the honest forecast (0.942 vs 0.777)."""
    assert claims("U.S. stocks fall 1-3% by Monday as the tariff deadline passes.") == [
        "U.S. stocks fall 1-3% by Monday as the tariff deadline passes."
    ]
    day = "2025-08-24"
    honest = VarroTaskset(VarroConfig(id="rlnvr-varro")).honest_completions()[day]
    cut = honest.replace("on Wednesday", "Retailers Wednesday").replace(
        "Retailers reporting this week", "Retailers costs. this week"
    )
    assert len(claims(cut)) == len(claims(honest)) == 2
    assert score(by_day[day], cut).reward < score(by_day[day], honest).reward


def test_semantic_k(by_day):
    best = tasks(semantic_k=1)[DAY]
    s_top, s_best = score(by_day[DAY], HONEST), score(best, HONEST)
    assert s_top.metrics["sim_tomorrow"] <= s_best.metrics["sim_tomorrow"]
    assert s_top.metrics["sim_tomorrow"] > 0.3
    assert closeness([0.1, 0.9, 0.5, 0.7], 2) == pytest.approx(0.8)
    assert closeness([0.1, 0.9], 1) == pytest.approx(0.9)
    assert closeness([], 3) == 0.0


def test_references_and_honest_completions(by_day):
    task = by_day[DAY]
    assert isinstance(task, TaskReferences)
    assert task.references() == task.data.headlines  # not tomorrow's: no forecaster has them
    taskset = VarroTaskset(VarroConfig(id="rlnvr-varro"))
    assert isinstance(taskset, HonestCompletions)
    honest = taskset.honest_completions()
    assert len(honest) >= 10 and set(honest) <= set(by_day)
    held_out = {day for day in by_day if is_heldout(day, 20.0)}
    assert held_out <= set(honest)  # every held-out day has one (there are only 6)
    for day, text in honest.items():
        s = score(by_day[day], text)
        assert s.metrics["leak"] == 0.0 and structure_score(text).score >= 0.8, (day, s)
        for headline in by_day[day].data.next_headlines:  # written from day t only
            assert headline.lower() not in text.lower()


def test_base_days_are_the_same_live_and_packaged(samples, tmp_path, by_day):
    """``open_tasks`` / ``resolve_task`` over a store fill the base as ``build`` did."""
    import_archives(HeadlineStore(tmp_path), samples / "headlines")
    live = VarroTaskset(VarroConfig(id="rlnvr-varro", store=str(tmp_path)))
    day = date(2025, 8, 5)
    opened = live.open_tasks(day, 1)[0]
    packaged = by_day[day.isoformat()].data
    assert opened.data.base_days == packaged.base_days
    assert opened.data.base_headlines == packaged.base_headlines
    resolved = live.resolve_task(opened.data.model_dump(), day + timedelta(days=1))
    assert resolved.data.base_headlines == packaged.base_headlines
    assert resolved.data.next_headlines == packaged.next_headlines


@pytest.mark.parametrize("name", sorted(ODD_INPUTS))
def test_odd_inputs_score_finite_and_unpaid(by_day, name):
    s = score(by_day[DAY2], ODD_INPUTS[name])
    values = [*s.rewards.values(), *s.metrics.values(), s.reward]
    assert all(math.isfinite(v) for v in values), s
    assert all(0.0 <= v <= 1.0 for v in s.rewards.values())
    assert 0.0 <= s.metrics["leak"] <= 1.0 and s.metrics["zeros"] in (0.0, 1.0)
    assert s.reward <= 0.01, s


# -- rubric components (no model) ----------------------------------------------------------


def test_structure_counts_beats_in_real_sentences_only():
    assert structure_score(HONEST).score == 1.0
    assert structure_score(HONEST2).score == 1.0
    for name, text in STUFFED.items():
        assert structure_score(text).score <= 0.2, name
    assert not plausible("Timeframe: by Friday, within 48 hours, next week.")
    assert plausible("Drivers: tighter supply, a weaker dollar and summer demand.")


DETECTOR_CASES = [  # (detector, counts, does not count)
    (has_direction, "Brent crude edges up 1-2% by Friday.", "Brent rises sharply this year."),
    (has_direction, "The ten-year yield falls 5 basis points.", "Shares will rise 40% today."),
    (has_timeframe, "Gold holds above $3,600 within 48 hours.", "Gold climbs 2% next year."),
    (has_timeframe, "EUR/USD ends higher over the next 3 sessions.", "EUR/USD firms in 30 days."),
    (has_drivers, "Oil rises because of OPEC+ output cuts.", "Oil rises after Monday's close."),
    (has_drivers, "Stocks gain as the Fed signals a cut.", "Stocks gain as expected today."),
    (has_verification, "Verify with the EIA weekly inventory report.", "Check back later on."),
    (has_verification, "It is confirmed if Reuters reports the deal.", "We will verify it soon."),
]


@pytest.mark.parametrize(("detector", "yes", "no"), DETECTOR_CASES)
def test_beat_detectors(detector, yes, no):
    assert detector(yes) and not detector(no)


def test_leak_detector():
    headlines = [
        "Fed's Waller: Stablecoins could extend dollar's global role",
        "Bitcoin price today: falls to 2-week low below $113k ahead of Fed Jackson Hole",
    ]
    clean = leak_score(HONEST, INSTRUCTION, headlines)
    assert clean.leak == 0.0
    assert leak_score("As an AI, I cannot predict markets.", INSTRUCTION).meta == 1.0
    assert leak_score("Here is a forecast: " + HONEST, INSTRUCTION).meta == 0.5
    assert leak_score(INSTRUCTION, INSTRUCTION).echo == 1.0
    one = leak_score(
        "Bitcoin falls to 2-week low below $113k ahead of Fed Jackson Hole, then "
        "rebounds 3% by Friday.",
        INSTRUCTION,
        headlines,
    )
    assert one.copy == 1.0 and one.copied_share > 0.6  # most of the text is a headline
    quoted = leak_score(f"{headlines[1]}. {HONEST2}", INSTRUCTION, headlines)
    assert quoted.copy == 0.0 < quoted.copied_share  # one headline quoted in a forecast
    # naming the same company or figure is not copying
    assert (
        leak_score(
            "Waller says stablecoins help the dollar; bitcoin rebounds 2% by Monday.",
            INSTRUCTION,
            headlines,
        ).copy
        == 0.0
    )


def test_an_ordinary_phrase_that_is_a_short_headline_is_not_a_copy():
    """A five-word headline is an ordinary phrase: an honest forecast may say it. (The old
    rule counted any five consecutive words of a headline as a copied headline.)"""
    headlines = ["What to watch this week", "Stocks rise as Fed decision nears"]
    text = (
        "What to watch this week: the S&P 500 edges up 0.5-1% by Wednesday as traders "
        "price a quarter-point Fed rate cut, driven by cooling inflation. Verify with the "
        "S&P 500 close on Wednesday and the Fed's statement."
    )
    leak = leak_score(text, INSTRUCTION, headlines)
    assert leak.copy == 0.0 and leak.leak == 0.0


def test_length_guard():
    assert length_guard(0) == 0.0 and length_guard(251) == 0.0 and length_guard(2000) == 0.0
    assert length_guard(25) == length_guard(150) == 1.0
    assert length_guard(5) == pytest.approx(0.2) and length_guard(200) == pytest.approx(0.5)
