from rlnvr.data_pipelines.literature import iter_documents, strip_gutenberg
from rlnvr.data_pipelines.pretrain_corpus import build_corpus
from rlnvr.data_pipelines.splits import is_heldout


def test_strip_gutenberg_keeps_only_the_body():
    text = (
        "\ufeffThe Project Gutenberg eBook\nlicence\n"
        "*** START OF THE PROJECT GUTENBERG EBOOK X ***\nCall me Ishmael.\n"
        "*** END OF THE PROJECT GUTENBERG EBOOK X ***\nmore licence"
    )
    assert strip_gutenberg(text) == "Call me Ishmael."
    assert strip_gutenberg("plain text") == "plain text"


def test_literature_documents_have_authors(samples):
    docs = list(iter_documents(samples / "literature"))
    authors = {d.author for d in docs}
    assert {"Austen", "Dickens", "Edgar Allan Poe", "Ernest Hemingway"} <= authors
    assert all(d.text and "PROJECT GUTENBERG" not in d.text.upper() for d in docs)


def test_split_is_deterministic_and_about_the_asked_size():
    keys = [f"k{i}" for i in range(20_000)]
    held = [is_heldout(k, 2.0) for k in keys]
    assert held == [is_heldout(k, 2.0) for k in keys]
    assert 0.015 < sum(held) / len(keys) < 0.025


def test_corpus_mixes_sources_and_respects_headline_cutoff(samples):
    pieces = build_corpus(samples, headline_cutoff="2025-08-05")
    kinds = {p.key.split(":")[0] for p in pieces}
    assert kinds == {"lit", "news", "post"}
    days = {p.key.split(":")[1] for p in pieces if p.key.startswith("news:")}
    assert days and max(days) < "2025-08-05"
    chats = [p for p in pieces if p.messages]
    assert chats and all(role == "assistant" for p in chats for role, _ in p.messages[1:])
