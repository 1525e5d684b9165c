"""Each environment package installs alone, from its own folder and PyPI, and runs for real.

A hub worker gets an environment's wheel and its declared dependencies, nothing else. The slow
test rebuilds that: each ``environments/<name>/`` folder is copied alone (only what git would
ship, by ``.gitignore``) to a temporary folder and its wheel built there; every dependency is
fetched once by pip (with this machine's pip configuration, as ``scripts/setup.sh`` installs)
into a shared wheel directory; then one fresh ``python -m venv`` per environment (no system
site-packages) is filled from that directory alone (``--no-index``). rlnvr is in neither place,
so a package that still needed it, or a dependency it forgot to declare, fails the install or
the import. In that venv the package is loaded with verifiers' own loader, an honest and an
adversarial completion are scored, and ``vf-eval`` runs one real rollout against
``mlx_lm.server``. uv fills the venvs, as the hub's installer does: pip takes minutes per venv.
On Linux torch is pinned to the CPU build; a bare ``torch`` would pull a multi-GB CUDA build.
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
from fixtures.mlx_server import vf_eval_command
from packaging.version import Version
from test_environments import ADVERSARIAL, ENVS, HONEST, HONEST_TASK

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


def run(*args: str | Path, cwd: Path | None = None, path: str | None = None) -> str:
    """Run a command; on failure show its output, which a bare CalledProcessError hides.

    Variables that would let a child python see the repository's venv are dropped.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["HF_HUB_OFFLINE"] = "1"
    if path:
        env["PATH"] = path
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, cwd=cwd)
    assert done.returncode == 0, f"{args}\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done.stdout


@pytest.mark.parametrize("env_id", ENVS)
def test_readme_and_metadata_in_hub_format(env_id):
    pyproject = tomllib.loads((env_dir(env_id) / "pyproject.toml").read_text())
    project = pyproject["project"]
    readme = (env_dir(env_id) / project["readme"]).read_text()
    assert project["name"] == env_id and project["description"] and project["tags"]
    assert [s for s in HUB_SECTIONS if s not in readme] == []
    assert f"`{env_id}`" in readme  # the Environment ID line
    assert not any(d.split("[")[0].startswith("rlnvr") for d in project["dependencies"])
    assert "tool" not in pyproject or "verifiers" not in pyproject["tool"]  # nothing reads it


@pytest.fixture(scope="module")
def prerelease_deps(tmp_path_factory, wheelhouse) -> Path:
    """Wheels of the newest verifiers pre-release and what it needs beyond ``wheelhouse``."""
    deps = tmp_path_factory.mktemp("prerelease")
    run(sys.executable, "-m", "pip", "wheel", "-q", "--pre", "-w", deps, "--find-links",
        wheelhouse[1], *TORCH_PIN, "verifiers>=0.4,<0.5")  # fmt: skip
    return deps


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory) -> tuple[Path, Path]:
    """(dist, deps): each environment's wheel, built from its folder alone, and every wheel
    an install of them may take (from the package registry, no rlnvr)."""
    root = tmp_path_factory.mktemp("hub")
    patterns = [p.strip().rstrip("/") for p in (REPO / ".gitignore").read_text().splitlines()]
    ignore = shutil.ignore_patterns(*[p for p in patterns if p and not p.startswith("#")])
    dist, deps = root / "dist", root / "deps"
    for env_id in ENVS:
        alone = root / "alone" / env_id
        shutil.copytree(env_dir(env_id), alone, ignore=ignore)
        run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", dist, alone, cwd=alone)
    env_wheels = sorted(dist.glob("rlnvr_*.whl"))
    assert len(env_wheels) == len(ENVS)
    run(sys.executable, "-m", "pip", "wheel", "-q", "-w", deps, *TORCH_PIN, *env_wheels)
    assert not list(deps.glob("rlnvr-*.whl")) and not list(deps.glob("rlnvr-0*"))
    return dist, deps


@pytest.mark.slow
@pytest.mark.parametrize("verifiers", ["release", "pre-release"])
@pytest.mark.parametrize("env_id", ENVS)
def test_installs_alone_scores_and_runs_a_real_rollout(
    env_id, verifiers, wheelhouse, request, uv_dir, mlx_server, tmp_path
):
    """Also against the newest verifiers pre-release within the package's range: 0.4.1's
    reserved ``TaskData.scoring`` broke a real rollout while ``Task.score`` still passed."""
    dist, deps = wheelhouse
    (wheel,) = dist.glob(env_id.replace("-", "_") + "-*.whl")
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)  # no system site-packages
    python, uv = venv / "bin" / "python", uv_dir / "uv"
    sources = ["--find-links", deps]
    if verifiers == "pre-release":
        sources = ["--prerelease", "allow", "--find-links", request.getfixturevalue(
            "prerelease_deps"), *sources]  # fmt: skip
    run(uv, "pip", "install", "-q", "-p", python, "--no-index", *sources, *TORCH_PIN, wheel)
    run(uv, "pip", "check", "-p", python)
    honest, adversarial = HONEST[env_id], ADVERSARIAL[env_id]
    out = run(python, CHECK, env_id, honest, adversarial, HONEST_TASK.get(env_id, ""), cwd=tmp_path)
    report = json.loads(out.splitlines()[-1])

    assert not report["rlnvr_importable"] and not report["rlnvr_imported"]
    assert Path(report["package"]).is_relative_to(venv)  # the wheel, not the checkout
    assert report["tasks"] >= 5
    assert report["taskset"].startswith(env_id.replace("-", "_") + ".")
    assert report["extras_installed"] == []  # CLI, ingestion, plots and trainer are extras
    scores = report["scores"]
    assert scores["empty"]["reward"] == 0.0
    assert scores["honest"]["reward"] > scores["adversarial"]["reward"]
    assert scores["honest"]["rewards"]  # every component scored
    requires = " ".join(report["requires_dist"])
    assert "verifiers" in requires and "rlnvr " not in requires + " "
    assert report["requires_python"] == ">=3.11"
    assert Version(report["verifiers"]).is_prerelease == (verifiers == "pre-release")
    assert [s for s in HUB_SECTIONS if s not in report["description"]] == []

    # one real rollout through verifiers' own evaluation, from the package's venv
    command = vf_eval_command(venv / "bin" / "vf-eval", env_id, mlx_server, 1, tmp_path)
    run(*command, cwd=tmp_path, path=os.pathsep.join([str(uv_dir), str(venv / "bin"),
                                                      os.environ.get("PATH", "")]))  # fmt: skip
    (episode,) = [json.loads(x) for x in (tmp_path / env_id / "traces.jsonl").open()]
    assert episode["ok"] and episode["errors"] == [], episode["errors"]
    (trace,) = episode["traces"]
    assert trace["ok"] and trace["is_completed"] and trace["rewards"], trace["errors"]
