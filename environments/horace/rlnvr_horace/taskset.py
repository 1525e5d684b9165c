"""Horace taskset: continue an opening line in the style of its author.

A task is a target author and the first sentence of one of their paragraphs
(``data/tasks.jsonl``, built by ``rlnvr_horace.build`` from rlnvr's literature
sample). The prompt asks for a continuation in that author's style; the reward compares the
continuation's style markers (Cosine Delta over character trigrams) with the author's and
reads it with a small causal language model (``scoring_model``, default the bundled
rlnvr-tiny) to compare its cadence (how surprisal, entropy and rank move token by token:
``rlnvr_horace.cadence``) with the author's own prose, scored by the same model (both
unwrapped to one line per paragraph, see :func:`unwrap`):

* ``signature`` (0.05): closeness to the author's cadence signature (per-feature mean and
  spread over 150-word chunks of their sample, ``rlnvr_horace.signatures``), as the share of
  the author's own chunks *of the text's length* that lie further from it
  (``rlnvr_horace.calibration``; calibrated at 80, 150 and 300 words, interpolated, the
  shortest below). Continuous: a text as close as the author's median chunk gets 0.5. Capped
  at 1 from that median (until 2026-12-02), and calibrated down to 40 words, where the median
  is loose, it paid text near every author's average as if it were each of them (a fixed
  bland paragraph got full closeness for most authors). Calibrated at one length it
  paid for length itself (``experiments/horace_length_control.py``);
* ``margin`` (0: shown, not paid, unless weighted): the text's median distance to the other
  authors' signatures minus its distance to the target's, paid only beyond the margin that
  other authors' chunks of that length have toward the target (0 up to their median), in full
  at the margin 70% of the author's own chunks reach, not beyond it: a caricature is no more skill
  (``rlnvr_horace.calibration``); times the closeness above (being a little less far from the
  author than from the rest is no nearness): text equally near every author earns nothing, and
  so does text near the centre of the corpus for an author who sits there;
* ``delta`` (0.95): the same margin in style markers: Cosine Delta over the corpus' 2000
  most frequent character trigrams (``rlnvr_horace.burrows_delta``: function words,
  inflections and punctuation habits; each z capped at 2 so that one rare trigram cannot
  decide a short text), the mean Delta to the 5 nearest other authors' centroids minus
  Delta to the target's, scored against other authors' chunks of the text's length as the
  cadence margin is, and in full at the margin 95% of the author's own chunks reach (above 0
  this margin already names the author, and how far above is mostly chance at this length,
  so only a short slope is left: ``rlnvr_horace.burrows_delta.DELTA_OWN_FULL``). Over the
  nearest few, not the median other author: a neighbour's pastiche (Fitzgerald for Emily
  Brontë) was nearer the target than the median author and was paid in full on its task.
  Cadence under the bundled scoring model barely tells authors apart (another author's
  honest imitation beat the task's own on 9 of 10 tasks in the red team's fast search);
  these markers do (a hand-written imitation names its target among 16 authors first in
  most cases);
* ``classifier`` (0: shown, not paid, unless weighted): the probability that a logistic
  regression over the cadence features gives the target author
  (``rlnvr_horace.style_classifier``, numpy only).

Why style markers weigh 0.95 and cadence 0.05, as a tie-breaker: a component is weighted by
what it knows about the author against what a search can buy from it. Under rlnvr-tiny the
cadence terms barely rank an author's own chunks above other authors', and rank the target
of a hand-written imitation no better than mid-field, where Delta ranks it near the top; yet
the red team's searches bought most of their gains from them (the cadence margin and the
classifier's probability rise far beyond the author's own prose when an honest text is
garbled). Weighted 0.5 together, then 0.3, they handed the searches the reward (the numbers
are in the README). At 0.05 the cadence closeness orders texts whose style markers are alike
and cannot outweigh a difference in them. A scoring model that reads cadence more
sharply earns the cadence terms their weight back (``[env.taskset.task.rewards]``); the
margin and the classifier are still computed and shown in ``trace.rewards``.

Weights are overridable with ``[env.taskset.task.rewards] signature = {weight = ...}``.

Every component is multiplied by one guard, the product of five factors in [0, 1], so a
text that games one component cannot keep another (the Varro design; each factor is also
recorded as a metric, and ``guards`` switches them off one by one for an ablation):

The first three factors need no scoring model and are checked first: when they already make
the guard 0 the scoring model never reads the text (a reply of 100,000 characters took it
a minute, to be paid 0; measured in rlnvr's ``docs/horace.md``), and the metrics that need
it report fixed values.

* ``length``: fewer than ``min_words`` words ramps down to 0 at 0 words; more than
  ``max_words`` ramps down to 0 at ``hard_max_words`` (longer text averages towards any
  author's mean, which would otherwise pay);
* ``copying``: the share of the text's word 6-grams found in the literature sample
  (``rlnvr_horace.ngram_overlap``; every author's text, not only the target's) ramps the
  factor from 1 at ``copy_start`` to 0 at ``copy_full``: the author's own prose is the easiest
  way to match their signature, so a pasted passage must not pay;
* ``repetition``: ``rlnvr_horace._vendor.hacks.repetition`` (0 on 99.9% of literature chunks);
* ``surprisal_range``: the text's mean surprisal more than ``surprisal_margin`` nats outside
  the 5th-95th percentile range of the author's chunks ramps to 0 over ``surprisal_width``
  nats (word salad and degenerate text read far outside any author);
* ``typicality``: the distance to the nearest author's signature (any author) beyond
  ``typical_distance`` ramps to 0 at ``atypical_distance``: the classifier is linear and
  extrapolates to confidence on text unlike any chunk it was fitted on (Poe's passage with
  every sixth word swapped gets p(Poe) = 0.78), so it is trusted only on corpus-like prose.

Scoring knobs live on the task config (``HoraceTaskConfig``, ``[env.taskset.task]``), not on
the taskset config: a served worker rebuilds each task from its data and
``config.taskset.task`` without calling ``load()``, so that is the only config a reward sees.
The scoring model must be the one the packaged signatures and classifier were built with
(recorded in their meta): any other raises when the config is made.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import as_file, files
from pathlib import Path
from typing import Literal, get_args

import numpy as np
import verifiers.v1 as vf
from pydantic import Field, model_validator

from rlnvr_horace._vendor import hacks
from rlnvr_horace._vendor.length import word_count
from rlnvr_horace._vendor.packaged import read_jsonl, read_rows
from rlnvr_horace._vendor.text import canonical
from rlnvr_horace.burrows_delta import DeltaModel
from rlnvr_horace.cadence import FEATURE_NAMES, cadence_features
from rlnvr_horace.calibration import closeness, margin_score
from rlnvr_horace.ngram_overlap import copy_share, load_indexes, merge
from rlnvr_horace.schedule import CadenceSchedule, schedule_for
from rlnvr_horace.signatures import Signature, load_signatures, signature_distance
from rlnvr_horace.style_classifier import StyleClassifier, load_classifier

PACKAGE = "rlnvr_horace"
PROMPT = "Continue this passage in the style of {author}:\n{opening}"
Guard = Literal["length", "copying", "repetition", "surprisal_range", "typicality"]
GUARDS: tuple[Guard, ...] = get_args(Guard)
CHEAP_GUARDS: tuple[Guard, ...] = GUARDS[:3]  # no scoring model: checked first
UNREAD_DISTANCE = 10.0  # the distance metrics of text the scoring model does not read: the cap
_TERMINAL = tuple(".!?\"'\u201d\u2019")  # a line ending one of these may end a paragraph
_THINK = re.compile(r"^\s*<think>.*?</think>\s*", re.DOTALL)


# --- packaged data and the scoring model: loaded once per process ------------------------


@dataclass(frozen=True)
class StyleData:
    """Everything the reward compares with, as built by ``rlnvr_horace.build``."""

    signatures: dict[str, Signature]
    classifier: StyleClassifier
    ngrams: np.ndarray  # sorted 6-gram hashes of the whole literature sample
    delta: DeltaModel  # Cosine Delta over character trigrams: style markers

    @property
    def meta(self) -> dict:
        return self.classifier.meta


@lru_cache(maxsize=4)
def style_data(data_dir: str | None = None) -> StyleData:
    """The packaged data (``data_dir`` None) or the data built from a user's corpus."""
    data = files(PACKAGE).joinpath("data") if data_dir is None else Path(data_dir)
    with as_file(data.joinpath("signatures.json")) as path:
        signatures = load_signatures(path)
    with as_file(data.joinpath("classifier.json")) as path:
        classifier = load_classifier(path)
    with data.joinpath("ngrams.npz").open("rb") as handle:
        ngrams = merge(load_indexes(handle).values())
    delta = DeltaModel.from_json(json.loads(data.joinpath("delta.json").read_text("utf-8")))
    return StyleData(signatures, classifier, ngrams, delta)


