"""Structure reward for a forecast: the five beats, each counted only inside a real sentence.

A usable forecast names five things (Varro's "beats"):

1. **object**     what is forecast: a named entity (``Brent``, ``OPEC+``, ``EUR/USD``, ``the
                  Fed``) or a measurable (price, shares, yield, inflation, sales, ...), in a
                  sentence that also says where it goes (a direction word or ``will``,
                  ``expect``, ``likely``);
2. **direction**  a direction word (rise, fall, edge up, slip, beat, miss, ...) *with a small
                  magnitude* in the same sentence: ``2-3%``, ``0.5 points``, ``25 bp``,
                  ``a quarter point``, ``to $3,650``. A percentage above 25 is not small;
3. **timeframe**  a tight window: ``by Friday``, ``on Wednesday``, ``tomorrow``, ``within 48
                  hours``, ``over the next 3 sessions``, ``next week``, ``by the close``,
                  ``by Aug 12`` (at most about two weeks; ``next year`` does not count);
4. **drivers**    a causal cue followed by a named noun phrase: ``because of X``, ``driven by
                  X``, ``due to X``, ``on the back of X``, ``amid X``, ``after X``, ``as X``,
                  ``on X`` (not "as expected", "as high as", "on track"), ``Drivers: X``.
                  The phrase must hold a substantive word within four tokens, before any
                  time word ("after Monday's close" is a time, not a cause), that is not
                  itself a cue;
5. **verification** a verification cue (``verify``, ``check``, ``confirmed if``, ``wrong
                  if``, ``resolves if``, ``measured by``, ``compare``, ``according to``) and
                  a data source in the same sentence: a name (``EIA``, ``Bloomberg``) or a
                  source noun (report, data, release, settlement, close, filing, quote, ...).

``score = beats present / 5 x stuffing factor``.

Resistance to keyword stuffing:

* **A beat counts only inside a plausible sentence.** The text is split into sentences
  (``.!?;`` or a line break; a bullet or a line is its own sentence). A sentence is
  plausible if it has 5-60 words; at least two *substantive* words making up at least 20%
  of it (three letters or more, not a function word such as "the" or "will", not a cue,
  direction or time word, not a word from a cue phrase such as "due" or "driven", not the
  task's own vocabulary such as "object", "timeframe", "drivers", "verification"); at least
  60% distinct words and no span said twice in a row ("the EU the EU", "steady steady": a
  writer fixes a stutter, a search that splices words leaves it); function words for at
  least 8% of it, so at least one (a sentence with none is a list or a headline: "Trump's
  tariff deadline change near" embeds like the headlines it was spliced from and is not a
  claim in the forecaster's words); and it is not a comma list (four or more segments
  averaging under 2.5 words). A list of beat words, a label such as "Timeframe:
  by Friday, next week", or "The object will rise 2% by Friday because of the drivers" is
  not plausible: it has no content of its own.
* **Repeated sentences count once**, and a text whose sentences repeat is scaled by the share
  of distinct sentences.
* **Repeated cues cost**: when one cue (e.g. "by friday", "because", "verify") appears more
  than three times in the text, the score is scaled by ``3 / count`` of the most repeated.
* **Dense cues cost**: when beat cue words make up more than half of all words, the score
  is scaled down linearly to 0 when they are all of it (a compact honest forecast runs at
  25-45%).

The stuffing factor is the smallest of these three scales. All patterns are English.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from rlnvr_varro._vendor.hacks import repeated_span

BEATS = ("object", "direction", "timeframe", "drivers", "verification")


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’&+/.$%-]*")

FUNCTION_WORDS = _wordset(
    """a an the of to in on at by for with from into onto over under about after before
    and or but nor so yet as than then if while because since until though although
    is are was were be been being am will would shall should can could may might must
    do does did has have had not no its it it's their they them this that these those
    there which who whom whose what when where how its his her our we you your he she
    i me my us out up down off per via against through toward towards between among amid
    any all some each every more most less least other such only also just very"""
)

# Words from the prompt itself: writing them is not content.
TASK_WORDS = _wordset(
    """object objects direction directions magnitude magnitudes timeframe timeframes
    time frame frames driver drivers verification verify verified sketch beat beats
    forecast forecasts forecasting prediction predict predicts headline headlines
    paragraph short small tight named data source sources cue cues keyword keywords
    happens next"""
)

_NUM = r"\d+(?:[.,]\d+)?"
_RANGE = rf"{_NUM}(?:\s*(?:-|–|to)\s*{_NUM})?"
_DIR_WORDS = (
    r"rise[sn]?|rising|rose|climb(?:s|ed|ing)?|gain(?:s|ed|ing)?|jump(?:s|ed|ing)?"
    r"|increase[sd]?|increasing|advance[sd]?|rall(?:y|ies|ied|ying)|surge[sd]?|surging"
    r"|edge[sd]?|edging|tick(?:s|ed|ing)?|inch(?:es|ed|ing)?|add(?:s|ed|ing)?"
    r"|fall(?:s|en|ing)?|fell|drop(?:s|ped|ping)?|decline[sd]?|declining|slip(?:s|ped|ping)?"
    r"|slide[s]?|sliding|slid|los(?:e|es|ing)|lost|dip(?:s|ped|ping)?|sink(?:s|ing)?|sank"
    r"|decrease[sd]?|decreasing|shed(?:s|ding)?|tumble[sd]?|plunge[sd]?|retreat(?:s|ed|ing)?"
    r"|weaken(?:s|ed|ing)?|strengthen(?:s|ed|ing)?|firm(?:s|ed|ing)?|soften(?:s|ed|ing)?"
    r"|widen(?:s|ed|ing)?|narrow(?:s|ed|ing)?|cut(?:s|ting)?|hike[sd]?|hiking|raise[sd]?"
    r"|lower(?:s|ed|ing)?|higher|up|down|beat(?:s|ing)?|miss(?:es|ed|ing)?|top(?:s|ped)?"
    r"|exceed(?:s|ed|ing)?|outperform(?:s|ed|ing)?|underperform(?:s|ed|ing)?"
)
DIRECTION = re.compile(rf"\b(?:{_DIR_WORDS})\b", re.IGNORECASE)
MAGNITUDE = re.compile(
    rf"(?P<pct>{_RANGE})\s*(?:%|percent\b|per cent\b|pct\b)"
    rf"|{_RANGE}\s*(?:percentage points?|basis points?|bps?|points?|pts|pips?|cents?|ticks?)\b"
    rf"|[$€£¥]\s?{_NUM}"
    r"|\b(?:a|one|two|three|half a|a quarter|quarter|half)[- ](?:percentage[- ])?points?\b",
    re.IGNORECASE,
)
FORWARD = re.compile(
    r"\b(?:will|would|should|shall|expect(?:s|ed)?|likely|set to|poised to|on track to"
    r"|forecast|project(?:s|ed)?)\b",
    re.IGNORECASE,
)

_DAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend"
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?"
    r"|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_SMALL = r"\d{1,2}|a|an|one|two|three|four|five|six|seven|ten|a few|several|twenty-four|24|48|72"
TIMEFRAME = re.compile(
    rf"\b(?:by|before|until|till|through|on|at|into|ahead of|this|next|come|over the)\s+"
    rf"(?:the\s+)?(?:(?:this|next|coming)\s+)?(?:{_DAYS})(?:['’]s)?\b"
    r"|\b(?:tomorrow|tonight|overnight|intraday)\b"
    r"|\b(?:this|next|the coming)\s+(?:week|session|trading day)\b"
    rf"|\b(?:within|in|over|during|for)\s+(?:the\s+)?(?:next\s+|coming\s+)?(?:{_SMALL})\s*"
    r"(?:-\s*)?(?:hours?|days?|sessions?|trading days?|trading sessions?|weeks?)\b"
    r"|\b(?:next|coming)\s+(?:\d{1,2}|two|three|four|five|few)\s+"
    r"(?:hours|days|sessions|trading days)\b"
    r"|\bby\s+(?:the\s+)?(?:close|open|closing bell|end of (?:the )?(?:day|week|session))\b"
    r"|\b(?:end of|close of)\s+(?:the\s+)?(?:day|week|session|trading)\b"
    rf"|\b(?:by|on|before|until)\s+(?:{_MONTHS})\.?\s+\d{{1,2}}\b",
    re.IGNORECASE,
)
_WINDOW_NUMBER = re.compile(
    r"(\d{1,3})\s*(?:-\s*)?(hours?|days?|sessions?|trading days?|weeks?)", re.IGNORECASE
)

DRIVER_CUES = re.compile(
    r"\b(?:because(?: of)?|driven by|due to|thanks to|owing to|on the back of|fu?ell?ed by"
    r"|as a result of|caused by|helped by|hurt by|weighed(?: down)? by|pressured by"
    r"|supported by|boosted by|dragged by|led by|spurred by|triggered by|amid|after"
    r"|following|on (?:hopes|fears|expectations|signs|worries|bets) (?:of|that)"
    r"|as|on|drivers?:|catalysts?:|reasons?:|since)(?=\W|$)",
    re.IGNORECASE,
)
# "as"/"on" are causal only before a cause: not "as expected", "as high as", "on track".
_AS_BLOCK = _wordset(
    """expected usual well much soon long many far if though it is are high low little
    good such same part of to for with in on at by noted mentioned seen shown planned
    scheduled reported predicted forecast"""
)
_ON_BLOCK = _wordset(
    "track top average hold pace course board record balance sale time schedule target"
)

VERIFY_CUES = re.compile(
    r"\bverif(?:y|ied|ies|ying|ication|iable)\b|\bcheck(?:ed|ing|s)?\b"
    r"|\bconfirm(?:ed|s|ing|ation)?\b|\b(?:falsified|wrong|right|true|false)\s+(?:if|when|unless)\b"
    r"|\bresolv(?:e|es|ed)\b|\bmeasured (?:by|against|with|on)\b|\bcompar(?:e|es|ed|ing)\b"
    r"|\bscored? (?:against|by|on)\b|\baccording to\b|\btrack(?:ed)? (?:via|with|by|using|on)\b"
    r"|\bsettles? (?:above|below)\b",
    re.IGNORECASE,
)
SOURCE_NOUNS = _wordset(
    """report reports data release releases reading readings print prints settlement
    settlements close closing open filing filings statement statements minutes figures
    numbers index quote quotes price prices survey surveys poll polls results tally count
    chart charts tape feed feeds website site database terminal calendar ticker tickers
    announcement announcements transcript headline headlines wire press register docket
    vote votes count counts estimate estimates consensus guidance screen exchange"""
)
MEASURABLES = _wordset(
    """price prices shares share stock stocks yield yields rate rates index indices
    inflation unemployment claims payrolls sales revenue revenues earnings eps guidance
    output production inventories inventory demand exports imports deficit surplus bitcoin
    ether oil crude gold silver copper dollar euro yen pound yuan bonds treasuries futures
    volatility spreads spread approval polls turnout valuation margin margins deliveries
    subscribers users growth gdp cpi ppi pmi mortgage mortgages tariffs tariff"""
)
_TIME_WORDS = _wordset(
    f"{_DAYS.replace('|', ' ')} today tomorrow tonight week weekend month close open hours "
    "day days session sessions morning afternoon evening"
)
_CAPITALISED = re.compile(r"^(?:[A-Z][A-Za-z0-9'’&+./-]*|[A-Z0-9&+./-]{2,})$")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"'“‘(A-Z0-9$€£])|(?<=;)\s+|\s*\n\s*")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


def _base(tok: str) -> str:
    """Lower case, possessive and trailing punctuation removed: ``Friday's`` -> ``friday``."""
    return re.sub(r"['’]s$", "", tok.lower().rstrip(".,:"))


