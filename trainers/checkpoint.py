"""Checkpoints: trainable weights, optimizer, curriculum and step, written atomically.

Each checkpoint is a folder ``checkpoints/step_NNNNNN`` built under a temporary name and
renamed into place; ``checkpoints/latest`` (itself replaced atomically) names the newest
complete one. A kill at any moment leaves the previous checkpoint usable.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
from mlx.utils import tree_flatten, tree_unflatten

from rlnvr.data_pipelines.atomic import atomic_write_text

KEEP = 2


@dataclass
class TrainingState:
    """What a checkpoint holds besides arrays. Random streams are not stored: every step
    seeds them from (seed, step), so a resumed step draws exactly what it would have."""

    step: int
    curriculum: dict
    extra: dict = field(default_factory=dict)  # a loop's own progress, e.g. the last day done


def save(run_dir: Path, model: nn.Module, opt: optim.Optimizer, state: TrainingState) -> Path:
    root = Path(run_dir) / "checkpoints"
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=".tmp-"))
    mx.save_safetensors(
        str(tmp / "weights.safetensors"), dict(tree_flatten(model.trainable_parameters()))
    )
    mx.save_safetensors(str(tmp / "optimizer.safetensors"), dict(tree_flatten(opt.state)))
    (tmp / "state.json").write_text(json.dumps(state.__dict__))
    final = root / f"step_{state.step:06d}"
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)
    atomic_write_text(root / "latest", final.name)
    for old in sorted(root.glob("step_*"))[:-KEEP]:
        shutil.rmtree(old)
    return final


def latest(run_dir: Path) -> Path | None:
    pointer = Path(run_dir) / "checkpoints" / "latest"
    if not pointer.exists():
        return None
    folder = pointer.parent / pointer.read_text().strip()
    return folder if (folder / "state.json").exists() else None


def load(folder: Path, model: nn.Module, opt: optim.Optimizer) -> TrainingState:
    """Restore ``model`` and ``opt`` in place from ``folder``; return the rest."""
    model.load_weights(str(folder / "weights.safetensors"), strict=False)
    opt.state = tree_unflatten(list(mx.load(str(folder / "optimizer.safetensors")).items()))
    return TrainingState(**json.loads((folder / "state.json").read_text()))
