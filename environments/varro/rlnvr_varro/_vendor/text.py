# Generated from rubrics/text.py by scripts/vendor.py: do not edit.
"""Text units for post rubrics: graphemes, words, hashtags, links, emoji.

Social platforms count what a reader sees, not bytes or code points: Bluesky's 300 limit is
in graphemes (user-perceived characters), so a flag emoji or "e" + combining accent counts
once. Everything here is Unicode-aware (the ``regex`` package's ``\\X`` and script
properties), total (any input, including ``None``, gives an answer, never an exception) and
pure, so Walter, Varro and Horace can share it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

import regex

_GRAPHEME = regex.compile(r"\X")
# A word: letters/digits with inner apostrophes or hyphens ("don't", "anti-harassment").
_WORD = regex.compile(r"[\p{L}\p{N}\p{M}]+(?:['’\-][\p{L}\p{N}\p{M}]+)*")
# Bluesky's hashtag rule, simplified: '#' not glued to a preceding word, then a tag that has
# at least one letter (so "#1" is a number, not a tag).
_HASHTAG = regex.compile(r"(?<![\p{L}\p{N}_#&])#(?=[\p{L}\p{N}\p{M}_]*\p{L})[\p{L}\p{N}\p{M}_]+")
_SCHEME_LINK = regex.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"]+")
# A bare domain as apps display it ("pitchfork.com/news/steve-a..."), with or without a path.
_BARE_LINK = regex.compile(
    r"(?i)(?<![\w@./])((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,24}))(/[^\s<>\"]*)?"
)
# Top-level domains that make a path-less "name.tld" a link rather than a typo ("e.g", "Mr.X").
COMMON_TLDS = frozenset(
    {
        "com", "org", "net", "edu", "gov", "io", "co", "ai", "app", "dev", "social", "news",
        "uk", "us", "ca", "de", "fr", "nl", "eu", "au", "jp", "in", "info", "me", "tv", "xyz",
        "ly", "gl", "be", "it", "es", "se", "no", "fi", "ch", "at", "nz", "ie", "is", "site",
        "blog", "online", "pub", "to", "fm", "gg", "sh",
    }
)  # fmt: skip
_EMOJI = regex.compile(
    r"\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F|\p{Regional_Indicator}|\u20E3"
)
_SPACE = regex.compile(r"\s+")
_LETTER = regex.compile(r"\p{L}")
MAX_STACKED_MARKS = 3  # combining marks one letter may carry (Vietnamese uses two)
_INVISIBLE = regex.compile(
    r"(?!(?<=\p{Extended_Pictographic})\uFE0F)[\p{Default_Ignorable_Code_Point}]"
    r"|[^\P{Cc}\n\t\r]"  # control characters but newline, tab and carriage return
)
_STRAY_MARKS = regex.compile(r"(?:^|(?<=[\s\p{P}\p{S}\p{Z}])(?<!\p{Extended_Pictographic}))\p{M}+")
_STACKED_MARKS = regex.compile(rf"\P{{M}}\p{{M}}{{{MAX_STACKED_MARKS + 1},}}")
_HSPACE = regex.compile(r"[^\S\n]+")
_LINE_END_SPACE = regex.compile(r" ?\n ?")
_BLANK_LINES = regex.compile(r"\n{3,}")


def as_text(value: object) -> str:
    """Any completion value as text: ``None`` -> "", lone surrogates replaced, NULs dropped.

    Rewards see whatever a sampler produced; a lone surrogate from a broken byte-level
    decode would otherwise make a tokenizer or an encoder raise.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    text = text.encode("utf-8", "replace").decode("utf-8")
    return text.replace("\x00", "")


