"""Get MNIST, Fashion-MNIST and CIFAR-10 onto a laptop, verified, once.

``fetch(name)`` builds the dataset's cache (from a local folder of the standard
files, or by downloading from the official mirrors) and returns its path;
``load(name)`` returns its arrays; ``load_bundled()`` returns the small MNIST
subset shipped in this repository, for working offline.
"""
import os
from pathlib import Path

import numpy as np

from . import cache
from .assemble import build
from .cache import cache_path
from .errors import CacheError, ChecksumError, DataError, DownloadError, FormatError
from .sources import DATASETS, get_spec

BUNDLED = Path(__file__).parent / "bundled" / "mnist_mini.npz"

__all__ = ["fetch", "load", "load_bundled", "cache_path", "DATASETS", "DataError",
           "DownloadError", "ChecksumError", "FormatError", "CacheError"]


def fetch(name, source_dir=None, cache_dir=None, mirrors=None, progress=None, force=False):
    """Path of the verified cache of dataset ``name``, built if missing or invalid.

    ``source_dir`` (or ``$SCRATCHNN_DATA_FROM``): a folder of the standard files,
    used instead of the internet. ``mirrors``: base URLs replacing the official ones.
    """
    spec = get_spec(name)
    path = cache.cache_path(spec.name, cache_dir)
    if not force and _valid(path, spec):
        return path
    source_dir = source_dir or os.environ.get("SCRATCHNN_DATA_FROM") or None
    arrays, meta = build(spec, source_dir, path.parent / "downloads", mirrors, progress)
    try:
        return cache.write(path, arrays, meta)
    except OSError as exc:
        raise DataError(f"could not write the cache {path} ({exc.strerror}); free some space "
                        f"or choose another folder with SCRATCHNN_DATA_DIR") from None


def load(name, **kwargs):
    """The arrays of dataset ``name`` (see :mod:`data_scripts.cache` for the keys)."""
    spec = get_spec(name)
    return cache.read(fetch(spec, **kwargs))


def is_cached(name, cache_dir=None):
    spec = get_spec(name)
    return _valid(cache.cache_path(spec.name, cache_dir), spec)


def load_bundled():
    """The bundled mini MNIST: 6,000 training and 1,000 test images, same keys as
    the cache plus ``train_index``/``test_index`` into the official files."""
    with np.load(BUNDLED, allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def _valid(path, spec):
    """True if ``path`` is a readable cache of exactly this dataset's payloads."""
    try:
        arrays = cache.read(path)
    except (FileNotFoundError, CacheError):
        return False
    return arrays["meta"].get("md5") == {f.name: f.md5 for f in spec.files}
