"""Horace analysis engine: per-token metrics, cadence statistics, cohesion, the CLI."""

import csv
import json
import math

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from rlnvr.cli import app
from rlnvr.data_pipelines.literature import iter_documents
from rlnvr.trainers.models import bundled_model_path
from rlnvr_horace.cadence import (
    FEATURE_NAMES,
    autocorrelation,
    cadence_features,
    chunks,
    cooldown_drop,
    feature_vector,
    run_lengths,
    spikes,
)
from rlnvr_horace.cohesion import cohesion_delta, shuffled, split_units
from rlnvr_horace.token_metrics import (
    NUCLEUS_CANDIDATES,
    ScoringConfig,
    TokenMetrics,
    encode,
    load_scorer,
    metrics_from_logits,
    plan_windows,
    score_batch,
    score_ids,
    score_text,
    start_token_id,
)

SMALL = ScoringConfig(window=128, min_context=32, batch_size=4)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def torch_scorer():
    return load_scorer("rlnvr-tiny", "torch")


@pytest.fixture(scope="module")
def novel(samples) -> str:
    return next(iter_documents(samples / "literature")).text


@pytest.mark.parametrize("length", [2, 50, 128, 129, 300, 1000])
def test_windows_score_every_token_once_with_enough_context(length):
    plan = plan_windows(length, 128, 32)
    scored = []
    for k, (start, first) in enumerate(plan):
        end = plan[k + 1][1] if k + 1 < len(plan) else length
        assert min(start + 128, length) >= end  # the window holds every target it scores
        if k:
            assert first - start >= 32
        scored.extend(range(first, end))
    assert scored == list(range(1, length))


def test_windowed_metrics_match_a_direct_forward(torch_scorer, novel):
    model, tokenizer = torch_scorer
    metrics = score_text(novel, model, tokenizer, "torch", SMALL, max_tokens=400)
    ids, _ = encode(novel, tokenizer, 400)
    inputs = [start_token_id(tokenizer), *ids.tolist()]
    plan = plan_windows(len(inputs), SMALL.window, SMALL.min_context)
    with torch.inference_mode():
        for j in (1, 127, 128, 250, 400):  # first token, window edges, the last token
            start = max(s for s, first in plan if first <= j)
            logits = model(torch.tensor([inputs[start:j]])).logits[0, -1]
            logp = torch.log_softmax(logits, -1)
            probs = logp.exp()
            assert metrics.surprisal[j - 1] == pytest.approx(-logp[inputs[j]].item(), abs=1e-4)
            assert metrics.entropy[j - 1] == pytest.approx(-(probs * logp).sum().item(), abs=1e-4)
            assert metrics.rank[j - 1] == int((logp > logp[inputs[j]]).sum()) + 1
            top = probs.sort(descending=True).values.cumsum(0)
            assert abs(metrics.nucleus[j - 1] - (int((top < 0.9).sum()) + 1)) <= 1


def test_mlx_and_torch_backends_agree(torch_scorer, tiny_mlx, novel):
    text = novel[:6000]
    a = score_text(text, *torch_scorer, "torch", SMALL, max_tokens=700)
    b = score_text(text, *tiny_mlx, "mlx", SMALL, max_tokens=700)
    assert len(a) == len(b) == 700  # several windows of 128 tokens
    assert np.abs(a.surprisal - b.surprisal).max() < 1e-4
    assert np.abs(a.entropy - b.entropy).max() < 1e-4
    # integers computed from floats that differ by ~1e-5 may flip at a tie or the 0.9 boundary
    assert np.abs(a.rank - b.rank).max() <= 1 and (a.rank != b.rank).mean() < 0.01
    assert np.abs(a.nucleus - b.nucleus).max() <= 1 and (a.nucleus != b.nucleus).mean() < 0.01
    assert a.tokens == b.tokens and np.array_equal(a.content, b.content)


@pytest.mark.parametrize("vocab", [1000, 8192])  # all rows sorted; partition + wide rows
def test_metrics_match_float64_on_peaked_and_flat_rows(vocab):
    rng = np.random.default_rng(0)
    scale = np.repeat([0.02, 1.0, 6.0], 16)[:, None]  # near-uniform (nucleus ~0.9 vocab) to peaked
    logits = (rng.normal(size=(len(scale), vocab)) * scale + 30).astype(np.float32)
    targets = rng.integers(0, vocab, len(scale))
    exact = logits.astype(np.float64)
    logp = exact - exact.max(-1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(-1, keepdims=True))
    top = np.cumsum(-np.sort(-np.exp(logp), axis=-1), axis=-1)
    rows = np.arange(len(targets))
    m = metrics_from_logits(logits.copy(), targets, 0.9)
    # logits far from 0 once cost the entropy 1e-4 nats of fp32 cancellation
    assert np.abs(m["surprisal"] - -logp[rows, targets]).max() < 1e-5
    assert np.abs(m["entropy"] - -(np.exp(logp) * logp).sum(-1)).max() < 1e-5
    assert np.array_equal(m["rank"], (exact > exact[rows, targets][:, None]).sum(-1) + 1)
    assert np.array_equal(m["nucleus"], (top < 0.9).sum(-1) + 1)
    if vocab > NUCLEUS_CANDIDATES:  # the flat rows took the full-sort path
        assert m["nucleus"][:16].min() > NUCLEUS_CANDIDATES