def words(text: str) -> list[str]:
    return [w.rstrip(".,") for w in WORD.findall(text)]


def sentences(text: str) -> list[str]:
    """Sentences (and lines, and bullets) of ``text``, stripped, empties dropped."""
    out = []
    for part in _SENTENCE_SPLIT.split(text):
        part = _BULLET.sub("", part).strip()
        if part:
            out.append(part)
    return out


def _cue_words(sentence: str) -> set[int]:
    """Indices (into ``words(sentence)``) of words that belong to a beat cue."""
    toks = words(sentence)
    lowered = [t.lower() for t in toks]
    marked: set[int] = set()
    spans = [
        m.span()
        for rx in (DIRECTION, MAGNITUDE, TIMEFRAME, DRIVER_CUES, VERIFY_CUES, FORWARD)
        for m in rx.finditer(sentence)
    ]
    # map character spans back to word indices
    pos = 0
    starts = []
    for tok in WORD.findall(sentence):
        i = sentence.index(tok, pos)
        starts.append((i, i + len(tok)))
        pos = i + len(tok)
    for idx, (a, b) in enumerate(starts):
        if any(a < e and s < b for s, e in spans):
            marked.add(idx)
    for idx, low in enumerate(lowered):
        if low in TASK_WORDS:
            marked.add(idx)
    return marked


