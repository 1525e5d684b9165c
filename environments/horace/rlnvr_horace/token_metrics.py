"""Per-token surprisal, entropy, rank and nucleus width of a text under a causal LM.

These series are the raw material of Horace's cadence signature. Both backends (MLX through
``mlx_lm``, PyTorch through ``transformers``) run the same window plan and the same
arithmetic in fp32, so they give the same numbers on the same weights (within 1e-4)::

    from rlnvr_horace.token_metrics import load_scorer, score_text
    from rlnvr_horace.cadence import cadence_features

    model, tokenizer = load_scorer("rlnvr-tiny", backend="torch")  # or "mlx"
    metrics = score_text("It is a truth universally acknowledged...", model, tokenizer)
    metrics.surprisal, metrics.entropy, metrics.rank, metrics.nucleus  # numpy, one per token
    features = cadence_features(metrics)  # dict[str, float], keys in FEATURE_NAMES order

How a text is scored:

- It is tokenized without special tokens, then the model's document-start token is put in
  front: ``bos_token`` if the tokenizer has one, else ``<|endoftext|>`` (the separator that
  Qwen-style and GPT-2-style models, rlnvr-tiny included, saw between pretraining
  documents). So the first token is conditioned on "a document starts here". A tokenizer with
  neither has its first token left unscored (the metrics start at the second token).
- Texts longer than ``window`` tokens are scored in overlapping windows: every token is scored
  exactly once, and a token scored in a later window sees at least ``min_context`` tokens of
  left context. The last window is moved left to full length, so every window of a text has
  the same length and they batch without padding (:func:`score_batch` batches equal-length
  windows of several texts too).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import regex

from rlnvr_horace._vendor import model_folder
from rlnvr_horace._vendor.model_folder import hf_tokenizer, start_token_id

Backend = str  # "mlx" or "torch"
BACKENDS = ("mlx", "torch")
SCORING_MODEL = "rlnvr-tiny"  # the name the packaged signatures record

_WORD = regex.compile(r"[\p{L}\p{N}\p{M}]+(?:['’\-][\p{L}\p{N}\p{M}]+)*")
_PUNCT = regex.compile(r"[\p{P}\p{S}]")
_ALNUM = regex.compile(r"[\p{L}\p{N}]")

# Function words of English prose and verse, archaic forms included; a token inside one of
# these (or punctuation) is not on a content word.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each few for from further had hadn't has hasn't have
    haven't having he he'd he'll he's her here here's hers herself him himself his how how's i
    i'd i'll i'm i've if in into is isn't it it's its itself let's me more most mustn't my
    myself no nor not of off on once only or other ought our ours ourselves out over own same
    shan't she she'd she'll she's should shouldn't so some such than that that's the their
    theirs them themselves then there there's these they they'd they'll they're they've this
    those through to too under until up very was wasn't we we'd we'll we're we've were weren't
    what what's when when's where where's which while who who's whom why why's with won't would
    wouldn't you you'd you'll you're you've your yours yourself yourselves upon shall may might
    must will thee thou thy thine ye hath doth art thus unto o oh mr mrs miss one""".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class ScoringConfig:
    """How texts are cut into windows and how the nucleus is measured."""

    window: int = 512  # tokens fed to the model at once (the start token included)
    min_context: int = 128  # left context every token of a later window gets, at least
    batch_size: int = 8  # windows per forward pass
    top_p: float = 0.9  # nucleus mass for the width metric

    def __post_init__(self) -> None:
        if not 0 < self.min_context < self.window:
            raise ValueError(
                f"min_context must be in (0, window): got {self.min_context}, {self.window}"
            )
        if not 0.0 < self.top_p <= 1.0:
            raise ValueError(f"top_p must be in (0, 1]: got {self.top_p}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1: got {self.batch_size}")


DEFAULT_CONFIG = ScoringConfig()
# With max_tokens, only a prefix of the text is tokenized: this many characters per token,
# and it must give PREFIX_MARGIN tokens more than needed (else the whole text is tokenized).
PREFIX_CHARS_PER_TOKEN = 12
PREFIX_MARGIN = 16
NUCLEUS_CANDIDATES = 2048  # sorted per row for the nucleus width (wider rows: a full sort)