def canonical(text: object) -> str:
    """The one form every detector and embedder sees: :func:`as_text`, NFKC, invisible and
    stray characters removed, whitespace collapsed.

    Removed: default-ignorable code points (zero-width spaces and joiners, soft hyphens,
    word joiners, bidi overrides, tag characters, variation selectors except the emoji one
    after a pictograph), control characters other than newline, combining marks with no
    base (at the start, after a space or punctuation) and any mark beyond
    :data:`MAX_STACKED_MARKS` on one base. Horizontal whitespace collapses to one space, three
    or more newlines to two, and the ends are stripped. Such characters leave an embedding
    unchanged while they break n-gram copy checks; a text made only of them is empty here.
    """
    text = unicodedata.normalize("NFKC", as_text(text))
    text = _INVISIBLE.sub("", text)
    text = _STRAY_MARKS.sub("", text)
    text = _STACKED_MARKS.sub(lambda m: m.group(0)[: 1 + MAX_STACKED_MARKS], text)
    text = _HSPACE.sub(" ", text)
    text = _LINE_END_SPACE.sub("\n", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


def graphemes(text: str | None) -> list[str]:
    """User-perceived characters (extended grapheme clusters)."""
    return _GRAPHEME.findall(as_text(text))


def grapheme_count(text: str | None) -> int:
    """Length as Bluesky counts it: 300 graphemes is the post limit."""
    return len(graphemes(text))


def visible_graphemes(text: str | None) -> list[str]:
    """Graphemes that are not whitespace."""
    return [g for g in graphemes(text) if not g.isspace()]


def links(text: str | None) -> list[str]:
    """Web links as written: with a scheme or ``www.``, or a bare ``domain.tld[/path]``."""
    text = as_text(text)
    found = _SCHEME_LINK.findall(text)
    rest = _SCHEME_LINK.sub(" ", text)
    for match in _BARE_LINK.finditer(rest):
        if match.group(3) or match.group(2).lower() in COMMON_TLDS:
            found.append(match.group(0))
    return found


def without_links(text: str | None) -> str:
    """The text with every link replaced by a space."""
    text = _SCHEME_LINK.sub(" ", as_text(text))
    return _BARE_LINK.sub(
        lambda m: " " if m.group(3) or m.group(2).lower() in COMMON_TLDS else m.group(0), text
    )


def prose(text: str | None) -> str:
    """The text a reader reads as the post: links removed, whitespace collapsed, case kept.

    What semantic rewards should embed: a link is attached as a card on Bluesky, and its
    slug ("steve-albini-...-dies-at-61") would otherwise make a bare URL look on topic.
    """
    return _SPACE.sub(" ", without_links(text)).strip()


def words(text: str | None) -> list[str]:
    """Lower-cased word tokens, links excluded (a URL is not prose)."""
    return [w.casefold() for w in _WORD.findall(without_links(text))]


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each word token of ``text`` as it is (links not removed)."""
    return [m.span() for m in _WORD.finditer(text)]


def hashtags(text: str | None) -> list[str]:
    """Hashtags, with their '#'."""
    return _HASHTAG.findall(without_links(text))


def emoji(text: str | None) -> list[str]:
    """Graphemes that render as an emoji (flags, skin tones and ZWJ families count once)."""
    return [g for g in graphemes(text) if _EMOJI.search(g)]


def script_share(text: str | None, scripts: Iterable[str]) -> float:
    """The share of the text's letters written in ``scripts`` (Unicode script names such as
    "Latin", "Cyrillic", "Han"); 1.0 for a text with no letters (digits, emoji, nothing)."""
    letters = _LETTER.findall(as_text(text))
    if not letters:
        return 1.0
    known = [regex.compile(rf"\p{{{name}}}") for name in scripts]
    return sum(any(k.match(c) for k in known) for c in letters) / len(letters)


def copy_form(text: str | None) -> str:
    """Case-folded, links removed, whitespace collapsed: the form copy detection compares."""
    return _SPACE.sub(" ", without_links(canonical(text)).casefold()).strip()


def char_ngrams(text: str | None, n: int) -> set[str]:
    """The set of character n-grams of ``copy_form(text)`` (the whole text if shorter)."""
    norm = copy_form(text)
    if not norm:
        return set()
    if len(norm) <= n:
        return {norm}
    return {norm[i : i + n] for i in range(len(norm) - n + 1)}


def word_ngrams(tokens: Iterable[str], n: int) -> list[tuple[str, ...]]:
    """Consecutive n-tuples of ``tokens`` (none if there are fewer than n)."""
    seq = list(tokens)
    return [tuple(seq[i : i + n]) for i in range(len(seq) - n + 1)]
