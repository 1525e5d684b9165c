"""Horace analysis speed: our PyTorch and MLX backends vs minicons, same text, same weights.

    .venv/bin/python benchmarks/horace_analysis.py [--model rlnvr-tiny] [--passages 8]
        [--length 512] [--batch 8] [--repeats 3] [--threads 1] [--modes minicons,torch_all]

Every mode scores the same passages (``--length`` tokens each, the document-start token
first, so one window per passage) in its own child process, so that its peak memory is its
own. Modes: minicons' ``IncrementalLMScorer`` as shipped (surprisal only, and with ranks)
and ours (surprisal only, and all per-token metrics: surprisal, entropy, rank, nucleus width)
on PyTorch and on MLX. Both sides do the same work: token ids in (no tokenization timed),
``--batch`` passages per call and per forward pass (ours through ``score_batch``, minicons
through ``compute_stats``), values out as Python lists. The children load and warm up
first, then take turns, one timed run each per round, so that a load spike on a shared
machine hits every mode alike rather than whichever ran then.

Reports tokens/s (best of ``--repeats``, the least disturbed run on a shared CPU) by wall
clock and by CPU time (steadier there; equal to wall time for one thread on an idle
machine), the peak resident memory added by scoring, the speed ratios the targets are
about, and checks that every mode's surprisals (and ranks) equal minicons' within 1e-4.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import rlnvr  # noqa: F401  (fast BLAS before mlx)

ROOT = Path(__file__).resolve().parent.parent
MODES = {
    "minicons": "minicons IncrementalLMScorer, surprisal only",
    "minicons_rank": "minicons IncrementalLMScorer, surprisal + rank",
    "torch_surprisal": "ours, PyTorch, surprisal only",
    "torch_all": "ours, PyTorch, all per-token metrics",
    "mlx_surprisal": "ours, MLX, surprisal only",
    "mlx_all": "ours, MLX, all per-token metrics",
}
REPLY = "@horace-bench "  # marks a child's replies among whatever its libraries print


def passages(tokenizer, n: int, length: int) -> np.ndarray:
    """``[n, length]`` token ids: the start token, then each sample document's opening."""
    from rlnvr.data_pipelines.literature import iter_documents
    from rlnvr_horace.token_metrics import encode, start_token_id

    rows = []
    for doc in iter_documents(ROOT / "data" / "samples" / "literature"):
        ids, _ = encode(doc.text, tokenizer, length - 1)
        if len(ids) == length - 1:
            rows.append([start_token_id(tokenizer), *ids.tolist()])
        if len(rows) == n:
            return np.asarray(rows, dtype=np.int64)
    raise SystemExit(f"only {len(rows)} sample documents have {length} tokens")


def _minicons_runner(model: str, mode: str, batch: int):
    import torch
    from minicons.scorer import IncrementalLMScorer
    from transformers import BatchEncoding

    from rlnvr.trainers.models import resolve

    scorer = IncrementalLMScorer(resolve(model), device="cpu", dtype=torch.float32)

    def run(inputs: np.ndarray) -> dict:
        out: dict[str, list] = {"surprisal": [], "rank": []}
        for i in range(0, len(inputs), batch):
            ids = torch.from_numpy(inputs[i : i + batch])
            enc = BatchEncoding({"input_ids": ids, "attention_mask": torch.ones_like(ids)})
            stats = scorer.compute_stats(scorer.prepare_text(enc), rank=mode.endswith("rank"))
            scores, ranks = stats if mode.endswith("rank") else (stats, [])
            out["surprisal"] += [-np.asarray(s) for s in scores]
            out["rank"] += [np.asarray(r) for r in ranks]
        return {k: np.concatenate(v).tolist() for k, v in out.items() if v}

    return scorer.tokenizer, run


