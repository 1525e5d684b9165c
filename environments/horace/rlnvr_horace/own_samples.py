"""The scoring model's own writing, as a competitor every author must beat.

The policy a Horace run starts from is usually the scoring model itself (rlnvr-tiny), and a
model reads its own samples as unsurprising in its own way: low rank, steady entropy. If the
reward's distances ignore that, the policy is paid for staying what it is. So the build
samples the scoring model on Horace-style prompts whose openings are not tasks (T = 1, no
truncation, the chat template a policy sees) and keeps the cadence signature of those
samples; the reward's margin counts that signature as one more competitor beside the other
authors: text that reads like the scorer's own samples earns no margin, whichever author it
is near (``rlnvr_horace.calibration``).
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