def store_data(store: str, model: str, backend: str) -> str:
    """The reward's data built from a corpus folder, in ``<store>.horace/`` beside it: built
    once (the corpus scored by the scoring model: minutes on a CPU), rebuilt when a file of
    the corpus changes. Needs the ``cli`` extra (scikit-learn fits the classifier)."""
    from rlnvr_horace.build import BuildSettings, build_data, corpus_digest

    source = Path(store)
    if not source.exists():
        raise ValueError(f"env.taskset.store: {source} does not exist (a folder of .txt files)")
    out = source.with_name(source.name + ".horace")
    digest = corpus_digest(source, model, backend)
    stamp = out / "corpus.sha256"
    if not stamp.exists() or stamp.read_text() != digest:
        cache = out / "features.jsonl"
        build_data(source, out, BuildSettings(model=model, backend=backend, cache=cache))
        stamp.write_text(digest)
    return str(out)


def honest_rows(path: Path) -> dict[str, str]:
    """Task id -> completion from a JSONL file; a bad record (counted without blank lines)
    names the file, the record and the field."""
    where = f"env.taskset.honest: {path}"
    if not path.is_file():
        raise ValueError(f"{where} is not a file (a JSONL file of id and completion)")
    honest: dict[str, str] = {}
    for number, row in enumerate(read_rows(path), 1):
        if not isinstance(row, dict):
            raise ValueError(f"{where}: record {number} is not a JSON object")
        for field in ("id", "completion"):
            if not isinstance(row.get(field), str):
                raise ValueError(f"{where}: record {number} needs a string field {field!r}")
        if row["id"] in honest:
            raise ValueError(f"{where}: record {number} repeats id {row['id']!r}")
        honest[row["id"]] = row["completion"]
    if not honest:
        raise ValueError(f"{where} holds no records")
    return honest


