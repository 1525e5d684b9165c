"""Walter taskset: write a Bluesky post about a linked article, rewarded by real engagement.

A task is one article (canonical URL, title, description) that real people posted about on
Bluesky. The reward is RLNVR (``rlnvr_walter.engagement``): how closely the written post
resembles the historical posts about that URL that did better than its base rate (its
typical post), in [0, 1]; single-post URLs also use similar posts about other articles,
which set their base rate. Each hack the similarity reward invites has its own negatively
weighted penalty in [0, 1] (``rlnvr_walter._vendor.hacks``), so ``trace.rewards`` shows which
one a policy tried and a TOML file can re-weigh or switch off any of them:

    [env.taskset.task.rewards]
    engagement = { weight = 1.0 }
    near_copy = { weight = -1.0 }
    hashtag_spam = { weight = 0.0 }    # ablation: no hashtag penalty

Total = engagement - near_copy - over_length - 0.5 x (prompt_echo + hashtag_spam +
link_dump + repetition + keyword_stuffing + emoji_spam). Closeness to a post is full where a
post about the article gets (``reach``), so writing toward a good post's own words earns no more
than writing about the article, and at cosine ``sim_high`` at the latest. There is no band
of similarity that is paid as a post and not yet penalised as a copy: past ``sim_high``
closeness falls back to 0 at ``sim_copy``, and ``near_copy``'s embedding ramp starts there,
so a paraphrase of the best post earns less than a post of one's own. Similarity is measured
on the reply's own words (runs of seven words lifted from a reference or from the article
are left out), so a sentence spliced from the best post or a pasted headline earns nothing
by itself; and engagement is scaled by how much the post is about this article (its cosine
to the title and description), so a well-liked post about another article (a transfer
neighbour) is not paid on this one, by how much of the reply is in a script the embedder
reads (an English model places any Japanese text near any other, so Japanese nonsense was
paid on a Japanese article), and by whether it reads as written rather than as word salad
(``_vendor.fluency``: the red team's hill climb walked replies into the paid band with the
right words in an order nobody writes). Every detector and the embedder see the reply, the
references and the prompt in one form (``text.canonical``): invisible characters cannot hide
a copy. An empty reply is 0.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import numpy as np
import regex
import verifiers.v1 as vf
from pydantic import BaseModel, ConfigDict, model_validator

from rlnvr_walter._vendor import hacks
from rlnvr_walter._vendor import text as units
from rlnvr_walter._vendor.embeddings import DEFAULT_MODEL, Embedder, shared_embedder
from rlnvr_walter._vendor.fluency import FluencyJudge
from rlnvr_walter._vendor.packaged import read_rows
from rlnvr_walter.engagement import (
    ARTICLE_REACH,
    ReachMode,
    TransferMode,
    engagement_reward,
    engagement_values,
)

PACKAGE = "rlnvr_walter"
MAX_GRAPHEMES = hacks.BLUESKY_LIMIT
SHIPPED_TRANSFER_K = 8  # neighbours stored per single-post URL in data/tasks.jsonl
INSTRUCTION = (
    "Write a Bluesky post about this article, at most {limit} characters. "
    "The link is attached as a card, so do not paste it. Reply with the post text only."
)
PROMPT = "{instruction}\n\nTitle: {title}\n{description}"
_THINK = re.compile(r"^\s*<think>.*?</think>\s*", re.DOTALL)


# --- shared resources: one embedder per model name, the transfer pool, the data meta -----


def _data_file(data_dir: str | None, name: str):
    """A data file: packaged (``data_dir`` None) or built from a user's store."""
    from importlib.resources import files

    return files(PACKAGE).joinpath("data", name) if data_dir is None else Path(data_dir) / name


