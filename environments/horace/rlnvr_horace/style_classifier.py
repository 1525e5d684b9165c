"""A portable author classifier: fitted with scikit-learn, evaluated with numpy alone.

Horace rewards a text by the probability that a classifier over cadence features gives the
target author. The environment runs on hub workers that should not need scikit-learn (or
match its version to unpickle a model), so the fitted model is exported as plain JSON: the
standardisation (mean, scale), the multinomial logistic regression's coefficients and
intercepts, the class and feature names. :meth:`StyleClassifier.predict_proba` reproduces
scikit-learn's ``predict_proba`` (tests check 1e-6).

::

    clf = fit(rows, authors, meta={"model": "rlnvr-tiny", "chunk_words": 150})  # sklearn here
    save_classifier(path, clf)
    clf = load_classifier(path)                                                # numpy only
    clf.proba(cadence_features(metrics))["Jane Austen"]

Linear models are confident far from their data: a degenerate text whose features lie well
outside every author's range could get probability 1 for whichever author the extrapolation
points at. ``z_clip`` caps each standardised feature at prediction time (the training chunks
lie almost entirely within it), so such a text is scored as an extreme but seen point.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rlnvr_horace._vendor.atomic import atomic_write_text

FORMAT_VERSION = 1


@dataclass(frozen=True)
class StyleClassifier:
    """Standardise, then a multinomial logistic regression: softmax(z @ coef.T + intercept)."""

    features: tuple[str, ...]
    classes: tuple[str, ...]
    mean: np.ndarray  # (features,)
    scale: np.ndarray  # (features,), zero-variance features have scale 1 (as sklearn)
    coef: np.ndarray  # (classes, features)
    intercept: np.ndarray  # (classes,)
    z_clip: float | None = None
    meta: dict = field(default_factory=dict)

    def matrix(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        """Feature dicts as a (rows, features) array in this classifier's feature order;
        a feature a row lacks raises ``KeyError`` (a silently zero feature would bias it)."""
        return np.array([[float(r[name]) for name in self.features] for r in rows], dtype=float)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities, (rows, classes); non-finite values count as the training mean.
        With ``z_clip=None`` these are scikit-learn's numbers."""
        z = (np.atleast_2d(np.asarray(x, dtype=float)) - self.mean) / self.scale
        z = np.where(np.isfinite(z), z, 0.0)
        if self.z_clip is not None:
            z = z.clip(-self.z_clip, self.z_clip)
        logits = z @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def proba(self, features: Mapping[str, float]) -> dict[str, float]:
        """``{author: probability}`` for one text's feature dict."""
        p = self.predict_proba(self.matrix([features]))[0]
        return dict(zip(self.classes, p.tolist(), strict=True))

    def to_json(self) -> dict:
        return {
            "version": FORMAT_VERSION,
            "features": list(self.features),
            "classes": list(self.classes),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "coef": self.coef.tolist(),
            "intercept": self.intercept.tolist(),
            "z_clip": self.z_clip,
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, payload: Mapping) -> StyleClassifier:
        if payload.get("version") != FORMAT_VERSION:
            raise ValueError(f"classifier format {payload.get('version')}, expected 1")
        return cls(
            features=tuple(payload["features"]),
            classes=tuple(payload["classes"]),
            mean=np.asarray(payload["mean"], dtype=float),
            scale=np.asarray(payload["scale"], dtype=float),
            coef=np.asarray(payload["coef"], dtype=float),
            intercept=np.asarray(payload["intercept"], dtype=float),
            z_clip=payload.get("z_clip"),
            meta=dict(payload.get("meta", {})),
        )


def sklearn_pipeline(c: float = 1.0):
    """The scikit-learn model :func:`fit` trains: balanced classes, so that an author with
    two short stories is as reachable a target as one with three novels."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(
        StandardScaler(), LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
    )


def fit(
    rows: Sequence[Mapping[str, float]],
    labels: Sequence[str],
    c: float = 1.0,
    z_clip: float | None = 4.0,
    meta: Mapping | None = None,
) -> StyleClassifier:
    """Fit on feature dicts ``rows`` (features in sorted name order) labelled ``labels``.

    One BLAS/OpenMP thread: the matrices are small, and on a busy machine threads spin-waiting
    for each other made fits many times slower (see ``rlnvr_horace.author_classifier``).
    """
    from threadpoolctl import threadpool_limits

    names = tuple(sorted(rows[0]))
    x = np.array([[float(r[n]) for n in names] for r in rows], dtype=float)
    if not np.isfinite(x).all():
        raise ValueError("features must be finite to fit the classifier")
    model = sklearn_pipeline(c)
    with threadpool_limits(1):
        model.fit(x, list(labels))
    scaler, logreg = model[0], model[-1]
    coef, intercept = logreg.coef_, logreg.intercept_
    if len(logreg.classes_) == 2:  # sklearn keeps one row for two classes: expand to softmax
        coef, intercept = np.vstack([-coef / 2, coef / 2]), np.array([-1, 1]) * intercept / 2
    return StyleClassifier(
        features=names,
        classes=tuple(str(k) for k in logreg.classes_),
        mean=scaler.mean_.copy(),
        scale=scaler.scale_.copy(),
        coef=np.asarray(coef, dtype=float),
        intercept=np.asarray(intercept, dtype=float),
        z_clip=z_clip,
        meta=dict(meta or {}),
    )


def save_classifier(path: Path, clf: StyleClassifier) -> None:
    """Write ``clf`` as JSON (atomically: never half-written)."""
    atomic_write_text(Path(path), json.dumps(clf.to_json(), indent=1))


def load_classifier(path: Path) -> StyleClassifier:
    """Read a file written by :func:`save_classifier`."""
    try:
        return StyleClassifier.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
    except (KeyError, TypeError, ValueError) as err:  # JSONDecodeError is a ValueError
        raise ValueError(f"{path}: not a style classifier ({type(err).__name__}: {err})") from err
