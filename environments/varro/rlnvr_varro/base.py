"""The base days of a Varro task: the earlier days its forecast's skill is measured against.

A forecast's semantic skill is its closeness to day t+1 minus its mean closeness to the base
days (``rlnvr_varro.semantic``). The base days are the ``BASE_DAYS`` most recent stored days
before t-``GAP`` that hold at least ``MIN_HEADLINES`` usable headlines, each cut to
``PER_DAY`` headlines by the same round-robin selection as a task's own days
(``rlnvr_varro.selection.spread``):

* only past days, as a live forecaster has: the packaged tasks (``rlnvr_varro.build``) and the
  daily loop (``VarroTaskset.open_tasks`` / ``resolve_task``) call the same function on the
  same store, so a task is scored the same way offline and live;
* not the days just before t: a story runs for several days, and counting day t-1's coverage
  of today's story as base rate would punish persistence;
* the same number of headlines per day as the reference (``PER_DAY``), because the top-k mean
  of a day grows with the number of headlines it is taken over;
* stored with the task (``VarroData.base_headlines``), so a hub worker that scores one task
  needs no store. ``BASE_DAYS x PER_DAY`` titles per task keep ``tasks.jsonl`` under its
  1 MB budget.

A task with fewer than ``MIN_BASE_DAYS`` base days is not built: its skill could not be told
from luck.

Known weakness: the base rate assumes the feed list stays put. The packaged sample joins an
archive of mostly science and tech feeds (July, early August) to one of finance feeds (from
August 2): for days in the weeks after the switch the base days hold fewer finance headlines
than day t+1, so a finance paragraph looks skilled there. A live store with a fixed feed list
does not have this drift.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta

from rlnvr_varro.headline_store import Headline, HeadlineStore
from rlnvr_varro.selection import spread

BASE_DAYS = 14
GAP = 2  # base days end before t-2
PER_DAY = 16  # headlines per base day, and the default reference size of day t+1
MIN_HEADLINES = 8  # a base day needs as many usable headlines as a reference day
MIN_BASE_DAYS = 3


def base_days(
    days: Iterable[date], load: Callable[[date], list[Headline]], day: date
) -> list[tuple[date, list[str]]]:
    """Up to ``BASE_DAYS`` (day, headlines) pairs, most recent first, from the stored ``days``
    before ``day - GAP`` (``load`` reads one); each has at least ``MIN_HEADLINES`` usable
    titles, cut to ``PER_DAY``."""
    picked: list[tuple[date, list[str]]] = []
    for d in sorted((d for d in days if d < day - timedelta(days=GAP)), reverse=True):
        titles = spread(load(d), PER_DAY)
        if len(titles) >= MIN_HEADLINES:
            picked.append((d, titles))
            if len(picked) == BASE_DAYS:
                break
    return picked


def base_from_store(store: HeadlineStore, day: date) -> list[tuple[date, list[str]]]:
    """:func:`base_days` of ``day`` over the days of ``store``."""
    return base_days(store.days(), store.day, day)
