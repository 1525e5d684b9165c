"""Each environment package installs alone, from wheels, and scores offline.

A hub worker gets an environment's wheel and its declared dependencies, nothing else. The slow
test rebuilds that: wheels of rlnvr and of each environment from a copy of the checkout (only
what git would ship, by ``.gitignore``), every dependency fetched once by pip (with this
machine's pip configuration, as ``scripts/setup.sh`` installs) into a shared wheel directory,
then one fresh ``python -m venv`` per environment (no system site-packages) filled from that
directory alone (``--no-index``), so a dependency the package forgot to declare fails the install
or the import. uv does the filling, as the hub's installer does: pip takes minutes per venv.
rlnvr is not on PyPI, so its wheel stands in for the index. On Linux torch is pinned to the CPU
build; a bare ``torch`` (from sentence-transformers) would pull a multi-GB CUDA build.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from fixtures.uv import uv_executable
from test_environments import ENVS, HONEST

REPO = Path(__file__).resolve().parent.parent
CHECK = Path(__file__).resolve().parent / "fixtures" / "standalone_check.py"
HUB_SECTIONS = [
    "### Overview",
    "### Datasets",
    "### Task",
    "### Quickstart",
    "### Environment Arguments",
    "### Metrics",
    "prime env push",
]
TORCH_PIN = ["torch==2.13.0"] if sys.platform == "linux" else []


def env_dir(env_id: str) -> Path:
    return REPO / "environments" / env_id.removeprefix("rlnvr-")


def run(*args: str | Path, cwd: Path | None = None) -> str:
    """Run a command; on failure show its output, which a bare CalledProcessError hides.

    Variables that would let a child python see the repository's venv are dropped.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["HF_HUB_OFFLINE"] = "1"
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, cwd=cwd)
    assert done.returncode == 0, f"{args}\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done.stdout


def shipped_copy(src: Path, dst: Path, patterns: list[str]) -> None:
    ignore = shutil.ignore_patterns(*patterns)
    if src.is_dir():
        shutil.copytree(src, dst, ignore=ignore)
    else:
        shutil.copy2(src, dst)


@pytest.mark.parametrize("env_id", ENVS)
def test_readme_and_metadata_in_hub_format(env_id):
    project = tomllib.loads((env_dir(env_id) / "pyproject.toml").read_text())["project"]
    readme = (env_dir(env_id) / project["readme"]).read_text()
    assert project["name"] == env_id and project["description"] and project["tags"]
    assert [s for s in HUB_SECTIONS if s not in readme] == []
    assert f"`{env_id}`" in readme  # the Environment ID line


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory) -> tuple[Path, Path]:
    """(dist, deps): the four built wheels, and every wheel an install may take."""
    root = tmp_path_factory.mktemp("hub")
    patterns = [p.strip().rstrip("/") for p in (REPO / ".gitignore").read_text().splitlines()]
    patterns = [p for p in patterns if p and not p.startswith("#")]
    rlnvr_src = root / "src" / "rlnvr"
    rlnvr_src.mkdir(parents=True)
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    for name in {"pyproject.toml", "README.md", *setuptools["package-dir"].values()}:
        shipped_copy(REPO / name, rlnvr_src / name, patterns)
    env_srcs = [root / "src" / env_id for env_id in ENVS]
    for env_id, dst in zip(ENVS, env_srcs, strict=True):
        shipped_copy(env_dir(env_id), dst, patterns)
    dist, deps = root / "dist", root / "deps"
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, rlnvr_src, *env_srcs)
    env_wheels = sorted(dist.glob("rlnvr_*.whl"))
    assert len(env_wheels) == len(ENVS)
    run(sys.executable, "-m", "pip", "wheel", "-q", "-w", deps, "--find-links", dist,
        *TORCH_PIN, *env_wheels)  # fmt: skip
    return dist, deps


@pytest.fixture(scope="module")
def uv(tmp_path_factory) -> Path:
    return uv_executable(tmp_path_factory.mktemp("uv"))


@pytest.mark.slow
@pytest.mark.parametrize("env_id", ENVS)
def test_installs_alone_and_scores_offline(env_id, wheelhouse, uv, tmp_path):
    dist, deps = wheelhouse
    (wheel,) = dist.glob(env_id.replace("-", "_") + "-*.whl")
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)  # no system site-packages
    python = venv / "bin" / "python"
    run(uv, "pip", "install", "-q", "-p", python, "--no-index", "--find-links", deps,
        *TORCH_PIN, wheel)  # fmt: skip
    run(uv, "pip", "check", "-p", python)
    out = run(python, CHECK, env_id, HONEST[env_id], cwd=tmp_path)
    report = json.loads(out.splitlines()[-1])

    assert Path(report["rlnvr"]).is_relative_to(venv)  # the wheel, not the checkout
    assert report["tasks"] >= 5
    assert report["taskset"].startswith(env_id.replace("-", "_") + ".")
    assert not report["mlx"]  # the trainer is an extra: a hub worker does not get MLX
    assert report["empty"] == 0.0
    assert report["written"]["reward"] > report["empty"]
    assert report["written"]["rewards"]  # every component scored
    requires = " ".join(report["requires_dist"])
    assert "verifiers" in requires and "rlnvr" in requires
    assert report["requires_python"] == ">=3.11"
    assert [s for s in HUB_SECTIONS if s not in report["description"]] == []
