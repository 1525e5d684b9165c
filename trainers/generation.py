"""Text generation from a loaded MLX model, with its measured speed."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Generation:
    prompt: str
    text: str
    prompt_tokens: int
    generation_tokens: int
    tokens_per_second: float
    finish_reason: str | None


def render_prompt(tokenizer, prompt: str, chat: bool) -> str:
    """Wrap ``prompt`` in the model's chat template as a user turn, ready for the reply."""
    if not chat:
        return prompt
    messages = [{"role": "user", "content": prompt}]
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)


def generate(
    model,
    tokenizer,
    prompt: str,
    *,
    chat: bool = True,
    max_tokens: int = 128,
    temperature: float = 0.8,
    top_p: float = 0.95,
    seed: int = 0,
) -> Generation:
    import mlx.core as mx
    from mlx_lm import stream_generate
    from mlx_lm.sample_utils import make_sampler

    mx.random.seed(seed)
    text_in = render_prompt(tokenizer, prompt, chat)
    sampler = make_sampler(temp=temperature, top_p=top_p)
    pieces, last = [], None
    for last in stream_generate(model, tokenizer, text_in, max_tokens=max_tokens, sampler=sampler):
        pieces.append(last.text)
    if last is None:
        return Generation(prompt, "", 0, 0, 0.0, None)
    return Generation(
        prompt,
        "".join(pieces),
        last.prompt_tokens,
        last.generation_tokens,
        last.generation_tps,
        last.finish_reason,
    )
