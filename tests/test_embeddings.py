import numpy as np

from rlnvr.rubrics.embeddings import Embedder


def test_vectors_are_normalised_and_semantic(embedder):
    sims = embedder.similarity(
        ["Stocks fell sharply on Monday"], ["The stock market dropped", "A kitten chased a ball"]
    )
    assert sims[0, 0] > sims[0, 1] + 0.3
    assert np.allclose(np.linalg.norm(embedder.encode(["hello world"]), axis=1), 1, atol=1e-5)


def test_cache_embeds_each_text_once(embedder):
    calls = []
    original = embedder.model.encode

    def counting(texts, **kwargs):
        calls.append(list(texts))
        return original(texts, **kwargs)

    embedder.model.encode = counting
    try:
        refs = ["cache ref one", "cache ref two", "cache ref three"]
        first = embedder.encode(refs + ["cache ref one"])
        again = embedder.encode(refs)
    finally:
        del embedder.model.encode
    assert calls == [refs]  # one batched call, duplicates removed, second call all hits
    assert np.array_equal(first[:3], again)
    assert np.array_equal(first[0], first[3])


def test_cache_is_bounded_lru(embedder):
    small = Embedder(max_cached=2)
    small._model = embedder.model  # share the loaded weights; the cache is what is tested
    small.encode(["a", "b"])
    small.encode(["a"])  # refresh a
    small.encode(["c"])  # evicts b
    assert len(small) == 2
    misses = small.misses
    small.encode(["a", "c"])
    assert small.misses == misses
    small.encode(["b"])
    assert small.misses == misses + 1


def test_empty_input(embedder):
    assert embedder.encode([]).shape == (0, 384)


def test_a_long_text_embeds_as_the_model_reads_it_whole(embedder):
    """Only the readable prefix reaches the model, and it gives the same vector: prose past
    the token window, one 5,000-character word ([UNK] either way) followed by more text."""
    texts = [
        "The quick brown fox jumps over the lazy dog near the river bank. " * 300,
        "Forecast: gold rises. " + "x" * 5000 + " and then" * 600,
    ]
    for text in texts:
        assert len(embedder.readable(text)) < len(text)
        whole = embedder.model.encode([text], normalize_embeddings=True)[0]
        np.testing.assert_allclose(embedder.encode([text])[0], whole, atol=1e-6)


def test_pooled_states_share_their_forward_with_the_embedding(embedder):
    """A probe's features and the sentence embedding come from one forward pass: after
    ``pooled_states`` the texts are cache hits whose vectors are what ``encode`` computes."""
    texts = ["  A moose charged a hiker near Anchorage.  ", "Rates held steady", "word " * 600]
    fresh = Embedder(batch_size=2)
    fresh._model = embedder.model
    states = fresh.pooled_states(texts, (3, 6))
    assert states.shape == (3, 4 * fresh.dim) and np.isfinite(states).all()
    assert fresh.misses == 0 and len(fresh) == 3
    shared = fresh.encode(texts)
    assert fresh.hits == 3 and fresh.misses == 0
    computed = embedder.model.encode(
        [embedder.readable(t) for t in texts], normalize_embeddings=True, convert_to_numpy=True
    )
    assert np.allclose(shared, computed, atol=1e-5)
