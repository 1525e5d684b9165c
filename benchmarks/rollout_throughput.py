"""Rollout tokens/s: the trainer's batched generation vs mlx_lm.generate once per completion.

    .venv/bin/python benchmarks/rollout_throughput.py [--model rlnvr-tiny] [--tasks 4] [--group 8]

Same model, prompts (the word-count taskset's), sampler (T=1) and max tokens; both sides
count only generated tokens. Target: the trainer at least 4x the sequential baseline.
"""

from __future__ import annotations

import argparse
import time

import rlnvr  # noqa: F401  (fast BLAS before mlx)
from rlnvr.trainers.models import load_mlx
from rlnvr.trainers.rollout import SamplingConfig, generate_groups, prompt_ids
from rlnvr.trainers.tasksets import load_tasks


def sequential(model, tokenizer, tasks, group: int, max_tokens: int) -> tuple[int, float]:
    from mlx_lm import stream_generate
    from mlx_lm.sample_utils import make_sampler

    sampler = make_sampler(temp=1.0)
    start, produced = time.perf_counter(), 0
    for task in tasks:
        prompt = prompt_ids(tokenizer, task)
        for _ in range(group):
            for response in stream_generate(model, tokenizer, prompt, max_tokens=max_tokens,  # noqa: B007
                                             sampler=sampler):
                pass
            produced += response.generation_tokens
    return produced, time.perf_counter() - start


def batched(model, tokenizer, tasks, group: int, max_tokens: int) -> tuple[int, float]:
    start = time.perf_counter()
    groups = generate_groups(model, tokenizer, tasks, group, SamplingConfig(max_tokens=max_tokens))
    produced = sum(len(r.completion_ids) for g in groups for r in g)
    return produced, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="rlnvr-tiny")
    parser.add_argument("--tasks", type=int, default=4)
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--max-tokens", type=int, default=64)
    args = parser.parse_args()
    model, tokenizer = load_mlx(args.model)
    tasks = load_tasks({"id": "rlnvr.tasksets.word_count"})[: args.tasks]
    batched(model, tokenizer, tasks[:1], 2, 8)  # warm-up
    results = {
        "mlx_lm.generate, one completion at a time": sequential(
            model, tokenizer, tasks, args.group, args.max_tokens),
        f"trainer rollouts, {args.tasks * args.group} sequences batched": batched(
            model, tokenizer, tasks, args.group, args.max_tokens),
    }
    rates = []
    for name, (tokens, seconds) in results.items():
        rates.append(tokens / seconds)
        print(f"{name:<46} {tokens:>6} tokens {seconds:>7.2f} s {tokens / seconds:>8.1f} tokens/s")
    print(f"trainer / sequential: {rates[1] / rates[0]:.2f}x")


if __name__ == "__main__":
    main()