# Single words of the multi-word cues: alone they are cue residue, not content.
CUE_VOCAB = _wordset(
    """because due driven thanks owing fueled fuelled caused helped hurt weighed pressured
    supported boosted dragged led spurred triggered amid following verify verified check
    checked confirm confirmed falsified wrong resolve resolves resolved measured compare
    compared track tracked according drivers catalysts reasons tomorrow tonight overnight
    intraday within"""
)


def _substantive(tok: str) -> bool:
    """A content word: three letters or more, not a function word, not task vocabulary, not a
    cue word, a direction word or a time word."""
    low = _base(tok)
    return (
        len(low) >= 3
        and any(c.isalpha() for c in low)
        and low not in FUNCTION_WORDS
        and low not in TASK_WORDS
        and low not in CUE_VOCAB
        and low not in _TIME_WORDS
        and not re.fullmatch(_MONTHS, low)
        and not DIRECTION.fullmatch(low)
        and not VERIFY_CUES.fullmatch(low)
    )


def plausible(sentence: str) -> bool:
    """Whether ``sentence`` reads as a sentence with content of its own (see the module
    docstring for the thresholds)."""
    toks = words(sentence)
    n = len(toks)
    if not 5 <= n <= 60:
        return False
    lowered = [t.lower() for t in toks]
    function = sum(t in FUNCTION_WORDS for t in lowered)
    if function < 0.08 * n:  # no grammar: a list, or a headline ("Trump tariff deadline near")
        return False
    segments = [seg for seg in re.split(r"[,;:]", sentence) if seg.strip()]
    if len(segments) >= 4 and n / len(segments) < 2.5:  # "rise, fall, by Friday, because"
        return False
    if len(set(lowered)) < 0.6 * n or repeated_span(sentence):
        return False
    cues = _cue_words(sentence)
    content = [i for i, t in enumerate(toks) if i not in cues and _substantive(t)]
    return len(content) >= 2 and len(content) >= 0.2 * n


