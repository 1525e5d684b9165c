import os
from pathlib import Path

import pytest

import rlnvr  # noqa: F401  (fast BLAS before mlx)

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never reach a model hub

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "data" / "samples"


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def tiny_mlx():
    from rlnvr.trainers.models import load_mlx

    return load_mlx("rlnvr-tiny")


@pytest.fixture(scope="session")
def embedder():
    from rlnvr.rubrics.embeddings import Embedder

    return Embedder()


@pytest.fixture(scope="module")
def one_torch_thread():
    """One torch thread for a module: on a busy two-core machine two OpenMP threads spin-wait
    for each other and run ~5x slower."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def mlx_server(tmp_path_factory):
    """A real OpenAI-compatible server (mlx_lm.server) for the bundled model, one per session."""
    from fixtures.mlx_server import serve

    with serve(tmp_path_factory.mktemp("mlx_server")) as server:
        yield server


@pytest.fixture(scope="session")
def uv_dir(tmp_path_factory) -> Path:
    from fixtures.uv import uv_executable

    return uv_executable(tmp_path_factory.mktemp("uv")).parent
