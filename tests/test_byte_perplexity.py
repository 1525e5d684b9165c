"""Held-out bits per byte: the byte accounting behind the model cards' comparison."""

import math

from rlnvr.data_pipelines.model_folder import hf_tokenizer
from rlnvr.data_pipelines.pretrain_corpus import Piece
from rlnvr.trainers.byte_perplexity import score, token_bytes
from rlnvr.trainers.models import load_mlx

TEXT = "Oil prices rose on Tuesday — café owners said 5% more; naïve forecasts failed."


def test_token_bytes_add_up_to_the_texts_utf8_length():
    _, wrapper = load_mlx("rlnvr-tiny")
    tokenizer = hf_tokenizer(wrapper)
    ids = tokenizer.encode(TEXT, add_special_tokens=False)
    assert int(token_bytes(tokenizer)[ids].sum()) == len(TEXT.encode())


def test_score_counts_bytes_of_text_tokens_only_and_is_a_sane_rate():
    pieces = [Piece(key=f"p{i}", text=f"{TEXT} Piece number {i}.") for i in range(40)]
    s = score("rlnvr-tiny", pieces, context=64, max_blocks=4)
    assert s.targets == 4 * 64
    assert 0 < s.text_nats <= s.token_nats and 0 < s.text_bytes < 4 * 64 * 8
    assert 0.3 < s.bits_per_byte < 8 and math.isfinite(s.token_perplexity)
