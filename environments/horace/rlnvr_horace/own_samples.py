"""The scoring model's own writing: where a policy that starts as the scorer begins.

The policy a Horace run starts from is usually the scoring model itself (rlnvr-tiny), which
was pretrained on the very novels the signatures come from. The build samples it on
Horace-style prompts whose openings are no task's (T = 1, the chat template a policy sees) and
keeps the cadence signature of those samples, and the reward records each text's distance to
it (``own_sample_distance``): falling during a run, the policy drifts toward the scorer's own
writing rather than an author's. It is not a competitor in the margin: its spread is much
wider than an author's, so most human prose lies nearer it than to any author (measured in
rlnvr's ``docs/horace.md``).
"""

from __future__ import annotations

from collections.abc import Sequence


def sample_texts(model: str, prompts: Sequence[str], max_new_tokens: int, seed: int) -> list[str]:
    """One continuation per prompt from ``model`` (torch, fp32), sampled at T = 1."""
    import torch

    from rlnvr_horace.token_metrics import load_scorer

    net, tokenizer = load_scorer(model, "torch")
    torch.manual_seed(seed)
    texts = []
    for prompt in prompts:
        chat = [{"role": "user", "content": prompt}]
        text = tokenizer.apply_chat_template(chat, add_generation_prompt=True, tokenize=False)
        ids = tokenizer(text, add_special_tokens=False, return_tensors="pt").input_ids
        with torch.no_grad():
            out = net.generate(
                ids, do_sample=True, temperature=1.0, top_k=0, top_p=1.0,
                max_new_tokens=max_new_tokens,
            )  # fmt: skip
        texts.append(tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True))
    return texts
