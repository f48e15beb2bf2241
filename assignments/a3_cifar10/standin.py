"""A synthetic STAND-IN for CIFAR-10, for tests and for checking the kit on a
machine without the real dataset. It is NOT CIFAR-10: its images are made-up
patterns, and accuracies measured on it say nothing about CIFAR-10.

``make_standin_cache(cache_dir)`` writes ``<cache_dir>/cifar10.npz`` in the
real cache format (:mod:`data_scripts.cache`): 50,000 training and 10,000 test
32x32x3 uint8 images, 5,000 / 1,000 per class in a shuffled order, and the
real class names. Its metadata carries the real payload checksums (so
``load_cifar10`` accepts it, as the repository's own tests do with their small
archives) and ``"standin": true`` so that a notebook can say what it runs on.

Each class is a colour tint plus an oriented stripe texture of a class-specific
angle and frequency, with a random phase (so no fixed pixel pattern gives the
class away and a linear model does poorly), drawn over a random smooth
background with strong pixel noise. Pairs of classes share close angles, so
the confusion matrix has structure. An MLP reaches roughly 55-75%.

Usage (a test, or before running the notebooks and the self-check)::

    from standin import make_standin_cache        # assignments/a3_cifar10 on sys.path
    make_standin_cache(tmp_path)                   # about 10 s, 185 MB
    monkeypatch.setenv("SCRATCHNN_DATA_DIR", str(tmp_path))

or from a shell: ``python assignments/a3_cifar10/standin.py DIR``.
"""
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # data_scripts lives at the top of the repository
    sys.path.insert(0, str(REPO))

import data_scripts  # noqa: E402
from data_scripts import cache  # noqa: E402
from data_scripts.sources import CIFAR10  # noqa: E402

SIZE = 32
# Per class: stripe angle (degrees) and frequency (cycles per image), mean tint (RGB).
# Neighbouring entries (cat/dog, automobile/truck, deer/horse) are deliberately close.
ANGLES = np.array([0, 30, 150, 60, 100, 70, 125, 110, 15, 40], dtype=np.float64)
FREQS = np.array([3.0, 5.0, 2.5, 4.0, 3.5, 4.3, 2.0, 3.2, 2.8, 5.4])
TINTS = 0.5 + 0.7 * (np.array([[0.45, 0.55, 0.65], [0.6, 0.45, 0.45], [0.5, 0.55, 0.45],
                                [0.55, 0.5, 0.45], [0.5, 0.5, 0.4], [0.55, 0.5, 0.47],
                                [0.45, 0.55, 0.42], [0.55, 0.48, 0.42], [0.42, 0.5, 0.62],
                                [0.6, 0.48, 0.5]]) - 0.5)


def _smooth_basis():
    """Low-frequency 2-D cosines, (16, 32, 32): the random backgrounds' ingredients."""
    t = (np.arange(SIZE) + 0.5) / SIZE
    waves = [np.cos(np.pi * k * t) for k in range(4)]
    return np.stack([np.outer(a, b) for a in waves for b in waves])


def _images(labels, rng):
    """uint8 images (N, 32, 32, 3) of the classes ``labels``."""
    n = len(labels)
    yy, xx = np.meshgrid(np.arange(SIZE) / SIZE, np.arange(SIZE) / SIZE, indexing="ij")
    angle = np.deg2rad(ANGLES[labels] + rng.normal(0, 8, n))[:, None, None]
    freq = (FREQS[labels] * rng.uniform(0.85, 1.15, n))[:, None, None]
    phase = rng.uniform(0, 2 * np.pi, n)[:, None, None]
    stripes = np.cos(2 * np.pi * freq * (xx * np.cos(angle) + yy * np.sin(angle)) + phase)
    contrast = rng.uniform(0.05, 0.14, (n, 3))  # per channel: coloured stripes
    tint = TINTS[labels] + rng.normal(0, 0.06, (n, 3))
    background = np.einsum("nck,khw->nchw", rng.normal(0, 0.06, (n, 3, 16)), _smooth_basis())
    noise = rng.normal(0, 0.26, (n, 3, SIZE, SIZE))
    x = tint[:, :, None, None] + contrast[:, :, None, None] * stripes[:, None] + background + noise
    return (np.clip(x, 0, 1) * 255).round().astype(np.uint8).transpose(0, 2, 3, 1)


def make_arrays(seed=0, per_class_train=5000, per_class_test=1000, chunk=5000):
    """The stand-in's arrays, keyed like the cache: x_train, y_train, x_test, y_test, classes."""
    rng = np.random.default_rng(seed)
    out = {}
    for split, per_class in (("train", per_class_train), ("test", per_class_test)):
        labels = rng.permutation(np.repeat(np.arange(10), per_class)).astype(np.uint8)
        images = np.empty((len(labels), SIZE, SIZE, 3), dtype=np.uint8)
        for i in range(0, len(labels), chunk):
            images[i:i + chunk] = _images(labels[i:i + chunk].astype(np.int64), rng)
        out[f"x_{split}"], out[f"y_{split}"] = images, labels
    out["classes"] = np.array(CIFAR10.classes)
    return out


def make_standin_cache(cache_dir, seed=0, **sizes):
    """Write the stand-in as ``<cache_dir>/cifar10.npz``; returns its path.
    (Smaller ``per_class_train`` / ``per_class_test`` make a quicker one.)"""
    arrays = make_arrays(seed, **sizes)
    meta = {"dataset": "cifar10", "standin": True, "seed": seed,
            "note": "synthetic stand-in for tests, not CIFAR-10",
            # the real payloads' checksums, so that load_cifar10 accepts the file
            "md5": {f.name: f.md5 for f in CIFAR10.files}}
    path = cache.write(cache.cache_path("cifar10", cache_dir), arrays, meta)
    assert data_scripts.is_cached("cifar10", cache_dir)
    return path


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else "/var/tmp/scratchnn_cifar_standin"
    print(make_standin_cache(target))
