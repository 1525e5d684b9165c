"""Who wrote this chunk? Leave-one-document-out author attribution from cadence and Delta features.

The question behind Horace's reward is whether cadence features (how surprisal and entropy move
under a language model) carry an author's style beyond what word frequencies already do. So
each method is judged on the same folds: one whole document is held out, every chunk of every
other document trains (its words shape the Delta space too), and the held-out chunks are
attributed. Holding out a document, not random chunks, matters: chunks of one novel share names
and topics, and a random split would reward recognising the novel instead of the author. Only
authors with at least two documents can be tested (otherwise their author is absent from
training), but every author is a candidate answer.

Methods: chance (majority author of the training fold, and a uniform random guess), Burrows'
Delta with its nearest-centroid rule, a standardised, L2-regularised logistic regression on
cadence features, on Delta z-vectors, and on both side by side (early fusion), and the two
single-view regressions' probabilities multiplied (late fusion: each view is regularised on its
own, so 28 noisy cadence features do not share one penalty with 150 word frequencies).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from rlnvr_horace.burrows_delta import Bag, DeltaCentroids, bag, fit_delta
from rlnvr_horace.chunks import Chunk

MAJORITY = "chance: majority"
UNIFORM = "chance: uniform"
DELTA = "delta: nearest centroid"
LOGREG_CADENCE = "logreg: cadence"
LOGREG_DELTA = "logreg: delta"
LOGREG_BOTH = "logreg: cadence+delta"
LATE_FUSION = "logreg: cadence x delta"
METHODS = (MAJORITY, UNIFORM, DELTA, LOGREG_CADENCE, LOGREG_DELTA, LOGREG_BOTH, LATE_FUSION)


@dataclass(frozen=True)
class Fold:
    """One held-out document: indices (into the chunk list) of its chunks and of the rest."""

    test_document: str
    train: np.ndarray
    test: np.ndarray


def leave_one_document_out(chunks: Sequence[Chunk]) -> list[Fold]:
    """A fold per document whose author has at least two documents."""
    documents: dict[str, set[str]] = {}
    for c in chunks:
        documents.setdefault(c.author, set()).add(c.document)
    ids = np.array([c.document for c in chunks])
    folds = []
    for author in sorted(documents):
        if len(documents[author]) < 2:
            continue
        for doc in sorted(documents[author]):
            folds.append(Fold(doc, np.flatnonzero(ids != doc), np.flatnonzero(ids == doc)))
    return folds


def cadence_matrix(rows: Sequence[Mapping[str, float]]) -> tuple[np.ndarray, list[str]]:
    """Feature dicts as a (chunks, features) array with sorted feature names."""
    names = sorted(rows[0]) if rows else []
    return np.array([[row[n] for n in names] for row in rows], dtype=float), names


def logistic_regression(
    x_train: np.ndarray, y_train: Sequence[str], x_test: np.ndarray, c: float = 1.0
) -> tuple[list[str], np.ndarray]:
    """Classes (sorted) and each test row's log-probability of each, from a logistic regression
    on standardised features.

    Missing values (a feature undefined on some chunk) take the training median, and
    standardising with training statistics gives every feature the same L2 penalty per unit of
    spread, so cadence features and Delta z-scores compete on equal terms. One thread: the
    matrices are small, and on a busy two-core machine BLAS/OpenMP threads spin-waiting for
    each other made a fit twenty times slower.
    """
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    model = make_pipeline(
        SimpleImputer(strategy="median", keep_empty_features=True),
        StandardScaler(),
        LogisticRegression(C=c, max_iter=5000),
    )
    with threadpool_limits(1):
        model.fit(x_train, list(y_train))
        return [str(a) for a in model.classes_], model.predict_log_proba(x_test)


def most_likely(classes: Sequence[str], log_proba: np.ndarray) -> list[str]:
    return [classes[j] for j in log_proba.argmax(axis=1)]


@dataclass(frozen=True)
class Predictions:
    """Every method's predicted author for each tested chunk, in fold order."""

    truth: list[str]
    documents: list[str]
    predicted: dict[str, list[str]]


