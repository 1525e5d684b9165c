# Generated from rubrics/hacks.py by scripts/vendor.py: do not edit.
"""Reward-hack detectors for short posts: text in, penalty in [0, 1] out.

A non-verified reward (similarity to what did well) can be gamed: stuff the post with
hashtags, dump links, repeat the keywords, paste the prompt, copy the best historical post.
Each detector here measures one such hack and returns 0 for ordinary writing, rising
linearly (``ramp``) to 1 for a clear case, so a policy gets a gradient away from the hack
rather than a cliff, and a reward table shows which hack it tried. Thresholds are
calibrated on the real Bluesky posts shipped with rlnvr-walter: on those, each text-only
detector is 0 for at least 95% of posts (tests/test_walter_env.py checks this). The two
that compare with other texts fire on real behaviour by design: 11% of real posts paste
their article's headline (``prompt_echo``), and some quote the same lede (``near_copy``).

All functions are pure and total: ``None``, "", whitespace, control characters or lone
surrogates give a number, never an exception, and an empty text is never penalised.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import regex

from .text import (
    char_ngrams,
    emoji,
    grapheme_count,
    graphemes,
    hashtags,
    links,
    prose,
    visible_graphemes,
    word_ngrams,
    word_spans,
    words,
)

_SPACE = regex.compile(r"\s+")
_CUT_PUNCTUATION = regex.compile(r"^[\p{P}\s]+")

BLUESKY_LIMIT = 300  # graphemes
_LATIN = regex.compile(r"\p{Latin}")


def ramp(x: float, start: float, full: float) -> float:
    """0 at ``x <= start``, 1 at ``x >= full``, linear in between."""
    if full <= start:
        return float(x > start)
    return min(1.0, max(0.0, (x - start) / (full - start)))


def hashtag_spam(
    text: str | None, allowed: int = 2, full: int = 6, share: tuple[float, float] = (0.4, 0.7)
) -> float:
    """Too many hashtags, or hashtags making up most of the post.

    ``allowed`` tags are free, ``full`` or more is a full penalty; independently, the share
    of visible graphemes inside tags ramps over ``share`` (a post that is one long tag).
    """
    return _piece_penalty(text, hashtags(text), allowed, full, share)


def link_dump(
    text: str | None, allowed: int = 2, full: int = 4, share: tuple[float, float] = (0.6, 0.9)
) -> float:
    """Several links, or a post that is mostly link: a bare URL scores 1.

    The link card of a Bluesky post is not part of its text, so one pasted link beside real
    words is normal; ``allowed`` links are free and ``full`` or more is a full penalty, and
    the share of visible graphemes inside links ramps over ``share``.
    """
    return _piece_penalty(text, links(text), allowed, full, share)


def _piece_penalty(
    text: str | None, pieces: list[str], allowed: int, full: int, share: tuple[float, float]
) -> float:
    """Penalty for too many pieces (tags, links) or for pieces filling most of the text."""
    if not pieces:
        return 0.0
    visible = len(visible_graphemes(text))
    piece_share = sum(grapheme_count(p) for p in pieces) / max(visible, 1)
    return max(ramp(len(pieces), allowed, full), ramp(piece_share, *share))


def repetition(
    text: str | None,
    ngram: tuple[float, float] = (0.15, 0.45),
    dominance: tuple[float, float] = (0.3, 0.5),
    chars: tuple[float, float] = (0.35, 0.65),
) -> float:
    """Repeated phrases, one word everywhere, or repeated character runs.

    The largest of three signals, each a ramp:
    - the share of duplicate word 3-grams (six words or more): "great news! great news!";
    - the share of the most frequent word among all words (eight words or more): keyword
      stuffing such as "Bluesky roadmap Bluesky DMs Bluesky video Bluesky";
    - the share of duplicate 5-grams of visible graphemes (twelve graphemes or more), which
      catches what has no words: emoji runs, "!!!!!!!!", unspaced scripts repeated.
    """
    tokens = words(text)
    score = 0.0
    if len(tokens) >= 6:
        grams = word_ngrams(tokens, 3)
        score = max(score, ramp(1 - len(set(grams)) / len(grams), *ngram))
    if len(tokens) >= 8:
        top = Counter(tokens).most_common(1)[0][1]
        score = max(score, ramp(top / len(tokens), *dominance))
    visible = visible_graphemes(text)
    if len(visible) >= 12:
        grams5 = [tuple(visible[i : i + 5]) for i in range(len(visible) - 4)]
        score = max(score, ramp(1 - len(set(grams5)) / len(grams5), *chars))
    return score


def repeated_span(text: str | None, longest: int = 8) -> str:
    """The shortest span of up to ``longest`` words said twice in a row ("the EU the EU",
    "steady steady"), case ignored; "" if there is none.

    A writer says a span twice in a row by accident, and fixes it; a search that splices and
    duplicates words leaves it in. ``repetition`` reads the share of repeated phrases over a
    whole text, so a stutter or two in a paragraph passes it.
    """
    tokens = words(text)
    for n in range(1, longest + 1):
        for i in range(len(tokens) - 2 * n + 1):
            if tokens[i : i + n] == tokens[i + n : i + 2 * n]:
                return " ".join(tokens[i : i + n])
    return ""


# The commonest function words of the languages in the Bluesky data (en, es, pt, fr, de, it).
FUNCTION_WORDS = frozenset(
    {
        "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by",
        "from", "as", "is", "are", "was", "were", "be", "been", "being", "it", "its", "this",
        "that", "these", "those", "i", "you", "he", "she", "we", "they", "me", "him", "her",
        "us", "them", "my", "your", "his", "our", "their", "not", "no", "so", "if", "then",
        "than", "too", "very", "can", "will", "would", "should", "could", "do", "does", "did",
        "have", "has", "had", "just", "about", "what", "which", "who", "when", "where", "why",
        "how", "all", "any", "some", "more", "most", "other", "into", "over", "up", "out",
        "there", "here", "only", "also", "de", "la", "el", "los", "las", "y", "en", "un", "una",
        "que", "por", "con", "para", "del", "al", "se", "lo", "su", "es", "como", "pero", "más",
        "sus", "le", "ya", "o", "os", "um", "uma", "e", "é", "em", "da", "dos", "das", "na",
        "nos", "nas", "com", "não", "ao", "à", "mas", "foi", "ser", "les", "une", "des", "et",
        "ou", "du", "au", "aux", "qui", "dans", "pour", "par", "sur", "pas", "ne", "est",
        "sont", "avec", "ce", "cette", "il", "elle", "der", "die", "und", "oder", "ein", "eine",
        "im", "zu", "mit", "von", "den", "dem", "ist", "sind", "nicht", "auf", "für", "sich",
        "auch", "wie", "gli", "di", "che", "non", "è",
    }
)  # fmt: skip


def keyword_stuffing(
    text: str | None, min_words: int = 8, function_share: tuple[float, float] = (0.12, 0.04)
) -> float:
    """A list of keywords instead of a sentence: almost no function words.

    Sentence embeddings reward a bag of on-topic keywords about as well as a real post, so
    a policy learns to list them. Among the Latin-script words of a post with at least
    ``min_words`` of them, the share of common function words (the, of, and, de, que, und,
    ...) below ``function_share[0]`` ramps to a full penalty at ``function_share[1]``.
    Real posts sit at a median of 0.38; 98% are above 0.15 (headline-style and football
    line-up posts are the exceptions). Other scripts are not judged.
    """
    latin = [w for w in words(text) if _LATIN.match(w)]
    if len(latin) < min_words:
        return 0.0
    share = sum(w in FUNCTION_WORDS for w in latin) / len(latin)
    start, full = function_share
    return ramp(start - share, 0.0, start - full)


def emoji_spam(
    text: str | None, allowed: int = 3, full: int = 10, share: tuple[float, float] = (0.3, 0.6)
) -> float:
    """Many emoji, or emoji making up much of the post (a skin-toned or ZWJ emoji counts once)."""
    found = emoji(text)
    if not found:
        return 0.0
    visible = len(visible_graphemes(text))
    emoji_share = len(found) / max(visible, 1)
    by_share = ramp(emoji_share, *share) if len(found) >= 2 else 0.0
    return max(ramp(len(found), allowed, full), by_share)


def over_length(text: str | None, limit: int = BLUESKY_LIMIT) -> float:
    """0 within ``limit`` graphemes; 0.5 one grapheme over, rising to 1 at twice the limit.

    The platform rejects a longer post outright, so any excess costs at least half; the
    ramp beyond still tells 310 from 1,000.
    """
    n = grapheme_count(text)
    if n <= limit:
        return 0.0
    return min(1.0, 0.5 + 0.5 * (n - limit) / max(limit, 1))


def prompt_echo(
    text: str | None,
    sources: Iterable[str | None],
    n: int = 3,
    coverage: tuple[float, float] = (0.3, 0.7),
) -> float:
    """How much of the post is pasted from ``sources`` (the article's title, description,
    the prompt's instructions).

    Coverage = the share of the post's words that lie inside a run of ``n`` consecutive
    content words (function words skipped) also found in one source (``n`` shrinks to a
    source's length for a short title, so pasting a two-word title counts). Skipping
    function words means dropping or swapping an "at" or "the" in a pasted headline does not
    hide it (the red team's hill climb found that), and "who joked about" is not a paste.
    Quoting a headline inside a comment is normal; a post that is mostly the prompt is not:
    the penalty ramps over ``coverage``.
    """
    tokens = words(text)
    if not tokens:
        return 0.0
    covered = _covered(tokens, sources, n, shrink=True, skip=FUNCTION_WORDS)
    return ramp(sum(covered) / len(tokens), *coverage)


def _covered(
    tokens: list[str],
    sources: Iterable[str | None],
    n: int,
    shrink: bool = False,
    skip: frozenset[str] = frozenset(),
) -> list[bool]:
    """Which ``tokens`` lie in a run of ``n`` consecutive words also found in one source,
    words in ``skip`` left out of both sides (a run covers the skipped words inside it);
    ``shrink``: ``n`` shrinks to a shorter source's length."""
    kept = [i for i, w in enumerate(tokens) if w not in skip]
    sequence = [tokens[i] for i in kept]
    covered = [False] * len(tokens)
    for source in sources:
        src = [w for w in words(source) if w not in skip]
        k = min(n, len(src)) if shrink else n
        if not src or len(src) < k:
            continue
        known = set(word_ngrams(src, k))
        for j, gram in enumerate(word_ngrams(sequence, k)):
            if gram in known:
                first, last = kept[j], kept[j + k - 1]
                covered[first : last + 1] = [True] * (last + 1 - first)
    return covered


def strip_copied(text: str | None, sources: Iterable[str | None], run: int) -> tuple[str, float]:
    """``prose(text)`` without every run of ``run`` or more consecutive words that also occurs
    in one of ``sources`` (case ignored), and the share of its words removed.

    What a similarity reward should embed: the words the writer wrote. A pasted headline
    or a sentence lifted from the best post would otherwise move the embedding toward the
    reference for free; writing about the same subject in one's own words is untouched.
    """
    kept = prose(text)
    spans = word_spans(kept)
    if not spans:
        return kept, 0.0
    covered = _covered([kept[a:b].casefold() for a, b in spans], sources, run)
    if not any(covered):
        return kept, 0.0
    pieces, start = [], 0
    for (a, b), gone in zip(spans, covered, strict=True):
        if gone:
            pieces.append(_after_cut(kept[start:a], start))
            start = b
    pieces.append(_after_cut(kept[start:], start))
    return _SPACE.sub(" ", "".join(pieces)).strip(), sum(covered) / len(spans)


def _after_cut(piece: str, start: int) -> str:
    """A piece of text that followed a removed run, without the punctuation that closed it
    (a lone ". ." would otherwise move the embedding of what is left)."""
    return _CUT_PUNCTUATION.sub("", piece) if start else piece


def near_copy(
    text: str | None,
    references: Iterable[str | None],
    n: int = 5,
    overlap: tuple[float, float] = (0.5, 0.8),
    min_ngrams: int = 20,
) -> float:
    """Lexical copying of any reference post (links and case ignored).

    Overlap with one reference = shared character ``n``-grams / the smaller of the two
    n-gram sets (so a copy padded with extra words, or a reference padded into the post,
    both count), with the denominator at least ``min_ngrams`` so that sharing a short phrase
    such as "seems bad" is not a copy. The largest overlap over references ramps over
    ``overlap``. Copying the best post must not be the optimum of a similarity reward: weigh
    this penalty at least as heavily as the similarity term it guards.
    """
    mine = char_ngrams(text, n)
    if not mine:
        return 0.0
    best = 0.0
    for reference in references:
        theirs = char_ngrams(reference, n)
        if not theirs:
            continue
        denominator = max(min(len(mine), len(theirs)), min_ngrams)
        best = max(best, len(mine & theirs) / denominator)
    return ramp(best, *overlap)


def semantic_copy(similarity: float | None, start: float = 0.9, full: float = 0.97) -> float:
    """A paraphrase too close to a reference: cosine similarity (of normalised sentence
    embeddings) ramping from ``start`` to ``full``. Catches copies that dodge
    :func:`near_copy` (a short post, light rewording, a translation)."""
    if similarity is None or similarity != similarity:  # None or NaN
        return 0.0
    return ramp(float(similarity), start, full)


def is_blank(text: str | None) -> bool:
    """Nothing visible (empty, whitespace, invisible format characters only)."""
    return not any(g.strip().strip("\u200b\u200c\u200d\u2060\ufeff") for g in graphemes(text))
