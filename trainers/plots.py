"""Plots of a training run, drawn from its own metrics.jsonl and eval.jsonl."""

from __future__ import annotations

import json
from pathlib import Path

from rlnvr.trainers.hack_monitor import LABELS, PREFIX, WARNINGS
from rlnvr.trainers.jsonl_log import read_rows

PANELS = [
    ("frac_zero_std", "groups dropped (zero reward spread)"),
    ("clip_frac", "clip fraction"),
    ("kl", "KL to reference (k3)"),
    ("entropy", "policy entropy (nats/token)"),
    ("completion_len", "completion length (tokens)"),
    ("gen_tokens_per_s", "rollout tokens/s"),
]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_rewards(rows: list[dict], evals: list[dict], path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    steps = [r["step"] for r in rows]
    mean = [r["reward_mean"] for r in rows]
    std = [r["reward_std"] for r in rows]
    ax.plot(steps, mean, color="C0", label="train reward (mean over rollouts)")
    lower = [m - s for m, s in zip(mean, std, strict=True)]
    upper = [m + s for m, s in zip(mean, std, strict=True)]
    ax.fill_between(steps, lower, upper, color="C0", alpha=0.15, label="± std")
    components = sorted({k for r in rows for k in r if k.startswith("reward/")})
    if len(components) > 1:
        for i, name in enumerate(components):
            ax.plot(
                steps,
                [r.get(name) for r in rows],
                lw=0.8,
                color=f"C{i + 2}",
                label=name.removeprefix("reward/"),
            )
    if evals:
        ax.errorbar(
            [e["step"] for e in evals],
            [e["reward"] for e in evals],
            yerr=[e.get("reward_ci95", 0) for e in evals],
            fmt="o",
            color="C3",
            capsize=3,
            label="held-out reward (95% CI)",
        )
    ax.set_xlabel("step")
    ax.set_ylabel("reward")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_training(rows: list[dict], path: Path) -> None:
    plt = _pyplot()
    panels = [(k, t) for k, t in PANELS if any(k in r for r in rows)]
    fig, axes = plt.subplots(2, 3, figsize=(11, 5.5), dpi=110)
    for ax, (key, title) in zip(axes.flat, panels, strict=False):
        points = [(r["step"], r[key]) for r in rows if key in r]
        ax.plot(*zip(*points, strict=True), lw=1)
        ax.set_title(title, fontsize=9)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(panels) :]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_monitor(rows: list[dict], thresholds: dict, path: Path) -> None:
    """One panel per hack-monitor signal over steps, its threshold dashed (from monitor.json)
    and a red mark at every step where it warned; the reward in grey on a twin axis."""
    plt = _pyplot()
    names = [n for n in LABELS if any(PREFIX + n in r for r in rows)]
    cols, lines = 3, -(-len(names) // 3)
    fig, axes = plt.subplots(lines, cols, figsize=(11, 3 * lines), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        points = [(r["step"], r[PREFIX + name]) for r in rows if PREFIX + name in r]
        ax.plot(*zip(*points, strict=True), lw=1.2, color="C0")
        bound = thresholds.get(name, {}).get("threshold")
        for y in bound if isinstance(bound, list) else [] if bound is None else [bound]:
            ax.axhline(y, ls="--", lw=0.8, color="0.4")
        warned = {r["step"] for r in rows if name in r.get(WARNINGS, [])}
        fired = [(s, v) for s, v in points if s in warned]
        if fired:
            ax.scatter(*zip(*fired, strict=True), color="C3", s=14, zorder=3, label="warning")
            ax.legend(fontsize=7)
        twin = ax.twinx()
        twin.plot([r["step"] for r in rows], [r["reward_mean"] for r in rows], lw=0.7, color="0.7")
        twin.tick_params(labelsize=7, colors="0.5")
        ax.set_title(LABELS[name], fontsize=9)
        ax.set_xlabel("step", fontsize=8)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(names) :]:
        ax.axis("off")
    fig.suptitle("hack monitor: signal (blue), threshold (dashed), warning (red), reward (grey)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_run(run_dir: Path) -> list[Path]:
    """Write ``reward.png``, ``training.png`` and, when the hack monitor ran, ``monitor.png``
    into the run folder; return their paths."""
    run_dir = Path(run_dir)
    rows = read_rows(run_dir / "metrics.jsonl")
    if not rows:
        raise FileNotFoundError(f"{run_dir / 'metrics.jsonl'}: no metrics to plot")
    evals = read_rows(run_dir / "eval.jsonl")
    paths = [run_dir / "reward.png", run_dir / "training.png"]
    plot_rewards(rows, evals, paths[0])
    plot_training(rows, paths[1])
    if any(k.startswith(PREFIX) for r in rows for k in r):
        report = run_dir / "monitor.json"
        thresholds = json.loads(report.read_text())["calibration"] if report.exists() else {}
        paths.append(run_dir / "monitor.png")
        plot_monitor(rows, thresholds, paths[-1])
    return paths


def plot_ablation(table: dict[str, dict[str, tuple[float, float]]], path: Path) -> Path:
    """Grouped bars: every reward component (held out, after training) for each variant."""
    plt = _pyplot()
    columns = sorted({c for row in table.values() for c in row if c.startswith("reward/")})
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(columns)), 4), dpi=110)
    width = 0.8 / max(len(table), 1)
    for i, (variant, row) in enumerate(table.items()):
        xs = [j + i * width for j in range(len(columns))]
        means = [row.get(c, (0.0, 0.0))[0] for c in columns]
        spreads = [row.get(c, (0.0, 0.0))[1] for c in columns]
        ax.bar(xs, means, width, yerr=spreads, capsize=3, label=variant)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(columns))])
    ax.set_xticklabels([c.removeprefix("reward/") for c in columns], rotation=20)
    ax.set_ylabel("held-out mean (± spread over seeds)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return Path(path)