def cross_validate(
    chunks: Sequence[Chunk],
    cadence: np.ndarray | None,
    n_mfw: int = 150,
    c: float = 1.0,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> Predictions:
    """Run every method over the leave-one-document-out folds of ``chunks``.

    ``cadence[i]`` is chunk i's cadence feature vector; without it only the chance, Delta and
    Delta-logreg methods run. The Delta space (MFW list, means, stds) is refitted on each
    fold's training chunks.
    """
    bags: list[Bag] = [bag(c.text) for c in chunks]
    authors = np.array([c.author for c in chunks])
    rng = np.random.default_rng(seed)
    folds = leave_one_document_out(chunks)
    methods = METHODS if cadence is not None else [m for m in METHODS if "cadence" not in m]
    out = Predictions([], [], {m: [] for m in methods})
    for k, fold in enumerate(folds):
        train_authors = list(authors[fold.train])
        space = fit_delta([bags[i] for i in fold.train], n_mfw)
        z_train = space.zscores([bags[i] for i in fold.train])
        z_test = space.zscores([bags[i] for i in fold.test])
        n = len(fold.test)
        names, counts = np.unique(train_authors, return_counts=True)
        classes, delta_lp = logistic_regression(z_train, train_authors, z_test, c)
        pred = {
            MAJORITY: [names[counts.argmax()]] * n,
            UNIFORM: list(rng.choice(names, size=n)),
            DELTA: DeltaCentroids.fit(z_train, train_authors).predict(z_test),
            LOGREG_DELTA: most_likely(classes, delta_lp),
        }
        if cadence is not None:
            x_train, x_test = cadence[fold.train], cadence[fold.test]
            _, cadence_lp = logistic_regression(x_train, train_authors, x_test, c)
            both_train, both_test = np.hstack([x_train, z_train]), np.hstack([x_test, z_test])
            pred[LOGREG_CADENCE] = most_likely(classes, cadence_lp)
            pred[LOGREG_BOTH] = most_likely(
                *logistic_regression(both_train, train_authors, both_test, c)
            )
            pred[LATE_FUSION] = most_likely(classes, cadence_lp + delta_lp)
        for method in out.predicted:
            out.predicted[method].extend(str(p) for p in pred[method])
        out.truth.extend(authors[fold.test])
        out.documents.extend([fold.test_document] * n)
        if progress:
            progress(k + 1, len(folds))
    return out


@dataclass(frozen=True)
class Score:
    """How one method did over all held-out chunks."""

    method: str
    accuracy: float
    macro_f1: float  # averaged over the tested authors
    n_chunks: int
    n_authors: int  # tested authors (candidates can be more)
    labels: list[str]  # confusion rows: tested authors, then authors only ever predicted
    confusion: list[list[int]]  # [true][predicted] over ``labels``


def score(method: str, truth: Sequence[str], predicted: Sequence[str]) -> Score:
    """Accuracy, macro-F1 over the tested authors, and the confusion matrix."""
    from sklearn.metrics import confusion_matrix, f1_score

    tested = sorted(set(truth))
    labels = tested + sorted(set(predicted) - set(tested))
    f1 = f1_score(truth, predicted, labels=tested, average="macro", zero_division=0)
    matrix = confusion_matrix(truth, predicted, labels=labels)[: len(tested)]
    accuracy = float(np.mean(np.asarray(truth) == np.asarray(predicted)))
    return Score(method, accuracy, float(f1), len(truth), len(tested), labels, matrix.tolist())


def score_all(predictions: Predictions) -> list[Score]:
    """A :class:`Score` per method, in :data:`METHODS` order."""
    return [score(m, predictions.truth, p) for m, p in predictions.predicted.items()]


@dataclass(frozen=True)
class Gain:
    """How much more accurate ``method`` was than ``baseline`` on the same held-out chunks."""

    method: str
    baseline: str
    gain: float
    low: float  # 95% bootstrap interval
    high: float


def accuracy_gain(
    predictions: Predictions, method: str, baseline: str, n_boot: int = 2000, seed: int = 0
) -> Gain:
    """Accuracy of ``method`` minus that of ``baseline``, with a 95% bootstrap interval.

    Held-out documents, not chunks, are resampled: chunks of one novel succeed or fail
    together, and treating them as independent would make any gain look significant.
    """
    docs = np.asarray(predictions.documents)
    truth = np.asarray(predictions.truth)
    hits = np.asarray(predictions.predicted[method]) == truth
    hits = hits.astype(int) - (np.asarray(predictions.predicted[baseline]) == truth)
    names = np.unique(docs)
    diff = np.array([hits[docs == d].sum() for d in names])
    size = np.array([(docs == d).sum() for d in names])
    draws = np.random.default_rng(seed).integers(0, len(names), (n_boot, len(names)))
    low, high = np.quantile(diff[draws].sum(axis=1) / size[draws].sum(axis=1), [0.025, 0.975])
    return Gain(method, baseline, float(diff.sum() / size.sum()), float(low), float(high))
