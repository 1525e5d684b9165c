import json
import shutil

import mlx.core as mx
import numpy as np
import pytest
import torch

from rlnvr.trainers.models import (
    ModelFolderError,
    bundled_model_path,
    check_folder,
    load_torch,
    resolve,
)


def test_bundled_model_is_small_qwen3():
    path = bundled_model_path()
    config = json.loads((path / "config.json").read_text())
    assert config["model_type"] == "qwen3"
    size = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
    assert size < 25 * 2**20


def test_mlx_and_transformers_give_same_logprobs(tiny_mlx):
    model, tokenizer = tiny_mlx
    tmodel, ttokenizer = load_torch("rlnvr-tiny")
    text = "It is a truth universally acknowledged that a single man must be in want of a wife."
    ids = tokenizer.encode(text)
    assert ids == ttokenizer(text)["input_ids"]
    logits = model(mx.array([ids])).astype(mx.float32)
    mlx_lp = np.array(logits - mx.logsumexp(logits, axis=-1, keepdims=True))
    with torch.no_grad():
        torch_lp = torch.log_softmax(tmodel(torch.tensor([ids])).logits, -1).numpy()
    assert np.abs(mlx_lp - torch_lp).max() < 1e-4


def test_mlx_model_computes_in_fp32_on_cpu(tiny_mlx):
    model, _ = tiny_mlx
    assert model.model.embed_tokens.weight.dtype == mx.float32


def test_hub_id_passes_through_unchanged():
    assert resolve("Qwen/Qwen3-0.6B") == "Qwen/Qwen3-0.6B"
    assert resolve(None) == resolve("rlnvr-tiny") == str(bundled_model_path())


@pytest.fixture
def model_copy(tmp_path):
    dst = tmp_path / "model"
    shutil.copytree(bundled_model_path(), dst, ignore=shutil.ignore_patterns(".work"))
    return dst


def test_missing_folder_names_the_path(tmp_path):
    with pytest.raises(ModelFolderError, match=str(tmp_path / "nope")):
        resolve(tmp_path / "nope")


def test_missing_config_is_named(model_copy):
    (model_copy / "config.json").unlink()
    with pytest.raises(ModelFolderError, match="config.json is missing"):
        check_folder(model_copy)


def test_missing_tokenizer_is_named(model_copy):
    (model_copy / "tokenizer.json").unlink()
    with pytest.raises(ModelFolderError, match=f"{model_copy}: no tokenizer"):
        check_folder(model_copy)


def test_corrupt_weights_are_named(model_copy):
    weights = model_copy / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(ModelFolderError, match=f"{weights}: corrupt safetensors"):
        check_folder(model_copy)


def test_config_without_model_type_is_named(model_copy):
    config = model_copy / "config.json"
    config.write_text(json.dumps({"hidden_size": 8}))
    with pytest.raises(ModelFolderError, match="'model_type' is missing"):
        check_folder(model_copy)
