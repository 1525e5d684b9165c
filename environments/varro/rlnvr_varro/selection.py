"""Which of a day's headlines a Varro task shows, and which of the next day's it is scored on.

Shared by the packaged taskset's builder (``rlnvr_varro.build``) and the live daily
loop (``rlnvr varro daily`` / ``backtest``), so a forecast is prompted and rewarded the same
way offline and live.

Titles are cleaned of boilerplate listings that carry no event (earnings-call transcripts and
slide decks, "rates today" tables, job ads), deduplicated case-insensitively, then taken
round-robin over sources (sources in descending order of how many headlines they sent that
day, ties by name; within a source in publication order), so one prolific feed cannot fill
the prompt. A title of day t+1 that also appears on day t is dropped from the reference:
restating today must not match tomorrow exactly.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable

from rlnvr_varro.headline_store import Headline

# Listings, not events: a transcript or slide deck of an earnings call, daily rate tables,
# job ads, screener lists. Matched case-insensitively against the title.
BOILERPLATE = re.compile(
    r"earnings (?:call|conference call) (?:transcript|presentation)"
    r"|results - earnings call presentation"
    r"|\brates? today\b"
    r"|\bis hiring\b"
    r"|^daily [-–] vickers"
    r"|^weekly stock list$",
    re.IGNORECASE,
)
MIN_WORDS = 4  # "Opinion", "Perfume reviews": too short to forecast from


def usable(title: str) -> bool:
    return len(title.split()) >= MIN_WORDS and not BOILERPLATE.search(title)


def norm(title: str) -> str:
    return " ".join(re.sub(r"[^\w%$]+", " ", title.casefold()).split())


def spread(headlines: Iterable[Headline], limit: int, exclude: Iterable[str] = ()) -> list[str]:
    """Up to ``limit`` usable titles, round-robin over sources (see the module docstring)."""
    by_source: OrderedDict[str, list[str]] = OrderedDict()
    seen = set(exclude)
    for h in headlines:  # the store keeps each day in publication order
        key = norm(h.title)
        if not usable(h.title) or key in seen:
            continue
        seen.add(key)
        by_source.setdefault(h.source or h.feed or "?", []).append(h.title)
    queues = sorted(by_source.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    picked: list[str] = []
    depth = 0
    while len(picked) < limit and any(depth < len(q) for _, q in queues):
        for _, titles in queues:
            if depth < len(titles) and len(picked) < limit:
                picked.append(titles[depth])
        depth += 1
    return picked


def reference(today: list[Headline], tomorrow: list[Headline], limit: int) -> list[str]:
    """Day t+1's titles to score a day-t forecast against, without any title of day t."""
    return spread(tomorrow, limit, exclude={norm(h.title) for h in today})
