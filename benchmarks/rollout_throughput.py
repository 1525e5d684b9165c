"""Rollout tokens/s: the trainer's batched generation vs mlx_lm's and transformers' batched
generation, and vs mlx_lm.generate once per completion.

    .venv/bin/python benchmarks/rollout_throughput.py [--model rlnvr-tiny] [--tasks 4]
        [--group 8] [--max-tokens 64] [--words 60] [--rounds 3] [--no-sequential]
        [--torch-threads N]

Every side gets the same model, the same ``tasks x group`` prompts (word-count tasks asking
for ``--words`` words, rendered with the model's chat template: a long target keeps most
completions running to ``--max-tokens``, the trainer's batch being 32 x 64) and the same
sampler (T=1, no top-p/top-k), and counts only generated tokens, a stop token included:

- ``rlnvr``: the trainer's rollout path, ``trainers/rollout.py:generate_groups`` (mlx_lm's
  BatchGenerator, all sequences in one batch, keeping each sampled token's log-prob);
- ``mlx_lm.batch_generate`` with its defaults (32 sequences at once, prefill 8 at a time);
- transformers' batched ``generate`` in torch fp32 (left-padded prompts, sampling);
- ``mlx_lm.stream_generate`` one completion at a time (``--no-sequential`` skips it: with a
  135M model it takes minutes).

Sampled completions stop at different lengths, so each round's tokens/s is that round's
tokens over its time; the median of ``--rounds`` interleaved rounds is printed (timing.py).
MLX runs in fp32 on CPU (``load_mlx``). Targets: rlnvr at least 0.9x batch_generate and 4x
the sequential baseline.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from timing import interleaved_rates, set_torch_threads

import rlnvr  # noqa: F401  (fast BLAS before mlx)
from rlnvr.trainers.models import load_mlx, load_torch
from rlnvr.trainers.rollout import SamplingConfig, generate_groups, prompt_ids
from rlnvr.trainers.tasksets import load_tasks

Side = Callable[[], int]  # one batch of rollouts; returns the tokens it generated


def word_count_tasks(count: int, words: int) -> list:
    """``count`` word-count tasks (different topics) that ask for ``words`` words."""
    table = {"id": "rlnvr.tasksets.word_count", "min_words": words, "max_words": words}
    return load_tasks(table)[:count]


def rlnvr_side(model, tokenizer, tasks: list, group: int, max_tokens: int) -> Side:
    sampling = SamplingConfig(max_tokens=max_tokens)

    def run() -> int:
        groups = generate_groups(model, tokenizer, tasks, group, sampling)
        return sum(len(r.completion_ids) for g in groups for r in g)

    return run


def batch_generate_side(model, tokenizer, prompts: list[list[int]], max_tokens: int) -> Side:
    from mlx_lm import batch_generate
    from mlx_lm.sample_utils import make_sampler

    sampler = make_sampler(temp=1.0)

    def run() -> int:
        out = batch_generate(model, tokenizer, prompts, max_tokens=max_tokens, sampler=sampler)
        return out.stats.generation_tokens

    return run


def sequential_side(model, tokenizer, prompts: list[list[int]], max_tokens: int) -> Side:
    from mlx_lm import stream_generate
    from mlx_lm.sample_utils import make_sampler

    sampler = make_sampler(temp=1.0)

    def run() -> int:
        produced = 0
        for prompt in prompts:
            response = None
            for response in stream_generate(  # noqa: B007
                model, tokenizer, prompt, max_tokens=max_tokens, sampler=sampler
            ):
                pass
            produced += response.generation_tokens
        return produced

    return run


def transformers_side(folder_model: str, prompts: list[list[int]], max_tokens: int) -> Side:
    """transformers' ``generate`` on the whole batch: prompts left-padded, plain sampling at
    T=1 (its default top_k=50 turned off, as on the MLX sides)."""
    import torch

    net, tokenizer = load_torch(folder_model)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    width = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), width), pad, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for i, p in enumerate(prompts):
        ids[i, width - len(p) :] = torch.tensor(p)
        mask[i, width - len(p) :] = 1
    eos = net.generation_config.eos_token_id
    stops = set(eos if isinstance(eos, list) else [eos])

    def run() -> int:
        with torch.inference_mode():
            out = net.generate(
                input_ids=ids, attention_mask=mask, do_sample=True, temperature=1.0,
                top_k=0, top_p=1.0, max_new_tokens=max_tokens, pad_token_id=pad,
            )
        return sum(generated_length(row, stops) for row in out[:, width:].tolist())

    return run


def generated_length(row: list[int], stops: set[int]) -> int:
    """Tokens a row generated, its stop token included (the rest is padding)."""
    for i, token in enumerate(row):
        if token in stops:
            return i + 1
    return len(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="rlnvr-tiny")
    parser.add_argument("--tasks", type=int, default=4)
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--words", type=int, default=60, help="word-count target of the prompts")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sequential", action=argparse.BooleanOptionalAction, default=True,
                        help="also time mlx_lm.stream_generate one completion at a time")
    parser.add_argument("--torch-threads", type=int, default=0,
                        help="torch.set_num_threads for the transformers side (0: default)")
    args = parser.parse_args()
    threads = set_torch_threads(args.torch_threads)
    model, tokenizer = load_mlx(args.model)
    tasks = word_count_tasks(args.tasks, args.words)
    prompts = [prompt_ids(tokenizer, t) for t in tasks for _ in range(args.group)]
    sides: dict[str, Any] = {
        "rlnvr": rlnvr_side(model, tokenizer, tasks, args.group, args.max_tokens),
        "batch_generate": batch_generate_side(model, tokenizer, prompts, args.max_tokens),
        "transformers": transformers_side(args.model, prompts, args.max_tokens),
    }
    if args.sequential:
        sides["sequential"] = sequential_side(model, tokenizer, prompts, args.max_tokens)
    rates = {k: r.per_second for k, r in interleaved_rates(sides, 1, args.rounds).items()}

    names = {
        "rlnvr": "rlnvr rollouts (generate_groups)",
        "batch_generate": "mlx_lm.batch_generate",
        "transformers": f"transformers generate (torch fp32, {threads} threads)",
        "sequential": "mlx_lm.stream_generate, one at a time",
    }
    print(f"{args.tasks} prompts x {args.group} completions, up to {args.max_tokens} new "
          f"tokens, model {args.model}, median of {args.rounds} interleaved rounds")
    for side, rate in rates.items():
        print(f"{names[side]:<52} {rate:>8.1f} tokens/s")
    print(f"rlnvr / batch_generate: {rates['rlnvr'] / rates['batch_generate']:.2f}x "
          "(target >= 0.9x)")
    print(f"rlnvr / transformers:   {rates['rlnvr'] / rates['transformers']:.2f}x")
    if "sequential" in rates:
        print(f"rlnvr / sequential:     {rates['rlnvr'] / rates['sequential']:.2f}x "
              "(target >= 4x)")


if __name__ == "__main__":
    main()
