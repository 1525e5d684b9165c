"""A word-salad judge: is this real writing, or real writing after random word edits?

A reward that embeds a reply can be walked into its paid band by word salad: the right words
in an order nobody writes ("sad reminder a mother between moose between moose is of the
out"). A sentence embedding is close to a bag of words, and mean surprisal under a small
language model overlaps between salad and real posts, so neither sees it. A linear probe on
the embedder's own token states does; it is the question ELECTRA's discriminator is trained
on:

    features(x) = [mean_i h_l(x)_i ; max_i h_l(x)_i   for l in LAYERS]    frozen encoder
    p(x)        = sigmoid(a . (features(x) - mu) / sigma + b)           P(edited | x)
    fluent(x)   = 1 - ramp(p(x), flag, zero)                            in [0, 1]

fitted by logistic regression on real texts (label 0) and copies of them after k in
``EDIT_COUNTS`` random word edits (label 1; ``corrupt``). The gate is set by what it costs
real writing, from the real texts' out-of-fold probabilities: 5% of them lie above ``flag``,
where the gate starts to fall, and 1% above ``zero``, where a reply earns nothing from the
reward it gates. One edit is invisible to the judge, and should be: a typo is not salad. The
edits are generic, not an attack's: a judge fitted on an attacker's own edits would be
measured on what it was shown.
"""

from __future__ import annotations

import json
import random
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from rlnvr.rubrics.embeddings import Embedder

LAYERS = (3, 6)
EDIT_COUNTS = (1, 2, 4, 8)
FLAG_REAL = 0.05  # share of real texts (out of fold) above ``flag``
ZERO_REAL = 0.01  # share of real texts (out of fold) above ``zero``


def corrupt(text: str, vocabulary: Sequence[str], k: int, rng: random.Random) -> str:
    """``text`` after ``k`` random word edits: replace or insert a word (half the time one of
    the text's own, else one of ``vocabulary``), delete one, repeat a span of 1-5 words, or
    swap two neighbours."""
    words = text.split()
    for _ in range(k):
        if not words:
            words = [rng.choice(vocabulary)]
            continue
        word = rng.choice(words) if rng.random() < 0.5 else rng.choice(vocabulary)
        i = rng.randrange(len(words))
        op = rng.randrange(5)
        if op == 0:
            words[i] = word
        elif op == 1:
            words.insert(rng.randint(0, len(words)), word)
        elif op == 2 and len(words) > 1:
            del words[i]
        elif op == 3:
            words[i:i] = words[i : i + rng.randint(1, 5)]
        elif len(words) > 1:
            j = i + 1 if i + 1 < len(words) else i - 1
            words[i], words[j] = words[j], words[i]
    return " ".join(words)


@dataclass
class FluencyJudge:
    """The fitted probe; ``score`` is P(edited | text), ``fluent`` the gate in [0, 1]."""

    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float
    flag: float
    zero: float
    layers: tuple[int, ...] = LAYERS
    fitted_on: dict | None = None  # what it was fitted on and how well it separated

    def __post_init__(self) -> None:
        self._a = np.asarray(self.coef) / np.asarray(self.scale)
        self._b = self.intercept - float(self._a @ np.asarray(self.mean))
        self._cache: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def score(self, embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
        """P(edited) per text; cached by text, since every reward component asks again."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            z = embedder.pooled_states(missing, self.layers) @ self._a + self._b
            with self._lock:
                for text, p in zip(missing, 1 / (1 + np.exp(-np.clip(z, -60, 60))), strict=True):
                    self._cache[text] = float(p)
                while len(self._cache) > 50_000:
                    self._cache.popitem(last=False)
        with self._lock:
            return np.array([self._cache[t] for t in texts])

    def fluent(self, p: float) -> float:
        """1 up to ``flag``, falling to 0 at ``zero``."""
        return float(np.clip((self.zero - p) / max(self.zero - self.flag, 1e-9), 0.0, 1.0))

    def dumps(self) -> str:
        """The judge as one JSON line (package data)."""
        fields = asdict(self)
        for key in ("mean", "scale", "coef"):
            fields[key] = [float(f"{v:.7g}") for v in fields[key]]
        return json.dumps(fields, separators=(",", ":")) + "\n"

    @classmethod
    def load(cls, path: str | Path) -> FluencyJudge:
        fields = json.loads(Path(path).read_text())
        return cls(**fields | {"layers": tuple(fields["layers"])})


def fit(embedder: Embedder, real: Sequence[str], seed: int = 0, folds: int = 5) -> FluencyJudge:
    """Fit the judge on ``real`` texts and one edited copy of each (k drawn from
    ``EDIT_COUNTS``); ``flag`` and ``zero`` from the real texts' out-of-fold probabilities."""
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    rng = random.Random(seed)
    real = list(dict.fromkeys(real))
    vocabulary = sorted({w for t in real for w in t.split()})
    ks = [rng.choice(EDIT_COUNTS) for _ in real]
    edited = [corrupt(t, vocabulary, k, rng) for t, k in zip(real, ks, strict=True)]
    x = embedder.pooled_states(real + edited, LAYERS)
    y = np.r_[np.zeros(len(real)), np.ones(len(edited))]
    probe = make_pipeline(
        StandardScaler(),
        LogisticRegressionCV(
            Cs=[0.003, 0.01, 0.03, 0.1],
            l1_ratios=(0,),
            scoring="neg_log_loss",
            use_legacy_attributes=False,
            max_iter=3000,
        ),
    )
    oof = cross_val_predict(probe, x, y, cv=folds, method="predict_proba")[:, 1]
    p_real, p_edited, ks = oof[: len(real)], oof[len(real) :], np.array(ks)
    probe.fit(x, y)
    scaler, logistic = probe[0], probe[1]
    flag = float(np.quantile(p_real, 1 - FLAG_REAL))
    over = {str(k): round(float(np.mean(p_edited[ks == k] > flag)), 3) for k in EDIT_COUNTS}
    auc = {
        str(k): round(
            float(roc_auc_score(np.r_[y[: len(real)], np.ones((ks == k).sum())],
                                np.r_[p_real, p_edited[ks == k]])),
            3,
        )
        for k in EDIT_COUNTS
    }  # fmt: skip
    return FluencyJudge(
        mean=scaler.mean_.tolist(),
        scale=scaler.scale_.tolist(),
        coef=logistic.coef_[0].tolist(),
        intercept=float(logistic.intercept_[0]),
        flag=flag,
        zero=float(np.quantile(p_real, 1 - ZERO_REAL)),
        fitted_on={"real": len(real), "edited": len(edited), "seed": seed,
                   "auc_out_of_fold_by_edits": auc,
                   "edited_over_flag_by_edits": over},
    )  # fmt: skip
