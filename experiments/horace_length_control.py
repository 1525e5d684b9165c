"""Did a Horace policy learn style, or only to write longer? Both models, same length.

    .venv/bin/python experiments/horace_length_control.py runs/horace/model @ configs/horace.toml

A trained Horace policy writes about twice as long as the base model (its held-out words went
75 -> ~150 in ``configs/horace.toml``'s runs), and the cadence features of a longer text are
less noisy estimates, so they sit closer to any author's mean: part of a rise in signature
closeness could be length alone. Here the base model (``--model.path`` of the config) and the
trained one (the first argument) write on the same held-out tasks with the same seed, with
no stop token (every completion runs to ``--sampling.max-tokens``), and are scored by the
taskset's own rewards. Prints every component for both, mean ± 95% CI over tasks.
``rlnvr controls`` does this for any taskset at the base model's median length.
"""

from __future__ import annotations

import sys

import rlnvr  # noqa: F401  (fast BLAS before mlx)
from rlnvr.trainers.controls import NoStop


def main() -> None:
    from pydantic_config import cli

    from rlnvr.trainers.config import TrainConfig
    from rlnvr.trainers.evaluate import evaluate
    from rlnvr.trainers.models import load_mlx
    from rlnvr.trainers.tasksets import load_tasks
    from rlnvr.trainers.trainer import split_tasks

    if len(sys.argv) < 2 or sys.argv[1].startswith(("-", "@")):
        sys.exit(__doc__)
    trained, args = sys.argv[1], sys.argv[2:]
    cfg = cli(TrainConfig, args=args)
    _, tasks = split_tasks(load_tasks(cfg.env.taskset), cfg.env.eval)
    results = {}
    for name, path in (("base", cfg.model.path), ("trained", trained)):
        model, tokenizer = load_mlx(path)
        policy = NoStop(model, tokenizer.eos_token_ids)
        results[name] = evaluate(
            policy, tokenizer, tasks, cfg.env.eval, cfg.sampling.max_tokens, seed=cfg.trainer.seed
        )
    print(f"{len(tasks)} held-out tasks x {cfg.env.eval.samples}, no stop token, "
          f"{cfg.sampling.max_tokens} tokens each")  # fmt: skip
    print("| component | base | trained |\n|---|---|---|")
    for key in [k for k in results["base"] if k != "n_tasks" and not k.endswith("_ci95")]:
        cells = [f"{r[key]:.3f} ± {r[f'{key}_ci95']:.3f}" for r in results.values()]
        print(f"| {key} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
