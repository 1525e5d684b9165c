import json
import shutil

import mlx.core as mx
import numpy as np
import pytest

from rlnvr.trainers.model_card import write_model_card
from rlnvr.trainers.models import load_mlx, load_torch
from rlnvr.trainers.pretrain import PretrainConfig, batch_indices, pretrain


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, samples):
    """A small slice of the bundled samples: one novel, one day of headlines, the posts."""
    root = tmp_path_factory.mktemp("data")
    novel = root / "literature/british_fiction/Austen_Emma.txt"
    novel.parent.mkdir(parents=True)
    shutil.copy(samples / "literature/british_fiction/Austen_Emma.txt", novel)
    day = root / "headlines/foresight_forge_raw/2025-07-15.json"
    day.parent.mkdir(parents=True)
    shutil.copy(samples / "headlines/foresight_forge_raw/2025-07-15.json", day)
    return root


def tiny(data_dir, out, steps=8) -> PretrainConfig:
    return PretrainConfig(
        data_dir=str(data_dir),
        out=str(out),
        vocab_size=400,
        hidden_size=32,
        num_layers=1,
        num_heads=2,
        num_kv_heads=1,
        head_dim=16,
        intermediate_size=64,
        seq_len=32,
        batch_size=4,
        steps=steps,
        warmup_steps=1,
        eval_every=4,
        checkpoint_every=1,
        heldout_percent=10.0,
    )


class Killed(Exception):
    pass


def test_pretrain_writes_a_model_both_backends_load(data_dir, tmp_path):
    stats = pretrain(tiny(data_dir, tmp_path / "m", steps=30))
    log = [json.loads(r) for r in (tmp_path / "m/training_log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == list(range(1, 31))
    assert log[-1]["loss"] < log[0]["loss"]
    assert stats["heldout_perplexity"] < 400  # better than uniform over the vocabulary
    model, tokenizer = load_mlx(tmp_path / "m")
    tmodel, _ = load_torch(tmp_path / "m")
    assert tokenizer.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False)
    assert sum(p.numel() for p in tmodel.parameters()) == stats["parameters"]
    write_model_card(tmp_path / "m", command="rlnvr pretrain --seed 0")
    card = (tmp_path / "m/README.md").read_text()
    assert f"{stats['heldout_perplexity']:.1f}" in card and "rlnvr pretrain --seed 0" in card
    assert (tmp_path / "m/loss.png").stat().st_size > 10_000


def test_resume_after_kill_matches_uninterrupted_run(data_dir, tmp_path):
    pretrain(tiny(data_dir, tmp_path / "straight"))

    def kill_at_step_5(step, total, row):
        if step == 5:
            raise Killed

    with pytest.raises(Killed):
        pretrain(tiny(data_dir, tmp_path / "resumed"), progress=kill_at_step_5)
    assert not (tmp_path / "resumed/model.safetensors").exists()
    pretrain(tiny(data_dir, tmp_path / "resumed"))
    a = mx.load(str(tmp_path / "straight/model.safetensors"))
    b = mx.load(str(tmp_path / "resumed/model.safetensors"))
    for name in a:
        assert np.allclose(
            np.array(a[name].astype(mx.float32)), np.array(b[name].astype(mx.float32)), atol=1e-6
        ), name
    log = (tmp_path / "resumed/training_log.jsonl").read_text().splitlines()
    steps = [json.loads(row)["step"] for row in log]
    assert steps == list(range(1, 9))


def test_data_order_depends_only_on_seed_and_step():
    first = [batch_indices(10, s, 4, seed=3) for s in range(6)]
    assert all(np.array_equal(x, batch_indices(10, s, 4, seed=3)) for s, x in enumerate(first))
    epoch = np.concatenate(first[:2] + [first[2][:2]])
    assert sorted(epoch) == list(range(10))  # each block once per epoch
