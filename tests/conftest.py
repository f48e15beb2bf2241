"""Shared fixtures: where the repository, the shared datasets and the real
MNIST files are."""
import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")  # tests never open windows

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
MNIST_DIR = Path(os.environ.get("SCRATCHNN_MNIST_DIR", SHARED / "datasets" / "mnist"))
GET_MNIST = (f"the real MNIST files (train-images-idx3-ubyte.gz and the three others) are "
             f"expected in {MNIST_DIR}; get them with `python -m data_scripts fetch mnist` and "
             f"point SCRATCHNN_MNIST_DIR at a folder holding the four files")


@pytest.fixture(scope="session")
def repo_root():
    return REPO


@pytest.fixture(scope="session")
def mnist_dir():
    """The folder of the four real MNIST files; fails (never skips) when absent."""
    if not (MNIST_DIR / "train-images-idx3-ubyte.gz").exists():
        pytest.fail(GET_MNIST)
    return MNIST_DIR
