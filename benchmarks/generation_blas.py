"""Generation tokens/s of the bundled model with and without the fast BLAS path.

    .venv/bin/python benchmarks/generation_blas.py [--model rlnvr-tiny] [--tokens 128]

The BLAS is chosen when the process starts (it is loaded before MLX and cannot be swapped
afterwards), so this script runs the same measurement twice in child processes, one with
``RLNVR_BLAS=reference``, with the same prompts and greedy decoding, and prints the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import rlnvr  # loads the fast BLAS unless RLNVR_BLAS=reference; must precede mlx

PROMPTS = [
    "Write a Bluesky post about this article.\nTitle: Scientists map the ocean floor",
    "Continue this passage in the style of Jane Austen:\nIt was a fine morning in June.",
    "Headlines for 2025-07-20:\nMarkets rally as inflation cools",
    "What happens next in the markets this week?",
]


WORKLOADS = {
    "single": "generate, 1 sequence",
    "batch16": "batch_generate, 16 sequences",
    "prefill": "prefill, 1024-token prompt",
}


def measure(model: str, tokens: int) -> dict:
    """Three workloads: one stream at a time, a batch of 16 (as in RL rollouts), prefill."""
    import time

    import mlx.core as mx
    from mlx_lm import batch_generate

    from rlnvr.trainers.generation import generate, render_prompt
    from rlnvr.trainers.models import load_mlx

    net, tokenizer = load_mlx(model)
    generate(net, tokenizer, PROMPTS[0], max_tokens=8, temperature=0.0)  # warm-up
    start, produced = time.perf_counter(), 0
    for prompt in PROMPTS:
        out = generate(net, tokenizer, prompt, max_tokens=tokens, temperature=0.0)
        produced += out.generation_tokens
    single = produced / (time.perf_counter() - start)

    ids = [tokenizer.encode(render_prompt(tokenizer, p, chat=True)) for p in PROMPTS * 4]
    start = time.perf_counter()
    out = batch_generate(net, tokenizer, ids, max_tokens=tokens)
    batched = out.stats.generation_tokens / (time.perf_counter() - start)

    long = mx.array([tokenizer.encode(" ".join(PROMPTS * 40))[:1024]])
    mx.eval(net(long))
    start = time.perf_counter()
    mx.eval(net(long))
    prefill = long.size / (time.perf_counter() - start)
    return {"blas": rlnvr.BLAS.library or "reference", "single": single,
            "batch16": batched, "prefill": prefill}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="rlnvr-tiny")
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.model, args.tokens)))
        return
    results = {}
    for name, extra in (("openblas", {}), ("reference", {"RLNVR_BLAS": "reference"})):
        cmd = [sys.executable, __file__, "--child", "--model", args.model,
               "--tokens", str(args.tokens)]
        out = subprocess.run(cmd, env={**os.environ, **extra}, capture_output=True,
                             text=True, check=True)
        results[name] = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{'tokens/s':<28}{'OpenBLAS':>10}{'reference':>11}{'ratio':>8}")
    for key, label in WORKLOADS.items():
        fast, ref = results["openblas"][key], results["reference"][key]
        print(f"{label:<28}{fast:>10.1f}{ref:>11.1f}{fast / ref:>7.2f}x")


if __name__ == "__main__":
    main()
