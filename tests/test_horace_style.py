"""Horace's style side: chunks, Burrows' Delta, author signatures and the author classifier."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from rlnvr.data_pipelines.literature import iter_documents
from rlnvr_horace.author_classifier import (
    DELTA,
    LATE_FUSION,
    LOGREG_BOTH,
    LOGREG_DELTA,
    METHODS,
    Predictions,
    accuracy_gain,
    leave_one_document_out,
)
from rlnvr_horace.burrows_delta import (
    DeltaCentroids,
    DeltaModel,
    char_ngrams,
    fit_delta,
    margins,
    words,
)
from rlnvr_horace.cadence import FEATURE_NAMES
from rlnvr_horace.chunk_features import corpus_features
from rlnvr_horace.chunks import chunk_documents, load_chunks, split_words
from rlnvr_horace.signatures import (
    build_signatures,
    load_signatures,
    save_signatures,
    signature_distance,
)


@pytest.fixture(scope="module")
def literature(samples: Path) -> Path:
    return samples / "literature"


def test_split_words_keeps_the_original_text_and_drops_a_short_tail():
    text = "One two,  three\nfour five.\n\nSix seven eight nine ten eleven"
    pieces = split_words(text, 4)
    assert pieces == ["One two,  three\nfour", "five.\n\nSix seven eight", "nine ten eleven"]
    assert split_words(text, 4, min_words=4) == pieces[:2]
    assert split_words("a b c", 10) == []  # shorter than half a chunk: no chunk


@pytest.mark.parametrize("n_words", [1500, 500])
def test_chunks_know_their_document(literature: Path, n_words: int):
    documents = list(iter_documents(literature))
    by_id = {f"{d.form}/{d.author}/{d.title}": d for d in documents}
    chunks = chunk_documents(documents, n_words)
    assert len({c.author for c in chunks}) >= 10
    for chunk in chunks:
        doc = by_id[chunk.document]
        assert chunk.author == doc.author and chunk.chunk_words == n_words
        assert chunk.text in doc.text
        assert n_words // 2 <= len(chunk.text.split()) <= n_words
    capped = chunk_documents(documents, n_words, max_per_document=3)
    per_doc = {d: [c.index for c in capped if c.document == d] for d in by_id}
    full = {d: [c.index for c in chunks if c.document == d] for d in by_id}
    for doc, indices in per_doc.items():
        assert len(indices) == min(3, len(full[doc]))
        if len(full[doc]) > 3:  # spread over the book: first and last chunk included
            assert indices[0] == 0 and indices[-1] == full[doc][-1]


def test_delta_attributes_held_out_novels(literature: Path):
    chunks = [c for c in load_chunks(literature, 1500) if c.author in ("Austen", "Dickens")]
    held_out = {"novel/Austen/Sense", "novel/Dickens/Hard"}
    train = [c for c in chunks if c.document not in held_out]
    test = [c for c in chunks if c.document in held_out]
    assert train and len(test) >= 10
    space = fit_delta([c.text for c in train], n_mfw=150)
    assert len(space.vocabulary) == 150 and space.vocabulary[0] in {"the", "and", "of", "to"}
    z_train = space.zscores([c.text for c in train])
    np.testing.assert_allclose(z_train.mean(axis=0), 0, atol=1e-9)  # fitted on train only
    centroids = DeltaCentroids.fit(z_train, [c.author for c in train])
    assert centroids.predict(space.zscores([c.text for c in test])) == [c.author for c in test]


def test_one_rare_word_cannot_decide_a_short_texts_delta(literature: Path):
    texts = [c.text for c in load_chunks(literature, 1500) if c.author in ("Austen", "Dickens")]
    raw, capped = fit_delta(texts, n_mfw=150), fit_delta(texts, n_mfw=150, z_clip=2.0)
    rare = len(raw.vocabulary) - 1  # the least frequent listed word
    short = " ".join(texts[0].split()[:100])
    plus = f"{short} {raw.vocabulary[rare]}"
    # one use in ~100 words is many standard deviations above that word's mean ...
    assert raw.zscores([plus])[0, rare] - raw.zscores([short])[0, rare] > 4
    # ... which capped counts as 2 at most, so the one word moves the profile far less
    moved = [np.abs(sp.zscores([plus]) - sp.zscores([short])).mean() for sp in (raw, capped)]
    assert moved[1] < 0.6 * moved[0]
    with pytest.raises(ValueError, match="z_clip must be positive"):
        fit_delta(texts, n_mfw=150, z_clip=0.0)
    centroids = DeltaCentroids.fit(capped.zscores(texts), ["a"] * len(texts))
    model = DeltaModel(capped, centroids, {})
    assert DeltaModel.from_json(json.loads(json.dumps(model.to_json()))).space.z_clip == 2.0


def test_cosine_delta_over_character_trigrams_names_more_held_out_short_chunks(literature: Path):
    """The reward's Delta (Cosine Delta over character trigrams) against Burrows' original
    (mean absolute difference over words) on 100-word chunks of novels neither saw."""
    authors = ("Austen", "CBronte", "Dickens", "Eliot", "Thackeray", "Trollope")
    chunks = [c for c in load_chunks(literature, 150) if c.author in authors]
    titles = ("Emma", "Villette", "Bleak", "Mill", "Vanity", "Prime")
    held_out = {f"novel/{a}/{t}" for a, t in zip(authors, titles, strict=True)}
    train = [c for c in chunks if c.document not in held_out]
    test = [c for c in load_chunks(literature, 100) if c.document in held_out]
    assert len({c.document for c in test}) == len(held_out)

    def fitted(char_n: int | None, n_mfw: int, metric: str) -> DeltaModel:
        space = fit_delta([c.text for c in train], n_mfw, 2.0, char_n)
        z = space.zscores([c.text for c in train])
        return DeltaModel(space, DeltaCentroids.fit(z, [c.author for c in train], metric), {})

    def named(model: DeltaModel) -> float:
        predicted = model.centroids.predict(model.space.zscores([c.text for c in test]))
        return float(np.mean([p == c.author for p, c in zip(predicted, test, strict=True)]))

    burrows, reward = fitted(None, 100, "manhattan"), fitted(3, 2000, "cosine")
    assert named(reward) > named(burrows) + 0.1, (named(reward), named(burrows))
    again = DeltaModel.from_json(json.loads(json.dumps(reward.to_json())))
    assert (again.space.char_n, again.centroids.metric, again.rivals) == (3, "cosine", 5)
    with pytest.raises(ValueError, match="metric must be one of"):
        DeltaCentroids(reward.centroids.authors, reward.centroids.centroids, "l3")
    d = np.array([[0.1, 0.3, 0.5, 0.9]])
    assert margins(d, 0, 2)[0] == pytest.approx(0.3)  # the 2 nearest others: (0.3 + 0.5) / 2
    assert margins(d, 0, 5)[0] == pytest.approx(0.467, abs=1e-3)  # fewer others: all of them
    assert margins(d, 0, None)[0] == pytest.approx(0.4)  # the median other author
    with pytest.raises(ValueError, match="rivals must be positive"):
        margins(d, 0, 0)


def test_character_ngrams_read_how_a_book_was_typeset_as_one():
    typeset = "\u201cWell,\u201d said he--and _she_ didn\u2019t\n  answer \u2013 at all."
    plain = '"well," said he\u2014and she didn\'t answer \u2014 at all.'
    assert char_ngrams(typeset, 3) == char_ngrams(plain, 3)
    assert char_ngrams("Ab c", 3) == ["ab ", "b c"]
    with pytest.raises(ValueError, match="char_n must be positive"):
        fit_delta(["a text"], char_n=0)


def test_words_are_lowercased_with_inner_apostrophes():
    assert words("Don\u2019t, O'er the HILLS -- 'tis") == ["don't", "o'er", "the", "hills", "tis"]


def test_leave_one_document_out_never_leaks_a_test_document(literature: Path):
    chunks = load_chunks(literature, 500, max_per_document=6)
    folds = leave_one_document_out(chunks)
    documents_of = {}
    for c in chunks:
        documents_of.setdefault(c.author, set()).add(c.document)
    testable = {d for docs in documents_of.values() if len(docs) >= 2 for d in docs}
    assert {f.test_document for f in folds} == testable
    for fold in folds:
        assert {chunks[i].document for i in fold.test} == {fold.test_document}
        assert fold.test_document not in {chunks[i].document for i in fold.train}
        assert sorted([*fold.train, *fold.test]) == list(range(len(chunks)))
        test_author = chunks[fold.test[0]].author
        assert test_author in {chunks[i].author for i in fold.train}


def test_accuracy_gain_resamples_documents():
    truth = ["A"] * 6 + ["B"] * 4
    documents = ["a1"] * 3 + ["a2"] * 3 + ["b1"] * 4
    right, wrong = truth, ["B"] * 6 + ["A"] * 4
    half = ["A"] * 6 + ["A"] * 4  # right on a1 and a2, wrong on b1
    p = Predictions(truth, documents, {"right": right, "wrong": wrong, "half": half})
    same = accuracy_gain(p, "right", "right")
    assert (same.gain, same.low, same.high) == (0, 0, 0)
    full = accuracy_gain(p, "right", "wrong")
    assert full.gain == 1 and full.low == full.high == 1
    part = accuracy_gain(p, "half", "wrong")
    assert part.gain == pytest.approx(0.6) and part.low < 0.6 < part.high <= 1


def test_signature_round_trip_and_distance(tmp_path: Path):
    rng = np.random.default_rng(0)
    authors = ["A"] * 40 + ["B"] * 40 + ["C"] * 2
    centres = {"A": (0.0, 5.0), "B": (3.0, 5.0), "C": (0.0, 0.0)}
    rows = [
        {"x": centres[a][0] + rng.normal(), "y": centres[a][1] + 0.1 * rng.normal()}
        for a in authors
    ]
    signatures = build_signatures(authors, rows, meta={"model": "m", "chunk_words": 500})
    assert set(signatures) == {"A", "B"}  # C has too few chunks for a spread
    path = tmp_path / "signatures.json"
    save_signatures(path, signatures)
    assert load_signatures(path) == signatures
    a = signatures["A"]
    assert a.n_chunks == 40 and a.meta["chunk_words"] == 500
    assert a.features["x"].quantiles["0.05"] < a.features["x"].quantiles["0.95"]
    assert signature_distance({"x": a.features["x"].mean, "y": a.features["y"].mean}, a) == 0
    near, far = {"x": 0.1, "y": 5.0}, {"x": 3.0, "y": 5.0}
    assert signature_distance(near, a) < signature_distance(far, a)
    assert signature_distance({"x": float("nan"), "y": 5.0}, a, clip=10) >= 5
    assert signature_distance({"x": 1e9, "y": 5.0}, a, clip=10) <= 10
    with pytest.raises(KeyError, match="'y'"):
        signature_distance({"x": 0.0}, a)


TRIO = ("Austen", "Dickens", "Trollope")  # three novels each in the bundled sample


@pytest.fixture(scope="module")
def trio(literature: Path, tmp_path_factory) -> tuple[Path, Path]:
    """The sample's novels by three authors and a feature cache of their 500-word chunks.

    Two chunks per novel keep the scoring to 18 chunks; both CLI tests read the same cache.
    """
    root = tmp_path_factory.mktemp("trio")
    for path in sorted((literature / "british_fiction").glob("*.txt")):
        if path.stem.partition("_")[0] in TRIO:
            (root / "lit" / "british_fiction").mkdir(parents=True, exist_ok=True)
            shutil.copy(path, root / "lit" / "british_fiction" / path.name)
    chunks = load_chunks(root / "lit", 500, max_per_document=2)
    corpus_features(chunks, "rlnvr-tiny", "torch", root / "cache.jsonl")
    return root / "lit", root / "cache.jsonl"


def horace(*args: str):
    from typer.testing import CliRunner

    from rlnvr.cli import app

    result = CliRunner().invoke(app, ["horace", *args], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_classify_cli_end_to_end(trio: tuple[Path, Path], tmp_path: Path):
    lit, cache = trio
    cached_rows = cache.read_text().count("\n")
    common = ["--data", str(lit), "--chunk-words", "500", "--max-per-document", "2"]
    output = horace("classify", *common, "--cache", str(cache), "--out", str(tmp_path))
    assert cache.read_text().count("\n") == cached_rows  # every chunk came from the cache
    for method in METHODS:
        assert method in output
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["meta"]["n_chunks"] == 18 and results["meta"]["n_documents"] == 9
    assert set(results["meta"]["cadence_features"]) == set(FEATURE_NAMES)
    scores = {s["method"]: s for s in results["scores"]}
    assert set(scores) == set(METHODS)
    for s in scores.values():
        assert s["n_chunks"] == 18 and s["n_authors"] == 3
        assert 0 <= s["macro_f1"] <= 1 and 0 <= s["accuracy"] <= 1
        assert sum(map(sum, s["confusion"])) == 18
    assert scores[DELTA]["accuracy"] > 1 / 3  # Delta beats chance even on 500-word chunks
    gains = {(g["method"], g["baseline"]) for g in results["accuracy_gains"]}
    assert gains == {(m, b) for m in (LOGREG_BOTH, LATE_FUSION) for b in (DELTA, LOGREG_DELTA)}
    assert all(g["low"] <= g["gain"] <= g["high"] for g in results["accuracy_gains"])
    assert "| logreg: cadence+delta |" in (tmp_path / "results.md").read_text()
    png = tmp_path / "confusion_logreg_cadence_delta.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_signatures_cli_own_author_is_closest(trio: tuple[Path, Path], tmp_path: Path):
    lit, cache = trio
    out = tmp_path / "signatures.json"
    common = ["--data", str(lit), "--chunk-words", "500", "--max-per-document", "2"]
    horace("signatures", *common, "--cache", str(cache), "--out", str(out))
    signatures = load_signatures(out)
    assert set(signatures) == set(TRIO)
    assert all(s.n_chunks == 6 and s.meta["chunk_words"] == 500 for s in signatures.values())
    assert set(signatures["Austen"].features) == set(FEATURE_NAMES)
    chunks = load_chunks(lit, 500, max_per_document=2)
    rows = corpus_features(chunks, "rlnvr-tiny", "torch", cache)
    for author in TRIO:
        own = [row for c, row in zip(chunks, rows, strict=True) if c.author == author]
        distance = {
            a: np.mean([signature_distance(row, s) for row in own]) for a, s in signatures.items()
        }
        assert min(distance, key=distance.get) == author, distance
