"""Varro's reward against its base rates: fixed templates, persistence, hindsight, honest text.

    .venv/bin/python experiments/varro_base_rates.py

Prints the mean reward (``Task.score`` with the default config) on the last 7 packaged days of

(a) the best fixed template: the fixed paragraph (the same text every day) with the best mean
    reward over the training days (neither held out nor among the last 7);
(b) persistence: a template about day t's first headline (its top story), in two forms: the
    headline's subject (its content words, in runs of three: the story, not its text) and
    the headline pasted (which the reward does not pay: copied runs are left out);
(c) hindsight: the same template filled with day t+1's first headline (what no forecaster
    has: the ceiling a reward must leave room for);

and the mean reward of the hand-written honest completions (``data/honest.jsonl``). A reward
that pays skill needs (a) <= (b) < (c) and honest text above (a). Run it before and after a
reward change on the same texts (the honest file is read directly, so an older package scores
the same completions).
"""

from __future__ import annotations

import json
from importlib.resources import files
from statistics import mean

from rlnvr.data_pipelines.splits import is_heldout
from rlnvr.trainers.traces import score
from rlnvr_varro import VarroConfig, VarroTaskset
from rlnvr_varro.structure import FUNCTION_WORDS

FIXED = {
    "ai_stocks_fed_cut": (
        "AI stocks such as Nvidia and Microsoft edge up 1-2% by Friday as investors price a "
        "quarter-point Federal Reserve rate cut at the next meeting, driven by cooling "
        "inflation data and strong chip earnings. Treasury yields slip 5 basis points this "
        "week. Verify with the Nasdaq close on Friday and CME FedWatch odds."
    ),
    "generic_markets": (
        "US stocks edge up 0.5-1% by Friday as investors weigh earnings, oil prices and the "
        "dollar, driven by steady economic data and hopes for lower interest rates. Bitcoin "
        "and gold move within 2% over the next three sessions. Verify with the S&P 500 close "
        "on Friday and Bloomberg price quotes."
    ),
    "generic_politics": (
        "Congress and the White House trade blame over spending this week, and the "
        "president's approval rating slips 1-2 points by Friday as voters worry about "
        "prices, driven by tariffs and the fight over immigration. Verify with Gallup's "
        "weekly poll and Reuters reports on Friday."
    ),
    "generic_tech": (
        "Big tech shares rise 1-2% by Friday, driven by heavy spending on AI, as OpenAI, "
        "Google and Microsoft announce new models and products this week. Verify with "
        "Nasdaq closing prices and the companies' press releases on Friday."
    ),
}
STORY = (
    "Next: {headline}. Expect this story to develop over the next two days, and the "
    "shares or prices most exposed to it will likely move 1-2% by Friday, driven by "
    "reactions from officials, companies and investors. Verify with Reuters and Bloomberg "
    "reports and closing prices within 48 hours."
)
LAST = 7


def subject(headline: str) -> str:
    """A headline's story without its text: up to 12 content words, in runs of three."""
    content = [w for w in headline.rstrip(".!?").split() if w.lower() not in FUNCTION_WORDS]
    return " and ".join(" ".join(content[i : i + 3]) for i in range(0, min(len(content), 12), 3))


def honest_texts() -> dict[str, str]:
    path = files("rlnvr_varro").joinpath("data/honest.jsonl")
    return {
        row["id"]: row["completion"]
        for row in map(json.loads, path.read_text(encoding="utf-8").splitlines())
    }


def mean_reward(tasks: list, text_of) -> float:
    return mean(score(t, text_of(t)).reward for t in tasks)


def main() -> None:
    tasks = sorted(VarroTaskset(VarroConfig(id="rlnvr-varro")), key=lambda t: t.data.day)
    last = tasks[-LAST:]
    train = [t for t in tasks[:-LAST] if not is_heldout(t.key, 20.0)]
    print(
        f"{len(tasks)} tasks; training days {len(train)}; last {LAST}: "
        f"{last[0].data.day} .. {last[-1].data.day}"
    )
    fitted = {name: mean_reward(train, lambda t, x=text: x) for name, text in FIXED.items()}
    for name, value in fitted.items():
        print(f"fixed {name:<20} training mean {value:.3f}")
    best = max(fitted, key=fitted.__getitem__)
    rows = {
        f"(a) best fixed template ({best})": mean_reward(last, lambda t: FIXED[best]),
        "(b) persistence (day t's top story, its subject)": mean_reward(
            last, lambda t: STORY.format(headline=subject(t.data.headlines[0]))
        ),
        "(b') persistence (day t's top headline pasted)": mean_reward(
            last, lambda t: STORY.format(headline=t.data.headlines[0].rstrip(".!?"))
        ),
        "(c) hindsight (day t+1's first headline)": mean_reward(
            last, lambda t: STORY.format(headline=t.data.next_headlines[0].rstrip(".!?"))
        ),
    }
    for label, value in rows.items():
        print(f"{label:<55} last-{LAST} mean {value:.3f}")
    honest = honest_texts()
    by_id = {t.key: t for t in tasks}
    rewards = [score(by_id[i], text).reward for i, text in honest.items() if i in by_id]
    print(f"honest completions ({len(rewards)} tasks){'':<22} mean {mean(rewards):.3f}")
    fixed_on_honest = mean(score(by_id[i], FIXED[best]).reward for i in honest if i in by_id)
    print(f"best fixed template on the honest tasks{'':<16} mean {fixed_on_honest:.3f}")


if __name__ == "__main__":
    main()
