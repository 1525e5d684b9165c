"""Print Walter's adversarial table: an honest post against reward hacks, every component.

    python scripts/walter_adversarial_table.py

The cases are the ones ``tests/test_walter_env.py`` asserts the ordering of (``HONEST``,
``PARAPHRASE``, ``ADVERSARIAL``), loaded from there so that the numbers printed and the cases
tested can never drift apart. Then one summary over the held-out tasks that ship hand-written
honest posts (``honest_completions()``): the honest posts against a hand-written paraphrase of
each task's best post (below), a verbatim copy, the copy and the pasted title with invisible
characters sprinkled in, and the pasted title. Scoring goes through verifiers' loader and
``Task.score`` with the real embedding model, as a hub evaluation would.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import rlnvr  # noqa: F401  (fast BLAS before anything imports mlx)
from rlnvr.trainers.traces import Score, score

CASES = Path(__file__).resolve().parents[1] / "tests" / "test_walter_env.py"
# Hand-written paraphrases of the best post of each held-out task with an honest completion
# (rewording and reordering, meaning kept), keyed by the start of the task id.
PARAPHRASES = {
    "404media.co/google-delists-sites-providi": (
        "Google's behaviour here is disgusting and immoral: it is complicit in this "
        "attack on trans people.\n\nHormone therapy saves lives, and the UK keeps making it"
        " harder to get medicine through its ordinary health system.\n\nDelisting the DIY "
        "suppliers is deliberately cruel."
    ),
    "npr.org/2024/05/03/1247838036/divorce-pr": (
        "Under Missouri law a woman who wants a divorce has to disclose whether she is "
        "pregnant, and the state's judges will not finalize any divorce during the "
        "pregnancy"
    ),
    "dailyprogress.com/news/local/education/p": (
        "Heads up: the Virginia State Police appear to be attacking students in "
        'Charlottesville right now\n\n"A protester with a megaphone shouted at the state '
        "police as they advanced on the crowd: 'Where were you in 2017?'\""
    ),
    "tomsguide.com/ai/chatgpt/gpt-4-is-the-du": (
        "This little dance is quite something. Before GPT-4 launched he called it an "
        "astonishing, transformative leap, the herald of some cosmic intelligence. Now we"
        " can all see it's mostly useless, so... hold on to your hats for the real Great "
        "Leap Forward! What a complete scam."
    ),
    "fox13seattle.com/news/auderer-spd-confer": (
        "Daniel Auderer, the Seattle cop caught laughing about the death of a student who"
        " was hit in a crosswalk by another officer driving 74 mph, is now a speaker at a"
        " national traffic safety conference."
    ),
    "nytimes.com/2024/05/07/us/politics/biden": (
        "Look, I'm honestly as worried about rising antisemitism as anybody.\n\nBut tying "
        "the threat of antisemitism to defending Israel while it commits brutal acts of "
        "unspeakable violence really, really does not help diaspora Jews."
    ),
    "theintercept.com/2024/05/07/columbia-pro": (
        "Eric Adams keeps slashing essential city services with round after round of "
        "budget cuts, yet he happily spends hundreds of thousands on NYPD overtime to "
        "violently arrest student protesters en masse"
    ),
    "apnews.com/article/moose-kills-alaska-ma": (
        "A man in Alaska who was trying to photograph two newborn moose calves was "
        "attacked and killed by their mother, officials said"
    ),
    "bbc.co.uk/news/articles/c0xxwz00nz9o": (
        "Such manipulative framing.\n\nPrices have NOT gone back to normal. Food will stay "
        "at least this expensive and will keep getting pricier.\n\nAll that changed is how "
        "fast prices rise, so food gets more expensive a little more slowly.\n\n1/"
    ),
    "apnews.com/article/live-transmission-isr": (
        "Today Israeli officials confiscated a camera and broadcast equipment owned by "
        "The Associated Press, saying it broke a new media law by supplying pictures to "
        "Al Jazeera."
    ),
    "theguardian.com/environment/ng-interacti": (
        '"What the hell do we have to do to make people see how bad this really is?"\n\n'
        "Well (and I include myself here), see the kids protesting for Gaza? See how they"
        " put their careers and their safety on the line? DO THAT. Then do it again and "
        "again."
    ),
    "prospect.org/economy/2024-05-22-raiding-": (
        "Was Endless Shrimp really what sank Red Lobster? @lukewgoldstein crunches the "
        "numbers.\nEndless Shrimp losses: $11 million\nThe sale-leaseback that left Red "
        "Lobster's restaurants owing rent: $1.5 *billion*"
    ),
    "boltsmag.org/minnesota-ends-prison-gerry": (
        "NEW: prison gerrymandering is over in Minnesota.\n\nDemocrats got the reform "
        "through after years of attempts.\n\nCounting incarcerated people where the prisons"
        " sit has long skewed power. Minnesota is the newest in a wave of such reforms."
    ),
}


def load_cases() -> ModuleType:
    sys.path.insert(0, str(CASES.parent))  # the test module imports its siblings
    spec = importlib.util.spec_from_file_location("walter_cases", CASES)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def markdown(rows: list[tuple[str, Score]], components: list[str]) -> str:
    lines = [
        "| reply | total | " + " | ".join(components) + " |",
        "|---|---:|" + "---:|" * len(components),
    ]
    for name, result in rows:
        cells = [f"{result.rewards.get(c, 0.0):.2f}" for c in components]
        lines.append(f"| {name} | **{result.reward:+.2f}** | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    cases = load_cases()
    tasks = {t.data.url: t for t in cases.load()}
    components = list(cases.REWARDS)
    for url, honest in cases.HONEST.items():
        task = tasks[url]
        rows = [("honest hand-written post", score(task, honest))]
        rows.append(("paraphrase of the top post", score(task, cases.PARAPHRASE[url])))
        rows += [(name, score(task, make(task))) for name, (make, _) in cases.ADVERSARIAL.items()]
        n = len(task.data.posts)
        kind = f"{n} post{'s' if n > 1 else ''}" + (
            f", {len(task.data.transfer)} transfer neighbours" if task.data.transfer else ""
        )
        print(f"### {task.data.title} ({kind})\n\n{url}\n")
        print(markdown(rows, components) + "\n")
    print(heldout_summary(cases))


def heldout_summary(cases: ModuleType) -> str:
    """Mean total per reply kind over the held-out tasks with honest completions, and how
    often the paraphrase beats the honest post."""
    by_id = {t.key: t for t in cases.load()}
    kinds: dict[str, list[float]] = {}
    wins = 0
    for key, text in honest_posts(cases).items():
        task = by_id[key]
        top, title = cases.top_post(task), task.data.title
        replies = {
            "honest (hand-written)": text,
            "paraphrase of the best post": paraphrase(key),
            "verbatim copy of the best post": top,
            "copy with invisible characters": cases.sprinkle(top),
            "pasted title": title,
            "pasted title with invisible characters": cases.sprinkle(title),
        }
        totals = {kind: score(task, reply).reward for kind, reply in replies.items()}
        for kind, total in totals.items():
            kinds.setdefault(kind, []).append(total)
        wins += totals["paraphrase of the best post"] > totals["honest (hand-written)"]
    n = len(kinds["honest (hand-written)"])
    lines = [f"### Held-out tasks with honest completions (N = {n})", "", "| reply | mean total |"]
    lines.append("|---|---:|")
    lines += [f"| {kind} | {sum(v) / n:+.3f} |" for kind, v in kinds.items()]
    return "\n".join(lines) + f"\n\nparaphrase beats honest on {wins} of {n} tasks\n"


def paraphrase(task_id: str) -> str:
    """The hand-written paraphrase for a task id."""
    return next(
        text for start, text in PARAPHRASES.items() if task_id.startswith("https://" + start)
    )


def honest_posts(cases: ModuleType) -> dict[str, str]:
    """The taskset's hand-written honest completions (task id -> post)."""
    from verifiers.v1.configs.taskset import TasksetConfig
    from verifiers.v1.utils.generic import concrete_type
    from verifiers.v1.utils.loaders import taskset_class

    cls = taskset_class(cases.ENV)
    return dict(cls(concrete_type(cls, TasksetConfig)(id=cases.ENV)).honest_completions())


if __name__ == "__main__":
    main()
