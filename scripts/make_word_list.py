"""Build the word list the word-count taskset judges replies with (``rlnvr/tasksets/words.txt``).

    python scripts/make_word_list.py [SAMPLES_DIR]

Every lower-cased word (letters, inner apostrophes) that occurs at least ``MIN_COUNT`` times in
the text the bundled model was pretrained on (literature, headlines, posts: the project's
samples): the words of ordinary English, so a reply made of character soup is told apart from
one made of words without knowing the policy. Deterministic.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import regex

from rlnvr.data_pipelines.pretrain_corpus import build_corpus

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "rlnvr" / "tasksets" / "words.txt"
MIN_COUNT = 3
WORD = regex.compile(r"\p{L}+(?:['’]\p{L}+)*")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", nargs="?", type=Path, default=REPO / "data" / "samples")
    args = parser.parse_args()
    texts = (
        text
        for piece in build_corpus(args.src)
        for text in (piece.text, *(content for _, content in piece.messages))
    )
    counts = Counter(w.casefold().replace("’", "'") for t in texts for w in WORD.findall(t))
    words = sorted(w for w, n in counts.items() if n >= MIN_COUNT)
    OUT.write_text("\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} words (of {len(counts)} seen) -> {OUT}")


if __name__ == "__main__":
    main()
