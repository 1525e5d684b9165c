"""CLI overrides that shrink a real training run to seconds (the end-to-end tests' budget)."""

SMALL_RUN = [
    "--trainer.tasks-per-step",
    "2",
    "--trainer.group-size",
    "4",
    "--sampling.max-tokens",
    "12",
    "--env.eval.max-tasks",
    "4",
    "--trainer.checkpoint-every",
    "1",
]