@dataclass(frozen=True)
class TokenMetrics:
    """One value per scored token; ``tokens`` joined give back the scored text."""

    token_ids: np.ndarray  # int64
    tokens: list[str]  # the text each token covers
    surprisal: np.ndarray  # float32, -ln p(token | left context), nats
    entropy: np.ndarray  # float32, entropy of the predicted distribution, nats
    rank: np.ndarray  # int64, 1 = the model's top choice
    nucleus: np.ndarray  # int64, top tokens needed to reach top_p of the mass
    content: np.ndarray  # bool, token lies on a content word (not stopword, not punctuation)
    punct: np.ndarray  # bool, token is punctuation only (spaces aside)
    meta: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.token_ids)

    def rows(self) -> list[dict]:
        """One JSON-ready dict per token (for the per-token JSONL)."""
        cols = zip(
            self.token_ids.tolist(),
            self.tokens,
            self.surprisal.tolist(),
            self.entropy.tolist(),
            self.rank.tolist(),
            self.nucleus.tolist(),
            self.content.tolist(),
            self.punct.tolist(),
            strict=True,
        )
        keys = ("id", "token", "surprisal", "entropy", "rank", "nucleus", "content", "punct")
        return [{"i": i, **dict(zip(keys, row, strict=True))} for i, row in enumerate(cols)]


def load_scorer(model: str | Path | None = None, backend: Backend = "torch"):
    """``(model, tokenizer)`` for :func:`score_text`, loaded for ``backend`` in fp32.

    ``model``: :data:`SCORING_MODEL` (shipped inside this package), a model folder, or a hub id.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}: got {backend!r}")
    name = model_folder.resolve(model or SCORING_MODEL, {SCORING_MODEL: scoring_model_path()})
    load = model_folder.load_mlx if backend == "mlx" else model_folder.load_torch
    return load(name)


def scoring_model_path() -> Path:
    """The scoring model shipped in the package: the trainer's bundled tiny model, copied."""
    return Path(__file__).resolve().parent / "scoring_model"


def detect_backend(model) -> Backend:
    """``"torch"`` for a ``torch.nn.Module``, else ``"mlx"``."""
    torch = sys.modules.get("torch")
    return "torch" if torch is not None and isinstance(model, torch.nn.Module) else "mlx"


def plan_windows(length: int, window: int, min_context: int) -> list[tuple[int, int]]:
    """``(start, first_target)`` per window over ``length`` input ids, each window ``window``
    long (or the whole input if shorter). Window ``k`` scores targets from ``first_target``
    up to the next window's ``first_target``; the first scores from position 1."""
    if length <= window:
        return [(0, 1)]
    plan, end = [(0, 1)], window
    while end < length:
        start = min(end - min_context, length - window)
        plan.append((start, end))
        end = start + window
    return plan


def check_plain_head(config: object, name: str) -> None:
    """Both backends project hidden states with the output embedding themselves (to skip
    context rows), so a model that rescales its logits after the head would be scored wrong."""
    for field_name in ("final_logit_softcapping", "logit_scale"):
        if getattr(config, field_name, None) not in (None, 1, 1.0):
            raise ValueError(f"{name}: models with {field_name} are not supported")


def nucleus_width(weights: np.ndarray, top_p: float) -> np.ndarray:
    """Per row, the fewest top tokens holding ``top_p`` of the row's mass.

    ``weights`` may be unnormalised (``exp(logits - max)``) and are scratch: reordered and
    overwritten in place, which saves two vocab-wide copies per chunk. An O(vocab) partition
    puts the ``NUCLEUS_CANDIDATES`` largest last and only those are sorted; rows whose nucleus
    is wider than that are sorted in full. Summing in ascending order keeps fp32 rounding small.
    """
    split = max(weights.shape[-1] - NUCLEUS_CANDIDATES, 0)
    if split:
        weights.partition(split, axis=-1)
    rest = weights[:, :split].sum(axis=-1, keepdims=True)
    total = rest[:, 0] + weights[:, split:].sum(axis=-1)
    wide = rest[:, 0] > total * (1.0 - top_p)  # the nucleus reaches into the unsorted part
    wide_rows = weights[wide]  # a copy, taken before the candidates are overwritten
    width = _nucleus_sorted(weights[:, split:], rest, top_p)
    if wide.any():
        width[wide] = _nucleus_sorted(wide_rows, 0.0, top_p)
    return width


def _nucleus_sorted(top: np.ndarray, rest: np.ndarray | float, top_p: float) -> np.ndarray:
    """Width among ``top`` (the rest's mass given); ``top`` is sorted and summed in place."""
    top.sort(axis=-1)
    cumulative = np.cumsum(top, axis=-1, out=top)
    cumulative += rest
    threshold = cumulative[:, -1:] * (1.0 - top_p)
    return np.count_nonzero(cumulative[:, :-1] > threshold, axis=-1) + 1