def check_scoring_model(model: str, backend: str, data_dir: str | None = None) -> None:
    """Raise unless the signatures were built with ``model`` and with the cadence features
    this package computes (their names and scoring settings, hashed in a tag)."""
    from rlnvr_horace.chunk_features import cadence_extractor

    meta = style_data(data_dir).meta
    rebuild = "rebuild the package data with `python -m rlnvr_horace.build --model"
    if model != meta["model"]:
        raise ValueError(
            f"scoring_model {model!r}: rlnvr-horace's signatures and classifier were built "
            f"with {meta['model']!r}, and cadence numbers from two models are not comparable. "
            f"Use scoring_model = {meta['model']!r}, or {rebuild} {model}` (rlnvr repository)."
        )
    tag, _ = cadence_extractor(model, backend)
    if tag != meta["extractor"]:
        raise ValueError(
            f"rlnvr-horace's package data holds cadence features {meta['extractor']}, this "
            f"rlnvr computes {tag} (features or scoring settings changed): {rebuild} {model}`."
        )


@lru_cache(maxsize=2)
def scorer(model: str, backend: str):
    """``(model, tokenizer)``, loaded once per process and backend."""
    from rlnvr_horace.token_metrics import load_scorer

    return load_scorer(model, backend)


def paragraphs(text: str) -> list[str]:
    """Paragraphs of a text that may be hard-wrapped without blank lines between paragraphs,
    whitespace inside each collapsed to single spaces.

    A paragraph ends at a blank line, or at a line that ends a sentence and is clearly
    shorter than the text's wrap width (its 90th-percentile line length); in text that is
    not hard-wrapped (long lines) every line is a paragraph.
    """
    lines = text.split("\n")
    lengths = sorted(len(line.rstrip()) for line in lines if line.strip())
    wrap = lengths[int(0.9 * (len(lengths) - 1))] if lengths else 0
    short = wrap - 10 if wrap <= 80 else float("inf")
    out, current = [], []
    for line in lines:
        line = line.rstrip()
        current.extend(line.split())
        ends = not line or (line.endswith(_TERMINAL) and len(line) < short)
        if current and ends:
            out.append(" ".join(current))
            current = []
    if current:
        out.append(" ".join(current))
    return out


