"""The text the bundled tiny model is pretrained on, with a held-out split.

Sources (all under one data folder laid out like ``data/samples``): public-domain literature,
RSS headlines and Bluesky posts. Besides plain text, a few thousand chat-formatted examples
(post about an article, continue a passage) teach the model the chat template and to end its
turn with ``<|im_end|>``, so that RL from this base starts from text that stops.

Headlines on or after ``headline_cutoff`` are never used: those days are reserved for Varro's
forecasting evaluation, whose reward is the next day's headlines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rlnvr.data_pipelines.literature import iter_documents

PIECE_CHARS = 2000


@dataclass(frozen=True)
class Piece:
    """A unit of pretraining text: plain text, or a conversation (list of messages)."""

    key: str  # stable identity, decides the split
    text: str = ""
    messages: tuple[tuple[str, str], ...] = ()


def _paragraph_pieces(text: str, size: int = PIECE_CHARS) -> Iterator[str]:
    buf: list[str] = []
    length = 0
    for para in re.split(r"\n\s*\n|\n(?=[A-Z\"'])", text):
        para = " ".join(para.split())
        if not para:
            continue
        buf.append(para)
        length += len(para)
        if length >= size:
            yield "\n".join(buf)
            buf, length = [], 0
    if buf:
        yield "\n".join(buf)


def literature_pieces(root: Path) -> Iterator[Piece]:
    for doc in iter_documents(root):
        pieces = list(_paragraph_pieces(doc.text))
        for i, text in enumerate(pieces):
            key = f"lit:{doc.path.name}:{i}"
            yield Piece(key, text=text)
            sentences = re.split(r"(?<=[.!?])\s+", text)
            if i % 4 == 0 and len(sentences) > 3:
                prompt = f"Continue this passage in the style of {doc.author}:\n{sentences[0]}"
                reply = " ".join(sentences[1:4])
                yield Piece(key + ":chat", messages=(("user", prompt), ("assistant", reply)))


def _day_of(path: Path) -> str:
    digits = re.sub(r"\D", "", path.stem)[:8]
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}"


def headline_pieces(root: Path, cutoff: str) -> Iterator[Piece]:
    days: dict[str, list[str]] = {}
    for path in sorted(root.glob("varro_daily/*.json")):
        items = json.loads(path.read_text(encoding="utf-8"))["headlines"]
        days.setdefault(_day_of(path), []).extend(h["text"] for h in items)
    for path in sorted(root.glob("foresight_forge_raw/*.json")):
        items = json.loads(path.read_text(encoding="utf-8"))
        days.setdefault(_day_of(path), []).extend(h["title"] for h in items)
    for day, titles in sorted(days.items()):
        if day >= cutoff:
            continue
        unique = list(dict.fromkeys(" ".join(t.split()) for t in titles if t))
        for start in range(0, len(unique), 25):
            block = "\n".join(unique[start : start + 25])
            yield Piece(f"news:{day}:{start}", text=f"Headlines for {day}:\n{block}")


def _posts(root: Path) -> dict[str, dict]:
    """Most-liked posts, deduplicated by uri (later snapshots win)."""
    posts: dict[str, dict] = {}
    for path in sorted(root.glob("most_liked_posts/*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                post = json.loads(line)
                posts[post["uri"]] = post
    return posts


def post_pieces(root: Path) -> Iterator[Piece]:
    for uri, post in sorted(_posts(root).items()):
        record = post.get("record") or {}
        text = (record.get("text") or "").strip()
        if not text:
            continue
        yield Piece(f"post:{uri}", text=text)
        external = (record.get("embed") or {}).get("external") or {}
        if external.get("title"):
            prompt = (
                "Write a Bluesky post about this article.\n"
                f"Title: {external['title']}\n{external.get('description') or ''}".strip()
            )
            yield Piece(f"post:{uri}:chat", messages=(("user", prompt), ("assistant", text)))


def build_corpus(data_dir: Path, headline_cutoff: str = "2025-08-01") -> list[Piece]:
    """Every piece of pretraining text found under ``data_dir``, in a stable order."""
    pieces = [
        *literature_pieces(data_dir / "literature"),
        *headline_pieces(data_dir / "headlines", headline_cutoff),
        *post_pieces(data_dir / "bluesky"),
    ]
    if not pieces:
        raise FileNotFoundError(
            f"{data_dir}: no pretraining text found (expected literature/, headlines/ or bluesky/)"
        )
    return pieces