def metrics_from_logits(
    logits: np.ndarray, targets: np.ndarray, top_p: float, full: bool = True
) -> dict[str, np.ndarray]:
    """Surprisal (and entropy, rank, nucleus width) of ``targets`` under fp32 ``logits``,
    which are overwritten (each backend hands over a fresh block per chunk).

    Shared by both backends, so they differ only by their logits. numpy on purpose: at one
    thread (``benchmarks/horace_analysis.py``'s logits) its SIMD loops ran exp ~4x and
    compare-and-count ~10x faster than torch's CPU kernels, MLX's CPU exp was ~20x slower than
    numpy's, and MLX's CPU reductions sum sequentially in fp32 (3e-5 off over an 8k
    vocabulary). No log-softmax is made: with
    u = logits - max(logits) (in place) and Z = sum(exp(u)), surprisal = log Z - u[target]
    and entropy = log Z - sum(exp(u) * u) / Z, whose terms all have one sign (summing raw
    logits of both signs lost up to 3e-4 nats to fp32 cancellation). Rank counts the logits
    above the target's before they are shifted.
    """
    true = logits[np.arange(len(targets)), targets]
    rank = np.count_nonzero(logits > true[:, None], axis=-1) + 1 if full else None
    top = logits.max(axis=-1, keepdims=True)
    shifted = np.subtract(logits, top, out=logits)
    exp = np.exp(shifted)
    total = exp.sum(axis=-1)
    log_total = np.log(total)
    out = {"surprisal": log_total - (true - top[:, 0])}
    if full:
        out["entropy"] = log_total - np.einsum("ij,ij->i", exp, shifted) / total
        out["rank"] = rank
        out["nucleus"] = nucleus_width(exp, top_p)
    return out


