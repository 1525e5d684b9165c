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
