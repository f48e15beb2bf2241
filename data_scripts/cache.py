"""The dataset cache: one ``<name>.npz`` per dataset, written atomically.

Location: ``$SCRATCHNN_DATA_DIR``, else ``$XDG_CACHE_HOME/scratchnn``, else
``~/.cache/scratchnn``. Keys: ``x_train``, ``x_test`` uint8 images ((N, 28, 28)
or (N, 32, 32, 3)); ``y_train``, ``y_test`` uint8 labels; ``classes`` (10,)
strings; ``meta`` a JSON string (format version, dataset, payload md5s).
No pickled objects: the file loads with ``allow_pickle=False``.
"""
import json
import os
from pathlib import Path

import numpy as np

from .errors import CacheError

FORMAT = 1
KEYS = ("x_train", "y_train", "x_test", "y_test", "classes", "meta")


def cache_dir(cache_dir=None):
    if cache_dir:
        return Path(cache_dir)
    if os.environ.get("SCRATCHNN_DATA_DIR"):
        return Path(os.environ["SCRATCHNN_DATA_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "scratchnn"


def cache_path(name, cache_dir_=None):
    return cache_dir(cache_dir_) / f"{name}.npz"


def write(path, arrays, meta):
    """Write the cache atomically: a reader sees the old file or the whole new one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            np.savez(f, meta=np.array(json.dumps({**meta, "format": FORMAT})), **arrays)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def read(path, expected_shapes=None):
    """The cache's arrays as a dict, or :class:`CacheError` saying why not."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except FileNotFoundError:
        raise
    except Exception as exc:
        raise CacheError(f"{path} is unreadable ({type(exc).__name__}: {exc})") from None
    missing = [k for k in KEYS if k not in arrays]
    if missing:
        raise CacheError(f"{path} lacks {missing}")
    try:
        meta = json.loads(str(arrays["meta"]))
    except ValueError:
        raise CacheError(f"{path} has unreadable metadata") from None
    if meta.get("format") != FORMAT:
        raise CacheError(f"{path} was written by another version (format "
                         f"{meta.get('format')}, this one reads {FORMAT})")
    for key in ("x_train", "y_train", "x_test", "y_test"):
        if arrays[key].dtype != np.uint8:
            raise CacheError(f"{path}: {key} is {arrays[key].dtype}, expected uint8")
    for split in ("train", "test"):
        if len(arrays[f"x_{split}"]) != len(arrays[f"y_{split}"]):
            raise CacheError(f"{path}: {split} images and labels differ in number")
    for key, shape in (expected_shapes or {}).items():
        if arrays[key].shape != shape:
            raise CacheError(f"{path}: {key} has shape {arrays[key].shape}, expected {shape}")
    arrays["meta"] = meta
    return arrays