def _our_runner(model: str, mode: str, length: int, batch: int):
    from rlnvr_horace.token_metrics import ScoringConfig, load_scorer, score_batch

    backend, what = mode.split("_")
    net, tokenizer = load_scorer(model, backend)
    cfg = ScoringConfig(window=length, min_context=length // 4, batch_size=batch)

    def run(inputs: np.ndarray) -> dict:
        parts = []
        for i in range(0, len(inputs), batch):
            parts += score_batch(inputs[i : i + batch], net, backend, cfg, full=what == "all")
        return {k: np.concatenate([p[k] for p in parts]).tolist() for k in parts[0]}

    return tokenizer, run


def serve(args) -> None:
    """One mode, in this (child) process: a timed run per ``run`` line on stdin; at any other
    line, the best-of speeds, the peak memory added by scoring and the values."""
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if args.child.startswith("minicons"):
        tokenizer, run = _minicons_runner(args.model, args.child, args.batch)
    else:
        tokenizer, run = _our_runner(args.model, args.child, args.length, args.batch)
    inputs = passages(tokenizer, args.passages, args.length)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # the model loaded
    run(inputs[: args.batch])  # warm-up
    wall, cpu = [], []
    print(REPLY + "ready", flush=True)
    while sys.stdin.readline().strip() == "run":
        start, start_cpu = time.perf_counter(), time.process_time()
        values = run(inputs)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        print(REPLY + "done", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tokens = inputs.shape[0] * (inputs.shape[1] - 1)
    result = {"tokens_per_s": tokens / min(wall), "tokens_per_cpu_s": tokens / min(cpu),
              "tokens": tokens, "wall": wall, "cpu": cpu, "peak_rss_mb": peak / 1024,
              "added_peak_mb": (peak - rss_before) / 1024, "values": values}  # fmt: skip
    print(REPLY + json.dumps(result), flush=True)


class Child:
    """A mode's child process, driven line by line; its stderr goes to a file, for errors."""

    def __init__(self, mode: str, args, stderr) -> None:
        cmd = [sys.executable, __file__, "--child", mode, "--model", args.model]
        for flag in ("passages", "length", "threads", "batch"):
            cmd += [f"--{flag}", str(getattr(args, flag))]
        env = os.environ.copy()
        if args.threads:  # MLX's OpenBLAS too, so that every mode gets the same cores
            env["OPENBLAS_NUM_THREADS"] = str(args.threads)
        self.mode, self.stderr = mode, stderr
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, text=True, env=env)  # fmt: skip

    def send(self, command: str | None) -> str:
        """Send ``command`` (if any) and return the child's next reply."""
        if command is not None:
            self.proc.stdin.write(command + "\n")
            self.proc.stdin.flush()
        while line := self.proc.stdout.readline():
            if line.startswith(REPLY):
                return line[len(REPLY) :].strip()
        self.stderr.seek(0)
        raise SystemExit(f"{self.mode} failed:\n{self.stderr.read()[-3000:]}")


def measure_all(args) -> dict[str, dict]:
    """Every mode's results, its timed runs interleaved round by round with the others'."""
    with contextlib.ExitStack() as files:
        modes = args.modes.split(",")
        logs = [files.enter_context(tempfile.TemporaryFile("w+")) for _ in modes]
        children = [Child(mode, args, log) for mode, log in zip(modes, logs, strict=True)]
        for child in children:
            child.send(None)  # "ready": loaded and warmed up
        for _ in range(args.repeats):
            for child in children:
                child.send("run")
        return {child.mode: json.loads(child.send("end")) for child in children}


def _agreement(results: dict) -> list[str]:
    ref = results["minicons_rank"]["values"]
    lines = []
    for mode, res in results.items():
        diff = np.abs(np.asarray(res["values"]["surprisal"]) - ref["surprisal"]).max()
        line = f"{mode:16s} surprisal max |diff| vs minicons {diff:.2e}"
        if "rank" in res["values"]:
            same = np.mean(np.asarray(res["values"]["rank"]) == ref["rank"])
            line += f", ranks equal {100 * same:.2f}%"
        lines.append(line + ("  OK" if diff <= 1e-4 else "  MISMATCH"))
    return lines


RATIOS = [("torch_all", "minicons", 1.2), ("torch_surprisal", "minicons", None),
          ("torch_all", "minicons_rank", None), ("mlx_all", "torch_all", 0.5)]  # fmt: skip


def _ratios(speed: dict[str, float]) -> list[str]:
    lines = []
    for a, b, target in RATIOS:
        if a in speed and b in speed:
            ratio, goal = speed[a] / speed[b], ""
            if target is not None:
                goal = f"  (target >= {target}: {'met' if ratio >= target else 'MISSED'})"
            lines.append(f"  {a} / {b}: {ratio:.2f}x{goal}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="rlnvr-tiny")
    parser.add_argument("--passages", type=int, default=8, help="Passages scored per run.")
    parser.add_argument("--length", type=int, default=512, help="Tokens per passage.")
    parser.add_argument("--repeats", type=int, default=3, help="Timed runs; the best counts.")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default).")
    parser.add_argument("--batch", type=int, default=8, help="Passages per call (both sides).")
    parser.add_argument("--modes", default=",".join(MODES), help="Comma-separated subset.")
    parser.add_argument("--child", choices=list(MODES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        serve(args)
        return
    results = measure_all(args)
    print(f"{args.passages} passages x {args.length} tokens, model {args.model}, "
          f"torch threads {args.threads or 'default'}, best of {args.repeats}")  # fmt: skip
    print(f"{'mode':16s} {'tokens/s':>9s} {'tok/CPU-s':>9s} {'peak RSS MB':>12s} "
          f"{'added MB':>9s}  what")  # fmt: skip
    for mode, res in results.items():
        print(f"{mode:16s} {res['tokens_per_s']:9.0f} {res['tokens_per_cpu_s']:9.0f} "
              f"{res['peak_rss_mb']:12.0f} {res['added_peak_mb']:9.0f}  {MODES[mode]}")  # fmt: skip
    for key, clock in (("tokens_per_s", "wall clock"), ("tokens_per_cpu_s", "CPU time")):
        print(f"speed ratios by {clock}:")
        print("\n".join(_ratios({mode: res[key] for mode, res in results.items()})))
    if "minicons_rank" in results:
        print("\n".join(_agreement(results)))


if __name__ == "__main__":
    main()
