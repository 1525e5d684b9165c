"""The word-salad judge (rubrics/fluency.py): its edits, its gate, and a real fit."""

import random

import numpy as np
import pytest

from rlnvr.rubrics import fluency
from rlnvr.rubrics.embeddings import shared_embedder
from rlnvr_walter.build import judge_texts

TEXT = "The council voted on Tuesday to keep the library open until nine every weekday."


def test_corrupt_is_seeded_and_edits_words_only():
    vocabulary = ["harbour", "quietly", "seven"]
    once = fluency.corrupt(TEXT, vocabulary, 4, random.Random(3))
    assert once == fluency.corrupt(TEXT, vocabulary, 4, random.Random(3))
    assert fluency.corrupt(TEXT, vocabulary, 0, random.Random(3)) == TEXT
    edited = [fluency.corrupt(TEXT, vocabulary, 8, random.Random(s)) for s in range(20)]
    assert sum(e != TEXT for e in edited) >= 19
    allowed = set(TEXT.split()) | set(vocabulary)
    assert all(set(e.split()) <= allowed for e in edited)
    assert fluency.corrupt("", vocabulary, 2, random.Random(0)).split()


def test_fluent_is_one_up_to_flag_and_zero_from_zero():
    judge = fluency.FluencyJudge(
        mean=[0.0], scale=[1.0], coef=[1.0], intercept=0.0, flag=0.6, zero=0.8
    )
    assert [judge.fluent(p) for p in (0.1, 0.6, 0.7, 0.8, 0.99)] == pytest.approx(
        [1.0, 1.0, 0.5, 0.0, 0.0]
    )


@pytest.fixture(scope="module")
def small_judge():
    texts = judge_texts()
    return fluency.fit(shared_embedder(), random.Random(0).sample(texts, 200))


def test_a_real_fit_separates_heavy_edits_and_round_trips(small_judge, tmp_path):
    auc = small_judge.fitted_on["auc_out_of_fold_by_edits"]
    assert auc["8"] > 0.7 and auc["8"] > auc["1"]
    assert 0.0 < small_judge.flag < small_judge.zero < 1.0
    path = tmp_path / "fluency.json"
    path.write_text(small_judge.dumps())
    loaded = fluency.FluencyJudge.load(path)
    texts = [TEXT, fluency.corrupt(TEXT, ["seven"], 8, random.Random(1)), ""]
    embedder = shared_embedder()
    assert np.allclose(loaded.score(embedder, texts), small_judge.score(embedder, texts), atol=1e-5)