def _char_flags(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Running counts (prefix sums) of characters on content words, of punctuation or
    symbols, and of letters or digits, so that any token span is counted in O(1)."""
    content = np.zeros(len(text), dtype=np.int64)
    for match in _WORD.finditer(text):
        if match.group().lower().replace("’", "'") not in STOPWORDS:
            content[match.start() : match.end()] = 1
    kinds = {c: (_PUNCT.match(c) is not None, _ALNUM.match(c) is not None) for c in set(text)}
    flags = np.array([kinds[c] for c in text], dtype=np.int64).reshape(-1, 2)
    counts = (content, flags[:, 0], flags[:, 1])
    return tuple(np.concatenate([[0], np.cumsum(x)]) for x in counts)


def token_flags(text: str, offsets: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Token texts (contiguous, so they join back to the text), content and punct flags."""
    starts = offsets[:, 0].copy()
    ends = offsets[:, 1]
    if len(starts) > 1:  # byte pieces of one character share its span: give it to the first
        starts[1:] = np.maximum(starts[1:], np.maximum.accumulate(ends)[:-1])
    starts = np.minimum(starts, ends)
    content, punct, alnum = _char_flags(text[: int(ends.max(initial=0))])
    is_content = content[ends] > content[starts]
    is_punct = (punct[ends] > punct[starts]) & (alnum[ends] == alnum[starts])
    tokens = [text[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    return tokens, is_content, is_punct


def encode(text: str, tokenizer, max_tokens: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Token ids and character offsets of ``text``, no special tokens, at most ``max_tokens``."""
    tok = hf_tokenizer(tokenizer)
    if not getattr(tok, "is_fast", False):
        raise TypeError(f"{type(tok).__name__}: a fast tokenizer (with offsets) is required")
    if max_tokens is not None:  # a prefix cut at a space, well past the last token kept
        prefix = text[: PREFIX_CHARS_PER_TOKEN * max_tokens]
        ids, offsets = _encode(tok, prefix[: max(prefix.rfind(" "), 0)])
        if len(ids) > max_tokens + PREFIX_MARGIN:
            return ids[:max_tokens], offsets[:max_tokens]
    ids, offsets = _encode(tok, text)
    return ids[:max_tokens], offsets[:max_tokens]


def _encode(tok, text: str) -> tuple[np.ndarray, np.ndarray]:
    enc = tok(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    ids = np.asarray(enc["input_ids"], dtype=np.int64)
    return ids, np.asarray(enc["offset_mapping"], dtype=np.int64).reshape(-1, 2)


def _windows(inputs: np.ndarray, cfg: ScoringConfig) -> tuple[np.ndarray, np.ndarray]:
    """Window token ids ``[n, width]`` and, per window, the row of its first scored logit."""
    plan = plan_windows(len(inputs), cfg.window, cfg.min_context)
    width = min(len(inputs), cfg.window)
    stack = np.stack([inputs[start : start + width] for start, _ in plan])
    first_rows = np.asarray([target - 1 - start for start, target in plan], dtype=np.int64)
    return stack, first_rows


def score_ids(
    inputs: np.ndarray,
    model,
    backend: Backend,
    cfg: ScoringConfig = DEFAULT_CONFIG,
    full: bool = True,
) -> dict[str, np.ndarray]:
    """Metrics for ``inputs[1:]`` given everything before; ``full=False``: surprisal only."""
    return score_batch([inputs], model, backend, cfg, full)[0]


def score_batch(
    texts: Sequence[np.ndarray],
    model,
    backend: Backend,
    cfg: ScoringConfig = DEFAULT_CONFIG,
    full: bool = True,
) -> list[dict[str, np.ndarray]]:
    """:func:`score_ids` for several texts at once: windows of equal length, from one text or
    from several, share forward passes (``cfg.batch_size`` at a time, no padding), so texts of
    one window each batch too (at two busy threads, 8 one-window texts ran 1.8x faster than one
    by one). Each text's values are those it gets alone, up to fp32 rounding."""
    score_windows = _window_scorer(backend)
    groups: dict[int, list[tuple[int, np.ndarray, int]]] = {}  # width -> (text, window, first)
    for index, ids in enumerate(texts):
        if len(ids) >= 2:
            stack, first_rows = _windows(ids, cfg)
            group = groups.setdefault(stack.shape[1], [])
            group += [(index, w, f) for w, f in zip(stack, first_rows.tolist(), strict=True)]
    pieces: list[list[dict[str, np.ndarray]]] = [[] for _ in texts]
    for width, group in groups.items():
        for i in range(0, len(group), cfg.batch_size):
            batch = group[i : i + cfg.batch_size]
            first_rows = np.asarray([first for _, _, first in batch], dtype=np.int64)
            values = score_windows(model, np.stack([w for _, w, _ in batch]), first_rows, cfg, full)
            cuts = np.cumsum(width - 1 - first_rows)[:-1]  # each window's targets, in order
            split = {key: np.split(value, cuts) for key, value in values.items()}
            for k, (index, _, _) in enumerate(batch):
                pieces[index].append({key: parts[k] for key, parts in split.items()})
    return [_joined(parts, full) for parts in pieces]


def _window_scorer(backend: Backend):
    """The backend's ``score_windows`` (imported late: each backend needs its framework)."""
    if backend == "torch":
        from rlnvr_horace.token_metrics_torch import score_windows
    elif backend == "mlx":
        from rlnvr_horace.token_metrics_mlx import score_windows
    else:
        raise ValueError(f"backend must be one of {BACKENDS}: got {backend!r}")
    return score_windows


def _joined(parts: list[dict[str, np.ndarray]], full: bool) -> dict[str, np.ndarray]:
    """One text's values from its windows' (in order); empty arrays for a text of < 2 ids."""
    if parts:
        return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    empty = {"surprisal": np.zeros(0, np.float32)}
    if full:
        empty |= {"entropy": np.zeros(0, np.float32)}
        empty |= {"rank": np.zeros(0, np.int64), "nucleus": np.zeros(0, np.int64)}
    return empty


def score_text(
    text: str,
    model,
    tokenizer,
    backend: Backend | None = None,
    cfg: ScoringConfig = DEFAULT_CONFIG,
    max_tokens: int | None = None,
) -> TokenMetrics:
    """Score every token of ``text`` (the first ``max_tokens`` if given) under ``model``."""
    backend = backend or detect_backend(model)
    ids, offsets = encode(text, tokenizer, max_tokens)
    start = start_token_id(tokenizer)
    if start is None:  # nothing to condition the first token on: it stays unscored
        inputs, ids, offsets = ids, ids[1:], offsets[1:]
    else:
        inputs = np.concatenate([[start], ids])
    values = score_ids(inputs, model, backend, cfg)
    tokens, content, punct = token_flags(text, offsets)
    return TokenMetrics(
        token_ids=ids,
        tokens=tokens,
        content=content,
        punct=punct,
        meta={"backend": backend, "start_token": start, **cfg.__dict__},
        **values,
    )
