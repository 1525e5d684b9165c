"""Training step speed: the trainer's GSPO update vs a plain MLX step, and achieved FLOP/s.

    .venv/bin/python benchmarks/train_step.py [--model rlnvr-tiny] [--batch 8] [--length 128]
                                              [--group-size 8]

Both sides take one optimizer step on the same model, batch (B sequences of L tokens, the
last 3/4 of each a completion; each run of ``--group-size`` rows shares its prompt, as a
rollout group does) and loss; the plain side is the GSPO loss written in a few lines with
nn.value_and_grad and AdamW over packed rows. Achieved FLOP/s counts the matmuls of forward
and backward (3x forward) over the tokens each side computes (the trainer runs a shared
prompt once) and is compared with a large fp32 matmul on this machine.
Target: the trainer within 1.1x of the plain step.
"""

from __future__ import annotations

import argparse

from timing import interleaved

import rlnvr  # noqa: F401  (fast BLAS before mlx)
from rlnvr.doctor import matmul_check
from rlnvr.trainers.config import TrainConfig
from rlnvr.trainers.rollout import Rollout
from rlnvr.trainers.trainer import Trainer


def plain_step(model, batch):
    """The baseline: GSPO in a few lines of MLX."""
    import mlx.core as mx
    import mlx.nn as nn
    import mlx.optimizers as optim

    def loss_fn(model, inputs, targets, mask, old, adv):
        logits = model(inputs).astype(mx.float32)
        logp = mx.take_along_axis(logits, targets[..., None], -1).squeeze(-1)
        logp = logp - mx.logsumexp(logits, axis=-1)
        ratio = mx.exp(((logp - old) * mask).sum(1) / mask.sum(1))
        return -mx.minimum(ratio * adv, mx.clip(ratio, 1 - 3e-4, 1 + 4e-4) * adv).mean()

    opt = optim.AdamW(learning_rate=1e-5)
    grad_fn = nn.value_and_grad(model, loss_fn)

    def step():
        loss, grads = grad_fn(
            model, batch.inputs, batch.targets, batch.mask, batch.old, batch.advantages
        )
        opt.update(model, grads)
        mx.eval(model.parameters(), opt.state, loss)

    return step


def matmul_flops_per_token(config: dict, context: int) -> float:
    d, layers = config["hidden_size"], config["num_hidden_layers"]
    q = config["num_attention_heads"] * config["head_dim"]
    kv = config["num_key_value_heads"] * config["head_dim"]
    linear = d * (2 * q + 2 * kv) + 3 * d * config["intermediate_size"]
    attention = 2 * context * q  # scores and weighted values, causal average ~context/2 each
    forward = 2 * (layers * (linear + attention) + d * config["vocab_size"])
    return 3 * forward


def main() -> None:
    import numpy as np

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="rlnvr-tiny")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--group-size", type=int, default=8,
                        help="rows sharing one prompt (8: one rollout group; 1: none shared)")
    args = parser.parse_args()
    cfg = TrainConfig.model_validate({"model": {"path": args.model}, "trainer": {"minibatches": 1}})
    trainer = Trainer(cfg)
    rng = np.random.default_rng(0)
    vocab, prompt = trainer.model.args.vocab_size, args.length // 4
    prompts = [rng.integers(0, vocab, prompt).tolist() for _ in range(args.batch)]
    samples = [
        (
            Rollout(
                f"group{i // args.group_size}",
                prompts[i // args.group_size],
                rng.integers(0, vocab, args.length - prompt).tolist(),
                [-5.0] * (args.length - prompt),
                "",
                True,
            ),
            float(a),
        )
        for i, a in enumerate(rng.standard_normal(args.batch))
    ]
    from rlnvr.trainers.trainer import build_batch

    batch = build_batch(samples, pad_id=0)
    times = interleaved(
        {"ours": lambda: trainer.update(samples, rng), "plain": plain_step(trainer.model, batch)},
        args.repeats,
        args.rounds,
    )
    ours, plain = times["ours"], times["plain"]
    tokens = args.batch * (args.length - 1)
    per_token = matmul_flops_per_token(trainer.model.args.__dict__, args.length / 2)
    # the trainer runs each shared prompt once: count the tokens it actually computes
    groups = -(-args.batch // args.group_size)
    computed = tokens - (args.batch - groups) * (prompt - 1) if args.group_size > 1 else tokens
    flops = per_token * computed
    peak, _ = matmul_check(n=1024, repeats=5)
    print(f"batch {args.batch} x {args.length} tokens ({args.group_size} rows per prompt), "
          f"model {args.model}")
    print(f"trainer GSPO update     {ours:.3f} s/step  {tokens / ours:>8.0f} tokens/s")
    print(f"plain MLX GSPO step     {plain:.3f} s/step  {tokens / plain:>8.0f} tokens/s")
    print(f"trainer / plain time: {ours / plain:.2f}x (target <= 1.1x)")
    print(
        f"achieved {flops / ours / 1e9:.1f} GFLOP/s = {flops / ours / 1e9 / peak:.0%} of a "
        f"1024^3 fp32 matmul ({peak:.1f} GFLOP/s)"
    )


if __name__ == "__main__":
    main()