def unwrap(text: str) -> str:
    """``text`` as the reward reads it: one line per paragraph.

    Project Gutenberg texts are hard-wrapped at ~70 columns, a transcriber's layout, not the
    author's; scored as they are, every signature would learn the surprise of a newline in
    mid-sentence, which no model's reply has. The packaged chunks were unwrapped the same
    way (and rlnvr-tiny was pretrained on paragraphs one per line).
    """
    return "\n".join(paragraphs(text))


@lru_cache(maxsize=4096)
def cadence_of(text: str, model: str, backend: str) -> dict[str, float]:
    """Cadence features of ``text`` as the packaged chunks were scored (unwrapped, whole, from
    a document start); cached, so every reward and metric of a trace scores it once."""
    from rlnvr_horace.token_metrics import score_text

    if not text.strip():
        return dict.fromkeys(FEATURE_NAMES, 0.0)
    net, tokenizer = scorer(model, backend)
    return cadence_features(score_text(unwrap(text), net, tokenizer, backend))


def ramp(x: float, start: float, full: float) -> float:
    """A guard factor: 1 up to ``start``, 0 from ``full``, linear between."""
    return 1.0 - hacks.ramp(x, start, full)


def length_factor(words: int, cfg: HoraceTaskConfig) -> float:
    """0 for no words, rising to 1 at ``min_words``; falling from ``max_words`` to 0 at
    ``hard_max_words``."""
    return min(words / cfg.min_words, ramp(words, cfg.max_words, cfg.hard_max_words))


# --- config and task data -------------------------------------------------------------


class HoraceTaskConfig(vf.TaskConfig):
    """Scoring knobs, under ``[env.taskset.task]``."""

    scoring_model: str = "rlnvr-tiny"
    """Model the text is read with: must be the one the package data was built with."""
    scoring_backend: Literal["torch", "mlx"] = "torch"
    """Backend of the scoring model (same numbers within 1e-4; torch is faster on CPU)."""
    guards: list[Guard] = list(GUARDS)
    """Guard factors multiplied into both components (drop one for an ablation)."""
    min_words: int = Field(80, ge=1)
    """Below this the length factor ramps down linearly to 0 at 0 words (and closeness is
    judged as at the shortest calibrated length, 80 words: the features of 40 words are
    mostly noise, near enough to every author's to be paid as any of them)."""
    max_words: int = Field(300, ge=1)
    """Above this the length factor ramps down linearly ..."""
    hard_max_words: int = Field(600, ge=2)
    """... to 0 here."""
    copy_start: float = Field(0.1, ge=0, le=1)
    """Share of 6-grams found in the literature sample at which the copying factor starts
    to fall (echoing a 20-word opening inside a 150-word continuation stays under it)."""
    copy_full: float = Field(0.4, ge=0, le=1)
    """... and where it reaches 0."""
    surprisal_margin: float = Field(0.5, ge=0)
    """Nats beyond the author's 5th-95th percentile range of chunk mean surprisal that are
    still free."""
    surprisal_width: float = Field(1.0, gt=0)
    """Nats over which the surprisal_range factor then falls from 1 to 0."""
    typical_distance: float = Field(1.2, gt=0)
    """Distance to the nearest author's signature up to which text counts as prose of the
    corpus's kind (99% of the packaged chunks are within 1.2) ..."""
    atypical_distance: float = Field(1.6, gt=0)
    """... and from which the typicality factor is 0."""
    data_dir: str | None = None
    """Signatures, classifier and n-grams: None for the packaged ones; the taskset sets it to
    the data built from ``store``."""

    @model_validator(mode="after")
    def _check(self) -> HoraceTaskConfig:
        check_scoring_model(self.scoring_model, self.scoring_backend, self.data_dir)
        if self.hard_max_words <= self.max_words or self.copy_full <= self.copy_start:
            raise ValueError("need max_words < hard_max_words and copy_start < copy_full")
        if self.atypical_distance <= self.typical_distance:
            raise ValueError("need typical_distance < atypical_distance")
        return self