def test_texts_batched_together_score_as_alone(torch_scorer, novel):
    model, tokenizer = torch_scorer
    ids, _ = encode(novel, tokenizer, 400)
    start = [start_token_id(tokenizer)]
    # 3 windows of 128, two texts of 51 ids (one batch), none to score, one more of 128
    spans = [(0, 300), (10, 60), (100, 150), (0, 0), (200, 330)]
    texts = [np.concatenate([start, ids[a:b]]) for a, b in spans]
    together = score_batch(texts, model, "torch", SMALL)
    for text, values in zip(texts, together, strict=True):
        alone = score_ids(text, model, "torch", SMALL)
        assert values.keys() == alone.keys() and len(values["rank"]) == len(text) - 1
        for key in ("surprisal", "entropy"):
            assert np.abs(values[key] - alone[key]).max(initial=0) < 1e-5
        for key in ("rank", "nucleus"):
            assert np.abs(values[key] - alone[key]).max(initial=0) <= 1


def test_tokens_join_back_and_flag_content_and_punctuation(torch_scorer):
    text = "The old cat sat on the mat; it was — naïvely — happy."
    m = score_text(text, *torch_scorer)
    assert "".join(m.tokens) == text
    words = {tok.strip(): (c, p) for tok, c, p in zip(m.tokens, m.content, m.punct, strict=True)}
    assert words["cat"] == (True, False) and words["mat"] == (True, False)
    assert words["The"] == (False, False) and words["on"] == (False, False)
    assert words[";"] == (False, True) and words["."] == (False, True)
    assert len(m) == len(m.rows()) and set(m.rows()[0]) >= {"token", "surprisal", "nucleus"}
    assert np.all(m.rank >= 1) and np.all(m.nucleus >= 1) and np.all(m.entropy >= 0)


def test_empty_and_bad_input(torch_scorer):
    assert len(score_text("", *torch_scorer)) == 0
    assert cadence_features(score_text("Hi", *torch_scorer)).keys() == set(FEATURE_NAMES)
    with pytest.raises(ValueError, match="min_context"):
        ScoringConfig(window=64, min_context=64)
    with pytest.raises(ValueError, match="backend"):
        load_scorer("rlnvr-tiny", "jax")


def _series(surprisal, entropy=None, content=None, punct=None) -> TokenMetrics:
    s = np.asarray(surprisal, dtype=np.float32)
    n = len(s)
    return TokenMetrics(
        token_ids=np.arange(n),
        tokens=["x"] * n,
        surprisal=s,
        entropy=np.asarray(entropy if entropy is not None else np.ones(n), dtype=np.float32),
        rank=np.ones(n, dtype=np.int64),
        nucleus=np.ones(n, dtype=np.int64),
        content=np.asarray(content if content is not None else np.ones(n), dtype=bool),
        punct=np.asarray(punct if punct is not None else np.zeros(n), dtype=bool),
    )


def test_cadence_statistics_on_a_known_series():
    # a spike (10) every 5 tokens over a flat 1: spikes at 0, 5, 10, 15
    s = np.ones(20)
    s[::5] = 10
    entropy = np.tile([6.0, 2.0, 3.0, 4.0, 5.0], 4)
    punct = np.zeros(20, bool)
    punct[[1, 4]] = True  # after the first spike, before the second
    f = cadence_features(_series(s, entropy, content=s > 5, punct=punct))
    assert list(f) == list(FEATURE_NAMES) and all(math.isfinite(v) for v in f.values())
    assert np.array_equal(spikes(s), [0, 5, 10, 15])
    assert f["spike_rate"] == 20.0 and f["ipi_mean"] == 5.0 and f["ipi_cv"] == 0.0
    assert f["cooldown_drop"] == pytest.approx(6.0 - 3.0)  # 15 has only 4 followers: kept
    assert f["spike_content_frac"] == 1.0
    assert f["spike_next_punct_frac"] == 0.25 and f["spike_prev_punct_frac"] == pytest.approx(1 / 3)
    assert f["surprisal_q50"] == 1.0 and f["surprisal_mean"] == pytest.approx(2.8)
    assert f["run_above_mean"] == 1.0 and f["run_below_mean"] == 4.0
    assert f["acf1"] == pytest.approx(autocorrelation(s, 1)) and f["acf1"] < 0
    assert np.array_equal(feature_vector(_series(s)), list(cadence_features(_series(s)).values()))