def _is_name(tok: str, first: bool) -> bool:
    low = _base(tok)
    if low in FUNCTION_WORDS or low in TASK_WORDS or low in _TIME_WORDS:
        return False
    if re.fullmatch(_MONTHS, low):
        return False
    if not _CAPITALISED.match(tok):
        return False
    # a sentence's first word is capitalised anyway: only an acronym/symbol counts there
    return not first or bool(re.fullmatch(r"[A-Z0-9&+./-]{2,}", tok))


def _has_entity(sentence: str) -> bool:
    toks = words(sentence)
    return any(_is_name(t, i == 0) for i, t in enumerate(toks))


def has_object(sentence: str) -> bool:
    toks = words(sentence)
    named = _has_entity(sentence) or any(t.lower() in MEASURABLES for t in toks)
    moving = bool(DIRECTION.search(sentence) or FORWARD.search(sentence))
    return named and moving


def _small(match: re.Match) -> bool:
    pct = match.group("pct")
    if not pct:
        return True
    values = [float(v.replace(",", ".")) for v in re.findall(_NUM, pct)]
    return all(v <= 25 for v in values)


def has_direction(sentence: str) -> bool:
    return bool(DIRECTION.search(sentence)) and any(_small(m) for m in MAGNITUDE.finditer(sentence))


def _tight(match: re.Match) -> bool:
    window = _WINDOW_NUMBER.search(match.group(0))
    if not window:
        return True
    n, unit = int(window.group(1)), window.group(2).lower()
    if unit.startswith("hour"):
        return n <= 336
    if unit.startswith("week"):
        return n <= 2
    return n <= 14


