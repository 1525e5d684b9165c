from rlnvr.trainers.tokenizer import SPECIAL_TOKENS, train_tokenizer

MESSAGES = [
    {"role": "system", "content": "You write short posts."},
    {"role": "user", "content": "Write a post about the eclipse. Émoji ok? 🌘"},
    {"role": "assistant", "content": "The moon took a bite out of the sun today."},
]


def test_chat_template_round_trip(tiny_mlx):
    _, tokenizer = tiny_mlx
    text = tokenizer.apply_chat_template(MESSAGES, tokenize=False)
    assert text.startswith("<|im_start|>system\nYou write short posts.<|im_end|>\n")
    ids = tokenizer.encode(text, add_special_tokens=False)
    assert tokenizer.decode(ids) == text


def test_generation_prompt_ends_with_assistant_turn(tiny_mlx):
    _, tokenizer = tiny_mlx
    text = tokenizer.apply_chat_template(MESSAGES[:2], tokenize=False, add_generation_prompt=True)
    assert text.endswith("<|im_start|>assistant\n")


def test_special_tokens_are_single_ids_and_eos_stops(tiny_mlx):
    _, tokenizer = tiny_mlx
    for token in SPECIAL_TOKENS:
        assert len(tokenizer.encode(token, add_special_tokens=False)) == 1
    assert tokenizer.convert_tokens_to_ids("<|im_end|>") in tokenizer.eos_token_ids


def test_train_tokenizer_is_byte_level():
    tok = train_tokenizer(["the cat sat on the mat"] * 50, vocab_size=300)
    text = "unseen ünïcode ✓"
    assert tok.decode(tok.encode(text)) == text
