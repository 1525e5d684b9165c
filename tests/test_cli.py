import os
import subprocess
import sys
from pathlib import Path

import pytest

import rlnvr


def rlnvr_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rlnvr.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        timeout=300,
    )


def test_help_lists_commands():
    out = rlnvr_cli("--help")
    assert out.returncode == 0
    for command in ("generate", "doctor", "pretrain"):
        assert command in out.stdout


@pytest.mark.parametrize("command", ["generate", "doctor", "pretrain"])
def test_every_command_has_help(command):
    out = rlnvr_cli(command, "--help")
    assert out.returncode == 0 and "Usage" in out.stdout


def test_doctor_reports_backend_blas_and_sources():
    out = rlnvr_cli("doctor")
    assert out.returncode == 0, out.stderr
    for field in ("mlx device", "BLAS", "fp32 matmul", "bundled model", "embedding model"):
        assert field in out.stdout
    if sys.platform == "linux":
        assert "OpenBLAS loaded" in out.stdout
        assert "Nothing to fix" in out.stdout


def test_doctor_says_how_to_get_fast_blas_back():
    out = rlnvr_cli("doctor", env={"RLNVR_BLAS": "reference"})
    assert out.returncode == 0
    if sys.platform == "linux":
        assert "disabled by RLNVR_BLAS=reference" in out.stdout
        assert "fix" in out.stdout


def test_generate_runs_the_bundled_model():
    out = rlnvr_cli("generate", "Write a post about the sea.", "--max-tokens", "12", "--temp", "0")
    assert out.returncode == 0, out.stderr
    assert "tokens/s" in out.stdout


def test_generate_names_a_broken_model_folder(tmp_path):
    out = rlnvr_cli("generate", "hi", "--model", str(tmp_path))
    assert out.returncode != 0
    assert f"{tmp_path}: config.json is missing" in out.stderr


def test_fast_blas_is_loaded_and_correct():
    if sys.platform != "linux":
        pytest.skip("OpenBLAS preloading is for Linux CPU")
    from rlnvr.doctor import matmul_check

    assert rlnvr.BLAS.library, rlnvr.BLAS.reason
    _, err = matmul_check(n=128, repeats=1)
    assert err < 1e-4


def test_varro_ingest_archives_is_idempotent(tmp_path, samples):
    args = ("varro", "ingest", "--store", str(tmp_path / "store"),
            "--archive", str(samples / "headlines/varro_daily"))
    first = rlnvr_cli(*args)
    assert first.returncode == 0, first.stderr
    assert " 0 added" not in first.stdout
    before = {p.name: p.read_bytes() for p in (tmp_path / "store").glob("*.json")}
    second = rlnvr_cli(*args)
    assert " 0 added" in second.stdout
    assert before == {p.name: p.read_bytes() for p in (tmp_path / "store").glob("*.json")}


def test_walter_ingest_reports_skips_and_writes_store(tmp_path, samples):
    out = rlnvr_cli("walter", "ingest", str(samples / "bluesky"), "--store",
                    str(tmp_path / "posts.jsonl"))
    assert out.returncode == 0, out.stderr
    assert "no_text" in out.stdout and "distinct linked URLs" in out.stdout
    assert (tmp_path / "posts.jsonl").stat().st_size > 0



SHIPPED_CONFIGS = sorted((Path(__file__).resolve().parent.parent / "configs").glob("*.toml"))


@pytest.mark.parametrize("path", SHIPPED_CONFIGS, ids=lambda p: p.stem)
def test_every_shipped_config_validates(path):
    """A typo in a config that a README tells users to run fails here, not an hour in."""
    from pydantic_config import cli
    from verifiers.v1.configs.taskset import TasksetConfig
    from verifiers.v1.utils.generic import concrete_type

    from rlnvr.trainers.config import TrainConfig
    from rlnvr.trainers.daily_loop import DailyLoopConfig
    from rlnvr.trainers.tasksets import taskset_type

    kind = DailyLoopConfig if "[daily]" in path.read_text() else TrainConfig
    cfg = cli(kind, args=["@", str(path)], prog="rlnvr", description="")
    taskset = taskset_type(cfg.env.taskset["id"])
    concrete_type(taskset, TasksetConfig).model_validate(cfg.env.taskset)


def test_held_out_replies_are_sampled_at_the_training_temperature():
    """A run trained at 0.7 and evaluated at 1.0 measures a policy nobody samples."""
    from pydantic_config import cli

    from rlnvr.trainers.config import TrainConfig

    def eval_temperature(*args: str) -> float | None:
        return cli(TrainConfig, args=list(args), prog="rlnvr", description="").env.eval.temperature

    assert eval_temperature("--sampling.temperature", "0.7") == 0.7
    assert eval_temperature("--sampling.temperature", "0.7", "--env.eval.temperature", "0") == 0.0
    assert eval_temperature() == 1.0
