import pytest

from rlnvr.data_pipelines.literature import (
    CorpusError,
    iter_documents,
    read_corpus,
    strip_gutenberg,
)
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


TEXT = "It was a bright cold day in April, and the clocks were striking thirteen.\n"


def test_read_corpus_takes_a_users_layouts(tmp_path):
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "Austen_Emma.txt").write_text(TEXT)
    (flat / "bronte-villette.txt").write_text(TEXT)
    (flat / "jane_austen").mkdir()
    (flat / "jane_austen" / "Persuasion.txt").write_text(TEXT)
    docs = {(d.author, d.title) for d in read_corpus(flat)}
    assert docs == {("Austen", "Emma"), ("Bronte", "villette"), ("Jane Austen", "Persuasion")}
    assert [d.author for d in read_corpus(flat / "jane_austen" / "Persuasion.txt")] == [
        "Jane Austen"
    ]


def test_read_corpus_takes_a_csv_manifest_and_only_what_it_lists(tmp_path):
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "a.txt").write_text(TEXT)
    (tmp_path / "texts" / "unlisted.txt").write_text(TEXT)
    (tmp_path / "manifest.csv").write_text("path,author,title\ntexts/a.txt,George Orwell,1984\n")
    (doc,) = read_corpus(tmp_path)
    assert (doc.author, doc.title, doc.text) == ("George Orwell", "1984", TEXT.strip())
    assert read_corpus(tmp_path / "manifest.csv") == [doc]


def test_a_file_without_an_author_is_an_error_naming_it(tmp_path):
    (tmp_path / "untitled.txt").write_text(TEXT)
    with pytest.raises(CorpusError, match=r"untitled\.txt: cannot tell the author"):
        read_corpus(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("path,author,title\nmissing.txt,Orwell,x\n")
    with pytest.raises(CorpusError, match=r"bad\.csv, line 2: field 'path'"):
        read_corpus(bad)
    bad.write_text("file,author\nx.txt,Orwell\n")
    with pytest.raises(CorpusError, match=r"bad\.csv: missing column\(s\) path, title"):
        read_corpus(bad)


def test_read_corpus_reads_the_shipped_layouts_as_before(samples):
    shipped = list(iter_documents(samples / "literature"))
    assert read_corpus(samples / "literature") == shipped