def has_timeframe(sentence: str) -> bool:
    return any(_tight(m) for m in TIMEFRAME.finditer(sentence))


def has_drivers(sentence: str) -> bool:
    for m in DRIVER_CUES.finditer(sentence):
        cue = m.group(0).strip().lower()
        after = words(sentence[m.end() :])[:4]
        if not after:
            continue
        if (cue == "as" and _base(after[0]) in _AS_BLOCK) or (
            cue == "on" and _base(after[0]) in _ON_BLOCK
        ):
            continue
        for tok in after:  # "after Monday's close" is a time, not a cause
            low = _base(tok)
            if low in _TIME_WORDS or re.fullmatch(_MONTHS, low):
                break
            if (
                _substantive(tok)
                and not DIRECTION.fullmatch(tok)
                and not (VERIFY_CUES.fullmatch(tok) or DRIVER_CUES.fullmatch(tok))
            ):
                return True
    return False


def has_verification(sentence: str) -> bool:
    if not VERIFY_CUES.search(sentence):
        return False
    toks = words(sentence)
    if any(_base(t) in SOURCE_NOUNS for t in toks):
        return True
    return any(_is_name(t, i == 0) and not VERIFY_CUES.fullmatch(t) for i, t in enumerate(toks))


DETECTORS = {
    "object": has_object,
    "direction": has_direction,
    "timeframe": has_timeframe,
    "drivers": has_drivers,
    "verification": has_verification,
}


@dataclass(frozen=True)
class StructureScore:
    score: float  # beats / 5 x stuffing, in [0, 1]
    beats: dict[str, bool] = field(default_factory=dict)
    stuffing: float = 1.0  # 1.0 = no stuffing penalty
    sentences: int = 0
    plausible: int = 0


# Cue words that ordinary prose repeats (they still count towards the cue density).
_COMMON_CUES = _wordset("as on after following since up down higher lower")


def _cue_counts(text: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for rx in (DIRECTION, MAGNITUDE, TIMEFRAME, DRIVER_CUES, VERIFY_CUES):
        for m in rx.finditer(text):
            counts[" ".join(m.group(0).lower().split())] += 1
    return counts


def prose_share(text: str) -> float:
    """Share of the words of ``text`` that sit in plausible sentences (0 for no words).

    Sentence embeddings score a soup of the day's names and topics ("AI's AI has been
    Trump's 2025 posts AI ...") close to tomorrow's headlines; a policy trained on semantic
    closeness alone learned exactly that in 20 steps (configs/ablations/varro_structure.toml,
    semantic_only). Such text has no plausible sentence, so Varro's guard scales every
    component by this share (``rlnvr_varro``'s ``prose_gate``)."""
    parts = sentences(text)
    total = sum(len(words(p)) for p in parts)
    good = sum(len(words(p)) for p in parts if plausible(p))
    return good / total if total else 0.0


def structure_score(text: str) -> StructureScore:
    """The five-beat structure score of ``text``; see the module docstring."""
    parts = sentences(text)
    if not parts:
        return StructureScore(0.0, dict.fromkeys(BEATS, False))
    first: dict[str, str] = {}  # a repeated sentence counts once
    for part in parts:
        first.setdefault(" ".join(w.lower() for w in words(part)), part)
    distinct = len(first) / len(parts)
    good = [s for s in first.values() if plausible(s)]
    beats = {name: any(detect(s) for s in good) for name, detect in DETECTORS.items()}

    counts = _cue_counts(text)
    repeated = [c for cue, c in counts.items() if cue not in _COMMON_CUES]
    repeat = min(1.0, 3 / max(repeated)) if repeated else 1.0
    n_words = max(1, len(words(text)))
    cue_words = sum(len(c.split()) for c in counts.elements())
    density = cue_words / n_words
    dense = 1.0 if density <= 0.5 else max(0.0, 1.0 - (density - 0.5) / 0.5)
    stuffing = min(distinct, repeat, dense)
    score = sum(beats.values()) / len(BEATS) * stuffing
    return StructureScore(score, beats, stuffing, len(parts), len(good))