class HoraceConfig(vf.TasksetConfig):
    """Load-time knobs, under ``[env.taskset]``; scoring knobs are under ``task``."""

    store: str | None = None
    """A corpus folder (``Author_Title.txt``, ``author-title.txt``, ``author/title.txt`` or a
    ``manifest.csv``): its authors become the targets, their openings the tasks, as the
    packaged sample was built (cached in ``<store>.horace/``). Default: the packaged sample."""
    authors: list[str] = []
    """Keep only these authors' tasks (all when empty); names as in the README."""
    honest: str | None = None
    """A JSONL file of hand-written continuations, ``{"id": task id, "completion": text}`` per
    line, for ``rlnvr redteam`` instead of the packaged ones: references for a corpus
    ``store``, or fresh ones to check the reward on texts it was not tuned on."""
    task: HoraceTaskConfig = Field(default_factory=HoraceTaskConfig)


class HoraceData(vf.TaskData):
    author: str
    """The target author (a key of the packaged signatures)."""
    opening: str
    """The opening sentence shown in the prompt, the author's own."""
    source: str = ""
    """The document the opening comes from (``form/title``)."""


def reply_text(trace: vf.Trace) -> str:
    """The continuation the model wrote, in the one canonical form every check reads
    (``canonical``: NFKC, invisible and stray characters removed): the last reply, a leading
    <think> block dropped."""
    return _THINK.sub("", canonical(trace.last_reply)).strip()


# --- the task ---------------------------------------------------------------------------