@lru_cache(maxsize=4)
def load_meta(data_dir: str | None = None) -> dict:
    return json.loads(_data_file(data_dir, "meta.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def load_pool(data_dir: str | None = None) -> tuple[dict, ...]:
    """The transfer pool (posts on other URLs that single-post tasks point at by index)."""
    return tuple(read_rows(_data_file(data_dir, "pool.jsonl")))


@lru_cache(maxsize=1)
def load_judge() -> FluencyJudge:
    """The packaged salad judge (``data/fluency.json``, fitted by ``build --judge-only`` on the
    packaged posts); it judges the writing, so a post store of one's own uses it too."""
    return FluencyJudge.load(_data_file(None, "fluency.json"))


def load_rows(data_dir: str | None = None) -> list[dict]:
    return read_rows(_data_file(data_dir, "tasks.jsonl"))


def store_data(store: str) -> str:
    """The task data built from a post store, in ``<store>.walter/`` beside it: rebuilt (posts
    embedded, neighbours found) only when the store's content changes."""
    from rlnvr_walter.build import store_digest, write_data
    from rlnvr_walter.post_store import read_posts
    from rlnvr_walter.posts import IngestSummary

    source = Path(store)
    if not source.exists():
        raise ValueError(f"env.taskset.store: {source} does not exist (rlnvr walter ingest)")
    out = source.with_name(source.name + ".walter")
    digest = store_digest(source)
    meta = out / "meta.json"
    if not meta.exists() or json.loads(meta.read_text()).get("store_digest") != digest:
        posts = read_posts(source)
        summary = IngestSummary(files=1, records=len(posts), posts=len(posts), unique=len(posts))
        write_data(posts, summary, out, extra_meta={"store_digest": digest})
    return str(out)


# --- config and task data ---------------------------------------------------------------


class WalterConfig(vf.TasksetConfig):
    store: str | None = None
    """A post store (``rlnvr walter ingest`` writes one): tasks are built from its posts, as
    the packaged ones were from the samples (cached in ``<store>.walter/``). Default: the
    packaged sample."""
    min_posts: int = 1
    """Only URLs with at least this many historical posts become tasks (2 keeps only the
    URLs with within-URL engagement contrast)."""
    transfer: TransferMode = "max"
    """How single-post URLs use the posts about similar articles (which also set their base
    rate): `max` (the best matching neighbour), `topk_mean` (the mean over the `transfer_k`
    neighbours) or `off` (the base rate is the corpus' median post)."""
    transfer_k: int = 5
    """Neighbours per single-post URL (at most 8 are shipped)."""
    author_baseline: bool = True
    """Value a post by log1p(engagement) minus its author's baseline (did it do well *for its
    author*?); false: raw log1p(engagement), so big accounts' posts dominate (ablation)."""
    embedding_model: str = DEFAULT_MODEL
    """Sentence-transformers model name or folder for post similarity (default: the bundled
    all-MiniLM-L6-v2, offline). The shipped neighbour relevances were found with the default."""
    sim_low: float = 0.30
    """Cosine at or below which a post earns no engagement reward (about the 95th percentile
    of similarity between posts about different articles in the sample: 0.305)."""
    sim_high: float = 0.72
    """Cosine at which closeness to a reference post is full at the latest (about the 90th
    percentile of similarity between posts about the same article: 0.723; the reach can make
    it sooner). Beyond it, closeness to that post falls again: a reply that close is
    paraphrasing it."""
    sim_copy: float = 0.85
    """Cosine at which closeness to a post is back to 0 and the embedding copy penalty starts
    (full at 0.97)."""
    reach: ReachMode = "article"
    """Where closeness to a post is full: `article`, at min(``sim_high``, ``ARTICLE_REACH``
    (0.8) x the post's cosine to this article), as close to the post as a post about the
    article gets, so a reply about the article reaches it and writing toward the post's own
    words earns no more; `fixed`, at ``sim_high`` for every post (a graded ramp, for stores
    whose many posts per article can say which kind did better)."""
    topic_low: float = 0.25
    """Cosine to the article (title and description) at or below which a post is off topic
    and earns no engagement (about the 95th percentile for a real post and another article:
    0.24)."""
    topic_high: float = 0.45
    """Cosine to the article from which a post is fully on topic (a real post about its own
    article: median 0.52; hand-written honest posts: 0.75 or more)."""
    scripts: tuple[str, ...] = ("Latin",)
    """Writing systems the embedding model reads (Unicode script names, e.g. "Latin",
    "Cyrillic", "Han"). The default model was trained on English and places any Japanese
    text near any other, so engagement is paid in proportion to how much of a reply is in
    these scripts (``readable``), and an article written in none of them is not a task.
    Empty: every script (set it so with a multilingual ``embedding_model``)."""
    max_graphemes: int = MAX_GRAPHEMES
    """Post length limit in graphemes (Bluesky: 300)."""
    with_description: bool = True
    """Show the article's description under its title."""
    fluency: bool = True
    """Pay engagement only to a reply the salad judge reads as written (``fluent``); false:
    no judge (ablation: the red team's climb then wins with word salad)."""

    @model_validator(mode="after")
    def _check(self) -> WalterConfig:
        if not 0 <= self.transfer_k <= SHIPPED_TRANSFER_K:
            raise ValueError(f"transfer_k must be in 0..{SHIPPED_TRANSFER_K}")
        if not -1.0 <= self.sim_low < self.sim_high < self.sim_copy <= 1.0:
            raise ValueError("need -1 <= sim_low < sim_high < sim_copy <= 1")
        if not -1.0 <= self.topic_low < self.topic_high <= 1.0:
            raise ValueError("need -1 <= topic_low < topic_high <= 1")
        if self.min_posts < 1 or self.max_graphemes < 1:
            raise ValueError("min_posts and max_graphemes must be >= 1")
        for name in self.scripts:
            try:
                regex.compile(rf"\p{{{name}}}")
            except regex.error:
                raise ValueError(f"scripts: {name!r} is not a Unicode script name") from None
        return self


class HistoricalPost(BaseModel):
    """A real post about the task's URL; ``weight`` = log1p(engagement) - author baseline,
    ``raw`` = log1p(engagement)."""

    model_config = ConfigDict(frozen=True)
    text: str
    weight: float
    raw: float
    uri: str = ""


class TransferRef(BaseModel):
    """A post about another article in the shared pool, with its relevance to this URL."""

    model_config = ConfigDict(frozen=True)
    pool: int
    relevance: float


class RewardParams(BaseModel):
    """How this task is scored, recorded with the task so a trace says how it was scored.

    (Not named ``scoring``: verifiers 0.4.1 reserves ``TaskData.scoring``.)"""

    model_config = ConfigDict(frozen=True)
    embedding_model: str = DEFAULT_MODEL
    sim_low: float = 0.30
    sim_high: float = 0.72
    sim_copy: float = 0.85
    reach: ReachMode = "article"
    topic_low: float = 0.25
    topic_high: float = 0.45
    transfer: TransferMode = "max"
    author_baseline: bool = True
    weight_centre: float = 0.0
    weight_scale: float = 1.0
    scripts: tuple[str, ...] = ("Latin",)
    max_graphemes: int = MAX_GRAPHEMES
    fluency: bool = True
    data_dir: str | None = None
    """Where the task's transfer pool lives: None for the packaged data."""


class WalterData(vf.TaskData):
    url: str
    title: str
    description: str = ""
    """The article's description (its link card text)."""
    posts: list[HistoricalPost] = []
    transfer: list[TransferRef] = []
    reward_params: RewardParams = RewardParams()


# --- the task ---------------------------------------------------------------------------


OWN_WORDS_RUN = 7  # words in a run lifted from a reference post that similarity ignores
INSTRUCTION_RUN = 4  # words in a run lifted from the prompt's instruction that it ignores
READABLE = (0.5, 0.9)  # share of letters in the embedder's scripts: not read .. fully read


def own_prose(text: str, references: list[str], article: list[str], instruction: str) -> str:
    """The reply's prose without the runs it lifted from ``references``, the ``article``
    (its title and description: a pasted article resembles its posts exactly as closely as
    the article does) or the prompt's ``instruction`` (the red team's hill climb found that
    appending "Reply with the post text only." moved a post closer to the best post about a
    moose attack)."""
    mine = hacks.strip_copied(text, [*references, *article], OWN_WORDS_RUN)[0]
    return hacks.strip_copied(mine, [instruction], INSTRUCTION_RUN)[0]


def reply_text(trace: vf.Trace) -> str:
    """The post the model wrote, in canonical form (``text.canonical``): the last reply, a
    leading <think> block dropped. Every reward reads the reply through here, so no detector
    and not the embedder sees invisible characters that the others do not."""
    return units.canonical(_THINK.sub("", units.as_text(trace.last_reply)))


class WalterTask(vf.Task[WalterData, vf.State, vf.TaskConfig]):
    @property
    def key(self) -> str:
        """The task's id (its URL's), so held-out splits survive changes to its data."""
        return self.data.id

    # references and similarities (embeddings are cached by text in the shared embedder)

    def _embedder(self) -> Embedder:
        return shared_embedder(self.data.reward_params.embedding_model)

    def _transfer_posts(self) -> list[tuple[dict, float]]:
        if self.data.reward_params.transfer == "off" or not self.data.transfer:
            return []
        pool = load_pool(self.data.reward_params.data_dir)
        return [(pool[t.pool], t.relevance) for t in self.data.transfer if 0 <= t.pool < len(pool)]

    def references(self) -> list[str]:
        """Every post this task compares against, in canonical form: its own, then its
        transfer posts."""
        texts = [p.text for p in self.data.posts] + [p["text"] for p, _ in self._transfer_posts()]
        return [units.canonical(t) for t in texts]

    def _similarities(self, text: str, own_words: bool = True) -> np.ndarray:
        """Cosine of the reply to each reference, on prose (links removed; 0 if none left).

        ``own_words``: runs of ``OWN_WORDS_RUN`` words lifted from a reference or from the
        article are left out first, so a sentence spliced from the best post earns nothing by
        itself (the copy detectors see the whole reply)."""
        return self._to_references(self._own_prose(text) if own_words else units.prose(text))

    def _reach(self) -> np.ndarray | None:
        """Where closeness to each reference is full: ``ARTICLE_REACH`` x its cosine to the
        article (capped at ``sim_high`` by ``closeness``); None for the fixed ``sim_high``."""
        if self.data.reward_params.reach == "fixed":
            return None
        return ARTICLE_REACH * self._to_references(self.article())

    def _to_references(self, text: str) -> np.ndarray:
        """Cosine of ``text`` to each reference's prose (0 where either has none)."""
        refs = [units.prose(r) for r in self.references()]
        sims = np.zeros(len(refs))
        keep = [i for i, r in enumerate(refs) if r]
        if text and keep:
            sims[keep] = self._embedder().similarity([text], [refs[i] for i in keep])[0]
        return sims

    def _instruction(self) -> str:
        return units.canonical(INSTRUCTION.format(limit=self.data.reward_params.max_graphemes))

    def _own_prose(self, text: str) -> str:
        return own_prose(text, self.references(), self._article_parts(), self._instruction())

    def article(self) -> str:
        """What the post is about: the article's title and description, canonical."""
        return units.canonical(f"{self.data.title}. {self.data.description}".strip())

    def topic_of(self, text: str) -> float:
        """On topic, in [0, 1]: the cosine of the reply's own words to the article, ramped from
        ``topic_low`` (0) to ``topic_high`` (1). Resembling a well-liked post about another
        article (a transfer neighbour) is not a post about this one, and a pasted headline
        (own words leave out runs lifted from the article) is no post at all."""
        mine = self._own_prose(text)
        if not mine:
            return 0.0
        s = self.data.reward_params
        cos = float(self._embedder().similarity([mine], [self.article()])[0][0])
        return hacks.ramp(cos, s.topic_low, s.topic_high)

    def readable(self, text: str) -> float:
        """How far the embedder can read the reply, in [0, 1]: the share of its letters in
        the configured ``scripts``, ramped from half (0) to nine tenths (1). A name or a
        quoted title in another script costs nothing; text the embedder sees only as a few
        shared pieces (any Japanese, to an English model) is not measured, so not paid."""
        scripts = self.data.reward_params.scripts
        return hacks.ramp(units.script_share(text, scripts), *READABLE) if scripts else 1.0

    def salad_of(self, text: str) -> float:
        """The salad judge's P(edited | reply), on its prose (0 for a blank one)."""
        mine = units.prose(text)
        return float(load_judge().score(shared_embedder(), [mine])[0]) if mine else 0.0

    def fluent(self, text: str) -> float:
        """1 for a reply the salad judge reads as written, falling to 0 for word salad (1
        with ``fluency`` off)."""
        return load_judge().fluent(self.salad_of(text)) if self.data.reward_params.fluency else 1.0

    def _postable(self, text: str) -> bool:
        """Worth embedding: not blank and at most twice the length limit. Past that the
        over-length penalty is already full and no post is paid, so a 100k-character reply
        costs a character count, not a long embedding."""
        limit = 2 * self.data.reward_params.max_graphemes
        return not hacks.is_blank(text) and units.grapheme_count(text) <= limit

    def _article_parts(self) -> list[str]:
        """The title and the description, each canonical."""
        return [units.canonical(t) for t in (self.data.title, self.data.description)]

    def _sources(self) -> list[str]:
        """What the prompt showed: pasting any of it is prompt echo."""
        return [*self._article_parts(), self._instruction()]

    # rewards (each visible in trace.rewards; weights are the defaults, TOML overrides them)

    @vf.reward(weight=1.0)
    async def engagement(self, trace: vf.Trace) -> float:
        """RLNVR: closeness to the posts that did better than this URL's base rate, in [0, 1],
        times how much the post is about this article (``topic_of``), how far the embedder
        can read it (``readable``) and whether it is written, not salad (``fluent``)."""
        text = reply_text(trace)
        if not self._postable(text) or not self.data.posts:
            return 0.0
        gate = self.readable(text) * self.topic_of(text)
        gate = gate and gate * self.fluent(text)
        if gate == 0:
            return 0.0
        sims, whole = self._similarities(text), self._similarities(text, own_words=False)
        s = self.data.reward_params
        own = len(self.data.posts)
        transfer = self._transfer_posts()
        field = "weight" if s.author_baseline else "raw"
        own_values = [getattr(p, field) for p in self.data.posts]
        reach = self._reach()
        return gate * engagement_reward(
            sims[:own],
            engagement_values(own_values, s.weight_centre, s.weight_scale),
            low=s.sim_low,
            high=s.sim_high,
            copy=s.sim_copy,
            transfer_similarities=sims[own:],
            transfer_values=engagement_values(
                [p[field] for p, _ in transfer], s.weight_centre, s.weight_scale
            ),
            transfer_relevance=[r for _, r in transfer],
            mode=s.transfer,
            whole=whole[:own],
            transfer_whole=whole[own:],
            reach=None if reach is None else reach[:own],
            transfer_reach=None if reach is None else reach[own:],
        )

    @vf.reward(weight=-1.0)
    async def near_copy(self, trace: vf.Trace) -> float:
        """Copy of a reference post: character 5-gram overlap, or embedding cosine from
        ``sim_copy`` (where resembling that post stops paying) rising to 0.97."""
        text = reply_text(trace)
        if hacks.is_blank(text):
            return 0.0
        s = self.data.reward_params
        sims = self._similarities(text, own_words=False) if self._postable(text) else np.zeros(0)
        best = float(sims.max()) if sims.size else None
        semantic = hacks.semantic_copy(best, start=s.sim_copy)
        return max(hacks.near_copy(text, self.references()), semantic)

    @vf.reward(weight=-1.0)
    async def over_length(self, trace: vf.Trace) -> float:
        """Over the grapheme limit: 0.5 one over, 1 at twice the limit."""
        return hacks.over_length(reply_text(trace), self.data.reward_params.max_graphemes)

    @vf.reward(weight=-0.5)
    async def prompt_echo(self, trace: vf.Trace) -> float:
        """Pasted title, description or instructions."""
        return hacks.prompt_echo(reply_text(trace), self._sources())

    @vf.reward(weight=-0.5)
    async def hashtag_spam(self, trace: vf.Trace) -> float:
        """More than two hashtags, or a post that is mostly hashtags."""
        return hacks.hashtag_spam(reply_text(trace))

    @vf.reward(weight=-0.5)
    async def link_dump(self, trace: vf.Trace) -> float:
        """More than two links, or a post that is mostly a link."""
        return hacks.link_dump(reply_text(trace))

    @vf.reward(weight=-0.5)
    async def repetition(self, trace: vf.Trace) -> float:
        """Repeated phrases, one keyword everywhere, repeated character runs."""
        return hacks.repetition(reply_text(trace))

    @vf.reward(weight=-0.5)
    async def keyword_stuffing(self, trace: vf.Trace) -> float:
        """A list of keywords instead of a sentence (almost no function words)."""
        return hacks.keyword_stuffing(reply_text(trace))

    @vf.reward(weight=-0.5)
    async def emoji_spam(self, trace: vf.Trace) -> float:
        """More than three emoji, or emoji making up much of the post."""
        return hacks.emoji_spam(reply_text(trace))

    # metrics (recorded, not summed)

    @vf.metric
    async def graphemes(self, trace: vf.Trace) -> float:
        return float(units.grapheme_count(reply_text(trace)))

    @vf.metric
    async def words(self, trace: vf.Trace) -> float:
        return float(len(units.words(reply_text(trace))))

    @vf.metric
    async def hashtags(self, trace: vf.Trace) -> float:
        return float(len(units.hashtags(reply_text(trace))))

    @vf.metric
    async def links(self, trace: vf.Trace) -> float:
        return float(len(units.links(reply_text(trace))))

    @vf.metric
    async def emoji(self, trace: vf.Trace) -> float:
        return float(len(units.emoji(reply_text(trace))))

    @vf.metric
    async def similarity(self, trace: vf.Trace) -> float:
        """Highest cosine to a historical post about this URL (0 for a blank reply)."""
        text = reply_text(trace)
        if not self._postable(text) or not self.data.posts:
            return 0.0
        return float(self._similarities(text)[: len(self.data.posts)].max())

    @vf.metric
    async def on_topic(self, trace: vf.Trace) -> float:
        """``topic_of`` the reply: 0 off topic, 1 about this article."""
        text = reply_text(trace)
        return self.topic_of(text) if self._postable(text) else 0.0

    @vf.metric
    async def readable_share(self, trace: vf.Trace) -> float:
        """``readable`` for the reply: 0 written in scripts the embedder cannot read, 1 read."""
        return self.readable(reply_text(trace))

    @vf.metric
    async def salad(self, trace: vf.Trace) -> float:
        """The salad judge's P(edited): above ``flag`` (5% of real posts) engagement falls."""
        text = reply_text(trace)
        return self.salad_of(text) if self._postable(text) else 0.0

    @vf.metric
    async def transfer_posts(self, trace: vf.Trace) -> float:
        """Posts about other articles this task transfers from (0 for multi-post URLs)."""
        return float(len(self._transfer_posts()))


def _readable_article(row: dict, scripts: tuple[str, ...]) -> bool:
    """Whether the embedder reads the article (at least half its letters in ``scripts``):
    a post about it could not be measured otherwise."""
    article = f"{row['title']} {row['description']}"
    return not scripts or units.script_share(article, scripts) >= READABLE[0]


# --- the taskset ------------------------------------------------------------------------


class WalterTaskset(vf.Taskset[WalterTask, WalterConfig]):
    """One task per linked article in the packaged Bluesky sample (see data/meta.json)."""

    def honest_completions(self) -> dict[str, str]:
        """Hand-written honest posts (``data/honest.jsonl``) for held-out tasks, each written
        from the prompt (title and description) only: task id -> post."""
        return {r["id"]: r["completion"] for r in read_rows(_data_file(None, "honest.jsonl"))}

    def load(self) -> Iterator[WalterTask]:
        cfg = self.config
        data_dir = None if cfg.store is None else store_data(cfg.store)
        meta = load_meta(data_dir)
        params = RewardParams(
            embedding_model=cfg.embedding_model,
            sim_low=cfg.sim_low,
            sim_high=cfg.sim_high,
            sim_copy=cfg.sim_copy,
            reach=cfg.reach,
            topic_low=cfg.topic_low,
            topic_high=cfg.topic_high,
            transfer=cfg.transfer,
            author_baseline=cfg.author_baseline,
            weight_centre=meta["weight_centre" if cfg.author_baseline else "raw_centre"],
            weight_scale=meta["weight_scale" if cfg.author_baseline else "raw_scale"],
            scripts=cfg.scripts,
            max_graphemes=cfg.max_graphemes,
            fluency=cfg.fluency,
            data_dir=data_dir,
        )
        instruction = INSTRUCTION.format(limit=cfg.max_graphemes)
        for row in load_rows(data_dir):
            if len(row["posts"]) < cfg.min_posts or not _readable_article(row, cfg.scripts):
                continue
            description = row["description"] if cfg.with_description else ""
            prompt = PROMPT.format(
                instruction=instruction, title=row["title"], description=description
            ).strip()
            transfer = [
                TransferRef(pool=i, relevance=r) for i, r in row["transfer"][: cfg.transfer_k]
            ]
            data = WalterData(
                id=row["id"],
                prompt=prompt,
                url=row["url"],
                title=row["title"],
                description=row["description"],
                posts=[HistoricalPost(**p) for p in row["posts"]],
                transfer=transfer if cfg.transfer != "off" else [],
                reward_params=params,
            )
            yield WalterTask(data, cfg.task)
