"""The Varro taskset and its rubric, with the real embedding model (no mocks).

Honest forecasts below were written by hand for two real days of the packaged data; each
predicts a change from that day's headlines. Every adversarial text must score below the
honest forecast for the same day.
"""

from __future__ import annotations

import asyncio
import re
from importlib.resources import files

import pytest
from verifiers.v1.configs.taskset import TasksetConfig
from verifiers.v1.utils.generic import concrete_type

from rlnvr.rubrics.embeddings import shared_embedder
from rlnvr.trainers.traces import completion_trace, score
from rlnvr_varro import VarroConfig, VarroTaskConfig, VarroTaskset
from rlnvr_varro.guard import length_guard
from rlnvr_varro.leak import leak_score
from rlnvr_varro.semantic import aggregate
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
    "The US dollar slips 0.3-0.5% against the euro and yen by Wednesday as traders price a "
    "quarter-point Fed rate cut at this week's FOMC meeting, and gold holds above $3,600. "
    "Crypto treasury companies such as Strategy add more bitcoin on Monday, driven by "
    "expectations of cheaper money. Verify with EUR/USD and USD/JPY quotes at Wednesday's "
    "close and Monday's company filings."
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
        assert len(data.next_headlines) >= 8
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


def test_honest_forecast_scores_well(by_day):
    s = score(by_day[DAY], HONEST)
    assert s.rewards["structure"] == 1.0
    assert s.rewards["semantic"] > 0.5
    assert s.metrics["leak"] == 0.0 and s.metrics["zeros"] == 0.0
    assert s.metrics["sim_tomorrow"] > s.metrics["sim_today"]


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


@pytest.mark.parametrize("case", ADVERSARIAL)
def test_adversarial_case_scores_below_honest(by_day, case):
    task = by_day[DAY]
    honest = score(task, HONEST)
    bad = score(task, adversarial(task)[case])
    assert bad.reward < honest.reward - 0.3, (case, bad)
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


def test_prose_gate_is_what_stops_word_soup(by_day):
    """Without the gate, a soup of tomorrow's names embeds close enough to score; with it,
    nothing. An honest forecast is all prose and keeps its reward."""
    soup = word_soup(by_day[DAY].data.next_headlines)
    ungated = tasks(prose_gate=False)[DAY]
    assert score(ungated, soup).rewards["semantic"] > 0.3
    assert score(by_day[DAY], soup).reward == 0.0
    assert prose_share(HONEST) == 1.0 and prose_share(soup) == 0.0
    assert score(by_day[DAY], HONEST).reward == score(ungated, HONEST).reward


@pytest.mark.parametrize(
    ("day", "change", "restate"), [(DAY, HONEST, RESTATE), (DAY2, HONEST2, RESTATE2)]
)
def test_restating_today_does_not_outscore_predicting_a_change(by_day, day, change, restate):
    task = by_day[day]
    predicted, restated = score(task, change), score(task, restate)
    assert restated.rewards["semantic"] < predicted.rewards["semantic"]
    assert restated.reward < predicted.reward
    # the echo term is what does it: the restatement sits nearer today than tomorrow
    assert restated.metrics["sim_today"] > restated.metrics["sim_tomorrow"]


def test_echo_term_is_what_separates_restating(by_day):
    """With the echo term off, the restatement of day DAY2 would beat the honest forecast's
    semantic score: it is closer to tomorrow in raw similarity, but only because the story
    continues."""
    off = tasks(echo_weight=0.0)[DAY2]
    assert score(off, RESTATE2).rewards["semantic"] > score(off, HONEST2).rewards["semantic"]


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
        "Crypto treasury companies keep buying bitcoin, the dollar is under pressure before the "
        "Fed meeting, and traders in gold, euros and yen are watching central banks closely "
        "this season."
    )
    base = score(by_day[DAY], no_beats)
    assert base.rewards["structure"] == 0.0 < base.rewards["semantic"]
    assert base.metrics["zeros"] == 0.0
    only_structure = tasks(rewards={"semantic": {"weight": 0.0}})[DAY]
    s = score(only_structure, no_beats)
    assert s.reward == 0.0 and s.metrics["zeros"] == 1.0


def test_semantic_mode_topk_mean(by_day):
    top = tasks(semantic_mode="topk_mean", semantic_k=3)[DAY]
    s_max, s_top = score(by_day[DAY], HONEST), score(top, HONEST)
    assert s_top.metrics["sim_tomorrow"] <= s_max.metrics["sim_tomorrow"]
    assert s_top.metrics["sim_tomorrow"] > 0.3
    assert aggregate([0.1, 0.9, 0.5, 0.7], "topk_mean", 2) == pytest.approx(0.8)
    assert aggregate([0.1, 0.9], "max") == pytest.approx(0.9)


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
    assert one.copy == 0.5 and len(one.copied) == 1
    # naming the same company or figure is not copying
    assert (
        leak_score(
            "Waller says stablecoins help the dollar; bitcoin rebounds 2% by Monday.",
            INSTRUCTION,
            headlines,
        ).copy
        == 0.0
    )


def test_length_guard():
    assert length_guard(0) == 0.0 and length_guard(251) == 0.0 and length_guard(2000) == 0.0
    assert length_guard(25) == length_guard(150) == 1.0
    assert length_guard(5) == pytest.approx(0.2) and length_guard(200) == pytest.approx(0.5)
