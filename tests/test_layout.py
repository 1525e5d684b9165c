"""The layout the design asks for: environments never import rlnvr, rlnvr never imports an
environment, and the shared modules an environment carries are exact generated copies."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("varro", "walter", "horace")
RLNVR_FOLDERS = ("rlnvr", "trainers", "rubrics", "data_pipelines")


def vendor_script():
    spec = importlib.util.spec_from_file_location("vendor", REPO / "scripts" / "vendor.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["vendor"] = module  # dataclasses and the like look their module up
    spec.loader.exec_module(module)
    return module


def imported_roots(path: Path) -> set[str]:
    """Top-level packages a module imports (absolute imports only)."""
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_an_environment_imports_no_rlnvr(env):
    package = REPO / "environments" / env / f"rlnvr_{env}"
    offenders = {
        str(path.relative_to(REPO)): sorted(roots)
        for path in package.rglob("*.py")
        if (roots := {r for r in imported_roots(path) if r == "rlnvr"})
    }
    assert offenders == {}


def test_rlnvr_imports_no_environment():
    packages = {f"rlnvr_{env}" for env in ENVIRONMENTS}
    offenders = {
        str(path.relative_to(REPO)): sorted(imported_roots(path) & packages)
        for folder in RLNVR_FOLDERS
        for path in (REPO / folder).rglob("*.py")
        if imported_roots(path) & packages
    }
    assert offenders == {}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_vendored_copies_match_their_source(env):
    """`python scripts/vendor.py` regenerates them; edit the source in rubrics/ or
    data_pipelines/, never the copy."""
    assert vendor_script().drift(env) == []


def test_drift_is_detected(monkeypatch):
    """A copy that differs from what the script would write is reported by name."""
    vendor = vendor_script()
    want = vendor.expected("varro")
    copy = REPO / "environments" / "varro" / "rlnvr_varro" / "_vendor" / "text.py"
    edited = {**want, copy: want[copy] + b"# the source changed\n"}
    monkeypatch.setattr(vendor, "expected", lambda env: edited)
    assert vendor.drift("varro") == ["environments/varro/rlnvr_varro/_vendor/text.py"]