class HoraceTask(vf.Task[HoraceData, vf.State, HoraceTaskConfig]):
    @property
    def key(self) -> str:
        """The task's id, so held-out splits survive changes to its data."""
        return self.data.id

    def style(self) -> StyleData:
        return style_data(self.config.data_dir)

    def references(self) -> list[str]:
        """The opening the prompt shows, the author's own sentence. The copy guard also
        compares with the whole literature sample, held only as hashed 6-grams: too large to
        list per task."""
        return [self.data.opening]

    def features_of(self, text: str) -> dict[str, float]:
        return cadence_of(text, self.config.scoring_model, self.config.scoring_backend)

    def author_signature(self) -> Signature:
        return self.style().signatures[self.data.author]

    def distance_of(self, text: str) -> float:
        return signature_distance(self.features_of(text), self.author_signature())

    def nearest_distance_of(self, text: str) -> float:
        """Distance to the closest signature of any author: how unlike all of them it reads."""
        features = self.features_of(text)
        return min(signature_distance(features, s) for s in self.style().signatures.values())

    def margin_of(self, text: str) -> float:
        """Median distance to the other authors' signatures minus the distance to the
        target's: > 0 when the text is nearer the target than to the typical other author."""
        features, author = self.features_of(text), self.data.author
        others = [signature_distance(features, s) for a, s in self.style().signatures.items()
                  if a != author]  # fmt: skip
        return float(np.median(others)) - signature_distance(features, self.author_signature())

    def delta_margin_of(self, text: str) -> float:
        """Mean Delta to the nearest other authors minus Delta to the target (style markers)."""
        return self.style().delta.margin(text, self.data.author)

    def p_author_of(self, text: str) -> float:
        return self.style().classifier.proba(self.features_of(text))[self.data.author]

    def cheap_guard_of(self, text: str) -> float:
        """Product of the enabled guard factors that need no scoring model (length, copying,
        repetition): when it is 0 the scoring model never reads the text."""
        cfg = self.config
        factors = {
            "length": lambda t: length_factor(word_count(t), cfg),
            "copying": lambda t: ramp(
                copy_share(t, self.style().ngrams), cfg.copy_start, cfg.copy_full
            ),
            "repetition": lambda t: 1.0 - hacks.repetition(t),
        }
        g = 1.0
        for name in CHEAP_GUARDS:
            if name in cfg.guards and g > 0:
                g *= factors[name](text)
        return g

    def guard_of(self, text: str) -> float:
        """Product of the enabled guard factors, the model-free ones first (a 0 skips the
        scoring model)."""
        g = self.cheap_guard_of(text)
        if g > 0 and "surprisal_range" in self.config.guards:
            g *= self.surprisal_factor_of(text)
        if g > 0 and "typicality" in self.config.guards:
            cfg = self.config
            g *= ramp(self.nearest_distance_of(text), cfg.typical_distance, cfg.atypical_distance)
        return g

    def surprisal_factor_of(self, text: str) -> float:
        """1 while the text's mean surprisal is within the author's chunk range plus margin."""
        q = self.author_signature().features["surprisal_mean"].quantiles
        x = self.features_of(text)["surprisal_mean"]
        outside = max(q["0.05"] - x, x - q["0.95"], 0.0)
        margin = self.config.surprisal_margin
        return ramp(outside, margin, margin + self.config.surprisal_width)

    def calibration(self) -> dict:
        return self.author_signature().meta["calibration"]

    def read(self, text: str) -> bool:
        """Whether the scoring model reads ``text`` at all: not when a model-free guard is
        already 0 (a 100,000-character reply would take minutes and be paid nothing)."""
        return self.cheap_guard_of(text) > 0

    # rewards (each visible in trace.rewards; TOML overrides the weights)

    @vf.reward(weight=0.05)
    async def signature(self, trace: vf.Trace) -> float:
        """Closeness to the author's cadence signature, as the share of their own chunks of the
        text's length that lie further from it; guarded."""
        text = reply_text(trace)
        g = self.guard_of(text)
        if g == 0:
            return 0.0
        return g * closeness(self.distance_of(text), word_count(text), self.calibration())

    @vf.reward(weight=0.0)
    async def margin(self, trace: vf.Trace) -> float:
        """How much nearer the target author the text is than to the typical other author,
        beyond what other authors' prose of its length manages, times its closeness (a text
        far from every author, the author included, is not near them by being a little less
        far from them than from the rest); guarded. Text near every author's average earns
        about 0."""
        text = reply_text(trace)
        g = self.guard_of(text)
        if g == 0:
            return 0.0
        words, calibration = word_count(text), self.calibration()
        near = closeness(self.distance_of(text), words, calibration)
        return g * near * margin_score(self.margin_of(text), words, calibration)

    @vf.reward(weight=0.95)
    async def delta(self, trace: vf.Trace) -> float:
        """How much nearer the target author's style markers (Cosine Delta over character
        trigrams) the text is than its nearest other authors', beyond what other authors'
        prose of its length manages: 0 up to their median, 1 where most of the author's own
        prose is; guarded."""
        text = reply_text(trace)
        g = self.guard_of(text)
        if g == 0:
            return 0.0
        return g * self.style().delta.pay(text, self.data.author)

    @vf.reward(weight=0.0)
    async def classifier(self, trace: vf.Trace) -> float:
        """The classifier's probability of the target author, guarded."""
        text = reply_text(trace)
        g = self.guard_of(text)
        return g * self.p_author_of(text) if g > 0 else 0.0

    # metrics (recorded, not summed); those that need the scoring model report a fixed
    # value (the distance cap, probability 0) for text it does not read

    @vf.metric
    async def words(self, trace: vf.Trace) -> float:
        return float(word_count(reply_text(trace)))

    @vf.metric
    async def signature_distance(self, trace: vf.Trace) -> float:
        """Mean capped |z| of the text's cadence features under the author's signature."""
        text = reply_text(trace)
        return self.distance_of(text) if self.read(text) else UNREAD_DISTANCE

    @vf.metric
    async def nearest_distance(self, trace: vf.Trace) -> float:
        """Distance to the closest signature of any of the authors."""
        text = reply_text(trace)
        return self.nearest_distance_of(text) if self.read(text) else UNREAD_DISTANCE

    @vf.metric
    async def signature_margin(self, trace: vf.Trace) -> float:
        """Median distance to the other authors minus distance to the author (unguarded)."""
        text = reply_text(trace)
        return self.margin_of(text) if self.read(text) else 0.0

    @vf.metric
    async def delta_margin(self, trace: vf.Trace) -> float:
        """Mean Delta to the nearest other authors minus Delta to the author (unguarded)."""
        return self.delta_margin_of(reply_text(trace))

    @vf.metric
    async def p_author(self, trace: vf.Trace) -> float:
        """The classifier's probability of the target author (unguarded)."""
        text = reply_text(trace)
        return self.p_author_of(text) if self.read(text) else 0.0

    @vf.metric
    async def copy_share(self, trace: vf.Trace) -> float:
        """Share of the text's word 6-grams found in the literature sample."""
        return copy_share(reply_text(trace), self.style().ngrams)

    @vf.metric
    async def surprisal_mean(self, trace: vf.Trace) -> float:
        """Mean surprisal (nats per token) of the text under the scoring model."""
        text = reply_text(trace)
        return self.features_of(text)["surprisal_mean"] if self.read(text) else 0.0

    @vf.metric
    async def repetition(self, trace: vf.Trace) -> float:
        return hacks.repetition(reply_text(trace))

    @vf.metric
    async def guard(self, trace: vf.Trace) -> float:
        """The factor every component was multiplied by."""
        return self.guard_of(reply_text(trace))