def test_cadence_helpers_edge_cases():
    assert autocorrelation(np.ones(10), 1) == 0.0
    above, below = run_lengths(np.array([True, True, False, True, False, False]))
    assert above.tolist() == [2, 1] and below.tolist() == [1, 2]
    assert cooldown_drop(np.ones(5), np.array([3, 4])) == 0.0  # no spike has 3 followers
    f = cadence_features(_series(np.ones(8)))  # no spikes at all
    assert f["spike_rate"] == 0.0 and f["ipi_mean"] == 8.0 and f["cooldown_drop"] == 0.0
    pieces = chunks(_series(np.arange(10)), 4)
    assert [len(p) for p in pieces] == [4, 4, 2] and pieces[2].surprisal.tolist() == [8, 9]


def test_units_and_shuffles():
    poem = "Season of mists\nand mellow fruitfulness,\n\nClose bosom-friend\nof the sun;"
    assert split_units(poem, "poem")[0][1] == "and mellow fruitfulness,"
    prose = "One day. Two days!\n\nThree.\n\nFour? Five."
    assert split_units(prose)[2] == "paragraph" and len(split_units(prose)[0]) == 3
    assert split_units('He came. She left! Why? "Because." Then')[0][3] == '"Because."'
    units = ["a", "b", "c"]
    rng = np.random.default_rng(0)
    assert all(sorted(x) == units and x != units for x in (shuffled(units, rng) for _ in range(20)))
    assert shuffled(["a", "a"], rng) == ["a", "a"]


def test_cohesion_delta_is_shuffled_minus_original_loglik(torch_scorer, novel):
    result = cohesion_delta(novel, *torch_scorer, form="novel", n_shuffles=2, max_tokens=200)
    assert result.unit in ("paragraph", "sentence") and result.n_units >= 2
    assert len(result.shuffled) == 2
    assert result.delta == pytest.approx(result.original - np.mean(result.shuffled))
    assert math.isnan(cohesion_delta("One sentence only", *torch_scorer).delta)


def test_cli_analyze_writes_tables_plots_and_model_agreement(samples, tmp_path):
    for author, source in [("jane_doe", "Austen_Emma"), ("john_roe", "Dickens_Hard")]:
        (tmp_path / "corpus" / author).mkdir(parents=True)
        text = (samples / "literature" / "british_fiction" / f"{source}.txt").read_text()
        (tmp_path / "corpus" / author / "one.txt").write_text(text[5000:9000])
    poems = samples / "literature" / "horace_corpus" / "poem"
    out = tmp_path / "out"
    args = ["horace", "analyze", str(tmp_path / "corpus"), str(poems)]  # author/title.txt
    args += ["--max-tokens", "120", "--out", str(out), "--shuffles", "1", "--threads", "1"]
    args += ["-m", "rlnvr-tiny", "-m", str(bundled_model_path())]  # same weights twice
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((out / "documents.csv").open()))
    n_docs = 2 + len(list(poems.glob("*/*.txt")))  # Jane Doe, John Roe, Keats, Gray
    assert len(rows) == 2 * n_docs and {"Jane Doe", "John Roe", "John Keats"} <= {
        r["author"] for r in rows
    }
    assert set(FEATURE_NAMES) | {"cohesion_delta", "tokens"} <= set(rows[0])
    tokens = (out / "tokens.jsonl").read_text().splitlines()
    assert len(tokens) == sum(int(r["tokens"]) for r in rows)
    assert json.loads(tokens[0])["model"] == "rlnvr-tiny"
    assert (out / "authors.png").stat().st_size > 0 and list((out / "plots").glob("*.png"))
    agreement = list(csv.DictReader((out / "agreement.csv").open()))
    spike = next(r for r in agreement if r["statistic"] == "spike_rate")
    assert spike["authors"] == "4" and float(spike["spearman"]) == pytest.approx(1.0)
    assert "documents.md" in {p.name for p in out.iterdir()}


def test_cli_analyze_names_a_missing_path(tmp_path):
    result = CliRunner().invoke(app, ["horace", "analyze", str(tmp_path / "nope")])
    assert result.exit_code != 0 and "nope" in result.output
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(app, ["horace", "analyze", str(tmp_path / "empty")])
    assert result.exit_code != 0 and "no non-empty .txt" in result.output
