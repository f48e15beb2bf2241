"""Datasets as the course uses them: the usual splits, scaled to [0, 1].

Each loader returns a dict with ``X_train, y_train, X_val, y_val, X_test, y_test``
(labels int64), ``classes`` and ``source`` ("full" or "bundled").
"""
import os

import numpy as np

import data_scripts


def load_mnist(source="auto", num_val=10000, flatten=True, dtype=np.float64, fashion=False,
               data_dir=None):
    """MNIST (or Fashion-MNIST): 50,000 / 10,000 / 10,000 by default, the
    validation set being the last ``num_val`` training images.

    source: ``"full"`` (fetch the real dataset if it is not cached),
    ``"bundled"`` (the 6,000 + 1,000 image subset shipped with the kit, split
    5,000 / 1,000 / 1,000), or ``"auto"``: the full dataset if it is cached or
    ``$SCRATCHNN_DATA_FROM`` holds it, else the bundled one (never downloads).
    X: (N, 784) if ``flatten`` else (N, 28, 28), in ``dtype``.
    """
    name = "fashion_mnist" if fashion else "mnist"
    if source not in ("auto", "full", "bundled"):
        raise ValueError(f"source must be 'auto', 'full' or 'bundled', got {source!r}")
    if source == "auto":
        available = data_scripts.is_cached(name, data_dir) or os.environ.get("SCRATCHNN_DATA_FROM")
        source = "full" if available else "bundled"
    if source == "bundled":
        if fashion:
            raise ValueError("only MNIST is bundled; fetch Fashion-MNIST with "
                             "`python -m data_scripts fetch fashion_mnist`")
        raw, num_val = data_scripts.load_bundled(), min(num_val, 1000)
    else:
        raw = data_scripts.load(name, cache_dir=data_dir)
    shape = (-1, 784) if flatten else (-1, 28, 28)
    data = _split(raw, num_val, lambda x: _scaled(x.reshape(shape), dtype))
    return {**data, "source": source}


def describe_mnist(data):
    """The line a notebook prints first: which MNIST it runs on."""
    if data["source"] == "full":
        return f"MNIST: the full dataset, {len(data['X_train']):,} training images"
    return (f"MNIST: the bundled subset, {len(data['X_train']):,} training images "
            "(run `python -m data_scripts fetch mnist` for all 50,000)")


def load_cifar10(num_train=49000, num_val=1000, num_test=1000, dtype=np.float32,
                 channels_first=True, data_dir=None):
    """CIFAR-10: 49,000 / 1,000 / 1,000 by default (validation: the 1,000
    training images after the first ``num_train``). X: (N, 3, 32, 32) if
    ``channels_first`` else (N, 32, 32, 3), in ``dtype``, scaled to [0, 1]."""
    if not data_scripts.is_cached("cifar10", data_dir) and not os.environ.get("SCRATCHNN_DATA_FROM"):
        raise FileNotFoundError(
            "CIFAR-10 is not cached: run `python -m data_scripts fetch cifar10` (170 MB), or "
            "`python -m data_scripts fetch cifar10 --from DIR` with cifar-10-python.tar.gz in DIR")
    raw = data_scripts.load("cifar10", cache_dir=data_dir)
    if num_train + num_val > len(raw["x_train"]) or num_test > len(raw["x_test"]):
        raise ValueError(f"asked for {num_train}+{num_val} training and {num_test} test images; "
                         f"CIFAR-10 has {len(raw['x_train'])} and {len(raw['x_test'])}")
    raw = {**raw, "x_train": raw["x_train"][:num_train + num_val],
           "y_train": raw["y_train"][:num_train + num_val], "x_test": raw["x_test"][:num_test],
           "y_test": raw["y_test"][:num_test]}

    def convert(x):
        return _scaled(x.transpose(0, 3, 1, 2) if channels_first else x, dtype)

    return {**_split(raw, num_val, convert), "source": "full"}


def _scaled(pixels, dtype):
    """uint8 pixels as ``dtype`` in [0, 1] and C-contiguous (so that flattening
    them copies nothing): the values of ``(pixels / 255).astype(dtype)``, looked
    up in a table of 256 without that expression's float64 copy of every image."""
    return (np.arange(256) / 255).astype(dtype)[np.ascontiguousarray(pixels)]


def _split(raw, num_val, convert):
    n_train = len(raw["x_train"]) - num_val
    if n_train <= 0:
        raise ValueError(f"num_val={num_val} leaves no training images")
    labels = lambda y: y.astype(np.int64)  # noqa: E731
    return {"X_train": convert(raw["x_train"][:n_train]), "y_train": labels(raw["y_train"][:n_train]),
            "X_val": convert(raw["x_train"][n_train:]), "y_val": labels(raw["y_train"][n_train:]),
            "X_test": convert(raw["x_test"]), "y_test": labels(raw["y_test"]),
            "classes": [str(c) for c in raw["classes"]]}


def normalize(X_train, *others, eps=1e-8):
    """Standardise each feature with the *training* mean and std (never the
    test set's: that would leak it). Returns new arrays, the same number as given."""
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0) + eps
    out = tuple((x - mean) / std for x in (X_train, *others))
    return out if others else out[0]


def one_hot(y, num_classes):
    """(N,) integer labels -> (N, num_classes) matrix of 0s and 1s."""
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"one_hot needs integer labels, got dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"labels must lie in [0, {num_classes - 1}], got {y.min()}..{y.max()}")
    out = np.zeros((len(y), num_classes))
    out[np.arange(len(y)), y] = 1
    return out