# --- the taskset ------------------------------------------------------------------------


class HoraceTaskset(vf.Taskset[HoraceTask, HoraceConfig]):
    """One task per (author, opening line): the packaged sample, or a corpus ``store``."""

    def task_config(self) -> HoraceTaskConfig:
        """The tasks' config, pointed at the data built from ``store`` when one is set."""
        cfg = self.config
        if cfg.store is None:
            return cfg.task
        data_dir = store_data(cfg.store, cfg.task.scoring_model, cfg.task.scoring_backend)
        return cfg.task.model_copy(update={"data_dir": data_dir})

    def style(self) -> StyleData:
        return style_data(self.task_config().data_dir)

    def honest_completions(self) -> dict[str, str]:
        """Task id -> a continuation written by hand from the prompt alone, in the author's
        style (``data/honest.jsonl``; held-out tasks): what the reward must rank above every
        attack (``rlnvr redteam``). The ``honest`` file's instead when set; none for a corpus
        ``store`` without one: its tasks are its own."""
        if self.config.honest is not None:
            return honest_rows(Path(self.config.honest))
        if self.config.store is not None:
            return {}
        return {row["id"]: row["completion"] for row in read_jsonl(PACKAGE, "data/honest.jsonl")}

    def load(self) -> Iterator[HoraceTask]:
        task_config = self.task_config()
        known = set(style_data(task_config.data_dir).signatures)
        unknown = sorted(set(self.config.authors) - known)
        if unknown:
            raise ValueError(f"unknown authors {unknown}; known: {sorted(known)}")
        if task_config.data_dir is None:
            rows = read_jsonl(PACKAGE, "data/tasks.jsonl")
        else:
            rows = read_rows(Path(task_config.data_dir) / "tasks.jsonl")
        for row in rows:
            if self.config.authors and row["author"] not in self.config.authors:
                continue
            data = HoraceData(
                id=row["id"],
                prompt=PROMPT.format(author=row["author"], opening=row["opening"]),
                author=row["author"],
                opening=row["opening"],
                source=row["source"],
            )
            yield HoraceTask(data, task_config)

    # -- phase schedules (rlnvr sample) -----------------------------------------------------

    def schedule_names(self) -> list[str]:
        """The authors with a signature: each names a cadence schedule."""
        return sorted(self.style().signatures)

    def phase_schedule(
        self, name: str, jitter: bool = True, temperature: float = 1.0
    ) -> CadenceSchedule:
        """Base, spike and cooldown phases paced by ``name``'s signature (rlnvr_horace.schedule)."""
        return schedule_for(self.style().signatures[name], temperature, jitter=jitter)
