"""Copy the shared modules each environment package needs into its ``_vendor/`` folder.

    python scripts/vendor.py           # write the copies
    python scripts/vendor.py --check   # exit 1, naming the files, when a copy has drifted

An environment package installs alone from PyPI dependencies, so the few shared pieces it
uses (text normalisation, hack detectors, embeddings, atomic writes, ...) travel inside it.
Their one source stays in ``rubrics/`` and ``data_pipelines/``; this script is the only way a
copy is made. Which modules a package needs is read from its own imports
(``rlnvr_<env>._vendor.<module>``), closed over the shared modules' imports of each other;
``rlnvr.rubrics.x`` / ``rlnvr.data_pipelines.x`` imports become relative in the copy. Horace
also carries the bundled scoring model, byte for byte (git stores identical files once).
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = ("rubrics", "data_pipelines")
ENVIRONMENTS = ("varro", "walter", "horace")
ASSETS = {"horace": {"scoring_model": REPO / "rlnvr" / "assets" / "rlnvr-tiny"}}
ASSET_FILES = (
    "README.md", "chat_template.jinja", "config.json", "generation_config.json",
    "model.safetensors", "tokenizer.json", "tokenizer_config.json",
)  # fmt: skip
HEADER = "# Generated from {source} by scripts/vendor.py: do not edit.\n"
_VENDORED = re.compile(r"rlnvr_(\w+)\._vendor(?:\.(\w+)| import ([\w, ]+))")
_SHARED_IMPORT = re.compile(r"\brlnvr\.(?:rubrics|data_pipelines)(?:\.(\w+)| import ([\w, ]+))")


def shared_source(module: str) -> Path:
    found = [REPO / folder / f"{module}.py" for folder in SHARED]
    found = [p for p in found if p.exists()]
    if len(found) != 1:
        raise SystemExit(f"_vendor.{module}: no single shared module rubrics/ or data_pipelines/")
    return found[0]


def _names(match: re.Match) -> list[str]:
    if match.group(1 if match.re is _SHARED_IMPORT else 2):
        return [match.group(1 if match.re is _SHARED_IMPORT else 2)]
    names = match.group(2 if match.re is _SHARED_IMPORT else 3)
    return [n.split(" as ")[0].strip() for n in names.split(",") if n.strip()]


def needed(env: str) -> list[str]:
    """Shared modules the package imports, closed over their imports of each other."""
    package = REPO / "environments" / env / f"rlnvr_{env}"
    todo = [
        name
        for path in package.glob("*.py")
        for match in _VENDORED.finditer(path.read_text())
        for name in _names(match)
    ]
    seen: set[str] = set()
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        source = shared_source(module).read_text()
        todo += [n for m in _SHARED_IMPORT.finditer(source) for n in _names(m)]
    return sorted(seen)


def vendored_text(module: str) -> str:
    source = shared_source(module)
    text = source.read_text()
    if re.search(r"^\s*(from|import) rlnvr\b(?!\.(rubrics|data_pipelines))", text, re.M):
        raise SystemExit(f"{source}: a shared module may import only other shared modules")
    text = re.sub(r"from rlnvr\.(?:rubrics|data_pipelines)\.(\w+) import", r"from .\1 import", text)
    text = re.sub(r"from rlnvr\.(?:rubrics|data_pipelines) import", "from . import", text)
    return HEADER.format(source=source.relative_to(REPO)) + text


def expected(env: str) -> dict[Path, bytes]:
    """Every generated file of ``env``'s package, path -> content."""
    package = REPO / "environments" / env / f"rlnvr_{env}"
    init = HEADER.format(source="rubrics/ and data_pipelines/")
    files = {package / "_vendor" / "__init__.py": init}
    files |= {package / "_vendor" / f"{m}.py": vendored_text(m) for m in needed(env)}
    out = {path: text.encode("utf-8") for path, text in files.items()}
    for name, src in ASSETS.get(env, {}).items():
        for file in (src / name for name in ASSET_FILES):
            out[package / name / file.name] = file.read_bytes()
    return out


def generated_folders(env: str) -> list[Path]:
    package = REPO / "environments" / env / f"rlnvr_{env}"
    return [package / "_vendor", *(package / name for name in ASSETS.get(env, {}))]


def drift(env: str) -> list[str]:
    """Generated files that are missing, different or left over."""
    want = expected(env)
    have = {p for folder in generated_folders(env) for p in folder.rglob("*") if p.is_file()}
    have = {p for p in have if "__pycache__" not in p.parts}
    bad = [p for p, data in want.items() if not p.exists() or p.read_bytes() != data]
    bad += [p for p in have - set(want)]
    return sorted(str(p.relative_to(REPO)) for p in bad)


def write(env: str) -> None:
    for folder in generated_folders(env):
        shutil.rmtree(folder, ignore_errors=True)
    for path, data in expected(env).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report drift, write nothing")
    args = parser.parse_args()
    if args.check:
        bad = [f for env in ENVIRONMENTS for f in drift(env)]
        if bad:
            print("out of date (run python scripts/vendor.py):\n  " + "\n  ".join(bad))
            sys.exit(1)
        return
    for env in ENVIRONMENTS:
        write(env)
        print(f"rlnvr_{env}/_vendor: {', '.join(needed(env))}")


if __name__ == "__main__":
    main()
